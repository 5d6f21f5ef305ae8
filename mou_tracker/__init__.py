"""MoU Tracker: clause-by-clause negotiation of a Memorandum of Understanding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

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
    login_manager.init_app(app)
    init_i18n(app)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)

    from .web import register_web

    register_web(app)

    from .cli import register_cli

    register_cli(app)
    return app


def _configure_sqlite(engine: Engine) -> None:
    """SQLite as a single-server database: enforce foreign keys, let readers run beside a writer (WAL), and wait
    for a lock instead of failing at once."""

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
