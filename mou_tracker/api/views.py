"""The /api/v1 operations. Each calls the same services as the web pages: permissions and rules live there."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from flask import Response, current_app, g, jsonify, request
from pydantic import Field
from sqlalchemy import select

from ..core import permissions
from ..core.clearance import review_lapsed
from ..core.redline import Op, Redline, render_inline
from ..core.workflow import AmendmentKind
from ..extensions import db
from ..models import Amendment, Clause, ClauseVersion, Milestone
from ..models.base import utcnow
from ..services import agreement, audit_trail, meetings, negotiations, reports
from ..services import amendments as amendment_service
from ..services import draft as draft_service
from ..services import redlines as redline_service
from ..services import word_credits as word_credit_service
from ..services.amendments import TextInput
from ..services.errors import NotFound
from ..services.standing import standings
from ..web import page_cache
from ..web import reports as report_pages
from . import schemas as s
from .framework import (
    ApiProblem,
    Link,
    OperationOptions,
    SharedOptions,
    actor,
    etag_of,
    negotiation,
    operation,
    require_match,
    scoped_url,
)

AMENDMENT_ID: dict[str, type] = {"amendment_id": int}
MILESTONE_CODE: dict[str, type] = {"code": str}
THIS_AMENDMENT = {"amendment_id": "$request.path.amendment_id"}
IF_MATCH = {"header.If-Match": "$response.header.ETag"}


def _amendment_links(source: str) -> dict[str, Link]:
    """From an answer holding an amendment (`$response.body#/id`): where a client takes it next."""
    ident = {"amendment_id": f"{source}#/id"}
    return {
        "GetAmendment": Link("get_amendment", ident, "The amendment, with its revisions, reviews and answers"),
        "AmendmentRedline": Link("amendment_redline", ident, "Its redline against the clause"),
        "ListComments": Link("list_comments", ident, "Its discussion"),
        "TableAmendment": Link("table", ident | IF_MATCH, "Table the draft to the other party"),
        "WithdrawAmendment": Link("withdraw", ident | IF_MATCH, "Withdraw it"),
    }


def _known_party(code: str | None) -> None:
    """A filter on a party that does not take part in this negotiation is a mistake, not an empty list."""
    if code is not None and code.upper() not in {party.code for party in negotiation().parties}:
        raise ApiProblem(
            422,
            f"No party with the code {code!r} takes part in this negotiation.",
            errors=[s.FieldProblem(field="query.party", message="unknown party")],
        )


# Serialising ------------------------------------------------------------------------------------------------------


def _texts(source) -> dict[str, s.TextOut]:
    return {t.language: s.TextOut(heading=t.heading, body=t.body) for t in source.texts} if source else {}


def _amendment(a: Amendment) -> dict:
    latest = a.latest
    insertion = None
    if a.new_clause_kind is not None:
        insertion = s.InsertionPointOut(
            parent_wid=a.insert_parent.wid if a.insert_parent else None,
            after_wid=a.insert_after.wid if a.insert_after else None,
            clause_kind=a.new_clause_kind,
        )
    return {
        "id": a.id,
        "citation": str(a.citation),
        "party": a.party.code,
        "kind": a.kind,
        "state": a.state,
        "clause_wid": a.clause.wid if a.clause else None,
        "insertion": insertion,
        "answers_id": a.answers_id,
        "revision": latest.seq,
        "rationale": latest.rationale,
        "texts": _texts(latest),
        "created_at": a.created_at,
        "tabled_at": a.tabled_at,
        "closed_at": a.closed_at,
        "rejection_reason": a.rejection_reason,
    }


def _amendment_detail(a: Amendment) -> s.AmendmentDetailOut:
    seq = {r.id: r.seq for r in a.revisions}
    return s.AmendmentDetailOut(
        **_amendment(a),
        revisions=[
            s.RevisionOut(
                seq=r.seq,
                created_at=r.created_at,
                created_by=r.created_by.display_name,
                base_version=r.base_version.seq if r.base_version else None,
                rationale=r.rationale,
                note=r.note,
                texts=_texts(r),
            )
            for r in permissions.revisions_readable_by(actor(), a)
        ],
        reviews=[
            s.ReviewOut(
                id=r.id,
                revision=seq[r.revision_id],
                decision=r.decision,
                comment=r.comment,
                reviewer=r.reviewer.display_name,
                created_at=r.created_at,
                lapsed=review_lapsed(r.revision_id, a.latest.id),
            )
            for r in agreement.reviews_of(db.session, a)
        ],
        responses=[
            s.ResponseOut(
                party=r.party.code,
                kind=r.kind,
                reason=r.reason,
                revision=seq[r.revision_id],
                created_at=r.created_at,
                by=r.user.display_name,
            )
            for r in agreement.responses_of(db.session, a)
        ],
    )


def _amendment_answer(a: Amendment, *, created: bool = False):
    db.session.flush()  # the ETag must carry the lock_version this request wrote
    headers = {"ETag": f'"{etag_of("amendment", a)}"'}
    if created:
        headers["Location"] = scoped_url("get_amendment", amendment_id=a.id)
    return _amendment_detail(a), headers


def _milestone(m: Milestone) -> dict:
    return {
        "code": m.code,
        "name": m.name,
        "body": m.body,
        "date": m.date,
        "position": m.position,
        "state": m.state,
        "frozen_at": m.frozen_at,
        "concluded_at": m.concluded_at,
        "result": m.result,
        "result_note": m.result_note,
    }


def _milestone_answer(m: Milestone):
    db.session.flush()
    frozen = meetings.snapshot(db.session, m)
    recorded = meetings.outcomes(db.session, m)
    wids = dict(
        db.session.execute(select(Clause.id, Clause.wid).where(Clause.id.in_([*frozen, *recorded]))).tuples().all()
    )
    detail = s.MilestoneDetailOut(
        **_milestone(m),
        snapshot=[s.FrozenClauseOut(clause_wid=wids[cid], version=v.seq) for cid, v in sorted(frozen.items())],
        outcomes=[
            s.OutcomeOut(
                clause_wid=wids[cid],
                outcome=o.outcome,
                reserved_by=o.reserved_by,
                note=o.note,
                recorded_at=o.recorded_at,
            )
            for cid, o in sorted(recorded.items())
        ],
    )
    return detail, {"ETag": f'"{etag_of("milestone", m)}"'}


class _ListAnswer(list):
    """A JSON array answer (pydantic serialises a list of models through a type adapter)."""

    def model_dump(self, mode: str = "json") -> list:
        return [item.model_dump(mode=mode) for item in self]


def _page(items: list, query: s.Paging, total: int) -> dict:
    return {"items": items, "page": query.page, "per_page": query.per_page, "total": total}


def _offset(query: s.Paging) -> int:
    return (query.page - 1) * query.per_page


# The document -----------------------------------------------------------------------------------------------------


@operation(
    "GET",
    "/openapi.json",
    summary="This API's OpenAPI 3.1 document",
    tag="Meta",
    public=True,
    scoped=False,
    response=dict,
)
def openapi_document():
    from .openapi import build_document

    return jsonify(build_document(current_app))


# The negotiations -------------------------------------------------------------------------------------------------


@operation(
    "GET",
    "/negotiations",
    summary="The negotiations you may open, oldest first, each with its state at a glance",
    tag="Negotiations",
    scoped=False,
    response=list[s.NegotiationOut],
    links={"GetInstrument": Link("get_instrument", {"negotiation": "$response.body#/0/slug"}, "The first one")},
)
def list_negotiations():
    """Every other operation lives under /api/v1/negotiations/{slug}/ of one of these."""
    return _ListAnswer([_negotiation(summary) for summary in negotiations.negotiations_of(db.session, actor())])


def _negotiation(summary: negotiations.NegotiationSummary) -> s.NegotiationOut:
    instrument, meeting = summary.instrument, summary.next_meeting
    return s.NegotiationOut(
        slug=instrument.slug,
        title=instrument.title,
        short_title=instrument.short_title,
        parties=[party.code for party in instrument.parties],
        languages=[
            s.NegotiationLanguageOut(code=lang.code, name=lang.name, authoritative=lang.required)
            for lang in instrument.languages
        ],
        clauses=summary.clauses,
        open_amendments=summary.open_amendments,
        next_meeting=s.NextMeetingOut(code=meeting.code, name=meeting.name, date=meeting.date, state=meeting.state)
        if meeting is not None
        else None,
    )


# Reading ----------------------------------------------------------------------------------------------------------


@operation("GET", "/instrument", summary="The instrument under negotiation", tag="Draft", response=s.InstrumentOut)
def get_instrument():
    instrument = negotiation()
    return s.InstrumentOut(
        slug=instrument.slug,
        title=instrument.title,
        short_title=instrument.short_title,
        languages=[
            s.LanguageOut(code=lang.code, name=lang.name, required=lang.required) for lang in instrument.languages
        ],
        parties=[s.PartyOut(code=p.code, name=p.name) for p in instrument.parties],
    )


@operation(
    "GET",
    "/clauses",
    summary="The current draft, clause by clause, in reading order",
    tag="Draft",
    query=s.ClauseQuery,
    response=s.Page[s.ClauseOut],
    links={"GetClause": Link("get_clause", {"wid": "$response.body#/items/0/wid"}, "The page's first clause")},
)
def list_clauses(query: s.ClauseQuery):
    instrument = draft_service.current_instrument(db.session)
    draft = draft_service.draft_as_of(db.session, actor(), instrument)
    standing = standings(db.session, actor(), instrument)
    wids = {item.clause.id: item.clause.wid for item in draft}
    rows = [
        s.ClauseOut(
            wid=item.clause.wid,
            citation=item.citation,
            kind=item.kind,
            parent_wid=wids.get(item.clause.parent_id) if item.clause.parent_id is not None else None,
            depth=item.depth,
            version=item.version.seq,
            status=standing[item.clause.id].status,
            next_step=_next_step(standing[item.clause.id]),
            open_amendments=[a.citation for a, _ in standing[item.clause.id].open_amendments],
            open_brackets=standing[item.clause.id].open_brackets,
            texts=_texts(item.version),
        )
        for item in draft
        if (query.status is None or standing[item.clause.id].status is query.status)
        and (query.kind is None or item.kind is query.kind)
    ]
    start = _offset(query)
    return s.Page[s.ClauseOut](**_page(rows[start : start + query.per_page], query, len(rows)))


def _next_step(standing) -> str:
    steps = [f"{a.citation}: {step}" for a, step in standing.open_amendments]
    if standing.reservation is not None:
        steps.append(f"Reservation by {standing.reservation.reserved_by}")
    return "; ".join(steps) or "Nothing pending"


@operation(
    "GET",
    "/clauses/{wid}",
    summary="One clause with every version of its text",
    tag="Draft",
    path_params={"wid": str},
    response=s.ClauseDetailOut,
    links={"ClauseRedline": Link("clause_versions_redline", {"wid": "$response.body#/wid"}, "Its last change")},
)
def get_clause(wid: str):
    history = draft_service.clause_history(db.session, actor(), wid)
    return s.ClauseDetailOut(
        wid=history.clause.wid,
        kind=history.clause.kind,
        citation=history.current.citation if history.current else None,
        versions=[_version(v) for v in history.versions],
    )


def _version(v: ClauseVersion) -> s.ClauseVersionOut:
    return s.ClauseVersionOut(
        seq=v.seq,
        created_at=v.created_at,
        created_by=v.created_by.display_name if v.created_by else None,
        reason=v.reason,
        deleted=v.is_deleted,
        amendment_id=v.amendment_id,
        texts=_texts(v),
    )


@operation(
    "GET",
    "/amendments",
    summary="Amendments you may see, newest first",
    tag="Amendments",
    query=s.AmendmentQuery,
    response=s.Page[s.AmendmentOut],
)
def list_amendments(query: s.AmendmentQuery):
    _known_party(query.party)
    wanted = amendment_service.AmendmentFilter(
        clause_wid=query.clause, party_code=query.party, state=query.state, since=query.since, until=query.until
    )
    rows, pages = amendment_service.page_of_amendments(
        db.session, actor(), wanted, page=query.page, size=query.per_page, with_texts=True
    )
    return s.Page[s.AmendmentOut](**_page([s.AmendmentOut(**_amendment(a)) for a in rows], query, pages.total))


@operation(
    "GET",
    "/amendments/{amendment_id}",
    summary="One amendment with its revisions, reviews and answers",
    tag="Amendments",
    path_params=AMENDMENT_ID,
    response=s.AmendmentDetailOut,
    etag=True,
    links={
        **_amendment_links("$response.body"),
        "PlanRebase": Link("plan_rebase", THIS_AMENDMENT, "What a rebase onto the clause's current text would give"),
        "Concur": Link("concur", THIS_AMENDMENT | IF_MATCH, "Concur with the other party's amendment"),
    },
)
def get_amendment(amendment_id: int):
    return _amendment_answer(amendment_service.get_amendment(db.session, actor(), amendment_id))


@operation(
    "GET",
    "/reviews/pending",
    summary="Your legal review queue: tabled amendments awaiting review, oldest first",
    tag="Review",
    query=s.Paging,
    response=s.Page[s.AmendmentOut],
)
def pending_reviews(query: s.Paging):
    rows, pages = agreement.page_of_pending_reviews(db.session, actor(), page=query.page, size=query.per_page)
    return s.Page[s.AmendmentOut](**_page([s.AmendmentOut(**_amendment(a)) for a in rows], query, pages.total))


@operation("GET", "/milestones", summary="The meetings, in order", tag="Meetings", response=list[s.MilestoneOut])
def list_milestones():
    return _ListAnswer([s.MilestoneOut(**_milestone(m)) for m in meetings.milestones(db.session)])


@operation(
    "GET",
    "/milestones/{code}",
    summary="One meeting: its frozen draft and the outcomes recorded",
    tag="Meetings",
    path_params=MILESTONE_CODE,
    response=s.MilestoneDetailOut,
    etag=True,
)
def get_milestone(code: str):
    return _milestone_answer(meetings.get_milestone(db.session, code))


@operation("GET", "/status", summary="The chairs' status report", tag="Reports", response=s.StatusReportOut)
def status_report():
    report = reports.status_report(db.session, actor(), draft_service.current_instrument(db.session))
    return s.StatusReportOut(
        generated_at=report.generated_at,
        counts={status.value: n for status, n in report.counts.items()},
        ready=report.ready,
        total=len(report.rows),
        next_meeting=report.next_meeting.code if report.next_meeting else None,
        clauses=[
            s.StatusClauseOut(
                wid=row.item.clause.wid,
                citation=row.item.citation,
                status=row.standing.status,
                next_step=_next_step(row.standing),
                open_amendments=[a.citation for a, _ in row.standing.open_amendments],
                days_open=row.age_days,
            )
            for row in report.rows
        ],
    )


@operation(
    "GET",
    "/audit",
    summary="The audit trail you may read, newest first",
    tag="Reports",
    query=s.AuditQuery,
    response=s.Page[s.AuditEventOut],
)
def list_audit_events(query: s.AuditQuery):
    _known_party(query.party)
    wanted = audit_trail.AuditFilter(
        clause_wid=query.clause, party_code=query.party, kind=query.kind, date_from=query.since, date_to=query.until
    )
    rows, pages = audit_trail.page_of_events(db.session, actor(), wanted, page=query.page, size=query.per_page)
    wids = audit_trail.clause_wids(db.session, rows)
    items = [
        s.AuditEventOut(
            id=e.id,
            occurred_at=e.occurred_at,
            actor=e.actor.login if e.actor else None,
            kind=e.kind,
            subject_type=e.subject_type,
            subject_id=e.subject_id,
            clause_wid=wids.get(e.clause_id) if e.clause_id else None,
            summary=e.summary,
        )
        for e in rows
    ]
    return s.Page[s.AuditEventOut](**_page(items, query, pages.total))


# Amendments: writing ----------------------------------------------------------------------------------------------


def _inputs(texts: Mapping[str, s.NewTextIn]) -> dict[str, TextInput]:
    return {lang: TextInput(t.heading, t.body) for lang, t in texts.items()}


class _Worded(Protocol):
    """A clause's or an amendment's words in one language, as stored."""

    @property
    def heading(self) -> str | None: ...

    @property
    def body(self) -> str: ...


def _merged(
    texts: Mapping[str, s.TextIn], start: Callable[[str], _Worded | None], keep: list[str]
) -> dict[str, TextInput]:
    """A partial update of wording: what the request leaves out stays as `start(language)` has it.

    A field left out of a language keeps its value; an explicit `"heading": null` removes the heading. The
    languages in `keep` come along unchanged when the request leaves them out entirely."""
    merged: dict[str, TextInput] = {}
    for language in keep:
        if language not in texts and (current := start(language)) is not None:
            merged[language] = TextInput(current.heading, current.body)
    for language, given in texts.items():
        current = start(language)
        sent = given.model_fields_set
        merged[language] = TextInput(
            given.heading if "heading" in sent else (current.heading if current is not None else None),
            given.body if "body" in sent else (current.body if current is not None else None),
        )
    return merged


def _current_words(wid: str) -> Callable[[str], _Worded | None]:
    """The clause's current words per language (nothing when the clause is unknown or deleted: the service says)."""
    try:
        history = draft_service.clause_history(db.session, actor(), wid)
    except NotFound:
        return lambda language: None
    version = history.current.version if history.current else None
    return lambda language: version.text(language) if version is not None else None


@operation(
    "POST",
    "/amendments",
    summary="Propose an amendment for your party: a change, a deletion or an insertion",
    tag="Amendments",
    body=s.ProposalIn,
    response=s.AmendmentDetailOut,
    status=201,
    etag=True,
    links=_amendment_links("$response.body"),
)
def propose(body: s.ProposalIn):
    """The amendment starts as a draft that only your party sees; table it to show it to the other side.

    A change is a partial update of the clause's current text: a language, a heading or a body left out stays as
    the clause has it (sending only a body keeps the heading); `"heading": null` proposes to remove the heading."""
    proposal = body.root
    if isinstance(proposal, s.ChangeIn):
        required = [lang.code for lang in negotiation().languages if lang.required]
        amendment = amendment_service.propose_change(
            db.session,
            actor(),
            proposal.clause,
            _merged(proposal.texts, _current_words(proposal.clause), required),
            proposal.rationale,
            answers_id=proposal.answers_id,
        )
    elif isinstance(proposal, s.DeletionIn):
        amendment = amendment_service.propose_deletion(
            db.session, actor(), proposal.clause, proposal.rationale, answers_id=proposal.answers_id
        )
    else:
        amendment = amendment_service.propose_insertion(
            db.session,
            actor(),
            parent_wid=proposal.parent,
            after_wid=proposal.after,
            kind=proposal.clause_kind,
            texts=_inputs(proposal.texts),
            rationale=proposal.rationale,
        )
    return _amendment_answer(amendment, created=True)


def _matched_amendment(amendment_id: int) -> Amendment:
    amendment = amendment_service.get_amendment(db.session, actor(), amendment_id)
    require_match(etag_of("amendment", amendment))
    return amendment


AMENDMENT_WRITE = OperationOptions(
    tag="Amendments",
    path_params=AMENDMENT_ID,
    response=s.AmendmentDetailOut,
    etag=True,
    if_match=True,
    links=_amendment_links("$response.body"),
)


@operation(
    "POST",
    "/amendments/{amendment_id}/revisions",
    summary="Revise your party's open amendment",
    body=s.RevisionIn,
    **AMENDMENT_WRITE,
)
def revise(amendment_id: int, body: s.RevisionIn):
    """A partial update of the latest revision: a language, heading, body or rationale left out stays as it is;
    `"heading": null` removes the heading."""
    amendment = _matched_amendment(amendment_id)
    latest = amendment.latest
    clause_words = (
        _current_words(amendment.clause.wid)
        if amendment.kind is AmendmentKind.change and amendment.clause
        else lambda language: None
    )
    texts = _merged(
        body.texts,
        lambda language: latest.text(language) or clause_words(language),
        [text.language for text in latest.texts],
    )
    rationale = body.rationale if "rationale" in body.model_fields_set else latest.rationale
    amendment = amendment_service.revise(
        db.session, actor(), amendment_id, texts=texts, rationale=rationale, note=body.note
    )
    return _amendment_answer(amendment)


@operation(
    "POST", "/amendments/{amendment_id}/table", summary="Table a draft amendment to the other party", **AMENDMENT_WRITE
)
def table(amendment_id: int):
    _matched_amendment(amendment_id)
    return _amendment_answer(amendment_service.table(db.session, actor(), amendment_id))


@operation(
    "POST", "/amendments/{amendment_id}/withdraw", summary="Withdraw your party's open amendment", **AMENDMENT_WRITE
)
def withdraw(amendment_id: int):
    _matched_amendment(amendment_id)
    return _amendment_answer(amendment_service.withdraw(db.session, actor(), amendment_id))


@operation(
    "POST",
    "/amendments/{amendment_id}/concur",
    summary="Concur, for your party, with the other party's amendment",
    **AMENDMENT_WRITE,
)
def concur(amendment_id: int):
    """Once the other party has concurred and legal review has cleared it, the amendment enters the draft."""
    amendment = _matched_amendment(amendment_id)
    return _amendment_answer(
        agreement.concur(db.session, actor(), amendment_id, expected_revision=amendment.latest.seq)
    )


@operation(
    "POST",
    "/amendments/{amendment_id}/reject",
    summary="Reject, for your party, the other party's amendment",
    body=s.RejectionIn,
    **AMENDMENT_WRITE,
)
def reject(amendment_id: int, body: s.RejectionIn):
    amendment = _matched_amendment(amendment_id)
    return _amendment_answer(
        agreement.reject(db.session, actor(), amendment_id, reason=body.reason, expected_revision=amendment.latest.seq)
    )


@operation(
    "POST",
    "/amendments/{amendment_id}/reviews",
    summary="Legal review: clear, reject, or request changes to the amendment's current revision",
    body=s.ReviewIn,
    **AMENDMENT_WRITE,
)
def review(amendment_id: int, body: s.ReviewIn):
    amendment = _matched_amendment(amendment_id)
    agreement.review(
        db.session,
        actor(),
        amendment_id,
        decision=body.decision,
        comment=body.comment,
        expected_revision=amendment.latest.seq,
    )
    return _amendment_answer(amendment)


# Meetings: writing ------------------------------------------------------------------------------------------------


def _matched_milestone(code: str) -> Milestone:
    milestone = meetings.get_milestone(db.session, code)
    require_match(etag_of("milestone", milestone))
    return milestone


MILESTONE_WRITE = SharedOptions(tag="Meetings", response=s.MilestoneDetailOut, etag=True, if_match=True)


@operation(
    "PATCH",
    "/milestones/{code}",
    summary="Rename or re-date a meeting (chairs); a field left out stays as it is",
    path_params=MILESTONE_CODE,
    body=s.MilestoneEditIn,
    **MILESTONE_WRITE,
)
def edit_milestone(code: str, body: s.MilestoneEditIn):
    milestone = _matched_milestone(code)
    sent = body.model_fields_set  # a field left out is unchanged; only an explicit null removes the date
    name = body.name if "name" in sent else milestone.name
    date = body.date if "date" in sent else milestone.date
    return _milestone_answer(meetings.edit(db.session, actor(), code, name=name, date=date))


@operation(
    "POST",
    "/milestones/{code}/freeze",
    summary="Freeze the current draft for the meeting (chairs)",
    path_params=MILESTONE_CODE,
    **MILESTONE_WRITE,
)
def freeze(code: str):
    _matched_milestone(code)
    return _milestone_answer(meetings.freeze(db.session, actor(), code))


@operation(
    "PUT",
    "/milestones/{code}/outcomes/{wid}",
    summary="Record the meeting's outcome for one clause (chairs)",
    path_params={"code": str, "wid": str},
    body=s.OutcomeIn,
    **MILESTONE_WRITE,
)
def record_outcome(code: str, wid: str, body: s.OutcomeIn):
    milestone = _matched_milestone(code)
    meetings.record_outcome(
        db.session,
        actor(),
        code,
        wid,
        outcome=body.outcome,
        reserved_by=body.reserved_by,
        note=body.note,
        confirm_brackets=body.confirm_brackets,
    )
    return _milestone_answer(milestone)


@operation(
    "POST",
    "/milestones/{code}/conclude",
    summary="Conclude the meeting with its result (chairs)",
    path_params=MILESTONE_CODE,
    body=s.ConclusionIn,
    **MILESTONE_WRITE,
)
def conclude(code: str, body: s.ConclusionIn):
    _matched_milestone(code)
    return _milestone_answer(meetings.conclude(db.session, actor(), code, result=body.result, note=body.note))


# Redlines ---------------------------------------------------------------------------------------------------------


def _redline(redline: Redline) -> s.RedlineOut:
    party = redline.author or None
    return s.RedlineOut(
        runs=[
            s.RunOut(op=segment.op.name, text=segment.text, party=None if segment.op is Op.equal else party)
            for segment in redline.segments
        ],
        html=render_inline(redline),
        changed=redline.has_changes,
    )


def _languages(redlines: list[redline_service.LanguageRedline]) -> list[s.LanguageRedlineOut]:
    return [
        s.LanguageRedlineOut(
            language=r.language, heading=_redline(r.heading) if r.heading else None, body=_redline(r.body)
        )
        for r in redlines
    ]


def _reading(reading: redline_service.AmendmentReading) -> s.AmendmentRedlineOut:
    amendment = reading.amendment
    return s.AmendmentRedlineOut(
        amendment_id=amendment.id,
        citation=str(amendment.citation),
        party=amendment.party.code,
        state=amendment.state,
        revision=amendment.latest.seq,
        basis=reading.basis,
        against_version=reading.against.seq if reading.against is not None else None,
        outdated=reading.outdated,
        languages=_languages(reading.redlines),
    )


@operation(
    "GET",
    "/amendments/{amendment_id}/redline",
    summary="The amendment's redline against the clause, per language: runs with their party, and as HTML",
    tag="Redlines",
    path_params=AMENDMENT_ID,
    query=s.AmendmentRedlineQuery,
    response=s.AmendmentRedlineOut,
    links={"GetAmendment": Link("get_amendment", THIS_AMENDMENT)},
)
def amendment_redline(amendment_id: int, query: s.AmendmentRedlineQuery):
    """An open amendment is drawn against the clause's current text, a closed one against the version it was
    written on (an adopted one against the version it replaced): see `basis`."""
    return _reading(redline_service.amendment_reading(db.session, actor(), amendment_id, as_written=query.as_written))


@operation(
    "GET",
    "/amendments/{amendment_id}/compare/{other_id}",
    summary="Two proposals to the same clause compared: each as a redline, and the second's words against the first's",
    tag="Redlines",
    path_params={"amendment_id": int, "other_id": int},
    response=s.ComparisonOut,
    errors=(422,),  # two proposals to different clauses
)
def compare_amendments(amendment_id: int, other_id: int):
    comparison = redline_service.compare_amendments(db.session, actor(), amendment_id, other_id)
    return s.ComparisonOut(
        first=_reading(comparison.first),
        second=_reading(comparison.second),
        between=_languages(comparison.between),
    )


@operation(
    "GET",
    "/clauses/{wid}/redline",
    summary="Two versions of a clause compared, the later credited to the party whose amendment made it",
    tag="Redlines",
    path_params={"wid": str},
    query=s.VersionsQuery,
    response=s.VersionsRedlineOut,
    links={"GetClause": Link("get_clause", {"wid": "$request.path.wid"})},
)
def clause_versions_redline(wid: str, query: s.VersionsQuery):
    """By default the current version against the one before it."""
    history = draft_service.clause_history(db.session, actor(), wid)
    newest = history.versions[0].seq
    new = query.to_version if query.to_version is not None else newest
    old = query.from_version if query.from_version is not None else max(1, new - 1)
    languages = negotiation().language_codes
    redlines = redline_service.compare_versions(db.session, history.versions, old, new, languages)
    return s.VersionsRedlineOut(
        wid=history.clause.wid, from_version=old, to_version=new, languages=_languages(redlines)
    )


@operation(
    "GET",
    "/clauses/{wid}/attribution",
    summary="Who wrote each word of a clause's current text: runs credited to the version and amendment",
    tag="Redlines",
    path_params={"wid": str},
    query=s.AttributionQuery,
    response=s.ClauseAttributionOut,
    links={"GetClause": Link("get_clause", {"wid": "$request.path.wid"})},
)
def clause_attribution(wid: str, query: s.AttributionQuery):
    """A deleted clause, or a language the current version lacks, is refused with a message (400)."""
    credits = word_credit_service.clause_word_credits(db.session, actor(), wid, query.language)
    return s.ClauseAttributionOut(
        wid=credits.wid,
        language=credits.language,
        version=credits.seq,
        runs=[
            s.AttributedRunOut(
                text=run.text,
                version=run.credit.seq,
                citation=run.credit.citation,
                party=run.credit.party,
                proposed_by=run.credit.proposer,
                cleared_by=list(run.credit.reviewers),
                endorsed_at=run.credit.meeting[0] if run.credit.meeting else None,
                date=run.credit.when,
            )
            for run in credits.runs
        ],
    )


def _point(point: redline_service.Point) -> s.PointOut:
    return s.PointOut(key=point.key, label=str(point.label))


def _points(from_point: str | None, to_point: str) -> tuple[redline_service.Point, redline_service.Point]:
    old = redline_service.parse_point(db.session, from_point or redline_service.default_start(db.session))
    return old, redline_service.parse_point(db.session, to_point)


@operation(
    "GET",
    "/redline",
    summary="The whole draft between two points (dates, meetings, a party's proposals), clause by clause",
    tag="Redlines",
    query=s.DraftRedlineQuery,
    response=s.DraftRedlineOut,
)
def draft_redline(query: s.DraftRedlineQuery):
    """Clauses are paired by their stable ids, in the reading order of both drafts together; a page at a time."""
    old, new = _points(query.from_point, query.to_point)
    result = redline_service.whole_draft_redline(db.session, actor(), old, new)
    rows = [row for row in result.rows if not query.only_changes or row.status != "unchanged"]
    start = _offset(query)
    return s.DraftRedlineOut(
        from_point=_point(old),
        to_point=_point(new),
        counts={status: result.count(status) for status in ("added", "deleted", "changed", "unchanged")},
        notes=[str(note) for note in result.notes],
        rows=[
            s.DraftRedlineRowOut(
                wid=row.wid,
                kind=row.kind,
                depth=row.depth,
                old_citation=row.old_citation,
                new_citation=row.new_citation,
                status=row.status,
                party=row.author,
                changed_at=row.changed_at,
                languages=_languages(row.redlines),
            )
            for row in rows[start : start + query.per_page]
        ],
        page=query.page,
        per_page=query.per_page,
        total=len(rows),
    )


# Comments ---------------------------------------------------------------------------------------------------------


def _comment(comment) -> s.CommentOut:
    return s.CommentOut(
        id=comment.id,
        author=comment.author.display_name,
        party=comment.party.code if comment.party else None,
        internal=comment.internal,
        body=comment.body,
        created_at=comment.created_at,
    )


@operation(
    "GET",
    "/amendments/{amendment_id}/comments",
    summary="The amendment's discussion as you may read it: shared comments, and your party's internal notes",
    tag="Comments",
    path_params=AMENDMENT_ID,
    query=s.Paging,
    response=s.Page[s.CommentOut],
)
def list_comments(amendment_id: int, query: s.Paging):
    amendment = amendment_service.get_amendment(db.session, actor(), amendment_id)
    comments = amendment_service.comments_for(db.session, actor(), amendment)
    start = _offset(query)
    return s.Page[s.CommentOut](
        **_page([_comment(c) for c in comments[start : start + query.per_page]], query, len(comments))
    )


@operation(
    "POST",
    "/amendments/{amendment_id}/comments",
    summary="Comment on an amendment: shared with everyone who reads it, or an internal note for your party",
    tag="Comments",
    path_params=AMENDMENT_ID,
    body=s.CommentIn,
    response=s.CommentOut,
    status=201,
    links={"ListComments": Link("list_comments", THIS_AMENDMENT)},
)
def add_comment(amendment_id: int, body: s.CommentIn):
    comment = amendment_service.add_comment(db.session, actor(), amendment_id, body.body, internal=body.internal)
    return _comment(comment), {"Location": scoped_url("list_comments", amendment_id=amendment_id)}


# Rebase -----------------------------------------------------------------------------------------------------------


@operation(
    "GET",
    "/amendments/{amendment_id}/rebase",
    summary="Plan a rebase: the amendment's change reapplied onto the clause's current text; changes nothing",
    tag="Amendments",
    path_params=AMENDMENT_ID,
    response=s.RebasePlanOut,
    errors=(403, 409),
    links={"GetAmendment": Link("get_amendment", THIS_AMENDMENT)},
)
def plan_rebase(amendment_id: int):
    """To confirm, POST the plan's `onto_version` to the same address with the amendment's ETag as If-Match."""
    plan = amendment_service.plan_rebase(db.session, actor(), amendment_id)
    previews = redline_service.rebase_previews(plan) if plan.clean else {}
    return s.RebasePlanOut(
        amendment_id=plan.amendment.id,
        revision=plan.amendment.latest.seq,
        from_version=plan.old_base.seq,
        onto_version=plan.new_base.seq,
        clean=plan.clean,
        clause_deleted=plan.clause_deleted,
        languages=[
            s.RebaseLanguageOut(
                language=language,
                clean=result.clean,
                text=result.text,
                failed_hunks=result.failed_hunks,
                preview=_languages([previews[language]])[0] if language in previews else None,
            )
            for language, result in plan.results.items()
        ],
    )


@operation(
    "POST",
    "/amendments/{amendment_id}/rebase",
    summary="Confirm a clean rebase: a new revision written against the clause version the plan showed",
    body=s.RebaseIn,
    **AMENDMENT_WRITE,
)
def confirm_rebase(amendment_id: int, body: s.RebaseIn):
    amendment = _matched_amendment(amendment_id)
    onto = db.session.scalar(
        select(ClauseVersion.id).where(
            ClauseVersion.clause_id == amendment.clause_id, ClauseVersion.seq == body.onto_version
        )
    )
    return _amendment_answer(
        amendment_service.confirm_rebase(
            db.session,
            actor(),
            amendment_id,
            onto_version_id=onto or 0,
            expected_revision=amendment.latest.seq,
        )
    )


# Exports ----------------------------------------------------------------------------------------------------------
#
# An export is the very file the page's link gives (web/reports.py composes it: the file's name, the paper, each
# language's wording, the page numbers), made for the token's owner: the API does not compose a second one that
# could drift from it. Permissions and visibility are the services' as ever: the page reads `current_user`, which
# for this request is the token's owner.

CSV = "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
EXPORT = SharedOptions(tag="Exports", response=str)


def _page_export(view: Callable[..., Response], **values: str) -> Response:
    g._login_user = actor()  # Flask-Login's user of this request only; nothing is stored in a session
    return view(**values)


class _NotKept(Exception):
    """A PDF page that answered something else (an error page): sent as it is, and not kept."""

    def __init__(self, response: Response):
        self.response = response


def _kept_pdf(view: Callable[..., Response], **values: str) -> Response:
    """A PDF the page makes afresh for each download (the status report, the whole-draft redline, the signature
    copy), made for the API once per state of the negotiation and kept as the pages keep theirs (the meeting pack,
    the rolling text, the history: the API calls those with `_page_export`, and they keep themselves): in the store
    of rendered parts (web/page_cache, `current_only`), per negotiation, what was asked (`values`, the query), state
    (`reports.state_stamp`: any change the reader could see), visibility, role and language, made once while its
    other readers wait. Typesetting one takes seconds, and a script (or a fuzzer) asks for the same PDF again."""
    reader = actor()
    g._login_user = reader  # Flask-Login's user of this request only; nothing is stored in a session
    stamp = reports.state_stamp(db.session, reader)
    asked = "&".join([request.query_string.decode("latin-1"), *(f"{k}={v}" for k, v in sorted(values.items()))])
    page = f"api-pdf:{view.__name__}:{negotiation().id}:{asked}"

    def build() -> dict:
        response = view(**values)
        if response.status_code != 200:
            raise _NotKept(response)
        return {"body": response.get_data(), "disposition": response.headers["Content-Disposition"]}

    try:
        kept, _stale = page_cache.kept_part(page, stamp, build, current_only=True)
    except _NotKept as refused:
        return refused.response
    return Response(kept.data(), mimetype=PDF, headers={"Content-Disposition": kept.fields["disposition"]})


@operation("GET", "/exports/clauses.csv", summary="The clauses and where each stands, as CSV", media_type=CSV, **EXPORT)
def export_clauses_csv():
    """UTF-8 with a byte-order mark, so that a spreadsheet reads Cyrillic right."""
    return _page_export(report_pages.clauses_csv)


@operation(
    "GET",
    "/exports/amendments.csv",
    summary="The amendments you may see, with their wording and rationale, as CSV",
    media_type=CSV,
    **EXPORT,
)
def export_amendments_csv():
    return _page_export(report_pages.amendments_csv)


@operation(
    "GET",
    "/exports/comments.csv",
    summary="The discussion of the amendments you may see (shared comments, your party's internal notes), as CSV",
    media_type=CSV,
    **EXPORT,
)
def export_comments_csv():
    return _page_export(report_pages.comments_csv)


@operation(
    "GET",
    "/exports/audit.csv",
    summary="The audit trail you may read, filtered as the audit list is, as CSV",
    query=s.AuditFilterQuery,
    media_type=CSV,
    **EXPORT,
)
def export_audit_csv(query: s.AuditFilterQuery):
    _known_party(query.party)
    wanted = audit_trail.AuditFilter(
        clause_wid=query.clause, party_code=query.party, kind=query.kind, date_from=query.since, date_to=query.until
    )
    rows = audit_trail.all_events(db.session, actor(), wanted)
    body = audit_trail.to_csv(rows, audit_trail.clause_wids(db.session, rows))
    filename = f"mou-audit-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(body, mimetype=CSV, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@operation(
    "GET",
    "/exports/draft.docx",
    summary="The draft, clean, as Word: now, at the end of a day, or as frozen for a meeting",
    query=s.ExportPointQuery,
    media_type=DOCX,
    **EXPORT,
)
def export_draft_docx(query: s.ExportPointQuery):
    return _page_export(report_pages.draft_docx)


@operation(
    "GET",
    "/exports/redline.docx",
    summary="The whole draft between two points as Word tracked changes, each credited to its party",
    query=s.ExportRedlineQuery,
    media_type=DOCX,
    **EXPORT,
)
def export_redline_docx(query: s.ExportRedlineQuery):
    return _page_export(report_pages.redline_docx)


@operation(
    "GET",
    "/exports/redline.pdf",
    summary="The whole draft between two points as a PDF to print: deletions struck, insertions underlined",
    query=s.ExportRedlinePdfQuery,
    media_type=PDF,
    errors=(503,),
    **EXPORT,
)
def export_redline_pdf(query: s.ExportRedlinePdfQuery):
    return _kept_pdf(report_pages.redline_pdf)


@operation(
    "GET", "/exports/status.pdf", summary="The chairs' status report as a PDF", media_type=PDF, errors=(503,), **EXPORT
)
def export_status_pdf():
    return _kept_pdf(report_pages.dashboard_pdf)


class MeetingPackQuery(s.Input):
    """A meeting pack is read a part at a time, as on its page: the whole pack, or one article."""

    article: str | None = Field(
        None,
        max_length=report_pages.ARTICLE_KEY_MAX,
        description="One part of the pack: an article's stable clause id (wId) or number ('3'), or 'preamble'. "
        "Left out: the whole pack.",
    )


@operation(
    "GET",
    "/milestones/{code}/pack.pdf",
    summary="A meeting's pack as a PDF: its frozen draft, the amendments before it, what changed since the last",
    path_params=MILESTONE_CODE,
    query=MeetingPackQuery,
    media_type=PDF,
    errors=(409, 503),
    **EXPORT,
)
def export_meeting_pack_pdf(code: str, query: MeetingPackQuery):
    """The whole pack (every article's text, compilation and redline), or one article's part with `article`, as
    the pack's page gives them: typeset once per state of the negotiation and kept."""
    return _page_export(report_pages.meeting_pack_pdf, code=code)
