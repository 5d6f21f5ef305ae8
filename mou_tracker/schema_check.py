"""Refuse to serve a database whose schema is not at the latest migration."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
UPGRADE_COMMAND = "flask --app app db upgrade"

#: Full-text search objects that migrations 0013_search and 0022_search_vector create with the database's own DDL
#: and that the models cannot describe (FTS5's table, PostgreSQL's GIN index and the stored tsvector column
#: `search_entries_fulltext_vector`): left out when migrations and models are compared.
FULL_TEXT_OBJECTS = ("search_fts", "search_entries_fulltext")


def is_described_by_models(obj, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
    """Alembic's include_object hook: everything but the full-text objects (and FTS5's shadow tables)."""
    return not (name and name.startswith(FULL_TEXT_OBJECTS))


def head_revisions() -> set[str]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return set(ScriptDirectory.from_config(config).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def schema_is_current(engine: Engine) -> bool:
    return current_revisions(engine) == head_revisions()
