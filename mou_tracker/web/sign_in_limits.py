"""Sign-in limits that an attacker cannot aim at somebody else.

* Per (account, address) pair: failed attempts are counted, and after a few of them the pair must wait, a wait that
  doubles with each further failure (core.sign_in_delay). A successful sign-in clears the pair. Wrong passwords for
  `cica.legal` sent from one address slow only that address's attempts on that account: the real user, signing in
  from elsewhere, is never refused.
* Per address: a generous cap on FAILED attempts only (MOU_LOGIN_LIMIT_PER_ADDRESS, Flask-Limiter with
  `deduct_when`), against one address spraying many accounts. People signing in successfully behind one NAT or
  proxy address are never counted.

The counters live in the limiter's storage (`limits`: memory by default, Redis with MOU_RATELIMIT_STORAGE), so every
worker sees the same counts. Keys hold a digest of the login typed, never the text itself: people sometimes type
a password into the login field.

The address is `request.remote_addr`: the peer's address, or, with MOU_TRUSTED_PROXIES set, the one the trusted
proxies report (ProxyFix in create_app). A forged X-Forwarded-For header does not choose it.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from collections.abc import Callable

from flask import current_app, g, make_response, request
from flask_login import user_logged_in
from werkzeug.exceptions import TooManyRequests

from ..core.sign_in_delay import sign_in_delay
from ..extensions import limiter

#: The count of a pair's failures is forgotten this long after its first failure.
FAILURES_REMEMBERED_SECONDS = 24 * 3600


class SignInDelayed(TooManyRequests):
    """Refused without checking the password: this account, from this address, failed too often just now."""

    def __init__(self, seconds: int):
        super().__init__(retry_after=seconds)
        self.seconds = seconds


def failed_sign_in(response) -> bool:
    """The sign-in view answers a wrong login or password with 401 (a form with missing fields is a 400)."""
    return response.status_code == 401


def submitted_login() -> str:
    return (request.form.get("login") or "").strip().lower()[:64]


def _pair_keys() -> tuple[str, str]:
    pair = f"{submitted_login()}\x00{request.remote_addr or ''}"
    digest = hashlib.sha256(pair.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"mou-sign-in:{digest}:failures", f"mou-sign-in:{digest}:wait"


def _seconds_left(storage, key: str) -> int:
    return max(1, math.ceil(storage.get_expiry(key) - time.time()))


@user_logged_in.connect
def _note_sign_in(_app, **_extra) -> None:
    g.mou_signed_in = True


def slow_down_failures(view: Callable) -> Callable:
    """Wrap the sign-in view: refuse a pair that must still wait; count its failures; clear it on success."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "POST" or not limiter.enabled:  # RATELIMIT_ENABLED=False: no storage to count in
            return view(*args, **kwargs)
        storage = limiter.storage
        failures_key, wait_key = _pair_keys()
        if storage.get(wait_key):
            raise SignInDelayed(_seconds_left(storage, wait_key))
        g.mou_signed_in = False
        response = make_response(view(*args, **kwargs))
        if g.pop("mou_signed_in", False):
            storage.clear(failures_key)
            storage.clear(wait_key)
        elif failed_sign_in(response):
            failures = storage.incr(failures_key, FAILURES_REMEMBERED_SECONDS)
            delay = sign_in_delay(
                failures,
                free=current_app.config["MOU_LOGIN_FREE_FAILURES"],
                cap=current_app.config["MOU_LOGIN_MAX_DELAY_SECONDS"],
            )
            if delay:
                storage.clear(wait_key)  # a counter's expiry is set when it is created: start the wait afresh
                storage.incr(wait_key, delay)
        return response

    return wrapper


def retry_after_seconds(error: Exception) -> int:
    """How long the refused client should wait: the pair's wait, else the reset of the limit that was hit."""
    if isinstance(error, SignInDelayed):
        return error.seconds
    current = limiter.current_limit
    if current is not None:
        return max(1, math.ceil(current.reset_at - time.time()))
    return 60
