"""Deadlines: reply-by dates on tabled amendments, a meeting's deadline for written proposals, the proposals
tabled after it, and the reminders before and after each (the rules are core.deadlines).

Everything a deadline concerns is part of the shared record (a tabled amendment, a meeting), so both parties read
the same deadlines; a party's untabled draft has no reply-by date and is never late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from ..core import deadlines as rules
from ..core import permissions
from ..core.messages import N_
from ..core.milestones import MilestoneState
from ..core.workflow import AmendmentState
from ..models import Amendment, DeadlineReminder, Instrument, Milestone, User
from ..models.base import utcnow
from . import audit
from .amendments import LIST_LOADING, get_amendment, touch
from .errors import Conflict, PermissionDenied, ValidationFailed


def today() -> dt.date:
    """Deadlines are whole days in UTC (the negotiation's parties sit in several time zones)."""
    return utcnow().date()


def _refused(check, *args) -> None:
    try:
        check(*args)
    except rules.DeadlineRefused as exc:
        raise ValidationFailed(exc.args[0]) from exc


def meetings_of(session: Session, instrument_id: int) -> list[Milestone]:
    return list(
        session.scalars(select(Milestone).where(Milestone.instrument_id == instrument_id).order_by(Milestone.position))
    )


def next_meeting(meetings: list[Milestone]) -> Milestone | None:
    """The first meeting, in order, that has not concluded: the one proposals tabled now go to."""
    return next((m for m in meetings if m.state is not MilestoneState.concluded), None)


def default_reply_by(
    session: Session, instrument_id: int, on: dt.date | None = None, *, meetings: list[Milestone] | None = None
) -> dt.date | None:
    """The reply-by date proposed at tabling (`meetings`, the negotiation's in order, when the caller has them)."""
    if meetings is None:
        meetings = meetings_of(session, instrument_id)
    dates = [rules.MeetingDates(m.state is MilestoneState.concluded, m.proposals_deadline, m.date) for m in meetings]
    return rules.default_reply_by(dates, on or today())


# Writing -------------------------------------------------------------------------------------------------------


def on_tabled(session: Session, amendment: Amendment, reply_by: dt.date | None) -> None:
    """At tabling (services.amendments.table): the reply-by date (given, or the default), and whether the
    proposal comes after the next meeting's deadline for written proposals. Called before the tabling's audit
    event is written, so that the event records both."""
    day = today()
    _refused(rules.check_reply_by, reply_by, day)
    meetings = meetings_of(session, amendment.instrument_id)
    amendment.reply_by = reply_by or default_reply_by(session, amendment.instrument_id, day, meetings=meetings)
    meeting = next_meeting(meetings)
    if meeting is not None and rules.is_late(day, meeting.proposals_deadline):
        amendment.late_for_id = meeting.id
        amendment.late_for = meeting


def _date_text(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def set_reply_by(session: Session, actor: User, amendment_id: int, reply_by: dt.date | None) -> Amendment:
    """The proposing party's negotiators set or change (or clear) the reply-by date of their tabled amendment."""
    amendment = get_amendment(session, actor, amendment_id)
    if not permissions.is_negotiator_for(actor, amendment.party_id):
        raise PermissionDenied(N_("Only the negotiators of the proposing party set the reply-by date."))
    if amendment.state is not AmendmentState.tabled:
        raise Conflict(N_("A reply-by date is set on a tabled amendment that awaits an answer."))
    _refused(rules.check_reply_by, reply_by, today())
    if reply_by == amendment.reply_by:
        return amendment
    before = {"reply_by": _date_text(amendment.reply_by)}
    amendment.reply_by = reply_by
    touch(amendment)
    session.flush()
    audit.record(
        session,
        actor,
        "amendment.reply_by_set",
        amendment,
        f"Reply-by date of {amendment.citation}: {_date_text(reply_by) or 'none'}",
        before=before,
        after={"reply_by": _date_text(reply_by)},
    )
    return amendment


def set_proposals_deadline(session: Session, actor: User, milestone: Milestone, deadline: dt.date | None) -> Milestone:
    """The chair sets (or clears) the last day for written proposals to a meeting. `milestone` is the meeting of
    the current negotiation the caller found by its code (services.meetings.get_milestone)."""
    if not permissions.can_chair(actor):
        raise PermissionDenied(N_("Only a chair can run the meetings."))
    _refused(rules.check_proposals_deadline, deadline, milestone.date, milestone.state is MilestoneState.concluded)
    if deadline == milestone.proposals_deadline:
        return milestone
    before = {"proposals_deadline": _date_text(milestone.proposals_deadline)}
    milestone.proposals_deadline = deadline
    session.flush()
    audit.record(
        session,
        actor,
        "milestone.proposals_deadline_set",
        milestone,
        f"Deadline for written proposals to the {milestone.name}: {_date_text(deadline) or 'none'}",
        before=before,
        after={"proposals_deadline": _date_text(deadline)},
    )
    return milestone


def decide_late(session: Session, actor: User, amendment_id: int, decision: rules.LateDecision) -> Amendment:
    """The chair admits a late proposal for the meeting whose deadline it missed, or leaves it to the next."""
    if not permissions.can_chair(actor):
        raise PermissionDenied(N_("Only a chair decides on proposals tabled after the deadline."))
    amendment = get_amendment(session, actor, amendment_id)
    meeting = amendment.late_for
    try:
        rules.check_can_decide_late(
            meeting is not None, meeting is not None and meeting.state is MilestoneState.concluded
        )
    except rules.DeadlineRefused as exc:
        raise Conflict(exc.args[0]) from exc
    assert meeting is not None  # checked just above
    if amendment.late_decision is decision:
        return amendment
    before = {"late_decision": amendment.late_decision.value if amendment.late_decision else None}
    amendment.late_decision = decision
    touch(amendment)
    session.flush()
    audit.record(
        session,
        actor,
        "amendment.late_decided",
        amendment,
        f"{amendment.citation}, tabled after the deadline for the {meeting.name}: {decision.value}",
        before=before,
        after={"late_decision": decision.value, "meeting": meeting.code},
    )
    return amendment


# Reading -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyDue:
    """A tabled amendment that awaits the other party's answer by its reply-by date."""

    amendment: Amendment
    reply_by: dt.date
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def _answered_ids(session: Session, amendments: list[Amendment]) -> set[int]:
    """The amendments among these that the other party has answered: concurred with the current revision, or
    answered with a tabled counter-proposal (a rejection closes the amendment, so it is not among them)."""
    from .draft import current_versions
    from .standing import amendment_progress

    if not amendments:
        return set()
    current = current_versions(session, [a.clause_id for a in amendments if a.clause_id], with_texts=False)
    progress = amendment_progress(session, amendments, current)
    answered = {a.id for a in amendments if progress[a.id].concurred_by - {a.party_id}}
    countered = session.execute(
        select(Amendment.answers_id, Amendment.party_id).where(
            Amendment.answers_id.in_([a.id for a in amendments]), Amendment.was_tabled
        )
    ).all()
    parties = {a.id: a.party_id for a in amendments}
    answered |= {answers_id for answers_id, party_id in countered if party_id != parties.get(answers_id)}
    return answered


def _with_deadlines(session: Session, instrument_id: int, late_for_ids: list[int]) -> list[Amendment]:
    """In one query: the tabled amendments with a reply-by date, and the proposals tabled after the deadline of
    the meetings `late_for_ids`, in the order they were tabled (a page that shows both asks once)."""
    awaiting = (Amendment.state == AmendmentState.tabled) & Amendment.reply_by.is_not(None)
    late = Amendment.late_for_id.in_(late_for_ids) & Amendment.was_tabled if late_for_ids else false()
    return list(
        session.scalars(
            select(Amendment)
            .where(Amendment.instrument_id == instrument_id, or_(awaiting, late))
            .options(*LIST_LOADING)
            .order_by(Amendment.tabled_at, Amendment.id)
        ).unique()
    )


def _replies(session: Session, found: list[Amendment], day: dt.date) -> list[ReplyDue]:
    """Of these amendments, the tabled ones with a reply-by date that the other party has not answered: overdue
    first (the longest overdue at the top), then by date."""
    tabled = [a for a in found if a.state is AmendmentState.tabled and a.reply_by is not None]
    answered = _answered_ids(session, tabled)
    due = [
        ReplyDue(a, a.reply_by, rules.days_left(a.reply_by, day))
        for a in tabled
        if a.id not in answered and a.reply_by is not None
    ]
    return sorted(due, key=lambda d: (d.reply_by, d.amendment.id))


def awaiting_replies(session: Session, instrument_id: int, on: dt.date | None = None) -> list[ReplyDue]:
    """Tabled amendments with a reply-by date that the other party has not answered, overdue first."""
    return _replies(session, _with_deadlines(session, instrument_id, []), on or today())


def late_proposals(session: Session, instrument_id: int, meeting_ids: list[int]) -> list[Amendment]:
    """The proposals tabled after the deadline of these meetings, in the order they were tabled."""
    if not meeting_ids:
        return []
    return [a for a in _with_deadlines(session, instrument_id, meeting_ids) if a.late_for_id in meeting_ids]


@dataclass
class Overview:
    """The deadlines of a negotiation as the dashboard, "My work" and the meeting pack show them."""

    today: dt.date
    next_meeting: Milestone | None = None
    replies: list[ReplyDue] = field(default_factory=list)
    #: Proposals tabled after a deadline, for meetings still to conclude.
    late: list[Amendment] = field(default_factory=list)

    @property
    def overdue(self) -> list[ReplyDue]:
        return [r for r in self.replies if r.overdue]

    @property
    def awaiting_decision(self) -> list[Amendment]:
        return [a for a in self.late if a.late_decision is None]

    @property
    def proposals_deadline_passed(self) -> bool:
        meeting = self.next_meeting
        return meeting is not None and rules.has_passed(meeting.proposals_deadline, self.today)

    @property
    def empty(self) -> bool:
        return not (self.replies or self.late or (self.next_meeting and self.next_meeting.proposals_deadline))


def overview(
    session: Session,
    actor: User,
    instrument: Instrument,
    *,
    on: dt.date | None = None,
    meetings: list[Milestone] | None = None,
) -> Overview:
    """`meetings`: the negotiation's meetings in order, when the caller has read them already (one query fewer)."""
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the deadlines."))
    day = on or today()
    if meetings is None:
        meetings = meetings_of(session, instrument.id)
    open_meetings = [m.id for m in meetings if m.state is not MilestoneState.concluded]
    found = _with_deadlines(session, instrument.id, open_meetings)
    late = [a for a in found if a.late_for_id in open_meetings]
    return Overview(day, next_meeting(meetings), _replies(session, found, day), late)


@dataclass
class WhoIsLate:
    """For a meeting's pack: amendments whose answers are overdue, and proposals tabled after its deadline."""

    meeting: Milestone
    overdue: list[ReplyDue]
    late: list[Amendment]

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.late)


def who_is_late(session: Session, actor: User, meeting: Milestone, *, on: dt.date | None = None) -> WhoIsLate:
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the meeting pack."))
    day = on or today()
    found = _with_deadlines(session, meeting.instrument_id, [meeting.id])
    overdue = [r for r in _replies(session, found, day) if r.overdue]
    return WhoIsLate(meeting, overdue, [a for a in found if a.late_for_id == meeting.id])


# Reminders -----------------------------------------------------------------------------------------------------


def _remind(
    session: Session, kind: rules.ReminderKind, subject: Amendment | Milestone, due: dt.date, stage: rules.ReminderStage
) -> bool:
    """Record the reminder and write its event (core.notifications tells whoever the rule names), unless this
    very reminder was sent already. Returns whether it was sent now."""
    sent = session.scalar(
        select(DeadlineReminder.id).where(
            DeadlineReminder.kind == kind,
            DeadlineReminder.subject_id == subject.id,
            DeadlineReminder.stage == stage,
            DeadlineReminder.due == due,
        )
    )
    if sent is not None:
        return False
    session.add(DeadlineReminder(kind=kind, subject_id=subject.id, stage=stage, due=due))
    event = rules.REMINDER_EVENTS[(kind, stage)]
    name = subject.citation if isinstance(subject, Amendment) else subject.name
    audit.record(
        session,
        None,
        event,
        subject,
        f"Reminder: {name}, {'due by' if stage is rules.ReminderStage.near else 'passed on'} {due.isoformat()}",
        after={"date": due.isoformat()},
    )
    session.flush()
    return True


def send_reminders(
    session: Session, *, on: dt.date | None = None, days_before: int = rules.DEFAULT_REMINDER_DAYS
) -> int:
    """Remind of every deadline that is near or has passed, once each (the periodic job: `flask send-reminders`,
    and each cycle of `flask send-mail --loop`). Returns how many reminders were sent."""
    day = on or today()
    count = 0
    for instrument_id in session.scalars(select(Instrument.id).order_by(Instrument.id)):
        for reply in awaiting_replies(session, instrument_id, day):
            stage = rules.reminder_stage(reply.reply_by, day, days_before)
            if stage is not None:
                count += _remind(session, rules.ReminderKind.reply_by, reply.amendment, reply.reply_by, stage)
        for meeting in meetings_of(session, instrument_id):
            if meeting.state is MilestoneState.concluded or meeting.proposals_deadline is None:
                continue
            stage = rules.reminder_stage(meeting.proposals_deadline, day, days_before)
            if stage is not None:
                count += _remind(session, rules.ReminderKind.proposals, meeting, meeting.proposals_deadline, stage)
    return count
