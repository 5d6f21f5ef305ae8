"""Square brackets in a clause's text: the wording the parties have not yet agreed.

UN practice marks unagreed wording in the text itself: "[shall][will]" (alternatives), "[Alt 1: ...] [Alt 2: ...]",
a single "[in accordance with national law]" (wording one party wants and the other has not accepted) and
placeholders such as "[place]" or "[date]" that are filled in at signature. A clause that still holds any of them is
not agreed, whatever its amendments say. Some brackets are not negotiating brackets at all ("paragraph 3 [of
Article 2]" in a citation, an editorial insertion inside a quotation): the user declares those, and the parser treats
them as ordinary text.

The parser never changes the text: every character belongs to exactly one segment, in order, so a view can render
the segments one after the other and show exactly what is stored.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .messages import N_, Message

OPEN, CLOSE = "[", "]"

#: Words that, alone in brackets, stand for something to be filled in at signature rather than for wording under
#: negotiation. English and Russian, compared case-insensitively.
PLACEHOLDER_WORDS = frozenset(
    {
        "place",
        "date",
        "day",
        "month",
        "year",
        "city",
        "name",
        "title",
        "number",
        "signature",
        "место",
        "дата",
        "день",
        "месяц",
        "год",
        "город",
        "имя",
        "должность",
        "номер",
        "подпись",
    }
)
#: "[...]", "[…]", "[___]", "[●]", "[X]": a gap left to be filled.
_GAP = re.compile(r"^\s*(?:\.{2,}|…+|_+|●+|•+|x+|х+)\s*$", re.IGNORECASE)
_BRACKET_CHAR = re.compile(r"[\[\]]")
#: What may stand between two alternatives of one group: spaces, a slash, "or" / "или".
_BETWEEN_ALTERNATIVES = re.compile(r"^\s*(?:/|or|или)?\s*$", re.IGNORECASE)


class BracketKind(enum.StrEnum):
    #: A bracketed wording on its own: one party wants it, the other has not accepted it.
    wording = "wording"
    #: One of two or more bracketed wordings side by side, of which one will stay.
    alternative = "alternative"
    #: Something to be filled in at signature: "[place]", "[date]", "[...]".
    placeholder = "placeholder"

    @property
    def label(self) -> str:
        return {
            "wording": N_("Bracketed wording"),
            "alternative": N_("Alternative"),
            "placeholder": N_("Placeholder"),
        }[self.value]


class ProblemKind(enum.StrEnum):
    #: "[" with no "]" after it in the clause.
    unclosed = "unclosed"
    #: "]" with no "[" before it in the clause.
    unopened = "unopened"


@dataclass(frozen=True)
class Bracket:
    """One pair of negotiating brackets: text[start:end] runs from "[" to "]" inclusive."""

    start: int
    end: int
    #: 0 for a bracket standing in the text, 1 for one inside another, and so on.
    depth: int
    kind: BracketKind
    #: Brackets of one group of alternatives share this number; every other top-level bracket has one of its own.
    group: int

    def inner(self, text: str) -> str:
        return text[self.start + 1 : self.end - 1]


@dataclass(frozen=True)
class BracketProblem:
    position: int
    kind: ProblemKind

    @property
    def message(self) -> Message:
        if self.kind is ProblemKind.unclosed:
            return Message(N_('The "[" at character %(position)s is never closed.'), position=self.position + 1)
        return Message(N_('The "]" at character %(position)s closes no bracket.'), position=self.position + 1)


@dataclass(frozen=True)
class Segment:
    text: str
    #: How deep inside negotiating brackets this text stands (0 = outside every bracket).
    depth: int


@dataclass(frozen=True)
class BracketReading:
    text: str
    brackets: tuple[Bracket, ...]
    problems: tuple[BracketProblem, ...]
    segments: tuple[Segment, ...] = field(repr=False)

    @property
    def groups(self) -> int:
        """Open questions in this text: a group of alternatives counts once, as does each other top-level bracket
        and each placeholder."""
        return len({bracket.group for bracket in self.brackets if bracket.depth == 0})

    @property
    def placeholders(self) -> int:
        return sum(1 for bracket in self.brackets if bracket.kind is BracketKind.placeholder)

    @property
    def is_clean(self) -> bool:
        """Nothing left in brackets and nothing malformed: the text could be agreed as it stands."""
        return not self.brackets and not self.problems


def _kind_of(inner: str) -> BracketKind:
    stripped = inner.strip()
    if stripped.casefold() in PLACEHOLDER_WORDS or _GAP.match(inner):
        return BracketKind.placeholder
    return BracketKind.wording


def read_brackets(text: str, not_negotiating: Iterable[str] = ()) -> BracketReading:
    """Find the negotiating brackets of one language's text of a clause.

    ``not_negotiating`` holds bracketed passages, brackets included (as "[of Article 2]"), that the user declared to
    be part of the wording itself; wherever they occur they are read as plain text.
    """
    declared = sorted({passage for passage in not_negotiating if passage}, key=len, reverse=True)
    plain = _declared_spans(text, declared)
    pairs: list[tuple[int, int, int]] = []  # (start, end, depth)
    problems: list[BracketProblem] = []
    stack: list[int] = []
    # Only the bracket characters matter: found by the regular expression engine rather than by walking every
    # character in Python (a status page reads every clause of a treaty). One inside a declared passage is text.
    spans = sorted(plain.items())
    span_index = 0
    for match in _BRACKET_CHAR.finditer(text):
        index = match.start()
        while span_index < len(spans) and spans[span_index][1] <= index:
            span_index += 1
        if span_index < len(spans) and spans[span_index][0] <= index:
            continue
        if match.group() == OPEN:
            stack.append(index)
        elif stack:
            start = stack.pop()
            pairs.append((start, index + 1, len(stack)))
        else:
            problems.append(BracketProblem(index, ProblemKind.unopened))
    problems.extend(BracketProblem(position, ProblemKind.unclosed) for position in stack)
    brackets = _classify(text, sorted(pairs))
    return BracketReading(
        text=text,
        brackets=brackets,
        problems=tuple(sorted(problems, key=lambda problem: problem.position)),
        segments=_segments(text, brackets),
    )


def _declared_spans(text: str, declared: list[str]) -> dict[int, int]:
    """Start → end of every occurrence of a declared passage (longest first, never overlapping)."""
    spans: dict[int, int] = {}
    taken: list[tuple[int, int]] = []
    for passage in declared:
        for match in re.finditer(re.escape(passage), text):
            start, end = match.span()
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            spans[start] = end
            taken.append((start, end))
    return spans


def _classify(text: str, pairs: list[tuple[int, int, int]]) -> tuple[Bracket, ...]:
    """Kinds and groups: brackets of one depth side by side, separated by nothing but spaces, "/" or "or", are
    alternatives of one group (placeholders never are)."""
    brackets: list[Bracket] = []
    #: Index in ``brackets`` of the last bracket seen at each depth.
    last_at_depth: dict[int, int] = {}
    groups = 0
    for start, end, depth in pairs:
        kind = _kind_of(text[start + 1 : end - 1])
        previous_index = last_at_depth.get(depth)
        previous = brackets[previous_index] if previous_index is not None else None
        if (
            previous_index is not None
            and previous is not None
            and previous.end <= start
            and BracketKind.placeholder not in (previous.kind, kind)
            and _BETWEEN_ALTERNATIVES.match(text[previous.end : start]) is not None
        ):
            brackets[previous_index] = Bracket(
                previous.start, previous.end, depth, BracketKind.alternative, previous.group
            )
            brackets.append(Bracket(start, end, depth, BracketKind.alternative, previous.group))
        else:
            brackets.append(Bracket(start, end, depth, kind, groups))
            groups += 1
        last_at_depth[depth] = len(brackets) - 1
    return tuple(brackets)


def _segments(text: str, brackets: tuple[Bracket, ...]) -> tuple[Segment, ...]:
    """Cut the text wherever the bracket depth changes; brackets themselves belong to the segment they open or
    close (so "[shall]" is one segment at depth 1)."""
    if not text:
        return ()
    change: dict[int, int] = {}
    for bracket in brackets:
        change[bracket.start] = change.get(bracket.start, 0) + 1
        change[bracket.end] = change.get(bracket.end, 0) - 1
    segments: list[Segment] = []
    start, depth = 0, 0
    for position in sorted(change):
        new_depth = depth + change[position]
        if new_depth != depth and position > start:
            segments.append(Segment(text[start:position], depth))
            start = position
        depth = new_depth
    if start < len(text):
        segments.append(Segment(text[start:], depth))
    return tuple(segments)
