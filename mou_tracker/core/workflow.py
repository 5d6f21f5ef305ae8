"""The life of an amendment as an explicit state machine: documented states, allowed transitions, a guard.

Services ask `next_state` before they change anything; a refused transition raises TransitionRefused with a
sentence a negotiator understands (the web layer answers it with HTTP 409).
"""

from __future__ import annotations

import enum

from .messages import N_, NC_, Message


class AmendmentKind(enum.StrEnum):
    #: New text for an existing clause.
    change = "change"
    #: A new clause inserted at a chosen position.
    insert = "insert"
    #: The removal of a clause.
    delete = "delete"

    @property
    def label(self) -> str:
        return {"change": N_("Change"), "insert": N_("New clause"), "delete": N_("Deletion")}[self.value]


class AmendmentState(enum.StrEnum):
    #: Being prepared inside the proposing party; nobody outside it can see it.
    draft = "draft"
    #: Put to the other party: open for concurrence or rejection, and for legal review.
    tabled = "tabled"
    #: Concurred by the other party and cleared by legal review: its text is now the clause's current version.
    adopted = "adopted"
    #: Rejected by the other party, with a reason.
    rejected = "rejected"
    #: Withdrawn by the proposing party.
    withdrawn = "withdrawn"
    #: Settled by a counter-proposal: the other party's answer to it was adopted instead, so it is closed.
    superseded = "superseded"

    @property
    def adjective(self) -> str:
        """The state as a word in a sentence ("an amendment that is tabled")."""
        return {
            "draft": NC_("state", "draft"),
            "tabled": NC_("state", "tabled"),
            "adopted": NC_("state", "adopted"),
            "rejected": NC_("state", "rejected"),
            "withdrawn": NC_("state", "withdrawn"),
            "superseded": NC_("state", "superseded"),
        }[self.value]

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATES

    @property
    def label(self) -> str:
        return {
            "draft": N_("Draft"),
            "tabled": N_("Tabled"),
            "adopted": N_("Adopted"),
            "rejected": N_("Rejected"),
            "withdrawn": N_("Withdrawn"),
            "superseded": N_("Superseded"),
        }[self.value]

    @property
    def tone(self) -> str:
        """How a badge shows the state: what needs attention, what went through, what fell away."""
        return {
            "draft": "muted",
            "tabled": "warn",
            "adopted": "ok",
            "rejected": "danger",
            "withdrawn": "muted",
            "superseded": "muted",
        }[self.value]


#: The states in which an amendment can still change or be answered (queries use it as an IN list).
OPEN_STATES: tuple[AmendmentState, ...] = (AmendmentState.draft, AmendmentState.tabled)


class RedlineBasis(enum.StrEnum):
    """What an amendment's redline is drawn against, so that it shows what the amendment changes and nothing else."""

    #: The clause's current text: what adopting the amendment now would change (an open amendment).
    current = "current"
    #: The version the amendment was written on: a withdrawn or rejected one, or an outdated one read as written.
    written_on = "written_on"
    #: The version an adopted amendment replaced: what its adoption changed.
    replaced = "replaced"


def redline_basis(state: AmendmentState, *, as_written: bool = False) -> RedlineBasis:
    """An open amendment reads against the current text (an outdated one too: what adopting it now would change;
    `as_written` shows its original redline instead); a closed one against the version it was written on, which for
    an adopted one is the version it replaced."""
    if state is AmendmentState.adopted:
        return RedlineBasis.replaced
    if as_written or not state.is_open:
        return RedlineBasis.written_on
    return RedlineBasis.current


class Action(enum.StrEnum):
    revise = "revise"
    rebase = "rebase"
    table = "table"
    withdraw = "withdraw"
    comment = "comment"
    concur = "concur"
    review = "review"
    reject = "reject"
    adopt = "adopt"
    #: Close an amendment because a counter-proposal answering it was adopted.
    supersede = "supersede"

    @property
    def verb(self) -> str:
        return {
            "revise": NC_("verb", "revised"),
            "rebase": NC_("verb", "rebased"),
            "table": NC_("verb", "tabled"),
            "withdraw": NC_("verb", "withdrawn"),
            "comment": NC_("verb", "commented on"),
            "concur": NC_("verb", "concurred with"),
            "review": NC_("verb", "reviewed"),
            "reject": NC_("verb", "rejected"),
            "adopt": NC_("verb", "adopted"),
            "supersede": NC_("verb", "superseded"),
        }[self.value]


S, A = AmendmentState, Action

#: (state, action) -> the state after it. Anything not listed is refused.
TRANSITIONS: dict[tuple[AmendmentState, Action], AmendmentState] = {
    (S.draft, A.revise): S.draft,
    (S.draft, A.rebase): S.draft,
    (S.draft, A.table): S.tabled,
    (S.draft, A.withdraw): S.withdrawn,
    (S.draft, A.comment): S.draft,
    (S.tabled, A.revise): S.tabled,
    (S.tabled, A.rebase): S.tabled,
    (S.tabled, A.withdraw): S.withdrawn,
    (S.tabled, A.comment): S.tabled,
    (S.tabled, A.concur): S.tabled,
    (S.tabled, A.review): S.tabled,
    (S.tabled, A.reject): S.rejected,
    (S.tabled, A.adopt): S.adopted,
    (S.tabled, A.supersede): S.superseded,
    (S.adopted, A.comment): S.adopted,
    (S.rejected, A.comment): S.rejected,
    (S.withdrawn, A.comment): S.withdrawn,
    (S.superseded, A.comment): S.superseded,
}


class TransitionRefused(Exception):
    """The action is not allowed in the amendment's current state."""


def next_state(state: AmendmentState, action: Action) -> AmendmentState:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionRefused(
            Message(
                N_("An amendment that is %(state)s cannot be %(action)s."),
                state=Message.word("state", state.adjective),
                action=Message.word("verb", action.verb),
            )
        ) from None


def allowed_actions(state: AmendmentState) -> set[Action]:
    return {action for (from_state, action) in TRANSITIONS if from_state is state}


def superseded_by_adoption(answered_state: AmendmentState) -> bool:
    """When a counter-proposal is adopted, the amendment it answered is settled: still open (tabled), it closes as
    superseded; already closed (withdrawn, rejected, adopted), it stays as it is."""
    return (answered_state, Action.supersede) in TRANSITIONS
