"""The API's request and response bodies, as pydantic models: they validate input and generate the
OpenAPI document's schemas, so the two cannot drift apart."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel

from ..core.clause_kinds import ClauseKind
from ..core.milestones import MeetingResult, MilestoneState, Outcome
from ..core.status import ClauseStatus, ReviewDecision
from ..core.text import MAX_CLAUSE_TEXT, MAX_HEADING, MAX_NOTE
from ..core.workflow import AmendmentKind, AmendmentState

MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Wid = Annotated[str, Field(min_length=1, max_length=40, description="A clause's stable identifier")]
LanguageCode = Annotated[str, Field(min_length=2, max_length=8, pattern=r"^[a-z]{2,8}$")]
Note = Annotated[str, Field(max_length=MAX_NOTE)]


def _iso_date(value):
    """Only a YYYY-MM-DD string: pydantic would otherwise read 0 or '0' as a Unix timestamp."""
    if isinstance(value, dt.date):
        return value
    if not (isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-"):
        raise ValueError("Give a date as YYYY-MM-DD")
    return dt.date.fromisoformat(value)


Day = Annotated[dt.date, BeforeValidator(_iso_date)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Output(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Errors -----------------------------------------------------------------------------------------------------------


class FieldProblem(Output):
    field: str = Field(description="Where the problem is, as a dotted path into the request ('texts.en.body')")
    message: str


class Problem(Output):
    """An RFC 9457 problem details object. `type` is a stable identifier a client can branch on."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldProblem] | None = None


# Reading ----------------------------------------------------------------------------------------------------------


class PartyOut(Output):
    code: str
    name: str


class LanguageOut(Output):
    code: str
    name: str
    required: bool


class InstrumentOut(Output):
    slug: str = Field(description="The negotiation's name in addresses: /api/v1/negotiations/{slug}/...")
    title: str
    short_title: str
    languages: list[LanguageOut]
    parties: list[PartyOut]


class NegotiationLanguageOut(Output):
    code: str
    name: str
    authoritative: bool = Field(description="The language whose text prevails; every clause has text in it")


class NextMeetingOut(Output):
    code: str
    name: str
    date: dt.date | None
    state: MilestoneState


class NegotiationOut(Output):
    slug: str = Field(description="The negotiation's name in addresses: /api/v1/negotiations/{slug}/...")
    title: str
    short_title: str
    parties: list[str] = Field(description="The codes of the parties taking part, e.g. 'CICA'")
    languages: list[NegotiationLanguageOut]
    clauses: int = Field(description="How many clauses the negotiation holds")
    open_amendments: int = Field(description="Amendments still open that you may see (your party's drafts too)")
    next_meeting: NextMeetingOut | None = Field(description="The first meeting not yet concluded, if any")


class TextOut(Output):
    heading: str | None
    body: str


class ClauseOut(Output):
    wid: str
    citation: str = Field(description="How the clause is cited in the current draft, e.g. 'Article 2(3)'")
    kind: ClauseKind
    parent_wid: str | None
    depth: int
    version: int = Field(description="The number of the clause's current version")
    status: ClauseStatus
    next_step: str = Field(description="Who must act next on the clause, in words")
    open_amendments: list[str] = Field(description="Citations of the amendments on the table, e.g. 'UNOCT-2'")
    texts: dict[str, TextOut]


class ClauseVersionOut(Output):
    seq: int
    created_at: dt.datetime
    created_by: str | None
    reason: str
    deleted: bool
    amendment_id: int | None = Field(description="The amendment this version adopted, if any")
    texts: dict[str, TextOut]


class ClauseDetailOut(Output):
    wid: str
    kind: ClauseKind
    citation: str | None = Field(description="None when the clause has been deleted from the draft")
    versions: list[ClauseVersionOut] = Field(description="Every version, newest first")


class InsertionPointOut(Output):
    parent_wid: str | None
    after_wid: str | None
    clause_kind: ClauseKind


class AmendmentOut(Output):
    id: int
    citation: str
    party: str
    kind: AmendmentKind
    state: AmendmentState
    clause_wid: str | None
    insertion: InsertionPointOut | None
    answers_id: int | None
    revision: int = Field(description="The number of the latest revision")
    rationale: str
    texts: dict[str, TextOut]
    created_at: dt.datetime
    tabled_at: dt.datetime | None
    closed_at: dt.datetime | None
    rejection_reason: str


class RevisionOut(Output):
    seq: int
    created_at: dt.datetime
    created_by: str
    base_version: int | None
    rationale: str
    note: str
    texts: dict[str, TextOut]


class ReviewOut(Output):
    id: int
    revision: int
    decision: ReviewDecision
    comment: str
    reviewer: str
    created_at: dt.datetime
    lapsed: bool = Field(description="True when the amendment was revised after this review")


class ResponseOut(Output):
    party: str
    kind: Literal["concur", "reject"]
    reason: str
    revision: int
    created_at: dt.datetime
    by: str


class AmendmentDetailOut(AmendmentOut):
    revisions: list[RevisionOut]
    reviews: list[ReviewOut]
    responses: list[ResponseOut]


class OutcomeOut(Output):
    clause_wid: str
    outcome: Outcome
    reserved_by: str
    note: str
    recorded_at: dt.datetime


class MilestoneOut(Output):
    code: str
    name: str
    body: str
    date: dt.date | None
    position: int
    state: MilestoneState
    frozen_at: dt.datetime | None
    concluded_at: dt.datetime | None
    result: MeetingResult | None
    result_note: str


class FrozenClauseOut(Output):
    clause_wid: str
    version: int


class MilestoneDetailOut(MilestoneOut):
    snapshot: list[FrozenClauseOut]
    outcomes: list[OutcomeOut]


class StatusClauseOut(Output):
    wid: str
    citation: str
    status: ClauseStatus
    next_step: str
    open_amendments: list[str]
    days_open: int


class StatusReportOut(Output):
    generated_at: dt.datetime
    counts: dict[str, int] = Field(description="Clauses per status")
    ready: int = Field(description="Clauses not bracketed")
    total: int
    next_meeting: str | None
    clauses: list[StatusClauseOut]


class AuditEventOut(Output):
    id: int
    occurred_at: dt.datetime
    actor: str | None
    kind: str
    subject_type: str
    subject_id: str
    clause_wid: str | None
    summary: str


Item = TypeVar("Item")


class Page(Output, Generic[Item]):
    items: list[Item]
    page: int
    per_page: int
    total: int


# Query strings ----------------------------------------------------------------------------------------------------


class Paging(Input):
    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(50, ge=1, le=200)


class ClauseQuery(Paging):
    status: ClauseStatus | None = None
    kind: ClauseKind | None = None


class AmendmentQuery(Paging):
    clause: Wid | None = None
    party: Annotated[str, Field(min_length=1, max_length=16)] | None = None
    state: AmendmentState | None = None
    since: Day | None = Field(None, description="Proposed on or after this day (UTC)")
    until: Day | None = Field(None, description="Proposed on or before this day (UTC)")


class AuditQuery(Paging):
    clause: Wid | None = None
    party: Annotated[str, Field(min_length=1, max_length=16)] | None = None
    kind: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    since: Day | None = Field(None, description="On or after this day (UTC)")
    until: Day | None = Field(None, description="On or before this day (UTC)")


# Writing ----------------------------------------------------------------------------------------------------------


class TextIn(Input):
    heading: Annotated[str, Field(max_length=MAX_HEADING)] | None = None
    body: Annotated[str, Field(max_length=MAX_CLAUSE_TEXT)]


Texts = Annotated[
    dict[LanguageCode, TextIn],
    Field(max_length=8, description="New wording per language; a language left out is not changed"),
]
Rationale = Annotated[str, Field(min_length=1, max_length=MAX_NOTE)]


class ChangeIn(Input):
    kind: Literal["change"]
    clause: Wid
    texts: Texts
    rationale: Rationale
    answers_id: Id | None = Field(None, description="The other party's amendment this one answers")


class DeletionIn(Input):
    kind: Literal["delete"]
    clause: Wid
    rationale: Rationale
    answers_id: Id | None = None


class InsertionIn(Input):
    kind: Literal["insert"]
    parent: Wid | None = Field(None, description="The clause to insert under; none for the top level")
    after: Wid | None = Field(None, description="The clause to insert after; none to insert first")
    clause_kind: ClauseKind
    texts: Texts
    rationale: Rationale


class ProposalIn(RootModel[Annotated[ChangeIn | DeletionIn | InsertionIn, Field(discriminator="kind")]]):
    pass


class RevisionIn(Input):
    texts: Texts = Field(default_factory=dict)
    rationale: Rationale
    note: Note = ""


class RejectionIn(Input):
    reason: Annotated[str, Field(min_length=1, max_length=MAX_NOTE)]


class ReviewIn(Input):
    decision: ReviewDecision
    comment: Note = ""


class OutcomeIn(Input):
    outcome: Outcome
    reserved_by: Annotated[str, Field(max_length=200)] = ""
    note: Note = ""


class ConclusionIn(Input):
    result: MeetingResult
    note: Note = ""


class MilestoneEditIn(Input):
    """A partial update: a field left out stays as it is; `"date": null` removes the date. A meeting always has a
    name, so `"name": null` is refused (the default below is never validated, so only an explicit null is)."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = None  # type: ignore[assignment]
    date: Day | None = None
