"""Keeps the search entries in step with the texts they read, in the same transaction as each write.

A flush that adds a clause text, an amendment revision or text, a comment, an audit event, or adds or edits a
meeting outcome's note, adds (or replaces) its search entries. Every service's writes pass through here without
knowing it: the search cannot fall behind the record, and no service has to remember to index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, event, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ..core import search_text
from ..models import (
    Amendment,
    AmendmentComment,
    AmendmentRevision,
    AmendmentText,
    AuditEvent,
    Clause,
    ClausePost,
    ClauseText,
    ClauseVersion,
    Instrument,
    InstrumentLanguage,
    Milestone,
    MilestoneOutcome,
    SearchEntry,
    SearchSource,
    User,
)
from ..models.base import table_of, utcnow

#: Every optional column, so that rows of different sources can be inserted in one statement (an executemany
#: needs the same keys in every row).
_OPTIONAL = (
    "clause_id",
    "version_id",
    "amendment_id",
    "revision_id",
    "comment_id",
    "outcome_id",
    "audit_event_id",
    "post_id",
    "private_to_party_id",
    "party_id",
)


def _entry(source: SearchSource, instrument_id: int, language: str, text: str, **where: Any) -> dict[str, Any]:
    return {
        **dict.fromkeys(_OPTIONAL),
        "source": source,
        "instrument_id": instrument_id,
        "language": language,
        "text": text,
        "stems": search_text.stems(text, language),
        "written_at": where.pop("written_at", None) or utcnow(),
        **where,
    }


def _joined(*parts: str | None) -> str:
    return "\n".join(part for part in parts if part)


#: The rows whose values the lookups read from the session when it holds them.
_HELD_MODELS = (Amendment, AmendmentRevision, Instrument)


class _Lookup:
    """Facts of rows the flush did not carry: read from the rows the session holds when it holds them with those
    values loaded (an amendment and its revision are usually written just before their texts), else fetched, once
    per flush. A Word round trip writes 300 amendments in a row: a query per text was a third of the indexing."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._languages: dict[int, list[str]] = {}
        self._amendments: dict[int, tuple[int | None, int, int]] = {}
        self._parties: dict[int, int | None] = {}
        # What this flush wrote joins the identity map only once the flush is over.
        self._written = {(type(obj), obj.id): obj for obj in session.new if isinstance(obj, _HELD_MODELS)}

    def _held(self, model: type, ident: int, names: tuple[str, ...]) -> tuple[Any, ...] | None:
        """The named values of a row the session holds, if all are loaded (never a refresh: an expired row, or
        one not held, is None and the caller queries)."""
        obj = self._written.get((model, ident)) or self.session.identity_map.get(identity_key(model, ident))
        loaded = obj.__dict__ if obj is not None else {}
        if not all(name in loaded for name in names):
            return None
        return tuple(loaded[name] for name in names)

    def languages(self, instrument_id: int) -> list[str]:
        if instrument_id not in self._languages:
            self._languages[instrument_id] = self._held_languages(instrument_id) or list(
                self.session.scalars(
                    select(InstrumentLanguage.code)
                    .where(InstrumentLanguage.instrument_id == instrument_id)
                    .order_by(InstrumentLanguage.position)
                )
            )
        return self._languages[instrument_id]

    def _held_languages(self, instrument_id: int) -> list[str] | None:
        held = self._held(Instrument, instrument_id, ("languages",))
        if held is None:
            return None
        ordered: list[tuple[int, str]] = []
        for language in held[0]:
            loaded = language.__dict__
            if "code" not in loaded or "position" not in loaded:
                return None
            ordered.append((loaded["position"], loaded["code"]))
        # By position, ties in the order loaded (as the query would give them).
        return [code for _position, code in sorted(ordered, key=lambda pair: pair[0])] or None

    def version(self, version_id: int) -> tuple[int, int, int, dt.datetime]:
        """clause id, instrument id, seq, created_at."""
        row = self.session.execute(
            select(ClauseVersion.clause_id, Clause.instrument_id, ClauseVersion.seq, ClauseVersion.created_at)
            .join(Clause, Clause.id == ClauseVersion.clause_id)
            .where(ClauseVersion.id == version_id)
        ).one()
        return row[0], row[1], row[2], row[3]

    def revision(self, revision_id: int) -> tuple[int, int | None, int, int, dt.datetime]:
        """amendment id, clause id, instrument id, the amendment's party id, created_at."""
        held = self._held(AmendmentRevision, revision_id, ("amendment_id", "created_at"))
        if held is not None:
            amendment_id, created_at = held
            clause_id, instrument_id, party_id = self.amendment(amendment_id)
            return amendment_id, clause_id, instrument_id, party_id, created_at
        row = self.session.execute(
            select(
                Amendment.id,
                Amendment.clause_id,
                Amendment.instrument_id,
                Amendment.party_id,
                AmendmentRevision.created_at,
            )
            .join(Amendment, Amendment.id == AmendmentRevision.amendment_id)
            .where(AmendmentRevision.id == revision_id)
        ).one()
        self._amendments[row[0]] = (row[1], row[2], row[3])
        return row[0], row[1], row[2], row[3], row[4]

    def amendment(self, amendment_id: int) -> tuple[int | None, int, int]:
        """clause id, instrument id, the amendment's party id."""
        if amendment_id not in self._amendments:
            held = self._held(Amendment, amendment_id, ("clause_id", "instrument_id", "party_id"))
            if held is None:
                held = tuple(
                    self.session.execute(
                        select(Amendment.clause_id, Amendment.instrument_id, Amendment.party_id).where(
                            Amendment.id == amendment_id
                        )
                    ).one()
                )
            self._amendments[amendment_id] = (held[0], held[1], held[2])
        return self._amendments[amendment_id]

    def party_of(self, event: AuditEvent) -> int | None:
        """The party of the event's actor (None for the system's own events and for people of no party)."""
        actor = event.__dict__.get("actor")  # the User the service recorded, when the flush carries it
        if actor is not None and "party_id" in actor.__dict__:
            return actor.party_id
        if event.actor_id is None:
            return None
        if event.actor_id not in self._parties:
            self._parties[event.actor_id] = self.session.scalar(select(User.party_id).where(User.id == event.actor_id))
        return self._parties[event.actor_id]

    def meeting_instrument(self, milestone_id: int) -> int:
        return self.session.execute(select(Milestone.instrument_id).where(Milestone.id == milestone_id)).scalar_one()


def entries_for(session: Session, objects: Sequence[object]) -> tuple[list[dict[str, Any]], list[int]]:
    """The entries to add for newly written rows, and the outcomes whose old entries go."""
    lookup = _Lookup(session)
    clause_id: int | None
    rows: list[dict[str, Any]] = []
    replaced_outcomes: list[int] = []
    for obj in objects:
        if isinstance(obj, ClauseText):
            clause_id, instrument_id, seq, created_at = lookup.version(obj.version_id)
            if obj.revised_in_seq is not None and obj.revised_in_seq != seq:
                continue  # words carried over unchanged from an earlier version: already indexed there
            rows.append(
                _entry(
                    SearchSource.clause_text,
                    instrument_id,
                    obj.language,
                    _joined(obj.heading, obj.body),
                    clause_id=clause_id,
                    version_id=obj.version_id,
                    written_at=created_at,
                )
            )
        elif isinstance(obj, AmendmentText):
            amendment_id, clause_id, instrument_id, party_id, created_at = lookup.revision(obj.revision_id)
            rows.append(
                _entry(
                    SearchSource.amendment_text,
                    instrument_id,
                    obj.language,
                    _joined(obj.heading, obj.body),
                    clause_id=clause_id,
                    amendment_id=amendment_id,
                    revision_id=obj.revision_id,
                    party_id=party_id,
                    written_at=created_at,
                )
            )
        elif isinstance(obj, AmendmentRevision) and obj.rationale.strip():
            clause_id, instrument_id, party_id = lookup.amendment(obj.amendment_id)
            rows.append(
                _entry(
                    SearchSource.rationale,
                    instrument_id,
                    search_text.language_of(obj.rationale, lookup.languages(instrument_id)),
                    obj.rationale,
                    clause_id=clause_id,
                    amendment_id=obj.amendment_id,
                    revision_id=obj.id,
                    party_id=party_id,
                    written_at=obj.created_at,
                )
            )
        elif isinstance(obj, AmendmentComment):
            clause_id, instrument_id, _party = lookup.amendment(obj.amendment_id)
            rows.append(
                _entry(
                    SearchSource.comment,
                    instrument_id,
                    search_text.language_of(obj.body, lookup.languages(instrument_id)),
                    obj.body,
                    clause_id=clause_id,
                    amendment_id=obj.amendment_id,
                    comment_id=obj.id,
                    private_to_party_id=obj.party_id if obj.internal else None,
                    party_id=obj.party_id,  # the writer's party when writing
                    written_at=obj.created_at,
                )
            )
        elif isinstance(obj, ClausePost):
            # A post in a clause's discussion is found as a comment on the clause; an internal one by its party only.
            languages = lookup.languages(obj.instrument_id)
            rows.append(
                _entry(
                    SearchSource.comment,
                    obj.instrument_id,
                    search_text.language_of(obj.body, languages),
                    obj.body,
                    clause_id=obj.clause_id,
                    post_id=obj.id,
                    private_to_party_id=obj.party_id if obj.internal else None,
                    party_id=obj.party_id,  # the writer's party when writing
                    written_at=obj.created_at,
                )
            )
        elif isinstance(obj, MilestoneOutcome):
            replaced_outcomes.append(obj.id)
            if obj.note.strip():
                instrument_id = lookup.meeting_instrument(obj.milestone_id)
                rows.append(
                    _entry(
                        SearchSource.meeting_note,
                        instrument_id,
                        search_text.language_of(obj.note, lookup.languages(instrument_id)),
                        obj.note,
                        clause_id=obj.clause_id,
                        outcome_id=obj.id,
                        written_at=obj.recorded_at,
                    )
                )
        elif isinstance(obj, AuditEvent) and obj.instrument_id is not None:
            rows.append(
                _entry(
                    SearchSource.audit,
                    obj.instrument_id,
                    "en",  # the trail's summaries are written in English (translated when shown)
                    obj.summary,
                    clause_id=obj.clause_id,
                    audit_event_id=obj.id,
                    private_to_party_id=obj.private_to_party_id,
                    party_id=lookup.party_of(obj),
                    written_at=obj.occurred_at,
                )
            )
    return rows, replaced_outcomes


#: Built once: a round trip of 300 amendments flushes 600 times.
_INSERT = insert(table_of(SearchEntry))

_INDEXED = (ClauseText, AmendmentText, AmendmentRevision, AmendmentComment, ClausePost, MilestoneOutcome, AuditEvent)


@event.listens_for(Session, "after_flush")
def _index_what_was_written(session: Session, flush_context) -> None:
    written = [obj for obj in session.new if isinstance(obj, _INDEXED)]
    written += [obj for obj in session.dirty if isinstance(obj, MilestoneOutcome) and session.is_modified(obj)]
    if not written:
        return
    rows, replaced_outcomes = entries_for(session, written)
    connection = session.connection()
    if replaced_outcomes:
        connection.execute(
            delete(table_of(SearchEntry)).where(table_of(SearchEntry).c.outcome_id.in_(replaced_outcomes))
        )
    if rows:
        connection.execute(_INSERT, rows)
