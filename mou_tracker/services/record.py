"""The negotiation's record as documents that leave the product: the Akoma Ntoso export."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.messages import N_, Message
from ..exports import akn
from ..models import Amendment, Clause, ClauseVersion, Milestone, User
from ..models.base import utcnow
from .draft import current_instrument, draft_as_of
from .errors import ValidationFailed


def akn_document(
    session: Session, actor: User, language: str, *, label_in: Callable[[str, str], str] | None = None
) -> akn.AknDocument:
    """The current draft in one language, with its lifecycle, ready for `exports.akn.expression`.

    `label_in(label, language)` says a clause label ("Article 2") in the document's language; the web layer passes
    its translator (services do not translate)."""
    instrument = current_instrument(session)
    codes = [lang.code for lang in instrument.languages]
    if language not in codes:
        raise ValidationFailed(
            Message(
                N_("This negotiation has no text in that language; it has: %(languages)s."), languages=", ".join(codes)
            )
        )
    clauses = draft_as_of(session, actor, instrument, None)
    if not clauses:
        raise ValidationFailed(N_("The negotiation has no clauses yet: there is nothing to export."))
    flat = [
        akn.AknClause(
            wid=c.clause.wid,
            kind=c.kind,
            depth=c.depth,
            label=label_in(c.label, language) if label_in else c.label,
            heading=c.heading(language),
            body=c.body(language) or "",
        )
        for c in clauses
    ]
    first = session.scalar(
        select(func.min(ClauseVersion.created_at))
        .join(Clause, Clause.id == ClauseVersion.clause_id)
        .where(Clause.instrument_id == instrument.id)
    )
    adopted = session.execute(
        select(ClauseVersion.created_at, Amendment, Clause.wid)
        .join(Clause, Clause.id == ClauseVersion.clause_id)
        .join(Amendment, Amendment.id == ClauseVersion.amendment_id)
        .where(Clause.instrument_id == instrument.id)
        .order_by(ClauseVersion.created_at, ClauseVersion.id)
    ).all()
    seen: set[int] = set()
    adoptions = []
    for created_at, amendment, wid in adopted:
        if amendment.id in seen:  # an insertion renumbers siblings: one adoption, several versions
            continue
        seen.add(amendment.id)
        adoptions.append(akn.Adoption(date=created_at.date(), citation=amendment.citation, clause_wid=wid))
    steps = []
    for meeting in session.scalars(select(Milestone).where(Milestone.instrument_id == instrument.id)):
        if meeting.frozen_at:
            steps.append(akn.MeetingStep(meeting.code, meeting.name, meeting.frozen_at.date(), "frozen"))
        if meeting.concluded_at:
            steps.append(akn.MeetingStep(meeting.code, meeting.name, meeting.concluded_at.date(), "concluded"))
    now = utcnow()
    return akn.AknDocument(
        slug=instrument.slug,
        title=instrument.title,
        language=language,
        first_draft=(first or now).date(),
        as_of=now.date(),
        generated_at=now,
        parties=[(link.party.code, link.party.local_name.in_language(language)) for link in instrument.party_links],
        clauses=akn.tree(flat),
        adoptions=adoptions,
        meetings=sorted(steps, key=lambda step: step.date),
    )
