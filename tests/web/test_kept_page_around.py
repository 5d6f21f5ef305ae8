"""The page around a kept part (menu, bell, language switcher, form tokens) is kept per reader too
(web/page_cache.Wrapper): a repeated view renders nothing, yet each view shows what is true of its reader now."""

from __future__ import annotations

import gzip
import re
import zlib

import pytest
from flask import template_rendered
from sqlalchemy import event

from mou_tracker.extensions import db
from mou_tracker.models import Instrument, Notification, User
from mou_tracker.web import page_cache
from tests.conftest import Browser, wid_of
from tests.services.test_amendments import as_user, propose

GZIP = {"Accept-Encoding": "gzip"}
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _templates_rendered(app, browser: Browser, url: str) -> tuple[list[str], str]:
    names: list[str] = []

    def note(_sender, template, context, **_extra):
        names.append(template.name)

    with template_rendered.connected_to(note, app):
        page = browser.get(url, headers=GZIP)
    assert page.status_code == 200
    return names, gzip.decompress(page.data).decode()


def _set_name(app, login: str, name: str) -> None:
    with app.app_context():
        db.session.scalar(db.select(User).filter_by(login=login)).display_name = name
        db.session.commit()


def test_a_repeated_view_renders_nothing_and_carries_a_token_that_works(app, demo):
    chair = as_user(app, demo, "cica.chair")
    chair.get("/dashboard", headers=GZIP)
    rendered, html = _templates_rendered(app, chair, "/dashboard")
    assert rendered == []  # neither the part nor the page around it
    token = TOKEN.search(html).group(1)
    # The token of the kept page is this session's: a form sent with it is accepted.
    sent = chair.client.post("/language", data={"language": "ru", "next": "/dashboard", "csrf_token": token})
    assert sent.status_code == 302
    assert 'lang="ru"' in chair.get("/dashboard").get_data(as_text=True)


def test_the_token_of_a_kept_page_is_its_sessions_own(app, demo):
    """Signed once per session and worker (page_cache._form_token): each session's kept page carries its own token,
    which works in that session and in no other."""
    office, meeting_room = as_user(app, demo, "cica.chair"), as_user(app, demo, "cica.chair")
    tokens = {}
    for name, browser in (("office", office), ("meeting room", meeting_room)):
        browser.get("/dashboard", headers=GZIP)
        views = [TOKEN.search(_templates_rendered(app, browser, "/dashboard")[1]).group(1) for _ in range(2)]
        assert views[0] == views[1]  # kept with the session, not signed again
        tokens[name] = views[0]
    assert tokens["office"] != tokens["meeting room"]
    crossed = meeting_room.client.post(
        "/language", data={"language": "ru", "next": "/", "csrf_token": tokens["office"]}
    )
    assert crossed.status_code == 400
    own = meeting_room.client.post(
        "/language", data={"language": "ru", "next": "/", "csrf_token": tokens["meeting room"]}
    )
    assert own.status_code == 302


def _statements(app, browser: Browser, url: str) -> list[str]:
    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        sent.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            assert browser.get(url, headers=GZIP).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
    return sent


@pytest.mark.parametrize("address", ["/dashboard", "/n/cica-unoct-mou/dashboard"])
def test_a_repeated_dashboard_asks_two_things_and_counts_the_partys_drafts_again_only_when_it_drafts(
    app, demo, address
):
    """A kept dashboard asks the database for two things: the reader with their sign-in session, their bell and the
    negotiation open to them (at its address, or the oldest at the old one), then the state stamp. The count of the
    party's drafts around the part is kept with the page around it, counted again after a draft of the reader's own
    party (never after the other party's)."""
    chair = as_user(app, demo, "cica.chair")
    chair.get(address, headers=GZIP)
    asked = _statements(app, chair, address)
    assert len(asked) == 2 and "instruments" in asked[0] and "sign_in_sessions" in asked[0]
    propose(as_user(app, demo, "unoct.negotiator"), wid_of(app, "The Participants will consult"), "UNOCT's words.")
    assert len(_statements(app, chair, address)) == 2  # the other party's draft: nothing to count again
    propose(as_user(app, demo, "cica.negotiator"), wid_of(app, "The Participants will consult"), "CICA's words.")
    counted = _statements(app, chair, address)
    assert len(counted) == 3 and "amendments" in counted[-1]
    html = gzip.decompress(chair.get(address, headers=GZIP).data).decode()
    assert re.search(r'<th scope="row">CICA</th><td>\d+</td><td>1</td>', html)


@pytest.mark.parametrize("address", ["/n/cica-unoct-mou/", "/", "/n/cica-unoct-mou/meetings/SWG/pack"])
def test_a_repeated_draft_and_meeting_pack_ask_two_things(app, demo, address):
    """The draft page reads the negotiation's languages on every view (its text language is in its part's key):
    they come with the reader and the negotiation, not in a statement of their own; the meeting pack never reads
    them (`negotiation_scope.languages_unread`)."""
    chair = as_user(app, demo, "cica.chair")
    chair.get(address, headers=GZIP)
    asked = _statements(app, chair, address)
    assert len(asked) == 2 and "instrument_languages" not in asked[1], asked


def test_a_session_ended_elsewhere_gets_no_kept_page(app, demo):
    office, meeting_room = as_user(app, demo, "cica.chair"), as_user(app, demo, "cica.chair")
    for browser in (office, meeting_room):
        assert browser.get("/dashboard").status_code == 200
        assert browser.get("/dashboard").status_code == 200  # kept for it
    assert office.post("/account/sign-out-everywhere", token_from="/account/").status_code == 302
    refused = meeting_room.get("/dashboard", headers=GZIP)
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert b"Status report" not in refused.data


def test_the_bell_shows_a_new_notification_at_the_next_view_and_its_reading_too(app, demo):
    chair = as_user(app, demo, "cica.chair")
    assert "unread" not in chair.get("/dashboard").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(login="cica.chair"))
        instrument = db.session.scalar(db.select(Instrument).order_by(Instrument.id))
        told = Notification(
            user_id=user.id, instrument_id=instrument.id, kind="test", template="Told", params={}, target="/"
        )
        db.session.add(told)
        db.session.commit()
        told_id = told.id
    assert "Notifications: 1 unread" in gzip.decompress(chair.get("/dashboard", headers=GZIP).data).decode()
    assert "Notifications: 1 unread" in chair.get("/dashboard").get_data(as_text=True)
    with app.app_context():
        db.session.get(Notification, told_id).read_at = db.func.now()
        db.session.commit()
    assert "unread" not in gzip.decompress(chair.get("/dashboard", headers=GZIP).data).decode()


def test_a_kept_page_around_is_never_another_readers(app, demo):
    """Two chairs of the same party and role share the part, never the page around it."""
    cica, unoct = as_user(app, demo, "cica.chair"), as_user(app, demo, "unoct.chair")
    _set_name(app, "cica.chair", "Chair Alpha")
    _set_name(app, "unoct.chair", "Chair Omega")
    for _ in range(2):
        cica_page = cica.get("/dashboard").get_data(as_text=True)
        unoct_page = unoct.get("/dashboard").get_data(as_text=True)
        assert "Chair Alpha" in cica_page and "Chair Omega" not in cica_page
        assert "Chair Omega" in unoct_page and "Chair Alpha" not in unoct_page


def test_a_changed_name_shows_at_the_next_view(app, demo):
    chair = as_user(app, demo, "cica.chair")
    chair.get("/dashboard")
    _set_name(app, "cica.chair", "Renamed Chair")
    assert "Renamed Chair" in chair.get("/dashboard").get_data(as_text=True)


def test_a_message_after_a_form_is_shown_on_a_kept_page_and_then_gone(app, demo):
    chair = as_user(app, demo, "cica.chair")
    chair.get("/dashboard")
    chair.get("/dashboard")
    refused = chair.post("/language", {"language": "xx", "next": "/dashboard"}, token_from="/dashboard")
    assert refused.status_code == 302
    assert "That language is not available." in chair.get("/dashboard").get_data(as_text=True)
    assert "That language is not available." not in chair.get("/dashboard").get_data(as_text=True)


def test_the_page_around_keeps_the_security_headers(app, demo):
    chair = as_user(app, demo, "cica.chair")
    chair.get("/dashboard", headers=GZIP)
    kept = chair.get("/dashboard", headers=GZIP)
    assert "frame-ancestors 'none'" in kept.headers["Content-Security-Policy"]
    assert kept.headers["X-Frame-Options"] == "DENY" and kept.headers["X-Content-Type-Options"] == "nosniff"
    assert kept.headers["Cache-Control"] == "no-store"


def test_a_wrapper_with_tokens_on_both_sides_of_the_part_is_one_valid_gzip_stream():
    slot = page_cache._TOKEN_SLOT
    html = f"<head>{slot}<p>menu</p>{slot}</head>{page_cache._SLOT}<footer>{slot}</footer>"
    part = page_cache.KeptPart.of({"body": "<main>" + "clause text " * 500 + "</main>"})
    wrapper = page_cache.Wrapper.of(html)
    for token in ("IjAbC.xyz-1", "another.token_with-more.characters"):
        expected = html.replace(slot, token).replace(page_cache._SLOT, part.data().decode())
        assert gzip.decompress(wrapper.gzip(part, token)).decode() == expected
        assert wrapper.html(part, token) == expected
        assert zlib.decompress(wrapper.gzip(part, token), 16 + 15).decode() == expected  # CRC and size checked
