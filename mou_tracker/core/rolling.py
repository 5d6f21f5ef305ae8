"""The rolling text: the draft as delegations read it at the table, every tabled proposal shown in place.

UN practice reads a negotiating text with each open proposal written into it in square brackets, tagged with who
made it: "The Participants [may] [UNOCT-3: shall] [CICA-2: will] cooperate". This module composes that text for
one clause in one language from the current words and the proposals, with the redline engine (core.redline) to
find which words each proposal changes:

- each proposal is diffed against the current text; every change it makes is a hunk (a span of the current text
  and the words proposed for it);
- hunks of different proposals that touch overlapping words are one question at the table: they form one group,
  shown as the current words in brackets followed by each proposal's wording of the whole span, side by side;
- hunks that touch nothing else stand alone: "[current] [CIT: proposed]" (the current part is left out for a pure
  insertion); a proposal to delete words offers an empty wording, which the renderer shows as "delete".

Proposals with identical wording of a span are shown once with both citations. The composition never loses a
character of the current text: the current words of every piece, read in order, give the current text exactly
(`current_text`), which the tests check for arbitrary inputs.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

from .clause_kinds import ClauseKind
from .messages import N_
from .redline import Op, Segment, diff_tokens

#: How two texts are compared: core.redline.diff_tokens, or a caller's cached version of it.
Diff = Callable[[str, str], Sequence[Segment]]


@dataclass(frozen=True)
class Tag:
    """Who proposes: the amendment's citation ("UNOCT-3") and its party's code."""

    citation: str
    party: str


@dataclass(frozen=True)
class Plain:
    """Current words no proposal touches."""

    text: str


@dataclass(frozen=True)
class Alternative:
    """One wording proposed for a bracketed span, by one or more proposals that propose exactly these words."""

    tags: tuple[Tag, ...]
    #: The proposed words without the white space around them; "" for a proposal to delete the span.
    text: str

    @property
    def deletes(self) -> bool:
        return not self.text

    @property
    def citations(self) -> str:
        return ", ".join(tag.citation for tag in self.tags)


@dataclass(frozen=True)
class Bracketed:
    """A span of the current text that tabled proposals would change, with each proposed wording.

    `lead + current + trail` is the span of the current text exactly; `current` holds its words (empty where the
    proposals only insert words at this point)."""

    lead: str
    current: str
    trail: str
    alternatives: tuple[Alternative, ...]
    #: For a pure insertion, the white space the proposed words bring before and after them: shown around the
    #: brackets so that they do not stick to the neighbouring words (not part of the current text).
    gap_before: str = ""
    gap_after: str = ""


Piece = Plain | Bracketed


def current_text(pieces: Sequence[Piece]) -> str:
    """The current text the pieces were composed from."""
    return "".join(p.text if isinstance(p, Plain) else p.lead + p.current + p.trail for p in pieces)


@dataclass(frozen=True)
class _Hunk:
    start: int
    end: int
    new: str
    tag: Tag


def _hunks(current: str, proposed: str, tag: Tag, diff: Diff) -> list[_Hunk]:
    """The changes `proposed` makes to `current`, as spans of `current` and their replacements."""
    hunks: list[_Hunk] = []
    position = 0
    start: int | None = None
    new = ""
    for segment in diff(current, proposed):
        if segment.op is Op.equal:
            if start is not None:
                hunks.append(_Hunk(start, position, new, tag))
                start, new = None, ""
            position += len(segment.text)
            continue
        if start is None:
            start = position
        if segment.op is Op.delete:
            position += len(segment.text)
        else:
            new += segment.text
    if start is not None:
        hunks.append(_Hunk(start, position, new, tag))
    return hunks


def _touch(group_start: int, group_end: int, hunk: _Hunk) -> bool:
    """Whether a hunk is part of the same question as a group spanning [group_start, group_end).

    Spans that overlap do; so do insertions at the same point, and an insertion strictly inside a changed span.
    Spans that only meet end to start are two questions."""
    if hunk.start < group_end and group_start < hunk.end:
        return True
    if hunk.start == hunk.end:
        return group_start == group_end == hunk.start or group_start < hunk.start < group_end
    return group_start == group_end and hunk.start < group_start < hunk.end


def _split_space(text: str) -> tuple[str, str, str]:
    stripped = text.strip()
    if not stripped:
        return text, "", ""
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return lead, stripped, trail


def compose(current: str, proposals: Sequence[tuple[Tag, str]], diff: Diff = diff_tokens) -> tuple[Piece, ...]:
    """The current text with each proposal's changes in place, in brackets (see the module's description).

    `proposals` are (who, the whole text they propose), in the order they were tabled; alternatives keep it.
    `diff` compares two texts as core.redline.diff_tokens does (a service passes its cache of redlines)."""
    hunks = sorted(
        (h for tag, proposed in proposals for h in _hunks(current, proposed, tag, diff)),
        key=lambda h: (h.start, h.end),
    )
    groups: list[list[_Hunk]] = []
    spans: list[tuple[int, int]] = []
    for hunk in hunks:
        if groups and _touch(*spans[-1], hunk):
            groups[-1].append(hunk)
            start, end = spans[-1]
            spans[-1] = (min(start, hunk.start), max(end, hunk.end))
        else:
            groups.append([hunk])
            spans.append((hunk.start, hunk.end))
    order = {tag: index for index, (tag, _) in enumerate(proposals)}
    pieces: list[Piece] = []
    position = 0
    for group, (start, end) in zip(groups, spans, strict=True):
        if start > position:
            pieces.append(Plain(current[position:start]))
        wordings: dict[Tag, str] = {}
        for tag in sorted({h.tag for h in group}, key=order.__getitem__):
            cursor, words = start, []
            for hunk in (h for h in group if h.tag == tag):
                words += [current[cursor : hunk.start], hunk.new]
                cursor = hunk.end
            words.append(current[cursor:end])
            wordings[tag] = "".join(words)
        span = current[start:end]
        lead, words_now, trail = _split_space(span)
        gap_before = gap_after = ""
        if not words_now:
            # A pure insertion: the space around the proposed words stays outside the brackets.
            first = next(iter(wordings.values()))
            gap_before, _, gap_after = _split_space(first) if first.strip() else ("", "", "")
            if span:
                gap_before = gap_after = ""
        alternatives: dict[str, list[Tag]] = {}
        for tag, wording in wordings.items():
            alternatives.setdefault(wording.strip(), []).append(tag)
        pieces.append(
            Bracketed(
                lead=lead,
                current=words_now,
                trail=trail,
                alternatives=tuple(Alternative(tuple(tags), text) for text, tags in alternatives.items()),
                gap_before=gap_before,
                gap_after=gap_after,
            )
        )
        position = end
    if position < len(current):
        pieces.append(Plain(current[position:]))
    return tuple(pieces)


class Mark(enum.StrEnum):
    """What the rolling text says of a clause beside its number."""

    #: Agreed by the negotiators, subject to their principals.
    ad_referendum = "ad_referendum"
    #: Endorsed at a meeting and unchanged since.
    agreed = "agreed"

    @property
    def label(self) -> str:
        return {"ad_referendum": N_("ad ref."), "agreed": N_("agreed")}[self.value]


@dataclass(frozen=True)
class RollingClause:
    """One clause of the rolling text in one language."""

    #: The clause's stable id, or "new-<amendment id>" for a proposed new clause.
    key: Hashable
    kind: ClauseKind
    depth: int
    #: The clause number as core.numbering writes it ("Article 2"); "" for a proposed new clause.
    label: str
    heading: tuple[Piece, ...] | None
    body: tuple[Piece, ...]
    mark: Mark | None = None
    #: Proposals to delete the whole clause.
    deleted_by: tuple[Tag, ...] = ()
    #: The proposal of this new clause (its whole text is then in brackets).
    inserted_by: Tag | None = None
    #: Tabled proposals to this clause that have no wording in this language.
    without_text: tuple[Tag, ...] = field(default=())

    @property
    def bracketed(self) -> bool:
        """Whether anything of the clause is in brackets at the table."""
        return (
            bool(self.deleted_by)
            or self.inserted_by is not None
            or any(isinstance(p, Bracketed) for p in (*self.body, *(self.heading or ())))
        )


@dataclass(frozen=True)
class Proposal:
    """A tabled amendment to an existing clause, in one language: its words, or None when it proposes nothing in
    this language; `delete` for a proposal to delete the clause."""

    tag: Tag
    heading: str | None = None
    body: str | None = None
    delete: bool = False


def compose_clause(
    *,
    key: Hashable,
    kind: ClauseKind,
    depth: int,
    label: str,
    heading: str | None,
    body: str,
    proposals: Sequence[Proposal] = (),
    mark: Mark | None = None,
    diff: Diff = diff_tokens,
) -> RollingClause:
    """One existing clause with its tabled proposals in place."""
    changes = [p for p in proposals if not p.delete and p.body is not None]
    heading_proposals = [(p.tag, p.heading or "") for p in changes if (p.heading or "") != (heading or "")]
    return RollingClause(
        key=key,
        kind=kind,
        depth=depth,
        label=label,
        heading=compose(heading or "", heading_proposals, diff) if heading or heading_proposals else None,
        body=compose(body, [(p.tag, p.body or "") for p in changes], diff),
        mark=None if proposals else mark,
        deleted_by=tuple(p.tag for p in proposals if p.delete),
        without_text=tuple(p.tag for p in proposals if not p.delete and p.body is None),
    )


def proposed_clause(
    *, key: Hashable, kind: ClauseKind, depth: int, heading: str | None, body: str, tag: Tag
) -> RollingClause:
    """A proposed new clause: all of its words are in brackets, tagged with the proposal."""
    return RollingClause(
        key=key,
        kind=kind,
        depth=depth,
        label="",
        heading=compose("", [(tag, heading)]) if heading else None,
        body=compose("", [(tag, body)]),
        inserted_by=tag,
    )


def as_plain_text(pieces: Sequence[Piece], delete_word: str = "delete") -> str:
    """The pieces as a delegate reads them on paper: "[may] [UNOCT-3: shall] [CICA-2: will]"."""
    out: list[str] = []
    for piece in pieces:
        if isinstance(piece, Plain):
            out.append(piece.text)
            continue
        brackets = [f"[{piece.current}]"] if piece.current else []
        brackets += [f"[{alt.citations}: {alt.text or delete_word}]" for alt in piece.alternatives]
        out.append(piece.lead + piece.gap_before + " ".join(brackets) + piece.gap_after + piece.trail)
    return "".join(out)
