"""The API of everyday work: your notifications (read, unread, mark read) and the search of a negotiation, with
the same rules as the pages: only your own notifications, and only what you may see found."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from flask import current_app
from pydantic import Field

from ..core.messages import N_
from ..core.search_text import SnippetPart
from ..extensions import db
from ..mail import notification_text
from ..services import notifications as notification_service
from ..services import search as search_service
from ..services.errors import NotFound
from . import schemas as s
from .framework import actor, negotiation, operation

# Schemas ---------------------------------------------------------------------------------------------------------


class NotificationQuery(s.Paging):
    unread: bool = Field(False, description="Only the notifications not yet read")


class NotificationOut(s.Output):
    id: int
    kind: str = Field(description="What happened: the rule that told you (amendment.tabled, deadline.reply_near, ...)")
    text: str = Field(description="The sentence, in your language")
    target: str = Field(description="Where to act, as a path of the site (/n/<negotiation>/amendments/12)")
    link: str = Field(description="The same, as a full address")
    created_at: dt.datetime
    read_at: dt.datetime | None


class MarkedOut(s.Output):
    marked: int = Field(description="How many notifications were marked read (0 when already read)")


class SearchQuery(s.Paging):
    q: Annotated[str, Field(min_length=1, max_length=search_service.MAX_QUERY_LENGTH, description="The words")]
    kind: search_service.SearchKind | None = None
    party: s.PartyCode | None = Field(None, description="Only what this party wrote")
    since: s.Day | None = Field(None, description="Written on or after this day (UTC)")
    until: s.Day | None = Field(None, description="Written on or before this day (UTC)")
    per_page: int = Field(search_service.PAGE_SIZE, ge=1, le=100)


class SnippetPartOut(s.Output):
    text: str
    match: bool = Field(description="A word of the query (a page shows it highlighted)")


class SearchHitOut(s.Output):
    kind: search_service.SearchKind | None = Field(None, description="What the `kind` filter calls it")
    source: str = Field(description="clause_text, amendment_text, rationale, comment, meeting_note, audit, ...")
    language: str
    snippet: list[SnippetPartOut]
    clause: str | None = Field(None, description="The clause's wid, when the text belongs to a clause")
    amendment_id: int | None = None
    amendment: str | None = Field(None, description="The amendment's citation (CICA-3)")
    written_at: dt.datetime


# Operations ------------------------------------------------------------------------------------------------------


def _notification(row) -> NotificationOut:
    target = "/" + row.target
    return NotificationOut(
        id=row.id,
        kind=row.kind,
        text=notification_text(row.template, row.params, actor().language),
        target=target,
        link=current_app.config["MOU_BASE_URL"].rstrip("/") + target,
        created_at=row.created_at,
        read_at=row.read_at,
    )


@operation(
    "GET",
    "/notifications",
    summary="Your notifications of this negotiation, newest first (?unread=true: only those not yet read)",
    tag="Notifications",
    query=NotificationQuery,
    response=s.Page[NotificationOut],
)
def list_notifications(query: NotificationQuery):
    """Each in your language, with the page of the site where you act."""
    rows, pages = notification_service.page_of_notifications(
        db.session,
        actor(),
        instrument_id=negotiation().id,
        unread_only=query.unread,
        page=query.page,
        size=query.per_page,
    )
    return s.Page[NotificationOut](
        items=[_notification(r) for r in rows], page=query.page, per_page=query.per_page, total=pages.total
    )


@operation(
    "POST",
    "/notifications/{notification_id}/read",
    summary="Mark one of your notifications read",
    tag="Notifications",
    path_params={"notification_id": int},
    response=MarkedOut,
    errors=(404,),
)
def mark_notification_read(notification_id: int):
    """Marking a notification read twice is no error (`marked` is 0); another user's is not found."""
    if notification_service.owned(db.session, actor(), notification_id, negotiation().id) is None:
        raise NotFound(N_("There is no notification of yours with that number."))
    return MarkedOut(marked=notification_service.mark_read(db.session, actor(), notification_id))


@operation(
    "POST",
    "/notifications/read",
    summary="Mark all your notifications of this negotiation read",
    tag="Notifications",
    response=MarkedOut,
)
def mark_all_notifications_read():
    return MarkedOut(marked=notification_service.mark_read(db.session, actor(), instrument_id=negotiation().id))


def _parts(parts: list[SnippetPart]) -> list[SnippetPartOut]:
    return [SnippetPartOut(text=part.text, match=part.match) for part in parts]


@operation(
    "GET",
    "/search",
    summary="Search the negotiation: clause texts (current and past), amendments, rationales, comments, meeting "
    "notes and the audit trail, in every language, with stemming",
    tag="Search",
    query=SearchQuery,
    response=s.Page[SearchHitOut],
    errors=(400, 422),
)
def search(query: SearchQuery):
    """What the search page finds, with the same filters and the same visibility: another party's drafts and
    internal comments are never found. Newest first. Words too common to search for are refused (422)."""
    wanted = search_service.SearchFilter(
        query=query.q,
        kind=query.kind,
        party_code=query.party,
        date_from=query.since,
        date_to=query.until,
        page=query.page,
        size=query.per_page,
    )
    results = search_service.search(db.session, actor(), wanted)
    items = [
        SearchHitOut(
            kind=next((k for k in search_service.SearchKind if hit.entry.source in k.sources), None),
            source=hit.entry.source.value,
            language=hit.entry.language,
            snippet=_parts(hit.snippet),
            clause=hit.clause_wid,
            amendment_id=hit.amendment.id if hit.amendment else None,
            amendment=str(hit.amendment.citation) if hit.amendment else None,
            written_at=hit.entry.written_at,
        )
        for hit in results.hits
    ]
    return s.Page[SearchHitOut](items=items, page=query.page, per_page=query.per_page, total=results.pages.total)
