"""Database connections and transactions: a dropped connection never fails a reader's request, a page never
writes, and a write is all or nothing."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import create_engine, text

from mou_tracker import create_app
from mou_tracker.extensions import db
from tests.conftest import Browser

needs_a_server = pytest.mark.skipif(
    not os.environ.get("MOU_TEST_DATABASE_URL"), reason="needs a database server: the suite's PostgreSQL pass runs it"
)

NAME = "mou-idle-connection-test"


def _drop_connections_of(database_url: str) -> int:
    """What a server restart, a failover or a firewall closing quiet connections does to the app's pool."""
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return connection.execute(
                text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": NAME},
            ).scalar_one()
    finally:
        admin.dispose()


@needs_a_server
def test_a_connection_dropped_while_idle_is_replaced_without_the_reader_noticing(database_url, app, demo):
    worker = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-only-secret",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"application_name": NAME}},
            "MOU_DB_PING_AFTER_IDLE_SECONDS": 0.2,
        }
    )
    try:
        chair = Browser(worker.test_client(), demo)
        chair.sign_in("cica.chair")
        assert chair.get("/dashboard").status_code == 200
        assert _drop_connections_of(database_url) >= 1
        time.sleep(0.3)  # idle long enough to be tested before use
        for page in ("/dashboard", "/amendments", "/"):
            assert chair.get(page).status_code == 200, page
    finally:
        with worker.app_context():
            db.engine.dispose()


@needs_a_server
def test_a_write_after_pages_were_read_is_still_all_or_nothing(database_url, app, demo):
    """Pages read in autocommit; the connection must come back to the pool transactional, or a write that fails
    half-way would leave its first half behind."""
    from mou_tracker.models import AuditEvent
    from mou_tracker.services import audit

    worker = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-only-secret",
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0},  # every request on one connection
        }
    )
    try:
        chair = Browser(worker.test_client(), demo)
        chair.sign_in("cica.chair")
        for page in ("/", "/dashboard", "/amendments"):
            assert chair.get(page).status_code == 200
        with worker.app_context():
            before = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
            audit.record(db.session, None, "test.half_written", AuditEvent(id=0), "The first half of a write")
            db.session.flush()
            db.session.rollback()  # the second half failed
            assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == before
    finally:
        with worker.app_context():
            db.engine.dispose()


def test_a_page_that_tried_to_write_is_refused_and_writes_nothing(database_url, app, demo):
    """Pages read outside a transaction on PostgreSQL: a write slipped into a GET would not be all or nothing, so
    it is refused, on every database."""
    from mou_tracker.models import AuditEvent
    from mou_tracker.services import audit
    from mou_tracker.web import WriteInReadOnlyRequest

    worker = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-only-secret"})

    def careless_page():
        audit.record(db.session, None, "test.written_by_a_page", AuditEvent(id=0), "Written while reading")
        db.session.commit()
        return "written"

    worker.add_url_rule("/careless", view_func=careless_page, methods=["GET", "POST"])
    try:
        chair = Browser(worker.test_client(), demo)
        chair.sign_in("cica.chair")
        with worker.app_context():
            before = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
        with pytest.raises(WriteInReadOnlyRequest):
            chair.get("/careless")
        with worker.app_context():
            assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == before
        # The same write as a POST (with its CSRF token) is a write like any other.
        assert chair.post("/careless", token_from="/").get_data(as_text=True) == "written"
        with worker.app_context():
            assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == before + 1
    finally:
        with worker.app_context():
            db.engine.dispose()
