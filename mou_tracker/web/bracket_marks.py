"""Square brackets shown in the text: the one place a clause's words become markup with their brackets marked.

Each negotiating bracket is wrapped in <span class="bracket">, drawn with a border and heavier weight (not by colour
alone) and announced to a screen reader as "bracketed:"; the brackets themselves stay in the text, so a copy, a
print or a PDF keeps them. Every piece of user text is escaped here.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..core.brackets import read_brackets


def mark_brackets(text: str | None, not_negotiating: Iterable[str] | None = None) -> Markup:
    """The text, escaped, with each negotiating bracket (nested ones inside) in a marked span."""
    if not text:
        return Markup("")
    reading = read_brackets(text, tuple(not_negotiating or ()))
    if not reading.brackets:
        return escape(text)
    announce = escape(_("bracketed:"))
    opening = f'<span class="bracket"><span class="visually-hidden">{announce} </span>'
    # Each bracket its own span (so "[shall][will]" shows two), nested ones inside: brackets pair up as a stack
    # does, so closing at each end and opening at each start always nests.
    events: dict[int, list[str]] = {}
    for bracket in reading.brackets:
        events.setdefault(bracket.start, []).append(opening)
        events.setdefault(bracket.end, []).insert(0, "</span>")
    parts: list[str] = []
    cut = 0
    for position in sorted(events):
        parts.append(str(escape(text[cut:position])))
        # At one position, spans that end close before spans that start open.
        parts.extend(sorted(events[position], key=lambda tag: tag != "</span>"))
        cut = position
    parts.append(str(escape(text[cut:])))
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped
