"""Legal review and the parties' answers; when both are in, the amendment enters the draft.

An amendment is adopted when every other party has concurred with its current revision and the latest legal
review of that revision cleared it, in either order. Adoption writes the clause's next version, attributed to
the amendment; every other open amendment to the clause is then outdated (derived, see amendments.is_outdated).
"""

from __future__ import annotations

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core import clearance as clearance_rules
from ..core import permissions
from ..core.clearance import ResponseKind
from ..core.identifiers import new_wid
from ..core.languages import carried_revision
from ..core.messages import N_, Message
from ..core.paging import Pages
from ..core.roles import Role
from ..core.status import ReviewDecision
from ..core.text import MAX_NOTE
from ..core.workflow import Action, AmendmentKind, AmendmentState, superseded_by_adoption
from ..models import (
    Amendment,
    AmendmentRevision,
    Clause,
    ClauseText,
    ClauseVersion,
    Instrument,
    Party,
    Response,
    Review,
    User,
)
from . import audit
from .amendments import (
    LIST_LOADING,
    clause_and_base,
    close,
    expect_revision,
    get_amendment,
    is_outdated,
    outdated_condition,
    snapshot,
    touch,
    transition,
)
from .draft import current_instrument, current_versions
from .errors import Conflict, PermissionDenied, ValidationFailed
from .listing import one_page
from .validation import clean_field


def proposer_ids(amendment: Amendment) -> set[int]:
    """Everybody who wrote a word of the amendment: none of them may review it."""
    return {amendment.created_by_id} | {revision.created_by_id for revision in amendment.revisions}


def _refuse_if_outdated(session: Session, amendment: Amendment) -> None:
    if amendment.clause_id is None:
        return
    current = current_versions(session, [amendment.clause_id]).get(amendment.clause_id)
    if is_outdated(amendment, current):
        raise Conflict(
            Message(
                N_(
                    "%(citation)s is outdated: the clause has changed since it was written. "
                    "%(party)s must rebase it before it can be answered or reviewed."
                ),
                citation=amendment.citation,
                party=amendment.party.code,
            )
        )


def reviews_of(session: Session, amendment: Amendment) -> list[Review]:
    return list(
        session.scalars(
            select(Review).where(Review.amendment_id == amendment.id).order_by(Review.created_at, Review.id)
        )
    )


def responses_of(session: Session, amendment: Amendment) -> list[Response]:
    return list(
        session.scalars(
            select(Response).where(Response.amendment_id == amendment.id).order_by(Response.created_at, Response.id)
        )
    )


def review_facts(reviews: list[Review]) -> list[clearance_rules.Fact]:
    """The reviews as the clearance rule reads them: revision, decision and the reviewer's party."""
    return [clearance_rules.Fact(r.revision_id, r.decision, r.reviewer.party_id) for r in reviews]


def current_review(reviews: list[Review], amendment: Amendment) -> Review | None:
    """The latest review of the current revision; reviews of earlier revisions have lapsed."""
    return clearance_rules.current_review(reviews, amendment.latest.id)


def concurring_parties(responses: list[Response], amendment: Amendment) -> set[int]:
    return clearance_rules.concurred_parties(responses, amendment.latest.id)


def clearance_of(instrument: Instrument, amendment: Amendment, reviews: list[Review]) -> clearance_rules.Clearance:
    """Whose legal clearance the amendment's current revision still needs, under its negotiation's rule."""
    return clearance_rules.clearance(
        instrument.clearance_rule, [p.id for p in instrument.parties], review_facts(reviews), amendment.latest.id
    )


# Legal review --------------------------------------------------------------------------------------------------


def review(
    session: Session,
    actor: User,
    amendment_id: int,
    *,
    decision: ReviewDecision,
    comment: str,
    expected_revision: int | None,
) -> Review:
    amendment = get_amendment(session, actor, amendment_id)
    if not permissions.can_review(actor, amendment, proposer_ids(amendment)):
        if actor.id in proposer_ids(amendment):
            raise PermissionDenied(N_("You cannot review an amendment you proposed or revised."))
        if amendment.state is AmendmentState.tabled or actor.role is not Role.legal_reviewer:
            raise PermissionDenied(N_("Only a legal reviewer can review amendments."))
    transition(amendment, Action.review)
    expect_revision(amendment, expected_revision)
    _refuse_if_outdated(session, amendment)
    comment = clean_field(
        comment, Message(N_("The review comment")), MAX_NOTE, required=decision is not ReviewDecision.cleared
    )
    entry = Review(
        amendment_id=amendment.id, revision_id=amendment.latest.id, reviewer=actor, decision=decision, comment=comment
    )
    session.add(entry)
    touch(amendment)
    session.flush()
    audit.record(
        session,
        actor,
        f"review.{decision.value}",
        amendment,
        f"Legal review of {amendment.citation} (revision {amendment.latest.seq}): {decision.label}"
        + (f" — {comment}" if comment else ""),
        after={"decision": decision.value, "revision": amendment.latest.seq},
    )
    if decision is ReviewDecision.cleared:
        _adopt_if_agreed(session, actor, amendment)
    return entry


# The other party's answer -------------------------------------------------------------------------------------


def _responder_party(actor: User, amendment: Amendment) -> Party:
    """The party answering: the actor's, when the actor may answer the amendment at all."""
    if not permissions.can_respond(actor, amendment) or actor.party is None:
        raise PermissionDenied(
            Message(N_("Only a negotiator of another party can answer %(citation)s."), citation=amendment.citation)
        )
    return actor.party


def _answer(session: Session, actor: User, amendment: Amendment, kind: ResponseKind, reason: str = "") -> None:
    """Record the actor's party's answer to the amendment's current revision."""
    session.add(
        Response(
            amendment_id=amendment.id,
            revision_id=amendment.latest.id,
            party_id=actor.party_id,
            user=actor,
            kind=kind,
            reason=reason,
        )
    )


def concur(session: Session, actor: User, amendment_id: int, *, expected_revision: int | None) -> Amendment:
    amendment = get_amendment(session, actor, amendment_id)
    transition(amendment, Action.concur)
    party = _responder_party(actor, amendment)
    expect_revision(amendment, expected_revision)
    _refuse_if_outdated(session, amendment)
    if permissions.has_answered(actor, concurring_parties(responses_of(session, amendment), amendment)):
        raise Conflict(
            Message(
                N_("%(party)s has already concurred with this revision of %(citation)s."),
                party=party.code,
                citation=amendment.citation,
            )
        )
    _answer(session, actor, amendment, ResponseKind.concur)
    touch(amendment)
    session.flush()
    audit.record(
        session,
        actor,
        "amendment.concurred",
        amendment,
        f"{party.code} concurred with {amendment.citation} (revision {amendment.latest.seq})",
    )
    _adopt_if_agreed(session, actor, amendment)
    return amendment


def reject(
    session: Session, actor: User, amendment_id: int, *, reason: str, expected_revision: int | None
) -> Amendment:
    amendment = get_amendment(session, actor, amendment_id)
    new_state = transition(amendment, Action.reject)
    party = _responder_party(actor, amendment)
    expect_revision(amendment, expected_revision)
    reason = clean_field(reason, Message(N_("The reason for rejecting")), MAX_NOTE)
    _answer(session, actor, amendment, ResponseKind.reject, reason)
    amendment.rejection_reason = reason
    close(amendment, new_state)
    session.flush()
    audit.record(
        session,
        actor,
        "amendment.rejected",
        amendment,
        f"{party.code} rejected {amendment.citation}: {reason}",
        before={"state": "tabled"},
        after={"state": "rejected", "reason": reason},
    )
    return amendment


# Adoption ------------------------------------------------------------------------------------------------------


def _adopt_if_agreed(session: Session, actor: User, amendment: Amendment) -> None:
    instrument = session.get_one(Instrument, amendment.instrument_id)
    others = {party.id for party in instrument.parties} - {amendment.party_id}
    concurred = concurring_parties(responses_of(session, amendment), amendment)
    cleared = clearance_of(instrument, amendment, reviews_of(session, amendment))
    if clearance_rules.is_agreed(others, concurred, cleared):
        _adopt(session, actor, amendment)


def _new_version(clause: Clause, seq: int, amendment: Amendment) -> ClauseVersion:
    return ClauseVersion(
        clause=clause,
        seq=seq,
        is_deleted=amendment.kind is AmendmentKind.delete,
        reason=f"{amendment.citation} adopted: {amendment.latest.rationale}",
        created_by_id=amendment.created_by_id,
        amendment_id=amendment.id,
    )


def _insert_clause(session: Session, amendment: Amendment) -> Clause:
    """Make room after the anchor (siblings move down one place) and create the new clause."""
    parent_id = amendment.insert_parent_id
    position = amendment.insert_after.position + 1 if amendment.insert_after else 0
    siblings = Clause.parent_id.is_(None) if parent_id is None else Clause.parent_id == parent_id
    session.execute(
        update(Clause)
        .where(Clause.instrument_id == amendment.instrument_id, siblings, Clause.position >= position)
        .values(position=Clause.position + 1)
    )
    clause = Clause(
        instrument_id=amendment.instrument_id,
        wid=new_wid(),
        parent_id=parent_id,
        position=position,
        kind=amendment.new_clause_kind,
    )
    session.add(clause)
    session.flush()
    return clause


def _adopt(session: Session, actor: User, amendment: Amendment) -> ClauseVersion:
    if amendment.kind is AmendmentKind.insert:
        clause = _insert_clause(session, amendment)
        amendment.clause = clause
        current, seq = None, 1
    else:
        clause, current = clause_and_base(amendment)
        # Build on the version the amendment was written against, never on whatever is current by now: if
        # another amendment was adopted meanwhile, this one is outdated, and of two adopted at the same moment
        # both claim the same next number, which the database lets only one of them have.
        if current_versions(session, [clause.id])[clause.id].id != current.id:
            raise Conflict(
                Message(
                    N_(
                        "The clause changed while %(citation)s was being agreed. Nothing was adopted; "
                        "%(party)s must rebase it onto the new text."
                    ),
                    citation=amendment.citation,
                    party=amendment.party.code,
                )
            )
        seq = current.seq + 1
    version = _new_version(clause, seq, amendment)
    if amendment.kind is not AmendmentKind.delete:
        proposed = {t.language: t for t in amendment.latest.texts}
        kept = {t.language: t for t in (current.texts if current else [])}
        for language in sorted(set(proposed) | set(kept)):
            source = proposed.get(language) or kept[language]
            previous = kept.get(language)
            # A language the amendment left alone keeps its words and the version they were written in, so the
            # draft can flag it as out of date against a language revised now.
            revised_in = carried_revision(
                previous.body if previous else None,
                previous.heading if previous else None,
                previous.revised_in_seq if previous else None,
                source.body,
                source.heading,
                seq,
            )
            version.texts.append(
                ClauseText(language=language, heading=source.heading, body=source.body, revised_in_seq=revised_in)
            )
    close(amendment, transition(amendment, Action.adopt))
    session.add(version)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            N_(
                "Another amendment to this clause was adopted at the same moment. Nothing was changed; "
                "reload the page to see the clause as it now stands."
            )
        ) from exc
    audit.record(
        session,
        actor,
        "amendment.adopted",
        amendment,
        f"{amendment.citation} adopted: the clause is now at version {seq}",
        before={"version": current.seq if current else None},
        after=snapshot(amendment) | {"version": seq},
        clause_id=clause.id,
    )
    _supersede_answered(session, actor, amendment)
    return version


def _supersede_answered(session: Session, actor: User, adopted: Amendment) -> None:
    """A counter-proposal adopted settles the amendment it answered: still open, that one closes as superseded
    (an answered amendment already withdrawn, rejected or adopted stays as it is)."""
    answered = adopted.answers
    if answered is None or not superseded_by_adoption(answered.state):
        return
    before_state = answered.state
    close(answered, transition(answered, Action.supersede))
    session.flush()
    audit.record(
        session,
        actor,
        "amendment.superseded",
        answered,
        f"{answered.citation} superseded: {adopted.citation}, which answered it, was adopted",
        before={"state": before_state.value},
        after={"state": answered.state.value, "superseded_by": adopted.citation},
    )


def _awaiting_review_by(session: Session, actor: User):
    """Tabled amendments of this negotiation whose current revision has no legal review yet (under the per-party
    rule: none by a reviewer of the actor's party), leaving out any the actor wrote a word of (they may not review
    them: `proposer_ids`), as a query."""
    latest_revision = (
        select(func.max(AmendmentRevision.id))
        .where(AmendmentRevision.amendment_id == Amendment.id)
        .correlate(Amendment)
        .scalar_subquery()
    )
    reviewed_where = [Review.amendment_id == Amendment.id, Review.revision_id == latest_revision]
    if current_instrument(session).clearance_rule is clearance_rules.ClearanceRule.per_party:
        # Each party's legal office clears for its party: a review by the other party's lawyer leaves it waiting.
        reviewed_where.append(Review.reviewer_id.in_(select(User.id).where(User.party_id == actor.party_id)))
    reviewed = exists().where(*reviewed_where).correlate(Amendment)
    wrote = (
        exists()
        .where(AmendmentRevision.amendment_id == Amendment.id, AmendmentRevision.created_by_id == actor.id)
        .correlate(Amendment)
    )
    return select(Amendment).where(
        Amendment.instrument_id == current_instrument(session).id,
        Amendment.state == AmendmentState.tabled,
        ~reviewed,
        Amendment.created_by_id != actor.id,
        ~wrote,
    )


def _reviewable_by(session: Session, actor: User):
    """The legal review queue: awaiting review and reviewable now (an outdated amendment waits for its proposer
    to rebase it first, so nobody can review it)."""
    return _awaiting_review_by(session, actor).where(~outdated_condition())


OLDEST_FIRST = (Amendment.tabled_at, Amendment.id)


def pending_reviews(session: Session, actor: User) -> list[Amendment]:
    """The whole legal review queue, oldest first, without the actor's own proposals."""
    return list(session.scalars(_reviewable_by(session, actor).options(*LIST_LOADING).order_by(*OLDEST_FIRST)))


def page_of_pending_reviews(session: Session, actor: User, *, page: int, size: int) -> tuple[list[Amendment], Pages]:
    """One page of the legal review queue, oldest first, and how long the queue is."""
    return one_page(
        session, _reviewable_by(session, actor), order_by=OLDEST_FIRST, options=LIST_LOADING, page=page, size=size
    )


def waiting_for_rebase(session: Session, actor: User, *, limit: int) -> list[Amendment]:
    """Amendments that await legal review but are outdated: their proposers must rebase them first."""
    query = _awaiting_review_by(session, actor).where(outdated_condition())
    return list(session.scalars(query.options(*LIST_LOADING).order_by(*OLDEST_FIRST).limit(limit)))


def validate_decision(raw: str | None) -> ReviewDecision:
    try:
        return ReviewDecision(raw or "")
    except ValueError:
        raise ValidationFailed(N_("Choose a decision: cleared, rejected or changes requested.")) from None
