"""Amendments: propose, revise, table, withdraw, comment, and rebase onto a clause that has moved on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload, subqueryload

from ..core import permissions
from ..core.clause_kinds import ClauseKind, can_delete, insertable_kinds
from ..core.messages import N_, Message
from ..core.paging import Pages
from ..core.rebase import RebaseResult, rebase_text
from ..core.text import MAX_CLAUSE_TEXT, MAX_HEADING, MAX_NOTE
from ..core.workflow import OPEN_STATES, Action, AmendmentKind, AmendmentState, TransitionRefused, next_state
from ..models import (
    Amendment,
    AmendmentComment,
    AmendmentRevision,
    AmendmentText,
    Clause,
    ClauseVersion,
    Instrument,
    InstrumentParty,
    Party,
    User,
)
from ..models.base import utcnow
from . import audit
from .draft import current_instrument, current_versions
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from .listing import one_page

# Re-exported for the services that still import it from here (meetings, api_tokens); it lives in validation.
from .validation import clean_field as clean_field


@dataclass(frozen=True)
class RevisionSource:
    """Where a wording was read from: an uploaded Word document (services.roundtrip), and who made the change in it
    and when (its tracked change's author and date). Kept on the revision, for the party's own record."""

    file: str
    sha256: str
    author: str | None = None
    date: dt.datetime | None = None


@dataclass(frozen=True)
class TextInput:
    """What a form sends for one language: an optional heading and the body."""

    heading: str | None
    body: str | None


# Reading -------------------------------------------------------------------------------------------------------


#: What a list of amendments shows of each (its clause or insertion point, what it answers): loaded up front.
LIST_LOADING = (
    # Lists show who proposed what and where, not the words: a page that shows them loads them itself. Revisions
    # come by subquery and the clauses by join, because `selectinload` splits a list of more than 500 amendments
    # into one query per 500, and the number of queries would grow with the negotiation.
    subqueryload(Amendment.revisions).options(lazyload(AmendmentRevision.texts)),
    joinedload(Amendment.clause),
    joinedload(Amendment.insert_after),
    joinedload(Amendment.insert_parent),
    joinedload(Amendment.answers),
)


def visible_to(actor: User):
    """SQL condition: the amendments this user may see: those ever tabled, and their own party's. The same rule as
    `permissions.can_view_amendment`, for queries; it reads whether an amendment was tabled, never its state."""
    return or_(Amendment.was_tabled, Amendment.party_id == actor.party_id)


def revision_readable(actor: User):
    """SQL condition on AmendmentRevision joined to its Amendment: the same rule as
    `permissions.revisions_readable_by`: a party reads all its own revisions, the others from the tabled one on."""
    from_tabling = AmendmentRevision.seq >= func.coalesce(Amendment.tabled_seq, 0)
    if actor.party_id is None:
        return from_tabling
    return or_(Amendment.party_id == actor.party_id, from_tabling)


def get_amendment(session: Session, actor: User | None, amendment_id: int) -> Amendment:
    """The amendment, if it exists and this user may see it; a draft of the other party is 'not found'."""
    amendment = session.get(
        Amendment, amendment_id, options=[selectinload(Amendment.revisions).selectinload(AmendmentRevision.texts)]
    )
    if (
        amendment is None
        or amendment.instrument_id != current_instrument(session).id
        or not permissions.can_view_amendment(actor, amendment)
    ):
        # The other party must not learn that a draft exists: the same answer as for a missing id (or for an
        # amendment of another negotiation).
        raise NotFound(N_("There is no amendment with that number, or it is not visible to you."))
    return amendment


def open_amendments_for_clauses(session: Session, actor: User, clause_ids: list[int]) -> list[Amendment]:
    return list(
        session.scalars(
            select(Amendment)
            .where(Amendment.clause_id.in_(clause_ids), Amendment.state.in_(OPEN_STATES))
            .where(visible_to(actor))
            .options(selectinload(Amendment.revisions).selectinload(AmendmentRevision.texts))
            .order_by(Amendment.created_at, Amendment.id)
        )
    )


def is_outdated(amendment: Amendment, current: ClauseVersion | None) -> bool:
    """An open change or deletion written against a version that is no longer the clause's current one."""
    if amendment.kind is AmendmentKind.insert or not amendment.state.is_open:
        return False
    return current is None or amendment.latest.base_version_id != current.id


def superseded_by(session: Session, actor: User, amendment: Amendment) -> Amendment | None:
    """The adopted counter-proposal that settled a superseded amendment (None for any other)."""
    if amendment.state is not AmendmentState.superseded:
        return None
    return session.scalar(
        select(Amendment)
        .where(Amendment.answers_id == amendment.id, Amendment.state == AmendmentState.adopted, visible_to(actor))
        .limit(1)
    )


def comments_for(session: Session, actor: User, amendment: Amendment) -> list[AmendmentComment]:
    comments = session.scalars(
        select(AmendmentComment)
        .where(AmendmentComment.amendment_id == amendment.id)
        .order_by(AmendmentComment.created_at, AmendmentComment.id)
    )
    return [c for c in comments if permissions.can_see_comment(actor, c)]


@dataclass(frozen=True)
class AmendmentFilter:
    clause_wid: str | None = None
    party_code: str | None = None
    state: AmendmentState | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    #: Only open amendments written against a version that is no longer the clause's current one.
    outdated: bool = False


def outdated_condition():
    """SQL: the same rule as `is_outdated`, for lists: an open change or deletion whose latest revision was written
    against a version other than its clause's current one."""
    latest_base = (
        select(AmendmentRevision.base_version_id)
        .where(AmendmentRevision.amendment_id == Amendment.id)
        .order_by(AmendmentRevision.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    current_version = (
        select(ClauseVersion.id)
        .where(ClauseVersion.clause_id == Amendment.clause_id)
        .order_by(ClauseVersion.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    return and_(
        Amendment.state.in_(OPEN_STATES), Amendment.kind != AmendmentKind.insert, latest_base != current_version
    )


def _matching(session: Session, actor: User, wanted: AmendmentFilter):
    """The amendments of this negotiation this user may see that match the filter, as a query (newest first is the
    caller's order)."""
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the amendments."))
    if wanted.since and wanted.until and wanted.since > wanted.until:
        raise ValidationFailed(N_("The start date is after the end date."))
    query = select(Amendment).where(Amendment.instrument_id == current_instrument(session).id, visible_to(actor))
    if wanted.clause_wid:
        query = query.join(Clause, Clause.id == Amendment.clause_id).where(Clause.wid == wanted.clause_wid)
    if wanted.party_code:
        query = query.join(Party, Party.id == Amendment.party_id).where(Party.code == wanted.party_code.upper())
    if wanted.state is not None:
        query = query.where(Amendment.state == wanted.state)
    if wanted.outdated:
        query = query.where(outdated_condition())
    if wanted.since:
        query = query.where(Amendment.created_at >= dt.datetime.combine(wanted.since, dt.time.min, tzinfo=dt.UTC))
    if wanted.until:
        query = query.where(Amendment.created_at <= dt.datetime.combine(wanted.until, dt.time.max, tzinfo=dt.UTC))
    return query


NEWEST_FIRST = (Amendment.created_at.desc(), Amendment.id.desc())


def list_amendments(session: Session, actor: User, wanted: AmendmentFilter = AmendmentFilter()) -> list[Amendment]:
    """Every amendment this user may see that matches, newest first (for exports; pages show one page)."""
    return list(session.scalars(_matching(session, actor, wanted).options(*LIST_LOADING).order_by(*NEWEST_FIRST)))


def page_of_amendments(
    session: Session, actor: User, wanted: AmendmentFilter, *, page: int, size: int, with_texts: bool = False
) -> tuple[list[Amendment], Pages]:
    """One page of the amendments this user may see, newest first, and where it lies among all that match.

    `with_texts` loads each revision's words as well (the API returns them; the list page does not show them)."""
    loading = LIST_LOADING
    if with_texts:
        loading = (selectinload(Amendment.revisions).selectinload(AmendmentRevision.texts), *LIST_LOADING[1:])
    return one_page(
        session, _matching(session, actor, wanted), order_by=NEWEST_FIRST, options=loading, page=page, size=size
    )


# Validation ----------------------------------------------------------------------------------------------------


def _clean_texts(instrument: Instrument, kind: ClauseKind, texts: Mapping[str, TextInput]) -> dict[str, TextInput]:
    """Validate the proposed words per language. A language left empty is not proposed to change."""
    names = {lang.code: lang.name for lang in instrument.languages}
    unknown = set(texts) - set(names)
    if unknown:
        raise ValidationFailed(
            Message(N_("The instrument is not drafted in %(languages)s."), languages=", ".join(sorted(unknown)))
        )
    cleaned: dict[str, TextInput] = {}
    for lang in instrument.languages:
        given = texts.get(lang.code, TextInput(None, None))
        body = clean_field(
            given.body,
            Message(N_("The %(language)s text"), language=lang.name),
            MAX_CLAUSE_TEXT,
            required=lang.required,
        )
        heading = (
            clean_field(
                given.heading,
                Message(N_("The %(language)s heading"), language=lang.name),
                MAX_HEADING,
                required=False,
            )
            or None
        )
        if heading and kind is not ClauseKind.article:
            raise ValidationFailed(N_("Only articles have headings."))
        if heading and not body:
            raise ValidationFailed(
                Message(N_("A heading in %(language)s needs a text in %(language)s as well."), language=lang.name)
            )
        if body:
            cleaned[lang.code] = TextInput(heading, body)
    return cleaned


def _same_as_version(texts: Mapping[str, TextInput], version: ClauseVersion | None) -> bool:
    if version is None:
        return False
    for language, proposed in texts.items():
        current = version.text(language)
        if current is None or current.body != proposed.body or (current.heading or None) != proposed.heading:
            return False
    return True


def _rationale(value: str | None) -> str:
    return clean_field(value, Message(N_("The rationale")), MAX_NOTE)


# Proposing -----------------------------------------------------------------------------------------------------


def _clause(session: Session, wid: str | None) -> Clause:
    clause = session.scalar(
        select(Clause).where(Clause.instrument_id == current_instrument(session).id, Clause.wid == (wid or ""))
    )
    if clause is None:
        raise NotFound(N_("There is no clause with that identifier."))
    return clause


def _live_version(session: Session, clause: Clause) -> ClauseVersion:
    version = current_versions(session, [clause.id]).get(clause.id)
    if version is None or version.is_deleted:
        raise ValidationFailed(N_("That clause has been deleted from the draft; it cannot be amended."))
    return version


def require_proposer(actor: User) -> None:
    if not permissions.can_propose(actor, actor.party_id if actor else None):
        raise PermissionDenied(N_("Only a negotiator can propose amendments, and only for their own party."))


def _take_citation_number(session: Session, instrument_id: int, party_id: int) -> int:
    """The party's next citation number in this negotiation, taken by one atomic UPDATE ... RETURNING: two tablings
    at once wait for each other on the party's row (PostgreSQL) or the write lock (SQLite), never collide."""
    number = session.execute(
        update(InstrumentParty)
        .where(InstrumentParty.instrument_id == instrument_id, InstrumentParty.party_id == party_id)
        .values(last_citation_number=InstrumentParty.last_citation_number + 1)
        .returning(InstrumentParty.last_citation_number)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if number is None:
        raise PermissionDenied(N_("Your party does not take part in this negotiation."))
    return number


def _answered(session: Session, actor: User, answers_id: int | None, clause: Clause) -> Amendment | None:
    if answers_id is None:
        return None
    answered = get_amendment(session, actor, answers_id)
    if not permissions.can_counter(actor, answered):
        raise PermissionDenied(N_("A counter-proposal answers a tabled amendment of the other party."))
    if answered.clause_id != clause.id:
        raise ValidationFailed(N_("A counter-proposal must be to the same clause as the amendment it answers."))
    return answered


def _new_amendment(
    session: Session,
    actor: User,
    instrument: Instrument,
    kind: AmendmentKind,
    *,
    clause: Clause | None,
    base: ClauseVersion | None,
    texts: Mapping[str, TextInput],
    rationale: str,
    answers: Amendment | None = None,
    source: RevisionSource | None = None,
    **placement,
) -> Amendment:
    _refuse_duplicate(session, actor, kind, clause, texts, placement)
    amendment = Amendment(
        instrument_id=instrument.id,
        party_id=actor.party_id,
        kind=kind,
        state=AmendmentState.draft,
        clause=clause,
        answers=answers,
        created_by=actor,
        **placement,
    )
    amendment.revisions.append(_revision(1, actor, base, texts, rationale, source=source))
    session.add(amendment)
    session.flush()
    what = {
        AmendmentKind.change: "change to",
        AmendmentKind.delete: "deletion of",
        AmendmentKind.insert: "new clause in",
    }
    audit.record(
        session,
        actor,
        "amendment.proposed",
        amendment,
        f"{amendment.citation} drafted: {what[kind]} {'the draft' if clause is None else 'clause ' + clause.wid}"
        + (f", answering {answers.citation}" if answers else ""),
        after=snapshot(amendment),
        private_to_party_id=amendment.party_id,
    )
    return amendment


def _refuse_duplicate(
    session: Session,
    actor: User,
    kind: AmendmentKind,
    clause: Clause | None,
    texts: Mapping[str, TextInput],
    placement: Mapping[str, Clause | ClauseKind | None],
) -> None:
    """Refuse what the party already proposes, word for word, in an open amendment to the same place: a form sent
    twice (the back button, a double click) must not make a second amendment."""
    same_place = (
        Amendment.clause_id == clause.id
        if clause is not None
        else (Amendment.insert_parent_id == _id_of(placement.get("insert_parent")))
        & (Amendment.insert_after_id == _id_of(placement.get("insert_after")))
    )
    wanted = {language: (text.heading, text.body) for language, text in texts.items()}
    for existing in session.scalars(
        select(Amendment)
        .where(Amendment.party_id == actor.party_id, Amendment.kind == kind, Amendment.state.in_(OPEN_STATES))
        .where(Amendment.instrument_id == current_instrument(session).id, same_place)
        .options(selectinload(Amendment.revisions).selectinload(AmendmentRevision.texts))
    ):
        if {t.language: (t.heading, t.body) for t in existing.latest.texts} == wanted:
            raise ValidationFailed(
                Message(
                    N_("Your party already proposes exactly this in %(citation)s, which is still open."),
                    citation=existing.citation,
                )
            )


def _id_of(clause: Clause | ClauseKind | None) -> int | None:
    """A clause's id, or SQL NULL: `== None` in SQLAlchemy compiles to IS NULL."""
    return clause.id if isinstance(clause, Clause) else None


def clause_and_base(amendment: Amendment) -> tuple[Clause, ClauseVersion]:
    """The clause a change or a deletion amends and the version its latest revision was written against: both are
    always set for those kinds (a new clause has neither until it is adopted)."""
    clause, base = amendment.clause, amendment.latest.base_version
    if clause is None or base is None:
        raise Conflict(Message(N_("%(citation)s names no clause to change."), citation=amendment.citation))
    return clause, base


def new_clause_kind(amendment: Amendment) -> ClauseKind:
    """The kind of clause an amendment's words are for: its clause's, or the proposed new clause's."""
    kind = amendment.clause.kind if amendment.clause is not None else amendment.new_clause_kind
    if kind is None:
        raise Conflict(Message(N_("%(citation)s names no clause to change."), citation=amendment.citation))
    return kind


def _revision(
    seq: int,
    actor: User,
    base: ClauseVersion | None,
    texts: Mapping[str, TextInput],
    rationale: str,
    note: str = "",
    *,
    source: RevisionSource | None = None,
) -> AmendmentRevision:
    revision = AmendmentRevision(seq=seq, base_version=base, rationale=rationale, note=note, created_by=actor)
    if source is not None:
        revision.source_file, revision.source_sha256 = source.file, source.sha256
        revision.source_author, revision.source_date = source.author, source.date
    for language, text in texts.items():
        revision.texts.append(AmendmentText(language=language, heading=text.heading, body=text.body))
    return revision


def snapshot(amendment: Amendment) -> dict:
    latest = amendment.latest
    return {
        "citation": amendment.citation,
        "state": amendment.state.value,
        "revision": latest.seq,
        "base_version": latest.base_version.seq if latest.base_version else None,
        "texts": {t.language: {"heading": t.heading, "body": t.body} for t in latest.texts},
        "rationale": latest.rationale,
    }


def propose_change(
    session: Session,
    actor: User,
    wid: str,
    texts: Mapping[str, TextInput],
    rationale: str,
    *,
    answers_id: int | None = None,
    written_against: ClauseVersion | None = None,
    source: RevisionSource | None = None,
) -> Amendment:
    """A new wording of clause `wid`, against its current text, or against `written_against` when the words were
    written against an older version (a Word document made from an older draft, services.roundtrip): the
    amendment is then outdated from the start and the rebase takes over, nothing is applied to a text it was not
    written against."""
    require_proposer(actor)
    clause = _clause(session, wid)
    base = _live_version(session, clause)  # a clause deleted from the draft cannot be amended
    base = _written_against(clause, written_against) or base
    instrument = session.get_one(Instrument, clause.instrument_id)
    cleaned = _clean_texts(instrument, clause.kind, texts)
    if _same_as_version(cleaned, base):
        raise ValidationFailed(N_("The proposed text is identical to the current text; there is nothing to amend."))
    return _new_amendment(
        session,
        actor,
        instrument,
        AmendmentKind.change,
        clause=clause,
        base=base,
        texts=cleaned,
        rationale=_rationale(rationale),
        answers=_answered(session, actor, answers_id, clause),
        source=source,
    )


def propose_deletion(
    session: Session,
    actor: User,
    wid: str,
    rationale: str,
    *,
    answers_id: int | None = None,
    written_against: ClauseVersion | None = None,
    source: RevisionSource | None = None,
) -> Amendment:
    require_proposer(actor)
    clause = _clause(session, wid)
    if not can_delete(clause.kind):
        raise ValidationFailed(N_("The title cannot be deleted; propose a new wording instead."))
    base = _live_version(session, clause)  # a clause deleted already cannot be proposed for deletion
    base = _written_against(clause, written_against) or base
    return _new_amendment(
        session,
        actor,
        session.get_one(Instrument, clause.instrument_id),
        AmendmentKind.delete,
        clause=clause,
        base=base,
        texts={},
        rationale=_rationale(rationale),
        answers=_answered(session, actor, answers_id, clause),
        source=source,
    )


def _written_against(clause: Clause, version: ClauseVersion | None) -> ClauseVersion | None:
    """An older version of this very clause that a proposal was written against (None: the current one)."""
    if version is None:
        return None
    if version.clause_id != clause.id or version.is_deleted:
        raise ValidationFailed(N_("That text is not a version of the clause; the amendment cannot be made against it."))
    return version


def propose_insertion(
    session: Session,
    actor: User,
    *,
    parent_wid: str | None,
    after_wid: str | None,
    kind: ClauseKind,
    texts: Mapping[str, TextInput],
    rationale: str,
    source: RevisionSource | None = None,
) -> Amendment:
    """A new clause of `kind` under `parent_wid` (None: top level), right after `after_wid` (None: first)."""
    require_proposer(actor)
    instrument = current_instrument(session)
    parent = _clause(session, parent_wid) if parent_wid else None
    after = _clause(session, after_wid) if after_wid else None
    live = current_versions(session, [c.id for c in (parent, after) if c is not None])
    for anchor in (parent, after):
        if anchor is not None and (anchor.id not in live or live[anchor.id].is_deleted):
            raise ValidationFailed(N_("That position does not exist in the current draft."))
    if after is not None and after.parent_id != (parent.id if parent else None):
        raise ValidationFailed(N_("That position does not exist: the clause to insert after has another parent."))
    if kind is ClauseKind.title:
        raise ValidationFailed(N_("The instrument has one title; propose a new wording of it instead."))
    if kind not in insertable_kinds(parent.kind if parent else None):
        if parent is None:
            raise ValidationFailed(Message(N_("A new %(kind)s cannot be inserted at the top level."), kind=kind.label))
        raise ValidationFailed(
            Message(N_("A new %(kind)s cannot be inserted in a %(parent)s."), kind=kind.label, parent=parent.kind.label)
        )
    return _new_amendment(
        session,
        actor,
        instrument,
        AmendmentKind.insert,
        clause=None,
        base=None,
        texts=_clean_texts(instrument, kind, texts),
        rationale=_rationale(rationale),
        insert_parent=parent,
        insert_after=after,
        new_clause_kind=kind,
        source=source,
    )


# Acting on an amendment ----------------------------------------------------------------------------------------


def transition(amendment: Amendment, action: Action) -> AmendmentState:
    try:
        return next_state(amendment.state, action)
    except TransitionRefused as exc:
        raise Conflict(exc.args[0]) from exc


def close(amendment: Amendment, state: AmendmentState) -> None:
    """End an amendment's life: withdrawn, rejected or adopted."""
    amendment.state = state
    amendment.closed_at = utcnow()
    touch(amendment)


def touch(amendment: Amendment) -> None:
    """Mark the amendment as acted on. The UPDATE carries its lock_version, so of two people acting on the same
    amendment at once, the second is refused (StaleDataError, answered with 409) instead of both winning."""
    amendment.updated_at = utcnow()


def require_editor(actor: User, amendment: Amendment, action: Action) -> AmendmentState:
    """Revise, rebase, table or withdraw: the proposing party's negotiators, while the state allows the action
    (`permissions.can_edit_amendment`). Pages and the API ask this before showing a form, so the refusal reads the
    same everywhere. Returns the state after the action."""
    if not permissions.is_negotiator_for(actor, amendment.party_id):
        raise PermissionDenied(
            Message(
                N_("%(citation)s can be %(action)s only by the negotiators of %(party)s."),
                party=amendment.party.name,
                citation=amendment.citation,
                action=Message.word("verb", action.verb),
            )
        )
    return transition(amendment, action)


def expect_revision(amendment: Amendment, expected_revision: int | None) -> None:
    """Refuse to act on a wording other than the one the user saw."""
    if expected_revision is not None and amendment.latest.seq != expected_revision:
        raise Conflict(
            Message(
                N_(
                    "%(citation)s was revised while you were reading it (it is now at revision %(seq)s). "
                    "Reload the page, read the new wording, and try again."
                ),
                citation=amendment.citation,
                seq=amendment.latest.seq,
            )
        )


def revise(
    session: Session,
    actor: User,
    amendment_id: int,
    *,
    texts: Mapping[str, TextInput],
    rationale: str,
    note: str = "",
    expected_revision: int | None = None,
    onto_version_id: int | None = None,
) -> Amendment:
    """A new wording. An outdated change or deletion is revised against the clause's current text: the user has
    read it (`onto_version_id`), and the amendment is an ordinary open one again, no rebase needed."""
    amendment = get_amendment(session, actor, amendment_id)
    require_editor(actor, amendment, Action.revise)
    expect_revision(amendment, expected_revision)
    latest = amendment.latest
    base = _base_for_revision(session, amendment, onto_version_id)
    if amendment.kind is AmendmentKind.delete:
        cleaned: dict[str, TextInput] = {}
    else:
        cleaned = _clean_texts(session.get_one(Instrument, amendment.instrument_id), new_clause_kind(amendment), texts)
    rationale = _rationale(rationale)
    unchanged = rationale == latest.rationale and cleaned == {
        t.language: TextInput(t.heading, t.body) for t in latest.texts
    }
    if unchanged:
        raise ValidationFailed(N_("Nothing was changed: the wording and the rationale are as in the last revision."))
    if amendment.kind is AmendmentKind.change and _same_as_version(cleaned, base):
        raise ValidationFailed(
            N_("The revised text is identical to the clause's text; withdraw the amendment instead.")
        )
    note = clean_field(note, Message(N_("The note")), MAX_NOTE, False)
    if base is not None and base is not latest.base_version and not note:
        note = f"Revised against version {base.seq}"
    before = snapshot(amendment)
    touch(amendment)
    amendment.revisions.append(_revision(latest.seq + 1, actor, base, cleaned, rationale, note))
    session.flush()
    audit.record(
        session,
        actor,
        "amendment.revised",
        amendment,
        f"{amendment.citation} revised (revision {latest.seq + 1})",
        before=before,
        after=snapshot(amendment),
        private_to_party_id=None if amendment.was_tabled else amendment.party_id,
    )
    return amendment


def _base_for_revision(session: Session, amendment: Amendment, onto_version_id: int | None) -> ClauseVersion | None:
    """What a new revision is written against: the clause's current version. An amendment that is outdated moves
    onto it only when the user read that very version (`onto_version_id`); otherwise the revision is refused."""
    if amendment.kind is AmendmentKind.insert:
        return None
    clause, written_on = clause_and_base(amendment)
    current = _live_version(session, clause)
    if current.id == written_on.id:
        return written_on
    if onto_version_id != current.id:
        raise Conflict(
            Message(
                N_(
                    "%(citation)s was written against version %(old)s of the clause, which is now at version %(new)s. "
                    "Read the current text, then revise the amendment against it."
                ),
                citation=amendment.citation,
                old=written_on.seq,
                new=current.seq,
            )
        )
    return current


def table(
    session: Session,
    actor: User,
    amendment_id: int,
    *,
    expected_revision: int | None = None,
    reply_by: dt.date | None = None,
) -> Amendment:
    """Put the amendment to the other party, with the day by which it should answer (`reply_by`; the next
    meeting's default when not given, services.deadlines)."""
    from . import deadlines

    amendment = get_amendment(session, actor, amendment_id)
    new_state = require_editor(actor, amendment, Action.table)
    expect_revision(amendment, expected_revision)
    if amendment.clause is not None:
        _live_version(session, amendment.clause)
    amendment.state = new_state
    amendment.number = _take_citation_number(session, amendment.instrument_id, amendment.party_id)
    amendment.tabled_at = utcnow()
    amendment.tabled_seq = amendment.latest.seq
    deadlines.on_tabled(session, amendment, reply_by)
    touch(amendment)
    session.flush()
    audit.record(
        session,
        actor,
        "amendment.tabled",
        amendment,
        f"{amendment.citation} tabled to the other party"
        + (
            f", after the deadline for written proposals to the {amendment.late_for.name}" if amendment.late_for else ""
        ),
        before={"state": "draft"},
        after={
            **snapshot(amendment),
            "reply_by": amendment.reply_by.isoformat() if amendment.reply_by else None,
            **({"late_for": amendment.late_for.code} if amendment.late_for else {}),
        },
    )
    return amendment


def withdraw(session: Session, actor: User, amendment_id: int, *, expected_revision: int | None = None) -> Amendment:
    amendment = get_amendment(session, actor, amendment_id)
    before_state = amendment.state
    new_state = require_editor(actor, amendment, Action.withdraw)
    expect_revision(amendment, expected_revision)
    close(amendment, new_state)
    session.flush()
    audit.record(
        session,
        actor,
        "amendment.withdrawn",
        amendment,
        f"{amendment.citation} withdrawn",
        before={"state": before_state.value},
        after={"state": amendment.state.value},
        private_to_party_id=None if amendment.was_tabled else amendment.party_id,
    )
    return amendment


def add_comment(session: Session, actor: User, amendment_id: int, body: str, *, internal: bool) -> AmendmentComment:
    amendment = get_amendment(session, actor, amendment_id)
    if not permissions.can_comment(actor, amendment, internal=internal):
        raise PermissionDenied(N_("An internal note needs a party: you can only add a shared comment."))
    transition(amendment, Action.comment)
    # A note on an amendment never tabled stays inside the party, whatever box was ticked.
    internal = internal or not amendment.was_tabled
    comment = AmendmentComment(
        amendment_id=amendment.id,
        author=actor,
        party_id=actor.party_id,
        internal=internal,
        body=clean_field(body, Message(N_("The comment")), MAX_NOTE),
    )
    session.add(comment)
    session.flush()
    audit.record(
        session,
        actor,
        "amendment.commented",
        amendment,
        f"{'Internal note' if internal else 'Comment'} on {amendment.citation}",
        private_to_party_id=actor.party_id if internal else None,
    )
    return comment


# Rebase --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RebasePlan:
    amendment: Amendment
    old_base: ClauseVersion
    new_base: ClauseVersion
    #: Per language: the reapplied proposal, or the conflict to show.
    results: dict[str, RebaseResult]

    @property
    def clean(self) -> bool:
        return not self.new_base.is_deleted and all(r.clean for r in self.results.values())

    @property
    def clause_deleted(self) -> bool:
        return self.new_base.is_deleted


def plan_rebase(session: Session, actor: User, amendment_id: int) -> RebasePlan:
    """Reapply the amendment's change onto the clause's current text, per language. Changes nothing."""
    amendment = get_amendment(session, actor, amendment_id)
    require_editor(actor, amendment, Action.rebase)
    if amendment.kind is AmendmentKind.insert:
        raise Conflict(N_("A new clause is not written against a version of another clause; it needs no rebase."))
    clause, written_on = clause_and_base(amendment)
    current = current_versions(session, [clause.id])[clause.id]
    latest = amendment.latest
    if current.id == written_on.id:
        raise Conflict(
            Message(
                N_("%(citation)s is written against the current text already; it needs no rebase."),
                citation=amendment.citation,
            )
        )
    results = {}
    if not current.is_deleted:
        for text in latest.texts:
            base_text = written_on.text(text.language)
            now_text = current.text(text.language)
            results[text.language] = rebase_text(
                base_text.body if base_text else "", text.body, now_text.body if now_text else ""
            )
    return RebasePlan(amendment, written_on, current, results)


def confirm_rebase(
    session: Session, actor: User, amendment_id: int, *, onto_version_id: int | None, expected_revision: int | None
) -> Amendment:
    """Save the reapplied wording as a new revision against `onto_version_id`, the version the user reviewed."""
    plan = plan_rebase(session, actor, amendment_id)
    amendment = plan.amendment
    expect_revision(amendment, expected_revision)
    if plan.new_base.id != onto_version_id:
        raise Conflict(N_("The clause changed again while you were reviewing the rebase. Review the new result."))
    if plan.clause_deleted:
        raise Conflict(N_("The clause has been deleted from the draft; there is no text to rebase onto."))
    if not plan.clean:
        raise Conflict(N_("Part of the amendment does not apply to the new text. Revise it by hand instead."))
    latest = amendment.latest
    texts = {
        lang: TextInput(written.heading if (written := latest.text(lang)) else None, result.text)
        for lang, result in plan.results.items()
    }
    if _same_as_version(texts, plan.new_base):
        raise Conflict(N_("The new text of the clause already says what the amendment proposed; withdraw it instead."))
    before = snapshot(amendment)
    touch(amendment)
    amendment.revisions.append(
        _revision(
            latest.seq + 1, actor, plan.new_base, texts, latest.rationale, f"Rebased onto version {plan.new_base.seq}"
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        "amendment.rebased",
        amendment,
        f"{amendment.citation} rebased onto version {plan.new_base.seq} of its clause",
        before=before,
        after=snapshot(amendment),
        private_to_party_id=None if amendment.was_tabled else amendment.party_id,
    )
    return amendment
