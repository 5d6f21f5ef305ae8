"""What awaits one user: a reviewer's queue, a party's pending answers, a chair's next meeting."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.messages import N_, Message
from ..core.milestones import MilestoneState
from ..core.paging import Pages
from ..core.roles import Role
from ..core.status import ClauseStatus, ReviewDecision
from ..core.workflow import OPEN_STATES, AmendmentState
from ..models import Amendment, Milestone, User
from . import agreement, deadlines, meetings
from .amendments import LIST_LOADING, visible_to
from .draft import current_instrument, current_versions, draft_as_of
from .standing import amendment_progress, standings


@dataclass
class Work:
    reviews: list[Amendment] = field(default_factory=list)  # one page of the queue
    review_pages: Pages | None = None
    #: Awaiting review but outdated: nobody can review them until their proposers rebase them.
    waiting_for_rebase: list[Amendment] = field(default_factory=list)
    to_answer: list[Amendment] = field(default_factory=list)
    own_drafts: list[Amendment] = field(default_factory=list)
    own_to_fix: list[tuple[Amendment, str]] = field(default_factory=list)
    next_meeting: Milestone | None = None
    blocking: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (citation, wid, reasons)
    #: Deadlines (services.deadlines), overdue first. A negotiator: the answers their party owes by a reply-by
    #: date, and their party's amendments still unanswered by theirs; a chair: proposals tabled after a deadline.
    replies_owed: list[deadlines.ReplyDue] = field(default_factory=list)
    replies_awaited: list[deadlines.ReplyDue] = field(default_factory=list)
    late_to_decide: list[Amendment] = field(default_factory=list)
    #: The next meeting, when it has a deadline for written proposals (everyone who proposes or chairs).
    proposals_meeting: Milestone | None = None

    @property
    def empty(self) -> bool:
        queued = self.review_pages is not None and self.review_pages.total
        return not (
            queued
            or self.to_answer
            or self.own_drafts
            or self.own_to_fix
            or self.next_meeting
            or self.replies_owed
            or self.replies_awaited
            or self.late_to_decide
        )


#: Reviews listed a page at a time: a treaty's queue can hold a thousand, and nobody reads past the first fifty.
REVIEWS_PER_PAGE = 50


def my_work(session: Session, actor: User, *, review_page: int = 1) -> Work:
    work = Work()
    instrument = current_instrument(session)
    if actor.role is Role.legal_reviewer:
        work.reviews, work.review_pages = agreement.page_of_pending_reviews(
            session, actor, page=review_page, size=REVIEWS_PER_PAGE
        )
        work.waiting_for_rebase = agreement.waiting_for_rebase(session, actor, limit=REVIEWS_PER_PAGE)
    if actor.role is Role.negotiator:
        open_amendments = session.scalars(
            select(Amendment)
            .where(Amendment.instrument_id == instrument.id, Amendment.state.in_(OPEN_STATES), visible_to(actor))
            .options(*LIST_LOADING)
            .order_by(Amendment.tabled_at, Amendment.created_at)
        ).all()
        tabled = [a for a in open_amendments if a.state is AmendmentState.tabled]
        current = current_versions(session, [a.clause_id for a in open_amendments if a.clause_id], with_texts=False)
        progress = amendment_progress(session, tabled, current)
        for amendment in tabled:
            step = progress[amendment.id]
            if amendment.party_id != actor.party_id and actor.party_id not in step.concurred_by and not step.outdated:
                work.to_answer.append(amendment)
            elif amendment.party_id == actor.party_id and (
                step.outdated or (step.review and step.review.decision is not ReviewDecision.cleared)
            ):
                work.own_to_fix.append((amendment, step.next_step))
        work.own_drafts = [a for a in open_amendments if a.state is AmendmentState.draft]
    all_meetings = meetings.milestones(session) if actor.role in (Role.negotiator, Role.chair) else []
    if actor.role in (Role.negotiator, Role.chair):
        due = deadlines.overview(session, actor, instrument, meetings=all_meetings)
        if due.next_meeting is not None and due.next_meeting.proposals_deadline is not None:
            work.proposals_meeting = due.next_meeting
        if actor.role is Role.negotiator:
            overdue_first = sorted(due.replies, key=lambda r: not r.overdue)
            work.replies_owed = [r for r in overdue_first if r.amendment.party_id != actor.party_id]
            work.replies_awaited = [r for r in overdue_first if r.amendment.party_id == actor.party_id]
        else:
            work.late_to_decide = due.awaiting_decision
    if actor.role is Role.chair:
        work.next_meeting = next((m for m in all_meetings if m.state is not MilestoneState.concluded), None)
        if work.next_meeting is not None:
            standing = standings(session, actor, instrument)
            for item in draft_as_of(session, actor, instrument):
                clause_standing = standing[item.clause.id]
                if clause_standing.status is ClauseStatus.bracketed:
                    why = [step for _, step in clause_standing.open_amendments]
                    if not why and clause_standing.reservation:
                        why = [Message(N_("reservation by %(by)s"), by=clause_standing.reservation.reserved_by)]
                    work.blocking.append((item.citation, item.clause.wid, why))
    return work
