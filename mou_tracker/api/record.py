"""The API of the record of the negotiation: deadlines, brackets that are not negotiating, the rolling text, the
signature copy and the negotiating history. Each operation calls the service its page calls (web/deadlines.py,
web/draft.py, web/record.py, web/history.py), so the rules and the visibility are the pages' own: the rolling text
shows tabled proposals only, and a history shows a party's untabled drafts and internal notes to that party alone.
The downloads are the very files the pages' links give (api/views.py `_page_export`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from flask import Response, g
from flask_login import current_user
from markupsafe import Markup
from pydantic import Field

from ..core.deadlines import LateDecision
from ..core.rolling import Bracketed, Mark, Piece, Plain, RollingClause, Tag
from ..core.signature import BlockerKind, shown
from ..core.text import MAX_NOTE
from ..extensions import db
from ..i18n import text_language, translate, translate_citation
from ..models import Amendment, Instrument, User
from ..services import brackets as bracket_service
from ..services import deadlines as deadline_service
from ..services import draft as draft_service
from ..services import history as history_service
from ..services import meetings as meeting_service
from ..services import reports
from ..services import rolling as rolling_service
from ..services import signature as signature_service
from ..services import word_credits as word_credit_service
from ..services.signature import MAX_SIGNATORY
from ..services.word_credits import CreditedRun
from ..web import history as history_pages
from ..web import page_cache
from ..web import record as record_pages
from . import schemas as s
from .framework import ApiProblem, Link, OperationOptions, actor, etag_of, negotiation, operation, require_match
from .views import DOCX, EXPORT, PDF, _kept_pdf, _languages, _matched_amendment, _page_export

AMENDMENT_ID: dict[str, type] = {"amendment_id": int}
WID: dict[str, type] = {"wid": str}
CODE: dict[str, type] = {"code": str}

# Schemas ---------------------------------------------------------------------------------------------------------


class ReplyByIn(s.Input):
    reply_by: s.Day | None = Field(
        description="The day by which the other party is asked to answer (YYYY-MM-DD, not in the past); null removes it"
    )


class LateDecisionIn(s.Input):
    decision: LateDecision = Field(
        description="admitted: taken up at the meeting whose deadline it missed; deferred: left to the next meeting"
    )


class ProposalsDeadlineIn(s.Input):
    proposals_deadline: s.Day | None = Field(
        description="The last day for written proposals to the meeting (YYYY-MM-DD, not after the meeting); null "
        "removes it"
    )


class AmendmentDeadlineOut(s.Output):
    amendment_id: int
    citation: str
    state: str
    reply_by: dt.date | None
    late_for: str | None = Field(description="The code of the meeting whose written-proposals deadline it missed")
    late_decision: LateDecision | None = Field(description="The chair's decision on it, when late")


class LateProposalOut(s.Output):
    amendment_id: int
    citation: str
    party: str
    late_decision: LateDecision | None


class MeetingDeadlineOut(s.Output):
    code: str
    name: str
    date: dt.date | None
    proposals_deadline: dt.date | None
    late: list[LateProposalOut] = Field(description="The proposals tabled after the deadline, and the decision on each")


Passage = Annotated[str, Field(min_length=1, max_length=MAX_NOTE)]


class PlainBracketsIn(s.Input):
    plain: list[Passage] = Field(
        default_factory=list,
        max_length=200,
        description="Bracketed passages (brackets included, as `passages` lists them) to declare not negotiating: "
        "part of the wording, read as plain text",
    )
    negotiating: list[Passage] = Field(
        default_factory=list,
        max_length=200,
        description="Passages declared earlier to make negotiating brackets again; a passage in neither list is "
        "left as it is",
    )


class PassageOut(s.Output):
    text: str = Field(description="The bracketed passage, brackets included")
    plain: bool = Field(description="Declared not a negotiating bracket")


class BracketReadingOut(s.Output):
    language: str
    part: Literal["heading", "body"]
    open_questions: int = Field(description="Negotiating brackets (a group of alternatives counts once)")
    placeholders: int
    problems: list[str] = Field(description="What is wrong with the brackets (one that pairs with nothing), translated")


class ClauseBracketsOut(s.Output):
    wid: str
    version: int | None = Field(description="The current version read; null when the clause has been deleted")
    open_brackets: int
    passages: list[PassageOut]
    stale: list[str] = Field(description="Declared passages no longer in the text: ignored, may be undone")
    readings: list[BracketReadingOut]


class PlainBracketsOut(s.Output):
    changed: int = Field(description="How many declarations changed (0: nothing changed)")
    brackets: ClauseBracketsOut


class LanguageQuery(s.Input):
    language: s.LanguageCode | None = Field(
        None, description="One language of the negotiation; every language when left out"
    )


class HistoryQuery(s.Input):
    lang: s.LanguageCode | None = Field(
        None, description="The language of the texts; by default yours where the negotiation has it, else its first"
    )


class LayoutQuery(s.Input):
    layout: Literal["sequential", "columns"] | None = Field(  # web/record.py LAYOUTS
        None, description="sequential (the default): the languages one after the other; columns: side by side"
    )


class ProposerOut(s.Output):
    citation: str = Field(description="The amendment's citation (UNOCT-3)")
    party: str


class AlternativeOut(s.Output):
    text: str = Field(description="The proposed words; empty for a proposal to delete the span")
    proposed_by: list[ProposerOut]


class PieceOut(s.Output):
    kind: Literal["plain", "bracketed"]
    text: str = Field(description="plain: the words; bracketed: the current words of the span (may be empty)")
    lead: str = Field("", description="bracketed: white space before the current words, part of the current text")
    trail: str = Field("", description="bracketed: white space after them, part of the current text")
    gap_before: str = Field("", description="bracketed insertion: the white space the proposed words bring before")
    gap_after: str = Field("", description="bracketed insertion: the white space they bring after")
    alternatives: list[AlternativeOut] = Field(default_factory=list, description="bracketed: each proposed wording")


class RollingClauseOut(s.Output):
    key: str = Field(description="The clause's wid, or new-<amendment id> for a proposed new clause")
    kind: str
    depth: int
    label: str = Field(description="The clause number ('Article 2'); empty for a proposed new clause")
    mark: Mark | None = Field(description="ad_referendum or agreed")
    bracketed: bool = Field(description="Whether anything of the clause is in brackets")
    heading: list[PieceOut] | None
    body: list[PieceOut]
    deleted_by: list[ProposerOut] = Field(description="Proposals to delete the whole clause")
    inserted_by: ProposerOut | None = Field(description="The proposal of this new clause (all of it in brackets)")
    without_text: list[ProposerOut] = Field(description="Tabled proposals with no wording in this language")


class RollingLanguageOut(s.Output):
    language: str
    title: str
    proposals: int = Field(description="How many tabled proposals the text shows")
    bracketed: int = Field(description="How many clauses have something in brackets")
    clauses: list[RollingClauseOut]


class RollingTextOut(s.Output):
    generated_at: dt.datetime
    languages: list[RollingLanguageOut]


class BlockerOut(s.Output):
    kind: BlockerKind
    label: str = Field(description="What blocks, in your language")
    citation: str = Field(description="The clause (or proposed clause) concerned; empty when none")
    language: str = Field(description="The language concerned; empty for all")
    count: int
    details: list[str] = Field(description="The bracketed words, placeholders or amendments concerned")


class SignatoryOut(s.Output):
    party: str
    name: str
    title: str


class IssuedOut(s.Output):
    at: dt.datetime
    checksum: str
    for_this_text: bool = Field(description="Whether the issue is of the current text (its checksum)")


class SignatureStateOut(s.Output):
    ready: bool = Field(description="True when nothing blocks the signature copy")
    checksum: str | None = Field(description="The whole SHA-256 of the text, when ready")
    shown_checksum: str | None = Field(description="The digits the documents print, when ready")
    blockers: list[BlockerOut]
    issued: IssuedOut | None = Field(description="The newest issue of the signature copy, if any")
    signatories: list[SignatoryOut] = Field(description="As the newest issue of this very text names them")


class SignatoryIn(s.Input):
    name: Annotated[str, Field(max_length=MAX_SIGNATORY)] = ""
    title: Annotated[str, Field(max_length=MAX_SIGNATORY)] = ""


class SignatureIssueIn(s.Input):
    signatories: dict[s.PartyCode, SignatoryIn] = Field(
        default_factory=dict, description="Per party code, the signatory's name and title (left out: blank lines)"
    )


class SignatureIssueOut(s.Output):
    checksum: str
    shown_checksum: str
    frozen: str | None = Field(description="The code of the signature meeting frozen on the signed text")
    not_frozen_because: str = Field(description="Why no meeting was frozen (the audit trail alone records it)")


class HistoryEventOut(s.Output):
    at: dt.datetime
    kind: history_service.EventKind
    title: str = Field(description="What happened, in your language")
    who: str
    note: str = Field(description="The rationale, reason, comment or note that goes with it")
    internal: bool = Field(description="Seen only by your party (an untabled draft, an internal comment)")
    amendment_id: int | None
    version: int | None
    texts: dict[str, str] = Field(description="The full text of the initial version, per language")
    redlines: list[s.LanguageRedlineOut] | None = Field(description="The words proposed or adopted, as redlines")


class ClauseRecordOut(s.Output):
    wid: str
    citation: str | None = Field(description="How the current draft cites it; null when deleted")
    events: list[HistoryEventOut]


class InstrumentHistoryQuery(HistoryQuery):
    article: str | None = Field(
        None,
        max_length=40,
        description="One page of the history: the wid of an article, or of any clause in it (GET /history/contents "
        "lists the pages); the whole instrument when left out",
    )


class HistoryClauseOut(s.Output):
    wid: str
    citation: str | None = Field(description="How the current draft cites it, in your language; null when deleted")


class HistoryPartOut(s.Output):
    key: str = Field(description="The page's address: `article` of GET /history and of its exports")
    title: str = Field(
        description="'Article 3', or the first and last clauses of a run outside articles, in your language"
    )
    heading: str | None = Field(description="The article's heading in the history's language")
    article: bool = Field(description="An article with everything under it (else a run of other clauses)")
    deleted: bool = Field(description="A run of clauses deleted with their article")
    versions: int
    amendments: int = Field(description="The amendments to its clauses that you may see")
    clauses: list[HistoryClauseOut]


class HistoryContentsOut(s.Output):
    language: str
    versions: int
    amendments: int
    whole_pdf: bool = Field(
        description="Whether the whole instrument's history is offered as one PDF (else it is too long to lay out "
        "while you wait: take each page's PDF, or the whole as Word)"
    )
    parts: list[HistoryPartOut] = Field(description="The pages of the history, in the order of the draft")


class HistoryOut(s.Output):
    language: str
    clauses: list[ClauseRecordOut]
    part: HistoryPartOut | None = Field(None, description="The page asked for with `article`; null for the whole")
    previous: str | None = Field(None, description="The key of the page before it")
    next: str | None = Field(None, description="The key of the page after it")


class DraftClauseAttributionOut(s.Output):
    wid: str
    citation: str = Field(description="How the current draft cites it, in your language")
    runs: list[s.AttributedRunOut] = Field(description="Empty when the clause has no text in the language")


class DraftAttributionOut(s.Output):
    language: str
    clauses: list[DraftClauseAttributionOut] = Field(description="Every clause of the current draft, in reading order")


# Deadlines -------------------------------------------------------------------------------------------------------


def _amendment_deadline(amendment: Amendment):
    db.session.flush()  # the ETag must carry the lock_version this request wrote
    late_for = amendment.late_for
    answer = AmendmentDeadlineOut(
        amendment_id=amendment.id,
        citation=str(amendment.citation),
        state=amendment.state.value,
        reply_by=amendment.reply_by,
        late_for=late_for.code if late_for else None,
        late_decision=amendment.late_decision,
    )
    return answer, {"ETag": f'"{etag_of("amendment", amendment)}"'}


DEADLINE_WRITE = OperationOptions(
    tag="Deadlines",
    path_params=AMENDMENT_ID,
    response=AmendmentDeadlineOut,
    etag=True,
    if_match=True,
    links={"GetAmendment": Link("get_amendment", {"amendment_id": "$request.path.amendment_id"})},
)


@operation(
    "PUT",
    "/amendments/{amendment_id}/reply-by",
    summary="Set, change or remove the reply-by date of your party's tabled amendment (its negotiators)",
    body=ReplyByIn,
    errors=(409,),
    **DEADLINE_WRITE,
)
def set_reply_by(amendment_id: int, body: ReplyByIn):
    """If-Match: the amendment's ETag (GET /amendments/{amendment_id})."""
    _matched_amendment(amendment_id)
    return _amendment_deadline(deadline_service.set_reply_by(db.session, actor(), amendment_id, body.reply_by))


@operation(
    "PUT",
    "/amendments/{amendment_id}/late-decision",
    summary="Decide on a proposal tabled after a meeting's deadline: admit it, or leave it to the next meeting "
    "(chairs)",
    body=LateDecisionIn,
    errors=(409,),
    **DEADLINE_WRITE,
)
def decide_late(amendment_id: int, body: LateDecisionIn):
    """Refused (409) for a proposal that was not late, or once its meeting has concluded."""
    _matched_amendment(amendment_id)
    return _amendment_deadline(deadline_service.decide_late(db.session, actor(), amendment_id, body.decision))


@operation(
    "PUT",
    "/milestones/{code}/proposals-deadline",
    summary="Set, change or remove a meeting's deadline for written proposals (chairs)",
    tag="Deadlines",
    path_params=CODE,
    body=ProposalsDeadlineIn,
    response=MeetingDeadlineOut,
    etag=True,
    if_match=True,
    links={"GetMilestone": Link("get_milestone", {"code": "$request.path.code"})},
)
def set_proposals_deadline(code: str, body: ProposalsDeadlineIn):
    """If-Match: the meeting's ETag (GET /milestones/{code})."""
    milestone = meeting_service.get_milestone(db.session, code)
    require_match(etag_of("milestone", milestone))
    deadline_service.set_proposals_deadline(db.session, actor(), milestone, body.proposals_deadline)
    db.session.flush()
    late = (
        deadline_service.late_proposals(db.session, milestone.instrument_id, [milestone.id])
        if milestone.proposals_deadline
        else []
    )
    answer = MeetingDeadlineOut(
        code=milestone.code,
        name=milestone.name,
        date=milestone.date,
        proposals_deadline=milestone.proposals_deadline,
        late=[
            LateProposalOut(
                amendment_id=a.id, citation=str(a.citation), party=a.party.code, late_decision=a.late_decision
            )
            for a in late
        ],
    )
    return answer, {"ETag": f'"{etag_of("milestone", milestone)}"'}


# Brackets --------------------------------------------------------------------------------------------------------


def _brackets(wid: str) -> ClauseBracketsOut:
    history = draft_service.clause_history(db.session, actor(), wid)  # checks the reader; unknown: not found
    current = history.current.version if history.current else None
    if current is None or current.is_deleted:
        return ClauseBracketsOut(wid=wid, version=None, open_brackets=0, passages=[], stale=[], readings=[])
    found = bracket_service.clause_brackets(current)
    plain = found.plain
    return ClauseBracketsOut(
        wid=wid,
        version=current.seq,
        open_brackets=found.open_brackets,
        passages=[PassageOut(text=passage, plain=passage in plain) for passage in found.passages],
        stale=found.stale,
        readings=[
            BracketReadingOut(
                language=item.language,
                part="heading" if item.part == "heading" else "body",
                open_questions=item.reading.groups,
                placeholders=item.reading.placeholders,
                problems=[translate(problem.message) for problem in item.reading.problems],
            )
            for item in found.readings
        ],
    )


@operation(
    "GET",
    "/clauses/{wid}/brackets",
    summary="The square brackets of a clause's current text: its passages, which are declared not negotiating, "
    "and the open questions per language",
    tag="Brackets",
    path_params=WID,
    response=ClauseBracketsOut,
)
def get_brackets(wid: str):
    return _brackets(wid)


@operation(
    "PUT",
    "/clauses/{wid}/brackets",
    summary="Declare bracketed passages not negotiating (part of the wording), or undo it (negotiators, chairs)",
    tag="Brackets",
    path_params=WID,
    body=PlainBracketsIn,
    response=PlainBracketsOut,
    links={"GetBrackets": Link("get_brackets", {"wid": "$request.path.wid"})},
)
def set_plain_brackets(wid: str, body: PlainBracketsIn):
    """A passage to declare that is no longer in the text (it changed since you read it) refuses the whole request
    (422): nothing changes. Each change is in the audit trail."""
    both = set(body.plain) & set(body.negotiating)
    if both:
        raise ApiProblem(422, "A passage cannot be both plain and negotiating: " + ", ".join(sorted(both)))
    changed = bracket_service.set_plain_brackets(
        db.session, actor(), wid, [*body.plain, *body.negotiating], set(body.plain)
    )
    db.session.flush()
    return PlainBracketsOut(changed=changed, brackets=_brackets(wid))


# Rolling text ----------------------------------------------------------------------------------------------------


def _proposer(tag: Tag) -> ProposerOut:
    return ProposerOut(citation=tag.citation, party=tag.party)


def _piece(piece: Piece) -> PieceOut:
    if isinstance(piece, Plain):
        return PieceOut(kind="plain", text=piece.text)
    assert isinstance(piece, Bracketed)
    return PieceOut(
        kind="bracketed",
        text=piece.current,
        lead=piece.lead,
        trail=piece.trail,
        gap_before=piece.gap_before,
        gap_after=piece.gap_after,
        alternatives=[
            AlternativeOut(text=a.text, proposed_by=[_proposer(tag) for tag in a.tags]) for a in piece.alternatives
        ],
    )


def _rolling_clause(clause: RollingClause) -> RollingClauseOut:
    return RollingClauseOut(
        key=str(clause.key),
        kind=clause.kind.value,
        depth=clause.depth,
        label=clause.label,
        mark=clause.mark,
        bracketed=clause.bracketed,
        heading=[_piece(p) for p in clause.heading] if clause.heading is not None else None,
        body=[_piece(p) for p in clause.body],
        deleted_by=[_proposer(tag) for tag in clause.deleted_by],
        inserted_by=_proposer(clause.inserted_by) if clause.inserted_by else None,
        without_text=[_proposer(tag) for tag in clause.without_text],
    )


@operation(
    "GET",
    "/rolling-text",
    summary="The rolling text: the current draft with every tabled proposal in square brackets, with its citation, "
    "per language",
    tag="Record",
    query=LanguageQuery,
    response=RollingTextOut,
)
def get_rolling_text(query: LanguageQuery):
    """Only tabled proposals: no party's untabled draft appears, not even to that party (it is the text both
    delegations read at the table). A language the negotiation has no text in is refused (422)."""
    instrument = negotiation()
    languages = [query.language] if query.language else instrument.language_codes
    texts = rolling_service.rolling_texts(db.session, actor(), languages)
    return RollingTextOut(
        generated_at=texts[0].generated_at,
        languages=[
            RollingLanguageOut(
                language=text.language,
                title=text.title,
                proposals=text.proposals,
                bracketed=text.bracketed,
                clauses=[_rolling_clause(c) for c in text.clauses],
            )
            for text in texts
        ],
    )


@operation(
    "GET",
    "/exports/rolling-text.docx",
    summary="The rolling text as Word, the page's download",
    query=LanguageQuery,
    media_type=DOCX,
    **EXPORT,
)
def export_rolling_text_docx(query: LanguageQuery):
    return _page_export(record_pages.rolling_text_docx)


@operation(
    "GET",
    "/exports/rolling-text.pdf",
    summary="The rolling text as a PDF, the page's download",
    query=LanguageQuery,
    media_type=PDF,
    errors=(409, 503),
    **EXPORT,
)
def export_rolling_text_pdf(query: LanguageQuery):
    return _page_export(record_pages.rolling_text_pdf)


# Signature copy --------------------------------------------------------------------------------------------------


def _signature_etag(checksum: str) -> str:
    return f"signature-{checksum[:32]}"


@operation(
    "GET",
    "/signature-copy",
    summary="Whether the text can go to signature: what blocks it, or ready with its checksum",
    tag="Record",
    response=SignatureStateOut,
)
def get_signature_copy():
    """The ETag names the text: send it as If-Match to issue the signature copy of exactly this text."""
    state = signature_service.signature_state(db.session, actor())
    issued = state.issued
    answer = SignatureStateOut(
        ready=state.ready,
        checksum=state.checksum if state.ready else None,
        shown_checksum=shown(state.checksum) if state.ready else None,
        blockers=[
            BlockerOut(
                kind=b.kind,
                label=translate(b.kind.label),
                citation=b.citation,
                language=b.language,
                count=b.count,
                details=list(b.details),
            )
            for b in state.blockers
        ],
        issued=IssuedOut(
            at=issued.occurred_at,
            checksum=(issued.after or {}).get("checksum", ""),
            for_this_text=state.issued_for_this_text,
        )
        if issued is not None
        else None,
        signatories=[SignatoryOut(party=x.party.code, name=x.name, title=x.title) for x in state.signatories],
    )
    return answer, {"ETag": f'"{_signature_etag(state.checksum)}"'}


@operation(
    "POST",
    "/signature-copy",
    summary="Issue the signature copy of the current text (chairs): records its checksum and the signatories",
    tag="Record",
    body=SignatureIssueIn,
    response=SignatureIssueOut,
    if_match=True,
    errors=(409,),
    links={"GetSignatureCopy": Link("get_signature_copy", {})},
)
def issue_signature_copy(body: SignatureIssueIn):
    """If-Match: the ETag of GET /signature-copy (the text you read). Refused (409) while anything blocks it. The
    signature meeting is frozen on the text where the meetings allow it."""
    codes = {party.code for party in negotiation().parties}
    unknown = sorted(set(body.signatories) - codes)
    if unknown:
        raise ApiProblem(
            422,
            "Name the signatories by the parties' codes: " + ", ".join(sorted(codes)),
            errors=[s.FieldProblem(field=f"signatories.{code}", message="unknown party") for code in unknown],
        )
    state = signature_service.signature_state(db.session, actor())
    require_match(_signature_etag(state.checksum))
    issued = signature_service.issue(
        db.session, actor(), {code: (who.name, who.title) for code, who in body.signatories.items()}
    )
    return SignatureIssueOut(
        checksum=state.checksum,
        shown_checksum=shown(state.checksum),
        frozen=issued.frozen.code if issued.frozen else None,
        not_frozen_because=translate(issued.not_frozen_because) or "",
    )


@operation(
    "GET",
    "/exports/signature-copy.docx",
    summary="The signature copy as Word (409 while anything blocks it)",
    query=LayoutQuery,
    media_type=DOCX,
    errors=(409,),
    **EXPORT,
)
def export_signature_copy_docx(query: LayoutQuery):
    return _page_export(record_pages.signature_copy_docx)


@operation(
    "GET",
    "/exports/signature-copy.pdf",
    summary="The signature copy as a PDF (409 while anything blocks it)",
    query=LayoutQuery,
    media_type=PDF,
    errors=(409, 503),
    **EXPORT,
)
def export_signature_copy_pdf(query: LayoutQuery):
    return _kept_pdf(record_pages.signature_copy_pdf)


# Negotiating history ---------------------------------------------------------------------------------------------


def _as_page_reader(instrument: Instrument) -> User:
    """The token's owner as the pages' `current_user` for this request (nothing is stored in a session), in the
    negotiation the address names: what the pages' kept parts and files are keyed by (web/page_cache.py)."""
    g.negotiation_slug = instrument.slug
    g._login_user = actor()
    return g._login_user


def _history_language(query: HistoryQuery) -> str:
    _as_page_reader(negotiation())
    if query.lang:
        return rolling_service.check_language(negotiation(), query.lang)  # refused (422) if it has no text in it
    return text_language(negotiation(), None, allow_both=False)


def _record(record: history_service.ClauseRecord) -> ClauseRecordOut:
    return ClauseRecordOut(
        wid=record.clause.wid,
        citation=translate(record.current.citation) if record.current else None,
        events=[
            HistoryEventOut(
                at=event.when,
                kind=event.kind,
                title=translate(event.title),
                who=event.who,
                note=event.note,
                internal=event.internal,
                amendment_id=event.amendment_id,
                version=event.version_seq,
                texts=event.texts,
                redlines=_languages(event.redlines) if event.redlines is not None else None,
            )
            for event in record.events
        ],
    )


@operation(
    "GET",
    "/clauses/{wid}/history",
    summary="The negotiating history of a clause: its versions, the amendments to it and what became of them",
    tag="History",
    path_params=WID,
    query=HistoryQuery,
    response=HistoryOut,
)
def get_clause_history(wid: str, query: HistoryQuery):
    """Your party's untabled drafts and internal comments are in it (`internal`); the other party's never are."""
    language = _history_language(query)
    return HistoryOut(
        language=language,
        clauses=[_record(history_service.clause_record(db.session, actor(), wid, language, every_language=True))],
    )


def attributed_run(run: CreditedRun) -> s.AttributedRunOut:
    credit = run.credit
    return s.AttributedRunOut(
        text=run.text,
        version=credit.seq,
        citation=credit.citation,
        party=credit.party,
        proposed_by=credit.proposer,
        cleared_by=list(credit.reviewers),
        endorsed_at=credit.meeting[0] if credit.meeting else None,
        date=credit.when,
    )


def _part(section: history_service.HistorySection) -> HistoryPartOut:
    return HistoryPartOut(
        key=section.key,
        title=history_pages.section_title(section),
        heading=section.heading,
        article=section.article,
        deleted=section.deleted,
        versions=section.versions,
        amendments=section.amendments,
        clauses=[HistoryClauseOut(wid=c.wid, citation=translate_citation(c.citation)) for c in section.clauses],
    )


@operation(
    "GET",
    "/history/contents",
    summary="The contents of the instrument's negotiating history: its pages (articles) with their counts",
    tag="History",
    query=HistoryQuery,
    response=HistoryContentsOut,
)
def get_history_contents(query: HistoryQuery):
    """The page's table of contents: ask GET /history with `article` for each page's record."""
    language = _history_language(query)
    contents = history_service.history_contents(db.session, actor(), language)
    return HistoryContentsOut(
        language=language,
        versions=contents.versions,
        amendments=contents.amendments,
        whole_pdf=history_service.pdf_fits(contents, history_pages.pdf_max_entries()),
        parts=[_part(section) for section in contents.sections],
    )


@operation(
    "GET",
    "/history",
    summary="The negotiating history of the instrument, one article at a time (`article`) or whole",
    tag="History",
    query=InstrumentHistoryQuery,
    response=HistoryOut,
)
def get_history(query: InstrumentHistoryQuery):
    """With `article`, the page holding that clause (an article with everything under it), as the history's page
    shows it, with the keys of the pages before and after; an unknown key is 404. Without it, the whole instrument
    (at treaty scale, tens of megabytes: ask page by page)."""
    language = _history_language(query)
    if query.article:
        page = history_service.article_record(db.session, actor(), language, query.article, every_language=True)
        return HistoryOut(
            language=language,
            clauses=[_record(r) for r in page.records],
            part=_part(page.section),
            previous=page.previous.key if page.previous else None,
            next=page.next.key if page.next else None,
        )
    return HistoryOut(
        language=language,
        clauses=[
            _record(r) for r in history_service.instrument_record(db.session, actor(), language, every_language=True)
        ],
    )


@operation(
    "GET",
    "/attribution",
    summary="Who wrote each word of the whole current draft: each clause's runs credited to the version and amendment",
    tag="History",
    query=s.AttributionQuery,
    response=DraftAttributionOut,
)
def draft_attribution(query: s.AttributionQuery):
    """Kept once made, per state of the negotiation, visibility and language: asking again while nothing changed
    costs next to nothing. A language the negotiation has no text in is refused (422)."""
    instrument = negotiation()
    reader = _as_page_reader(instrument)
    # The words of the current draft credited to versions and adopted amendments: nothing private.
    stamp = reports.state_stamp(db.session, reader, private=reports.Private.NOTHING, instrument=instrument)

    def answer() -> DraftAttributionOut:
        return DraftAttributionOut(
            language=query.language,
            clauses=[
                DraftClauseAttributionOut(
                    wid=item.clause.wid,
                    citation=translate_citation(item.citation) or "",
                    runs=[attributed_run(run) for run in runs],
                )
                for item, runs in word_credit_service.draft_word_credits(db.session, current_user, query.language)
            ],
        )

    def build() -> dict:
        return {"body": Markup(answer().model_dump_json())}  # noqa: S704  (JSON, never put in a page)

    kept, stale = page_cache.kept_part(f"api-attribution:{instrument.slug}:{query.language}", stamp, build)
    if stale:  # another request is making the new state's: this one reads it itself rather than an older one
        return answer()
    return Response(str(kept.body()), mimetype="application/json")


@operation(
    "GET",
    "/exports/clauses/{wid}/history.pdf",
    summary="A clause's negotiating history as a PDF",
    path_params=WID,
    query=HistoryQuery,
    media_type=PDF,
    errors=(503,),
    **EXPORT,
)
def export_clause_history_pdf(wid: str, query: HistoryQuery):
    _history_language(query)
    return _page_export(history_pages.clause_history_pdf, wid=wid)


@operation(
    "GET",
    "/exports/clauses/{wid}/history.docx",
    summary="A clause's negotiating history as Word",
    path_params=WID,
    query=HistoryQuery,
    media_type=DOCX,
    **EXPORT,
)
def export_clause_history_docx(wid: str, query: HistoryQuery):
    _history_language(query)
    return _page_export(history_pages.clause_history_docx, wid=wid)


@operation(
    "GET",
    "/exports/history.pdf",
    summary="The negotiating history of the instrument as a PDF: one article (`article`), or whole",
    query=InstrumentHistoryQuery,
    media_type=PDF,
    errors=(404, 409, 503),
    **EXPORT,
)
def export_history_pdf(query: InstrumentHistoryQuery):
    """The page's download. The whole instrument's history too long to lay out while you wait is refused (409,
    saying so): take each article's PDF (`article`; GET /history/contents lists them) or the whole as Word. Made
    once per state of the negotiation and kept."""
    _history_language(query)
    return _page_export(history_pages.instrument_history_pdf)


@operation(
    "GET",
    "/exports/history.docx",
    summary="The negotiating history of the instrument as Word: one article (`article`), or whole",
    query=InstrumentHistoryQuery,
    media_type=DOCX,
    errors=(404,),
    **EXPORT,
)
def export_history_docx(query: InstrumentHistoryQuery):
    """The page's download, made once per state of the negotiation and kept."""
    _history_language(query)
    return _page_export(history_pages.instrument_history_docx)
