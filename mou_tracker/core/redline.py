"""The redline engine: word-level tracked changes between two texts, rendered as escaped HTML.

How a redline is made:
1. Both texts are split into tokens: words, runs of white space, and single punctuation marks. Combining marks,
   emoji modifiers and zero-width joiners stay with the token before them, so no change ever splits a letter.
2. Every distinct token becomes one private-use character, and diff-match-patch diffs those token strings.
   Working on tokens makes changes whole words, as lawyers read them, and is many times faster than characters.
3. The diff is cleaned up semantically (small equalities between changes are folded in), then expanded back.

Determinism: diff-match-patch's time limit is switched off, so a redline never depends on the machine's load.
Its cost is bounded instead, by counting work rather than seconds:
- texts are capped in size (core.text.MAX_CLAUSE_TEXT);
- when two texts share too little wording for a word-by-word comparison to help a reader, the redline is one
  whole replacement;
- the Myers search is given a budget of DIFF_WORK_BUDGET steps (a step at depth d costs d). diff-match-patch
  consults its `deadline` once per step; a counting object stands in for the clock, so the same texts always
  stop at the same place. Past the budget the rest is shown as a whole replacement: coarser, never wrong.
"""

from __future__ import annotations

import bisect
import enum
import functools
import html
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from diff_match_patch import diff_match_patch

from .brackets import OPEN, Bracket, read_brackets
from .messages import N_

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
_ZWJ = "\u200d"
#: Token characters are taken from Supplementary Private Use Areas A and B: never in real clause text here
#: (clean_text refuses nothing of them, but a collision only costs an imprecise diff, never lost text).
_TOKEN_BASE = 0xF0000
_MAX_TOKENS = 0x10FFFD - _TOKEN_BASE

#: Below this share of common words, a word-by-word redline is noise: show one whole replacement.
MIN_SHARED_FOR_WORD_DIFF = 0.3
#: Measured on the 2-core machine class (units are words and punctuation; white space is never compared): one
#: unit is about 1.2 microseconds; a 20,000-character clause with 5% of its words changed needs about 25,000 and
#: stays exact; two unrelated texts of that size would need about 6 million (7 seconds) and stop at ~0.5 s.
DIFF_WORK_BUDGET = 400_000


class Op(enum.IntEnum):
    delete = -1
    equal = 0
    insert = 1


@dataclass(frozen=True)
class Segment:
    op: Op
    text: str


def _joins_previous(token: str) -> bool:
    """A token that must not stand apart from the one before it (it belongs to the same character)."""
    first = token[0]
    return (
        unicodedata.category(first).startswith("M")  # combining accents, variation selectors
        or first == _ZWJ
        or 0x1F3FB <= ord(first) <= 0x1F3FF  # emoji skin-tone modifiers
    )


def tokenize(text: str) -> list[str]:
    """Split into words, white-space runs and punctuation; ''.join(tokenize(t)) == t for every t."""
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        # Only characters from U+0300 up can belong to the character before (combining marks, ZWJ, modifiers).
        if tokens and ((token[0] >= "\u0300" and _joins_previous(token)) or tokens[-1][-1] == _ZWJ):
            tokens[-1] += token
        else:
            tokens.append(token)
    return tokens


class _WorkBudget:
    """Stands in for diff-match-patch's deadline: `time.time() > budget` asks it whether to stop."""

    def __init__(self, limit: int):
        self.limit = limit
        self.depth = 0
        self.spent = 0

    def start_search(self) -> None:
        self.depth = 0

    def __lt__(self, _now: float) -> bool:  # evaluated for `time.time() > budget`
        self.depth += 1
        self.spent += self.depth
        return self.spent > self.limit

    def __gt__(self, _now: float) -> bool:
        return False

    def __eq__(self, other: object) -> bool:  # `deadline == None` must be False
        return other is self

    __hash__ = object.__hash__


class _BudgetedDiff(diff_match_patch):
    def __init__(self) -> None:
        super().__init__()
        self.Diff_Timeout = 0  # no clock: the same inputs always give the same redline

    def diff_bisect(self, text1, text2, deadline):
        if isinstance(deadline, _WorkBudget):
            deadline.start_search()  # every search starts at depth 0
        return super().diff_bisect(text1, text2, deadline)


def _shared_share(old: str, new: str, word_codes: set[str]) -> float:
    """How much of the shorter text's wording the other text also has (0..1), counting words only.

    The texts come encoded, one character per token, so that the counting runs in C; `word_codes` are the codes
    of tokens that hold a letter or digit. Measured on the shorter text, so that cutting a long clause down to a
    few of its words still reads as deletions around the words kept; two texts of similar length with little in
    common fall below the bar.
    """
    old_counts, new_counts = Counter(old), Counter(new)

    def words(counts: Counter) -> int:
        return sum(n for code, n in counts.items() if code in word_codes)

    shortest = min(words(old_counts), words(new_counts))
    if shortest == 0:
        return 0.0
    return words(old_counts & new_counts) / shortest


_WORD_CHAR = re.compile(r"\w")


def _is_word(text: str) -> bool:
    """Whether the text holds a letter or digit (in any script), not only spaces and punctuation."""
    return _WORD_CHAR.search(text) is not None


_GAP_AND_WORD = re.compile(r"(\s*)(\w+|[^\w\s])")
#: A character that might join the one before it (see `_joins_previous`): anything but word characters, white
#: space, the first Unicode blocks and common punctuation. Texts without one, nearly all, are split in C.
_MAY_JOIN = re.compile(r"[^\w\s\x00-\u02ff\u2010-\u205e\u20a0-\u20c0\u2116\u2122]")


def _words_and_gaps(text: str) -> tuple[list[str], list[str], str]:
    """Split into non-space tokens, the white space before each, and the white space at the end.

    The non-space tokens of `tokenize` (except that a mark right after white space stands as its own token
    instead of joining the space): `"".join(g + w for g, w in zip(gaps, words)) + tail == text`.
    """
    pairs = _GAP_AND_WORD.findall(text)
    if _MAY_JOIN.search(text) is None:
        return _split(text, [gap for gap, _ in pairs], [word for _, word in pairs])
    return _joined_words_and_gaps(text, pairs)


def _joined_words_and_gaps(text: str, pairs: list[tuple[str, str]]) -> tuple[list[str], list[str], str]:
    """`_words_and_gaps` one token at a time, joining a mark to the character it belongs to."""
    words: list[str] = []
    gaps: list[str] = []
    for gap, word in pairs:
        if words and not gap and ((word[0] >= "\u0300" and _joins_previous(word)) or words[-1][-1] == _ZWJ):
            words[-1] += word
        else:
            gaps.append(gap)
            words.append(word)
    return _split(text, gaps, words)


def _split(text: str, gaps: list[str], words: list[str]) -> tuple[list[str], list[str], str]:
    consumed = sum(map(len, gaps)) + sum(map(len, words))
    return words, gaps, text[consumed:]


def _merge(segments: list[Segment]) -> list[Segment]:
    """Join neighbours of the same kind, and put a change's deletion before its insertion."""
    merged: list[Segment] = []
    run_deleted, run_inserted = "", ""

    def add_equal(text: str) -> None:
        if not text:
            return
        if merged and merged[-1].op is Op.equal:
            merged[-1] = Segment(Op.equal, merged[-1].text + text)
        else:
            merged.append(Segment(Op.equal, text))

    def flush_run() -> None:
        nonlocal run_deleted, run_inserted
        lead = trail = ""
        if run_deleted and run_inserted:
            # White space both sides share at the edges of a replacement is not part of the change.
            lead = _common_space(run_deleted, run_inserted)
            run_deleted, run_inserted = run_deleted[len(lead) :], run_inserted[len(lead) :]
            trail = _common_space(run_deleted[::-1], run_inserted[::-1])[::-1]
            if trail:
                run_deleted, run_inserted = run_deleted[: -len(trail)], run_inserted[: -len(trail)]
        add_equal(lead)
        if run_deleted:
            merged.append(Segment(Op.delete, run_deleted))
        if run_inserted:
            merged.append(Segment(Op.insert, run_inserted))
        add_equal(trail)
        run_deleted, run_inserted = "", ""

    for segment in segments:
        if not segment.text:
            continue
        if segment.op is Op.delete:
            run_deleted += segment.text
        elif segment.op is Op.insert:
            run_inserted += segment.text
        else:
            flush_run()
            add_equal(segment.text)
    flush_run()
    return merged


def _common_space(a: str, b: str) -> str:
    """The white space both strings start with."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n] and a[n].isspace():
        n += 1
    return a[:n]


def _fold_wordless_equalities(segments: list[Segment]) -> list[Segment]:
    """Fold an unchanged run of only spaces and punctuation between two changes into them, so that
    "[-will-] [-promptly-]" reads "[-will promptly-]". An unchanged word always stays visible, as in Word."""
    out: list[Segment] = []
    folded = False
    for i, segment in enumerate(segments):
        between_changes = 0 < i < len(segments) - 1 and Op.equal not in (segments[i - 1].op, segments[i + 1].op)
        if segment.op is Op.equal and between_changes and not _is_word(segment.text):
            out += [Segment(Op.delete, segment.text), Segment(Op.insert, segment.text)]
            folded = True
        else:
            out.append(segment)
    return _merge(out) if folded else out


def diff_tokens(old: str, new: str) -> list[Segment]:
    """Word-level diff of two texts as segments whose old side is exactly `old` and new side exactly `new`.

    Only words and punctuation are compared: white space is never an anchor (a space matched to another space
    would split "by mutual" from "at any" in the middle). The white space before a changed token changes with
    it; the white space before an unchanged token is unchanged, unless it differs in itself.
    """
    if old == new:
        return [Segment(Op.equal, old)] if old else []
    old_words, old_gaps, old_tail = _words_and_gaps(old)
    new_words, new_gaps, new_tail = _words_and_gaps(new)
    codes: dict[str, str] = {}
    vocabulary: list[str] = []

    def encode(tokens: list[str]) -> str:
        for token in dict.fromkeys(tokens):  # each distinct token once, in order of appearance
            if token not in codes:
                if len(vocabulary) >= _MAX_TOKENS:
                    raise ValueError("text too large for a redline")
                codes[token] = chr(_TOKEN_BASE + len(vocabulary))
                vocabulary.append(token)
        return "".join(map(codes.__getitem__, tokens))

    encoded_old, encoded_new = encode(old_words), encode(new_words)
    dmp = _BudgetedDiff()
    prefix = dmp.diff_commonPrefix(encoded_old, encoded_new)
    suffix = dmp.diff_commonSuffix(encoded_old[prefix:], encoded_new[prefix:])
    middle_old = encoded_old[prefix : len(encoded_old) - suffix]
    middle_new = encoded_new[prefix : len(encoded_new) - suffix]
    shared = (
        _shared_share(middle_old, middle_new, {codes[token] for token in vocabulary if _is_word(token)})
        if middle_old and middle_new
        else 1.0
    )
    if shared < MIN_SHARED_FOR_WORD_DIFF:
        diffs = [(Op.equal, prefix), (Op.delete, len(middle_old)), (Op.insert, len(middle_new)), (Op.equal, suffix)]
    else:
        diffs = [
            (Op(op), len(chunk))
            for op, chunk in dmp.diff_main(encoded_old, encoded_new, False, _WorkBudget(DIFF_WORK_BUDGET))
        ]

    segments: list[Segment] = []
    i = j = 0  # next old word, next new word
    for op, length in diffs:
        if op is Op.delete:
            segments.append(
                Segment(Op.delete, "".join(map(str.__add__, old_gaps[i : i + length], old_words[i : i + length])))
            )
            i += length
        elif op is Op.insert:
            segments.append(
                Segment(Op.insert, "".join(map(str.__add__, new_gaps[j : j + length], new_words[j : j + length])))
            )
            j += length
        elif old_gaps[i : i + length] == new_gaps[j : j + length]:  # the usual case: one unchanged run
            segments.append(
                Segment(Op.equal, "".join(map(str.__add__, old_gaps[i : i + length], old_words[i : i + length])))
            )
            i, j = i + length, j + length
        else:
            for _ in range(length):
                if old_gaps[i] == new_gaps[j]:
                    segments.append(Segment(Op.equal, old_gaps[i] + old_words[i]))
                else:
                    segments += [Segment(Op.delete, old_gaps[i]), Segment(Op.insert, new_gaps[j])]
                    segments.append(Segment(Op.equal, old_words[i]))
                i, j = i + 1, j + 1
    if old_tail == new_tail:
        segments.append(Segment(Op.equal, old_tail))
    else:
        segments += [Segment(Op.delete, old_tail), Segment(Op.insert, new_tail)]
    return _fold_wordless_equalities(_merge(segments))


@dataclass(frozen=True)
class Redline:
    """The tracked changes from `old` to `new`, attributed to `author` (a party code, or '' when none)."""

    segments: tuple[Segment, ...]
    author: str = ""

    @classmethod
    def between(cls, old: str | None, new: str | None, author: str = "") -> Redline:
        return cls(tuple(diff_tokens(old or "", new or "")), author)

    @property
    def old_text(self) -> str:
        return "".join(s.text for s in self.segments if s.op is not Op.insert)

    @property
    def new_text(self) -> str:
        return "".join(s.text for s in self.segments if s.op is not Op.delete)

    @property
    def has_changes(self) -> bool:
        return any(s.op is not Op.equal for s in self.segments)

    @cached_property
    def words_changed(self) -> tuple[int, int]:
        """(words deleted, words inserted): the size of the change as a reader counts it."""
        deleted = sum(_word_count(s.text) for s in self.segments if s.op is Op.delete)
        inserted = sum(_word_count(s.text) for s in self.segments if s.op is Op.insert)
        return deleted, inserted


def _word_count(text: str) -> int:
    return sum(1 for t in tokenize(text) if _is_word(t))


# Rendering ---------------------------------------------------------------------------------------------------
# Every piece of user text passes through html.escape (quotes included); nothing else writes user text.


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


@dataclass(frozen=True)
class RedlineLabels:
    """What each mark says to a pointer (title) and a screen reader (aria-label); `%(party)s` is the proposing party.
    The English defaults are marked for translation: the web layer passes them in the reader's language."""

    deleted_by: str = N_("Deleted by %(party)s")
    inserted_by: str = N_("Inserted by %(party)s")
    change_by: str = N_("change by %(party)s")
    #: Said to a screen reader where a negotiating bracket starts (web.bracket_marks says the same on clause text).
    bracketed: str = N_("bracketed:")


ENGLISH_LABELS = RedlineLabels()


# Square brackets in rendered text ----------------------------------------------------------------------------
# A negotiating bracket (core.brackets.read_brackets) is shown by a frame and weight, never by colour alone. Cut
# into pieces (the parts of a redline, the runs of a Word paragraph), each piece of a bracket is marked on its own,
# so that the marks always nest inside <ins>/<del> or w:ins/w:del and every bracketed word is marked.


def bracket_html(
    text: str,
    brackets: Sequence[Bracket],
    announce: str,
    start: int = 0,
    end: int | None = None,
    escape: Callable[[str], str] = _esc,
) -> str:
    """text[start:end], escaped, with each negotiating bracket it holds or is cut out of in <span class="bracket">
    (nested brackets inside), `brackets` being read_brackets(text).brackets.

    A piece that holds the "[" of its bracket begins with `announce` ("bracketed:") for a screen reader; a piece cut
    out of a bracket carries "bracket-continued" (it began before) and "bracket-continues" (it ends after), so that
    the frame stays open at the cut.
    """
    end = len(text) if end is None else end
    announced = f'<span class="visually-hidden">{escape(announce)} </span>'
    opens: dict[int, list[str]] = {}
    closes: Counter[int] = Counter()
    for bracket in brackets:  # in order of their "[" (read_brackets): an outer bracket before those inside it
        if bracket.start >= end:
            break
        if bracket.end <= start:
            continue
        classes = "bracket"
        if bracket.start < start:
            classes += " bracket-continued"
        if bracket.end > end:
            classes += " bracket-continues"
        tag = f'<span class="{classes}">'
        if bracket.start >= start:
            tag += announced
        opens.setdefault(max(bracket.start, start), []).append(tag)
        closes[min(bracket.end, end)] += 1
    parts: list[str] = []
    cut = start
    # Brackets pair up as a stack does, so closing at each end and opening at each start always nests; at one
    # position, spans that end close before spans that start open ("[shall][will]" is two spans).
    for position in sorted(opens.keys() | closes.keys()):
        if position > cut:
            parts.append(escape(text[cut:position]))
        parts.append("</span>" * closes[position])
        parts.extend(opens.get(position, ()))
        cut = position
    parts.append(escape(text[cut:end]))
    return "".join(parts)


def bracket_pieces(
    text: str, brackets: Sequence[Bracket], start: int = 0, end: int | None = None
) -> list[tuple[str, bool]]:
    """text[start:end] cut where it enters or leaves a negotiating bracket: (piece, whether it is bracketed), in
    order, the pieces joining to exactly text[start:end]. For formats that mark runs rather than nest (Word)."""
    end = len(text) if end is None else end
    pieces: list[tuple[str, bool]] = []
    cut = start
    outer_end = -1  # the end of the last bracket standing in the text (not inside another)
    for bracket in brackets:  # in order of their "[": an outer bracket before those inside it
        if bracket.end <= outer_end:
            continue  # inside the one before, already bracketed (its depth would count an unclosed "[" too)
        outer_end = bracket.end
        if bracket.start >= end:
            break
        if bracket.end <= start:
            continue
        inside_start, inside_end = max(bracket.start, start), min(bracket.end, end)
        if inside_start > cut:
            pieces.append((text[cut:inside_start], False))
        pieces.append((text[inside_start:inside_end], True))
        cut = inside_end
    if cut < end:
        pieces.append((text[cut:end], False))
    return pieces


def negotiating_brackets(text: str, plain_brackets: Iterable[str] = ()) -> tuple[Bracket, ...]:
    """The negotiating brackets of a text, the passages declared not to be (clause.plain_brackets) left out."""
    if OPEN not in text:
        return ()  # most texts: no parse at all
    return _read_brackets(text, tuple(plain_brackets))


#: Brackets of one text, keyed by the text itself (and its plain passages): they depend on nothing else. A page
#: renders the same clause's redlines again and again (the meeting pack, the whole-draft redline); a few thousand
#: texts fit in a few megabytes, like services.redlines' cache of the redlines themselves.
@functools.lru_cache(maxsize=4096)
def _read_brackets(text: str, plain_brackets: tuple[str, ...]) -> tuple[Bracket, ...]:
    return read_brackets(text, plain_brackets).brackets


class _Side:
    """One side of a redline (the old text or the new), rendered piece by piece in reading order, escaped, with its
    negotiating brackets marked when asked for."""

    def __init__(self, text: str, labels: RedlineLabels, mark: bool, plain_brackets: Iterable[str]):
        self.text = text
        self.brackets = negotiating_brackets(text, plain_brackets) if mark else ()
        self.announce = labels.bracketed
        self.at = 0
        # Where each bracket standing in the text (not inside another) starts and ends: disjoint, in order, so
        # that a piece outside every bracket, most of them, is found by bisection and escaped as it is.
        self.starts = [bracket.start for bracket in self.brackets]
        self.outer: list[tuple[int, int]] = []
        for bracket in self.brackets:
            if not self.outer or bracket.start >= self.outer[-1][1]:
                self.outer.append((bracket.start, bracket.end))
        self.outer_ends = [end for _, end in self.outer]

    def take(self, piece: str) -> str:
        """The next `piece` of this side's text, as markup."""
        start = self.at
        self.at += len(piece)
        if not self.brackets:
            return _esc(piece)
        first = bisect.bisect_right(self.outer_ends, start)  # the first bracket in the text ending after `start`
        if first == len(self.outer) or self.outer[first][0] >= self.at:
            return _esc(piece)
        # Only the brackets from that one on, up to the piece's end, can touch it.
        low = bisect.bisect_left(self.starts, self.outer[first][0])
        high = bisect.bisect_left(self.starts, self.at)
        return bracket_html(self.text, self.brackets[low:high], self.announce, start, self.at)

    def skip(self, piece: str) -> None:
        self.at += len(piece)


def _sides(segments, labels: RedlineLabels, mark: bool, plain_brackets: Iterable[str]) -> tuple[_Side, _Side]:
    plain = tuple(plain_brackets)
    old = "".join(s.text for s in segments if s.op is not Op.insert)
    new = "".join(s.text for s in segments if s.op is not Op.delete)
    return _Side(old, labels, mark, plain), _Side(new, labels, mark, plain)


def _change_tag(kind: str, inner: str, author: str, labels: RedlineLabels, party_code: str | None = None) -> str:
    """`inner` is the changed words as markup (escaped by the caller); `author` as the title names it; `party_code`
    (default: the author) is what the style sheet reads."""
    sentence = labels.deleted_by if kind == "del" else labels.inserted_by
    title = f' title="{_esc(sentence % {"party": author})}"' if author else ""
    code = author if party_code is None else party_code
    party = f' data-party="{_esc(code)}"' if code else ""
    return f'<{kind} class="rl-{kind}"{party}{title}>{inner}</{kind}>'


def _party_tag(author: str, labels: RedlineLabels) -> str:
    if not author:
        return ""
    return f'<sup class="rl-party" aria-label="{_esc(labels.change_by % {"party": author})}">{_esc(author)}</sup>'


def _changed(segment, old: _Side, new: _Side) -> tuple[str, str]:
    """("del" or "ins", the segment's words as markup) for a change; an unchanged segment is read on the new side
    (what the text says once the changes are accepted) and passed over on the old."""
    if segment.op is Op.delete:
        return "del", old.take(segment.text)
    return "ins", new.take(segment.text)


def render_inline(
    redline: Redline,
    labels: RedlineLabels = ENGLISH_LABELS,
    *,
    mark_brackets: bool = False,
    plain_brackets: Iterable[str] = (),
) -> str:
    """Deletions struck through and insertions underlined in one text; each run of changes tagged with its party,
    so the redline reads without colour and in black-and-white print.

    With `mark_brackets`, the negotiating square brackets are marked as on the clause's page: those of the old text
    in what is deleted, those of the new text in what is inserted and in what stays; `plain_brackets` are the
    passages the user declared not to be negotiating brackets (clause.plain_brackets)."""
    old, new = _sides(redline.segments, labels, mark_brackets, plain_brackets)
    out: list[str] = []
    in_change = False
    for segment in redline.segments:
        if segment.op is Op.equal:
            if in_change:
                out.append(_party_tag(redline.author, labels))
                in_change = False
            old.skip(segment.text)
            out.append(new.take(segment.text))
        else:
            out.append(_change_tag(*_changed(segment, old, new), redline.author, labels))
            in_change = True
    if in_change:
        out.append(_party_tag(redline.author, labels))
    return "".join(out)


def render_credited_inline(
    segments,
    name,
    labels: RedlineLabels = ENGLISH_LABELS,
    *,
    mark_brackets: bool = False,
    plain_brackets: Iterable[str] = (),
) -> str:
    """Like `render_inline`, for changes each credited to its own author (core.attribution.CreditedSegment: `op`,
    `text`, `credit`): every run of changes by one author is tagged with `name(credit)` (its party and date), so a
    clause changed by two amendments reads as theirs, word by word, on screen and in print. Brackets as there."""
    segments = list(segments)
    old, new = _sides(segments, labels, mark_brackets, plain_brackets)
    out: list[str] = []
    open_name: str | None = None
    for segment in segments:
        if segment.op is Op.equal:
            if open_name is not None:
                out.append(_party_tag(open_name, labels))
                open_name = None
            old.skip(segment.text)
            out.append(new.take(segment.text))
            continue
        author = name(segment.credit) if segment.credit is not None else ""
        if open_name is not None and author != open_name:
            out.append(_party_tag(open_name, labels))
        party = segment.credit.party if segment.credit is not None else ""
        out.append(_change_tag(*_changed(segment, old, new), author, labels, party))
        open_name = author
    if open_name is not None:
        out.append(_party_tag(open_name, labels))
    return "".join(out)


def render_side_by_side(
    redline: Redline,
    labels: RedlineLabels = ENGLISH_LABELS,
    *,
    mark_brackets: bool = False,
    plain_brackets: Iterable[str] = (),
) -> tuple[str, str]:
    """(old text with its deletions marked, new text with its insertions marked); with `mark_brackets`, each side
    with its own negotiating brackets marked (as `render_inline`)."""
    old_side, new_side = _sides(redline.segments, labels, mark_brackets, plain_brackets)
    old = [
        _change_tag("del", old_side.take(s.text), redline.author, labels)
        if s.op is Op.delete
        else old_side.take(s.text)
        for s in redline.segments
        if s.op is not Op.insert
    ]
    new = [
        _change_tag("ins", new_side.take(s.text), redline.author, labels)
        if s.op is Op.insert
        else new_side.take(s.text)
        for s in redline.segments
        if s.op is not Op.delete
    ]
    return "".join(old), "".join(new)


def render_clean(text: str | None) -> str:
    """The text alone, escaped: what the clause says once the changes are accepted."""
    return _esc(text or "")
