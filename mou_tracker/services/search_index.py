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
    InstrumentLanguage,
    Milestone,
    MilestoneOutcome,
    SearchEntry,
    SearchSource,
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
    "private_to_party_id",
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


class _Lookup:
    """Facts of rows the flush did not carry, fetched once per flush."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._languages: dict[int, list[str]] = {}

    def languages(self, instrument_id: int) -> list[str]:
        if instrument_id not in self._languages:
            self._languages[instrument_id] = list(
                self.session.scalars(
                    select(InstrumentLanguage.code)
                    .where(InstrumentLanguage.instrument_id == instrument_id)
                    .order_by(InstrumentLanguage.position)
                )
            )
        return self._languages[instrument_id]

    def version(self, version_id: int) -> tuple[int, int, int, dt.datetime]:
        """clause id, instrument id, seq, created_at."""
        row = self.session.execute(
            select(ClauseVersion.clause_id, Clause.instrument_id, ClauseVersion.seq, ClauseVersion.created_at)
            .join(Clause, Clause.id == ClauseVersion.clause_id)
            .where(ClauseVersion.id == version_id)
        ).one()
        return row[0], row[1], row[2], row[3]

    def revision(self, revision_id: int) -> tuple[int, int | None, int, dt.datetime]:
        """amendment id, clause id, instrument id, created_at."""
        row = self.session.execute(
            select(Amendment.id, Amendment.clause_id, Amendment.instrument_id, AmendmentRevision.created_at)
            .join(Amendment, Amendment.id == AmendmentRevision.amendment_id)
            .where(AmendmentRevision.id == revision_id)
        ).one()
        return row[0], row[1], row[2], row[3]

    def amendment(self, amendment_id: int) -> tuple[int | None, int]:
        row = self.session.execute(
            select(Amendment.clause_id, Amendment.instrument_id).where(Amendment.id == amendment_id)
        ).one()
        return row[0], row[1]

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
            amendment_id, clause_id, instrument_id, created_at = lookup.revision(obj.revision_id)
            rows.append(
                _entry(
                    SearchSource.amendment_text,
                    instrument_id,
                    obj.language,
                    _joined(obj.heading, obj.body),
                    clause_id=clause_id,
                    amendment_id=amendment_id,
                    revision_id=obj.revision_id,
                    written_at=created_at,
                )
            )
        elif isinstance(obj, AmendmentRevision) and obj.rationale.strip():
            clause_id, instrument_id = lookup.amendment(obj.amendment_id)
            rows.append(
                _entry(
                    SearchSource.rationale,
                    instrument_id,
                    search_text.language_of(obj.rationale, lookup.languages(instrument_id)),
                    obj.rationale,
                    clause_id=clause_id,
                    amendment_id=obj.amendment_id,
                    revision_id=obj.id,
                    written_at=obj.created_at,
                )
            )
        elif isinstance(obj, AmendmentComment):
            clause_id, instrument_id = lookup.amendment(obj.amendment_id)
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
                    private_to_party_id=obj.party_id if obj.internal else None,
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
                    written_at=obj.occurred_at,
                )
            )
    return rows, replaced_outcomes


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
        connection.execute(insert(table_of(SearchEntry)), rows)
