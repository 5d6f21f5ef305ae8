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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, insert, inspect, literal_column, or_, select, text, union_all
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


def _readable_amendment(amendment_id, revision_id, actor: User):
    """SQL, on an entry's amendment and revision columns (the amendment and revision joined): the amendments and
    revisions this reader may read, by the rules of the pages that show them (`amendments.visible_to`,
    `amendments.revision_readable`). Nobody else's private business is the other half of what an entry needs
    (`audit.readable_private`: internal comments, a party's own audit events), tested with the words."""
    amendment_ok = and_(visible_to(actor), or_(revision_id.is_(None), revision_readable(actor)))
    return or_(amendment_id.is_(None), amendment_ok)


def _matching(session: Session, query: search_text.Query) -> list:
    """SQL: the entries whose stems hold every word of the query, each entry read with its own language's
    stemming of the query; one condition for each set of languages in which the query stems alike (the words of
    "general" stem alike in English and Russian: one look in the index rather than two).

    The search asks each condition separately (UNION ALL, the sets of languages being disjoint) rather than OR-ing
    them: PostgreSQL can answer `language = 'en' AND vector @@ query` from the GIN index alone, but an OR of such
    pairs makes it test `@@` again on every candidate row, decompressing each row's stored vector (a TOASTed 2 kB
    for a clause text): most of a search's time at treaty scale."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for language, terms in query.terms.items():
        if terms:
            groups.setdefault(terms, []).append(language)
    postgres = session.get_bind().dialect.name == "postgresql"
    conditions = []
    for number, (terms, languages) in enumerate(groups.items()):
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
        in_language = (
            SearchEntry.language == languages[0] if len(languages) == 1 else SearchEntry.language.in_(languages)
        )
        conditions.append(and_(in_language, found))
    return conditions


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

    # What an entry alone decides (its own columns), asked with the words; the amendment rules need a join, made
    # once on the entries found. The negotiation and the party are tested on the rows the words found (`+ 0`: not
    # through their own indexes, which PostgreSQL would otherwise read whole and test `@@` row by row; see
    # `_index_only`).
    conditions = [
        SearchEntry.instrument_id + 0 == instrument.id,
        readable_private(SearchEntry.private_to_party_id, actor),
    ]
    if wanted.kind is not None:
        conditions.append(SearchEntry.source.in_(wanted.kind.sources))
    if wanted.date_from:
        conditions.append(SearchEntry.written_at >= _start_of(wanted.date_from))
    if wanted.date_to:
        conditions.append(SearchEntry.written_at < _start_of(wanted.date_to + dt.timedelta(days=1)))
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
        conditions.append(SearchEntry.party_id + 0 == party_id)
    entries, pages = _one_page(
        session,
        actor,
        _matching(session, query),
        conditions,
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


def _one_page(
    session: Session, actor: User, matching: list, conditions: list, *, page: int, size: int
) -> tuple[list[SearchEntry], Pages]:
    """The entries of one page of results, newest first, and how many results there are, in one statement.

    The entries found are first picked narrow (id, date, amendment, revision), counted and ordered, and only the
    page's rows are then read whole: a common word finds thousands of entries of some 4 kB each (text, stems,
    vector), which counted and sorted whole spilled to disk on PostgreSQL."""
    columns = (SearchEntry.id, SearchEntry.written_at, SearchEntry.amendment_id, SearchEntry.revision_id)
    branches = [select(*columns).where(*conditions, condition) for condition in matching]
    if not branches:
        return [], Pages(page, size, 0)
    found = (branches[0] if len(branches) == 1 else union_all(*branches)).subquery("found")
    visible = (
        select(found.c.id, found.c.written_at)
        .outerjoin(Amendment, Amendment.id == found.c.amendment_id)
        .outerjoin(AmendmentRevision, AmendmentRevision.id == found.c.revision_id)
        .where(_readable_amendment(found.c.amendment_id, found.c.revision_id, actor))
    )
    picked = (
        visible.add_columns(func.count().over().label("total"))
        .order_by(found.c.written_at.desc(), found.c.id.desc())
        .offset((page - 1) * size)
        .limit(size)
        .subquery("picked")
    )
    with _index_only(session):
        rows = session.execute(
            select(SearchEntry, picked.c.total)
            .join(picked, picked.c.id == SearchEntry.id)
            .order_by(picked.c.written_at.desc(), picked.c.id.desc())
        ).all()
        if rows:
            total = rows[0].total
        elif page == 1:
            total = 0
        else:  # past the last page: no row carries the count
            total = session.scalar(select(func.count()).select_from(visible.subquery())) or 0
    return [row[0] for row in rows], Pages(page, size, total)


@contextmanager
def _index_only(session: Session) -> Iterator[None]:
    """On PostgreSQL, the words are looked up in the full-text index, never by reading the whole table.

    Once the table has been analysed, PostgreSQL reads it whole for a word found in a third of the entries,
    costing `@@` as cheap; but it tests `@@` on each row's stored vector, decompressed row by row: some 250 ms at
    treaty scale where the GIN index answers in a tenth of that. Sequential scans are disabled for these statements
    only, and the search writes the conditions another index could answer as `column + 0`, so that the GIN index is
    the one way left in.

    Not `SET LOCAL`: the pages read in autocommit (web.read_without_a_transaction), where there is no transaction
    for it to last until and PostgreSQL ignores it. A plain SET, then RESET: after a failure inside a transaction
    (the API's), its rollback undoes the SET (and a RESET would be refused there); in autocommit nothing is
    aborted and the RESET runs."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    # The driver's own flag: SQLAlchemy's get_isolation_level() asks the server, which never says "autocommit".
    autocommit = bool(getattr(session.connection().connection.dbapi_connection, "autocommit", False))
    session.execute(text("SET enable_seqscan = off"))
    done = False
    try:
        yield
        done = True
    finally:
        if done or autocommit:
            session.execute(text("RESET enable_seqscan"))


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
    """Index every text again (after a restore, or when the stemming changes): returns the entries written.

    On PostgreSQL the old entries go by TRUNCATE, and the table is analysed at the end: a DELETE of every row
    leaves as many dead row versions, which every search then reads through until a VACUUM; the entries written
    wait in the GIN index's pending list (read whole by every search) until moved into the index proper; and the
    planner would go on planning with the statistics of the table before."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text(f"TRUNCATE {SearchEntry.__tablename__}"))
    else:
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
    if postgres:
        session.execute(text("SELECT gin_clean_pending_list('search_entries_fulltext'::regclass)"))
        session.execute(text(f"ANALYZE {SearchEntry.__tablename__}"))
    return written
