"""Word round trip: a negotiator uploads the party's marked-up (or retyped) Word document, reads the amendments it
would make, chooses, and confirms; they are created as the party's internal drafts in one go.

Reading the file is imports.docx_revisions; matching it to the clauses and grouping the changes is core.roundtrip;
creating each amendment is services.amendments (its rules apply unchanged: who may propose, texts, duplicates).
This service checks who may upload, keeps the reading in a preview that only the uploader reads, and on
confirmation creates the chosen amendments, keeps each one's source on its revision (file, SHA-256, the tracked
change's author and date) and turns the Word comments into internal comments of the uploader's party.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from ..core import roundtrip as core
from ..core.clause_kinds import ClauseKind
from ..core.messages import N_, Message
from ..core.text import MAX_NOTE
from ..imports.docx_reader import ImportRefused
from ..models import Amendment, Clause, ClauseVersion, RoundtripPreview, User
from ..models.base import utcnow
from . import amendments, audit
from .draft import current_instrument, in_reading_order, versions_as_of
from .errors import Conflict, NotFound, ValidationFailed
from .imports import _message_data, message_of
from .redlines import Point, end_of_day, parse_point

#: The rationale of an amendment read from a document: Word has no place for one; the negotiator writes it
#: before tabling (it is the party's internal draft until then).
RATIONALE = {
    core.Source.tracked: "Read from the tracked changes of a Word document; rationale to be given before tabling.",
    core.Source.comparison: "Read from a Word document compared with the draft; rationale to be given before tabling.",
}


#: How long an unconfirmed preview is kept.
PREVIEW_KEPT = dt.timedelta(days=1)


# Reading the draft the document is matched to --------------------------------------------------------------


def draft_stamp(session: Session) -> str:
    """The draft's state in one word: the newest clause version and how many there are. A preview read at one
    stamp is stale once the draft has moved on (a clause adopted, added or deleted since)."""
    instrument = current_instrument(session)
    newest, count = session.execute(
        select(func.max(ClauseVersion.id), func.count(ClauseVersion.id))
        .join(Clause, Clause.id == ClauseVersion.clause_id)
        .where(Clause.instrument_id == instrument.id)
    ).one()
    return f"{newest or 0}:{count}"


def _base_clauses(
    session: Session, point: Point | None, exported_at: dt.datetime | None = None
) -> list[core.BaseClause]:
    """The draft's clauses in reading order at `point` (None: at `exported_at`, or now), each with all of its
    versions, newest first."""
    instrument = current_instrument(session)
    if point is not None and point.kind == "milestone":
        from .meetings import get_milestone, snapshot

        at_point = snapshot(session, get_milestone(session, point.value))
    else:
        as_of = end_of_day(point.value) if point is not None and point.kind == "date" else exported_at
        at_point = versions_as_of(session, instrument.id, as_of)
    numbered = in_reading_order(at_point)
    clauses = {
        clause.id: clause
        for clause in session.scalars(
            select(Clause)
            .where(Clause.instrument_id == instrument.id)
            .options(selectinload(Clause.versions).selectinload(ClauseVersion.texts))
        )
    }
    wids = {clause.id: clause.wid for clause in clauses.values()}
    result = []
    for item in numbered:
        clause = clauses[item.clause.id]
        versions = tuple(
            core.BaseVersion(v.id, v.seq, {t.language: (t.heading, t.body) for t in v.texts})
            for v in reversed(clause.versions)
            if not v.is_deleted
        )
        if not versions:
            continue
        result.append(
            core.BaseClause(
                clause.wid,
                clause.kind,
                item.label,
                item.citation,
                wids.get(clause.parent_id) if clause.parent_id else None,
                versions,
                reference_key=item.version.id,
                deleted=clause.versions[-1].is_deleted,
            )
        )
    return result


# The preview -----------------------------------------------------------------------------------------------


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def reading_data(reading: core.Reading, notices: Sequence[Message]) -> dict:
    """The reading as stored in a preview (JSON): sentences keep their template, to be said in the reader's
    language."""
    return {
        "proposals": [
            {
                "kind": p.kind.value,
                "clause_wid": p.clause_wid,
                "citation": _message_data(p.citation),
                "texts": {language: list(words) for language, words in p.texts.items()},
                "base_texts": {language: list(words) for language, words in p.base_texts.items()},
                "base_key": p.base_key,
                "source": p.source.value,
                "credits": [{"author": c.author, "date": _when(c.date)} for c in p.credits],
                "comments": [{"author": c.author, "date": _when(c.date), "text": c.text} for c in p.comments],
                "paragraphs": list(p.paragraphs),
                "new_kind": p.new_kind.value if p.new_kind else None,
                "parent_wid": p.parent_wid,
                "after_wid": p.after_wid,
                "outdated": p.outdated,
            }
            for p in reading.proposals
        ],
        "matches": {how.value: sum(1 for m in reading.matches if m.how is how) for how in core.MatchHow},
        "unmatched": [
            {"paragraph": u.paragraph, "text": u.text[:500], "reason": _message_data(u.reason)}
            for u in reading.unmatched
        ],
        "notices": [_message_data(n) for n in [*notices, *reading.notices]],
    }


@dataclass(frozen=True)
class ProposedItem:
    """One amendment the preview would create, as pages and the API show it."""

    number: int
    kind: core.ProposalKind
    clause_wid: str | None
    citation: Message
    #: {language: (heading, body)} proposed, and what it was written against.
    texts: dict[str, tuple[str | None, str]]
    base_texts: dict[str, tuple[str | None, str]]
    source: core.Source
    #: "Legal Office, 20 November 2026" per author of the changes.
    credits: list[tuple[str, dt.datetime | None]]
    comments: list[tuple[str, dt.datetime | None, str]]
    outdated: bool
    new_kind: ClauseKind | None


@dataclass(frozen=True)
class PreviewReading:
    preview: RoundtripPreview
    items: list[ProposedItem]
    unmatched: list[tuple[int, str, Message]]
    notices: list[Message]
    matches: dict[str, int]
    #: The draft moved on since the document was read: confirming is refused.
    stale: bool

    @property
    def nothing_changed(self) -> bool:
        return not self.items


def _date(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def read_preview(session: Session, actor: User, preview_id: int) -> PreviewReading:
    preview = get_preview(session, actor, preview_id)
    data = preview.payload
    items = [
        ProposedItem(
            number,
            core.ProposalKind(p["kind"]),
            p["clause_wid"],
            message_of(p["citation"]),
            {language: (words[0], words[1]) for language, words in p["texts"].items()},
            {language: (words[0], words[1]) for language, words in p["base_texts"].items()},
            core.Source(p["source"]),
            [(c["author"], _date(c["date"])) for c in p["credits"]],
            [(c["author"], _date(c["date"]), c["text"]) for c in p["comments"]],
            p["outdated"],
            ClauseKind(p["new_kind"]) if p["new_kind"] else None,
        )
        for number, p in enumerate(data["proposals"], start=1)
    ]
    return PreviewReading(
        preview,
        items,
        [(u["paragraph"], u["text"], message_of(u["reason"])) for u in data["unmatched"]],
        [message_of(n) for n in data["notices"]],
        data["matches"],
        stale=preview.draft_stamp != draft_stamp(session),
    )


def require_uploader(actor: User) -> None:
    """Negotiators only, for their own party: the amendments made are always the uploader's party's."""
    amendments.require_proposer(actor)


def prepare(session: Session, actor: User, *, name: str, data: bytes, point: str | None = None) -> RoundtripPreview:
    """Read an uploaded document into a preview of the amendments it would make. Only the preview is stored.
    `point`: what a clean (untracked) document was based on ("now", "date:YYYY-MM-DD", "milestone:CODE")."""
    from ..imports.docx_revisions import read_revised_docx

    require_uploader(actor)
    try:
        document = read_revised_docx(data)
    except ImportRefused as exc:
        raise ValidationFailed(Message(N_("%(file)s: %(reason)s"), file=name, reason=exc.message)) from None
    return prepare_from_document(
        session, actor, document, name=name, sha256=hashlib.sha256(data).hexdigest(), point=point
    )


def prepare_from_document(
    session: Session, actor: User, document, *, name: str, sha256: str, point: str | None = None
) -> RoundtripPreview:
    """As `prepare`, from a document already read (imports.docx_revisions.RevisedDocument)."""
    require_uploader(actor)
    instrument = current_instrument(session)
    if document.negotiation and document.negotiation != instrument.slug:
        raise ValidationFailed(
            Message(
                N_(
                    "This document was exported from another negotiation (%(other)s), not from %(negotiation)s: "
                    "upload it there."
                ),
                other=document.negotiation,
                negotiation=instrument.short_title,
            )
        )
    chosen = None
    if not document.tracked:
        chosen = parse_point(session, point or "now")
        if chosen.kind == "party":
            raise ValidationFailed(
                N_("A clean document is compared with the draft now, at a date, or as frozen for a meeting.")
            )
        if chosen.kind == "now":
            chosen = None
    # A clean copy of the product's own export says when it was exported: compared with the draft as it stood
    # then, never with a later one (its changes since would read as the document's proposals to undo them).
    exported_at = _exported_at(document.based_on) if not document.tracked and chosen is None else None
    clauses = _base_clauses(session, chosen, exported_at)
    if not clauses:
        raise ValidationFailed(N_("The draft had no clauses at that point: there is nothing to compare with."))
    languages = instrument.language_codes
    required = [lang.code for lang in instrument.languages if lang.required]
    known = set(session.scalars(select(Clause.wid).where(Clause.instrument_id == instrument.id)))
    reading = core.read_changes(document, clauses, languages, required=required, known_wids=known)
    # A preview left unconfirmed is dropped a day later, at the uploader's next upload: the table stays small.
    session.execute(
        delete(RoundtripPreview)
        .where(RoundtripPreview.user_id == actor.id, RoundtripPreview.created_at < utcnow() - PREVIEW_KEPT)
        .execution_options(synchronize_session=False)
    )
    preview = RoundtripPreview(
        instrument_id=instrument.id,
        user_id=actor.id,
        file_name=(name or "document.docx")[:200],
        sha256=sha256,
        draft_stamp=draft_stamp(session),
        payload={
            **reading_data(reading, document.notices),
            "tracked": document.tracked,
            "point": chosen.key if chosen else (f"exported:{exported_at.isoformat()}" if exported_at else "now"),
        },
    )
    session.add(preview)
    session.flush()
    return preview


def _exported_at(value: str | None) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return when.replace(tzinfo=dt.UTC) if when is not None and when.tzinfo is None else when


def get_preview(session: Session, actor: User, preview_id: int) -> RoundtripPreview:
    require_uploader(actor)
    preview = session.get(RoundtripPreview, preview_id)
    if preview is None or preview.instrument_id != current_instrument(session).id or preview.user_id != actor.id:
        raise NotFound(N_("There is no such document to review: it was confirmed, or it is someone else's."))
    return preview


# Confirming ------------------------------------------------------------------------------------------------


def _texts(words: dict) -> dict[str, amendments.TextInput]:
    return {language: amendments.TextInput(heading, body) for language, (heading, body) in words.items()}


def _comment_body(comment: dict, file_name: str) -> str:
    when = _date(comment["date"])
    said = f"{comment['author'] or 'Word'}{', ' + when.strftime('%d %B %Y') if when else ''}"
    body = f"{said} (Word comment in {file_name}): {comment['text']}"
    return body if len(body) <= MAX_NOTE else body[: MAX_NOTE - 1] + "…"


def _source(file_name: str, sha256: str, credits: list[dict]) -> amendments.RevisionSource:
    """The file, and who made the changes in it (several authors: all named) and when (the latest change)."""
    authors = ", ".join(dict.fromkeys(c["author"] for c in credits if c["author"]))
    dates = [d for d in (_date(c["date"]) for c in credits) if d]
    return amendments.RevisionSource(file_name, sha256, authors[:200] or None, max(dates) if dates else None)


def confirm(session: Session, actor: User, preview_id: int, chosen: Sequence[int]) -> list[Amendment]:
    """Create the chosen amendments (numbers as the preview lists them, from 1) as the uploader's party's internal
    drafts, all or none; drop the preview. Refused when the draft moved on since the document was read."""
    preview = get_preview(session, actor, preview_id)
    if preview.draft_stamp != draft_stamp(session):
        raise Conflict(
            N_(
                "The draft has changed since this document was read (a clause was adopted, added or deleted): "
                "the matches shown may no longer hold. Upload the document again."
            )
        )
    proposals = preview.payload["proposals"]
    wanted = sorted(set(chosen))
    if not wanted:
        raise ValidationFailed(N_("Choose at least one amendment to create."))
    if any(not 1 <= number <= len(proposals) for number in wanted):
        raise ValidationFailed(N_("There is no such amendment in the preview."))
    file_name, sha256, payload = preview.file_name, preview.sha256, preview.payload
    # Taken first, by one DELETE: of two confirmations of the same preview at once, the second waits for the
    # first's row lock (PostgreSQL) or write lock (SQLite), then finds nothing and is refused: never made twice.
    taken = session.execute(
        delete(RoundtripPreview).where(RoundtripPreview.id == preview.id).execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(N_("This document's amendments have just been created: see the amendments list."))
    session.expunge(preview)
    versions = {
        v.id: v
        for v in session.scalars(
            select(ClauseVersion).where(
                ClauseVersion.id.in_([proposals[n - 1]["base_key"] for n in wanted if proposals[n - 1]["base_key"]])
            )
        )
    }
    made: list[Amendment] = []
    for number in wanted:
        data = proposals[number - 1]
        kind = core.ProposalKind(data["kind"])
        rationale = RATIONALE[core.Source(data["source"])]
        base = versions.get(data["base_key"]) if data["outdated"] else None
        source = _source(file_name, sha256, data["credits"])
        try:
            if kind is core.ProposalKind.change:
                amendment = amendments.propose_change(
                    session,
                    actor,
                    data["clause_wid"],
                    _texts(data["texts"]),
                    rationale,
                    written_against=base,
                    source=source,
                )
            elif kind is core.ProposalKind.delete:
                amendment = amendments.propose_deletion(
                    session, actor, data["clause_wid"], rationale, written_against=base, source=source
                )
            else:
                amendment = amendments.propose_insertion(
                    session,
                    actor,
                    parent_wid=data["parent_wid"],
                    after_wid=data["after_wid"],
                    kind=ClauseKind(data["new_kind"]),
                    texts=_texts(data["texts"]),
                    rationale=rationale,
                    source=source,
                )
        except (ValidationFailed, Conflict, NotFound) as exc:
            # All or none: the caller rolls back; the user learns which one and why.
            raise ValidationFailed(
                Message(
                    N_("Amendment %(number)s (%(citation)s) cannot be made: %(reason)s"),
                    number=number,
                    citation=message_of(data["citation"]),
                    reason=exc.message,
                )
            ) from None
        for comment in data["comments"]:
            amendments.add_comment(session, actor, amendment.id, _comment_body(comment, file_name), internal=True)
        made.append(amendment)
    session.flush()
    audit.record(
        session,
        actor,
        "amendments.read_from_document",
        current_instrument(session),
        f"{len(made)} draft amendments of {actor.party.code if actor.party else ''} read from {file_name} "
        f"(SHA-256 {sha256}): {', '.join(str(a.citation) for a in made)}",
        after={
            "file": file_name,
            "sha256": sha256,
            "amendments": [a.id for a in made],
            "tracked": payload.get("tracked"),
            "point": payload.get("point"),
        },
        # The party's internal drafting: the other party learns nothing of it until an amendment is tabled.
        private_to_party_id=actor.party_id,
    )
    return made
