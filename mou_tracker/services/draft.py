"""Read the draft: the latest version of every clause that is not deleted, numbered by position."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload, selectinload

from ..core import permissions
from ..core.clause_kinds import ClauseKind
from ..core.languages import outdated_translations
from ..core.messages import N_
from ..core.numbering import ClauseNode, NumberedClause, number_clauses
from ..models import Clause, ClauseVersion, Instrument, User
from .errors import NotFound, PermissionDenied


@dataclass(frozen=True)
class DraftClause:
    clause: Clause
    version: ClauseVersion
    depth: int
    label: str
    citation: str

    @property
    def kind(self) -> ClauseKind:
        return self.clause.kind

    def heading(self, language: str) -> str | None:
        text = self.version.text(language)
        return text.heading if text else None

    def body(self, language: str) -> str | None:
        text = self.version.text(language)
        return text.body if text else None

    @property
    def outdated_translations(self) -> set[str]:
        """Languages whose words lag behind a later revision of another language of this clause."""
        return outdated_translations({text.language: text.revised_in_seq for text in self.version.texts})


def _require_reader(actor: User | None) -> None:
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the draft."))


def current_instrument(session: Session) -> Instrument:
    instrument = session.scalar(select(Instrument).order_by(Instrument.id).limit(1))
    if instrument is None:
        raise NotFound(N_("No instrument has been loaded yet. Run: flask --app app seed-demo"))
    return instrument


def _latest_versions_query(as_of: dt.datetime | None):
    latest = select(ClauseVersion.clause_id, func.max(ClauseVersion.seq).label("seq"))
    if as_of is not None:
        latest = latest.where(ClauseVersion.created_at <= as_of)
    return latest.group_by(ClauseVersion.clause_id)


def current_versions(
    session: Session, clause_ids: list[int], as_of: dt.datetime | None = None, *, with_texts: bool = True
) -> dict[int, ClauseVersion]:
    """{clause id: its latest version (at `as_of`)}: one query, whatever the number of clauses (two with texts)."""
    latest = _latest_versions_query(as_of).where(ClauseVersion.clause_id.in_(clause_ids)).subquery()
    return _versions_joined(session, latest, with_texts=with_texts)


def _versions_joined(session: Session, latest, *, with_texts: bool = True) -> dict[int, ClauseVersion]:
    options = [selectinload(ClauseVersion.clause)]
    if not with_texts:
        options.append(lazyload(ClauseVersion.texts))
    versions = session.scalars(
        select(ClauseVersion)
        .join(latest, (ClauseVersion.clause_id == latest.c.clause_id) & (ClauseVersion.seq == latest.c.seq))
        .options(*options)
    ).all()
    return {v.clause_id: v for v in versions}


def number_live(versions: dict[int, ClauseVersion], extra: tuple[ClauseNode, ...] = ()) -> list[NumberedClause]:
    """Number the clauses whose version is not a deletion (a clause under a deleted parent is unreachable)."""
    nodes = [
        ClauseNode(v.clause.id, v.clause.parent_id, v.clause.position, v.clause.kind)
        for v in versions.values()
        if not v.is_deleted
    ]
    return number_clauses([*nodes, *extra])


def draft_as_of(
    session: Session, actor: User | None, instrument: Instrument, as_of: dt.datetime | None = None
) -> list[DraftClause]:
    """The draft in reading order, as it stood at `as_of` (now when None). A fixed number of queries."""
    _require_reader(actor)
    latest = (
        _latest_versions_query(as_of)
        .join(Clause, Clause.id == ClauseVersion.clause_id)
        .where(Clause.instrument_id == instrument.id)
        .subquery()
    )
    versions = _versions_joined(session, latest)
    return [
        DraftClause(versions[n.id].clause, versions[n.id], n.depth, n.label, n.citation) for n in number_live(versions)
    ]


@dataclass(frozen=True)
class ClauseHistory:
    clause: Clause
    #: The clause as it stands in the current draft, or None when it has been deleted.
    current: DraftClause | None
    versions: list[ClauseVersion]


def clause_history(session: Session, actor: User | None, wid: str) -> ClauseHistory:
    _require_reader(actor)
    clause = session.scalar(
        select(Clause).where(Clause.wid == wid).options(selectinload(Clause.versions).selectinload(ClauseVersion.texts))
    )
    if clause is None:
        raise NotFound(N_("There is no clause with that identifier."))
    instrument = session.get(Instrument, clause.instrument_id)
    current = next((d for d in draft_as_of(session, actor, instrument) if d.clause.id == clause.id), None)
    return ClauseHistory(clause, current, list(reversed(clause.versions)))


def citations(session: Session, actor: User | None, instrument: Instrument) -> dict[int, str]:
    """{clause id: how it is cited in the current draft} ("Article 2(3)")."""
    return {item.clause.id: item.citation for item in draft_as_of(session, actor, instrument)}
