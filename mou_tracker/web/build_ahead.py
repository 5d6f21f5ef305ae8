"""Parts built ahead: after a change every reader can see, the pages read lately are rebuilt at once, in the
background, so that no reader waits for the rebuild.

A tabling (or an adoption, a review, an outcome: anything that records a public audit event) moves the state stamp
of every visibility, and each kept part of the negotiation must be built again. Built on demand, the first reader
of each part after the change waits for its build (the dashboard at treaty scale: about half a second alone, more
on two cores serving forty readers). Built ahead, right after the change is committed, by a thread of the worker
that served it: readers who arrive meanwhile are served the part it replaces, with the notice that the page is
being brought up to date (`page_cache`: one rebuild per key, the others served the previous state), and the next
view is the new state.

Only what readers of this worker read lately is built (`READ_LATELY_SECONDS`), for the visibility and language they
read it in, and only pages that show every role the same (`per_role=False`: one part per visibility and language). A
part is built as a `page_cache.Reader` of that visibility, exactly as a reader's request would build it, under the
same key; when a reader's request got there first, the build ahead finds the part kept and does nothing. One thread
per worker builds them, one at a time, each opening its database session only at its turn; readers who ask for a
part still queued are served the previous one at once (`page_cache.expect`). A change while a part is being built
builds it again. Off when `MOU_BUILD_AHEAD` is false; unset, on but under `TESTING` (the suite turns it on where it
tests it).
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import cast

from flask import Flask, g, request
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import AuditEvent, Instrument, Party, User
from ..services import reports as report_service
from ..services.draft import remember_instrument
from . import page_cache

log = logging.getLogger(__name__)

#: A page read by nobody for this long is no longer built ahead (it is built when someone reads it again).
READ_LATELY_SECONDS = 600.0
#: The most pages one worker remembers as read lately (each is a page, negotiation, visibility and language).
READ_LATELY_MOST = 500
#: `Session.info` key: the negotiations whose public record this unit of work changed.
PUBLIC_CHANGES = "mou_public_changes"


@dataclasses.dataclass(frozen=True)
class Recipe:
    """What building a page's part again takes, outside the request that read it."""

    #: The page's name in `page_cache` (its part's key, with the negotiation, visibility and language).
    page: str
    #: A builder registered with `builder`, given the negotiation.
    builder: str
    private: report_service.Private
    slug: str
    instrument_id: int
    party_id: int | None
    language: str
    #: The address the app answers at (scheme, host and prefix), so that the part's links are the readers' own.
    url_root: str
    #: What else the builder is given (the draft's text language, the meeting's code).
    args: tuple[str, ...] = ()


_BUILDERS: dict[str, Callable[..., dict]] = {}
_read_lately: dict[Recipe, float] = {}
_read_lately_lock = threading.Lock()

#: The builds ahead of this worker, one at a time in one thread (each opens a database session only at its turn,
#: so queued builds hold no connection): {recipe queued or building: its part's kind, expected in page_cache (and
#: marked in the store, for the other workers, while any of its kind is queued here)}.
_pending: dict[Recipe, str] = {}
#: The one being built, and those asked again meanwhile (a change after its build had read the database).
_building: set[Recipe] = set()
_again: set[Recipe] = set()
_pending_lock = threading.Lock()
_idle = threading.Condition(_pending_lock)
_queue: queue.SimpleQueue[tuple[Flask, Recipe, float]] = queue.SimpleQueue()
_runner: threading.Thread | None = None
#: How long the builds wait after the change (readers meanwhile are served the previous state): the writer's own
#: next page, the answer to the change and the page it leads to, is served before the builds take the worker's CPU.
WRITER_FIRST_SECONDS = 0.4


def builder(name: str) -> Callable[[Callable[..., dict]], Callable[..., dict]]:
    """Register a page's part builder (given the negotiation and the recipe's `args`; the reader is
    `current_user`) under `name`."""

    def register(build: Callable[..., dict]) -> Callable[..., dict]:
        _BUILDERS[name] = build
        return build

    return register


def note_read(
    page: str, builder_name: str, private: report_service.Private, instrument: Instrument, *args: str
) -> None:
    """This request read `page` (a part kept for every role, which `builder_name` builds from the negotiation and
    `args`): build it ahead after the next public change."""
    if not enabled(_app()):
        return
    from flask_babel import get_locale
    from flask_login import current_user

    recipe = Recipe(
        page,
        builder_name,
        private,
        g.negotiation_slug,
        instrument.id,
        current_user.party_id,
        str(get_locale()),
        request.url_root,
        args,
    )
    with _read_lately_lock:
        _read_lately.pop(recipe, None)
        _read_lately[recipe] = time.monotonic()
        while len(_read_lately) > READ_LATELY_MOST:
            del _read_lately[next(iter(_read_lately))]  # the one read longest ago


def enabled(app: Flask) -> bool:
    """`MOU_BUILD_AHEAD`, which when unset means on, except in tests (`TESTING`)."""
    setting = app.config.get("MOU_BUILD_AHEAD")
    return not app.testing if setting is None else bool(setting)


def _app() -> Flask:
    from flask import current_app

    return current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy


def install(app: Flask) -> None:
    @app.after_request
    def build_ahead_after_a_public_change(response):
        changed = db.session.info.pop(PUBLIC_CHANGES, None)
        if changed and enabled(app) and response.status_code < 400:
            schedule(app, changed)
        return response


@event.listens_for(Session, "after_flush")
def _note_public_changes(session: Session, _flush_context) -> None:
    """A public audit event written: the negotiation's public state moved (every change records one)."""
    for instance in session.new:
        if isinstance(instance, AuditEvent) and instance.private_to_party_id is None and instance.instrument_id:
            session.info.setdefault(PUBLIC_CHANGES, set()).add(instance.instrument_id)


def schedule(app: Flask, instrument_ids: set[int]) -> int:
    """Queue the pages of these negotiations read lately; returns how many were queued."""
    now = time.monotonic()
    with _read_lately_lock:
        recipes = [
            recipe
            for recipe, read in _read_lately.items()
            if recipe.instrument_id in instrument_ids
            and now - read < READ_LATELY_SECONDS
            and recipe.page not in page_cache._READ_THE_ROLE  # built per role after all: not ahead
        ]
    queued = 0
    first: list[str] = []  # kinds now queued in this worker and none before: marked for the other workers
    forgotten: list[str] = []  # kinds marked before that nothing will build: their marks cleared
    with _pending_lock:
        for recipe in recipes:
            if recipe in _building:
                _again.add(recipe)  # its build may have read the database before this change
                continue
            if recipe in _pending:
                continue  # queued: its build will read the database as it is then
            reader = page_cache.Reader(party_id=recipe.party_id, kept_role=None)
            kind = page_cache.latest_key(recipe.page, recipe.slug, reader, recipe.language)
            _pending[recipe] = kind
            if page_cache.expect(kind):
                first.append(kind)
            _queue.put((app, recipe, now))
            queued += 1
        if queued and not _start_runner():
            forgotten = [kind for kind in _forget_pending() if kind not in first]  # those of this call never marked
            first = []
    # Outside the lock: a slow Redis holds up no other request's queueing and no build's end.
    kept_in = app.extensions["mou_part_store"]
    if first:
        kept_in.mark_coming(first)
    if forgotten:
        kept_in.unmark_coming(forgotten)
    return queued


def _start_runner() -> bool:
    """The worker's one thread of builds ahead, started when first needed (and again if it ever died)."""
    global _runner
    if _runner is not None and _runner.is_alive():
        return True
    try:
        _runner = threading.Thread(target=_run, name="build-ahead", daemon=True)
        _runner.start()
    except RuntimeError:  # no thread to be had: readers build their parts as before
        log.exception("No thread for the builds ahead")
        _runner = None
        return False
    return True


def _forget_pending() -> list[str]:
    """Nothing will build what is queued: readers must not wait for it (under `_pending_lock`). Returns the kinds
    no longer queued at all, whose marks in the store are to be cleared."""
    while True:
        try:
            _queue.get_nowait()
        except queue.Empty:
            break
    done = [kind for kind in _pending.values() if page_cache.expected(kind)]
    _pending.clear()
    _again.clear()
    _idle.notify_all()
    return done


def _run() -> None:
    while True:
        app, recipe, scheduled = _queue.get()
        time.sleep(max(0.0, scheduled + WRITER_FIRST_SECONDS - time.monotonic()))
        with _pending_lock:
            _building.add(recipe)
        try:
            build(app, recipe)
        except BaseException:
            log.exception("Building %s ahead failed", recipe.page)
        finally:
            done = False
            with _pending_lock:
                _building.discard(recipe)
                if recipe in _again:
                    _again.discard(recipe)
                    _queue.put((app, recipe, time.monotonic()))  # stays pending and expected
                else:
                    kind = _pending.pop(recipe)
                    done = page_cache.expected(kind)
                    _idle.notify_all()
            if done:
                app.extensions["mou_part_store"].unmark_coming([kind])


def build(app: Flask, recipe: Recipe) -> None:
    """Build `recipe`'s part as a reader of its visibility and language would, in a context of its own (its own
    database session: nothing of the request that made the change is touched from this thread)."""
    with app.test_request_context(f"/n/{recipe.slug}/", base_url=recipe.url_root), force_locale(recipe.language):
        from . import READS_ONLY

        db.session.info[READS_ONLY] = True  # it only reads, as a page does
        g.negotiation_slug = recipe.slug
        party = db.session.get(Party, recipe.party_id) if recipe.party_id is not None else None
        reader = page_cache.Reader(party_id=recipe.party_id, kept_role=None, party=party)
        g._login_user = reader
        instrument = db.session.get(Instrument, recipe.instrument_id)
        if instrument is None:
            return
        remember_instrument(db.session, instrument)
        g.open_negotiation = instrument
        # A Reader stands for a user everywhere a part is built (it satisfies core.permissions.Actor).
        actor = cast("User", reader)
        stamp = report_service.state_stamp(db.session, actor, private=recipe.private, instrument=instrument)
        build_part = _BUILDERS[recipe.builder]
        page_cache.kept_part(
            recipe.page, stamp, lambda: build_part(instrument, *recipe.args), per_role=False, ahead=True
        )


def wait_until_idle(timeout: float = 30.0) -> bool:
    """Wait for every queued build (the tests ask it); False if some are still running after `timeout`."""
    deadline = time.monotonic() + timeout
    with _pending_lock:
        while _pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _idle.wait(left)
    return True


def forget() -> None:
    """Forget what was read lately (between tests)."""
    with _read_lately_lock:
        _read_lately.clear()
