"""The site's main navigation, rendered once per language, page and kind of reader instead of on every request.

It is the same for every reader of a page in a language (only the link to user management depends on the
reader's role), and with its links and labels it was the costliest part of the layout around a kept page.
"""

from __future__ import annotations

from functools import lru_cache

from flask import g, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from ..core import permissions
from .negotiation_scope import LEGACY, current_slug


@lru_cache(maxsize=512)
def _rendered(
    locale: str, endpoint: str | None, blueprint: str | None, manages_users: bool, root: str, negotiation: str
) -> Markup:
    # `locale`, `root` (the URL prefix) and `negotiation` (its slug) are part of the key only: the template reads
    # them from the request.
    del locale, root, negotiation
    html = render_template("_site_nav.html", endpoint=endpoint, here=blueprint, manages_users=manages_users)
    return Markup(html)  # noqa: S704  (autoescaped template output)


def site_nav() -> Markup:
    return _rendered(
        str(get_locale()),
        (request.endpoint or "").replace(LEGACY + ".", ".") or None,
        (request.blueprint or "").removesuffix(LEGACY) or None,
        permissions.can_manage_users(current_user),
        request.script_root,
        current_slug(),
    )


def unread_notifications() -> int:
    """The bell's count, read with the signed-in user (web.load_user): no query of its own."""
    return g.get("unread_notifications", 0) if current_user.is_authenticated else 0
