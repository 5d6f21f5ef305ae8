"""After a change everyone sees, the dashboards read lately are built again in the background (web/build_ahead):
the next reader is served the new state without waiting for a build, and what was built ahead is what the reader's
own request would have built."""

from __future__ import annotations

import threading

import pytest

from mou_tracker.web import build_ahead, page_cache
from tests.conftest import wid_of
from tests.services.test_amendments import SETTLEMENT, act, amendment_id, as_user, propose
from tests.web.test_state_stamp import Builds, _party_id, _shown

DASHBOARD = "/n/cica-unoct-mou/dashboard"
#: The pages built ahead, by their part's name (`page_cache.kept_part`).
AHEAD = {"dashboard": DASHBOARD, "draft:en": "/n/cica-unoct-mou/", "pack": "/n/cica-unoct-mou/meetings/SWG/pack"}


@pytest.fixture
def ahead(app, monkeypatch):
    monkeypatch.setitem(app.config, "MOU_BUILD_AHEAD", True)
    build_ahead.forget()
    yield app
    assert build_ahead.wait_until_idle(60)  # nothing builds while the next test empties the database
    build_ahead.forget()


def _views(browsers: dict) -> dict:
    return {
        (who, page): _shown(browser.get(address))
        for who, browser in browsers.items()
        for page, address in AHEAD.items()
    }


def test_after_a_tabling_the_pages_read_lately_are_built_before_anyone_asks(ahead, demo, monkeypatch):
    app = ahead
    unoct = as_user(app, demo, "unoct.negotiator")
    readers = {"cica chair": as_user(app, demo, "cica.chair"), "unoct lawyer": as_user(app, demo, "unoct.legal")}
    before = _views(readers)  # read lately: both visibilities
    builds = Builds(app, monkeypatch)
    drafted = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled amicably."))
    assert build_ahead.wait_until_idle(60)
    assert builds.keys == []  # a party's draft moves none of these pages: nothing to build

    assert act(unoct, drafted, "table").status_code == 302
    assert build_ahead.wait_until_idle(60)
    cica, unoct_party = _party_id(app, "cica.chair"), _party_id(app, "unoct.legal")
    for page in ("dashboard", "draft:en"):
        assert builds.of(page, cica) == builds.of(page, unoct_party) == 1, page  # built ahead, once each
    assert sum(1 for key in builds.keys if key.startswith("pack:")) == 2

    builds.clear()
    after = _views(readers)
    assert builds.keys == []  # nobody waited for a build
    assert all("UNOCT-1</a>: CICA to respond" in after[(who, "dashboard")] for who in readers)
    assert all(after[(who, page)] != before[(who, page)] for who in readers for page in AHEAD)  # the new state
    with app.app_context():
        page_cache.clear()
    assert after == _views(readers)  # what the readers' own requests build from nothing


def test_a_dashboard_nobody_read_is_not_built_ahead(ahead, demo, monkeypatch):
    app = ahead
    unoct = as_user(app, demo, "unoct.negotiator")
    as_user(app, demo, "cica.chair").get(DASHBOARD)  # only CICA's readers read it
    builds = Builds(app, monkeypatch)
    act(unoct, amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled amicably.")), "table")
    assert build_ahead.wait_until_idle(60)
    assert builds.of("dashboard", _party_id(app, "cica.chair")) == 1
    assert builds.of("dashboard", _party_id(app, "unoct.legal")) == 0


def test_a_dashboard_built_ahead_is_in_the_language_it_was_read_in(ahead, demo, monkeypatch):
    app = ahead
    chair = as_user(app, demo, "cica.chair")
    chair.post("/language", {"language": "ru", "next": "/"}, token_from="/")
    chair.get(DASHBOARD)
    builds = Builds(app, monkeypatch)
    unoct = as_user(app, demo, "unoct.negotiator")
    act(unoct, amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled amicably.")), "table")
    assert build_ahead.wait_until_idle(60)
    (key,) = [key for key in builds.keys if key.startswith("dashboard|")]
    assert "|ru|" in key
    builds.clear()
    page = chair.get(DASHBOARD).get_data(as_text=True)
    assert builds.keys == [] and "Состояние проекта" in page and "UNOCT-1" in page


def test_readers_arriving_before_the_build_ahead_are_served_the_previous_state_at_once(ahead, demo, monkeypatch):
    """Between the change and the build ahead (which waits for the writer's own next page first), a reader is
    served the state of a moment ago, told so, and builds nothing; the build ahead then brings the new state."""
    app = ahead
    monkeypatch.setattr(build_ahead, "WRITER_FIRST_SECONDS", 3.0)
    chair = as_user(app, demo, "cica.chair")
    unoct = as_user(app, demo, "unoct.negotiator")
    chair.get(DASHBOARD)
    builds = Builds(app, monkeypatch)
    act(unoct, amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled amicably.")), "table")
    meanwhile = chair.get(DASHBOARD)
    assert builds.keys == []
    assert meanwhile.headers["Cache-Control"] == "no-store"  # the next view asks again
    assert "UNOCT-1" not in meanwhile.get_data(as_text=True)
    assert build_ahead.wait_until_idle(60)
    assert builds.of("dashboard", _party_id(app, "cica.chair")) == 1
    assert "UNOCT-1</a>: CICA to respond" in chair.get(DASHBOARD).get_data(as_text=True)


def test_a_change_while_a_page_is_being_built_ahead_builds_it_again(ahead, demo, monkeypatch):
    app = ahead
    chair = as_user(app, demo, "cica.chair")
    unoct = as_user(app, demo, "unoct.negotiator")
    chair.get(DASHBOARD)
    monkeypatch.setattr(build_ahead, "WRITER_FIRST_SECONDS", 0.0)
    started, release = threading.Event(), threading.Event()
    real = build_ahead.build
    built = []

    def slow(app_, recipe):
        built.append(recipe.page)
        if len(built) == 1:
            started.set()
            assert release.wait(30)
        real(app_, recipe)

    monkeypatch.setattr(build_ahead, "build", slow)
    first = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled amicably."))
    act(unoct, first, "table")
    assert started.wait(30)
    second = amendment_id(propose(unoct, wid_of(app, "The Participants will consult"), "They will consult yearly."))
    act(unoct, second, "table")  # while the first build is under way
    release.set()
    assert build_ahead.wait_until_idle(60)
    assert built == ["dashboard", "dashboard"]
    builds = Builds(app, monkeypatch)
    page = chair.get(DASHBOARD).get_data(as_text=True)
    assert builds.keys == [] and "UNOCT-2" in page  # the second tabling too, built ahead


def test_a_meeting_pack_that_does_not_exist_is_never_built_ahead(ahead, demo):
    app = ahead
    chair = as_user(app, demo, "cica.chair")
    assert chair.get("/n/cica-unoct-mou/meetings/NOPE/pack").status_code == 404
    assert build_ahead._read_lately == {}
    assert chair.get(DASHBOARD).status_code == 200
    assert [recipe.page for recipe in build_ahead._read_lately] == ["dashboard"]
