"""Documents attached to a negotiation, a meeting, a clause or an amendment: the note verbale, the concept paper, a
legal opinion.

The type is read from the content (core.sniffing), never from the name; the size is limited
(MOU_ATTACHMENT_MAX_BYTES); the bytes are kept with their SHA-256, in the row or under instance/attachments/
(MOU_ATTACHMENT_STORE), and checked against it when read. An attachment is shared or internal to the uploader's
party, like a comment; one on an amendment never tabled is internal whatever was asked (as a note on it is), and
one on an amendment the reader may not see is not found. Every upload and removal is in the audit trail (private to
the party for an internal one); only the uploader removes an attachment.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..core import discussion as rules
from ..core import sniffing
from ..core.messages import N_, Message
from ..models import Amendment, AttachedTo, Attachment, AttachmentStore, Milestone, User
from . import audit
from .amendments import get_amendment, visible_to
from .discussion import clause_in_negotiation, readable
from .draft import current_instrument
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from .meetings import get_milestone
from .validation import clean_field

MAX_DESCRIPTION = 300


@dataclass(frozen=True)
class Storage:
    """Where and how much: from the application's configuration (the web and API layers build it)."""

    store: AttachmentStore
    max_bytes: int
    #: instance/attachments/ (store "files").
    directory: Path


@dataclass(frozen=True)
class Target:
    """What an attachment hangs on, as the reader names it: the negotiation (no key), a meeting (its code), a
    clause (its wid) or an amendment (its id)."""

    kind: AttachedTo
    key: str | int | None = None


@dataclass(frozen=True)
class _Resolved:
    columns: dict
    subject: object
    #: An amendment never tabled: what is attached to it stays inside its party.
    forced_internal: bool
    clause_id: int | None


def _resolve(session: Session, actor: User, target: Target) -> _Resolved:
    instrument = current_instrument(session)
    if target.kind is AttachedTo.negotiation:
        return _Resolved({}, instrument, False, None)
    if target.kind is AttachedTo.meeting:
        meeting = get_milestone(session, str(target.key or ""))
        return _Resolved({"milestone_id": meeting.id}, meeting, False, None)
    if target.kind is AttachedTo.clause:
        clause = clause_in_negotiation(session, str(target.key or ""))
        return _Resolved({"clause_id": clause.id}, clause, False, clause.id)
    amendment_id = target.key if isinstance(target.key, int) else None
    if amendment_id is None:
        raise NotFound(N_("There is no amendment with that number, or it is not visible to you."))
    amendment = get_amendment(session, actor, amendment_id)  # not found when the reader may not see it
    return _Resolved({"amendment_id": amendment.id}, amendment, not amendment.was_tabled, amendment.clause_id)


_COLUMN = {AttachedTo.meeting: "milestone_id", AttachedTo.clause: "clause_id", AttachedTo.amendment: "amendment_id"}


def on(session: Session, actor: User, target: Target, *, loaded: object | None = None) -> list[Attachment]:
    """The attachments of one thing the reader may see, in the order attached. `loaded`: the meeting, clause or
    amendment itself, when the page showing it has already read it (and, for an amendment, found it visible to the
    reader with amendments.get_amendment): it is not read again."""
    if not rules.can_read(actor, internal=False, party_id=None):
        raise PermissionDenied(N_("Sign in to read the attachments."))
    column: str | None
    if loaded is not None and target.kind in _COLUMN:
        column, value = _COLUMN[target.kind], getattr(loaded, "id", None)
    else:
        column, value = next(iter(_resolve(session, actor, target).columns.items()), (None, None))
    statement = select(Attachment).where(
        Attachment.instrument_id == current_instrument(session).id,
        Attachment.attached_to == target.kind,
        readable(Attachment, actor),
    )
    if column is not None:
        statement = statement.where(getattr(Attachment, column) == value)
    return list(session.scalars(statement.order_by(Attachment.uploaded_at, Attachment.id)))


def in_negotiation(session: Session, actor: User) -> list[Attachment]:
    """Every attachment of the negotiation the reader may see (those on another party's drafts are not)."""
    if not rules.can_read(actor, internal=False, party_id=None):
        raise PermissionDenied(N_("Sign in to read the attachments."))
    statement = (
        select(Attachment)
        .outerjoin(Amendment, Amendment.id == Attachment.amendment_id)
        .where(
            Attachment.instrument_id == current_instrument(session).id,
            readable(Attachment, actor),
            or_(Attachment.amendment_id.is_(None), visible_to(actor)),
        )
        .order_by(Attachment.uploaded_at.desc(), Attachment.id.desc())
    )
    return list(session.scalars(statement))


def of_meeting(session: Session, actor: User, milestone: Milestone) -> list[Attachment]:
    """For the meeting page and its pack: the meeting's attachments the reader may see."""
    return list(
        session.scalars(
            select(Attachment)
            .where(Attachment.milestone_id == milestone.id, readable(Attachment, actor))
            .order_by(Attachment.uploaded_at, Attachment.id)
        )
    )


def _path(storage: Storage, sha256: str) -> Path:
    return storage.directory / sha256[:2] / sha256


def _write_file(storage: Storage, sha256: str, data: bytes) -> None:
    """Write the bytes under their digest, whole or not at all (a temporary file renamed); a file already there
    holds the same bytes."""
    path = _path(storage, sha256)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def upload(
    session: Session,
    actor: User,
    target: Target,
    filename: str,
    data: bytes,
    *,
    internal: bool,
    storage: Storage,
    description: str = "",
) -> Attachment:
    """Attach a document: refused, with nothing written, when the reader may not, the file is empty, too large or
    not one of the accepted documents (whatever its name says)."""
    if not rules.can_post(actor, internal=internal):
        if internal and rules.can_post(actor, internal=False):
            raise PermissionDenied(N_("An internal attachment needs a party: you can only attach a shared one."))
        raise PermissionDenied(N_("Only the people who work on the negotiation attach documents to it."))
    resolved = _resolve(session, actor, target)
    try:
        sniffing.check_size(len(data), storage.max_bytes)
        kind = sniffing.sniff(data)
    except sniffing.FileRefused as refused:
        raise ValidationFailed(refused.message) from None
    note = clean_field(description, Message(N_("The description")), MAX_DESCRIPTION, required=False)
    internal = internal or resolved.forced_internal
    digest = hashlib.sha256(data).hexdigest()
    name = sniffing.clean_filename(filename or "", kind)
    if storage.store is AttachmentStore.files:
        _write_file(storage, digest, data)
    attachment = Attachment(
        instrument_id=current_instrument(session).id,
        attached_to=target.kind,
        filename=name,
        media_type=kind.media_type,
        size_bytes=len(data),
        sha256=digest,
        description=note,
        uploaded_by=actor,
        party_id=actor.party_id,
        internal=internal,
        store=storage.store,
        content=data if storage.store is AttachmentStore.db else None,
        **resolved.columns,
    )
    session.add(attachment)
    session.flush()
    audit.record(
        session,
        actor,
        "attachment.added",
        attachment,
        f"Attached {name} ({kind.media_type}, {len(data)} bytes) to the {target.kind.value}",
        after={"filename": name, "sha256": digest, "size": len(data), "media_type": kind.media_type},
        private_to_party_id=actor.party_id if internal else None,
        clause_id=resolved.clause_id,
    )
    session.flush()
    return attachment


def get(session: Session, actor: User, attachment_id: int) -> Attachment:
    """The attachment, if the reader may see it (and what it hangs on); otherwise not found, as for a missing id."""
    attachment = session.get(Attachment, attachment_id)
    missing = NotFound(N_("There is no attachment with that number, or it is not visible to you."))
    if (
        attachment is None
        or attachment.instrument_id != current_instrument(session).id
        or not rules.can_read(actor, internal=attachment.internal, party_id=attachment.party_id)
    ):
        raise missing
    if attachment.amendment_id is not None:
        try:
            get_amendment(session, actor, attachment.amendment_id)
        except NotFound:
            raise missing from None
    return attachment


def content(session: Session, actor: User, attachment_id: int, storage: Storage) -> tuple[Attachment, bytes]:
    """The attachment and its bytes, checked against the SHA-256 recorded when it was attached."""
    attachment = get(session, actor, attachment_id)
    if attachment.store is AttachmentStore.db:
        data = session.scalar(select(Attachment.content).where(Attachment.id == attachment.id)) or b""
    else:
        try:
            data = _path(storage, attachment.sha256).read_bytes()
        except OSError:
            data = b""
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise Conflict(
            Message(
                N_("The stored copy of %(name)s is missing or damaged; ask an administrator to restore it."),
                name=attachment.filename,
            )
        )
    return attachment, data


def remove(session: Session, actor: User, attachment_id: int, storage: Storage) -> Attachment:
    """Remove an attachment: its uploader only. The audit trail keeps its name and digest."""
    attachment = get(session, actor, attachment_id)
    if not rules.can_delete_attachment(actor, attachment.uploaded_by_id):
        raise PermissionDenied(N_("Only the person who attached a document removes it."))
    audit.record(
        session,
        actor,
        "attachment.removed",
        attachment,
        f"Removed the attachment {attachment.filename}",
        before={"filename": attachment.filename, "sha256": attachment.sha256, "size": attachment.size_bytes},
        private_to_party_id=attachment.party_id if attachment.internal else None,
        clause_id=attachment.clause_id,
    )
    session.delete(attachment)
    session.flush()
    return attachment


def forget_file(session: Session, storage: Storage, sha256: str) -> None:
    """After a removal has committed: delete the stored file when no attachment holds those bytes any more."""
    if session.scalar(select(Attachment.id).where(Attachment.sha256 == sha256).limit(1)) is None:
        _path(storage, sha256).unlink(missing_ok=True)
