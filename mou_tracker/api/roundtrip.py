"""The API of the Word round trip (issue #16): upload a marked-up Word document (multipart/form-data), read the
amendments it would make, confirm the chosen ones. The same service as the pages, so the same rules: negotiators
only, the amendments always the uploader's party's internal drafts, a preview only its uploader's."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from flask import request
from pydantic import Field

from ..core.text import MAX_NOTE
from ..extensions import db
from ..imports.docx_reader import MAX_FILE_BYTES
from ..services import roundtrip as service
from . import schemas as s
from .framework import Link, actor, operation, scoped_url, uploaded_file

PREVIEW_ID: dict[str, type] = {"preview_id": int}
THIS_PREVIEW = {"preview_id": "$response.body#/id"}

UPLOAD_FORM = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "contentMediaType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "description": "The Word document (.docx), with tracked changes and comments, or retyped clean; at most "
            "20 MiB. Macro-enabled, encrypted and damaged documents are refused.",
        },
        "based_on": {
            "type": "string",
            "default": "now",
            "description": "For a clean document (no tracked changes): the draft it was made from: now, "
            "date:YYYY-MM-DD or milestone:CODE. A document with tracked changes says itself what it changes.",
        },
    },
}


class CreditOut(s.Output):
    author: str
    date: dt.datetime | None


class WordCommentOut(s.Output):
    author: str
    date: dt.datetime | None
    text: str


class WordsOut(s.Output):
    heading: str | None
    body: str


class ProposedAmendmentOut(s.Output):
    number: int = Field(description="Its number in this preview: what `confirm` chooses")
    kind: str = Field(description="change, insert or delete")
    clause: str | None = Field(description="The clause's wid (none for a new clause)")
    citation: str
    texts: dict[str, WordsOut] = Field(description="The proposed words per language")
    base_texts: dict[str, WordsOut] = Field(description="The words it was written against per language")
    source: str = Field(description="tracked (Word's tracked changes) or comparison (a clean document)")
    credits: list[CreditOut] = Field(description="Who made the changes in the document, and when")
    comments: list[WordCommentOut] = Field(description="Word comments: internal comments of your party once created")
    outdated: bool = Field(description="Written against an older text of the clause: it will need a rebase")
    new_kind: str | None


class UnmatchedOut(s.Output):
    paragraph: int
    text: str
    reason: str


class RoundtripPreviewOut(s.Output):
    id: int
    file: str
    sha256: str
    tracked: bool
    nothing_changed: bool
    stale: bool = Field(description="The draft changed since the document was read: confirming is refused")
    amendments: list[ProposedAmendmentOut]
    unmatched: list[UnmatchedOut]
    notices: list[str]


class ConfirmIn(s.Input):
    amendments: Annotated[list[Annotated[int, Field(ge=1, le=100_000)]], Field(max_length=10_000)] = Field(
        description="The numbers of the previewed amendments to create"
    )


class CreatedOut(s.Output):
    amendments: list[int] = Field(description="The ids of the draft amendments created")


def _words(words: dict[str, tuple[str | None, str]]) -> dict[str, WordsOut]:
    return {language: WordsOut(heading=heading, body=body) for language, (heading, body) in words.items()}


def _preview(reading: service.PreviewReading) -> RoundtripPreviewOut:
    preview = reading.preview
    return RoundtripPreviewOut(
        id=preview.id,
        file=preview.file_name,
        sha256=preview.sha256,
        tracked=bool(preview.payload.get("tracked")),
        nothing_changed=reading.nothing_changed,
        stale=reading.stale,
        amendments=[
            ProposedAmendmentOut(
                number=item.number,
                kind=item.kind.value,
                clause=item.clause_wid,
                citation=str(item.citation),
                texts=_words(item.texts),
                base_texts=_words(item.base_texts),
                source=item.source.value,
                credits=[CreditOut(author=author, date=when) for author, when in item.credits],
                comments=[WordCommentOut(author=a, date=when, text=text[:MAX_NOTE]) for a, when, text in item.comments],
                outdated=item.outdated,
                new_kind=item.new_kind.value if item.new_kind else None,
            )
            for item in reading.items
        ],
        unmatched=[UnmatchedOut(paragraph=i, text=text, reason=str(reason)) for i, text, reason in reading.unmatched],
        notices=[str(notice) for notice in reading.notices],
    )


def _takes_a_document(view):
    """The request may be as large as a document (web.allow_larger_uploads reads it before the body)."""
    view.max_upload = MAX_FILE_BYTES + 64 * 1024
    return view


@operation(
    "POST",
    "/word-changes",
    summary="Upload a marked-up Word document (multipart/form-data): the amendments it would make, not yet made",
    tag="Word round trip",
    response=RoundtripPreviewOut,
    status=201,
    form_body=UPLOAD_FORM,
    errors=(403, 413),
    links={"ConfirmWordChanges": Link("confirm_word_changes", THIS_PREVIEW, "Create the chosen amendments")},
)
@_takes_a_document
def upload_word_changes():
    upload = uploaded_file("document")
    preview = service.prepare(
        db.session,
        actor(),
        name=upload.filename or "document.docx",
        data=upload.read(MAX_FILE_BYTES + 1),
        point=request.form.get("based_on") or "now",
    )
    reading = service.read_preview(db.session, actor(), preview.id)
    return _preview(reading), {"Location": scoped_url("get_word_changes", preview_id=preview.id)}


@operation(
    "GET",
    "/word-changes/{preview_id}",
    summary="A previewed Word document: the amendments it would make (only its uploader reads it)",
    tag="Word round trip",
    path_params=PREVIEW_ID,
    response=RoundtripPreviewOut,
    errors=(403,),
)
def get_word_changes(preview_id: int):
    return _preview(service.read_preview(db.session, actor(), preview_id))


@operation(
    "POST",
    "/word-changes/{preview_id}/confirm",
    summary="Create the chosen amendments of a previewed document as your party's internal drafts, all or none",
    tag="Word round trip",
    path_params=PREVIEW_ID,
    body=ConfirmIn,
    response=CreatedOut,
    status=201,
    errors=(403, 409),
)
def confirm_word_changes(preview_id: int, body: ConfirmIn):
    """Refused (409) when the draft changed since the document was read: upload it again."""
    made = service.confirm(db.session, actor(), preview_id, body.amendments)
    return CreatedOut(amendments=[a.id for a in made])
