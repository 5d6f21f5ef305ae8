"""Administrators manage accounts in the web UI; everybody else is refused; bad input stores nothing."""

from __future__ import annotations

import pytest

from mou_tracker.extensions import db
from mou_tracker.models import AuditEvent, Party, User

from .conftest import Browser


def _user(app, login):
    with app.app_context():
        return db.session.scalar(db.select(User).filter_by(login=login))


def _party_id(app, code):
    with app.app_context():
        return db.session.scalar(db.select(Party.id).filter_by(code=code))


def _count_users(app):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(User))


@pytest.mark.parametrize("login", ["cica.negotiator", "unoct.legal", "cica.chair"])
def test_non_administrators_are_refused(browser, login):
    browser.sign_in(login)
    assert browser.get("/admin/users").status_code == 403
    assert browser.get("/admin/users/new").status_code == 403
    assert "Users</a>" not in browser.get("/").get_data(as_text=True)


def test_administrator_creates_a_negotiator_who_can_sign_in(app, browser):
    browser.sign_in("cica.admin")
    response = browser.post(
        "/admin/users/new",
        {
            "login": "kz.delegate",
            "display_name": "Asel Omarova",
            "role": "negotiator",
            "party_id": str(_party_id(app, "CICA")),
            "password": "correct horse battery",
            "confirm": "correct horse battery",
        },
    )
    assert response.status_code == 302
    listing = browser.get("/admin/users").get_data(as_text=True)
    assert "kz.delegate" in listing and "Asel Omarova" in listing
    newcomer = Browser(app.test_client())
    newcomer.sign_in("kz.delegate", "correct horse battery")
    assert "Asel Omarova" in newcomer.get("/").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(
            db.select(AuditEvent).filter_by(kind="user.created", subject_id=str(_user(app, "kz.delegate").id))
        )
        assert event.actor.login == "cica.admin"


BASE = {
    "login": "new.user",
    "display_name": "New User",
    "role": "chair",
    "party_id": "",
    "password": "a-long-passphrase",
    "confirm": "a-long-passphrase",
}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"role": "negotiator"}, "A negotiator must belong to a party."),
        ({"login": "cica.chair"}, "That login is already taken."),
        ({"login": "Bad Login!"}, "The login must be 2 to 64 characters"),
        ({"password": "short", "confirm": "short"}, "at least 12 characters"),
        ({"password": "new.user-is-me", "confirm": "new.user-is-me"}, "must not contain the login"),
        ({"confirm": "something-else"}, "The passwords differ."),
        ({"display_name": ""}, "This field is required."),
        ({"display_name": "x" * 121}, "Field cannot be longer than 120 characters."),
        ({"display_name": "Bad\x07name"}, "control character"),
        ({"role": "emperor"}, "Not a valid choice"),
        ({"party_id": "99999"}, "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(app, browser, changes, message):
    browser.sign_in("cica.admin")
    before = _count_users(app)
    response = browser.post("/admin/users/new", {**BASE, **changes})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count_users(app) == before


def test_administrator_changes_role_and_party_and_the_audit_has_before_and_after(app, browser):
    browser.sign_in("unoct.admin")
    target = _user(app, "cica.legal")
    response = browser.post(
        f"/admin/users/{target.id}",
        {
            "display_name": "Yerlan Abenov",
            "role": "negotiator",
            "party_id": str(_party_id(app, "UNOCT")),
            "active": "y",
        },
    )
    assert response.status_code == 302
    changed = _user(app, "cica.legal")
    assert changed.role.value == "negotiator"
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(kind="user.updated"))
        assert event.before["role"] == "legal_reviewer" and event.after["role"] == "negotiator"
        assert event.before["party"] == "CICA" and event.after["party"] == "UNOCT"


def test_deactivating_a_user_ends_their_session(app, browser):
    victim = Browser(app.test_client(), browser.passwords)
    victim.sign_in("unoct.negotiator")
    browser.sign_in("cica.admin")
    target = _user(app, "unoct.negotiator")
    browser.post(
        f"/admin/users/{target.id}",
        {"display_name": target.display_name, "role": "negotiator", "party_id": str(target.party_id)},
    )
    assert _user(app, "unoct.negotiator").active is False
    assert victim.get("/").status_code == 302


def test_administrator_cannot_demote_or_deactivate_themselves(app, browser):
    browser.sign_in("cica.admin")
    me = _user(app, "cica.admin")
    response = browser.post(
        f"/admin/users/{me.id}",
        {"display_name": me.display_name, "role": "chair", "party_id": str(me.party_id), "active": "y"},
    )
    assert response.status_code == 400
    assert "cannot remove your own administrator rights" in response.get_data(as_text=True)
    assert _user(app, "cica.admin").role.value == "administrator"


def test_password_reset_lets_the_user_in_with_the_new_password_only(app, browser):
    browser.sign_in("cica.admin")
    target = _user(app, "unoct.chair")
    response = browser.post(
        f"/admin/users/{target.id}/password",
        {"reset-password": "fresh-passphrase-2024", "reset-confirm": "fresh-passphrase-2024"},
        token_from=f"/admin/users/{target.id}",
    )
    assert response.status_code == 302
    old = Browser(app.test_client())
    assert old.post("/login", {"login": "unoct.chair", "password": browser.passwords["unoct.chair"]}).status_code == 401
    Browser(app.test_client()).sign_in("unoct.chair", "fresh-passphrase-2024")
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent).filter_by(kind="user.password_reset")) is not None


def test_weak_reset_password_is_refused(app, browser):
    browser.sign_in("cica.admin")
    target = _user(app, "unoct.chair")
    before = target.password_hash
    response = browser.post(
        f"/admin/users/{target.id}/password",
        {"reset-password": "short", "reset-confirm": "short"},
        token_from=f"/admin/users/{target.id}",
    )
    assert response.status_code == 400
    assert "at least 12 characters" in response.get_data(as_text=True)
    assert _user(app, "unoct.chair").password_hash == before


def test_unknown_user_is_a_404(browser):
    browser.sign_in("cica.admin")
    assert browser.get("/admin/users/99999").status_code == 404
