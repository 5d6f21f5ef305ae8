"""MoU Tracker: clause-by-clause negotiation of a Memorandum of Understanding."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_compress import Compress
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import default_config, instance_secret_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(default_config(app.instance_path))
    if config:
        app.config.from_mapping(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)

    from . import models
    from .extensions import csrf, db, limiter, login_manager, migrate, page_cache
    from .i18n import init_i18n

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,  # SQLite can only alter tables by copying them
        compare_type=True,
        render_item=models.base.render_migration_item,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    page_cache.init_app(app)
    from .web import page_cache as kept_parts

    kept_parts.init_app(app)
    login_manager.init_app(app)
    init_i18n(app)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)
        else:
            _test_connections_after_idle(db.engine, app.config["MOU_DB_PING_AFTER_IDLE_SECONDS"])
        _mark_unreachable_database(db.engine)

    if proxies := int(app.config.get("MOU_TRUSTED_PROXIES") or 0):
        # Believe X-Forwarded-For/-Proto only as far as our own proxies set them; without any, a client's forged
        # header cannot choose the address that sign-in limits count.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    _compress_answers(app)  # first: its after_request then runs last, on the finished answer

    from .web import register_web

    register_web(app)

    from .cli import register_cli

    register_cli(app)
    return app


#: Flask-Compress marks a strong ETag with the coding it applied ("v3" -> "v3:gzip"), so that each coding has its
#: own validator, as HTTP requires; these are the marks it adds.
_CODING_MARKS = tuple(f':{coding}"' for coding in ("gzip", "br", "zstd", "deflate"))


def _compress_answers(app: Flask) -> None:
    """Compress HTML, JSON and CSV answers a client accepts compressed (COMPRESS_* settings in config).

    Registered before every other after_request function, so it compresses the finished answer (Flask runs them
    in reverse order of registration). A strong ETag comes out marked with the coding ("...:gzip"), so a
    conditional GET (If-None-Match) gets its 304 for the same coding only. A write, though, names the state it
    read, not the bytes: If-Match is compared without the mark, so an ETag read compressed still matches."""
    Compress(app)

    @app.before_request
    def _if_match_names_the_state() -> None:
        header = request.environ.get("HTTP_IF_MATCH")
        if header and any(mark in header for mark in _CODING_MARKS):
            for mark in _CODING_MARKS:
                header = header.replace(mark, '"')
            request.environ["HTTP_IF_MATCH"] = header
            request.__dict__.pop("if_match", None)  # parsed afresh from the header


def _test_connections_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Test a pooled connection before use when it has been idle a while: a database server that restarted, or a
    firewall that closed a quiet connection, must not fail a reader's request. A connection handed back moments
    ago is used as it is; testing every checkout (SQLAlchemy's pool_pre_ping) cost a round trip per request,
    nearly half the throughput of a kept page on PostgreSQL."""

    @event.listens_for(engine, "checkin")
    def _idle_from_now(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _test_if_idle(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("the database server closed the connection") from exc  # the pool reconnects


#: Set on a SQLAlchemy error raised because the database could not be reached at all (see web: a 503, not a 500).
UNREACHABLE = "mou_database_unreachable"


def _mark_unreachable_database(engine: Engine) -> None:
    """Tell "the database cannot be reached" from other database errors: a failure to connect, or a connection lost
    mid-use. The pool forgets a lost connection and connects afresh on the next request, so the app recovers on
    its own when the database returns."""

    @event.listens_for(engine, "handle_error")
    def _note_unreachable(context):
        if context.is_disconnect or context.connection is None:  # no connection: it failed while connecting
            setattr(context.sqlalchemy_exception, UNREACHABLE, True)


def _configure_sqlite(engine: Engine) -> None:
    """SQLite as a single-server database: enforce foreign keys, let readers run beside a writer (WAL), and wait
    for a lock instead of failing at once. The file holds password hashes: only its owner may read it."""
    path = _sqlite_file(engine)
    if path is not None and not path.exists() and path.parent.is_dir():
        # Created here, owner-only, before SQLite creates it with the umask's mode (usually 0644). SQLite gives its
        # -wal and -shm files the mode of the database file.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        if path is not None:
            _owner_only(path)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _sqlite_file(engine: Engine) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:") or engine.url.query.get("uri"):
        return None
    return Path(database)


def _owner_only(path: Path) -> None:
    """Take group and other permissions off the database and its -wal/-shm files (a file made by an older version,
    or copied in, may have them)."""
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = candidate.stat().st_mode
            if mode & 0o077:
                candidate.chmod(mode & 0o700)
        except OSError:  # not there (yet), or not ours: SQLite reports what matters
            continue
