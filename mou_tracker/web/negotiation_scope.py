"""Pages of one negotiation live under /n/<slug>/...: the slug opens the negotiation for the whole request.

Each blueprint of a negotiation's pages is registered twice: under /n/<slug> (its canonical addresses, which every
link the product writes uses), and at its old addresses without a slug, kept from the time the product held one
negotiation: those open the oldest negotiation the reader may open, so bookmarks and scripts keep working.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, Flask, current_app, g, request
from flask_login import current_user

from ..core.slugs import is_valid_slug
from ..extensions import db
from ..models import Instrument, User
from ..services import negotiations
from ..services.draft import current_instrument, remember_instrument
from ..services.errors import NotFound

#: The URL part that names the negotiation.
SLUG_ARG = "negotiation"
PREFIX = f"/n/<{SLUG_ARG}>"
#: Registered again without the prefix under this suffix, for the old addresses.
LEGACY = "_legacy"
#: Where the app keeps the names of the blueprints of a negotiation's pages.
_SCOPED = "mou_negotiation_blueprints"
#: Set on a view by `languages_unread`.
_LANGUAGES_UNREAD = "mou_languages_unread"


def register(app: Flask, blueprints: Sequence[Blueprint], *, new: Sequence[Blueprint] = ()) -> None:
    """`blueprints` answer at /n/<slug>/... and at their old addresses; `new` ones (pages that never had an old
    address) only under /n/<slug>/."""
    scoped = {bp.name for bp in (*blueprints, *new)}
    app.extensions[_SCOPED] = scoped
    for bp in (*blueprints, *new):
        app.register_blueprint(bp, url_prefix=PREFIX + (bp.url_prefix or ""))
    for bp in blueprints:
        app.register_blueprint(bp, name=bp.name + LEGACY)

    @app.url_value_preprocessor
    def take_slug(endpoint, values):
        if values and SLUG_ARG in values:
            g.negotiation_slug_asked = values.pop(SLUG_ARG)

    @app.before_request
    def open_negotiation():
        """Runs after the sign-in check: an anonymous reader is sent to sign in, never told what exists."""
        if not current_user.is_authenticated:
            return None
        found = _read_with_the_reader()
        addressed = _addressed()
        if addressed is _Address.NAMED:
            instrument = negotiations.open_negotiation(db.session, current_user, g.negotiation_slug_asked, found=found)
        elif addressed is _Address.OLD:
            instrument = negotiations.first_open_to(db.session, current_user, found=found)
            if instrument is None:
                current_instrument(db.session)  # none loaded at all: says how to load one
                raise NotFound(negotiations.NOT_FOUND)
            remember_instrument(db.session, instrument)
        else:
            return None
        g.negotiation_slug = instrument.slug
        g.open_negotiation = instrument
        return None

    @app.context_processor
    def negotiation_of_the_page():
        """The negotiation a page belongs to (None for pages of none, such as accounts): named in the header."""
        return {"open_negotiation": g.get("open_negotiation")}

    @app.url_defaults
    def add_slug(endpoint, values):
        """Links to a negotiation's pages name the negotiation being read (or, from a page of no negotiation, the
        reader's first one)."""
        if SLUG_ARG in values or not app.url_map.is_endpoint_expecting(endpoint, SLUG_ARG):
            return
        values[SLUG_ARG] = current_slug()


class _Address(enum.Enum):
    """How a request's address names the negotiation of its page."""

    NAMED = "named"  # /n/<slug>/...
    OLD = "old"  # an address kept from the time of one negotiation: the reader's oldest


def _addressed() -> _Address | None:
    """How this request names its negotiation; None for a page of none (accounts, the list of negotiations)."""
    blueprint = request.blueprint or ""
    scoped = current_app.extensions.get(_SCOPED, ())
    if blueprint in scoped:
        return _Address.NAMED
    if blueprint.endswith(LEGACY) and blueprint.removesuffix(LEGACY) in scoped:
        return _Address.OLD
    return None


def asked() -> negotiations.Asked | None:
    """The negotiation this request's page opens, for web.load_user to read with the reader; None for a page of
    none, and for a name no negotiation can have (opened, and not found, as it would be otherwise)."""
    addressed = _addressed()
    languages = not getattr(current_app.view_functions.get(request.endpoint or ""), _LANGUAGES_UNREAD, False)
    if addressed is _Address.OLD:
        return negotiations.Asked(None, languages=languages)
    slug = g.get("negotiation_slug_asked")
    if addressed is _Address.NAMED and isinstance(slug, str) and is_valid_slug(slug):
        return negotiations.Asked(slug, languages=languages)
    return None


def read_with_the_reader(
    asked_for: negotiations.Asked | None, reader: User, found: Instrument | negotiations.NotRead | None
) -> None:
    """web.load_user read the negotiation `asked_for` (`asked`) with `reader`: `found` (an Instrument, None when not
    open to them, NOT_READ when none was asked), for `open_negotiation` to take instead of reading it again."""
    g.negotiation_read_with_the_reader = (asked_for, reader.id, found)


def _read_with_the_reader() -> Instrument | negotiations.NotRead | None:
    """What web.load_user found, if it read the negotiation this request asks for, for its reader; else NOT_READ
    (the negotiation is read on its own): never one read for another address or reader."""
    read = g.pop("negotiation_read_with_the_reader", None)
    if read is None:
        return negotiations.NOT_READ
    asked_for, reader_id, found = read
    if asked_for is None or asked_for != asked() or reader_id != current_user.id:
        return negotiations.NOT_READ
    return found


def languages_unread(view: Callable[..., Any]) -> Callable[..., Any]:
    """Says of a page that a view of it kept from the reader's previous one never reads the negotiation's languages
    (the dashboard: its part's key has no text language), so that they are not read with the reader on each view
    (`asked`), only when the page is rendered. Every other page has them read with the reader."""
    setattr(view, _LANGUAGES_UNREAD, True)
    return view


def current_slug() -> str:
    """The negotiation of this request, or the reader's first: what links to a negotiation's pages name."""
    slug = g.get("negotiation_slug")
    if slug is None:
        instrument = negotiations.first_open_to(db.session, current_user) if current_user.is_authenticated else None
        slug = g.negotiation_slug = instrument.slug if instrument is not None else "-"
    return slug
