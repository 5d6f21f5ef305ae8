"""Deadlines: the date by which the other party should answer a tabled amendment (its reply-by date), the date by
which written proposals are due before a meeting, and the reminders before and after them.

The rules, written once and tested without a database:

- A reply-by date is a calendar day (UTC): the answer is due by the end of it. It is set by the proposing party
  at tabling, or afterwards, never in the past. Left empty at tabling, it takes the written-proposals deadline of
  the next meeting (the day its draft is due to be settled), or failing that the meeting's date.
- The reply is *overdue* once the day has passed and the other party has given no answer: no concurrence, no
  counter-proposal, and the amendment is still tabled (a rejection or an adoption closes it).
- The written-proposals deadline of a meeting is set by its chair. A proposal tabled after it is not refused
  (a negotiator can always put words on the table): it is marked *late* for that meeting and listed for the
  chair, who either admits it for that meeting or leaves it to the next one. Until the chair decides, it is
  "awaiting the chair's decision".
- Reminders go out N days before a deadline (configurable, 2 by default) and once it has passed; each is
  recorded, so that it is never sent twice for the same date (a date moved later re-arms them).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from .messages import N_, Message

#: Days before a deadline that the reminder goes out (the `DEADLINE_REMINDER_DAYS` setting overrides it).
DEFAULT_REMINDER_DAYS = 2


class LateDecision(enum.StrEnum):
    """The chair's decision on a proposal tabled after a meeting's written-proposals deadline."""

    #: Taken up at the meeting whose deadline it missed.
    admitted = "admitted"
    #: Left to the next meeting.
    deferred = "deferred"

    @property
    def label(self) -> str:
        return {
            "admitted": N_("Admitted by the chair for this meeting"),
            "deferred": N_("Left to the next meeting"),
        }[self.value]

    @property
    def action(self) -> str:
        """The chair's button."""
        return {
            "admitted": N_("Admit for this meeting"),
            "deferred": N_("Leave to the next meeting"),
        }[self.value]


class ReminderKind(enum.StrEnum):
    #: The reply-by date of a tabled amendment.
    reply_by = "reply_by"
    #: A meeting's deadline for written proposals.
    proposals = "proposals"


class ReminderStage(enum.StrEnum):
    #: The deadline is within the reminder window.
    near = "near"
    #: The deadline has passed.
    passed = "passed"


#: The audit (and notification) event each reminder writes: core.notifications names who is told.
REMINDER_EVENTS: dict[tuple[ReminderKind, ReminderStage], str] = {
    (ReminderKind.reply_by, ReminderStage.near): "deadline.reply_near",
    (ReminderKind.reply_by, ReminderStage.passed): "deadline.reply_passed",
    (ReminderKind.proposals, ReminderStage.near): "deadline.proposals_near",
    (ReminderKind.proposals, ReminderStage.passed): "deadline.proposals_passed",
}


class DeadlineRefused(Exception):
    """The date cannot be set; the message says why."""


def has_passed(deadline: dt.date | None, today: dt.date) -> bool:
    """A deadline is a whole day: it passes when that day is over."""
    return deadline is not None and today > deadline


def reminder_stage(deadline: dt.date | None, today: dt.date, days_before: int) -> ReminderStage | None:
    """Which reminder is due today for `deadline`, if any (the caller sends it once)."""
    if deadline is None:
        return None
    if has_passed(deadline, today):
        return ReminderStage.passed
    if (deadline - today).days <= days_before:
        return ReminderStage.near
    return None


def days_left(deadline: dt.date, today: dt.date) -> int:
    """Days until the deadline (0 on the day itself, negative once passed)."""
    return (deadline - today).days


@dataclass(frozen=True)
class MeetingDates:
    """What the default reply-by date reads of a meeting: in position order, concluded or not."""

    concluded: bool
    proposals_deadline: dt.date | None
    date: dt.date | None


def default_reply_by(meetings: Sequence[MeetingDates], today: dt.date) -> dt.date | None:
    """The next meeting's written-proposals deadline, else its date: the day by which the text for that meeting
    should be settled. None when there is no next meeting, or its dates are not set, or already past."""
    for meeting in meetings:
        if meeting.concluded:
            continue
        for candidate in (meeting.proposals_deadline, meeting.date):
            if candidate is not None and candidate >= today:
                return candidate
        return None
    return None


def check_reply_by(reply_by: dt.date | None, today: dt.date) -> None:
    if reply_by is not None and reply_by < today:
        raise DeadlineRefused(
            Message(N_("A reply-by date cannot be in the past (today is %(today)s)."), today=today.isoformat())
        )


def check_proposals_deadline(deadline: dt.date | None, meeting_date: dt.date | None, concluded: bool) -> None:
    if concluded:
        raise DeadlineRefused(N_("A concluded meeting's deadlines are part of the record; they cannot change."))
    if deadline is not None and meeting_date is not None and deadline > meeting_date:
        raise DeadlineRefused(N_("The deadline for written proposals must fall on or before the meeting's date."))


def is_late(tabled_on: dt.date, deadline: dt.date | None) -> bool:
    """A proposal is late for a meeting when tabled after the day of its written-proposals deadline."""
    return has_passed(deadline, tabled_on)


def reply_overdue(reply_by: dt.date | None, today: dt.date, *, still_tabled: bool, answered: bool) -> bool:
    """The other party owes an answer past the reply-by date."""
    return still_tabled and not answered and has_passed(reply_by, today)


def check_can_decide_late(late_for: bool, meeting_concluded: bool) -> None:
    if not late_for:
        raise DeadlineRefused(N_("This proposal was not tabled after a deadline; there is nothing to decide."))
    if meeting_concluded:
        raise DeadlineRefused(N_("That meeting has concluded; the decision can no longer change."))
