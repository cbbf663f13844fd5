"""Marking messages for translation without depending on Flask-Babel.

`N_` returns its argument unchanged; `pybabel extract` is configured to collect it, and
the web app translates the msgid at the moment it shows it, in the reader's locale.
"""


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext no-op name
    return message
