"""The negotiation's record as documents that leave the product: the Akoma Ntoso export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.messages import N_, Message
from ..core.workflow import AmendmentKind
from ..exports import akn
from ..models import Amendment, Clause, ClauseVersion, Instrument, Milestone, User
from ..models.base import utcnow
from .draft import DraftClause, current_instrument, draft_as_of
from .errors import ValidationFailed
from .redlines import load_reading_words, read_amendment
from .standing import _tabled_with_revisions


class LabelIn(Protocol):
    """Says a clause label or citation ("Article 2(3)") in a language, declined in `case` (i18n.CITATION_CASES)."""

    def __call__(self, label: str, language: str, case: str | None = None) -> str: ...


def _english_label(label: str, language: str, case: str | None = None) -> str:
    return label


def _english(message: Message, language: str) -> str:
    return str(message)


def amendments_shown(value: str | None) -> akn.AmendmentsShown:
    """The export's `amendments` option: tabled (the default) or none."""
    if not value:
        return akn.AmendmentsShown.tabled
    try:
        return akn.AmendmentsShown(value)
    except ValueError:
        raise ValidationFailed(
            Message(
                N_("Choose which amendments the file carries: %(choices)s."),
                choices=", ".join(choice.value for choice in akn.AmendmentsShown),
            )
        ) from None


def akn_document(
    session: Session,
    actor: User,
    language: str,
    *,
    label_in: LabelIn = _english_label,
    say_in: Callable[[Message, str], str] = _english,
    amendments: akn.AmendmentsShown = akn.AmendmentsShown.none,
) -> akn.AknDocument:
    """The current draft in one language, with its lifecycle, ready for `exports.akn.expression`; with
    `amendments=tabled`, also every open tabled amendment (`_open_amendments`).

    `label_in(label, language)` says a clause label ("Article 2") in the document's language, and `say_in(message,
    language)` a sentence; the web layer passes its translator (services do not translate)."""
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
            label=label_in(c.label, language),
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
        amendments_shown=amendments,
        amendments=(
            _open_amendments(session, instrument, clauses, language, label_in, say_in)
            if amendments is akn.AmendmentsShown.tabled
            else []
        ),
    )


def _open_amendments(
    session: Session,
    instrument: Instrument,
    clauses: list[DraftClause],
    language: str,
    label_in: LabelIn,
    say_in: Callable[[Message, str], str],
) -> list[akn.AknAmendment]:
    """Every open tabled amendment, in the order of the draft (a new clause where it would go), then of tabling.

    Tabled only, whoever asks, the proposing party included: the file leaves the product, is forwarded and kept,
    and is the same text for both delegations, as the rolling text is; a party's untabled draft is its own business
    and must not travel in a document (its own party reads it in the product). A tabled amendment's latest revision
    is readable by every party (services.amendments.revision_readable), so its words and rationale may be written."""
    tabled = _tabled_with_revisions(session, instrument, None)
    current = {c.clause.id: c.version for c in clauses}
    load_reading_words(session, tabled, current)  # their words, and the redlines kept of them, in a few queries
    by_id = {c.clause.id: c for c in clauses}
    position = {c.clause.id: index for index, c in enumerate(clauses)}
    # Where each clause's subtree ends: a new clause after an article comes after the article's paragraphs.
    last: dict[int, int] = {}
    open_clauses: list[int] = []
    for index, c in enumerate(clauses):
        while open_clauses and clauses[open_clauses[-1]].depth >= c.depth:
            last[clauses[open_clauses.pop()].clause.id] = index - 1
        open_clauses.append(index)
    last.update({clauses[index].clause.id: len(clauses) - 1 for index in open_clauses})

    said: dict[tuple[int, str | None], str] = {}  # a clause is cited by each of its amendments: said once

    def cited(clause_id: int | None, case: str | None = None) -> str | None:
        found = by_id.get(clause_id) if clause_id is not None else None
        if found is None:
            return None
        key = (found.clause.id, case)
        if key not in said:
            said[key] = label_in(found.citation, language, case)
        return said[key]

    deleted = say_in(Message(N_("a deleted clause")), language)
    without_wording = say_in(Message(N_("This amendment proposes no wording in this language.")), language)
    out: list[tuple[tuple[float, dt.datetime, int], akn.AknAmendment]] = []
    for amendment in tabled:
        revision = amendment.latest
        # Against the current text, as its page reads it (an outdated one too: what adopting it now would change).
        against = current.get(amendment.clause_id) if amendment.clause_id is not None else None
        reading = read_amendment(amendment, against, [language])
        redline = reading.redlines[0] if reading.redlines else None
        if amendment.kind is AmendmentKind.insert:
            clause_id = amendment.insert_after_id or amendment.insert_parent_id
            if amendment.insert_after_id is not None:
                place = Message(
                    N_("a new clause after %(clause)s"), clause=cited(amendment.insert_after_id, "genitive") or deleted
                )
                at = last.get(amendment.insert_after_id, len(clauses)) + 0.5
            elif amendment.insert_parent_id is not None:
                place = Message(
                    N_("a new clause at the start of %(clause)s"),
                    clause=cited(amendment.insert_parent_id, "genitive") or deleted,
                )
                at = position.get(amendment.insert_parent_id, len(clauses)) + 0.25
            else:
                place = Message(N_("a new clause at the start of the draft"))
                at = -1.0
            target = say_in(place, language)
        else:
            clause_id = amendment.clause_id
            target = cited(clause_id) or deleted
            at = position.get(clause_id, len(clauses)) if clause_id is not None else len(clauses)
        anchor = by_id.get(clause_id) if clause_id is not None else None
        target = target[:1].upper() + target[1:]  # a heading of its own ("A new clause after ...")
        tabled_at = amendment.tabled_at or amendment.created_at
        out.append(
            (
                (at, tabled_at, amendment.id),
                akn.AknAmendment(
                    citation=str(amendment.citation),
                    party=amendment.party.code,
                    kind=amendment.kind,
                    tabled=tabled_at.date(),
                    revised=revision.created_at.date(),
                    clause_wid=anchor.clause.wid if anchor else None,
                    target=target,
                    heading=redline.heading.segments if redline and redline.heading else None,
                    body=redline.body.segments if redline else None,
                    rationale=revision.rationale,
                    without_wording=without_wording,
                ),
            )
        )
    return [amendment for _key, amendment in sorted(out, key=lambda pair: pair[0])]
