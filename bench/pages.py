"""Per page: SQL queries per request and the median server time, through the WSGI app in this process."""

from __future__ import annotations

import re
import statistics
import time

from sqlalchemy import event

from mou_tracker.extensions import db
from mou_tracker.services import redlines, reports
from mou_tracker.web import page_cache

BROWSER = {"Accept-Encoding": "gzip, deflate, br"}  # what every browser sends
LOGIN_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def sign_in(client, login: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = LOGIN_TOKEN.search(page).group(1)
    response = client.post("/login", data={"login": login, "password": password, "csrf_token": token})
    assert response.status_code == 302, f"could not sign in as {login}"


def measure(app, client, url: str, repeat: int) -> dict:
    """Queries and time of a first view (nothing kept: what the page costs to build) and of repeated views."""
    count = 0

    def counted(*_args, **_kwargs):
        nonlocal count
        count += 1

    redlines.clear_caches()
    # The meeting pack keeps its redline apart (services.reports), where the pack is read in parts.
    getattr(reports, "clear_caches", lambda: None)()
    runs, queries = [], []
    with app.app_context():
        page_cache.clear()
        engine = db.engine
    # Requests run outside any app context of ours, so that each has its own database session, as in production.
    event.listen(engine, "before_cursor_execute", counted)
    try:
        start = time.perf_counter()
        assert client.get(url, headers=BROWSER).status_code == 200, url
        first, first_queries = time.perf_counter() - start, count
        for _ in range(repeat):
            count = 0
            start = time.perf_counter()
            response = client.get(url, headers=BROWSER)
            runs.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)
            queries.append(count)
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return {
        "queries": first_queries,
        "repeat_queries": max(queries),
        "median_ms": round(statistics.median(runs) * 1000, 1),
        "first_ms": round(first * 1000, 1),
    }
