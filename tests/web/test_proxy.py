"""Behind a reverse proxy every request comes from the proxy's address: with MOU_TRUSTED_PROXIES set, the sign-in
limits count the client address the proxy reports; without it, a client cannot choose its address by a header."""

from __future__ import annotations

import pytest

from mou_tracker import create_app
from mou_tracker.extensions import limiter
from tests.conftest import Browser
from tests.web.test_auth import ADDRESS_A, ADDRESS_B, _attempt

PROXY = "10.0.0.2"  # the peer every request comes from: the proxy


@pytest.fixture
def app_behind(database_url, app):
    made = []

    def make(proxies: int):
        config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-only-secret"}
        made.append(create_app({**config, "MOU_TRUSTED_PROXIES": proxies}))
        return made[-1]

    yield make
    limiter.init_app(app)  # the global limiter counts for the suite's app again


def _fail_five_times(browser: Browser, client_address: str) -> None:
    for _ in range(5):
        response = _attempt(
            browser, "cica.legal", "guess-guess-guess", PROXY, headers={"X-Forwarded-For": client_address}
        )
        assert response.status_code == 401


def test_with_one_trusted_proxy_two_clients_are_counted_apart(app_behind, demo):
    browser = Browser(app_behind(1).test_client(), demo)
    _fail_five_times(browser, ADDRESS_A)
    assert _attempt(browser, "cica.legal", "guess", PROXY, headers={"X-Forwarded-For": ADDRESS_A}).status_code == 429
    # Another client behind the same proxy is not made to wait for A's failures.
    assert _attempt(browser, "cica.legal", "guess", PROXY, headers={"X-Forwarded-For": ADDRESS_B}).status_code == 401
    # Only the address the proxy appended counts: a client cannot add one of its own in front.
    forged = {"X-Forwarded-For": f"{ADDRESS_B}, {ADDRESS_A}"}
    assert _attempt(browser, "cica.legal", "guess", PROXY, headers=forged).status_code == 429


def test_without_a_trusted_proxy_the_header_is_not_believed(app_behind, demo):
    browser = Browser(app_behind(0).test_client(), demo)
    _fail_five_times(browser, ADDRESS_A)
    # "B" is the same peer (the proxy's address): its failures were counted together with "A"'s.
    assert _attempt(browser, "cica.legal", "guess", PROXY, headers={"X-Forwarded-For": ADDRESS_B}).status_code == 429
