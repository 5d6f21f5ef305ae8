"""Whose legal clearance adoption needs, and when an amendment is agreed: the table of cases (no app)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mou_tracker.core.clause_kinds import (
    ClauseKind,
    can_delete,
    can_insert_after,
    can_insert_under,
    insertable_kinds,
)
from mou_tracker.core.clearance import (
    DEFAULT_FOR_NEW_NEGOTIATIONS,
    ClearanceRule,
    Fact,
    clearance,
    concurred_parties,
    current_review,
    is_agreed,
    review_lapsed,
)
from mou_tracker.core.status import ReviewDecision

CICA, UNOCT = 1, 2
PARTIES = (CICA, UNOCT)
#: The amendment's revisions: 10 was the first wording, 11 is the current one.
OLD, NOW = 10, 11
ANY, PER_PARTY = ClearanceRule.any_reviewer, ClearanceRule.per_party
CLEARED, REJECTED, CHANGES = ReviewDecision.cleared, ReviewDecision.rejected, ReviewDecision.changes_requested


def by(party: int | None, decision: ReviewDecision, revision: int = NOW) -> Fact:
    return Fact(revision, decision, party)


@pytest.mark.parametrize(
    ("rule", "reviews", "missing_parties", "missing_any", "cleared"),
    [
        # Any legal reviewer: the latest review of the current revision decides, whoever gave it.
        pytest.param(ANY, [], set(), True, False, id="any-nobody-reviewed"),
        pytest.param(ANY, [by(CICA, CLEARED)], set(), False, True, id="any-one-party-cleared"),
        pytest.param(ANY, [by(None, CLEARED)], set(), False, True, id="any-reviewer-of-no-party-cleared"),
        pytest.param(ANY, [by(CICA, CLEARED, OLD)], set(), True, False, id="any-clearance-of-old-revision-lapsed"),
        pytest.param(ANY, [by(CICA, CLEARED), by(UNOCT, REJECTED)], set(), True, False, id="any-latest-rejects"),
        pytest.param(ANY, [by(UNOCT, CHANGES), by(CICA, CLEARED)], set(), False, True, id="any-latest-clears"),
        # Each party's own legal office: every party's latest review of the current revision must clear it.
        pytest.param(PER_PARTY, [], {CICA, UNOCT}, False, False, id="per-party-nobody-reviewed"),
        pytest.param(PER_PARTY, [by(CICA, CLEARED)], {UNOCT}, False, False, id="per-party-one-cleared"),
        pytest.param(
            PER_PARTY, [by(CICA, CLEARED), by(UNOCT, CLEARED)], set(), False, True, id="per-party-both-cleared"
        ),
        pytest.param(
            PER_PARTY,
            [by(CICA, CLEARED), by(UNOCT, CLEARED, OLD)],
            {UNOCT},
            False,
            False,
            id="per-party-one-clearance-lapsed",
        ),
        pytest.param(
            PER_PARTY,
            [by(CICA, CLEARED), by(CICA, CHANGES), by(UNOCT, CLEARED)],
            {CICA},
            False,
            False,
            id="per-party-a-party-takes-its-clearance-back",
        ),
        pytest.param(
            PER_PARTY,
            [by(UNOCT, REJECTED), by(UNOCT, CLEARED), by(CICA, CLEARED)],
            set(),
            False,
            True,
            id="per-party-a-party-clears-after-rejecting",
        ),
        pytest.param(
            PER_PARTY,
            [by(None, CLEARED), by(CICA, CLEARED)],
            {UNOCT},
            False,
            False,
            id="per-party-reviewer-of-no-party-clears-for-nobody",
        ),
    ],
)
def test_whose_clearance_is_missing(rule, reviews, missing_parties, missing_any, cleared):
    result = clearance(rule, PARTIES, reviews, NOW)
    assert result.missing_parties == frozenset(missing_parties)
    assert result.missing_any is missing_any
    assert result.cleared is cleared
    assert (result.decision is CLEARED) is cleared


@pytest.mark.parametrize(
    ("rule", "reviews", "decision"),
    [
        pytest.param(ANY, [], None, id="any-pending"),
        pytest.param(ANY, [by(CICA, CHANGES)], CHANGES, id="any-changes-requested"),
        pytest.param(PER_PARTY, [by(CICA, CLEARED)], None, id="per-party-one-clearance-is-still-pending"),
        pytest.param(PER_PARTY, [by(CICA, CLEARED), by(UNOCT, CHANGES)], CHANGES, id="per-party-changes"),
        pytest.param(PER_PARTY, [by(CICA, REJECTED), by(UNOCT, CHANGES)], REJECTED, id="per-party-rejection-prevails"),
    ],
)
def test_what_a_report_shows_of_the_review(rule, reviews, decision):
    """A report reads "cleared" only once the negotiation's clearance is complete, else what holds it up."""
    assert clearance(rule, PARTIES, reviews, NOW).decision is decision


@dataclass
class Answer:
    revision_id: int
    party_id: int
    kind: str


@pytest.mark.parametrize(
    ("answers", "rule", "reviews", "agreed"),
    [
        pytest.param([Answer(NOW, CICA, "concur")], ANY, [by(UNOCT, CLEARED)], True, id="concurred-and-cleared"),
        pytest.param([], ANY, [by(UNOCT, CLEARED)], False, id="cleared-but-not-concurred"),
        pytest.param([Answer(OLD, CICA, "concur")], ANY, [by(UNOCT, CLEARED)], False, id="concurrence-lapsed"),
        pytest.param([Answer(NOW, CICA, "concur")], ANY, [], False, id="concurred-but-not-cleared"),
        pytest.param([Answer(NOW, CICA, "concur")], PER_PARTY, [by(UNOCT, CLEARED)], False, id="one-office-of-two"),
        pytest.param(
            [Answer(NOW, CICA, "concur")],
            PER_PARTY,
            [by(UNOCT, CLEARED), by(CICA, CLEARED)],
            True,
            id="both-offices",
        ),
    ],
)
def test_is_agreed(answers, rule, reviews, agreed):
    """UNOCT proposed: CICA (the other party) must concur with the current revision, and the clearance be complete."""
    concurred = concurred_parties(answers, NOW)
    assert is_agreed({CICA}, concurred, clearance(rule, PARTIES, reviews, NOW)) is agreed


def test_a_review_of_another_revision_has_lapsed():
    assert review_lapsed(OLD, NOW) and not review_lapsed(NOW, NOW)
    assert current_review([by(CICA, CLEARED, OLD), by(UNOCT, CHANGES), by(CICA, REJECTED, OLD)], NOW).decision is (
        CHANGES
    )
    assert current_review([by(CICA, CLEARED, OLD)], NOW) is None


def test_new_negotiations_ask_each_partys_own_legal_office():
    assert DEFAULT_FOR_NEW_NEGOTIATIONS is PER_PARTY


# Which clauses may take an insertion or a deletion (issue #21: one rule, read by the service and the page) ---------


@pytest.mark.parametrize(
    ("parent", "kinds"),
    [
        (None, (ClauseKind.preamble, ClauseKind.article)),
        (ClauseKind.article, (ClauseKind.paragraph, ClauseKind.item)),
        (ClauseKind.paragraph, (ClauseKind.item,)),
        (ClauseKind.item, ()),
        (ClauseKind.title, ()),
        (ClauseKind.preamble, ()),
    ],
)
def test_insertable_kinds(parent, kinds):
    assert insertable_kinds(parent) == kinds


def test_the_title_is_neither_deleted_nor_followed_and_an_item_holds_nothing():
    assert [k for k in ClauseKind if not can_delete(k)] == [ClauseKind.title]
    assert not can_insert_after(ClauseKind.title, None)
    assert can_insert_after(ClauseKind.preamble, None) and can_insert_after(ClauseKind.item, ClauseKind.paragraph)
    assert [k for k in ClauseKind if can_insert_under(k)] == [ClauseKind.article, ClauseKind.paragraph]
