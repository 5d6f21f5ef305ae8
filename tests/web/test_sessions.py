"""Server-side sign-in sessions: signing out ends every copy of the cookie; sign out everywhere, a password change,
a reset and a deactivation end the sessions they must, and only those."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from mou_tracker.extensions import db
from mou_tracker.models import ApiToken, AuditEvent, SignInSession, User
from mou_tracker.services import sign_in_sessions
from tests.api.test_api import API, create_token
from tests.conftest import Browser


def _user(app, login) -> User:
    with app.app_context():
        return db.session.scalar(db.select(User).filter_by(login=login))


def _rows(app, login) -> list[SignInSession]:
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(login=login))
        return list(db.session.scalars(db.select(SignInSession).filter_by(user_id=user.id)))


def _count(app, model, **where) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model).filter_by(**where))


def copy_of(app, browser: Browser) -> Browser:
    """A second browser holding a copy of the first one's session cookie (as a thief, or a shared computer)."""
    thief = Browser(app.test_client(), browser.passwords)
    thief.client.set_cookie("session", browser.client.get_cookie("session").value)
    return thief


def _cookie_secret(app, browser: Browser) -> str:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(browser.client.get_cookie("session").value)[sign_in_sessions.SESSION_KEY]


def _signed_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_sign_in_opens_a_session_whose_secret_is_stored_only_as_a_digest(app, browser):
    browser.client.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
    )
    browser.sign_in("cica.chair")
    (row,) = _rows(app, "cica.chair")
    secret = _cookie_secret(app, browser)
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest() and secret not in row.digest
    assert row.user_agent == "Firefox on Windows"
    page = browser.get("/account/").get_data(as_text=True)
    assert "Firefox on Windows" in page and "This session" in page


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, browser):
    browser.sign_in("cica.negotiator")
    thief = copy_of(app, browser)
    assert thief.get("/").status_code == 200  # the copy works while the session is open
    csrf = thief.token("/account/tokens")
    browser.sign_out()
    assert _rows(app, "cica.negotiator") == []
    assert _signed_out(thief.get("/"))
    assert _signed_out(thief.get("/account/tokens"))
    # Nor can it make an API token, even with a CSRF token it read while the session was open.
    response = thief.client.post("/account/tokens", data={"name": "exfil", "lifetime_days": "90", "csrf_token": csrf})
    assert _signed_out(response)
    assert _count(app, ApiToken) == 0


def test_sign_out_everywhere_ends_every_browsers_session(app, browser):
    laptop, phone = browser, Browser(app.test_client(), browser.passwords)
    other_user = Browser(app.test_client(), browser.passwords)
    laptop.sign_in("unoct.negotiator")
    phone.sign_in("unoct.negotiator")
    other_user.sign_in("unoct.legal")
    assert len(_rows(app, "unoct.negotiator")) == 2
    response = laptop.post("/account/sign-out-everywhere", token_from="/account/")
    assert _signed_out(response)
    assert _signed_out(laptop.get("/")) and _signed_out(phone.get("/"))
    assert _rows(app, "unoct.negotiator") == []
    assert other_user.get("/").status_code == 200  # someone else's session is untouched
    assert _count(app, AuditEvent, kind="user.signed_out_everywhere") == 1


def test_sign_out_everywhere_needs_the_csrf_token(app, browser):
    browser.sign_in("unoct.negotiator")
    assert browser.client.post("/account/sign-out-everywhere").status_code == 400
    assert browser.get("/").status_code == 200
    assert len(_rows(app, "unoct.negotiator")) == 1


def _change_password(browser, current, new, confirm=None):
    return browser.post(
        "/account/password",
        {"current": current, "password": new, "confirm": confirm or new},
        token_from="/account/",
    )


def test_changing_ones_password_ends_other_sessions_and_keeps_this_one(app, browser):
    here, elsewhere = browser, Browser(app.test_client(), browser.passwords)
    here.sign_in("cica.legal")
    elsewhere.sign_in("cica.legal")
    copied = copy_of(app, here)
    response = _change_password(here, browser.passwords["cica.legal"], "a-new-passphrase-for-me")
    assert response.status_code == 302
    page = here.get("/account/", follow_redirects=True)
    assert page.status_code == 200 and "every other session has ended" in page.get_data(as_text=True)
    assert _signed_out(elsewhere.get("/"))
    assert _signed_out(copied.get("/"))  # the copy of this browser's old cookie too: this browser has a new session
    assert len(_rows(app, "cica.legal")) == 1
    old = Browser(app.test_client())
    assert old.post("/login", {"login": "cica.legal", "password": browser.passwords["cica.legal"]}).status_code == 401
    Browser(app.test_client()).sign_in("cica.legal", "a-new-passphrase-for-me")
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(kind="user.password_changed"))
        assert event.actor.login == "cica.legal" and "1 other session(s) ended" in event.summary


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong-current-password", "a-new-passphrase-for-me", None, "The current password is not correct."),
        (None, "short", None, "at least 12 characters"),
        (None, "cica.legal-2024-pass", None, "must not contain the login"),
        (None, "a-new-passphrase-for-me", "something-else-entirely", "The passwords differ."),
        (None, None, None, "must differ from the current one"),
    ],
)
def test_a_refused_password_change_changes_nothing(app, browser, current, new, confirm, message):
    password = browser.passwords["cica.legal"]
    browser.sign_in("cica.legal")
    elsewhere = Browser(app.test_client(), browser.passwords)
    elsewhere.sign_in("cica.legal")
    before = (_user(app, "cica.legal").password_hash, {r.id for r in _rows(app, "cica.legal")})
    events = _count(app, AuditEvent)
    response = _change_password(browser, current or password, new or password, confirm)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert (_user(app, "cica.legal").password_hash, {r.id for r in _rows(app, "cica.legal")}) == before
    assert _count(app, AuditEvent) == events
    assert elsewhere.get("/").status_code == 200


def test_an_administrators_reset_ends_sessions_and_revokes_api_tokens(app, browser):
    owner = Browser(app.test_client(), browser.passwords)
    owner.sign_in("cica.chair")
    secret = create_token(owner)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get(f"{API}/instrument", headers=headers).status_code == 200
    browser.sign_in("cica.admin")
    target = _user(app, "cica.chair")
    response = browser.post(
        f"/admin/users/{target.id}/password",
        {"reset-password": "admin-set-passphrase", "reset-confirm": "admin-set-passphrase"},
        token_from=f"/admin/users/{target.id}",
        follow_redirects=True,
    )
    assert "their 1 API token was revoked" in response.get_data(as_text=True)
    assert _signed_out(owner.get("/"))
    assert _rows(app, "cica.chair") == []
    assert api.get(f"{API}/instrument", headers=headers).status_code == 401
    with app.app_context():
        revoked = db.session.scalar(db.select(AuditEvent).filter_by(kind="token.revoked"))
        assert revoked.actor.login == "cica.admin"
        reset = db.session.scalar(db.select(AuditEvent).filter_by(kind="user.password_reset"))
        assert "1 open session(s) ended, 1 API token(s) revoked" in reset.summary


def test_deactivation_ends_every_session_of_the_account(app, browser):
    first, second = Browser(app.test_client(), browser.passwords), Browser(app.test_client(), browser.passwords)
    first.sign_in("unoct.legal")
    second.sign_in("unoct.legal")
    browser.sign_in("unoct.admin")
    target = _user(app, "unoct.legal")
    response = browser.post(
        f"/admin/users/{target.id}",
        {"display_name": target.display_name, "role": "legal_reviewer", "party_id": str(target.party_id)},
    )
    assert response.status_code == 302
    assert _signed_out(first.get("/")) and _signed_out(second.get("/"))
    assert _rows(app, "unoct.legal") == []


def test_pages_never_write_and_a_post_notes_activity_at_most_every_few_minutes(app, browser):
    browser.sign_in("cica.chair")
    (row,) = _rows(app, "cica.chair")
    long_ago = row.created_at - dt.timedelta(hours=1)
    with app.app_context():
        db.session.execute(
            db.update(SignInSession)
            .where(SignInSession.id == row.id)
            .values(created_at=long_ago, last_seen_at=long_ago)
        )
        db.session.commit()
    assert browser.get("/").status_code == 200
    assert _rows(app, "cica.chair")[0].last_seen_at == long_ago  # a page reads only
    browser.post("/language", {"language": "en", "next": "/"}, token_from="/")
    seen = _rows(app, "cica.chair")[0].last_seen_at
    assert seen > long_ago + dt.timedelta(minutes=59)
    browser.post("/language", {"language": "en", "next": "/"}, token_from="/")
    assert _rows(app, "cica.chair")[0].last_seen_at == seen  # within the resolution: not written again


def test_a_cookie_from_before_sessions_existed_is_refused(app, browser):
    """A cookie with a user id but no sign-in session (made before this version, or forged with the key) opens nothing."""
    browser.sign_in("cica.chair")
    with browser.client.session_transaction() as cookie:
        del cookie[sign_in_sessions.SESSION_KEY]
    assert _signed_out(browser.get("/"))


def test_the_user_agent_is_summarised():
    describe = sign_in_sessions.describe_user_agent
    assert describe(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15"
    ) == ("Safari on macOS")
    assert (
        describe("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36") == "Chrome on Linux"
    )
    assert describe("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0") == (
        "Edge on Windows"
    )
    assert describe("curl/8.5.0") == "curl/8.5.0"
    assert describe("\x00\x01 odd") == ""
    assert describe(None) == ""


def test_a_session_idle_beyond_the_limit_is_refused_and_cleared_at_the_next_sign_in(app, browser):
    idle = Browser(app.test_client(), browser.passwords)
    idle.sign_in("unoct.chair")
    (row,) = _rows(app, "unoct.chair")
    long_ago = row.created_at - sign_in_sessions.IDLE_LIMIT - dt.timedelta(minutes=1)
    with app.app_context():
        db.session.execute(
            db.update(SignInSession)
            .where(SignInSession.id == row.id)
            .values(created_at=long_ago, last_seen_at=long_ago)
        )
        db.session.commit()
    assert _signed_out(idle.get("/"))
    browser.sign_in("cica.chair")
    assert _rows(app, "unoct.chair") == []


def test_the_user_their_party_and_the_session_are_read_in_one_query(app, browser):
    from flask import session as flask_session
    from sqlalchemy import event

    from mou_tracker.extensions import login_manager

    browser.sign_in("cica.chair")
    cookie = app.session_interface.get_signing_serializer(app).loads(browser.client.get_cookie("session").value)
    statements = []

    def counted(_connection, _cursor, statement, *_args):
        statements.append(statement)

    with app.test_request_context("/"):
        flask_session.update(cookie)
        event.listen(db.engine, "before_cursor_execute", counted)
        try:
            user = login_manager._user_callback(cookie["_user_id"])
            party = user.party.code
        finally:
            event.remove(db.engine, "before_cursor_execute", counted)
    assert (user.login, party, len(statements)) == ("cica.chair", "CICA", 1)
