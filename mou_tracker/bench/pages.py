"""Per page: SQL queries per request and the median server time, through the WSGI app in this process."""

from __future__ import annotations

import re
import statistics
import time

from sqlalchemy import event

from ..extensions import db
from ..services import redlines

LOGIN_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def sign_in(client, login: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = LOGIN_TOKEN.search(page).group(1)
    response = client.post("/login", data={"login": login, "password": password, "csrf_token": token})
    assert response.status_code == 302, f"could not sign in as {login}"


def measure(app, client, url: str, repeat: int) -> dict:
    count = 0

    def counted(*_args, **_kwargs):
        nonlocal count
        count += 1

    redlines.clear_caches()
    start = time.perf_counter()
    assert client.get(url).status_code == 200, url  # a first view: no cached redline (it also warms the caches)
    first = time.perf_counter() - start
    runs, queries = [], []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", counted)
        try:
            for _ in range(repeat):
                count = 0
                start = time.perf_counter()
                response = client.get(url)
                runs.append(time.perf_counter() - start)
                assert response.status_code == 200, (url, response.status_code)
                queries.append(count)
        finally:
            event.remove(db.engine, "before_cursor_execute", counted)
    return {
        "queries": max(queries),
        "median_ms": round(statistics.median(runs) * 1000, 1),
        "first_ms": round(first * 1000, 1),
    }
