"""Word round trip: a party's marked-up (or retyped) Word document turned into proposed changes, clause by clause.

The reader (mou_tracker.imports.docx_revisions) gives the document's paragraphs, each with its text before and
after the tracked changes; this module matches them to the clauses of the draft and groups what changed per
clause into `ChangeProposal`s. Nothing here reads a file or a database: the service gives the draft's clauses
(`BaseClause`) and stores what comes out.

How a paragraph finds its clause, each rule stated once:
- a paragraph of the product's own export carries its clause's stable id (`clause_wid`): matched exactly;
- otherwise, per language, paragraphs and clauses are aligned in reading order: first every paragraph whose text
  is exactly a clause's text (`_anchor`), then, between two such anchors, by number and wording (`_pair_gap`);
- what finds no clause is reported with the reason (`Unmatched`), never attached to a clause by guess.

Which text a change was written against: a tracked document's `before` is compared with every version of the
clause (newest first), so that a document made from an older text yields an amendment against that older
version (outdated, and rebased as usual); a clean document is compared with the point the user names.
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .clause_kinds import ClauseKind, can_delete, insertable_kinds
from .messages import N_, Message

# The document, as the reader gives it (imports.docx_revisions): only what is read here ------------------------


class ChangeLike(Protocol):
    @property
    def author(self) -> str: ...
    @property
    def date(self) -> dt.datetime | None: ...


class CommentLike(Protocol):
    @property
    def author(self) -> str: ...
    @property
    def date(self) -> dt.datetime | None: ...
    @property
    def text(self) -> str: ...


class ParagraphLike(Protocol):
    @property
    def index(self) -> int: ...
    @property
    def clause_wid(self) -> str | None: ...
    @property
    def language(self) -> str | None: ...
    @property
    def part(self) -> str: ...  # "heading" | "body" (imports.docx_revisions.ParagraphPart, a StrEnum)
    @property
    def label(self) -> str: ...
    @property
    def before(self) -> str: ...
    @property
    def after(self) -> str: ...
    @property
    def inserted_whole(self) -> bool: ...
    @property
    def deleted_whole(self) -> bool: ...
    @property
    def changes(self) -> Sequence[ChangeLike]: ...
    @property
    def comments(self) -> Sequence[CommentLike]: ...


class DocumentLike(Protocol):
    @property
    def paragraphs(self) -> Sequence[ParagraphLike]: ...
    @property
    def tracked(self) -> bool: ...


HEADING = "heading"
BODY = "body"


# The draft, as the service gives it -------------------------------------------------------------------------

#: (heading, body) of a clause in one language.
Words = tuple[str | None, str]


@dataclass(frozen=True)
class BaseVersion:
    key: int  # the clause version's id
    seq: int
    texts: Mapping[str, Words]


@dataclass(frozen=True)
class BaseClause:
    """A clause of the draft at the point the document is compared with, in reading order."""

    wid: str
    kind: ClauseKind
    #: "Article 2", "3.", "(b)", "PP1", "" (core.numbering), and the citation ("Article 2(3)").
    label: str
    citation: str
    parent_wid: str | None
    #: Its versions, newest first: the first is the clause's current text.
    versions: tuple[BaseVersion, ...]
    #: The version at the point a clean document is compared with (None: the current one).
    reference_key: int | None = None
    #: The clause is deleted from the current draft (it may still stand in an older point).
    deleted: bool = False

    @property
    def reference(self) -> BaseVersion:
        if self.reference_key is not None:
            for version in self.versions:
                if version.key == self.reference_key:
                    return version
        return self.versions[0]


# What comes out --------------------------------------------------------------------------------------------


class ProposalKind(enum.StrEnum):
    change = "change"
    insert = "insert"
    delete = "delete"


class Source(enum.StrEnum):
    """Where a proposed change was read."""

    #: Word's (or LibreOffice's) tracked changes.
    tracked = "tracked"
    #: A clean document compared with the draft at a point.
    comparison = "comparison"


class MatchHow(enum.StrEnum):
    #: The clause's id, embedded by the product's export.
    identifier = "identifier"
    #: The same text as the clause.
    text = "text"
    #: The clause's number and similar wording.
    wording = "wording"


@dataclass(frozen=True)
class Credit:
    author: str
    date: dt.datetime | None


@dataclass(frozen=True)
class WordComment:
    author: str
    date: dt.datetime | None
    text: str


@dataclass(frozen=True)
class ChangeProposal:
    kind: ProposalKind
    #: The clause changed or deleted; for a new clause, None.
    clause_wid: str | None
    #: How the clause is cited (for a new clause: where it goes, "after Article 2(3)").
    citation: str
    #: Proposed words per language: every language of the clause (unchanged ones as in the base version).
    texts: Mapping[str, Words]
    #: The words it was written against, per language (empty for a new clause).
    base_texts: Mapping[str, Words]
    #: The clause version it was written against (None for a new clause).
    base_key: int | None
    source: Source
    credits: tuple[Credit, ...] = ()
    comments: tuple[WordComment, ...] = ()
    #: The document's paragraphs it was read from (their `index`).
    paragraphs: tuple[int, ...] = ()
    #: A new clause: its kind, parent and the clause it follows (None: first under its parent).
    new_kind: ClauseKind | None = None
    parent_wid: str | None = None
    after_wid: str | None = None
    #: The base is not the clause's current version: the amendment will be outdated and need a rebase.
    outdated: bool = False


@dataclass(frozen=True)
class Match:
    paragraph: int
    wid: str
    how: MatchHow


@dataclass(frozen=True)
class Unmatched:
    paragraph: int
    text: str
    reason: Message


@dataclass
class Reading:
    proposals: list[ChangeProposal] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    #: Things the user must be told that concern no single paragraph (a comment on an unchanged clause ...).
    notices: list[Message] = field(default_factory=list)

    @property
    def nothing_changed(self) -> bool:
        """No change proposed (paragraphs that found no clause are listed all the same)."""
        return not self.proposals


# Text helpers -----------------------------------------------------------------------------------------------

_SEPARATOR = re.compile(r"^\s*[—–-]\s*")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
#: Languages written in Cyrillic: a paragraph in Cyrillic whose part of the document is not known is one of these.
CYRILLIC_LANGUAGES = frozenset({"ru", "uk", "be", "bg", "kk", "ky", "sr", "mk", "tg", "mn"})
LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyz"
CYRILLIC_LETTERS = "абвгдежзиклмнопрстуфхцчшщэюя"  # as exports.docx numbers Russian items


def normalise(text: str | None) -> str:
    """Text as compared: runs of white space are one space; the ends trimmed."""
    return " ".join((text or "").split())


def heading_text(text: str) -> str | None:
    """An article's heading paragraph without the separator the export writes after its number (" — ")."""
    return normalise(_SEPARATOR.sub("", text, count=1)) or None


def label_key(label: str) -> str:
    """A clause number reduced to what it counts, whatever the language: "Article 2" and "Статья 2" → "2",
    "(b)" and "б)" → "b1"... (the letter's place), "PP3" → "3"."""
    label = normalise(label).lower()
    if digits := re.search(r"\d+", label):
        return digits[0]
    letters = re.sub(r"[^a-zа-я]", "", label)
    if not letters:
        return ""
    for alphabet in (LATIN_LETTERS, CYRILLIC_LETTERS):
        if letters[0] in alphabet:
            return f"L{alphabet.index(letters[0]) + len(alphabet) * (len(letters) - 1)}"
    return letters


def kind_of_label(label: str) -> ClauseKind | None:
    """The kind of clause a typed number stands for: "Article 4" an article, "4." a paragraph, "(d)" an item."""
    label = normalise(label)
    if not label:
        return None
    if re.fullmatch(r"PP\s*\d+", label):
        return ClauseKind.preamble
    if re.fullmatch(r"\d+\.?", label):
        return ClauseKind.paragraph
    if re.fullmatch(r"\(?[a-zа-я]{1,3}\)", label, re.IGNORECASE):
        return ClauseKind.item
    if re.search(r"\d", label):
        return ClauseKind.article
    return None


def similarity(a: str, b: str) -> float:
    """Share of words in common, in order (0..1)."""
    first, second = normalise(a).lower().split(), normalise(b).lower().split()
    if not first and not second:
        return 1.0
    matcher = difflib.SequenceMatcher(None, first, second, autojunk=False)
    if matcher.real_quick_ratio() < 0.3 or matcher.quick_ratio() < 0.3:
        return matcher.quick_ratio()
    return matcher.ratio()


def guess_language(paragraph: ParagraphLike, languages: Sequence[str]) -> str:
    """The paragraph's language: as the export marked it, else by its script, else the first language."""
    if paragraph.language in languages:
        return paragraph.language  # type: ignore[return-value]
    text = paragraph.before or paragraph.after
    cyrillic = len(_CYRILLIC.findall(text))
    if cyrillic * 2 > len(re.findall(r"\w", text)):
        return next((code for code in languages if code in CYRILLIC_LANGUAGES), languages[0])
    return next((code for code in languages if code not in CYRILLIC_LANGUAGES), languages[0])


# Matching ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """One paragraph a clause makes in one language of the export: an article's heading line, or a body."""

    clause: int
    part: str
    key: str
    text: str


def _units(clauses: Sequence[BaseClause], language: str, *, reference: bool) -> list[_Unit]:
    units = []
    for index, clause in enumerate(clauses):
        version = clause.reference if reference else clause.versions[0]
        words = version.texts.get(language)
        if words is None:
            continue
        heading, body = words
        if clause.kind is ClauseKind.article or heading:
            units.append(_Unit(index, HEADING, label_key(clause.label), normalise(heading)))
            units.append(_Unit(index, BODY, "", normalise(body)))
        else:
            units.append(_Unit(index, BODY, label_key(clause.label), normalise(body)))
    return units


def _paragraph_text(paragraph: ParagraphLike, *, before: bool) -> str:
    text = paragraph.before if before else paragraph.after
    return normalise(heading_text(text) if paragraph.part == HEADING else text)


def _score(paragraph: ParagraphLike, unit: _Unit, text: str) -> float:
    """How well a paragraph fits a clause's unit (0: not at all). The same part (heading/body) is required."""
    if str(paragraph.part) != unit.part:
        return 0.0
    same_number = bool(unit.key) and label_key(paragraph.label) == unit.key
    words = similarity(text, unit.text)
    if same_number and words >= 0.3:
        return 1.0 + words
    if words >= 0.6 and (not unit.key or not paragraph.label or same_number):
        return words
    return 0.0


#: Above this many cells a gap between anchors is paired in order instead of by the best alignment.
_MAX_GAP_CELLS = 40_000


def _pair_gap(
    paragraphs: Sequence[ParagraphLike], texts: Sequence[str], units: Sequence[_Unit]
) -> list[tuple[int, int]]:
    """The best monotone pairing of the paragraphs and units between two anchors (dynamic programming)."""
    n, m = len(paragraphs), len(units)
    if not n or not m:
        return []
    if n * m > _MAX_GAP_CELLS:
        pairs, j = [], 0
        for i in range(n):
            for k in range(j, min(m, j + 20)):
                if _score(paragraphs[i], units[k], texts[i]) > 0:
                    pairs.append((i, k))
                    j = k + 1
                    break
        return pairs
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for k in range(m - 1, -1, -1):
            score = _score(paragraphs[i], units[k], texts[i])
            take = score + best[i + 1][k + 1] if score > 0 else 0.0
            best[i][k] = max(take, best[i + 1][k], best[i][k + 1])
    pairs, i, k = [], 0, 0
    while i < n and k < m:
        score = _score(paragraphs[i], units[k], texts[i])
        if score > 0 and abs(best[i][k] - (score + best[i + 1][k + 1])) < 1e-9:
            pairs.append((i, k))
            i, k = i + 1, k + 1
        elif best[i][k] == best[i + 1][k]:
            i += 1
        else:
            k += 1
    return pairs


def _align(
    paragraphs: Sequence[ParagraphLike], units: Sequence[_Unit], *, before: bool
) -> dict[int, tuple[_Unit, MatchHow]]:
    """{position in `paragraphs`: its unit}: exact texts first, then number and wording between them."""
    texts = [_paragraph_text(p, before=before) for p in paragraphs]
    ours = [(str(p.part), t) for p, t in zip(paragraphs, texts, strict=True)]
    theirs = [(u.part, u.text) for u in units]
    matcher = difflib.SequenceMatcher(None, ours, theirs, autojunk=False)
    found: dict[int, tuple[_Unit, MatchHow]] = {}
    previous_i = previous_k = 0
    for block in [*matcher.get_matching_blocks()]:
        gap = _pair_gap(paragraphs[previous_i : block.a], texts[previous_i : block.a], units[previous_k : block.b])
        for i, k in gap:
            found[previous_i + i] = (units[previous_k + k], MatchHow.wording)
        for offset in range(block.size):
            found[block.a + offset] = (units[block.b + offset], MatchHow.text)
        previous_i, previous_k = block.a + block.size, block.b + block.size
    return found


# Reading the document ---------------------------------------------------------------------------------------


@dataclass
class _ClauseParts:
    """The paragraphs of one clause in one language."""

    heading: list[ParagraphLike] = field(default_factory=list)
    body: list[ParagraphLike] = field(default_factory=list)
    read: dict[bool, tuple[str | None, str]] = field(default_factory=dict)

    @property
    def all(self) -> list[ParagraphLike]:
        return [*self.heading, *self.body]

    def words(self, *, before: bool) -> tuple[str | None, str]:
        """(heading, body) before or after the changes; computed once (a clause is compared with each version)."""
        if before not in self.read:
            heading = " ".join(_paragraph_text(p, before=before) for p in self.heading if not _gone(p, before))
            body = " ".join(_paragraph_text(p, before=before) for p in self.body if not _gone(p, before))
            self.read[before] = (normalise(heading) or None, normalise(body))
        return self.read[before]


def _gone(paragraph: ParagraphLike, before: bool) -> bool:
    """A paragraph absent on that side: inserted whole (before) or deleted whole (after)."""
    return paragraph.inserted_whole if before else paragraph.deleted_whole


def _same(first: Words | None, second: Words | None) -> bool:
    if first is None or second is None:
        return first is second
    return normalise(first[0]) == normalise(second[0]) and normalise(first[1]) == normalise(second[1])


def _credits(paragraphs: Iterable[ParagraphLike]) -> tuple[Credit, ...]:
    seen: dict[tuple, Credit] = {}
    for paragraph in paragraphs:
        for change in paragraph.changes:
            credit = Credit(change.author or "", change.date)
            seen.setdefault((credit.author, credit.date), credit)
    return tuple(seen.values())


def _comments(paragraphs: Iterable[ParagraphLike]) -> tuple[WordComment, ...]:
    return tuple(
        WordComment(c.author or "", c.date, c.text) for p in paragraphs for c in p.comments if normalise(c.text)
    )


def read_changes(
    document: DocumentLike,
    clauses: Sequence[BaseClause],
    languages: Sequence[str],
    *,
    required: Sequence[str] = (),
    known_wids: Collection[str] = frozenset(),
) -> Reading:
    """Match the document to the clauses (reading order of the point compared with) and propose, per clause, what
    the document changes. `languages`: the instrument's, the authoritative first; `required`: those a clause must
    have text in; `known_wids`: every clause id of the negotiation (a paragraph naming one that is not among
    `clauses` is reported; one naming an id the negotiation never had, an export of another copy of it, is matched
    by its words). A clean document (no tracked changes) is compared with each clause's `reference` version."""
    tracked = document.tracked
    reading = Reading()
    by_wid = {clause.wid: index for index, clause in enumerate(clauses)}
    exported = any(p.clause_wid for p in document.paragraphs)
    # Per clause index, per language: its paragraphs. Paragraphs that find no clause go to `loose`.
    found: dict[int, dict[str, _ClauseParts]] = {}
    loose: list[tuple[ParagraphLike, str]] = []
    per_language: dict[str, list[ParagraphLike]] = {}
    for paragraph in document.paragraphs:
        language = guess_language(paragraph, languages)
        if paragraph.clause_wid is not None and paragraph.clause_wid in by_wid and not paragraph.inserted_whole:
            index = by_wid[paragraph.clause_wid]
            parts = found.setdefault(index, {}).setdefault(language, _ClauseParts())
            (parts.heading if str(paragraph.part) == HEADING else parts.body).append(paragraph)
            reading.matches.append(Match(paragraph.index, paragraph.clause_wid, MatchHow.identifier))
        elif paragraph.clause_wid in known_wids and not paragraph.inserted_whole:
            # A clause of this negotiation, but not of the draft compared with: never matched to another by words.
            reading.unmatched.append(
                Unmatched(
                    paragraph.index,
                    normalise(paragraph.after or paragraph.before),
                    Message(
                        N_(
                            "This paragraph belongs to a clause that is not in the draft compared with (it was "
                            "deleted, or added later)."
                        )
                    ),
                )
            )
        else:
            per_language.setdefault(language, []).append(paragraph)
    # Without identifiers: align in reading order, per language. A whole inserted paragraph is a new clause,
    # never a clause of the draft.
    order: dict[int, int] = {}  # paragraph index -> clause index it stands in (for placing new clauses)
    for index, parts_by_language in found.items():
        for parts in parts_by_language.values():
            for paragraph in parts.all:
                order[paragraph.index] = index
    for language, paragraphs in per_language.items():
        candidates = [p for p in paragraphs if not p.inserted_whole]
        taken_units: set[tuple[int, str]] = set()
        for index, by_language in found.items():
            taken = by_language.get(language)
            if taken is not None:
                taken_units |= {(index, HEADING)} if taken.heading else set()
                taken_units |= {(index, BODY)} if taken.body else set()
        units = [u for u in _units(clauses, language, reference=not tracked) if (u.clause, u.part) not in taken_units]
        pairs = _align(candidates, units, before=tracked)
        for position, paragraph in enumerate(candidates):
            if position not in pairs:
                continue
            unit, how = pairs[position]
            parts = found.setdefault(unit.clause, {}).setdefault(language, _ClauseParts())
            (parts.heading if unit.part == HEADING else parts.body).append(paragraph)
            order[paragraph.index] = unit.clause
            reading.matches.append(Match(paragraph.index, clauses[unit.clause].wid, how))
        for position, paragraph in enumerate(candidates):
            if position in pairs:
                continue
            loose.append((paragraph, language))
        loose += [(p, language) for p in paragraphs if p.inserted_whole]

    for index in sorted(found):
        proposal = _clause_proposal(clauses[index], found[index], tracked, languages, reading)
        if proposal is not None:
            reading.proposals.append(proposal)
    if not tracked:
        reading.proposals += _missing_clauses(clauses, found, per_language, exported)
    _new_clauses(document, clauses, loose, order, tracked, required, reading, exported)
    return reading


def _clause_proposal(
    clause: BaseClause,
    parts_by_language: Mapping[str, _ClauseParts],
    tracked: bool,
    languages: Sequence[str],
    reading: Reading,
) -> ChangeProposal | None:
    paragraphs = [p for parts in parts_by_language.values() for p in parts.all]
    comments = _comments(paragraphs)
    indices = tuple(sorted(p.index for p in paragraphs))
    first_text = normalise(paragraphs[0].after or paragraphs[0].before) if paragraphs else ""

    def unmatched(reason: Message) -> None:
        reading.unmatched.append(Unmatched(indices[0], first_text, reason))

    # A clause deleted whole: every paragraph it has in the document is a tracked deletion.
    if all(p.deleted_whole for p in paragraphs):
        if not can_delete(clause.kind):
            unmatched(Message(N_("%(citation)s cannot be deleted."), citation=clause.citation))
            return None
        base = _written_against(clause, parts_by_language, tracked)
        if base is None:
            unmatched(_not_a_version(clause))
            return None
        return ChangeProposal(
            ProposalKind.delete,
            clause.wid,
            clause.citation,
            {},
            dict(base.texts),
            base.key,
            Source.tracked if tracked else Source.comparison,
            _credits(paragraphs),
            comments,
            indices,
            outdated=base.key != clause.versions[0].key,
        )
    if any(p.deleted_whole for p in paragraphs) and any(not p.deleted_whole for p in paragraphs):
        # Part of a clause deleted (its heading line, or one language): only a change of its words is read; a
        # deletion of the clause is all its paragraphs.
        bodies_gone = [
            language
            for language, parts in parts_by_language.items()
            if parts.body and all(p.deleted_whole for p in parts.body)
        ]
        if bodies_gone:
            unmatched(
                Message(
                    N_(
                        "The text of %(citation)s is deleted in one language only, or without its heading: to "
                        "propose deleting the clause, delete all of its paragraphs."
                    ),
                    citation=clause.citation,
                )
            )
            return None
    base = _written_against(clause, parts_by_language, tracked)
    if base is None:
        unmatched(_not_a_version(clause))
        return None
    proposed: dict[str, Words] = {}
    changed = False
    for language in languages:
        parts = parts_by_language.get(language)
        base_words = base.texts.get(language)
        if parts is None:
            if base_words is not None:
                proposed[language] = base_words
            continue
        heading, body = parts.words(before=False)
        if not parts.heading and base_words is not None:
            heading = base_words[0]  # the heading line was not in the document: left as it was
        if not parts.body and base_words is not None:
            body = base_words[1]
        if not body:
            unmatched(
                Message(
                    N_(
                        "The text of %(citation)s would be empty: to propose deleting the clause, delete all of "
                        "its paragraphs."
                    ),
                    citation=clause.citation,
                )
            )
            return None
        if heading and clause.kind is not ClauseKind.article:
            heading = None if base_words is None else base_words[0]
        proposed[language] = (heading, body)
        if not _same(proposed[language], base_words):
            changed = True
    if not changed:
        if comments:
            reading.notices.append(
                Message(
                    N_(
                        "%(count)s Word comments on %(citation)s are not taken: the document does not change "
                        "that clause, so there is no amendment to attach them to."
                    ),
                    count=len(comments),
                    citation=clause.citation,
                )
            )
        return None
    return ChangeProposal(
        ProposalKind.change,
        clause.wid,
        clause.citation,
        proposed,
        dict(base.texts),
        base.key,
        Source.tracked if tracked else Source.comparison,
        _credits(paragraphs),
        comments,
        indices,
        outdated=base.key != clause.versions[0].key,
    )


def _not_a_version(clause: BaseClause) -> Message:
    return Message(
        N_(
            "The text of %(citation)s before the tracked changes is neither its current text nor one of its earlier "
            "versions (it was edited without tracking changes): propose this change by hand."
        ),
        citation=clause.citation,
    )


def _written_against(
    clause: BaseClause, parts_by_language: Mapping[str, _ClauseParts], tracked: bool
) -> BaseVersion | None:
    """The clause version the document's words were written against: for a clean document the point compared
    with; for a tracked one the newest version whose words are the document's text before the changes (in every
    language the document has), None when there is none."""
    if not tracked:
        return clause.reference
    for version in clause.versions:
        if all(_agrees(version.texts.get(language), parts) for language, parts in parts_by_language.items()):
            return version
    return None


def _agrees(words: Words | None, parts: _ClauseParts) -> bool:
    heading, body = parts.words(before=True)
    if words is None:
        return False
    if parts.body and normalise(words[1]) != body:
        return False
    return not parts.heading or normalise(words[0]) == normalise(heading)


def _missing_clauses(
    clauses: Sequence[BaseClause],
    found: Mapping[int, Mapping[str, _ClauseParts]],
    per_language: Mapping[str, list[ParagraphLike]],
    exported: bool,
) -> list[ChangeProposal]:
    """A clean document without a clause the draft has (in every language it has): a proposed deletion (the
    topmost clause only: its sub-clauses go with it)."""
    present = {language for parts in found.values() for language in parts} | set(per_language)
    if not present or not found:
        return []
    proposals = []
    missing_wids: set[str] = set()
    for index, clause in enumerate(clauses):
        if index in found or clause.deleted or not can_delete(clause.kind):
            continue
        reference = clause.reference
        if not any(language in reference.texts for language in present):
            continue
        missing_wids.add(clause.wid)
        if clause.parent_wid in missing_wids:
            continue
        proposals.append(
            ChangeProposal(
                ProposalKind.delete,
                clause.wid,
                clause.citation,
                {},
                dict(reference.texts),
                reference.key,
                Source.comparison,
                outdated=reference.key != clause.versions[0].key,
            )
        )
    return proposals


def _new_clauses(
    document: DocumentLike,
    clauses: Sequence[BaseClause],
    loose: list[tuple[ParagraphLike, str]],
    order: Mapping[int, int],
    tracked: bool,
    required: Sequence[str],
    reading: Reading,
    exported: bool,
) -> None:
    """Paragraphs no clause claims: a tracked insertion (or, in a clean document, an added paragraph) after a
    clause of the draft is a proposed new clause there; anything else is reported."""
    by_index = {p.index: p for p in document.paragraphs}
    ordered = sorted(by_index)
    groups: dict[tuple[int, int], dict[str, _ClauseParts]] = {}
    group_paragraphs: dict[tuple[int, int], list[ParagraphLike]] = {}
    placements: dict[tuple[int, int], tuple[ClauseKind, str | None, str | None]] = {}
    #: (clause index, language) -> how many new clauses after it so far, and the latest one.
    started: dict[tuple[int, str], int] = {}
    current: dict[tuple[int, str], tuple[tuple[int, int], _ClauseParts]] = {}
    for paragraph, language in sorted(loose, key=lambda item: item[0].index):
        text = normalise(paragraph.after or paragraph.before)
        is_new = paragraph.inserted_whole if tracked else bool(text)
        if not text and not paragraph.comments:
            continue  # an empty line
        if not is_new or paragraph.deleted_whole:
            if tracked and paragraph.before == paragraph.after and not paragraph.comments and exported:
                continue  # the export's own lines (the cover, a language's heading): not part of the draft
            reading.unmatched.append(
                Unmatched(paragraph.index, text, Message(N_("No clause of the draft matches this paragraph.")))
            )
            continue
        # The clause it follows in the document: the nearest paragraph before it that stands in a clause.
        position = ordered.index(paragraph.index)
        previous = next((order[i] for i in reversed(ordered[:position]) if i in order), None)
        if previous is None:
            reading.unmatched.append(
                Unmatched(
                    paragraph.index,
                    text,
                    Message(N_("This paragraph stands before the first clause of the draft: it is not taken.")),
                )
            )
            continue
        # A new article is its heading line and the text after it: that text joins the heading's new clause.
        # Every other paragraph starts a new clause; the n-th new clause after a clause in one language goes with
        # the n-th after it in another.
        active = current.get((previous, language))
        if active is not None and str(paragraph.part) == BODY and active[1].heading and not active[1].body:
            key, parts = active
            parts.body.append(paragraph)
            group_paragraphs[key].append(paragraph)
            continue
        place = _placement(clauses, previous, paragraph)
        if place is None:
            reading.unmatched.append(
                Unmatched(
                    paragraph.index,
                    text,
                    Message(
                        N_(
                            "A new paragraph after %(citation)s, but its number (%(label)s) says no kind of clause "
                            "that may stand there."
                        ),
                        citation=clauses[previous].citation,
                        label=paragraph.label or "—",
                    ),
                )
            )
            continue
        ordinal = started[(previous, language)] = started.get((previous, language), 0) + 1
        key = (previous, ordinal)
        placements.setdefault(key, place)
        parts = groups.setdefault(key, {}).setdefault(language, _ClauseParts())
        (parts.heading if str(paragraph.part) == HEADING else parts.body).append(paragraph)
        group_paragraphs.setdefault(key, []).append(paragraph)
        current[(previous, language)] = (key, parts)
    for key, by_language in groups.items():
        previous = key[0]
        kind, parent_wid, after_wid = placements[key]
        paragraphs = group_paragraphs[key]
        texts = {}
        for language, parts in by_language.items():
            heading, body = parts.words(before=False)
            if body:
                texts[language] = (heading if kind is ClauseKind.article else None, body)
        citation = Message(N_("new clause after %(citation)s"), citation=clauses[previous].citation)
        missing = [language for language in required if language not in texts]
        if missing:
            reading.unmatched.append(
                Unmatched(
                    paragraphs[0].index,
                    normalise(paragraphs[0].after),
                    Message(
                        N_("A new clause needs its text in %(languages)s: it is not taken."),
                        languages=", ".join(missing),
                    ),
                )
            )
            continue
        reading.proposals.append(
            ChangeProposal(
                ProposalKind.insert,
                None,
                citation,
                texts,
                {},
                None,
                Source.tracked if tracked else Source.comparison,
                _credits(paragraphs),
                _comments(paragraphs),
                tuple(p.index for p in paragraphs),
                new_kind=kind,
                parent_wid=parent_wid,
                after_wid=after_wid,
            )
        )


def _placement(
    clauses: Sequence[BaseClause], previous: int, paragraph: ParagraphLike
) -> tuple[ClauseKind, str | None, str | None] | None:
    """(kind, parent wid, wid of the clause it follows) of a new clause typed after clause `previous`: the kind its
    number says (the previous clause's kind when it has none); a sibling of the previous clause or of one of its
    ancestors, or the first child of the previous clause."""
    anchor = clauses[previous]
    kind = kind_of_label(paragraph.label) or (ClauseKind.article if str(paragraph.part) == HEADING else anchor.kind)
    by_wid = {clause.wid: clause for clause in clauses}
    if kind in insertable_kinds(anchor.kind):
        return kind, anchor.wid, None
    walker: BaseClause | None = anchor
    while walker is not None:
        parent = by_wid.get(walker.parent_wid) if walker.parent_wid else None
        if kind is walker.kind and kind in insertable_kinds(parent.kind if parent else None):
            return kind, walker.parent_wid, walker.wid
        walker = parent
    return None
