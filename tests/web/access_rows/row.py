"""One access-matrix row: who asks, what, and the exact answer expected."""

from dataclasses import dataclass, field

# Everybody the matrix asks as: anonymous, candidate 1 (mentee of mentor A) and candidate 2,
# mentors A and B, staff, the contacts of companies A and B (no password: a sign-in link),
# and the contact of an accepted partner organisation.
ROLES = ("anonymous", "candidate", "other_candidate", "mentor", "other_mentor", "staff",
         "company", "other_company", "partner")  # fmt: skip
LOGGED_IN = ROLES[1:]
COMPANY_ROLES = ("company", "other_company")
# The account pages (settings, password, two-factor): everybody with a password.
WITH_ACCOUNT = tuple(role for role in LOGGED_IN if role not in COMPANY_ROLES)


@dataclass(frozen=True)
class Row:
    role: str
    method: str
    path: str
    status: int
    body: dict = field(default_factory=dict)
    location: str | None = None  # a 302 must redirect to a URL starting with this

    def __str__(self):
        sent = self.body.get("trigger") or "+".join(sorted(self.body)) or "empty"
        if self.method == "GET":
            return f"{self.role}-GET-{self.path}-{self.status}"
        return f"{self.role}-POST-{self.path}-{sent}-{self.status}"
