"""Square brackets shown in the text: the one place a clause's words become markup with their brackets marked.

Each negotiating bracket is wrapped in <span class="bracket">, drawn with a border and heavier weight (not by colour
alone) and announced to a screen reader as "bracketed:"; the brackets themselves stay in the text, so a copy, a
print or a PDF keeps them. Every piece of user text is escaped here or by the redline engine.

The same marks inside redlines (the template filters redline_inline, redline_sides and credited_inline): the
engine (core.redline) marks the brackets of the old text in what is deleted and those of the new text in what is
inserted or stays, each piece of a bracket cut by a change marked on its own. A template that knows the clause
passes its declared plain brackets (clause.plain_brackets), which are never marked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..core.brackets import read_brackets
from ..core.redline import (
    Redline,
    RedlineLabels,
    bracket_html,
    negotiating_brackets,
    render_credited_inline,
    render_inline,
    render_side_by_side,
)
from ..i18n import credit_name, redline_labels


def _escape(text: str) -> str:
    return str(escape(text))


def mark_brackets(text: str | None, not_negotiating: Iterable[str] | None = None) -> Markup:
    """The text, escaped, with each negotiating bracket (nested ones inside) in a marked span."""
    if not text:
        return Markup("")
    reading = read_brackets(text, tuple(not_negotiating or ()))
    if not reading.brackets:
        return escape(text)
    # Each bracket its own span (so "[shall][will]" shows two), nested ones inside.
    return Markup(bracket_html(text, reading.brackets, _("bracketed:"), escape=_escape))  # noqa: S704 - escaped


def mark_bracket_runs(texts: Sequence[str], not_negotiating: Iterable[str] | None = None) -> list[Markup]:
    """Consecutive pieces of one text (the runs of "who wrote this"), each escaped with the brackets it holds or is
    cut out of marked: a bracket that spans two runs is marked in both."""
    whole = "".join(texts)
    brackets = negotiating_brackets(whole, not_negotiating or ())
    announce = _("bracketed:")
    marked: list[Markup] = []
    at = 0
    for text in texts:
        marked.append(Markup(bracket_html(whole, brackets, announce, at, at + len(text), escape=_escape)))  # noqa: S704
        at += len(text)
    return marked


def _labels() -> RedlineLabels:
    return replace(redline_labels(), bracketed=_("bracketed:"))


# The redline engine escapes every piece of user text itself; its output is trusted markup
# (tests/core/test_core_redline.py and tests/core/test_bracket_rendering.py prove it for arbitrary text).


def redline_inline(redline: Redline, plain_brackets: Iterable[str] | None = None) -> Markup:
    """Template filter `redline_inline`: `lr.body|redline_inline(clause.plain_brackets)`."""
    html = render_inline(redline, _labels(), mark_brackets=True, plain_brackets=plain_brackets or ())
    return Markup(html)  # noqa: S704


def redline_sides(redline: Redline, plain_brackets: Iterable[str] | None = None) -> tuple[Markup, Markup]:
    """Template filter `redline_sides`: (before, after), each with its own brackets marked."""
    old, new = render_side_by_side(redline, _labels(), mark_brackets=True, plain_brackets=plain_brackets or ())
    return Markup(old), Markup(new)  # noqa: S704


def credited_inline(segments, plain_brackets: Iterable[str] | None = None) -> Markup:
    """Template filter `credited_inline`: changes each credited to their own amendment (services.redlines
    .CreditedWords), with the brackets marked as in `redline_inline`."""
    html = render_credited_inline(
        segments, credit_name, _labels(), mark_brackets=True, plain_brackets=plain_brackets or ()
    )
    return Markup(html)  # noqa: S704
