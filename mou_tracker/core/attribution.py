"""Who wrote which words: a redline between two texts, each change credited to the step that made it.

A clause reaches its newer text through a chain of steps (adopted amendments, then perhaps a party's open
proposal), each credited to a party and a date. The redline a reader sees is still the one word-level diff of the
two ends (core.redline.diff_tokens); this module only splits its changes by author:

- an inserted character is credited to the step that inserted it and whose words it still is at the end;
- a deleted character is credited to the step that deleted it.

It walks the chain once, diffing each step against the one before and carrying, for every character of the
current text, the step that inserted it and the position it had in the first text. Where the end-to-end diff and
the chain disagree (a word deleted by one step and put back by another is "unchanged" end to end; the diff may
align a repeated word differently), the change takes the credit of a neighbour in the same change, else that of
the latest step, so a change is never left without an author.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .redline import Op, Segment, diff_tokens


@dataclass(frozen=True)
class Credit:
    """The party a change is credited to, when it was proposed, and the amendment that made it (if any)."""

    party: str
    when: dt.datetime | None = None
    #: The amendment's citation ("UNOCT-2"), or "" for a version recorded without an amendment.
    citation: str = ""
    #: Why the amendment was proposed (shown as a comment on the change in Word).
    rationale: str = ""


@dataclass(frozen=True)
class CreditedSegment:
    op: Op
    text: str
    #: None for unchanged text.
    credit: Credit | None = None


def attribute(
    start: str,
    steps: Sequence[tuple[str, Credit]],
    fallback: Credit,
    diff: Callable[[str, str], Sequence[Segment]] = diff_tokens,
) -> tuple[CreditedSegment, ...]:
    """The redline from `start` to the last step's text (or `start` when there are no steps), each change split
    by the credit of the step that made it. `fallback` credits what the chain cannot explain. `diff` is
    diff_tokens or anything giving the same segments (the services pass one that reads redlines kept earlier)."""
    end = steps[-1][0] if steps else start
    # For every character of the current text: the step that inserted it (None: it was in `start`), and its
    # index in `start` (None: inserted on the way).
    inserted_by: list[Credit | None] = [None] * len(start)
    origin: list[int | None] = list(range(len(start)))
    deleted_by: list[Credit | None] = [None] * len(start)
    current = start
    for text, credit in steps:
        if text == current:
            continue
        next_inserted: list[Credit | None] = []
        next_origin: list[int | None] = []
        position = 0
        for segment in diff(current, text):
            size = len(segment.text)
            if segment.op is Op.equal:
                next_inserted += inserted_by[position : position + size]
                next_origin += origin[position : position + size]
                position += size
            elif segment.op is Op.delete:
                for index in origin[position : position + size]:
                    if index is not None:
                        deleted_by[index] = credit
                position += size
            else:
                next_inserted += [credit] * size
                next_origin += [None] * size
        inserted_by, origin, current = next_inserted, next_origin, text
    last = steps[-1][1] if steps else fallback
    out: list[CreditedSegment] = []
    old_at = new_at = 0
    for segment in diff(start, end):
        size = len(segment.text)
        if segment.op is Op.equal:
            out.append(CreditedSegment(Op.equal, segment.text))
            old_at += size
            new_at += size
            continue
        if segment.op is Op.delete:
            credits = deleted_by[old_at : old_at + size]
            old_at += size
        else:
            credits = [inserted_by[new_at + i] if new_at + i < len(inserted_by) else None for i in range(size)]
            new_at += size
        out += _split(segment.op, segment.text, _fill(segment.text, credits, last))
    return tuple(out)


def _fill(text: str, credits: list[Credit | None], last: Credit) -> list[Credit]:
    """Give every character of one change a credit: white space takes the credit of the word after it (a word's
    leading space goes with the word), and what the chain left unexplained takes a neighbour's, else `last`."""
    filled: list[Credit | None] = list(credits)
    following: Credit | None = None
    for i in range(len(text) - 1, -1, -1):
        if text[i].isspace():
            filled[i] = following or filled[i]
        elif filled[i] is not None:
            following = filled[i]
    known = next((c for c in filled if c is not None), None)
    result: list[Credit] = []
    for credit in filled:
        if credit is not None:
            known = credit
        result.append(credit or known or last)
    return result


def _split(op: Op, text: str, credits: list[Credit]) -> list[CreditedSegment]:
    out: list[CreditedSegment] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or credits[i] != credits[start]:
            out.append(CreditedSegment(op, text[start:i], credits[start]))
            start = i
    return out


def credited_text(segments: Sequence[CreditedSegment], *, accepted: bool) -> str:
    """The text with every change accepted (the newer text) or rejected (the older)."""
    dropped = Op.delete if accepted else Op.insert
    return "".join(s.text for s in segments if s.op is not dropped)


# Who wrote each word of the current text ---------------------------------------------------------------------
#
# Unlike `attribute` (the changes between two points), this credits every character of one version's text to the
# version that introduced it. The result is kept per version (versions never change), so the runs of version N are
# computed once from the runs of the version before it and one diff: a chain of 20 versions costs one diff, not 20.


@dataclass(frozen=True)
class WordRun:
    """`length` characters of a version's text, all introduced by the version numbered `seq`."""

    length: int
    seq: int


def runs_of_first(text: str, seq: int) -> tuple[WordRun, ...]:
    """A text with no earlier version in its language: every word is the version's own."""
    return (WordRun(len(text), seq),) if text else ()


def next_runs(previous_text: str, previous_runs: Sequence[WordRun], text: str, seq: int) -> tuple[WordRun, ...]:
    """The runs of `text` (version `seq`), from the text and runs of the version before it in the same language.

    Words the redline engine finds unchanged keep the version that introduced them; inserted words are credited to
    `seq`. White space before an unchanged word stays with that word (the engine never anchors on white space)."""
    if sum(run.length for run in previous_runs) != len(previous_text):
        raise ValueError("the earlier runs do not cover the earlier text")
    per_char: list[int] = [run.seq for run in previous_runs for _ in range(run.length)]
    credits: list[int] = []
    position = 0
    for segment in diff_tokens(previous_text, text):
        size = len(segment.text)
        if segment.op is Op.equal:
            credits += per_char[position : position + size]
            position += size
        elif segment.op is Op.delete:
            position += size
        else:
            credits += [seq] * size
    return _runs(_spaces_follow_words(text, credits))


def runs_of_chain(texts: Sequence[tuple[int, str]]) -> tuple[WordRun, ...]:
    """The runs of the last text of a chain of (seq, text), oldest first; () for an empty chain."""
    runs: tuple[WordRun, ...] = ()
    previous: str | None = None
    for seq, text in texts:
        runs = runs_of_first(text, seq) if previous is None else next_runs(previous, runs, text, seq)
        previous = text
    return runs


def split_text(text: str, runs: Sequence[WordRun]) -> list[tuple[str, int]]:
    """[(words, seq)] in reading order: joined, exactly `text`."""
    out: list[tuple[str, int]] = []
    at = 0
    for run in runs:
        out.append((text[at : at + run.length], run.seq))
        at += run.length
    if at != len(text):
        raise ValueError("the runs do not cover the text")
    return out


def runs_to_json(runs: Sequence[WordRun]) -> list[list[int]]:
    return [[run.length, run.seq] for run in runs]


def runs_from_json(data: Sequence[Sequence[int]]) -> tuple[WordRun, ...]:
    return tuple(WordRun(int(length), int(seq)) for length, seq in data)


def _spaces_follow_words(text: str, credits: list[int]) -> list[int]:
    """White space between two words of different versions goes with the word after it, so a run reads as whole
    words ("mutual written", not "mutual written "); trailing white space stays with the word before."""
    out = list(credits)
    following: int | None = None
    for i in range(len(text) - 1, -1, -1):
        if text[i].isspace():
            if following is not None:
                out[i] = following
        else:
            following = out[i]
    return out


def _runs(credits: list[int]) -> tuple[WordRun, ...]:
    runs: list[WordRun] = []
    for seq in credits:
        if runs and runs[-1].seq == seq:
            runs[-1] = WordRun(runs[-1].length + 1, seq)
        else:
            runs.append(WordRun(1, seq))
    return tuple(runs)
