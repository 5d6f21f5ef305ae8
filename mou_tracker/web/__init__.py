"""Web layer: blueprints, sign-in enforcement, the schema guard and error pages."""

from __future__ import annotations

import logging
import time
from itertools import chain
from urllib.parse import urlsplit

from flask import Flask, abort, g, render_template, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext, ngettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy import text as sql_text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from ..core import permissions
from ..core.sign_in_delay import wait_in_units
from ..extensions import db, login_manager
from ..i18n import http_error_text
from ..models import User
from ..models.base import MAX_ID, utcnow
from ..schema_check import UPGRADE_COMMAND, schema_is_current
from ..services import sign_in_sessions
from ..services.errors import DomainError
from . import bracket_marks
from .navigation import site_nav, unread_notifications
from .sign_in_limits import retry_after_seconds

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

#: Endpoints reachable without signing in.
PUBLIC_ENDPOINTS = {"auth.login", "auth.set_language", "static", "health"}

#: Endpoints that answer without the database (/health/ready queries it itself, and answers 503 when it cannot).
DATABASE_FREE_ENDPOINTS = {"static", "health", "api.openapi_document"}


class _OncePerInterval:
    """Log the database's unavailability once, then at most once per interval: not a traceback per request."""

    def __init__(self):
        self.last = float("-inf")

    def due(self, interval: float) -> bool:
        now = time.monotonic()
        if now - self.last < interval:
            return False
        self.last = now
        return True


def database_unreachable(error: BaseException) -> bool:
    """A failure to reach the database at all (see mou_tracker._mark_unreachable_database), not a bad query."""
    from .. import UNREACHABLE

    return isinstance(error, DBAPIError) and bool(getattr(error, UNREACHABLE, False) or error.connection_invalidated)


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


def safe_next(target: str | None) -> str | None:
    """A path on this site to send the reader back to, or None: no scheme, no host, no protocol-relative '//' or
    '\\' tricks (every "back to where you were" of a form goes through here)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def parse_id(raw: str | None, *, what: str = "number") -> int | None:
    """A number from a form or query string: None when absent, 400 when it is not a plausible id."""
    if raw in (None, ""):
        return None
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        abort(400, _("That is not a valid %(what)s.", what=_(what)))
    return int(raw)


def register_web(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before any route is added
    from .. import mail
    from ..api import akn as _api_akn  # noqa: F401  (declares the operations)
    from ..api import discussion as _api_discussion  # noqa: F401  (declares the operations)
    from ..api import everyday as _api_everyday  # noqa: F401  (declares the operations)
    from ..api import framework as api
    from ..api import record as _api_record  # noqa: F401  (declares the operations)
    from ..api import roundtrip as _api_roundtrip  # noqa: F401  (declares the operations)
    from ..api import views as _api_views  # noqa: F401  (declares the operations)
    from . import (
        account,
        admin,
        amendments,
        auth,
        build_ahead,
        deadlines,
        discussion,
        draft,
        forms,
        history,
        imports,
        meetings,
        negotiation_scope,
        negotiations,
        notifications,
        record,
        reports,
        roundtrip,
        work,
    )

    app.register_blueprint(api.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(negotiations.bp)
    app.register_blueprint(notifications.bp)
    mail.install(app)

    # Redlines, their square brackets marked (web/bracket_marks.py; the engine escapes every piece of user text):
    # `lr.body|redline_inline(clause.plain_brackets)`, `|redline_sides(...)`, `|credited_inline(...)`.
    app.add_template_filter(bracket_marks.redline_inline, "redline_inline")
    app.add_template_filter(bracket_marks.redline_sides, "redline_sides")
    # A clause's words with its square brackets marked (escapes the text itself); `bracket_runs` marks the
    # consecutive runs of one text (a bracket across two runs marked in both).
    app.add_template_filter(bracket_marks.mark_brackets, "brackets")
    app.add_template_filter(bracket_marks.mark_bracket_runs, "bracket_runs")
    # Changes each credited to their own amendment (services.redlines.CreditedWords): the same escaping engine.
    app.add_template_filter(bracket_marks.credited_inline, "credited_inline")

    @app.route("/health")
    @app.route("/health/<any(live, ready):probe>")
    def health(probe: str = "live"):
        """Liveness (/health, /health/live), for load balancers and the benchmark's baseline: answers without
        touching the database. Readiness (/health/ready): the database answers a query and is at the current
        schema; 503 otherwise."""
        if probe == "live":
            return {"status": "ok"}
        try:
            with db.engine.connect() as connection:
                connection.execute(sql_text("SELECT 1"))
            current = app.extensions.get("mou_schema_current") or schema_is_current(db.engine)
        except DBAPIError as error:
            if not database_unreachable(error):
                raise
            _log_unreachable(error)
            return _unavailable_headers({"status": "unavailable", "database": "unreachable"})
        if not current:
            return _unavailable_headers({"status": "unavailable", "database": "schema not current"})
        return {"status": "ok", "database": "ok"}

    def _unavailable_headers(body):
        return body, 503, {"Retry-After": str(app.config["MOU_DB_UNAVAILABLE_RETRY_AFTER_SECONDS"])}

    unreachable_log = _OncePerInterval()

    def _log_unreachable(error: DBAPIError) -> None:
        if unreachable_log.due(app.config["MOU_DB_UNAVAILABLE_LOG_EVERY_SECONDS"]):
            cause = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            log.error("The database cannot be reached (%s): answering 503 until it returns", cause)

    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        """The user of this request's sign-in session, read with its server-side row, their bell and the negotiation
        the page opens (`negotiation_scope.asked`) in one query. No row (signed out, signed out everywhere, password
        changed or reset, deactivated): no user, even for a copied cookie."""
        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit() or int(user_id) > MAX_ID:
            return None
        secret = session.get(sign_in_sessions.SESSION_KEY)
        asked = negotiation_scope.asked()  # the negotiation the page opens, if any: read with the reader
        found = sign_in_sessions.load(db.session, int(user_id), secret, asked=asked)
        if found is None or found.user.session_version != int(version):
            return None
        user, g.sign_in_session, g.unread_notifications = found.user, found.sign_in, found.unread
        negotiation_scope.read_with_the_reader(asked, user, found.negotiation)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            sign_in_sessions.note_seen(g.sign_in_session)  # a POST commits anyway; a page never writes
        return user

    def is_api() -> bool:
        return request.path == api.PREFIX or request.path.startswith(api.PREFIX + "/")

    @app.before_request
    def allow_larger_uploads():
        """A view that takes files says how large a request it reads (its `max_upload`); every other request is
        held to MAX_CONTENT_LENGTH. Set first, before anything reads the body."""
        limit = getattr(app.view_functions.get(request.endpoint or ""), "max_upload", None)
        if callable(limit):  # a limit the configuration sets (web.discussion.upload_limit)
            limit = limit()
        if limit:
            request.max_content_length = limit

    @app.before_request
    def refuse_outdated_schema():
        if request.endpoint in DATABASE_FREE_ENDPOINTS or app.extensions.get("mou_schema_current"):
            return None
        if not schema_is_current(db.engine):
            if is_api():
                return api.problem(503, f"The database is not at the current schema. Run: {UPGRADE_COMMAND}")
            return render_template("errors/schema.html", command=UPGRADE_COMMAND), 503
        app.extensions["mou_schema_current"] = True
        return None

    @app.before_request
    def sign_in_before_an_upload():
        """An upload's body (up to its larger limit) is read for a signed-in user only (the API: a valid token). An
        anonymous one is refused here with the answer it would get later (the sign-in page; the API's 401), before
        any of the hooks below reads the form: nobody unknown can make the server read megabytes. (A GET of the
        same view has no body and is left to require_sign_in, after a page's reads are set up.)"""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if not getattr(app.view_functions.get(request.endpoint or ""), "max_upload", None):
            return None
        if is_api():
            return api.authenticate_before_the_body()
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
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
        if request.method in ("GET", "HEAD") and not is_api() and request.endpoint not in DATABASE_FREE_ENDPOINTS:
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

    forms.install_single_use(app)  # a form sent again after it succeeded is answered, never done twice
    build_ahead.install(app)  # after a change everyone sees, the parts read lately are rebuilt in the background

    # A negotiation's pages, under /n/<slug>/ (and their old addresses): registered after the sign-in check, so
    # that the negotiation is opened for signed-in readers only.
    negotiation_scope.register(
        app,
        [draft.bp, amendments.bp, meetings.bp, work.bp, reports.bp],
        new=[imports.bp, deadlines.bp, history.bp, record.bp, discussion.bp, roundtrip.bp],
    )
    deadlines.install(app)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if is_api():
            return api.domain_problem(error)
        return render_template("errors/error.html", title=error.title, message=error.message), error.status_code

    def database_unavailable(error: DBAPIError):
        """503 with a page in the reader's language: nothing was read or saved. Rendered without the database:
        the reader counts as signed out for this page (their account cannot be read)."""
        _log_unreachable(error)
        try:
            db.session.rollback()
        except DBAPIError:
            db.session.close()
        retry_after = app.config["MOU_DB_UNAVAILABLE_RETRY_AFTER_SECONDS"]
        if is_api():
            return api.unavailable_problem(retry_after)
        g._login_user = login_manager.anonymous_user()  # Flask-Login's per-request user: no lookup while rendering
        page = render_template("errors/unavailable.html")
        return page, 503, {"Retry-After": str(retry_after)}

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        if database_unreachable(error):
            return database_unavailable(error)
        raise error  # a real database failure: a 500, logged

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    @app.errorhandler(OperationalError)
    def concurrent_change(error):
        """Two people acted on the same thing at the same moment: the second is refused, nothing half-written."""
        if database_unreachable(error):
            return database_unavailable(error)
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
        seconds = retry_after_seconds(error)
        headers = {"Retry-After": str(seconds)}
        if is_api():
            response = api.http_problem(error)
            response.headers.update(headers)
            return response
        number, unit = wait_in_units(seconds)
        if unit == "seconds":
            message = ngettext(
                "Too many failed sign-in attempts. Try again in %(num)d second.",
                "Too many failed sign-in attempts. Try again in %(num)d seconds.",
                number,
            )
        else:
            message = ngettext(
                "Too many failed sign-in attempts. Try again in %(num)d minute.",
                "Too many failed sign-in attempts. Try again in %(num)d minutes.",
                number,
            )
        return render_template("errors/error.html", title=_("Please wait"), message=message), 429, headers

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
        title, message = http_error_text(error)
        return render_template("errors/error.html", title=title, message=message), error.code

    @app.context_processor
    def template_helpers():
        return {
            "permissions": permissions,
            "now_utc": utcnow(),
            "site_nav": site_nav,
            "unread_notifications": unread_notifications,
        }
