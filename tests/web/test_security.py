"""CSRF on every state-changing route, sign-in hardening, security headers, production cookies."""

from __future__ import annotations

import os
import re

import pytest
from werkzeug.security import generate_password_hash

from mou_tracker.extensions import db
from mou_tracker.models import AuditEvent, User
from tests.conftest import Browser, make_app


def _state_changing_rules(app):
    # The JSON API takes no cookie at all (a bearer token is never sent by a forged form): see test_api.py.
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"} and not rule.endpoint.startswith("api.")
    ]


def _url(rule) -> str:
    rule_text = rule.rule.replace("<negotiation>", "cica-unoct-mou")
    return re.sub(r"<int:[^>]+>", "1", re.sub(r"<(?!int:)[^>]+>", "SWG", rule_text))


def _audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))


def test_every_state_changing_route_refuses_a_request_without_csrf_token(app, demo):
    rules = _state_changing_rules(app)
    assert len(rules) >= 15  # the routes that change something: login, logout, amendments, meetings, admin
    for login in ("cica.admin", "unoct.negotiator", "cica.chair", "cica.legal"):
        browser = Browser(app.test_client(), demo)
        browser.sign_in(login)
        before = _audit_count(app)
        for rule in rules:
            response = browser.client.post(_url(rule), data={"body": "x", "reason": "x", "expected_revision": "1"})
            assert response.status_code == 400, (login, rule.rule, response.status_code)
            assert "The form had expired or was sent from elsewhere" in response.get_data(as_text=True)
        assert _audit_count(app) == before  # nothing happened


def test_pages_carry_security_headers_and_no_inline_script_or_style(app, demo):
    browser = Browser(app.test_client(), demo)
    browser.sign_in("cica.chair")
    for url in ("/", "/dashboard", "/meetings/SWG", "/audit", "/login"):
        response = browser.get(url, follow_redirects=True)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cache-Control"] == "no-store"
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url  # only external scripts from our own static/
        assert not re.search(r"\sstyle=\"", html), url  # a strict CSP would block inline styles
        assert not re.search(r"\son[a-z]+=\"", html), url  # no inline event handlers


def test_session_cookie_flags_in_production(database_url, monkeypatch):
    monkeypatch.setenv("MOU_ENV", "production")
    app = make_app(database_url)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    monkeypatch.setenv("MOU_ENV", "development")
    assert not make_app(database_url).config["SESSION_COOKIE_SECURE"]


def test_sign_in_sets_an_httponly_samesite_cookie(app, demo):
    browser = Browser(app.test_client(), demo)
    response = browser.sign_in("cica.chair")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_failures_slow_down_one_account_from_one_address_only(app, demo):
    attacker = Browser(app.test_client(), demo)
    for _ in range(5):
        assert attacker.post("/login", {"login": "cica.chair", "password": "guess-guess-guess"}).status_code == 401
    blocked = attacker.post("/login", {"login": "cica.chair", "password": demo["cica.chair"]})
    assert blocked.status_code == 429 and "Too many failed sign-in attempts" in blocked.get_data(as_text=True)
    assert blocked.headers["Retry-After"] == "1"
    elsewhere = Browser(app.test_client(), demo)
    other_address = elsewhere.post(
        "/login", {"login": "cica.chair", "password": demo["cica.chair"]}, environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert other_address.status_code == 302  # nobody can lock the account's owner out from another address
    assert Browser(app.test_client(), demo).sign_in("unoct.chair").status_code == 302  # other accounts unaffected


def test_too_many_failures_from_one_address_are_refused(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "MOU_LOGIN_LIMIT_PER_ADDRESS", "5 per 5 minutes")
    browser = Browser(app.test_client(), demo)
    for n in range(5):
        assert browser.post("/login", {"login": f"someone{n}", "password": "guess-guess-guess"}).status_code == 401
    refused = browser.post("/login", {"login": "unoct.chair", "password": demo["unoct.chair"]})
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 5 * 60 + 1


def test_an_older_password_hash_is_upgraded_at_sign_in(app, demo):
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(login="unoct.legal"))
        user.password_hash = generate_password_hash(demo["unoct.legal"], method="pbkdf2:sha256:600000")
        db.session.commit()
    browser = Browser(app.test_client(), demo)
    browser.sign_in("unoct.legal")
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(login="unoct.legal"))
        assert user.password_hash.startswith(User.password_method + "$")
    assert browser.get("/").status_code == 200  # the upgrade does not end the session
    Browser(app.test_client(), demo).sign_in("unoct.legal")  # and the same password still works


@pytest.mark.parametrize("password", ["short", "cica.chair-2024!", "x" * 300])
def test_password_policy_on_reset(app, demo, password):
    browser = Browser(app.test_client(), demo)
    browser.sign_in("cica.admin")
    with app.app_context():  # an administrator manages the accounts of their own party
        target = db.session.scalar(db.select(User).filter_by(login="cica.chair")).id
    response = browser.post(
        f"/admin/users/{target}/password",
        {"reset-password": password, "reset-confirm": password},
        token_from=f"/admin/users/{target}",
    )
    assert response.status_code == 400


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


# Its own Redis database, flushed by the test; .ci/run gives the SQLite and PostgreSQL passes (run side by side)
# different ones.
REDIS_URL = os.environ.get("MOU_TEST_REDIS_SIGN_IN", "redis://127.0.0.1:6379/15")


@pytest.mark.skipif(
    not _redis_reachable(REDIS_URL), reason="no Redis on 127.0.0.1:6379 (CI and the dev machines have one)"
)
def test_with_redis_the_limit_is_shared_by_every_worker(database_url, demo, monkeypatch, app):
    """Two app instances (two gunicorn workers) count the same account's failures (from one address) together."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    monkeypatch.setenv("MOU_RATELIMIT_STORAGE", REDIS_URL)
    workers = [make_app(database_url), make_app(database_url)]
    assert all(w.config["RATELIMIT_STORAGE_URI"] == REDIS_URL for w in workers)
    for n in range(5):
        worker = workers[n % 2]
        assert (
            Browser(worker.test_client())
            .post("/login", {"login": "cica.legal", "password": "wrong-wrong-wrong"})
            .status_code
            == 401
        )
    try:
        for worker in workers:
            response = Browser(worker.test_client()).post(
                "/login", {"login": "cica.legal", "password": demo["cica.legal"]}
            )
            assert response.status_code == 429
        keys = redis.Redis.from_url(REDIS_URL).keys("*")
        assert any(b"mou-sign-in:" in key for key in keys)  # counted in Redis
        assert not any(b"cica.legal" in key for key in keys)  # under a digest: a password typed as login stays out
    finally:
        redis.Redis.from_url(REDIS_URL).flushdb()
        from mou_tracker.extensions import limiter

        limiter.init_app(app)  # the rest of the suite counts in memory again


def _mode(path) -> int:
    return path.stat().st_mode & 0o777


def test_the_sqlite_file_and_its_wal_and_shm_are_readable_by_their_owner_only(tmp_path, app):
    """The file holds password hashes: 0600 from its first byte, whatever the umask."""
    from sqlalchemy import text

    from mou_tracker.extensions import limiter

    path = tmp_path / "fresh.sqlite3"
    previous = os.umask(0o022)  # the usual umask, which would give 0644
    try:
        fresh = make_app(f"sqlite:///{path}")
        assert _mode(path) == 0o600  # created before SQLite could create it
        with fresh.app_context():
            with db.engine.begin() as connection:
                connection.execute(text("CREATE TABLE t (x INTEGER)"))
                connection.execute(text("INSERT INTO t VALUES (1)"))
            wal, shm = path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
            assert wal.exists() and shm.exists()
            assert (_mode(path), _mode(wal), _mode(shm)) == (0o600, 0o600, 0o600)
            db.engine.dispose()

        older = tmp_path / "older.sqlite3"  # made world-readable by an earlier version, or copied in
        older.touch(mode=0o644)
        older.chmod(0o644)
        with make_app(f"sqlite:///{older}").app_context():
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            assert _mode(older) == 0o600  # tightened on connect
            db.engine.dispose()
    finally:
        os.umask(previous)
        limiter.init_app(app)
