"""A message's text as HTML: escaped, line breaks kept, http(s) addresses made links.

The one home of this rule (the `message_text` filter). Everything the person wrote is
escaped first; only the `<a>` and `<br>` this code makes are markup. Nothing but http and
https becomes a link (never `javascript:` or `data:`), and a link carries
rel="noopener nofollow".
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# An address runs up to white space or a character that cannot be in one unescaped.
URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
# Punctuation that ends a sentence rather than the address.
TRAILING = ".,;:!?)]}'\""


def _line(text: str) -> Markup:
    parts: list[Markup] = []
    last = 0
    for match in URL.finditer(text):
        address = match.group(0).rstrip(TRAILING)
        start, end = match.start(), match.start() + len(address)
        parts.append(escape(text[last:start]))
        parts.append(Markup('<a href="{0}" rel="noopener nofollow">{0}</a>').format(address))
        last = end
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def message_html(text: str | None) -> Markup:
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Markup("<br>\n").join(_line(line) for line in lines)
