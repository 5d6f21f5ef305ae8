"""Fixtures: one app per test session, a clean database for every test.

The suite runs on SQLite by default. Set MOU_TEST_DATABASE_URL (for example
postgresql+psycopg://postgres@127.0.0.1:5432/test) to run it on PostgreSQL: that database's public schema is
dropped and rebuilt by the migrations at the start of the run.
"""

from __future__ import annotations

import os
import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from mou_tracker import create_app
from mou_tracker.extensions import db as _db
from mou_tracker.models import Base, User
from mou_tracker.services import demo as demo_service

User.password_method = "scrypt:4096:8:1"  # same algorithm, lower cost: keeps the suite fast

#: Skips that may happen even where every test must run: on SQLite, the tests that need a database server
#: (they run in CI's PostgreSQL pass). Any other skip fails when MOU_NO_SKIPS=1 (.ci/run) or CI is set.
SKIPS_ALLOWED_EVERYWHERE = ("needs a database server",)


def _skips_fail() -> bool:
    return os.environ.get("MOU_NO_SKIPS") == "1" or os.environ.get("CI", "").lower() not in ("", "0", "false")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Where CI provides everything (Redis, LibreOffice, Chromium, fixtures), a test that skips hides a missing
    install step: it fails instead, saying why it would have skipped."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail") or not _skips_fail():
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    if reason.startswith(SKIPS_ALLOWED_EVERYWHERE):
        return
    report.outcome = "failed"
    report.longrepr = f"skipped where every test must run (MOU_NO_SKIPS=1 or CI): {reason}"


#: The demo negotiation's draft: where signing in leads (its pages live under /n/<slug>/).
DEMO_HOME = "/n/cica-unoct-mou/"


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("MOU_TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def make_app(database_url: str):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-only-secret",
            # No thread building parts while a test empties the database; tests/web/test_build_ahead.py turns it on.
            "MOU_BUILD_AHEAD": False,
        }
    )


@pytest.fixture(scope="session")
def migrated_app(database_url):
    app = make_app(database_url)
    with app.app_context():
        upgrade()
    return app


#: Sets every sequence of the schema back to its start, as TRUNCATE ... RESTART IDENTITY would (the tests' demo gets
#: the same ids each time).
_RESTART_SEQUENCES = text(
    "DO $$ DECLARE s record; BEGIN "
    "FOR s IN SELECT schemaname, sequencename FROM pg_sequences WHERE schemaname = current_schema() LOOP "
    "EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.schemaname, s.sequencename); END LOOP; END $$"
)


def _empty_postgres(connection, tables: list[str]) -> None:
    """Empty every table between two tests. TRUNCATE gives each table a new file and waits for the disk to sync it
    (about 3 s a test with 40 tables); DELETE of a test's few rows costs milliseconds. The foreign keys are not
    checked meanwhile (`session_replication_role`, for this transaction only: every table ends empty anyway). A
    role that may not set it (not a superuser) truncates as before."""
    try:
        with connection.begin_nested():
            connection.execute(text("SET LOCAL session_replication_role = replica"))
    except DBAPIError:
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        return
    for table in tables:
        connection.execute(text(f"DELETE FROM {table}"))
    connection.execute(_RESTART_SEQUENCES)


def _wipe(app) -> None:
    from mou_tracker.services import redlines
    from mou_tracker.web import page_cache

    with app.app_context():
        # Kept pages and redlines are keyed by the state of the data, and a test that loads the demo again reaches
        # the very same state (same ids, same times) as the test before it: nothing is carried over.
        page_cache.clear()
        redlines.clear_caches()
        _db.session.remove()
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        with _db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                _empty_postgres(connection, tables)
            else:
                # A foreign key declared use_alter (clause_versions.amendment_id) is left out of the table order:
                # checked at commit, when every table is empty. The pragma holds inside a transaction only, and
                # pysqlite opens one at the first DELETE.
                for number, table in enumerate(tables):
                    connection.execute(text(f"DELETE FROM {table}"))
                    if number == 0:
                        connection.execute(text("PRAGMA defer_foreign_keys = ON"))


@pytest.fixture
def app(migrated_app):
    """The app on an empty, migrated database. Core tests never ask for it, so they run without one."""
    from mou_tracker.extensions import limiter
    from mou_tracker.web import page_cache

    limiter.reset()  # sign-in attempts are counted per test, not across the suite
    _wipe(migrated_app)
    page_cache._READ_THE_ROLE.clear()
    yield migrated_app
    _wipe(migrated_app)
    # A page kept for every role whose build read the role: production falls back to parts per role (and logs
    # it), every test that reaches such a build fails here, whatever state of the negotiation it reached.
    assert not page_cache._READ_THE_ROLE, f"kept for every role, but read the role: {page_cache._READ_THE_ROLE}"


@pytest.fixture
def session(app):
    with app.app_context():
        yield _db.session
        _db.session.rollback()


@pytest.fixture
def demo(app) -> dict[str, str]:
    """Load the demo negotiation; returns {login: password}."""
    with app.app_context():
        passwords = demo_service.load_demo(_db.session)
        _db.session.commit()
    return passwords


class Browser:
    """A test client that behaves like a person with a browser: it reads CSRF tokens from the pages it gets."""

    TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

    def __init__(self, client, passwords=None):
        self.client = client
        self.passwords = passwords or {}

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def token(self, page: str = "/login") -> str:
        html = self.client.get(page, follow_redirects=True).get_data(as_text=True)
        match = self.TOKEN.search(html)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def post(self, url, data=None, *, token_from: str | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from or url))
        return self.client.post(url, data=data, **kwargs)

    def sign_in(self, login: str, password: str | None = None):
        response = self.post(
            "/login", {"login": login, "password": password or self.passwords[login]}, token_from="/login"
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def sign_out(self):
        return self.post("/logout", token_from="/")


class People(dict):
    """The demo's users, each signed in in their own browser the first time a test names them:
    `people["cica.chair"].get("/dashboard")`. One fixture for every test that acts as several people."""

    def __init__(self, app, passwords: dict[str, str]):
        super().__init__()
        self.app, self.passwords = app, passwords

    def __missing__(self, login: str) -> Browser:
        browser = Browser(self.app.test_client(), self.passwords)
        browser.sign_in(login)
        self[login] = browser
        return browser


@pytest.fixture
def people(app, demo) -> People:
    return People(app, demo)


@pytest.fixture
def browser(app, demo) -> Browser:
    return Browser(app.test_client(), demo)


@pytest.fixture
def anonymous(app) -> Browser:
    return Browser(app.test_client())


def wid_of(app, body_start: str) -> str:
    """The stable id of the clause whose English text starts with `body_start`."""
    from mou_tracker.models import Clause, ClauseText, ClauseVersion

    with app.app_context():
        wid = _db.session.scalar(
            _db.select(Clause.wid)
            .join(ClauseVersion)
            .join(ClauseText)
            .where(ClauseText.language == "en", ClauseText.body.startswith(body_start))
        )
    assert wid, body_start
    return wid


def add_clause_version(
    app, wid: str, body_en: str | None, *, reason: str = "Agreed wording", login: str = "cica.negotiator", when=None
):
    """Record a new version of a clause directly (what an adopted amendment will do); None deletes the clause."""
    import datetime as dt

    from mou_tracker.models import Clause, ClauseText, ClauseVersion

    with app.app_context():
        clause = _db.session.scalar(_db.select(Clause).filter_by(wid=wid))
        latest = max(clause.versions, key=lambda v: v.seq)
        author = _db.session.scalar(_db.select(User).filter_by(login=login))
        version = ClauseVersion(
            clause=clause,
            seq=latest.seq + 1,
            reason=reason,
            created_by=author,
            is_deleted=body_en is None,
            created_at=when or dt.datetime.now(dt.UTC),
        )
        if body_en is not None:
            heading = latest.text("en").heading if latest.text("en") else None
            version.texts.append(ClauseText(language="en", heading=heading, body=body_en))
        _db.session.add(version)
        _db.session.commit()


def assign_to_demo(login: str) -> None:
    """Assign a user to the demo negotiation, as an administrator does for a chair, legal reviewer or administrator
    (inside an app context; the caller commits)."""
    from mou_tracker.models import Instrument, InstrumentAssignment

    user = _db.session.scalar(_db.select(User).filter_by(login=login))
    instrument = _db.session.scalar(_db.select(Instrument).filter_by(slug="cica-unoct-mou"))
    _db.session.add(InstrumentAssignment(instrument_id=instrument.id, user_id=user.id))
