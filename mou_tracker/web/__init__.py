"""Web layer: blueprints, sign-in enforcement, the schema guard and error pages."""

from __future__ import annotations

from itertools import chain

from flask import Flask, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from ..core import permissions
from ..core.redline import render_inline, render_side_by_side
from ..extensions import db, login_manager
from ..models import User
from ..models.base import utcnow
from ..schema_check import UPGRADE_COMMAND, schema_is_current
from ..services.errors import DomainError
from .navigation import site_nav

MAX_ID = 2**31 - 1

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

#: Endpoints reachable without signing in.
PUBLIC_ENDPOINTS = {"auth.login", "auth.set_language", "static", "health"}


#: Set in `Session.info` for a request that only reads (a page): a flush with changes is a programming error.
READS_ONLY = "reads_only"


class WriteInReadOnlyRequest(RuntimeError):
    """A programming error: a page (GET) tried to write, where its writes would not be in one transaction."""


@event.listens_for(Session, "before_flush")
def _refuse_writes_in_a_page(session: Session, _flush_context, _instances) -> None:
    if not session.info.get(READS_ONLY):
        return
    changed = [o for o in session.dirty if session.is_modified(o)]
    if session.new or session.deleted or changed:
        raise WriteInReadOnlyRequest(f"{request.method} {request.path} tried to write; writes are POSTs")


class IdConverter(IntegerConverter):
    """URL ids are database keys: 1 to 2**31 - 1. Anything else is simply not found, never a database error."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=MAX_ID)


def parse_id(raw: str | None, *, what: str = "number") -> int | None:
    """A number from a form or query string: None when absent, 400 when it is not a plausible id."""
    if raw in (None, ""):
        return None
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        abort(400, _("That is not a valid %(what)s.", what=_(what)))
    return int(raw)


def register_web(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before any route is added
    from ..api import framework as api
    from ..api import views as _api_views  # noqa: F401  (declares the operations)
    from . import account, admin, amendments, auth, draft, meetings, reports, work

    app.register_blueprint(api.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(draft.bp)
    app.register_blueprint(amendments.bp)
    app.register_blueprint(meetings.bp)
    app.register_blueprint(work.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(admin.bp)

    # The redline engine escapes every piece of user text itself; its output is trusted markup.
    # (tests/test_core_redline.py proves it for arbitrary text, so S704 does not apply here.)
    app.add_template_filter(lambda r: Markup(render_inline(r)), "redline_inline")  # noqa: S704
    app.add_template_filter(
        lambda r: tuple(Markup(side) for side in render_side_by_side(r)),  # noqa: S704
        "redline_sides",
    )

    @app.route("/health")
    def health():
        """For load balancers and the benchmark's baseline: answers without touching the database."""
        return {"status": "ok"}

    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user

    def is_api() -> bool:
        return request.path == api.PREFIX or request.path.startswith(api.PREFIX + "/")

    @app.before_request
    def refuse_outdated_schema():
        if request.endpoint == "static" or app.extensions.get("mou_schema_current"):
            return None
        if not schema_is_current(db.engine):
            if is_api():
                return api.problem(503, f"The database is not at the current schema. Run: {UPGRADE_COMMAND}")
            return render_template("errors/schema.html", command=UPGRADE_COMMAND), 503
        app.extensions["mou_schema_current"] = True
        return None

    @app.before_request
    def refuse_nul_characters():
        """No text in this product may hold a NUL, and PostgreSQL cannot even compare one: refuse it at the door."""
        values = chain([request.path], *(v for _, v in request.args.lists()))
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            values = chain(values, *(v for _, v in request.form.lists()))
        if any("\x00" in value for value in values):
            abort(400, _("The request contains a NUL character, which no field may hold."))
        return None

    @app.before_request
    def read_without_a_transaction():
        """A page only reads: on PostgreSQL it reads in autocommit (under READ COMMITTED each statement takes its
        own snapshot anyway, so a transaction around reads buys nothing, and its BEGIN and ROLLBACK were two of the
        four round trips of a kept page), and any attempt to write is refused (every write is a POST that commits
        once). The API keeps its transactions: it writes a token's last use on reads."""
        if request.method in ("GET", "HEAD") and not is_api():
            db.session.info[READS_ONLY] = True
            if db.engine.dialect.name == "postgresql":
                db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return None

    @app.before_request
    def require_sign_in():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None or is_api():  # the API checks tokens
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if is_api():
            return api.domain_problem(error)
        return render_template("errors/error.html", title=error.title, message=error.message), error.status_code

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    @app.errorhandler(OperationalError)
    def concurrent_change(error):
        """Two people acted on the same thing at the same moment: the second is refused, nothing half-written."""
        db.session.rollback()
        if isinstance(error, OperationalError) and "locked" not in str(error.orig):
            raise error  # a real database failure, not a race: let it be a 500 and be logged
        if is_api():
            return api.problem(
                412 if isinstance(error, StaleDataError) else 409,
                "It changed meanwhile, so nothing was saved. Read it again and retry if the change still applies.",
            )
        message = _(
            "Someone else changed this at the same moment, so nothing was saved. "
            "Reload the page to see the current state, then try again if it still applies."
        )
        return render_template("errors/error.html", title=_("Changed meanwhile"), message=message), 409

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        db.session.rollback()
        message = _("The form had expired or was sent from elsewhere. Go back, reload the page and try again.")
        return render_template("errors/error.html", title=_("Form expired"), message=message), 400

    @app.errorhandler(429)
    def too_many_attempts(error):
        db.session.rollback()
        if is_api():
            return api.http_problem(error)
        message = _("Too many sign-in attempts. Wait a few minutes, then try again.")
        return render_template("errors/error.html", title=_("Please wait"), message=message), 429

    @app.after_request
    def security_headers(response):
        """No inline script or style anywhere, no framing, no sniffing, no referrer leaking clause URLs."""
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("MOU_PRODUCTION"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")  # negotiating text stays off shared caches
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        if is_api():
            return api.http_problem(error)
        return render_template("errors/error.html", title=error.name, message=error.description), error.code

    @app.context_processor
    def template_helpers():
        return {"permissions": permissions, "now_utc": utcnow(), "site_nav": site_nav}
