"""Signing in and out: generic failures, safe redirects, sessions that end when they must."""

from __future__ import annotations

import re

import pytest

from mou_tracker.extensions import db
from mou_tracker.models import AuditEvent, User
from mou_tracker.web.auth import GENERIC_FAILURE, safe_next


def test_every_page_except_login_requires_sign_in(app, anonymous):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.login", "health") or "GET" not in rule.methods:
            continue
        url = re.sub(r"<int:[^>]+>", "1", re.sub(r"<(?!int:)[^>]+>", "c-unknown", rule.rule))
        response = anonymous.get(url)
        if rule.endpoint.startswith("api."):  # the API answers a problem, and only its document is public
            assert response.status_code == (200 if rule.endpoint == "api.openapi_document" else 401), url
            continue
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next="), url


def test_demo_user_signs_in_and_the_header_shows_name_role_and_party(browser):
    response = browser.sign_in("unoct.negotiator")
    assert response.headers["Location"] == "/"
    page = browser.get("/").get_data(as_text=True)
    assert "Daniel Moreau" in page
    assert "Negotiator" in page
    assert "UNOCT" in page


@pytest.mark.parametrize(("login", "password"), [("nobody", "whatever-password"), ("cica.chair", "wrong-password!")])
def test_unknown_login_and_wrong_password_get_the_same_message(browser, login, password):
    response = browser.post("/login", {"login": login, "password": password})
    assert response.status_code == 401
    assert GENERIC_FAILURE in response.get_data(as_text=True)
    assert browser.get("/").status_code == 302  # still signed out


def test_login_is_case_insensitive_and_trimmed(browser):
    browser.sign_in("  CICA.Chair ", browser.passwords["cica.chair"])
    assert browser.get("/").status_code == 200


def test_deactivated_account_cannot_sign_in(app, browser):
    with app.app_context():
        db.session.scalar(db.select(User).filter_by(login="cica.legal")).active = False
        db.session.commit()
    response = browser.post("/login", {"login": "cica.legal", "password": browser.passwords["cica.legal"]})
    assert response.status_code == 401
    assert GENERIC_FAILURE in response.get_data(as_text=True)


def test_login_form_without_csrf_token_is_refused(browser):
    response = browser.client.post("/login", data={"login": "cica.chair", "password": browser.passwords["cica.chair"]})
    assert response.status_code == 400
    assert browser.get("/").status_code == 302


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/clauses/c-1?lang=ru", "/clauses/c-1?lang=ru"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_next_is_followed_only_on_this_site(target, expected):
    assert safe_next(target) == expected


def test_sign_in_follows_a_local_next_and_ignores_a_foreign_one(browser):
    password = browser.passwords["cica.chair"]
    local = browser.post("/login?next=/print", {"login": "cica.chair", "password": password}, token_from="/login")
    assert local.headers["Location"] == "/print"
    browser.sign_out()
    foreign = browser.post(
        "/login?next=https://evil.example/", {"login": "cica.chair", "password": password}, token_from="/login"
    )
    assert foreign.headers["Location"] == "/"


def test_sign_out_needs_a_post_with_token_and_ends_the_session(browser):
    browser.sign_in("cica.chair")
    assert browser.client.get("/logout").status_code == 405
    assert browser.client.post("/logout").status_code == 400  # no token: still signed in
    assert browser.get("/").status_code == 200
    browser.sign_out()
    assert browser.get("/").status_code == 302


def test_password_reset_and_deactivation_end_open_sessions(app, browser):
    browser.sign_in("cica.negotiator")
    assert browser.get("/").status_code == 200
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(login="cica.negotiator"))
        user.set_password("a-brand-new-passphrase")
        db.session.commit()
    assert browser.get("/").status_code == 302


def test_passwords_are_never_stored_in_clear(app, demo):
    with app.app_context():
        for user in db.session.scalars(db.select(User)):
            assert demo[user.login] not in user.password_hash
            assert user.password_hash.startswith("scrypt:")
        events = list(db.session.scalars(db.select(AuditEvent)))
        assert len(events) >= len(demo)
        recorded = " ".join(f"{e.summary} {e.before} {e.after}" for e in events)
        for password in demo.values():
            assert password not in recorded
