"""A meeting's load: N distinct signed-in readers of both parties and every reading role, and a negotiator who
proposes every few seconds, against gunicorn served as the README's "Serving in production" says.

Each reader loops over the draft, the dashboard, a clause page and the meeting pack, accepting gzip as a browser
does; the writer opens the proposal form and saves a party-internal draft. Reported: readers' requests per second,
median / 95th / 99th percentile latency of readers and of the writer's saves, and the workers' peak memory.
"""

from __future__ import annotations

import gzip
import http.cookiejar
import itertools
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

from werkzeug.security import generate_password_hash

from mou_tracker.core.roles import Role
from mou_tracker.extensions import db
from mou_tracker.models import Instrument, InstrumentAssignment, Party, User

from . import load, synthetic

PORT = 5182
READING_ROLES = (Role.negotiator, Role.legal_reviewer, Role.chair)
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def add_readers(app, count: int) -> list[str]:
    """`count` more users, alternating parties and reading roles, assigned to the negotiation where needed."""
    logins = []
    with app.app_context():
        parties = db.session.scalars(db.select(Party).order_by(Party.position)).all()
        instrument = db.session.scalars(db.select(Instrument)).first()
        password = generate_password_hash(synthetic.PASSWORD, method="pbkdf2:sha256:1000")
        for n, (party, role) in zip(range(count), itertools.cycle(itertools.product(parties, READING_ROLES))):
            user = User(login=f"reader{n}", display_name=f"Reader {n}", role=role, party=party, password_hash=password)
            db.session.add(user)
            db.session.flush()
            if role.works_by_assignment:
                db.session.add(InstrumentAssignment(instrument_id=instrument.id, user_id=user.id))
            logins.append(user.login)
        db.session.commit()
    return logins


class Visitor:
    """One browser: its own cookies, accepting gzip."""

    def __init__(self, base: str, login: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", load.USER_AGENT), ("Accept-Encoding", "gzip")]
        token, _page = self.token("/login")
        self.post("/login", {"login": login, "password": synthetic.PASSWORD, "csrf_token": token})

    def get(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=120) as response:
            return response.read()

    def token(self, path: str) -> tuple[str, str]:
        raw = self.get(path)
        page = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode()
        return TOKEN.search(page).group(1), page

    def post(self, path: str, fields: dict) -> None:
        with self.opener.open(self.base + path, data=urllib.parse.urlencode(fields).encode(), timeout=120) as r:
            r.read()


def _percentiles(samples: list[float]) -> dict:
    if not samples:
        return {"count": 0}
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"count": len(ordered), "median_ms": at(0.5), "p95_ms": at(0.95), "p99_ms": at(0.99)}


def run(app, built: dict, readers: int, seconds: int, *, workers: int = 2, threads: int = 4, redis: str = "") -> dict:
    """Serve the app's database with gunicorn and load it; returns the figures."""
    logins = add_readers(app, readers)
    with app.app_context():
        wids = [w for (w,) in db.session.execute(db.text("SELECT wid FROM clauses ORDER BY id LIMIT 40"))]
        db.engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "MOU_RATELIMIT_STORAGE": f"{redis}" if redis else "memory://",
    }
    if redis:
        env["MOU_CACHE_REDIS"] = redis
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", str(threads)]
    server = subprocess.Popen(  # noqa: S603
        [*command, "-b", f"127.0.0.1:{PORT}", "app:app"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        load._wait(f"{base}/health")
        visitors = [Visitor(base, login) for login in logins]
        writer = Visitor(base, "cica.negotiator")
        pages = ["/", "/dashboard", None, f"/meetings/{built['last']}/pack"]
        names = ["draft", "dashboard", "clause", "meeting pack"]
        reads: list[float] = []
        by_page: dict[str, list[float]] = {name: [] for name in names}
        saves: list[float] = []
        errors: list[str] = []
        stop = time.monotonic() + seconds

        def read(visitor: Visitor, seed: int) -> None:
            rng = random.Random(seed)  # noqa: S311
            for n in itertools.count(seed):
                if time.monotonic() >= stop:
                    return
                path = pages[n % len(pages)] or f"/clauses/{rng.choice(wids)}"
                start = time.perf_counter()
                try:
                    visitor.get(path)
                except OSError as exc:
                    errors.append(f"{path}: {exc}")
                    continue
                reads.append(time.perf_counter() - start)
                by_page[names[n % len(pages)]].append(reads[-1])

        def write() -> None:
            for n in itertools.count():
                if time.monotonic() >= stop:
                    return
                wid = wids[n % len(wids)]
                token, page = writer.token(f"/clauses/{wid}/amend")
                heading = re.search(r'name="heading_en" type="text" value="([^"]*)"', page)
                fields = {"csrf_token": token, "body_en": f"Benchmark wording {n}.", "rationale": "Load test."}
                if heading:
                    fields["heading_en"] = heading.group(1)
                start = time.perf_counter()
                try:
                    writer.post(f"/clauses/{wid}/amend", fields)
                    saves.append(time.perf_counter() - start)
                except OSError as exc:
                    errors.append(f"save: {exc}")
                time.sleep(max(0.0, 5 - (time.perf_counter() - start)))

        began = time.monotonic()
        pool = [threading.Thread(target=read, args=(v, i)) for i, v in enumerate(visitors)]
        pool.append(threading.Thread(target=write))
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.monotonic() - began
        return {
            "readers": readers,
            "seconds": round(elapsed, 1),
            "serving": f"gunicorn -w {workers} -k gthread --threads {threads}" + (" + Redis" if redis else ""),
            "reader_rps": round(len(reads) / elapsed, 1),
            "reads": _percentiles(reads),
            "saves": _percentiles(saves),
            "by_page": {name: _percentiles(samples) for name, samples in by_page.items()},
            "errors": len(errors),
            "first_errors": errors[:3],
            "worker_peak_mib": max(load._peak_mib(pid) for pid in load._children(server.pid)),
        }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def markdown_rows(results: list[dict]) -> list[str]:
    lines = [
        "| database | size | serving | readers | reader req/s | readers median / p95 / p99 ms "
        "| saves | save median / p95 / p99 ms | errors | worker peak MiB |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        x, rd, sv = r["users"], r["users"]["reads"], r["users"]["saves"]
        lines.append(
            f"| {r['database']} | {r['size']} | {x['serving']} | {x['readers']} | {x['reader_rps']} | "
            f"{rd.get('median_ms')} / {rd.get('p95_ms')} / {rd.get('p99_ms')} | {sv['count']} | "
            f"{sv.get('median_ms')} / {sv.get('p95_ms')} / {sv.get('p99_ms')} | {x['errors']} | "
            f"{x['worker_peak_mib']} |"
        )
    return lines
