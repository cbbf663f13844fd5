"""Geographic reference data shown in forms and enforced by the database (the choice
lists with labels live in `onboarding.vocabulary`)."""

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
