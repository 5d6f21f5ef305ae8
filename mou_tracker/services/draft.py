"""Read the draft: the latest version of every clause that is not deleted, numbered by position."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..core import permissions
from ..core.clause_kinds import ClauseKind
from ..core.languages import outdated_translations
from ..core.messages import N_
from ..core.numbering import ClauseNode, NumberedClause, number_clauses
from ..models import Clause, ClauseText, ClauseVersion, Instrument, User
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


#: Where the session keeps the negotiation of its unit of work (see `services.negotiations.open_negotiation`).
CURRENT_INSTRUMENT = "current_instrument"
CURRENT_INSTRUMENT_ID = "current_instrument_id"


def current_instrument(session: Session) -> Instrument:
    """The negotiation this unit of work is about: the one opened (`negotiations.open_negotiation`: its languages
    read with it or when first asked, as the page says, its parties when first asked), else the oldest, read here
    with them in one query.

    The web layer and the API open the negotiation their address names (`negotiations.open_negotiation`); a unit of
    work that opened none (the command line, a test of a service) reads the oldest. A page asks for it from several
    services; the session keeps it (its identity map alone would not: that holds objects weakly, and a page that
    keeps only the instrument's parties lets it go between two asks).
    """
    remembered = session.info.get(CURRENT_INSTRUMENT)
    if remembered is not None and remembered in session:
        return remembered
    query = select(Instrument).options(joinedload(Instrument.languages), joinedload(Instrument.party_links))
    chosen_id = session.info.get(CURRENT_INSTRUMENT_ID)
    if chosen_id is not None:  # chosen, then let go of by the session: the same negotiation, never another
        query = query.where(Instrument.id == chosen_id)
    instrument = session.scalars(query.order_by(Instrument.id).limit(1)).first()
    if instrument is None:
        raise NotFound(N_("No instrument has been loaded yet. Run: flask --app app seed-demo"))
    remember_instrument(session, instrument)
    return instrument


def remember_instrument(session: Session, instrument: Instrument) -> None:
    session.info[CURRENT_INSTRUMENT] = instrument
    session.info[CURRENT_INSTRUMENT_ID] = instrument.id


def forget_instrument(session: Session) -> None:
    """The unit of work is about no negotiation in particular any more (the oldest, until one is opened)."""
    session.info.pop(CURRENT_INSTRUMENT, None)
    session.info.pop(CURRENT_INSTRUMENT_ID, None)


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
    options = [joinedload(ClauseVersion.clause)]
    if not with_texts:
        options.append(lazyload(ClauseVersion.texts))
    versions = session.scalars(
        select(ClauseVersion)
        .join(latest, (ClauseVersion.clause_id == latest.c.clause_id) & (ClauseVersion.seq == latest.c.seq))
        .options(*options)
    ).all()
    return {v.clause_id: v for v in versions}


def number_live(
    versions: dict[int, ClauseVersion], extra: tuple[ClauseNode[int], ...] = ()
) -> list[NumberedClause[int]]:
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
    return in_reading_order(versions_as_of(session, instrument.id, as_of))


def in_reading_order(versions: dict[int, ClauseVersion]) -> list[DraftClause]:
    """A draft's clauses ({clause id: its version}, deletions included) numbered, in reading order."""
    return [
        DraftClause(versions[n.id].clause, versions[n.id], n.depth, n.label, n.citation) for n in number_live(versions)
    ]


def load_texts(session: Session, versions: Iterable[ClauseVersion]) -> None:
    """Attach their words to versions read without them: one query however many there are."""
    wanting = {v.id: v for v in versions if "texts" not in inspect(v).dict}
    if not wanting:
        return
    texts: dict[int, list[ClauseText]] = {version_id: [] for version_id in wanting}
    for text in session.scalars(
        select(ClauseText).where(ClauseText.version_id.in_(list(wanting))).order_by(ClauseText.language)
    ):
        texts[text.version_id].append(text)
    for version_id, version in wanting.items():
        set_committed_value(version, "texts", texts[version_id])


def versions_as_of(
    session: Session, instrument_id: int, as_of: dt.datetime | None = None, *, with_texts: bool = True
) -> dict[int, ClauseVersion]:
    """{clause id: its latest version at `as_of`} for every clause of the instrument, deleted ones included."""
    latest = (
        _latest_versions_query(as_of)
        .join(Clause, Clause.id == ClauseVersion.clause_id)
        .where(Clause.instrument_id == instrument_id)
        .subquery()
    )
    return _versions_joined(session, latest, with_texts=with_texts)


@dataclass(frozen=True)
class ClauseHistory:
    clause: Clause
    #: The clause as it stands in the current draft, or None when it has been deleted.
    current: DraftClause | None
    versions: list[ClauseVersion]


def clause_history(session: Session, actor: User | None, wid: str) -> ClauseHistory:
    _require_reader(actor)
    clause = session.scalar(
        select(Clause)
        .where(Clause.instrument_id == current_instrument(session).id, Clause.wid == wid)
        .options(selectinload(Clause.versions).selectinload(ClauseVersion.texts))
    )
    if clause is None:
        raise NotFound(N_("There is no clause with that identifier."))
    # Numbering the clause needs where every clause stands, not their words.
    versions = versions_as_of(session, clause.instrument_id, with_texts=False)
    numbered = next((n for n in number_live(versions) if n.id == clause.id), None)
    current = (
        DraftClause(clause, versions[clause.id], numbered.depth, numbered.label, numbered.citation)
        if numbered
        else None
    )
    return ClauseHistory(clause, current, list(reversed(clause.versions)))


def citations(session: Session, actor: User | None, instrument: Instrument) -> dict[int, str]:
    """{clause id: how it is cited in the current draft} ("Article 2(3)")."""
    _require_reader(actor)
    return {n.id: n.citation for n in number_live(versions_as_of(session, instrument.id, with_texts=False))}
