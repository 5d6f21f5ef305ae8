"""The meetings that take the draft forward (SWG, then SOC, then signature), as a state machine."""

from __future__ import annotations

import enum
from collections.abc import Sequence

from .messages import N_, NC_, Message
from .roles import Role


class MilestoneState(enum.StrEnum):
    #: Scheduled; the draft is still moving. Name and date can be edited.
    planned = "planned"
    #: The chair froze the draft that goes to the meeting; outcomes per clause are being recorded.
    frozen = "frozen"
    #: The meeting is over: its result is recorded and nothing about it changes any more.
    concluded = "concluded"

    @property
    def label(self) -> Message:
        """The state as a badge beside the meeting's name: said of the meeting (Russian agrees in gender with
        «заседание», or names the draft when it is the draft that is frozen)."""
        return Message.word("meeting state", _STATE_LABELS[self.value])


_STATE_LABELS = {
    "planned": NC_("meeting state", "Planned"),
    "frozen": NC_("meeting state", "Frozen"),
    "concluded": NC_("meeting state", "Concluded"),
}


class Outcome(enum.StrEnum):
    #: The meeting endorsed the clause as frozen.
    endorsed = "endorsed"
    #: Endorsed, subject to changes noted by the meeting.
    endorsed_with_changes = "endorsed_with_changes"
    #: Not taken up; left for a later meeting.
    deferred = "deferred"
    #: A party or a Member State entered a reservation: the clause stays in brackets.
    reservation = "reservation"

    @property
    def label(self) -> str:
        return {
            "endorsed": N_("Endorsed"),
            "endorsed_with_changes": N_("Endorsed with changes"),
            "deferred": N_("Deferred"),
            "reservation": N_("Reservation"),
        }[self.value]

    @property
    def endorses(self) -> bool:
        return self in (Outcome.endorsed, Outcome.endorsed_with_changes)


def proposed_outcome(recorded: Outcome | None, bracketed: bool) -> Outcome:
    """What the whole-meeting form offers for a clause before the chair changes anything: the outcome already
    recorded; otherwise endorsed, unless the clause is in brackets (open amendments, a reservation, brackets in its
    text), which a meeting defers."""
    if recorded is not None:
        return recorded
    return Outcome.deferred if bracketed else Outcome.endorsed


class MeetingResult(enum.StrEnum):
    recommended = "recommended"
    approved = "approved"
    approved_with_changes = "approved_with_changes"
    not_approved = "not_approved"

    @property
    def label(self) -> str:
        return {
            "recommended": N_("Recommended to the next meeting"),
            "approved": N_("Approved"),
            "approved_with_changes": N_("Approved subject to changes"),
            "not_approved": N_("Not approved"),
        }[self.value]


class LocalName(Message):
    """A stored name (a meeting's) with its translations where the negotiation has them: reads as the record's name
    everywhere a string does; the web layer says it in the reader's language, also inside a sentence."""

    names: dict[str, str]

    def __new__(cls, name: str, names: dict[str, str] | None = None) -> LocalName:
        local = super().__new__(cls, name)
        local.names = dict(names or {})
        return local

    def in_language(self, language: str | None) -> str:
        return self.names.get(language or "", "") or str(self)


def can_manage_delegations(role: Role | None, active: bool) -> bool:
    """The chair, who runs the meetings, and the administrator keep the list of Member States' delegations."""
    return active and role in (Role.chair, Role.administrator)


class MilestoneRefused(Exception):
    """The milestone action is not allowed now; the message says why."""


#: A meeting's state as a word in a sentence ("already frozen").
_STATE_WORDS = {
    MilestoneState.planned: NC_("meeting", "planned"),
    MilestoneState.frozen: NC_("meeting", "frozen"),
    MilestoneState.concluded: NC_("meeting", "concluded"),
}


def check_can_freeze(
    state: MilestoneState, earlier_states: Sequence[MilestoneState], earlier_names: Sequence[str]
) -> None:
    """A meeting takes only text that the meetings before it have dealt with."""
    if state is not MilestoneState.planned:
        raise MilestoneRefused(
            Message(
                N_("This meeting's draft is already %(state)s."), state=Message.word("meeting", _STATE_WORDS[state])
            )
        )
    for earlier, name in zip(earlier_states, earlier_names, strict=True):
        if earlier is not MilestoneState.concluded:
            raise MilestoneRefused(
                Message(N_("The %(meeting)s has not concluded yet; its draft must be dealt with first."), meeting=name)
            )


def check_can_record(state: MilestoneState) -> None:
    if state is MilestoneState.planned:
        raise MilestoneRefused(N_("Freeze the draft for this meeting before recording outcomes."))
    if state is MilestoneState.concluded:
        raise MilestoneRefused(N_("This meeting has concluded; its outcomes can no longer be changed."))


def check_can_conclude(state: MilestoneState, clauses_without_outcome: int) -> None:
    check_can_record(state)
    if clauses_without_outcome:
        raise MilestoneRefused(
            Message(
                # Said without a plural ("clause(s)" reads as English in any language): the number stands alone.
                N_("No outcome is recorded yet for %(count)s of the frozen draft's clauses; record one for each."),
                count=clauses_without_outcome,
            )
        )


def check_can_edit(state: MilestoneState) -> None:
    if state is MilestoneState.concluded:
        raise MilestoneRefused(N_("A concluded meeting's name and date are part of the record; they cannot change."))
