"""Configuration read from the environment. Production and tests differ only where they must."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from pathlib import Path

from .core.sign_in_delay import FREE_FAILURES, MAX_DELAY_SECONDS


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def instance_secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, or one generated once and kept in the instance folder (mode 0600).

    The key never lives in the repository; keeping it on disk lets sessions survive a restart.
    """
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _page_cache_config(redis_url: str | None, database_url: str) -> dict:
    # Keys carry the database they describe, so two installations sharing one Redis never see each other's pages.
    prefix = "mou:" + hashlib.sha256(database_url.encode()).hexdigest()[:12] + ":"
    ttl = int(os.environ.get("MOU_CACHE_TTL_SECONDS", "600"))
    common = {"CACHE_DEFAULT_TIMEOUT": ttl, "CACHE_KEY_PREFIX": prefix, "MOU_CACHE_TTL_SECONDS": ttl}
    # In-process parts (web/page_cache.py): bounded by their compressed size, least recently used evicted first.
    common["MOU_CACHE_MAX_BYTES"] = int(os.environ.get("MOU_CACHE_MAX_BYTES", str(64 * 1024 * 1024)))
    common["MOU_CACHE_REDIS"] = redis_url
    if redis_url:
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url, **common}
    return {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 32, **common}


def default_config(instance_path: str) -> dict:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'mou_tracker.sqlite3'}"
    production = os.environ.get("MOU_ENV", "development").strip().lower() == "production"
    secure_cookies = _flag("MOU_SECURE_COOKIES", production)
    return {
        "MOU_PRODUCTION": production,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # A database server may drop a pooled connection (restart, failover): one idle this long is tested before
        # use (a SQLite file has no connection to lose).
        "MOU_DB_PING_AFTER_IDLE_SECONDS": float(os.environ.get("MOU_DB_PING_AFTER_IDLE_SECONDS", "10")),
        # Cookies: never readable by scripts, not sent on cross-site requests, Secure wherever HTTPS is in front.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=12),
        "REMEMBER_COOKIE_DURATION": dt.timedelta(days=14),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        # Sign-in attempts: failures per address, and per (account, address) pair (web/sign_in_limits.py). The only
        # limits set on pages, on writes: reads are not looked at (extensions.py), so set no default limit here.
        "RATELIMIT_STORAGE_URI": os.environ.get("MOU_RATELIMIT_STORAGE", "memory://"),
        # API requests per token, in the `limits` notation ("" switches it off): see mou_tracker/api/framework.py.
        "MOU_API_RATE_LIMIT": os.environ.get("MOU_API_RATE_LIMIT", "600 per minute"),
        # Status pages: rendered parts shared by readers of the same visibility, kept in-process (at most
        # MOU_CACHE_MAX_BYTES, compressed) or, with MOU_CACHE_REDIS, in Redis for every worker (each part for
        # MOU_CACHE_TTL_SECONDS at most, the one a change replaces for a few seconds), each worker keeping copies
        # of the parts it served in a quarter of MOU_CACHE_MAX_BYTES.
        **_page_cache_config(os.environ.get("MOU_CACHE_REDIS"), database_url),
        # After a change every reader sees, the parts read lately are built again at once in the background
        # (web/build_ahead.py), so that no reader waits for a rebuild. Unset: on, but in tests (TESTING), whose
        # database is emptied between two tests while such a thread could be reading it.
        "MOU_BUILD_AHEAD": _flag("MOU_BUILD_AHEAD", True) if os.environ.get("MOU_BUILD_AHEAD") else None,
        # FAILED sign-ins per address (people signing in successfully behind one NAT address are never counted).
        "MOU_LOGIN_LIMIT_PER_ADDRESS": os.environ.get("MOU_LOGIN_LIMIT_PER_ADDRESS", "100 per 15 minutes"),
        # Per (account, address): this many failures are free, then the wait doubles from 1 s up to the cap.
        "MOU_LOGIN_FREE_FAILURES": int(os.environ.get("MOU_LOGIN_FREE_FAILURES", str(FREE_FAILURES))),
        "MOU_LOGIN_MAX_DELAY_SECONDS": int(os.environ.get("MOU_LOGIN_MAX_DELAY_SECONDS", str(MAX_DELAY_SECONDS))),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed; 0: the peer's address.
        "MOU_TRUSTED_PROXIES": int(os.environ.get("MOU_TRUSTED_PROXIES", "0")),
        # Answers compressed as the browser accepts (Flask-Compress): pages, JSON, CSV; never DOCX/PDF (already
        # compressed archives) nor answers too small to gain.
        "COMPRESS_MIMETYPES": [
            "text/html",
            "application/json",
            "application/problem+json",
            "text/csv",
            # The Akoma Ntoso export is XML of several megabytes at treaty scale.
            "application/akn+xml",
        ],
        "COMPRESS_MIN_SIZE": 1024,
        # The most open proposals a PDF typeset in a request may show (the whole meeting pack, the rolling text):
        # WeasyPrint's time grows with them (the pack: half a second of CPU each at treaty scale). Beyond it the pack
        # is printed part by part and the rolling text taken as Word (both fast).
        "MOU_PDF_MAX_PROPOSALS": int(os.environ.get("MOU_PDF_MAX_PROPOSALS", "200")),
        # The longest negotiating record (versions and amendments) laid out as one PDF of the whole instrument.
        "MOU_HISTORY_PDF_MAX_ENTRIES": int(os.environ.get("MOU_HISTORY_PDF_MAX_ENTRIES", "300")),
        "COMPRESS_ALGORITHM": ["br", "gzip", "zstd", "deflate"],
        # While the database cannot be reached: how long a client is asked to wait, how often the cause is logged.
        "MOU_DB_UNAVAILABLE_RETRY_AFTER_SECONDS": 10,
        "MOU_DB_UNAVAILABLE_LOG_EVERY_SECONDS": 60.0,
        # The largest legitimate form is one clause in two languages; 2 MiB leaves room and refuses floods.
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # The paper of PDF and Word exports: "A4" (the default) or "Letter".
        "MOU_PAPER_SIZE": os.environ.get("MOU_PAPER_SIZE", "A4"),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, so long drafting is not lost
        # E-mail of notifications (mou_tracker/mail.py): without MAIL_SERVER nothing is sent and the outbox waits.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", True),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "mou-tracker@localhost"),
        # Days before a reply-by date or a deadline for written proposals that a reminder goes out
        # (services/deadlines.py, run by `flask send-reminders` and by each cycle of `flask send-mail --loop`).
        "MOU_DEADLINE_REMINDER_DAYS": int(os.environ.get("MOU_DEADLINE_REMINDER_DAYS", "2")),
        # Attachments (services/attachments.py): the largest file taken, in bytes (default 20 MiB), and where the
        # bytes are kept: "db" (in the database, with everything else a backup holds) or "files" (under
        # instance/attachments/, named by their SHA-256).
        "MOU_ATTACHMENT_MAX_BYTES": int(os.environ.get("MOU_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024))),
        "MOU_ATTACHMENT_STORE": os.environ.get("MOU_ATTACHMENT_STORE", "db").strip().lower(),
        # The address of the site as recipients reach it: the links in e-mail start with it.
        "MOU_BASE_URL": os.environ.get("MOU_BASE_URL", "http://localhost:5000"),
    }
