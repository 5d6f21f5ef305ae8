"""Each change of a redline credited to the step (amendment) that made it; no app needed."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mou_tracker.core.attribution import (
    Credit,
    WordRun,
    attribute,
    credited_text,
    next_runs,
    runs_from_json,
    runs_of_chain,
    runs_to_json,
    split_text,
)
from mou_tracker.core.redline import Op

CICA = Credit("CICA", dt.datetime(2024, 3, 13, tzinfo=dt.UTC), "CICA-4")
UNOCT = Credit("UNOCT", dt.datetime(2024, 3, 15, tzinfo=dt.UTC), "UNOCT-3")
OTHER = Credit("X")


def changes(segments):
    return [(s.op.name, s.text.strip(), s.credit.citation) for s in segments if s.op is not Op.equal]


def test_each_change_carries_the_amendment_that_made_it():
    start = "This Memorandum may be amended at any time by written consent."
    after_cica = "This Memorandum may be amended at any time by mutual written consent of both Participants."
    after_unoct = "This Memorandum may be amended by mutual written consent of both Participants, through letters."
    segments = attribute(start, [(after_cica, CICA), (after_unoct, UNOCT)], OTHER)
    assert credited_text(segments, accepted=False) == start
    assert credited_text(segments, accepted=True) == after_unoct
    assert changes(segments) == [
        ("delete", "at any time", "UNOCT-3"),
        ("insert", "mutual", "CICA-4"),
        ("insert", "of both Participants", "CICA-4"),
        ("insert", ", through letters", "UNOCT-3"),
    ]


def test_words_inserted_then_deleted_on_the_way_leave_no_trace():
    segments = attribute("a b c", [("a b new c", CICA), ("a b c d", UNOCT)], OTHER)
    assert changes(segments) == [("insert", "d", "UNOCT-3")]


def test_a_deleted_text_is_credited_to_the_deleting_step():
    segments = attribute("Old words.", [("Old words and more.", CICA), ("", UNOCT)], OTHER)
    assert credited_text(segments, accepted=True) == ""
    assert {s.credit.citation for s in segments} == {"UNOCT-3"}


def test_no_steps_no_changes_and_a_word_put_back_is_unchanged():
    assert changes(attribute("same", [], OTHER)) == []
    assert changes(attribute("keep this word", [("keep word", CICA), ("keep this word", UNOCT)], OTHER)) == []


words = st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", ",", ".", "мир", "и"]), max_size=12)


@settings(max_examples=150, deadline=None)
@given(start=words, steps=st.lists(st.tuples(words, st.sampled_from([CICA, UNOCT])), max_size=4))
def test_accepting_gives_the_end_and_rejecting_the_start_whatever_the_history(start, steps):
    start_text = " ".join(start)
    chain = [(" ".join(w), credit) for w, credit in steps]
    segments = attribute(start_text, chain, OTHER)
    assert credited_text(segments, accepted=False) == start_text
    assert credited_text(segments, accepted=True) == (chain[-1][0] if chain else start_text)
    assert all(s.credit is not None for s in segments if s.op is not Op.equal)
    # A change is credited only to a step that took part.
    assert {s.credit for s in segments if s.op is not Op.equal} <= {c for _, c in chain}


# Who wrote each word of the current text (runs kept per version) -------------------------------------------------


def test_each_word_of_the_current_text_is_credited_to_the_version_that_introduced_it():
    chain = [
        (1, "This Memorandum may be amended at any time by written consent."),
        (2, "This Memorandum may be amended at any time by mutual written consent of both Participants."),
        (3, "This Memorandum may be amended by mutual written consent of both Participants, through letters."),
    ]
    assert split_text(chain[-1][1], runs_of_chain(chain)) == [
        ("This Memorandum may be amended by", 1),
        (" mutual", 2),
        (" written consent", 1),
        (" of both Participants", 2),
        (", through letters", 3),
        (".", 1),
    ]


def test_a_version_that_changes_nothing_in_a_language_keeps_every_credit():
    runs = runs_of_chain([(1, "a b"), (2, "a b c")])
    assert next_runs("a b c", runs, "a b c", 3) == runs
    assert runs_from_json(runs_to_json(runs)) == runs


def test_a_word_deleted_and_put_back_is_credited_to_the_version_that_put_it_back():
    assert split_text(
        "keep this word", runs_of_chain([(1, "keep this word"), (2, "keep word"), (3, "keep this word")])
    ) == [
        ("keep", 1),
        (" this", 3),
        (" word", 1),
    ]


def test_runs_that_do_not_cover_the_text_are_refused():
    with pytest.raises(ValueError):
        next_runs("abc", (WordRun(2, 1),), "abcd", 2)
    with pytest.raises(ValueError):
        split_text("abc", (WordRun(2, 1),))


@settings(max_examples=200, deadline=None)
@given(chain=st.lists(words, min_size=1, max_size=8))
def test_the_runs_concatenate_to_exactly_the_current_text_for_any_chain_of_versions(chain):
    texts = [(seq, " ".join(w)) for seq, w in enumerate(chain, start=1)]
    runs = runs_of_chain(texts)
    current = texts[-1][1]
    pieces = split_text(current, runs)
    assert "".join(text for text, _ in pieces) == current
    assert all(run.length > 0 for run in runs)
    # Each word is credited to a version of the chain whose text held it, and no later than the current one.
    seqs = {seq for seq, _ in texts}
    assert {seq for _, seq in pieces} <= seqs
    for text, seq in pieces:
        if text.strip():
            assert text.strip().split()[-1] in texts[seq - 1][1]
    # Derived one version at a time (as kept per version) or for the whole chain at once: the same runs.
    step: tuple[WordRun, ...] = ()
    for index, (seq, text) in enumerate(texts):
        step = runs_of_chain([(seq, text)]) if index == 0 else next_runs(texts[index - 1][1], step, text, seq)
    assert step == runs
