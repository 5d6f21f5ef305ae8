"""Search everything a reader may see in a negotiation: clause texts (current and past), amendments and their
rationales, comments, meeting notes and the audit trail, in every language, with stemming.

The database's own full-text index does the finding (GIN over a `simple` tsvector of the stems on PostgreSQL,
FTS5 on SQLite; migration 0013_search); this module adds the reader's visibility, in SQL, so that nothing a party
may not see is ever counted, ranked or shown: another party's untabled drafts, the revisions it made before tabling,
its internal comments and private audit events.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import and_, delete, false, func, insert, inspect, literal_column, or_, select, text
from sqlalchemy.orm import Session, load_only, noload

from ..core import permissions, search_text
from ..core.messages import N_
from ..core.paging import Pages
from ..models import (
    Amendment,
    AmendmentComment,
    AmendmentRevision,
    AmendmentText,
    AuditEvent,
    Clause,
    ClausePost,
    ClauseText,
    InstrumentParty,
    MilestoneOutcome,
    Party,
    SearchEntry,
    SearchSource,
    User,
)
from ..models.base import table_of
from .amendments import revision_readable, visible_to
from .audit import readable_private
from .draft import current_instrument
from .errors import PermissionDenied, ValidationFailed
from .listing import one_page
from .search_index import entries_for

#: Results on one page; a search that finds more says so and offers the next page.
PAGE_SIZE = 25
MAX_QUERY_LENGTH = 200


class SearchKind(enum.StrEnum):
    """What the reader may narrow a search to (several sources make one kind)."""

    clauses = "clauses"
    amendments = "amendments"
    comments = "comments"
    meetings = "meetings"
    audit = "audit"

    @property
    def label(self) -> str:
        return {
            "clauses": N_("Clause texts"),
            "amendments": N_("Amendments and rationales"),
            "comments": N_("Comments"),
            "meetings": N_("Meeting notes"),
            "audit": N_("Audit trail"),
        }[self.value]

    @property
    def sources(self) -> tuple[SearchSource, ...]:
        return {
            "clauses": (SearchSource.clause_text,),
            "amendments": (SearchSource.amendment_text, SearchSource.rationale),
            "comments": (SearchSource.comment,),
            "meetings": (SearchSource.meeting_note,),
            "audit": (SearchSource.audit,),
        }[self.value]


@dataclass(frozen=True)
class SearchFilter:
    query: str
    kind: SearchKind | None = None
    party_code: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1
    #: Results per page (the API lets a client choose; None: PAGE_SIZE, as the page shows).
    size: int | None = None


@dataclass(frozen=True)
class Hit:
    entry: SearchEntry
    snippet: list[search_text.SnippetPart]
    clause_wid: str | None
    amendment: Amendment | None


@dataclass(frozen=True)
class SearchResults:
    hits: list[Hit]
    pages: Pages
    query: search_text.Query


def _readable(actor: User):
    """SQL: the entries this reader may see, by the rules of the pages that show each source: the amendments and
    revisions they may read (`amendments.visible_to`, `amendments.revision_readable`), and nobody else's private
    business (`audit.readable_private`: internal comments, a party's own audit events)."""
    amendment_ok = and_(visible_to(actor), or_(SearchEntry.revision_id.is_(None), revision_readable(actor)))
    return and_(
        readable_private(SearchEntry.private_to_party_id, actor),
        or_(SearchEntry.amendment_id.is_(None), amendment_ok),
    )


def _matching(session: Session, query: search_text.Query):
    """SQL: the entries whose stems hold every word of the query, each entry read with its own language's
    stemming of the query."""
    per_language = []
    postgres = session.get_bind().dialect.name == "postgresql"
    for number, (language, terms) in enumerate(query.terms.items()):
        if not terms:
            continue
        if postgres:
            # The stored vector of to_tsvector('simple', stems) (migration 0022_search_vector), GIN-indexed.
            found = literal_column("search_entries.search_entries_fulltext_vector").op("@@")(
                func.plainto_tsquery(literal_column("'simple'"), " ".join(terms))
            )
        else:
            # FTS5: quoted terms, implicitly ANDed; the terms are \w+ words, so no quote can occur in them.
            match = text(f"search_fts MATCH :terms_{number}").bindparams(
                **{f"terms_{number}": " ".join(f'"{term}"' for term in terms)}
            )
            found = SearchEntry.id.in_(select(literal_column("rowid")).select_from(text("search_fts")).where(match))
        per_language.append(and_(SearchEntry.language == language, found))
    return or_(*per_language) if per_language else false()


def search(session: Session, actor: User, wanted: SearchFilter) -> SearchResults:
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to search the negotiation."))
    raw = wanted.query.strip()
    if not raw:
        raise ValidationFailed(N_("Type a word to search for."))
    if len(raw) > MAX_QUERY_LENGTH:
        raise ValidationFailed(N_("A search can be at most 200 characters long."))
    if wanted.date_from and wanted.date_to and wanted.date_from > wanted.date_to:
        raise ValidationFailed(N_("The start date is after the end date."))
    instrument = current_instrument(session)
    languages = [language.code for language in instrument.languages]
    query = search_text.parse_query(raw, languages)
    if query.is_empty:
        raise ValidationFailed(N_("Those words are too common to search for: add a more specific word."))

    matching = _matching(session, query)
    conditions = [SearchEntry.instrument_id == instrument.id, _readable(actor)]
    if wanted.kind is not None:
        conditions.append(SearchEntry.source.in_(wanted.kind.sources))
    if wanted.date_from:
        conditions.append(SearchEntry.written_at >= _start_of(wanted.date_from))
    if wanted.date_to:
        conditions.append(SearchEntry.written_at < _start_of(wanted.date_to + dt.timedelta(days=1)))
    statement = (
        select(SearchEntry)
        .outerjoin(Amendment, Amendment.id == SearchEntry.amendment_id)
        .outerjoin(AmendmentRevision, AmendmentRevision.id == SearchEntry.revision_id)
        .where(*conditions, matching)
    )
    if wanted.party_code:
        party_id = session.scalar(
            select(Party.id)
            .join(InstrumentParty, InstrumentParty.party_id == Party.id)
            .where(Party.code == wanted.party_code, InstrumentParty.instrument_id == instrument.id)
        )
        if party_id is None:
            raise ValidationFailed(N_("There is no such party in this negotiation."))
        # Written by that party: its amendments' wordings and rationales, its people's comments, posts and actions
        # (the entry's own column, set when it was indexed).
        statement = statement.where(SearchEntry.party_id == party_id)
    entries, pages = one_page(
        session,
        statement,
        order_by=(SearchEntry.written_at.desc(), SearchEntry.id.desc()),
        page=max(1, wanted.page),
        size=max(1, wanted.size or PAGE_SIZE),
    )
    wids = dict(
        session.execute(
            select(Clause.id, Clause.wid).where(Clause.id.in_({e.clause_id for e in entries if e.clause_id}))
        )
        .tuples()
        .all()
    )
    amendments = {
        a.id: a for a in session.scalars(select(Amendment).where(Amendment.id.in_({e.amendment_id for e in entries})))
    }
    hits = [
        Hit(
            entry=entry,
            snippet=search_text.snippet(entry.text, query, entry.language),
            clause_wid=wids.get(entry.clause_id) if entry.clause_id else None,
            amendment=amendments.get(entry.amendment_id) if entry.amendment_id else None,
        )
        for entry in entries
    ]
    return SearchResults(hits=hits, pages=pages, query=query)


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


#: The columns `search_index.entries_for` reads of each indexed model. Loading only these (and no relationship)
#: keeps the rebuild working inside migration 0013 on a database that later migrations have not yet extended.
_INDEXED_COLUMNS = {
    ClauseText: ("version_id", "language", "heading", "body", "revised_in_seq"),
    AmendmentText: ("revision_id", "language", "heading", "body"),
    AmendmentRevision: ("id", "amendment_id", "rationale", "created_at"),
    AmendmentComment: ("id", "amendment_id", "body", "party_id", "internal", "created_at"),
    ClausePost: ("id", "instrument_id", "clause_id", "body", "party_id", "internal", "created_at"),
    MilestoneOutcome: ("id", "milestone_id", "clause_id", "note", "recorded_at"),
    AuditEvent: ("id", "instrument_id", "clause_id", "actor_id", "summary", "private_to_party_id", "occurred_at"),
}


def rebuild(session: Session) -> int:
    """Index every text again (after a restore, or when the stemming changes): returns the entries written."""
    session.execute(delete(SearchEntry))
    written = 0
    inspector = inspect(session.connection())
    tables = set(inspector.get_table_names())
    # Run inside migration 0013, the table lacks the columns later migrations added (their own migrations fill them).
    existing = {column["name"] for column in inspector.get_columns(SearchEntry.__tablename__)}
    for model, columns in _INDEXED_COLUMNS.items():
        if model.__tablename__ not in tables:
            continue  # run inside migration 0013, before a later migration created the table (clause_posts)
        loaded = select(model).options(load_only(*(getattr(model, column) for column in columns)), noload("*"))
        rows, _replaced = entries_for(session, list(session.scalars(loaded)))
        if not existing.issuperset(rows[0] if rows else ()):
            rows = [{key: value for key, value in row.items() if key in existing} for row in rows]
        if rows:
            session.execute(insert(table_of(SearchEntry)), rows)
            written += len(rows)
    return written
