"""Each change of a redline credited to the step (amendment) that made it; no app needed."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from mou_tracker.core.attribution import Credit, attribute, credited_text
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
