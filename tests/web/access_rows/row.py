"""One access-matrix row: who asks, what, and the exact answer expected."""

from dataclasses import dataclass, field


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
