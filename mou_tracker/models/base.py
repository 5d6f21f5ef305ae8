"""Declarative base with a constraint naming convention, so migrations name every constraint the same way
on SQLite and PostgreSQL and can drop or alter them later."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import DateTime, Enum, MetaData, Table
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: The largest whole number an INTEGER column holds on PostgreSQL (every id is one): a larger id names nothing, and
#: is answered "not found" or refused, never sent to the database.
MAX_ID = 2**31 - 1


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and always returned timezone-aware.

    SQLite drops the offset on the way in; this type puts it back on the way out, so that times from
    either database compare and print the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC times")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def render_migration_item(type_: str, obj, autogen_context):
    """Write UTCDateTime into migrations as a plain timezone-aware DateTime, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def str_enum(values, name: str, length: int = 20) -> Enum:
    """An enum stored as text with a named CHECK constraint: the same on SQLite and PostgreSQL, no native type
    to migrate when a member is added. `values` is an enum class or a tuple of strings."""
    members = (values,) if isinstance(values, type) else tuple(values)
    return Enum(*members, native_enum=False, create_constraint=True, length=length, name=name, validate_strings=True)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """A mapped class's table, for Core statements (bulk inserts written by the flush hooks). Every model here is
    mapped to one Table; SQLAlchemy types `__table__` as the wider FromClause."""
    return cast(Table, model.__table__)
