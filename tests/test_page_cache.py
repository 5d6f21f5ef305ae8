"""Status pages are kept between requests, but a reader never sees one older than the negotiation.

The draft, the dashboard and the meeting pack are rendered once per state of the negotiation, reader and
language; these tests act between two views and check the second view shows the change.
"""

from __future__ import annotations

import gzip
import re

from sqlalchemy import event

from mou_tracker.extensions import db

from .conftest import wid_of
from .test_agreement import NEW_WORDING, review, tabled
from .test_amendments import SETTLEMENT, act, as_user, propose


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
        assert again == first
        # The reader, the negotiation's state stamp and (on the draft) the instrument: nothing per clause.
        assert queries <= 3, (page, queries)


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
    for page in ("/", "/dashboard", "/meetings/SWG/pack"):
        plain = chair.get(page)
        compressed = chair.get(page, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert "Content-Encoding" not in plain.headers and compressed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in compressed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
        assert gzip.decompress(compressed.data) == plain.data
        assert len(compressed.data) < len(plain.data) / 4
        assert compressed.headers["Cache-Control"] == "no-store"  # negotiating text stays off shared caches
