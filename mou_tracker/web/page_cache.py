"""Rendered parts of the status pages, kept until the negotiation changes.

A status page at treaty scale takes the better part of a second to build, and chairs reload it far more often
than the negotiation moves. The part is kept under a key made of the page, the negotiation's state stamp
(`services.reports.state_stamp`, read on every request: any change makes a new key, so nothing stale is ever
served), the reader (what a page shows depends on their party and role) and the interface language.

Around that part, the whole page is kept too, compressed once: a chair's reload then costs the state stamp and
a lookup, and at treaty scale sends a tenth of the bytes. The whole page also carries the session's CSRF token
and the address it was asked at, so it is kept per session, only for a plain address (no query string), and never
when a message is waiting to be shown once.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable

from flask import Response, current_app, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from ..extensions import page_cache
from ..services.reports import StateStamp
from .negotiation_scope import current_slug


def cached_part(page: str, stamp: StateStamp, build: Callable[[], dict]) -> dict:
    """The part `build` renders (a dict whose "body" is HTML) for this page, state, reader and language: rendered
    once, then kept."""
    key = "|".join(str(part) for part in (page, current_slug(), *stamp, current_user.get_id(), get_locale()))
    kept = page_cache.get(key)
    if kept is None:
        part = build()
        # Kept compressed: a treaty's meeting pack is 15 MB of HTML, and a worker keeps up to 32 parts.
        page_cache.set(key, {**part, "body": gzip.compress(str(part["body"]).encode(), compresslevel=1, mtime=0)})
        return part
    return {**kept, "body": Markup(gzip.decompress(kept["body"]).decode())}  # noqa: S704  (rendered by Jinja)


def kept_page(page: str, stamp: StateStamp, render: Callable[[], str]) -> Response:
    """The whole page `render` returns, kept gzip-compressed for this state, reader, language and session."""
    if request.args or session.get("_flashes"):
        return Response(render(), mimetype="text/html")
    generate_csrf()  # the page's forms carry the session's token: it must exist before the key names it
    token = session[current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")]
    key = "|".join(
        str(part)
        for part in (
            "page",
            page,
            current_slug(),
            *stamp,
            current_user.get_id(),
            current_user.lock_version,
            get_locale(),
            request.path,
            hashlib.sha256(token.encode()).hexdigest()[:32],  # not the token itself: the store may be shared
        )
    )
    compressed = page_cache.get(key)
    if compressed is None:
        compressed = gzip.compress(render().encode(), compresslevel=6, mtime=0)
        page_cache.set(key, compressed)
    if "gzip" in request.accept_encodings:
        response = Response(compressed, mimetype="text/html")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(gzip.decompress(compressed), mimetype="text/html")
    response.vary.add("Accept-Encoding")
    return response


def status_page(page: str, stamp: StateStamp, template: str, build: Callable[[], dict], **context) -> Response:
    """A status page: the part `build` renders, kept per state, reader and language, inside `template`, the whole
    kept per session."""
    return kept_page(page, stamp, lambda: render_template(template, **context, **cached_part(page, stamp, build)))


def rendered(template: str, **context) -> Markup:
    """A partial template rendered to HTML that another template includes as it is (Jinja escaped it already)."""
    return Markup(render_template(template, **context))  # noqa: S704  (autoescaped template output)


def clear() -> None:
    """Forget every kept part (the benchmark measures first views with it)."""
    page_cache.clear()
