"""The migrations and the models describe the same schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from mou_tracker.extensions import db
from mou_tracker.models import Base
from mou_tracker.schema_check import current_revisions, head_revisions, is_described_by_models
from tests.conftest import make_app


def test_exactly_one_head():
    assert len(head_revisions()) == 1


def _schema_differences(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": is_described_by_models}
        )
        return compare_metadata(context, Base.metadata)


def test_upgrade_downgrade_upgrade_and_models_match(app):
    with app.app_context():
        try:
            assert current_revisions(db.engine) == head_revisions()
            assert _schema_differences(db.engine) == []

            downgrade(revision="base")
            remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert remaining == set()

            upgrade()
            assert current_revisions(db.engine) == head_revisions()
            assert _schema_differences(db.engine) == []
        finally:
            upgrade()


def test_app_refuses_a_database_that_is_not_at_head(app, database_url):
    with app.app_context():
        downgrade(revision="base")
    try:
        fresh = make_app(database_url)
        response = fresh.test_client().get("/login")
        assert response.status_code == 503
        assert "flask --app app db upgrade" in response.get_data(as_text=True)
    finally:
        with app.app_context():
            upgrade()
    assert fresh.test_client().get("/login").status_code == 200


def _check_constraints(engine) -> dict[str, set[str]]:
    inspector = inspect(engine)
    return {
        table: {c["name"] for c in inspector.get_check_constraints(table)}
        for table in inspector.get_table_names()
        if table != "alembic_version" and is_described_by_models(None, table, "table", True, None)
    }


def test_the_migrated_database_has_exactly_the_models_named_check_constraints(app):
    """Autogenerate compares columns, not CHECK constraints: this closes that gap."""
    from sqlalchemy import CheckConstraint

    expected = {}
    for table in Base.metadata.sorted_tables:
        names = set()
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint):
                names.add(str(constraint.name))
        expected[table.name] = names
    with app.app_context():
        assert _check_constraints(db.engine) == expected
