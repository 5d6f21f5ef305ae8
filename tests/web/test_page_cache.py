"""Status pages are kept between requests, but a reader never sees one older than the negotiation.

The draft, the dashboard and the meeting pack are rendered once per state of the negotiation, reader and
language; these tests act between two views and check the second view shows the change.
"""

from __future__ import annotations

import gzip
import os
import pickle
import re
import threading
import time
import zlib

import pytest
from sqlalchemy import event

from mou_tracker import create_app
from mou_tracker.extensions import db
from mou_tracker.models import User
from mou_tracker.web import page_cache
from tests.conftest import wid_of
from tests.services.test_agreement import NEW_WORDING, review, tabled
from tests.services.test_amendments import SETTLEMENT, act, amendment_id, as_user, propose

#: Queries of a repeated view of a kept page: the reader (with their session and their unread notifications, for the
#: menu's bell, in one query), the negotiation's state stamp, the instrument (the draft's heading). Nothing per clause.
KEPT_PAGE_QUERIES = 3
#: The dashboard counts its reader's party's drafts when it renders the page around its kept part for them (their
#: first view, or after their party drafted), not for a page around kept from their previous view
#: (web/reports.dashboard; test_kept_page_around counts a repeated view's queries exactly).
PER_REQUEST = {"/dashboard": 1}

TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


def _same_page(html: str | bytes) -> str:
    """The page without its form token: the token is signed with the time, so it differs from second to second
    (it is the page around the kept part that carries it)."""
    return TOKEN.sub(r'\1…"', html.decode() if isinstance(html, bytes) else html)


def _bracketed(page: str) -> int:
    return int(re.search(r"<strong>(\d+)</strong> bracketed</span>", page)[1])


def test_the_dashboard_shows_each_change_at_the_next_view(app, demo):
    people = {login: as_user(app, demo, login) for login in ("unoct.negotiator", "cica.negotiator", "cica.chair")}
    chair = people["cica.chair"]
    before = chair.get("/dashboard").get_data(as_text=True)
    assert chair.get("/dashboard").get_data(as_text=True).count("UNOCT-1") == before.count("UNOCT-1") == 0

    amendment = tabled(people, app, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably.")
    tabled_view = chair.get("/dashboard").get_data(as_text=True)
    assert "UNOCT-1</a>: CICA to respond" in tabled_view
    assert _bracketed(tabled_view) == _bracketed(before) + 1

    act(people["cica.negotiator"], amendment, "concur")
    assert "UNOCT-1</a>: Legal review pending" in chair.get("/dashboard").get_data(as_text=True)


def test_a_kept_page_is_never_shown_to_another_reader(app, demo):
    cica, unoct = as_user(app, demo, "cica.negotiator"), as_user(app, demo, "unoct.negotiator")
    propose(cica, wid_of(app, "The Participants will consult"), "The Participants will consult every year.")
    assert re.search(r'<th scope="row">CICA</th><td>0</td><td>1</td>', cica.get("/dashboard").get_data(as_text=True))
    # UNOCT reads the same state of the negotiation right after: CICA's internal draft is not counted for it.
    assert re.search(r'<th scope="row">CICA</th><td>0</td><td>—</td>', unoct.get("/dashboard").get_data(as_text=True))


def test_a_kept_page_is_kept_per_language(app, demo):
    chair = as_user(app, demo, "cica.chair")
    assert "Where the draft stands" in chair.get("/dashboard").get_data(as_text=True)
    chair.post("/language", {"language": "ru", "next": "/dashboard"}, token_from="/")
    russian = chair.get("/dashboard").get_data(as_text=True)
    assert "Where the draft stands" not in russian and "Состояние проекта" in russian


def test_the_draft_shows_adopted_words_at_the_next_view(app, demo):
    people = {
        login: as_user(app, demo, login)
        for login in ("unoct.negotiator", "cica.negotiator", "cica.legal", "cica.chair")
    }
    reader = people["cica.chair"]
    assert NEW_WORDING not in reader.get("/").get_data(as_text=True)
    amendment = tabled(people, app)
    act(people["cica.negotiator"], amendment, "concur")
    review(people["cica.legal"], amendment)
    assert NEW_WORDING in reader.get("/").get_data(as_text=True)


def test_the_meeting_pack_shows_a_recorded_outcome_at_the_next_view(app, demo):
    chair = as_user(app, demo, "cica.chair")
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    assert "Reservation: Republic of Kazakhstan" not in chair.get("/meetings/SWG/pack").get_data(as_text=True)
    chair.post(
        f"/meetings/SWG/outcomes/{wid_of(app, SETTLEMENT)}",
        {"outcome": "reservation", "reserved_by": "Republic of Kazakhstan"},
        token_from="/meetings/SWG",
    )
    assert "Reservation: Republic of Kazakhstan" in chair.get("/meetings/SWG/pack").get_data(as_text=True)


def _queries_of(app, browser, page) -> tuple[int, str]:
    queries = []

    def counted(*_args, **_kwargs):
        queries.append(1)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", counted)
        try:
            body = browser.get(page).get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", counted)
    return len(queries), body


def test_a_repeated_view_is_not_rebuilt(app, demo):
    chair = as_user(app, demo, "cica.chair")
    for page in ("/", "/dashboard", "/meetings/SWG/pack"):
        first = chair.get(page).get_data(as_text=True)
        queries, again = _queries_of(app, chair, page)
        assert _same_page(again) == _same_page(first)
        assert queries <= KEPT_PAGE_QUERIES + PER_REQUEST.get(page, 0), (page, queries)


def test_the_kept_pages_refuse_a_visitor(app, demo):
    visitor = app.test_client()
    for page in ("/", "/dashboard", "/meetings/SWG/pack"):
        response = visitor.get(page)
        assert response.status_code in (302, 403) and "Where the draft stands" not in response.get_data(as_text=True)


def test_an_unknown_meeting_pack_is_not_found(app, demo):
    chair = as_user(app, demo, "cica.chair")
    assert chair.get("/meetings/NOPE/pack").status_code == 404


def test_a_kept_page_carries_each_session_its_own_form_token(app, demo):
    """The same chair signed in twice (office and meeting room): a page kept for one session must not hand the
    other a form token it cannot use."""
    office, meeting_room = as_user(app, demo, "cica.chair"), as_user(app, demo, "cica.chair")
    for page in ("/", "/dashboard", "/meetings/SWG/pack"):
        assert office.get(page).get_data() != meeting_room.get(page).get_data()  # the same view, its own token
    for browser in (office, meeting_room):
        assert browser.post("/logout", token_from="/dashboard").status_code == 302
        assert browser.get("/dashboard").status_code == 302  # signed out: the kept page is not served


def test_a_message_is_shown_once_even_on_a_kept_page(app, demo):
    chair = as_user(app, demo, "cica.chair")
    assert "That language is not available." not in chair.get("/dashboard").get_data(as_text=True)
    refused = chair.post(
        "/language", {"language": "xx", "next": "/dashboard"}, token_from="/dashboard", follow_redirects=True
    )
    assert "That language is not available." in refused.get_data(as_text=True)
    assert "That language is not available." not in chair.get("/dashboard").get_data(as_text=True)


def test_a_browser_that_accepts_gzip_gets_the_same_page_in_a_fraction_of_the_bytes(app, demo):
    chair = as_user(app, demo, "cica.chair")
    # (the pack's first page is a few kilobytes: its articles are where the bytes are)
    for page in ("/", "/dashboard", "/meetings/SWG/pack?article=2"):
        plain = chair.get(page)
        compressed = chair.get(page, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert "Content-Encoding" not in plain.headers and compressed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in compressed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
        assert _same_page(gzip.decompress(compressed.data)) == _same_page(plain.data)
        assert len(compressed.data) < len(plain.data) / 4
        assert compressed.headers["Cache-Control"] == "no-store"  # negotiating text stays off shared caches


# Shared per visibility, role and language ---------------------------------------------------------------------

CONSULT = "The Participants will consult"
DRAFTED = "The Participants will consult every year."


def test_a_partys_draft_changes_its_own_pages_only_and_tabling_changes_everyones(app, demo):
    cica, unoct = as_user(app, demo, "cica.negotiator"), as_user(app, demo, "unoct.negotiator")
    cica_chair = as_user(app, demo, "cica.chair")
    before = {
        who: browser.get("/dashboard").get_data(as_text=True) for who, browser in (("cica", cica), ("unoct", unoct))
    }

    drafted = amendment_id(propose(cica, wid_of(app, CONSULT), DRAFTED))
    # CICA's dashboard counts its new draft at once; so does the CICA chair's (every CICA reader sees CICA drafts).
    assert re.search(r'<th scope="row">CICA</th><td>0</td><td>1</td>', cica.get("/dashboard").get_data(as_text=True))
    assert re.search(
        r'<th scope="row">CICA</th><td>0</td><td>1</td>', cica_chair.get("/dashboard").get_data(as_text=True)
    )
    # UNOCT's is served from the store, as it was: a CICA draft changes nothing UNOCT may see.
    queries, unoct_view = _queries_of(app, unoct, "/dashboard")
    assert _same_page(unoct_view) == _same_page(before["unoct"])
    assert queries <= KEPT_PAGE_QUERIES + PER_REQUEST["/dashboard"]
    assert DRAFTED not in unoct.get(f"/clauses/{wid_of(app, CONSULT)}").get_data(as_text=True)

    act(cica, drafted, "table")
    tabled_view = unoct.get("/dashboard").get_data(as_text=True)
    assert _same_page(tabled_view) != _same_page(before["unoct"])
    assert re.search(r'<th scope="row">CICA</th><td>1</td>', tabled_view)
    assert _same_page(cica.get("/dashboard").get_data(as_text=True)) != _same_page(before["cica"])


def test_a_part_kept_for_one_party_is_never_served_to_the_other(app, demo):
    cica, unoct = as_user(app, demo, "cica.negotiator"), as_user(app, demo, "unoct.negotiator")
    propose(cica, wid_of(app, CONSULT), DRAFTED)
    for page in ("/", "/dashboard", "/meetings/SWG/pack"):
        cica.get(page)  # kept for CICA first
        unoct_view = unoct.get(page).get_data(as_text=True)
        assert "CICA draft" not in unoct_view and DRAFTED not in unoct_view, page
    assert re.search(r'<th scope="row">CICA</th><td>0</td><td>—</td>', unoct.get("/dashboard").get_data(as_text=True))


def test_readers_of_the_same_visibility_share_one_part(app, demo):
    """Two sessions of readers who may see the same: the second is served the part the first built, in its own
    page (its own name in the menu, its own form token)."""
    first, second = as_user(app, demo, "cica.chair"), as_user(app, demo, "cica.chair")
    for page in ("/", "/dashboard", "/meetings/SWG/pack"):
        first.get(page)
        queries, body = _queries_of(app, second, page)
        assert queries <= KEPT_PAGE_QUERIES + PER_REQUEST.get(page, 0), (page, queries)
        assert "Nurlan Bekov" in body  # the menu is this reader's own


def test_the_part_is_built_as_nobody_in_particular(app, demo):
    """What a part is built from carries the reader's party and role only."""
    seen = []
    with app.test_request_context("/"):
        from mou_tracker.models import User

        chair = db.session.scalar(db.select(User).where(User.login == "cica.chair"))
        reader = page_cache.Reader.of(chair)
        with page_cache.as_reader(reader):
            from flask_login import current_user

            seen.append((current_user.id, current_user.login, current_user.party_id, current_user.role))
    assert seen == [(0, "", chair.party_id, chair.role)]


def test_a_page_kept_for_every_role_is_built_once_for_the_roles_of_a_party(app, demo):
    """The dashboard, the draft and the meeting pack show each role of a party the same (what a role may do is
    around the part): the party's chair and lawyer share one part, the other party has its own."""
    chair, lawyer, other = (as_user(app, demo, who) for who in ("cica.chair", "cica.legal", "unoct.legal"))
    with app.app_context():
        store = page_cache.store()
    for page in ("/", "/dashboard", "/meetings/SWG/pack"):
        store.clear()
        chair_view = chair.get(page).get_data(as_text=True)
        kept = len(store._parts)
        assert _same_page(lawyer.get(page).get_data(as_text=True)).count("<tr") == _same_page(chair_view).count("<tr")
        assert len(store._parts) == kept, page  # the lawyer was served the chair's part
        other.get(page)
        assert len(store._parts) == kept + 1, page  # UNOCT's part is its own


def test_a_page_kept_for_every_role_whose_build_reads_the_role_is_kept_per_role(app, demo, caplog):
    """A page declared the same for every role that reads the role all the same (a mistake) is never shared by
    roles: its build stops at the first reading of the role, and the part is built per role instead (and logged)."""
    from flask_login import login_user

    from mou_tracker.models import User
    from mou_tracker.services.reports import state_stamp

    def build() -> dict:
        from flask_login import current_user

        return {"body": f"for {current_user.role.value}"}

    bodies = []
    for login in ("cica.chair", "cica.legal"):
        with app.test_request_context("/n/cica-unoct-mou/"):
            user = db.session.scalar(db.select(User).where(User.login == login))
            login_user(user)
            stamp = state_stamp(db.session, user)
            part, _stale = page_cache.kept_part("role-reading", stamp, build, per_role=False)
            bodies.append(str(part.body()))
    assert bodies == ["for chair", "for legal_reviewer"]
    assert "role-reading is kept for every role but its build read the reader's role" in caplog.text
    page_cache._READ_THE_ROLE.clear()  # the mistake was this test's own (the suite fails on any other)


# The compressed part inside each reader's page -------------------------------------------------------------------


def test_the_crc_of_a_concatenation_is_combined_without_the_bytes():
    pieces = [b"", b"a", os.urandom(1000), b"x" * 70000, os.urandom(3)]
    for head in pieces:
        for tail in pieces:
            combined = page_cache._times(page_cache.zeros_operator(len(tail)), zlib.crc32(head)) ^ zlib.crc32(tail)
            assert combined == zlib.crc32(head + tail)


def test_a_kept_part_spliced_into_a_page_is_one_valid_gzip_stream():
    body = "<p>" + "Статья 1 — text &amp; more. " * 20000 + "</p>"
    part = page_cache.KeptPart.of({"body": body, "title": "T"})
    spliced = part.gzip_between("<html><body>", "</body></html>")
    assert gzip.decompress(spliced).decode() == "<html><body>" + body + "</body></html>"  # the CRC checks too
    assert str(part.body()) == body and part.fields == {"title": "T"}
    assert len(spliced) < len(body.encode()) / 10


# Bounded memory --------------------------------------------------------------------------------------------------


def _part(size: int) -> page_cache.KeptPart:
    return page_cache.KeptPart.of({"body": os.urandom(size).hex()})  # hex of random bytes compresses to half


def test_the_in_process_store_is_bounded_in_bytes_and_evicts_the_least_recently_used():
    store = page_cache.LocalStore(max_bytes=200_000)
    for n in range(6):
        store.put(f"k{n}", f"kind{n}", _part(40_000))
        store.get("k0")  # read often: kept
    assert store.used <= 200_000
    assert store.get("k0") is not None and store.get("k5") is not None
    assert store.get("k1") is None  # the least recently used went first


def test_a_rebuilt_part_drops_the_one_it_replaces():
    store = page_cache.LocalStore(max_bytes=10_000_000)
    store.put("dashboard|state1", "dashboard", _part(1000))
    store.put("dashboard|state2", "dashboard", _part(1000))
    assert store.get("dashboard|state1") is None and store.get("dashboard|state2") is not None
    assert store.used == store.get("dashboard|state2").weight


# One rebuild after a change --------------------------------------------------------------------------------------


def test_readers_arriving_together_after_a_change_wait_for_one_rebuild(app, demo, monkeypatch):
    readers = [as_user(app, demo, "unoct.legal") for _ in range(5)]
    builds = []
    keep = page_cache.KeptPart.of

    def slow_build(part):
        builds.append(threading.get_ident())
        time.sleep(0.3)
        return keep(part)

    monkeypatch.setattr(page_cache.KeptPart, "of", staticmethod(slow_build))
    answers = []
    threads = [threading.Thread(target=lambda b=b: answers.append(b.get("/dashboard").status_code)) for b in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 5
    assert len(builds) == 1


def test_while_one_reader_rebuilds_after_a_change_the_others_read_the_previous_state_at_once(app, demo, monkeypatch):
    """Forty people on the dashboard when a negotiator tables: one request builds the new state, the others are not
    held for seconds; they get the state of a moment ago, told so, and the new one at their next view."""
    people = {login: as_user(app, demo, login) for login in ("unoct.negotiator", "cica.negotiator", "cica.chair")}
    builder, other = people["cica.chair"], as_user(app, demo, "cica.chair")
    assert "UNOCT-1</a>" not in builder.get("/dashboard").get_data(as_text=True)  # kept: the state before
    tabled(people, app, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably.")

    started, release = threading.Event(), threading.Event()
    keep = page_cache.KeptPart.of

    def slow_build(part):
        started.set()
        assert release.wait(20)
        return keep(part)

    monkeypatch.setattr(page_cache.KeptPart, "of", staticmethod(slow_build))
    built = {}
    thread = threading.Thread(target=lambda: built.update(page=builder.get("/dashboard").get_data(as_text=True)))
    thread.start()
    assert started.wait(20)
    try:
        meanwhile = other.get("/dashboard")
    finally:
        release.set()
        thread.join()
    page = meanwhile.get_data(as_text=True)
    assert meanwhile.status_code == 200 and "being brought up to date" in page and "UNOCT-1</a>" not in page
    assert "no-store" in meanwhile.headers["Cache-Control"]
    assert "UNOCT-1</a>: CICA to respond" in built["page"] and "being brought up to date" not in built["page"]
    after = other.get("/dashboard").get_data(as_text=True)
    assert "UNOCT-1</a>: CICA to respond" in after and "being brought up to date" not in after


# Redis: shared by the workers, bounded by expiry -------------------------------------------------------------------

REDIS_URL = os.environ.get("MOU_TEST_REDIS", "redis://127.0.0.1:6379/7")


@pytest.fixture
def redis_app(database_url):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        pytest.skip("no Redis at " + REDIS_URL)
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-only-secret"}
    workers = [create_app({**config, "MOU_CACHE_REDIS": REDIS_URL}) for _ in range(2)]
    with workers[0].app_context():
        page_cache.clear()
    yield workers
    with workers[0].app_context():
        page_cache.clear()


def test_with_redis_workers_share_parts_and_a_replaced_part_expires_soon(redis_app, demo, app):
    one, other = (as_user(worker, demo, "cica.chair") for worker in redis_app)
    unoct = as_user(redis_app[1], demo, "unoct.negotiator")
    one.get("/dashboard")
    queries, _body = _queries_of(redis_app[1], other, "/dashboard")
    assert queries <= KEPT_PAGE_QUERIES + PER_REQUEST["/dashboard"]  # built by the first worker, served by the second
    with redis_app[0].app_context():
        store = page_cache.store()
        kept = {name.decode() for name in store.client.scan_iter(match=store.prefix + "dashboard*")}
        assert kept and all(0 < store.client.ttl(name) <= store.ttl for name in kept)

    negotiator = as_user(redis_app[0], demo, "cica.negotiator")
    act(negotiator, amendment_id(propose(negotiator, wid_of(app, CONSULT), DRAFTED)), "table")
    one.get("/dashboard")  # CICA's part rebuilt (a tabling): the one it replaces expires within seconds
    unoct.get("/dashboard")
    with redis_app[0].app_context():
        ttls = {name: store.client.ttl(name) for name in kept}
    assert all(0 < ttl <= page_cache.STALE_SECONDS for ttl in ttls.values()), ttls


def test_with_redis_a_part_another_worker_builds_ahead_is_awaited_not_built_again(redis_app, demo, app, monkeypatch):
    """A worker that queues a part to be built ahead marks it in Redis: a reader of another worker who asks for the
    new state meanwhile is served the previous one at once (told so, not kept by the browser) and builds nothing;
    once the mark is gone, the new state is built as usual."""
    from tests.web.test_state_stamp import Builds

    one, other = redis_app
    chair = as_user(other, demo, "cica.chair")
    assert chair.get("/dashboard").status_code == 200  # the previous state, kept in Redis
    with one.app_context():
        party_id = db.session.scalar(db.select(User.party_id).filter_by(login="cica.chair"))
    with one.test_request_context():
        reader = page_cache.Reader(party_id=party_id, kept_role=None)
        kind = page_cache.latest_key("dashboard", "cica-unoct-mou", reader, "en")
        store = page_cache.store()
    # Marked through the store alone: this test's two workers share one process, and with it the count each worker
    # keeps of its own builds ahead (`page_cache._coming`), which would hide what Redis does.
    store.mark_coming([kind])
    unoct = as_user(one, demo, "unoct.negotiator")
    act(unoct, amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled amicably.")), "table")
    builds = Builds(other, monkeypatch)
    meanwhile = chair.get("/dashboard")
    assert builds.keys == []
    assert meanwhile.headers["Cache-Control"] == "no-store"
    assert "UNOCT-1" not in meanwhile.get_data(as_text=True)
    assert 0 < store.client.ttl(store.prefix + "coming|" + kind) <= page_cache.COMING_SECONDS  # lapses if never built

    store.unmark_coming([kind])
    assert not store.coming(kind)
    assert "UNOCT-1</a>: CICA to respond" in chair.get("/dashboard").get_data(as_text=True)
    assert len(builds.keys) == 1


def test_with_redis_each_worker_reads_a_part_once_then_serves_its_own_copy(redis_app, demo, monkeypatch):
    """A part never changes under its key (the key names the state it shows), so a worker keeps a copy of what it
    read from Redis: a dashboard viewed again costs no Redis read of tens of kilobytes."""
    one, other = redis_app
    assert as_user(one, demo, "cica.chair").get("/dashboard").status_code == 200  # built by the first worker
    with other.app_context():
        store = page_cache.store()
    reads: list[str] = []
    real_get = store.client.get

    def counted(name):
        reads.append(name)
        return real_get(name)

    monkeypatch.setattr(store.client, "get", counted)
    negotiator = as_user(other, demo, "cica.negotiator")  # the same party: the same part
    for _ in range(3):
        assert "Status report" in negotiator.get("/dashboard").get_data(as_text=True)
    assert len([name for name in reads if name.startswith(store.prefix + "dashboard|")]) == 1


def test_a_kind_queued_twice_in_a_worker_is_marked_for_the_others_once_and_cleared_when_both_are_built():
    kind = "latest|a-test-kind"
    assert page_cache.expect(kind) is True  # the first: mark it for the other workers
    assert page_cache.expect(kind) is False
    assert page_cache.expected(kind) is False  # one still queued: the mark stays
    assert page_cache.expected(kind) is True  # none: clear the mark
    assert kind not in page_cache._coming


def test_with_redis_a_mark_counts_the_workers_that_queued_the_kind(redis_app):
    with redis_app[0].app_context():
        store = page_cache.store()
    kind = "latest|a-test-kind"
    store.mark_coming([kind])  # one worker
    store.mark_coming([kind])  # the other
    store.unmark_coming([kind])
    assert store.coming(kind)  # the other worker's build is still to come
    store.unmark_coming([kind])
    assert not store.coming(kind)
    store.unmark_coming([kind])  # a build that outlived its mark: the count goes below 0, and lapses
    assert not store.coming(kind)
    assert 0 < store.client.ttl(store.prefix + "coming|" + kind) <= page_cache.COMING_SECONDS


def test_with_redis_a_workers_copy_of_a_part_lives_no_longer_than_the_part_in_redis(redis_app, monkeypatch):
    """Should two builds of one state ever differ, the workers agree again within MOU_CACHE_TTL_SECONDS."""
    with redis_app[0].app_context():
        store = page_cache.store()
    store.put("a-test-key", "latest|a-test-kind", page_cache.KeptPart.of({"body": "<p>built here</p>"}))
    elsewhere = page_cache.KeptPart.of({"body": "<p>built by another worker</p>"})
    store.client.set(store.prefix + "a-test-key", pickle.dumps(elsewhere), ex=store.ttl)
    assert store.get("a-test-key").data() == b"<p>built here</p>"  # this worker's copy
    later = time.monotonic() + store.ttl + 1
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: later)
    assert store.get("a-test-key").data() == b"<p>built by another worker</p>"
