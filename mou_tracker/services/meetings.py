"""The SWG, the SOC and the signature: freeze the draft for a meeting, record its outcomes, conclude it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified

from ..core import permissions
from ..core.messages import N_, Message
from ..core.milestones import (
    MeetingResult,
    MilestoneRefused,
    MilestoneState,
    Outcome,
    check_can_conclude,
    check_can_edit,
    check_can_freeze,
    check_can_record,
)
from ..core.text import MAX_NOTE
from ..models import Clause, ClauseVersion, Milestone, MilestoneOutcome, MilestoneSnapshot, User
from ..models.base import utcnow
from . import audit
from .amendments import clean_field
from .draft import current_instrument, current_versions
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed


def milestones(session: Session) -> list[Milestone]:
    instrument = current_instrument(session)
    return list(
        session.scalars(select(Milestone).where(Milestone.instrument_id == instrument.id).order_by(Milestone.position))
    )


def get_milestone(session: Session, code: str) -> Milestone:
    milestone = session.scalar(
        select(Milestone).where(Milestone.instrument_id == current_instrument(session).id, Milestone.code == code)
    )
    if milestone is None:
        raise NotFound(N_("There is no meeting with that code."))
    return milestone


def _require_chair(actor: User) -> None:
    if not permissions.can_chair(actor):
        raise PermissionDenied(N_("Only a chair can run the meetings."))


def _guard(check, *args) -> None:
    try:
        check(*args)
    except MilestoneRefused as exc:
        raise Conflict(exc.args[0]) from exc


def snapshot(session: Session, milestone: Milestone) -> dict[int, ClauseVersion]:
    """{clause id: the version frozen for the meeting}; empty while the meeting is only planned."""
    rows = session.execute(
        select(MilestoneSnapshot.clause_id, ClauseVersion)
        .join(ClauseVersion, ClauseVersion.id == MilestoneSnapshot.version_id)
        .where(MilestoneSnapshot.milestone_id == milestone.id)
        # The words too, even for versions a status page already read without them.
        .options(joinedload(ClauseVersion.clause), selectinload(ClauseVersion.texts))
    ).all()
    return {clause_id: version for clause_id, version in rows}


def outcomes(session: Session, milestone: Milestone) -> dict[int, MilestoneOutcome]:
    rows = session.scalars(select(MilestoneOutcome).where(MilestoneOutcome.milestone_id == milestone.id)).all()
    return {row.clause_id: row for row in rows}


def freeze(session: Session, actor: User, code: str) -> Milestone:
    """Freeze the current draft as the text that goes to the meeting: an immutable snapshot of every clause."""
    _require_chair(actor)
    milestone = get_milestone(session, code)
    earlier = [m for m in milestones(session) if m.position < milestone.position]
    _guard(check_can_freeze, milestone.state, [m.state for m in earlier], [m.name for m in earlier])
    instrument = current_instrument(session)
    clause_ids = list(session.scalars(select(Clause.id).where(Clause.instrument_id == instrument.id)))
    live = {cid: v for cid, v in current_versions(session, clause_ids).items() if not v.is_deleted}
    for clause_id, version in live.items():
        session.add(MilestoneSnapshot(milestone_id=milestone.id, clause_id=clause_id, version_id=version.id))
    milestone.state = MilestoneState.frozen
    milestone.frozen_at = utcnow()
    milestone.frozen_by = actor
    session.flush()
    audit.record(
        session,
        actor,
        "milestone.frozen",
        milestone,
        f"Draft frozen for the {milestone.name}: {len(live)} clauses",
        after={"clauses": len(live)},
    )
    return milestone


def record_outcome(
    session: Session, actor: User, code: str, clause_wid: str, *, outcome: Outcome, reserved_by: str, note: str
) -> MilestoneOutcome:
    _require_chair(actor)
    milestone = get_milestone(session, code)
    _guard(check_can_record, milestone.state)
    clause = session.scalar(
        select(Clause).where(Clause.instrument_id == current_instrument(session).id, Clause.wid == clause_wid)
    )
    frozen = snapshot(session, milestone)
    if clause is None or clause.id not in frozen:
        raise NotFound(N_("That clause is not part of the draft frozen for this meeting."))
    reserved_by = clean_field(
        reserved_by, Message(N_("Who entered the reservation")), 200, required=outcome is Outcome.reservation
    )
    note = clean_field(note, Message(N_("The note")), MAX_NOTE, required=False)
    existing = outcomes(session, milestone).get(clause.id)
    before = (
        {"outcome": existing.outcome.value, "reserved_by": existing.reserved_by, "note": existing.note}
        if existing
        else None
    )
    row = existing or MilestoneOutcome(milestone_id=milestone.id, clause_id=clause.id)
    row.outcome, row.reserved_by, row.note, row.recorded_by, row.recorded_at = (
        outcome,
        reserved_by,
        note,
        actor,
        utcnow(),
    )
    session.add(row)
    # Recording touches the meeting row, so that a conclusion racing with this outcome collides on lock_version.
    flag_modified(milestone, "result_note")
    session.flush()
    audit.record(
        session,
        actor,
        "milestone.outcome_recorded",
        milestone,
        f"{milestone.name}: {outcome.label}" + (f" ({reserved_by})" if reserved_by else ""),
        before=before,
        after={"outcome": outcome.value, "reserved_by": reserved_by, "note": note},
        clause_id=clause.id,
    )
    return row


def conclude(session: Session, actor: User, code: str, *, result: MeetingResult, note: str) -> Milestone:
    _require_chair(actor)
    milestone = get_milestone(session, code)
    missing = len(set(snapshot(session, milestone)) - set(outcomes(session, milestone)))
    _guard(check_can_conclude, milestone.state, missing)
    milestone.state = MilestoneState.concluded
    milestone.concluded_at = utcnow()
    milestone.concluded_by = actor
    milestone.result = result
    milestone.result_note = clean_field(note, Message(N_("The note")), MAX_NOTE, required=False)
    session.flush()
    audit.record(
        session,
        actor,
        "milestone.concluded",
        milestone,
        f"{milestone.name} concluded: {result.label}",
        after={"result": result.value, "note": milestone.result_note},
    )
    return milestone


def edit(session: Session, actor: User, code: str, *, name: str, date: dt.date | None) -> Milestone:
    _require_chair(actor)
    milestone = get_milestone(session, code)
    _guard(check_can_edit, milestone.state)
    before = {"name": milestone.name, "date": milestone.date.isoformat() if milestone.date else None}
    milestone.name = clean_field(name, Message(N_("The name")), 200)
    milestone.date = date
    earlier = [m for m in milestones(session) if m.position < milestone.position and m.date]
    if date and any(m.date > date for m in earlier):
        raise ValidationFailed(N_("A meeting cannot be dated before the meetings that come before it."))
    session.flush()
    audit.record(
        session,
        actor,
        "milestone.edited",
        milestone,
        f"Meeting details changed: {milestone.name}",
        before=before,
        after={"name": milestone.name, "date": date.isoformat() if date else None},
    )
    return milestone


def parse_outcome(raw: str | None) -> Outcome:
    try:
        return Outcome(raw or "")
    except ValueError:
        raise ValidationFailed(N_("Choose an outcome.")) from None


def parse_result(raw: str | None) -> MeetingResult:
    try:
        return MeetingResult(raw or "")
    except ValueError:
        raise ValidationFailed(N_("Choose the meeting's result.")) from None


def frozen_draft(session: Session, milestone: Milestone) -> list:
    """The frozen draft in reading order, numbered as it stood (one query for the snapshot)."""
    from .draft import in_reading_order

    return in_reading_order(snapshot(session, milestone))
