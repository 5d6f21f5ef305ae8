"""The API of a clause's discussion and of attached documents: the same services as the pages, so the same rules
(an internal post or attachment is its party's alone; a mention outside the party in an internal post is refused;
the type of a file is read from its content)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from flask import request
from pydantic import Field

from ..core.text import MAX_NOTE
from ..extensions import db
from ..models import AttachedTo, Attachment, Clause, ClausePost, Milestone
from ..models.base import MAX_ID
from ..services import attachments as attachment_service
from ..services import discussion as discussion_service
from ..web.discussion import attachment_response, storage, upload_limit
from . import schemas as s
from .framework import ApiProblem, Link, actor, operation, scoped_url, uploaded_file

WID: dict[str, type] = {"wid": str}
ATTACHMENT_ID: dict[str, type] = {"attachment_id": int}


class PostIn(s.Input):
    body: Annotated[str, Field(min_length=1, max_length=MAX_NOTE)] = Field(
        description="The post; name people with @login (they are told)"
    )
    internal: bool = Field(
        False,
        description="Read only by your party. Mentioning anyone outside your party in an internal post is refused.",
    )


class PostOut(s.Output):
    id: int
    clause: str = Field(description="The clause's wid")
    author: str
    party: str | None = Field(description="The author's party when writing")
    internal: bool
    body: str
    mentioned: list[str] = Field(description="The logins the post names")
    created_at: dt.datetime


class AttachmentQuery(s.Paging):
    on: Literal["negotiation", "meeting", "clause", "amendment"] = Field(
        "negotiation", description="What the attachments hang on"
    )
    key: Annotated[str, Field(min_length=1, max_length=40)] | None = Field(
        None, description="The meeting's code, the clause's wid or the amendment's id (not for the negotiation)"
    )


class AttachmentOut(s.Output):
    id: int
    attached_to: Literal["negotiation", "meeting", "clause", "amendment"]
    meeting: str | None = Field(description="The meeting's code, when attached to a meeting")
    clause: str | None = Field(description="The clause's wid, when attached to a clause")
    amendment: int | None = Field(description="The amendment's id, when attached to an amendment")
    filename: str
    media_type: str = Field(description="The type read from the content (never from the name)")
    size: int
    sha256: str
    description: str
    internal: bool
    party: str | None
    uploaded_by: str
    uploaded_at: dt.datetime
    download: str = Field(description="Where to download it")


def _post(post: ClausePost, wid: str) -> PostOut:
    return PostOut(
        id=post.id,
        clause=wid,
        author=post.author.display_name,
        party=post.party.code if post.party else None,
        internal=post.internal,
        body=post.body,
        mentioned=[mention.user.login for mention in post.mentions],
        created_at=post.created_at,
    )


def _attachment(item: Attachment) -> AttachmentOut:
    meeting = db.session.get(Milestone, item.milestone_id) if item.milestone_id else None
    clause = db.session.get(Clause, item.clause_id) if item.clause_id else None
    return AttachmentOut(
        id=item.id,
        attached_to=item.attached_to.value,
        meeting=meeting.code if meeting else None,
        clause=clause.wid if clause else None,
        amendment=item.amendment_id,
        filename=item.filename,
        media_type=item.media_type,
        size=item.size_bytes,
        sha256=item.sha256,
        description=item.description,
        internal=item.internal,
        party=item.party.code if item.party else None,
        uploaded_by=item.uploaded_by.display_name,
        uploaded_at=item.uploaded_at,
        download=scoped_url("download_attachment", attachment_id=item.id),
    )


def _page(items: list, query: s.Paging) -> dict:
    start = (query.page - 1) * query.per_page
    return {
        "items": items[start : start + query.per_page],
        "page": query.page,
        "per_page": query.per_page,
        "total": len(items),
    }


@operation(
    "GET",
    "/clauses/{wid}/posts",
    summary="A clause's discussion as you may read it: shared posts, and your party's internal ones",
    tag="Discussion",
    path_params=WID,
    query=s.Paging,
    response=s.Page[PostOut],
)
def list_posts(wid: str, query: s.Paging):
    clause = discussion_service.clause_in_negotiation(db.session, wid)
    posts = discussion_service.thread(db.session, actor(), clause)
    return s.Page[PostOut](**_page([_post(p, clause.wid) for p in posts], query))


@operation(
    "POST",
    "/clauses/{wid}/posts",
    summary="Write in a clause's discussion; @login names people, who are told",
    tag="Discussion",
    path_params=WID,
    body=PostIn,
    response=PostOut,
    status=201,
    links={"ListPosts": Link("list_posts", {"wid": "$request.path.wid"})},
)
def add_post(wid: str, body: PostIn):
    post = discussion_service.add_post(db.session, actor(), wid, body.body, internal=body.internal)
    return _post(post, wid), {"Location": scoped_url("list_posts", wid=wid) + f"#post-{post.id}"}


def _target(on: str, key: str | None) -> attachment_service.Target:
    kind = AttachedTo(on)
    if kind is AttachedTo.negotiation:
        return attachment_service.Target(kind)
    if not key:
        raise ApiProblem(422, f"Name the {on} with 'key'.")
    if kind is AttachedTo.amendment:
        if not (key.isascii() and key.isdigit() and 1 <= int(key) <= MAX_ID):
            raise ApiProblem(422, "An amendment's key is its id, a whole number.")
        return attachment_service.Target(kind, int(key))
    return attachment_service.Target(kind, key)


@operation(
    "GET",
    "/attachments",
    summary="The documents attached to the negotiation, a meeting, a clause or an amendment, as you may see them",
    tag="Attachments",
    query=AttachmentQuery,
    response=s.Page[AttachmentOut],
)
def list_attachments(query: AttachmentQuery):
    items = attachment_service.on(db.session, actor(), _target(query.on, query.key))
    return s.Page[AttachmentOut](**_page([_attachment(a) for a in items], query))


UPLOAD_FORM = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "description": "PDF, DOCX, ODT, XLSX, PNG or JPEG, recognised from its content; at most the configured "
            "MOU_ATTACHMENT_MAX_BYTES (20 MiB by default). A program renamed to .pdf is refused.",
        },
        "on": {"type": "string", "enum": [kind.value for kind in AttachedTo], "default": "negotiation"},
        "key": {"type": "string", "description": "The meeting's code, the clause's wid or the amendment's id"},
        "internal": {"type": "boolean", "default": False, "description": "Read only by your party"},
        "description": {"type": "string", "maxLength": attachment_service.MAX_DESCRIPTION},
    },
}


def _takes_files(view):
    """The request may be as large as an attachment (web.allow_larger_uploads reads it before the body)."""
    view.max_upload = upload_limit
    return view


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


@operation(
    "POST",
    "/attachments",
    summary="Attach a document (multipart/form-data)",
    tag="Attachments",
    response=AttachmentOut,
    status=201,
    form_body=UPLOAD_FORM,
    errors=(413,),
)
@_takes_files
def upload_attachment():
    upload = uploaded_file("file")
    on = request.form.get("on") or "negotiation"
    if on not in AttachedTo.__members__:
        raise ApiProblem(422, "'on' is one of: negotiation, meeting, clause, amendment.")
    internal = (request.form.get("internal") or "").strip().lower()
    if internal not in _TRUE | _FALSE:
        raise ApiProblem(422, "'internal' is true or false.")
    limits = storage()
    item = attachment_service.upload(
        db.session,
        actor(),
        _target(on, request.form.get("key")),
        upload.filename or "",
        upload.read(),
        internal=internal in _TRUE,
        storage=limits,
        description=request.form.get("description") or "",
    )
    return _attachment(item), {"Location": scoped_url("download_attachment", attachment_id=item.id)}


@operation(
    "GET",
    "/attachments/{attachment_id}",
    summary="Download an attached document (Content-Disposition: attachment; its type read from its content)",
    tag="Attachments",
    path_params=ATTACHMENT_ID,
    response=str,
    media_type="application/octet-stream",
)
def download_attachment(attachment_id: int):
    item, data = attachment_service.content(db.session, actor(), attachment_id, storage())
    return attachment_response(item, data)


@operation(
    "DELETE",
    "/attachments/{attachment_id}",
    summary="Remove a document you attached (the audit trail keeps its name and SHA-256)",
    tag="Attachments",
    path_params=ATTACHMENT_ID,
    status=204,
)
def delete_attachment(attachment_id: int):
    limits = storage()
    removed = attachment_service.remove(db.session, actor(), attachment_id, limits)
    digest = removed.sha256
    db.session.commit()
    attachment_service.forget_file(db.session, limits, digest)
