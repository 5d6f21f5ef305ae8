"""The amendment state machine, the meeting guards, clause status and the permission rules (no app)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from mou_tracker.core import permissions
from mou_tracker.core.milestones import (
    MilestoneRefused,
    MilestoneState,
    check_can_conclude,
    check_can_edit,
    check_can_freeze,
    check_can_record,
)
from mou_tracker.core.roles import Role
from mou_tracker.core.status import (
    AmendmentFacts,
    ClauseFacts,
    ClauseStatus,
    ReviewDecision,
    clause_status,
    next_step,
)
from mou_tracker.core.workflow import (
    TRANSITIONS,
    Action,
    AmendmentState,
    RedlineBasis,
    TransitionRefused,
    allowed_actions,
    next_state,
    redline_basis,
    superseded_by_adoption,
)

S, A = AmendmentState, Action


@pytest.mark.parametrize(("state", "action"), list(itertools.product(AmendmentState, Action)))
def test_every_state_and_action_is_either_a_listed_transition_or_refused_with_a_reason(state, action):
    if (state, action) in TRANSITIONS:
        assert next_state(state, action) is TRANSITIONS[(state, action)]
        assert action in allowed_actions(state)
    else:
        with pytest.raises(TransitionRefused, match=f"An amendment that is {state.value} cannot be"):
            next_state(state, action)


def test_closed_amendments_only_take_comments():
    for closed in (S.adopted, S.rejected, S.withdrawn, S.superseded):
        assert allowed_actions(closed) == {A.comment}
        assert not closed.is_open


def test_only_a_tabled_amendment_can_be_answered_reviewed_or_adopted():
    for action in (A.concur, A.review, A.reject, A.adopt):
        assert [s for s in AmendmentState if (s, action) in TRANSITIONS] == [S.tabled]


def test_only_a_tabled_amendment_is_superseded_when_its_counter_proposal_is_adopted():
    """A counter-proposal adopted settles the amendment it answered: an open (tabled) one closes as superseded; one
    already withdrawn, rejected or adopted keeps its state."""
    assert [s for s in AmendmentState if superseded_by_adoption(s)] == [S.tabled]
    assert next_state(S.tabled, A.supersede) is S.superseded
    assert not S.superseded.is_open


def test_a_superseded_amendment_reads_against_the_version_it_was_written_on():
    assert redline_basis(S.superseded) is RedlineBasis.written_on


def test_every_state_has_a_label_an_adjective_and_a_badge_tone():
    for state in AmendmentState:
        assert state.label and state.adjective and state.tone in {"muted", "warn", "ok", "danger"}
    assert (S.superseded.label, S.superseded.adjective, S.superseded.tone) == ("Superseded", "superseded", "muted")


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (AmendmentFacts("UNOCT", True, True, ReviewDecision.cleared), "UNOCT to rebase onto the current text"),
        (
            AmendmentFacts("UNOCT", False, False, ReviewDecision.changes_requested),
            "UNOCT to revise (legal review asked for changes)",
        ),
        (
            AmendmentFacts("UNOCT", False, True, ReviewDecision.rejected),
            "UNOCT to revise or withdraw (rejected in legal review)",
        ),
        (AmendmentFacts("UNOCT", False, False, None), "CICA to respond; legal review pending"),
        (AmendmentFacts("UNOCT", False, False, ReviewDecision.cleared), "CICA to respond"),
        (AmendmentFacts("UNOCT", False, True, None), "Legal review pending"),
    ],
)
def test_whose_turn(facts, expected):
    assert next_step(facts, ["CICA"]) == expected


@pytest.mark.parametrize(
    ("facts", "status"),
    [
        (ClauseFacts(True, False, True, True), ClauseStatus.bracketed),
        (ClauseFacts(False, True, False, False), ClauseStatus.bracketed),
        (ClauseFacts(False, False, True, True), ClauseStatus.agreed),
        (ClauseFacts(False, False, False, True), ClauseStatus.agreed),
        (ClauseFacts(False, False, True, False), ClauseStatus.ad_referendum),
        (ClauseFacts(False, False, False, False), ClauseStatus.initial),
    ],
)
def test_clause_status_from_facts(facts, status):
    assert clause_status(facts) is status


def test_a_meeting_takes_only_text_the_earlier_meetings_dealt_with():
    with pytest.raises(MilestoneRefused, match="The Special Working Group has not concluded yet"):
        check_can_freeze(MilestoneState.planned, [MilestoneState.frozen], ["Special Working Group"])
    check_can_freeze(MilestoneState.planned, [MilestoneState.concluded], ["Special Working Group"])
    with pytest.raises(MilestoneRefused, match="already frozen"):
        check_can_freeze(MilestoneState.frozen, [], [])


def test_outcomes_only_between_freezing_and_concluding():
    with pytest.raises(MilestoneRefused, match="Freeze the draft"):
        check_can_record(MilestoneState.planned)
    check_can_record(MilestoneState.frozen)
    with pytest.raises(MilestoneRefused, match="has concluded"):
        check_can_record(MilestoneState.concluded)
    with pytest.raises(MilestoneRefused, match=r"for 2 of the frozen draft.s clauses"):
        check_can_conclude(MilestoneState.frozen, 2)
    check_can_conclude(MilestoneState.frozen, 0)
    with pytest.raises(MilestoneRefused):
        check_can_edit(MilestoneState.concluded)


@dataclass
class Person:
    id: int
    role: Role
    party_id: int | None
    active: bool = True


@dataclass
class Proposal:
    party_id: int
    state: AmendmentState
    #: Ever put to the other party: what visibility depends on, not the state.
    was_tabled: bool


CICA, UNOCT = 1, 2
PEOPLE = {
    f"{role.value}@{party}": Person(n, role, pid)
    for n, (role, (party, pid)) in enumerate(itertools.product(Role, [("CICA", CICA), ("UNOCT", UNOCT)]), start=1)
}


def _expected(name: str, action: str, amendment: Proposal, proposer_id: int) -> bool:
    person = PEOPLE[name]
    own = person.party_id == amendment.party_id
    if action == "propose":
        return person.role is Role.negotiator
    if action == "view":
        return amendment.was_tabled or own
    if action == "edit":
        return person.role is Role.negotiator and own and amendment.state.is_open
    if action == "respond":
        return person.role is Role.negotiator and not own and amendment.state is S.tabled
    if action == "review":
        return person.role is Role.legal_reviewer and amendment.state is S.tabled and person.id != proposer_id
    if action == "chair":
        return person.role is Role.chair
    raise AssertionError(action)


CHECKS = {
    "propose": lambda person, amendment, proposers: permissions.can_propose(person, person.party_id),
    "view": lambda person, amendment, proposers: permissions.can_view_amendment(person, amendment),
    "edit": lambda person, amendment, proposers: permissions.can_edit_amendment(person, amendment),
    "respond": lambda person, amendment, proposers: permissions.can_respond(person, amendment),
    "review": lambda person, amendment, proposers: permissions.can_review(person, amendment, proposers),
    "chair": lambda person, amendment, proposers: permissions.can_chair(person),
}


#: Every (state, ever tabled) an amendment can reach: a draft can be withdrawn without ever being tabled.
HISTORIES = [
    (S.draft, False),
    (S.withdrawn, False),
    (S.tabled, True),
    (S.withdrawn, True),
    (S.rejected, True),
    (S.adopted, True),
    (S.superseded, True),
]


def test_the_histories_are_every_state_the_workflow_reaches_with_and_without_tabling():
    reached = {(S.draft, False)}
    frontier = [(S.draft, False)]
    while frontier:
        state, tabled = frontier.pop()
        for (from_state, action), to_state in TRANSITIONS.items():
            if from_state is state:
                after = (to_state, tabled or action is Action.table)
                if after not in reached:
                    reached.add(after)
                    frontier.append(after)
    assert reached == set(HISTORIES)


@pytest.mark.parametrize("name", sorted(PEOPLE))
@pytest.mark.parametrize(("state", "was_tabled"), HISTORIES)
@pytest.mark.parametrize("action", sorted(CHECKS))
def test_permission_matrix(name, state, was_tabled, action):
    amendment = Proposal(UNOCT, state, was_tabled)
    proposer_id = PEOPLE["legal_reviewer@UNOCT"].id  # a reviewer who once wrote the words may not review them
    person = PEOPLE[name]
    assert CHECKS[action](person, amendment, {proposer_id}) is _expected(name, action, amendment, proposer_id)
    inactive = Person(person.id, person.role, person.party_id, active=False)
    assert not CHECKS[action](inactive, amendment, {proposer_id})
