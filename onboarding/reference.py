"""Reference data shown in forms and enforced by the database."""

# The 38 municipalities of the province of Limburg (Belgium) since the mergers of
# 1 January 2025 (Bilzen-Hoeselt, Tongeren-Borgloon, Tessenderlo-Ham; Kortessem joined
# Hasselt).
LIMBURG_MUNICIPALITIES = (
    "Alken", "As", "Beringen", "Bilzen-Hoeselt", "Bocholt", "Bree", "Diepenbeek",
    "Dilsen-Stokkem", "Genk", "Gingelom", "Halen", "Hamont-Achel", "Hasselt", "Hechtel-Eksel",
    "Heers", "Herk-de-Stad", "Herstappe", "Heusden-Zolder", "Houthalen-Helchteren", "Kinrooi",
    "Lanaken", "Leopoldsburg", "Lommel", "Lummen", "Maaseik", "Maasmechelen", "Nieuwerkerken",
    "Oudsbergen", "Peer", "Pelt", "Riemst", "Sint-Truiden", "Tessenderlo-Ham",
    "Tongeren-Borgloon", "Voeren", "Wellen", "Zonhoven", "Zutendaal",
)  # fmt: skip

# Former municipalities merged on 1 January 2025, for migrating older rows.
MERGED_MUNICIPALITIES = {
    "Bilzen": "Bilzen-Hoeselt",
    "Hoeselt": "Bilzen-Hoeselt",
    "Tongeren": "Tongeren-Borgloon",
    "Borgloon": "Tongeren-Borgloon",
    "Ham": "Tessenderlo-Ham",
    "Tessenderlo": "Tessenderlo-Ham",
    "Kortessem": "Hasselt",
}

COMPANY_SIZES = ("micro", "small", "medium", "large")
PROJECT_KINDS = ("innovation_project", "internship", "vacancy")
DEGREE_LEVELS = ("bachelor", "master", "phd")
PARTNER_KINDS = ("lead", "contributing")
PARTNER_STATUSES = ("applied", "accepted", "declined")
CAMPAIGN_KINDS = (
    "internship_formula",
    "knowledge_tourism",
    "inspiration_mission",
    "partner_referral",
)
DOCUMENT_KINDS = (
    "passport",
    "diploma",
    "transcript",
    "language_certificate",
    "cv",
    "work_permit",
    "single_permit",
    "diploma_recognition",
)
DOCUMENT_STATUSES = ("pending", "verified", "rejected")
