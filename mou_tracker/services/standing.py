"""Where every clause stands: status, whose turn it is, reservations, and what changed since the last meeting.

Read-only, and a fixed number of queries however long the draft: the chairs' reports and the draft page use it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..core.milestones import MilestoneState, Outcome
from ..core.status import AmendmentFacts, ClauseFacts, ClauseStatus, clause_status, next_step
from ..core.workflow import AmendmentState
from ..models import (
    Amendment,
    AmendmentRevision,
    Clause,
    ClauseVersion,
    Instrument,
    Milestone,
    MilestoneOutcome,
    MilestoneSnapshot,
    Response,
    Review,
    User,
)
from .amendments import is_outdated
from .draft import current_versions


@dataclass
class ClauseStanding:
    status: ClauseStatus = ClauseStatus.initial
    #: Tabled amendments, each with who must act on it next.
    open_amendments: list[tuple[Amendment, str]] = field(default_factory=list)
    reservation: MilestoneOutcome | None = None
    #: The last meeting whose frozen draft differs from the clause now, and the version it had then.
    changed_since: tuple[Milestone, ClauseVersion] | None = None
    #: The latest outcome recorded for the clause at a concluded meeting.
    last_outcome: tuple[Milestone, MilestoneOutcome] | None = None


@dataclass(frozen=True)
class AmendmentProgress:
    outdated: bool
    concurred_by: set[int]
    review: Review | None
    next_step: str


def amendment_progress(
    session: Session, amendments: list[Amendment], current: dict[int, ClauseVersion]
) -> dict[int, AmendmentProgress]:
    """Concurrences, the live review and the next step of each tabled amendment (three queries in all)."""
    ids = [a.id for a in amendments]
    responses = session.scalars(select(Response).where(Response.amendment_id.in_(ids))).all()
    reviews = session.scalars(
        select(Review).where(Review.amendment_id.in_(ids)).order_by(Review.created_at, Review.id)
    ).all()
    instrument_parties: dict[int, set[str]] = {}
    progress = {}
    by_amendment_reviews: dict[int, list[Review]] = defaultdict(list)
    for r in reviews:
        by_amendment_reviews[r.amendment_id].append(r)
    for amendment in amendments:
        latest = amendment.latest
        concurred = {
            r.party_id
            for r in responses
            if r.amendment_id == amendment.id and r.kind == "concur" and r.revision_id == latest.id
        }
        live = [r for r in by_amendment_reviews[amendment.id] if r.revision_id == latest.id]
        review = live[-1] if live else None
        if amendment.instrument_id not in instrument_parties:
            instrument = session.get(Instrument, amendment.instrument_id)
            instrument_parties[amendment.instrument_id] = {p.code for p in instrument.parties}
        others = instrument_parties[amendment.instrument_id] - {amendment.party.code}
        outdated = is_outdated(amendment, current.get(amendment.clause_id)) if amendment.clause_id else False
        facts = AmendmentFacts(amendment.party.code, outdated, bool(concurred), review.decision if review else None)
        progress[amendment.id] = AmendmentProgress(outdated, concurred, review, next_step(facts, others))
    return progress


def standings(session: Session, actor: User, instrument: Instrument) -> dict[int, ClauseStanding]:
    clause_ids = list(session.scalars(select(Clause.id).where(Clause.instrument_id == instrument.id)))
    current = current_versions(session, clause_ids)
    tabled = session.scalars(
        select(Amendment)
        .where(Amendment.instrument_id == instrument.id, Amendment.state == AmendmentState.tabled)
        .options(selectinload(Amendment.revisions).selectinload(AmendmentRevision.texts))
        .order_by(Amendment.tabled_at, Amendment.id)
    ).all()
    progress = amendment_progress(session, list(tabled), current)
    meetings = session.scalars(
        select(Milestone)
        .where(Milestone.instrument_id == instrument.id, Milestone.state != MilestoneState.planned)
        .order_by(Milestone.position)
    ).all()
    meeting_ids = [m.id for m in meetings]
    snapshots = session.scalars(
        select(MilestoneSnapshot)
        .where(MilestoneSnapshot.milestone_id.in_(meeting_ids))
        .options(selectinload(MilestoneSnapshot.version))
    ).all()
    recorded = session.scalars(select(MilestoneOutcome).where(MilestoneOutcome.milestone_id.in_(meeting_ids))).all()
    frozen_version = {(s.milestone_id, s.clause_id): s.version for s in snapshots}
    outcome_of = {(o.milestone_id, o.clause_id): o for o in recorded}

    result: dict[int, ClauseStanding] = {}
    for clause_id, version in current.items():
        standing = ClauseStanding()
        standing.open_amendments = [(a, progress[a.id].next_step) for a in tabled if a.clause_id == clause_id]
        endorsed = reserved = False
        for meeting in meetings:  # in order: the latest meeting that dealt with the clause decides
            then = frozen_version.get((meeting.id, clause_id))
            if then is None:
                continue
            standing.changed_since = (meeting, then) if then.id != version.id else None
            outcome = outcome_of.get((meeting.id, clause_id))
            if outcome is None or (
                meeting.state is not MilestoneState.concluded and outcome.outcome is not Outcome.reservation
            ):
                continue
            unchanged = then.id == version.id
            standing.last_outcome = (meeting, outcome)
            endorsed = outcome.outcome.endorses and unchanged
            reserved = outcome.outcome is Outcome.reservation and unchanged
            standing.reservation = outcome if reserved else None
        standing.status = clause_status(
            ClauseFacts(
                has_open_amendments=bool(standing.open_amendments),
                has_reservation=reserved,
                agreed_by_negotiators=version.amendment_id is not None,
                endorsed=endorsed,
            )
        )
        result[clause_id] = standing
    return result
