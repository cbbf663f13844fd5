"""Process definitions for Onthaal, as data plus small pure guard functions.

Nothing here imports Flask or SQLAlchemy: the web app, the CLI and the tests all read
the same definition, and the tests exercise it with tiny plain-Python models.
"""

from workflows.onboarding import ONBOARDING

__all__ = ["ONBOARDING"]
