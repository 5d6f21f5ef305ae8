"""Rendered parts of the status pages, kept until the negotiation changes.

A status page at treaty scale takes the better part of a second to build, and chairs reload it far more often
than the negotiation moves. The part is kept under a key made of the page, the negotiation's state stamp
(`services.reports.state_stamp`, read on every request: any change makes a new key, so nothing stale is ever
served), the reader (what a page shows depends on their party and role) and the interface language.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from ..extensions import page_cache
from ..services.reports import StateStamp


def cached_part(page: str, stamp: StateStamp, build: Callable[[], dict]) -> dict:
    """The part `build` renders for this page, state, reader and language: rendered once, then kept."""
    key = "|".join(str(part) for part in (page, *stamp, current_user.get_id(), get_locale()))
    part = page_cache.get(key)
    if part is None:
        part = build()
        page_cache.set(key, part)
    return part


def rendered(template: str, **context) -> Markup:
    """A partial template rendered to HTML that another template includes as it is (Jinja escaped it already)."""
    return Markup(render_template(template, **context))  # noqa: S704  (autoescaped template output)


def clear() -> None:
    """Forget every kept part (the benchmark measures first views with it)."""
    page_cache.clear()
