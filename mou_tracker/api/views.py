"""The /api/v1 operations. Each calls the same services as the web pages: permissions and rules live there."""

from __future__ import annotations

from flask import current_app, jsonify
from sqlalchemy import select

from ..core import permissions
from ..extensions import db
from ..models import Amendment, Clause, ClauseVersion, Milestone
from ..services import agreement, audit_trail, meetings, negotiations, reports
from ..services import amendments as amendment_service
from ..services import draft as draft_service
from ..services.amendments import TextInput
from ..services.standing import standings
from . import schemas as s
from .framework import actor, etag_of, negotiation, operation, require_match, scoped_url

AMENDMENT_ID = {"amendment_id": int}
MILESTONE_CODE = {"code": str}


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
                lapsed=r.revision_id != a.latest.id,
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
    wids = dict(db.session.execute(select(Clause.id, Clause.wid).where(Clause.id.in_([*frozen, *recorded]))).all())
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
            parent_wid=wids.get(item.clause.parent_id),
            depth=item.depth,
            version=item.version.seq,
            status=standing[item.clause.id].status,
            next_step=_next_step(standing[item.clause.id]),
            open_amendments=[a.citation for a, _ in standing[item.clause.id].open_amendments],
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
)
def get_amendment(amendment_id: int):
    return _amendment_answer(amendment_service.get_amendment(db.session, actor(), amendment_id))


@operation(
    "GET",
    "/reviews/pending",
    summary="Your legal review queue: tabled amendments awaiting review, oldest first",
    tag="Review",
    response=list[s.AmendmentOut],
)
def pending_reviews():
    return _ListAnswer([s.AmendmentOut(**_amendment(a)) for a in agreement.pending_reviews(db.session, actor())])


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
    wanted = audit_trail.AuditFilter(
        clause_wid=query.clause, party_code=query.party, kind=query.kind, date_from=query.since, date_to=query.until
    )
    rows, total = audit_trail.page_of_events(db.session, actor(), wanted, offset=_offset(query), limit=query.per_page)
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
    return s.Page[s.AuditEventOut](**_page(items, query, total))


# Amendments: writing ----------------------------------------------------------------------------------------------


def _inputs(texts: dict[str, s.TextIn]) -> dict[str, TextInput]:
    return {lang: TextInput(t.heading, t.body) for lang, t in texts.items()}


@operation(
    "POST",
    "/amendments",
    summary="Propose an amendment for your party: a change, a deletion or an insertion",
    tag="Amendments",
    body=s.ProposalIn,
    response=s.AmendmentDetailOut,
    status=201,
    etag=True,
)
def propose(body: s.ProposalIn):
    """The amendment starts as a draft that only your party sees; table it to show it to the other side."""
    proposal = body.root
    if isinstance(proposal, s.ChangeIn):
        amendment = amendment_service.propose_change(
            db.session,
            actor(),
            proposal.clause,
            _inputs(proposal.texts),
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


AMENDMENT_WRITE = {"tag": "Amendments", "path_params": AMENDMENT_ID, "response": s.AmendmentDetailOut}
AMENDMENT_WRITE |= {"etag": True, "if_match": True}


@operation(
    "POST",
    "/amendments/{amendment_id}/revisions",
    summary="Revise your party's open amendment",
    body=s.RevisionIn,
    **AMENDMENT_WRITE,
)
def revise(amendment_id: int, body: s.RevisionIn):
    _matched_amendment(amendment_id)
    amendment = amendment_service.revise(
        db.session, actor(), amendment_id, texts=_inputs(body.texts), rationale=body.rationale, note=body.note
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


MILESTONE_WRITE = {"tag": "Meetings", "response": s.MilestoneDetailOut, "etag": True, "if_match": True}


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
        db.session, actor(), code, wid, outcome=body.outcome, reserved_by=body.reserved_by, note=body.note
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
