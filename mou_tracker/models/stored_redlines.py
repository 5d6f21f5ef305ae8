"""Redlines computed once, when the words they compare are written, and kept (core.stored_redline).

Which pairs: each amendment revision against the version it was written on and against the revision before it,
each clause version against the version before it, each open amendment against a new version of its clause (what
an outdated amendment reads against), and the versions frozen for the meetings against each other and against each
new version (the whole-draft redline between two meetings, or from a meeting to now; the meeting pack; a clause
changed since a meeting). Per language, heading and body alike. They are written in the same
flush as the words, by the hook below, so no service has to remember to; the pages read them in bulk
(services.redlines) and diff only what was never kept (rows written before the table existed and not filled by its
migration, or a pair no write produces, such as two meetings' drafts far apart). A new diff engine names every pair
anew: `refill` (`flask refill-stored-redlines`) then keeps again, in batches, every redline the pages read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import JSON, String, delete, event, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..core import stored_redline
from ..core.redline import diff_tokens
from ..core.workflow import OPEN_STATES, AmendmentKind
from .amendments import Amendment, AmendmentRevision, AmendmentText
from .base import Base, table_of
from .instrument import Clause, ClauseText, ClauseVersion
from .meetings import MilestoneSnapshot


class StoredRedline(Base):
    """The redline between two texts: [[op, length], ...] (core.stored_redline), named by the digest of the engine
    and the two texts. Never updated: a pair's redline never changes, and a new engine names pairs anew."""

    __tablename__ = "stored_redlines"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    segments: Mapped[list] = mapped_column(JSON)


Words = tuple[str | None, str | None]  # (heading, body)
#: {language: (heading, body)} of one version or revision.
Texts = dict[str, Words]


def text_pairs(old: Texts, new: Texts) -> Iterator[tuple[str, str]]:
    """The (old, new) text pairs a redline of these words diffs: per language that `new` has, heading and body."""
    for language, (heading, body) in new.items():
        old_heading, old_body = old.get(language, (None, None))
        yield old_heading or "", heading or ""
        yield old_body or "", body or ""


# Everything below reads plain rows (Core statements on the flush's connection): the hook runs inside the flush,
# where loading ORM objects would put rows into the identity map that the flush is about to register.


def _version_texts(session: Session, version_ids: set[int]) -> dict[int, Texts]:
    out: dict[int, Texts] = {version_id: {} for version_id in version_ids}
    if version_ids:
        for version_id, language, heading, body in session.execute(
            select(ClauseText.version_id, ClauseText.language, ClauseText.heading, ClauseText.body).where(
                ClauseText.version_id.in_(version_ids)
            )
        ):
            out[version_id][language] = (heading, body)
    return out


def _revision_texts(session: Session, revision_ids: set[int]) -> dict[int, Texts]:
    out: dict[int, Texts] = {revision_id: {} for revision_id in revision_ids}
    if revision_ids:
        for revision_id, language, heading, body in session.execute(
            select(AmendmentText.revision_id, AmendmentText.language, AmendmentText.heading, AmendmentText.body).where(
                AmendmentText.revision_id.in_(revision_ids)
            )
        ):
            out[revision_id][language] = (heading, body)
    return out


def _revision_pairs(session: Session, revision_ids: set[int]) -> Iterator[tuple[str, int, int]]:
    """("version" or "revision", older id, new revision id): each new revision of a change against the version it
    was written on, and each new revision (of a change or a new clause) against the revision before it."""
    new = session.execute(
        select(
            AmendmentRevision.id,
            AmendmentRevision.amendment_id,
            AmendmentRevision.seq,
            AmendmentRevision.base_version_id,
            Amendment.kind,
        )
        .join(Amendment, Amendment.id == AmendmentRevision.amendment_id)
        .where(AmendmentRevision.id.in_(revision_ids), Amendment.kind != AmendmentKind.delete)
    ).all()
    if not new:
        return
    earlier = {
        (amendment_id, seq): revision_id
        for revision_id, amendment_id, seq in session.execute(
            select(AmendmentRevision.id, AmendmentRevision.amendment_id, AmendmentRevision.seq).where(
                AmendmentRevision.amendment_id.in_({row.amendment_id for row in new})
            )
        )
    }
    for revision_id, amendment_id, seq, base_id, kind in new:
        if kind is AmendmentKind.change and base_id is not None:
            yield ("version", base_id, revision_id)
        previous = earlier.get((amendment_id, seq - 1))
        if previous is not None:
            yield ("revision", previous, revision_id)


def _open_changes(session: Session, clause_ids: set[int]) -> list[tuple[int, int, int | None]]:
    """(clause id, latest revision id, its base version id) of each open change to these clauses."""
    latest = (
        select(AmendmentRevision.amendment_id, func.max(AmendmentRevision.seq).label("seq"))
        .group_by(AmendmentRevision.amendment_id)
        .subquery()
    )
    return [
        (clause_id, revision_id, base_id)
        for clause_id, revision_id, base_id in session.execute(
            select(Amendment.clause_id, AmendmentRevision.id, AmendmentRevision.base_version_id)
            .join(latest, latest.c.amendment_id == Amendment.id)
            .join(
                AmendmentRevision,
                (AmendmentRevision.amendment_id == Amendment.id) & (AmendmentRevision.seq == latest.c.seq),
            )
            .where(
                Amendment.clause_id.in_(clause_ids),
                Amendment.state.in_(OPEN_STATES),
                Amendment.kind == AmendmentKind.change,
            )
        )
    ]


def pairs_written(session: Session, objects: Iterable[object]) -> Iterator[tuple[str, str]]:
    """The text pairs whose redlines the pages will ask for, from the revisions, versions and meeting drafts just
    written (`objects`: the flush's new objects)."""
    revision_ids: set[int] = set()
    version_ids: set[int] = set()
    snapshots: list[tuple[int, int, int]] = []  # (milestone id, clause id, version id)
    for obj in objects:
        if isinstance(obj, AmendmentRevision):
            revision_ids.add(obj.id)
        elif isinstance(obj, AmendmentText):
            revision_ids.add(obj.revision_id)
        elif isinstance(obj, ClauseVersion):
            version_ids.add(obj.id)
        elif isinstance(obj, ClauseText):
            version_ids.add(obj.version_id)
        elif isinstance(obj, MilestoneSnapshot):
            snapshots.append((obj.milestone_id, obj.clause_id, obj.version_id))
    return pairs_of(session, revision_ids, version_ids, snapshots)


def pairs_of(
    session: Session, revision_ids: set[int], version_ids: set[int], snapshots: list[tuple[int, int, int]]
) -> Iterator[tuple[str, str]]:
    """The text pairs the pages read with these revisions, versions and meeting drafts (milestone id, clause id,
    version id), as if they had just been written: what the hook keeps for them, and, given all of a clause's,
    what `refill` keeps for it (its versions' chain, its amendments' revisions, its open changes and its meetings'
    drafts against its current version)."""
    # (older version id, newer version id) and (older version or revision id, newer revision id) to diff.
    version_pairs: set[tuple[int, int]] = set()
    revision_pairs: set[tuple[str, int, int]] = set(_revision_pairs(session, revision_ids)) if revision_ids else set()

    newest: dict[int, int] = {}  # clause id: its current version, when written now (not a deletion, not the first)
    if version_ids:
        new = session.execute(
            select(ClauseVersion.id, ClauseVersion.clause_id, ClauseVersion.seq, ClauseVersion.is_deleted).where(
                ClauseVersion.id.in_(version_ids)
            )
        ).all()
        chains: dict[int, dict[int, tuple[int, bool]]] = {}  # clause id: {seq: (version id, deleted)}
        changed = {row.clause_id for row in new if row.seq > 1}
        for version_id, clause_id, seq, is_deleted in (
            session.execute(
                select(ClauseVersion.id, ClauseVersion.clause_id, ClauseVersion.seq, ClauseVersion.is_deleted).where(
                    ClauseVersion.clause_id.in_(changed)
                )
            )
            if changed
            else []
        ):
            chains.setdefault(clause_id, {})[seq] = (version_id, is_deleted)
        for version_id, clause_id, seq, is_deleted in new:
            if is_deleted or seq == 1:  # a deletion has no words to redline; a first version nothing before it
                continue
            chain = chains.get(clause_id, {})
            previous = chain.get(seq - 1)
            if previous is not None and not previous[1]:
                version_pairs.add((previous[0], version_id))
            if seq == max(chain):  # the clause's current version (not when a later one deleted the clause)
                newest[clause_id] = version_id
        if newest:
            # The clause's open amendments now read against its new version (they are outdated, or about to be).
            for clause_id, revision_id, base_id in _open_changes(session, set(newest)):
                if base_id != newest[clause_id]:
                    revision_pairs.add(("version", newest[clause_id], revision_id))

    # The versions frozen for the meetings, against each new version of their clause and against each other.
    frozen_clauses = set(newest) | {clause_id for _, clause_id, _ in snapshots}
    if frozen_clauses:
        frozen: dict[int, list[tuple[int, int]]] = {}  # clause id: [(milestone id, version id)]
        for milestone_id, clause_id, version_id in session.execute(
            select(MilestoneSnapshot.milestone_id, MilestoneSnapshot.clause_id, MilestoneSnapshot.version_id).where(
                MilestoneSnapshot.clause_id.in_(frozen_clauses)
            )
        ):
            frozen.setdefault(clause_id, []).append((milestone_id, version_id))
        for clause_id, version_id in newest.items():
            version_pairs.update((then, version_id) for _, then in frozen.get(clause_id, []))
        for milestone_id, clause_id, version_id in snapshots:
            for other, then in frozen.get(clause_id, []):
                if other != milestone_id:
                    version_pairs.add((min(then, version_id), max(then, version_id)))

    version_pairs = {(older, newer) for older, newer in version_pairs if older != newer}
    needed_versions = {v for pair in version_pairs for v in pair}
    needed_versions |= {older for kind, older, _ in revision_pairs if kind == "version"}
    versions = _version_texts(session, needed_versions)
    needed_revisions = {revision_id for _, _, revision_id in revision_pairs}
    needed_revisions |= {older for kind, older, _ in revision_pairs if kind == "revision"}
    revisions = _revision_texts(session, needed_revisions)
    for older, newer in version_pairs:
        yield from text_pairs(versions[older], versions[newer])
    for kind, older, revision_id in revision_pairs:
        yield from text_pairs(versions[older] if kind == "version" else revisions[older], revisions[revision_id])


def _insert_ignoring_duplicates(session: Session):
    """An INSERT that leaves a row already there alone: the same pair may be written by two transactions at once
    (two identical proposals), and the second must not fail for it."""
    table = table_of(StoredRedline)
    dialect = session.connection().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=["digest"])
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=["digest"])
    return insert(table)


_WORDS = (AmendmentRevision, AmendmentText, ClauseVersion, ClauseText, MilestoneSnapshot)


@event.listens_for(Session, "after_flush")
def _store_redlines_of_what_was_written(session: Session, _flush_context) -> None:
    """Diff and keep, in the same transaction, the redlines the new revisions, versions and meeting drafts will be
    read with."""
    written = [obj for obj in session.new if isinstance(obj, _WORDS)]
    if not written:
        return
    rows: dict[str, stored_redline.Encoded] = {}
    with session.no_autoflush:
        for old, new in pairs_written(session, written):
            if stored_redline.is_trivial(old, new):
                continue
            key = stored_redline.digest(old, new)
            if key not in rows:
                rows[key] = _diffed(key, old, new)
        _insert(session, rows)


def _diffed(key: str, old: str, new: str) -> stored_redline.Encoded:
    return stored_redline.recall(key) or stored_redline.encode(diff_tokens(old, new))


def _insert(session: Session, rows: dict[str, stored_redline.Encoded]) -> None:
    if rows:
        session.connection().execute(
            _insert_ignoring_duplicates(session), [{"digest": k, "segments": v} for k, v in rows.items()]
        )
    for key, encoded in rows.items():
        # Kept in this process too (a rolled-back transaction leaves it right: the redline of a pair never changes).
        stored_redline.remember(key, encoded)


# Refilling -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refilled:
    """What `refill` did: rows written, rows found there already, rows removed (with `prune`)."""

    written: int
    kept: int
    pruned: int


#: How many clauses (or proposals of new clauses) `refill` reads at a time: their pairs are gathered in a few
#: queries, whatever their number.
REFILL_READ_CHUNK = 50
#: The most digests asked for in one query (SQLite admits 32,766 parameters).
_LOOKUP_CHUNK = 5_000


_T = TypeVar("_T")


def _chunks(items: Sequence[_T], size: int) -> Iterator[list[_T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _every_pair(session: Session) -> Iterator[list[tuple[str, str]]]:
    """The text pairs the pages read, a few clauses at a time: each clause's versions, its amendments' revisions and
    its meetings' drafts (`pairs_of` with all of them), then the revisions of the proposals of new clauses."""
    clause_ids = session.scalars(select(Clause.id).order_by(Clause.id)).all()
    for chunk in _chunks(clause_ids, REFILL_READ_CHUNK):
        version_ids = set(session.scalars(select(ClauseVersion.id).where(ClauseVersion.clause_id.in_(chunk))))
        revision_ids = set(
            session.scalars(
                select(AmendmentRevision.id)
                .join(Amendment, Amendment.id == AmendmentRevision.amendment_id)
                .where(Amendment.clause_id.in_(chunk))
            )
        )
        snapshots = [
            (milestone_id, clause_id, version_id)
            for milestone_id, clause_id, version_id in session.execute(
                select(MilestoneSnapshot.milestone_id, MilestoneSnapshot.clause_id, MilestoneSnapshot.version_id).where(
                    MilestoneSnapshot.clause_id.in_(chunk)
                )
            )
        ]
        yield list(pairs_of(session, revision_ids, version_ids, snapshots))
    new_clauses = session.scalars(
        select(Amendment.id).where(Amendment.clause_id.is_(None)).order_by(Amendment.id)
    ).all()
    for chunk in _chunks(new_clauses, REFILL_READ_CHUNK * 10):
        revision_ids = set(
            session.scalars(select(AmendmentRevision.id).where(AmendmentRevision.amendment_id.in_(chunk)))
        )
        yield list(pairs_of(session, revision_ids, set(), []))


def _present(session: Session, keys: Iterable[str]) -> set[str]:
    """Which of these digests have a row."""
    out: set[str] = set()
    for chunk in _chunks(sorted(keys), _LOOKUP_CHUNK):
        out.update(session.scalars(select(StoredRedline.digest).where(StoredRedline.digest.in_(chunk))))
    return out


def refill(session: Session, commit: Callable[[], None], *, batch_size: int = 500, prune: bool = False) -> Refilled:
    """Diff and keep every redline the pages read that has no row (the pairs migration 0023 filled: after a change
    of the diff engine, none has), committing every `batch_size` rows written: it runs beside a serving app, and
    an interrupted run loses one batch at most; a second run writes nothing.

    `prune` then removes the rows no page reads: those of an older engine (a digest does not tell its engine, so
    this is every row that was there when the run began and is not one of the pairs above, such as an amendment,
    since closed, against a version after it). Rows written meanwhile by the app are left alone."""
    before = set(session.scalars(select(StoredRedline.digest))) if prune else set()
    wanted: set[str] = set()
    written = kept = 0
    rows: dict[str, stored_redline.Encoded] = {}
    for pairs in _every_pair(session):
        texts: dict[str, tuple[str, str]] = {}
        for old, new in pairs:
            if stored_redline.is_trivial(old, new):
                continue
            key = stored_redline.digest(old, new)
            if key not in wanted:
                wanted.add(key)
                texts[key] = (old, new)
        present = _present(session, texts)
        kept += len(present)
        for key, (old, new) in texts.items():
            if key in present:
                continue
            rows[key] = _diffed(key, old, new)
            if len(rows) >= batch_size:
                _insert(session, rows)
                commit()
                written, rows = written + len(rows), {}
    _insert(session, rows)
    commit()
    written += len(rows)
    pruned = 0
    for chunk in _chunks(sorted(before - wanted), _LOOKUP_CHUNK):
        session.execute(delete(StoredRedline).where(StoredRedline.digest.in_(chunk)))
        commit()
        pruned += len(chunk)
    return Refilled(written, kept, pruned)
