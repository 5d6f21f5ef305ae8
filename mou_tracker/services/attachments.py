"""Documents attached to a negotiation, a meeting, a clause or an amendment: the note verbale, the concept paper, a
legal opinion.

The type is read from the content (core.sniffing), never from the name; the size is limited
(MOU_ATTACHMENT_MAX_BYTES); the bytes are kept with their SHA-256, in the row or under instance/attachments/
(MOU_ATTACHMENT_STORE), and checked against it when read. An attachment is shared or internal to the uploader's
party, like a comment; one on an amendment never tabled is internal whatever was asked (as a note on it is), and
one on an amendment the reader may not see is not found. Every upload and removal is in the audit trail (private to
the party for an internal one); only the uploader removes an attachment.

The files store keeps one file per content (its SHA-256), shared by every attachment of those bytes, and has
three rules so that a file is never missing for a committed row, whatever runs at the same time:
- an upload writes its file before its row, and once its transaction has committed puts the file back if it is
  gone (a removal of the same bytes may have deleted it in between, not yet seeing the new row);
- a file is deleted only after the removal has committed, and only when no committed row names its digest;
- that check and the deletion, and the putting back, each hold the store's lock (a file beside the files), so
  neither falls between the other's check and its act.
An upload whose transaction fails leaves its file behind: `remove_orphan_files` (`flask --app app
prune-attachment-files`) deletes files no row names once they are older than an hour (a younger one may belong to
an upload not yet committed).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session, SessionTransaction

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

#: A file no attachment names is deleted by the clean-up only once it is this old: a younger one may belong to an
#: upload whose transaction has not committed yet.
ORPHAN_AGE = timedelta(hours=1)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Storage:
    """Where and how much: from the application's configuration (the web and API layers build it)."""

    store: AttachmentStore
    max_bytes: int
    #: instance/attachments/ (store "files").
    directory: Path


def storage_from_config(config: Mapping[str, Any], instance_path: str) -> Storage:
    """The store the configuration names (MOU_ATTACHMENT_STORE, MOU_ATTACHMENT_MAX_BYTES, MOU_ATTACHMENT_DIR): for
    the pages, the API and the command line alike."""
    raw = config.get("MOU_ATTACHMENT_STORE", "db")
    store = AttachmentStore(raw) if raw in AttachmentStore.__members__ else AttachmentStore.db
    directory = config.get("MOU_ATTACHMENT_DIR") or str(Path(instance_path) / "attachments")
    return Storage(store, int(config["MOU_ATTACHMENT_MAX_BYTES"]), Path(directory))


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


#: A stored file's name: its SHA-256, under a folder named by its first two digits.
_DIGEST = re.compile(r"[0-9a-f]{64}")
#: A file being written (_write_file), left behind only by a process that died while writing.
_TEMPORARY_PREFIX = ".upload-"


@contextmanager
def _store_lock(storage: Storage) -> Iterator[None]:
    """Hold the store's lock (an advisory lock on a file in its folder, across processes and threads): a deletion's
    check-then-delete and an upload's put-back never interleave."""
    storage.directory.mkdir(parents=True, exist_ok=True)
    with open(storage.directory / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_file(storage: Storage, sha256: str, data: bytes) -> None:
    """Write the bytes under their digest, whole or not at all (a temporary file renamed). A file already there
    holds the same bytes: it is only marked as used now, so that the clean-up leaves it to this upload."""
    path = _path(storage, sha256)
    if path.exists():
        try:
            os.utime(path)
            return
        except FileNotFoundError:  # deleted since: write it again
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=_TEMPORARY_PREFIX)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


#: session.info key: the files this transaction's uploads need, {digest: (storage, bytes)}, checked at commit.
_NEEDED_FILES = "mou_attachment_files_needed"


def _need_after_commit(session: Session, storage: Storage, sha256: str, data: bytes) -> None:
    session.info.setdefault(_NEEDED_FILES, {})[sha256] = (storage, data)


@event.listens_for(Session, "after_commit")
def _put_back_needed_files(session: Session) -> None:
    """The uploads of this transaction are committed: their files must be there. A removal of the same bytes that
    committed meanwhile, before these rows, may have deleted one; write it again (under the lock, so a removal
    checking now sees these rows). Never raises: the action has committed; a file still missing is reported when
    it is read (content: "missing or damaged")."""
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: the transaction goes on
    needed = session.info.pop(_NEEDED_FILES, None)
    for sha256, (storage, data) in (needed or {}).items():
        try:
            with _store_lock(storage):
                if not _path(storage, sha256).exists():
                    _write_file(storage, sha256, data)
        except OSError:
            log.exception("Could not put back the attachment file %s after its upload committed", sha256)


@event.listens_for(Session, "after_transaction_end")
def _forget_needed_files(session: Session, transaction: SessionTransaction) -> None:
    """The transaction ended without committing (or has committed and its files are checked): nothing is owed. A
    file an upload rolled back wrote stays until the clean-up (remove_orphan_files)."""
    if transaction.parent is None:
        session.info.pop(_NEEDED_FILES, None)


def _referenced(session: Session, digests: list[str]) -> set[str]:
    """Which of these digests an attachment kept in the files store names, as committed now: read on a connection
    of its own (a fresh transaction), whatever the caller's session holds or has read before."""
    found: set[str] = set()
    with session.get_bind(Attachment).engine.connect() as connection:
        for start in range(0, len(digests), 500):
            chunk = digests[start : start + 500]
            found.update(
                connection.scalars(
                    select(Attachment.sha256)
                    .where(Attachment.store == AttachmentStore.files, Attachment.sha256.in_(chunk))
                    .distinct()
                )
            )
    return found


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
        _write_file(storage, digest, data)  # not locked: a removal that deletes it now is undone at commit
        _need_after_commit(session, storage, digest, data)
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
    """After a removal has committed: delete the stored file when no attachment holds those bytes any more. Checked
    under the store's lock, against what is committed: an upload of the same bytes that has committed is seen (its
    file is kept); one that has not yet puts its file back when it commits."""
    if not storage.directory.is_dir():
        return  # nothing was ever kept in files
    with _store_lock(storage):
        if not _referenced(session, [sha256]):
            _path(storage, sha256).unlink(missing_ok=True)


@dataclass(frozen=True)
class Pruned:
    """What remove_orphan_files did: the files it deleted (named by digest) and those it left because they are
    younger than the age asked for."""

    removed: list[str]
    too_young: int
    bytes_freed: int


def remove_orphan_files(
    session: Session, storage: Storage, *, older_than: timedelta = ORPHAN_AGE, now: float | None = None
) -> Pruned:
    """Delete the stored files no attachment names (left by an upload whose transaction failed, or by a process
    that died while writing), when they are older than `older_than`; never a file a committed attachment names.
    Each deletion re-checks, under the store's lock, that the file is still unnamed and still old (an upload of
    the same bytes marks the file as used now). Run by `flask --app app prune-attachment-files`."""
    directory = storage.directory
    if not directory.is_dir():
        return Pruned([], 0, 0)
    cutoff = (time.time() if now is None else now) - older_than.total_seconds()
    candidates: dict[str, Path] = {}
    temporaries: list[Path] = []
    too_young = 0
    for folder in sorted(directory.iterdir()):
        if not folder.is_dir() or len(folder.name) != 2:
            continue
        for path in sorted(folder.iterdir()):
            if path.name.startswith(_TEMPORARY_PREFIX):
                temporaries.append(path)
            elif _DIGEST.fullmatch(path.name) and path.name.startswith(folder.name) and path.is_file():
                candidates[path.name] = path
    referenced = _referenced(session, list(candidates))
    removed: list[str] = []
    freed = 0

    def old(path: Path) -> int | None:
        """The file's size when it is older than the cutoff; None when it is younger or gone."""
        try:
            status = path.stat()
        except FileNotFoundError:
            return None
        return status.st_size if status.st_mtime < cutoff else None

    for path in temporaries:
        if (size := old(path)) is None:
            too_young += path.exists()
            continue
        path.unlink(missing_ok=True)
        freed += size
    for sha256, path in candidates.items():
        if sha256 in referenced:
            continue
        if old(path) is None:
            too_young += path.exists()
            continue
        with _store_lock(storage):  # checked again: an upload of these bytes may have begun since
            size = old(path)
            if size is None or _referenced(session, [sha256]):
                continue
            path.unlink(missing_ok=True)
        removed.append(sha256)
        freed += size
    return Pruned(removed, too_young, freed)
