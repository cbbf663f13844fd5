"""Counting the SQL statements a request issues (for the query-budget tests)."""

from sqlalchemy import event


class StatementCounter:
    def __init__(self, connection):
        self.connection = connection
        self.count = 0

    def __call__(self, *args):
        self.count += 1

    def measure(self, func):
        """Run `func` (a request), check it answered 200, and return its statement count."""
        self.count = 0
        event.listen(self.connection, "before_cursor_execute", self)
        try:
            response = func()
        finally:
            event.remove(self.connection, "before_cursor_execute", self)
        assert response.status_code == 200
        return self.count
