"""The API's request and response bodies, as pydantic models: they validate input and generate the
OpenAPI document's schemas, so the two cannot drift apart."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel

from ..core.clause_kinds import ClauseKind
from ..core.milestones import MeetingResult, MilestoneState, Outcome
from ..core.status import ClauseStatus, ReviewDecision
from ..core.text import MAX_CLAUSE_TEXT, MAX_HEADING, MAX_NOTE
from ..core.workflow import AmendmentKind, AmendmentState, RedlineBasis

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
PartyCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=16,
        description="A party's code, as the instrument lists them (e.g. 'CICA'); an unknown code is refused (422)",
    ),
]


def _no_default(schema: dict) -> None:
    """A field of a partial update has no default in the document: left out, it is unchanged (not null)."""
    schema.pop("default", None)


def omittable(description: str, **constraints) -> Any:
    """A field of a partial update: left out, the current value stays; an explicit value (or null, where the type
    allows it) replaces it. The view reads `model_fields_set` to tell the two apart."""
    return Field(None, description=description, json_schema_extra=_no_default, **constraints)


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
    open_brackets: int = Field(
        0,
        description="Open square brackets in the current text (groups of alternatives, bracketed wordings, "
        "placeholders such as '[date]', unbalanced brackets) in its most bracketed language; a clause with any is "
        "bracketed",
    )
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


class CommentOut(Output):
    id: int
    author: str
    party: str | None = Field(description="The author's party when writing")
    internal: bool = Field(description="An internal note, read only by the author's party")
    body: str
    created_at: dt.datetime


class RunOut(Output):
    """One run of a redline: unchanged, inserted or deleted text, with the party a change is attributed to."""

    op: Literal["equal", "insert", "delete"]
    text: str
    party: str | None = Field(description="The party the change is attributed to; null on an unchanged run")


class RedlineOut(Output):
    runs: list[RunOut]
    html: str = Field(
        description='The same runs rendered as escaped HTML: <del class="rl-del"> and <ins class="rl-ins">, '
        'each run of changes followed by <sup class="rl-party"> naming the party'
    )
    changed: bool


class LanguageRedlineOut(Output):
    language: str
    heading: RedlineOut | None = Field(description="Null when neither side has a heading")
    body: RedlineOut


class AmendmentRedlineOut(Output):
    amendment_id: int
    citation: str
    party: str
    state: AmendmentState
    revision: int = Field(description="The revision shown (the latest)")
    basis: RedlineBasis = Field(description="What the redline is drawn against")
    against_version: int | None = Field(description="The clause version drawn against; null for a new clause")
    outdated: bool = Field(description="Written against a version that is no longer the clause's current one")
    languages: list[LanguageRedlineOut]


class ComparisonOut(Output):
    first: AmendmentRedlineOut
    second: AmendmentRedlineOut
    between: list[LanguageRedlineOut] = Field(description="The second amendment's words against the first's")


class VersionsRedlineOut(Output):
    wid: str
    from_version: int
    to_version: int
    languages: list[LanguageRedlineOut]


class PointOut(Output):
    key: str = Field(description="'now', 'date:YYYY-MM-DD', 'milestone:CODE' or 'party:CODE'")
    label: str


class DraftRedlineRowOut(Output):
    wid: str | None = Field(description="The clause's stable id; null for a clause a party proposes to insert")
    kind: ClauseKind
    depth: int
    old_citation: str | None
    new_citation: str | None
    status: Literal["added", "deleted", "changed", "unchanged"]
    party: str = Field(description="The party the change is attributed to ('' when unchanged)")
    changed_at: dt.datetime | None
    languages: list[LanguageRedlineOut]


class DraftRedlineOut(Output):
    from_point: PointOut = Field(alias="from")
    to_point: PointOut = Field(alias="to")
    counts: dict[str, int] = Field(description="Rows per status, over the whole draft")
    notes: list[str]
    rows: list[DraftRedlineRowOut] = Field(description="This page of the rows, in reading order")
    page: int
    per_page: int
    total: int = Field(description="Rows matching (all, or only the changed ones)")

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)


class RebaseLanguageOut(Output):
    language: str
    clean: bool = Field(description="The proposal's change applies to the clause's new text")
    text: str | None = Field(description="The proposal reapplied onto the new text; null when it does not apply")
    failed_hunks: int
    preview: LanguageRedlineOut | None = Field(description="The rebased text against the clause's new text")


class RebasePlanOut(Output):
    amendment_id: int
    revision: int = Field(description="The amendment's latest revision, which the rebase would follow")
    from_version: int = Field(description="The clause version the amendment was written against")
    onto_version: int = Field(description="The clause's current version, to rebase onto; send it back to confirm")
    clean: bool = Field(description="Every language applies: the rebase can be confirmed")
    clause_deleted: bool
    languages: list[RebaseLanguageOut]


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
    party: PartyCode | None = None
    state: AmendmentState | None = None
    since: Day | None = Field(None, description="Proposed on or after this day (UTC)")
    until: Day | None = Field(None, description="Proposed on or before this day (UTC)")


class AuditFilterQuery(Input):
    clause: Wid | None = None
    party: PartyCode | None = None
    kind: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    since: Day | None = Field(None, description="On or after this day (UTC)")
    until: Day | None = Field(None, description="On or before this day (UTC)")


class AuditQuery(Paging, AuditFilterQuery):
    pass


Point = Annotated[
    str,
    Field(
        min_length=3,
        max_length=40,
        description="A state of the draft: 'now', 'date:YYYY-MM-DD' (the end of that day), 'milestone:CODE' (the "
        "draft frozen for a meeting) or 'party:CODE' (the current draft with that party's open amendments applied)",
    ),
]


class AmendmentRedlineQuery(Input):
    as_written: bool = Field(
        False, description="Draw an open amendment against the version it was written on, not the current text"
    )


class VersionsQuery(Input):
    from_version: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None, alias="from", description="The older version's number; by default the one before `to`"
    )
    to_version: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None, alias="to", description="The newer version's number; by default the current one"
    )


class AttributionQuery(Input):
    language: str = Field(description="The language of the text, one of the negotiation's (`en`, `ru`)", max_length=8)


class AttributedRunOut(Output):
    text: str = Field(description="Words of the current text; the runs, joined, are exactly the current text")
    version: int = Field(description="The version that introduced these words")
    citation: str = Field(description="The adopted amendment that wrote them ('UNOCT-1'); '' for a version without one")
    party: str = Field(description="The party whose words they are")
    proposed_by: str
    cleared_by: list[str] = Field(description="The legal reviewers who cleared the adopted wording")
    endorsed_at: str | None = Field(description="The code of the first meeting that endorsed these words")
    date: dt.datetime = Field(description="When the version was recorded")


class ClauseAttributionOut(Output):
    wid: str
    language: str
    version: int = Field(description="The current version's number")
    runs: list[AttributedRunOut]


class DraftRedlineQuery(Paging):
    from_point: Point | None = Field(
        None, alias="from", description="By default the last meeting's frozen draft, else the first draft"
    )
    to_point: Point = Field("now", alias="to")
    only_changes: bool = Field(False, description="Only the rows that changed")


class ExportPointQuery(Input):
    at: Point = Field("now", description="'now', 'date:YYYY-MM-DD' or 'milestone:CODE'")


class ExportRedlineQuery(Input):
    from_point: Point | None = Field(
        None, alias="from", description="By default the last meeting's frozen draft, else the first draft"
    )
    to_point: Point = Field("now", alias="to")


class ExportRedlinePdfQuery(ExportRedlineQuery):
    only: Literal["changes"] | None = Field(None, description="'changes': print only the clauses that changed")


# Writing ----------------------------------------------------------------------------------------------------------

Heading = Annotated[str, Field(max_length=MAX_HEADING)]
Body = Annotated[str, Field(max_length=MAX_CLAUSE_TEXT)]


class TextIn(Input):
    """A language's wording in a change or a revision: a partial update of the words it starts from (the clause's
    current text, or the amendment's latest revision)."""

    heading: Heading | None = omittable(
        "Left out: the heading stays as it is. null: the heading is removed. Only articles have headings."
    )
    body: Body = omittable("Left out: the text stays as it is (it cannot be removed: null is refused).")


class NewTextIn(Input):
    """A language's wording of a new clause: nothing to keep, so the body is required and no heading means none."""

    heading: Heading | None = Field(None, description="Only articles have headings")
    body: Body


Texts = Annotated[
    dict[LanguageCode, TextIn],
    Field(
        max_length=8,
        description="Wording per language. A language left out is unchanged, and so is a field left out of a "
        'language; `"heading": null` removes the heading',
    ),
]
NewTexts = Annotated[dict[LanguageCode, NewTextIn], Field(max_length=8, description="Wording per language")]
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
    texts: NewTexts
    rationale: Rationale


class ProposalIn(RootModel[Annotated[ChangeIn | DeletionIn | InsertionIn, Field(discriminator="kind")]]):
    pass


class RevisionIn(Input):
    """A partial update of the amendment's latest revision: what is left out stays as it is."""

    texts: Texts = Field(default_factory=dict)
    rationale: Rationale = omittable("Left out: the rationale stays as it is (null is refused)")
    note: Note = Field("", description="Why this revision was made (belongs to this revision alone)")


class CommentIn(Input):
    body: Annotated[str, Field(min_length=1, max_length=MAX_NOTE)]
    internal: bool = Field(
        False,
        description="An internal note, read only by your party. A note on an amendment never tabled is always "
        "internal.",
    )


class RebaseIn(Input):
    onto_version: Annotated[int, Field(ge=1, le=MAX_ID)] = Field(
        description="The clause version the plan showed (its `onto_version`): refused if the clause moved on since"
    )


class RejectionIn(Input):
    reason: Annotated[str, Field(min_length=1, max_length=MAX_NOTE)]


class ReviewIn(Input):
    decision: ReviewDecision
    comment: Note = ""


class OutcomeIn(Input):
    outcome: Outcome
    reserved_by: Annotated[str, Field(max_length=200)] = ""
    note: Note = ""
    confirm_brackets: bool = Field(
        False,
        description="The chair confirms endorsing a clause whose frozen text still holds square brackets (it stays "
        "bracketed); without it such an endorsement is refused",
    )


class ConclusionIn(Input):
    result: MeetingResult
    note: Note = ""


class MilestoneEditIn(Input):
    """A partial update: a field left out stays as it is; `"date": null` removes the date. A meeting always has a
    name, so `"name": null` is refused (the default below is never validated, so only an explicit null is)."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = omittable("Left out: unchanged (null is refused)")
    date: Day | None = omittable("Left out: unchanged. null: the meeting has no date yet")
