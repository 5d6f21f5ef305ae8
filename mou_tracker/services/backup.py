"""Backup and restore of the whole negotiation as one JSON document.

Every table is written row by row (every version, amendment, review, comment, meeting, user and the audit
trail), tagged with the schema revision it was made at. A restore goes only into an empty database at the same
revision: a file from another schema is refused with a message, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Date, DateTime, func, insert, select, text, update
from sqlalchemy.orm import Session

from ..core.messages import N_
from ..models import Base, Instrument, User
from ..models.base import utcnow
from ..schema_check import current_revisions, head_revisions
from .errors import ValidationFailed

FORMAT = "mou-tracker-negotiation"
#: Written in place of a password hash in a copy that is shared: no password matches it.
NO_CREDENTIALS = "!redacted"


def _value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def export_negotiation(session: Session, *, include_credentials: bool = True) -> dict:
    tables = {}
    for table in Base.metadata.sorted_tables:
        order = [c for c in table.primary_key.columns]
        rows = session.execute(select(table).order_by(*order)).mappings().all()
        tables[table.name] = [{key: _value(value) for key, value in row.items()} for row in rows]
    if not include_credentials:
        for row in tables["users"]:
            row["password_hash"] = NO_CREDENTIALS
    (revision,) = current_revisions(session.get_bind()) or {None}
    return {
        "format": FORMAT,
        "schema": revision,
        "exported_at": utcnow().isoformat(),
        "credentials": include_credentials,
        "tables": tables,
    }


def _parse(column, value: Any) -> Any:
    if value is None:
        return None
    kind = getattr(column.type, "impl", column.type)  # UTCDateTime decorates a DateTime
    if isinstance(kind, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return dt.date.fromisoformat(value)
    return value


def _deferred_columns(table) -> set[str]:
    """Foreign keys that may point at rows inserted later (to the same table, or across a cycle)."""
    deferred = set()
    for fk in table.foreign_keys:
        if fk.column.table is table or fk.use_alter or fk.constraint.use_alter:
            deferred.add(fk.parent.name)
    return deferred


def import_negotiation(session: Session, document: dict) -> dict[str, int]:
    """Restore `document` into this (empty) database. Returns the number of rows per table."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValidationFailed(N_("This is not a MoU Tracker negotiation file."))
    heads = head_revisions()
    if document.get("schema") not in heads:
        raise ValidationFailed(
            f"The file was written at schema {document.get('schema')!r}; this MoU Tracker is at "
            f"{', '.join(sorted(heads))}. Restore it with the MoU Tracker version that wrote it, "
            "or upgrade both to the same version first."
        )
    if session.scalar(select(func.count()).select_from(Instrument)) or session.scalar(
        select(func.count()).select_from(User)
    ):
        raise ValidationFailed(
            N_("The database is not empty: restore only into an empty database (run db upgrade on a new one).")
        )
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise ValidationFailed(N_("The file has no tables."))
    counts = {}
    later: list[tuple[Any, dict, dict]] = []
    for table in Base.metadata.sorted_tables:
        rows = tables.get(table.name, [])
        deferred = _deferred_columns(table)
        columns = {c.name: c for c in table.columns}
        unknown = {key for row in rows for key in row} - set(columns)
        if unknown:
            raise ValidationFailed(
                f"Table {table.name} has columns this schema does not know: {', '.join(sorted(unknown))}."
            )
        prepared = []
        for row in rows:
            values = {name: _parse(columns[name], value) for name, value in row.items()}
            pending = {name: values.pop(name) for name in deferred if values.get(name) is not None}
            for name in pending:
                values[name] = None
            prepared.append(values)
            if pending:
                later.append((table, {c.name: values[c.name] for c in table.primary_key.columns}, pending))
        if prepared:
            session.execute(insert(table), prepared)
        counts[table.name] = len(prepared)
    for table, key, pending in later:
        condition = [table.c[name] == value for name, value in key.items()]
        session.execute(update(table).where(*condition).values(**pending))
    _advance_sequences(session)
    session.flush()
    return counts


def _advance_sequences(session: Session) -> None:
    """PostgreSQL hands out ids from sequences, which explicit ids do not move: move them past the restored rows."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608  (table names are ours)
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )
