"""Square brackets in the text (pure core, no app): what a chair counts as still open."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mou_tracker.core.brackets import BracketKind, ProblemKind, read_brackets


def kinds(text: str, not_negotiating: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    reading = read_brackets(text, not_negotiating)
    return [(bracket.kind.value, bracket.inner(text)) for bracket in reading.brackets]


def test_placeholders_are_brackets_still_open():
    reading = read_brackets("Done at [place], on [date]")
    assert kinds("Done at [place], on [date]") == [("placeholder", "place"), ("placeholder", "date")]
    assert reading.groups == 2
    assert reading.placeholders == 2
    assert not reading.is_clean


@pytest.mark.parametrize(
    "text",
    ["The Parties [shall][will] cooperate", "The Parties [shall] [will] cooperate", "The Parties [shall] / [will]"],
    ids=["touching", "space-between", "slash-between"],
)
def test_alternatives_side_by_side_are_one_question(text):
    reading = read_brackets(text)
    assert [bracket.kind for bracket in reading.brackets] == [BracketKind.alternative, BracketKind.alternative]
    assert reading.groups == 1


def test_labelled_alternatives_and_a_separate_wording():
    text = "[Alt 1: exchange information] [Alt 2: share data], [in accordance with national law]"
    assert kinds(text) == [
        ("alternative", "Alt 1: exchange information"),
        ("alternative", "Alt 2: share data"),
        ("wording", "in accordance with national law"),
    ]
    assert read_brackets(text).groups == 2


def test_nested_brackets_count_once_at_the_top():
    text = "[the Parties [shall][will] cooperate] further"
    reading = read_brackets(text)
    assert [(bracket.depth, bracket.inner(text)) for bracket in reading.brackets] == [
        (0, "the Parties [shall][will] cooperate"),
        (1, "shall"),
        (1, "will"),
    ]
    assert reading.groups == 1


def test_declared_citation_brackets_are_plain_text():
    text = "as set out in paragraph 3 [of Article 2], the Parties [shall] inform"
    reading = read_brackets(text, ["[of Article 2]"])
    assert kinds(text, ("[of Article 2]",)) == [("wording", "shall")]
    assert reading.groups == 1


def test_unbalanced_brackets_are_reported_with_their_place():
    reading = read_brackets("the Parties] shall [cooperate")
    assert [(problem.kind, problem.position) for problem in reading.problems] == [
        (ProblemKind.unopened, 11),
        (ProblemKind.unclosed, 19),
    ]
    assert reading.problems[0].message == 'The "]" at character 12 closes no bracket.'
    assert not reading.is_clean


def test_russian_placeholders_and_gaps():
    assert kinds("Совершено в [место] [дата]") == [("placeholder", "место"), ("placeholder", "дата")]
    assert kinds("signed by [...]") == [("placeholder", "...")]


def test_text_without_brackets_is_clean():
    reading = read_brackets("The Parties shall cooperate.")
    assert reading.is_clean and reading.groups == 0


bracket_text = st.text(alphabet=st.sampled_from(list("ab [] /\nшй.")), max_size=60)


@given(bracket_text)
def test_segments_never_lose_or_add_a_character(text):
    reading = read_brackets(text)
    assert "".join(segment.text for segment in reading.segments) == text


@given(st.text(alphabet=st.characters(blacklist_characters="[]"), max_size=80))
def test_a_text_without_square_brackets_has_none(text):
    reading = read_brackets(text)
    assert reading.is_clean
    assert [segment.depth for segment in reading.segments] == ([0] if text else [])


@st.composite
def balanced(draw, depth=0):
    parts = draw(st.lists(st.one_of(st.text(alphabet="ab ", max_size=4), st.just(None)), max_size=4))
    out = []
    for part in parts:
        if part is None and depth < 3:
            out.append("[" + draw(balanced(depth=depth + 1)) + "]")
        elif part is not None:
            out.append(part)
    return "".join(out)


@given(balanced())
def test_balanced_text_has_no_problems_and_every_bracket_found(text):
    reading = read_brackets(text)
    assert not reading.problems
    assert len(reading.brackets) == text.count("[")
    assert all(text[bracket.start] == "[" and text[bracket.end - 1] == "]" for bracket in reading.brackets)


def test_a_clause_with_brackets_left_is_bracketed_even_when_endorsed():
    """ "Done at [place], on [date]" was recorded as Agreed at the SWG: brackets in the text keep it bracketed."""
    from mou_tracker.core.status import ClauseFacts, ClauseStatus, clause_status

    placeholders = read_brackets("Done at [place], on [date]")
    endorsed = {"has_open_amendments": False, "has_reservation": False, "agreed_by_negotiators": True, "endorsed": True}
    assert clause_status(ClauseFacts(**endorsed, open_brackets=placeholders.groups)) is ClauseStatus.bracketed
    assert clause_status(ClauseFacts(**endorsed, open_brackets=0)) is ClauseStatus.agreed
