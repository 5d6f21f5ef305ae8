"""A meeting's load: N distinct signed-in readers of both parties and every reading role, and a negotiator who
proposes every few seconds, against gunicorn served as the README's "Serving in production" says.

Each reader loops over the draft, the dashboard, a clause page and the meeting pack, accepting gzip as a browser
does, pausing between pages as a person reading does (`think`: a random 0.5–1.5 times that many seconds; 0 makes
every reader a closed loop, which measures saturation, not a meeting). Every 5 s the writer, in turn, opens the
proposal form and saves a party-internal draft, then tables that draft (a public change: every reader's pages move
on). Reported: readers' requests per second, median / 95th / 99th percentile latency of readers (as the client saw
it, queueing included, and as the server spent it, from gunicorn's access log), of the writer's saves and of its
tablings, /health's and the dashboard's requests per second under wrk on the same server before the readers come
(when wrk is installed), and the workers' peak memory.
"""

from __future__ import annotations

import gzip
import http.cookiejar
import itertools
import os
import random
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
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

    def post(self, path: str, fields: dict) -> str:
        """Send a form; returns the address the answer ended on (after the redirect that follows a save)."""
        with self.opener.open(self.base + path, data=urllib.parse.urlencode(fields).encode(), timeout=120) as r:
            r.read()
            return r.geturl()

    def form_fields(self, path: str, action: str) -> dict[str, str]:
        """The hidden fields (token, single-use nonce) of the form on `path` that posts to an address ending in
        `action`."""
        raw = self.get(path)
        page = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode()
        form = re.search(r'<form[^>]*action="[^"]*' + re.escape(action) + r'"[^>]*>(.*?)</form>', page, re.S)
        if form is None:
            raise OSError(f"no form posting to {action} on {path}")
        hidden = re.findall(r'<input[^>]*type="hidden"[^>]*>', form.group(1))
        fields = {}
        for tag in hidden:
            name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
            if name:
                fields[name.group(1)] = value.group(1) if value else ""
        return fields


def _percentiles(samples: list[float]) -> dict:
    if not samples:
        return {"count": 0}
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"count": len(ordered), "median_ms": at(0.5), "p95_ms": at(0.95), "p99_ms": at(0.99)}


def _server_times(access_log: str, names: dict[str, str]) -> dict:
    """Per page, what the server spent (gunicorn's %(D)s, microseconds), from its access log."""
    spent: dict[str, list[float]] = {}
    with open(access_log) as log:
        for line in log:
            parts = line.split()
            if len(parts) != 3 or not parts[2].isdigit():
                continue
            path, _status, micros = parts
            name = names.get(path) or ("clause" if path.startswith("/clauses/") and path.count("/") == 2 else None)
            if name:
                spent.setdefault(name, []).append(int(micros) / 1e6)
    return {name: _percentiles(samples) for name, samples in spent.items()}


def run(
    app,
    built: dict,
    readers: int,
    seconds: int,
    *,
    workers: int = 2,
    threads: int = 4,
    redis: str = "",
    think: float = 0.0,
) -> dict:
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
        # A worker that dies of a signal (a native library's crash) prints where it was.
        "PYTHONFAULTHANDLER": "1",
    }
    if redis:
        env["MOU_CACHE_REDIS"] = redis
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", str(threads)]
    handle, access_log = tempfile.mkstemp(prefix="mou-bench-access-", suffix=".log")
    os.close(handle)
    logging = ["--access-logfile", access_log, "--access-logformat", "%(U)s %(s)s %(D)s"]
    server_log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - read after the server stops
    # A worker that dies of a signal leaves its core here (the kernel's default core_pattern is "core" in the
    # crashing process's directory): the server runs in a directory of its own, the app found by --pythonpath.
    crash_dir = tempfile.mkdtemp(prefix="mou-bench-server-")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    server = subprocess.Popen(  # noqa: S603
        [*command, *logging, "--pythonpath", root, "-b", f"127.0.0.1:{PORT}", "app:app"],
        env=env,
        cwd=crash_dir,
        stdout=subprocess.DEVNULL,
        stderr=server_log,
        preexec_fn=_allow_core_dumps,
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        load._wait(f"{base}/health")
        visitors = [Visitor(base, login) for login in logins]
        compared = {}
        if shutil.which("wrk"):
            # The yardstick: the dashboard's throughput as a share of /health's, on this same server.
            cookie = "; ".join(f"{c.name}={c.value}" for c in visitors[0].jar)
            compared = {
                "health_rps": load._wrk(f"{base}/health", None, 10),
                "dashboard_rps": load._wrk(f"{base}/dashboard", cookie, 10),
            }
        open(access_log, "w").close()  # the readers' requests only
        writer = Visitor(base, "cica.negotiator")
        pages = ["/", "/dashboard", None, f"/meetings/{built['last']}/pack"]
        names = ["draft", "dashboard", "clause", "meeting pack"]
        reads: list[float] = []
        by_page: dict[str, list[float]] = {name: [] for name in names}
        saves: list[float] = []
        tablings: list[float] = []
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
                if think:
                    time.sleep(rng.uniform(0.5, 1.5) * think)

        def write() -> None:
            drafted: str | None = None  # the address of the draft saved last, tabled next
            for n in itertools.count():
                if time.monotonic() >= stop:
                    return
                start = time.perf_counter()
                try:
                    if drafted is None:
                        wid = wids[n % len(wids)]
                        token, page = writer.token(f"/clauses/{wid}/amend")
                        heading = re.search(r'name="heading_en" type="text" value="([^"]*)"', page)
                        fields = {
                            "csrf_token": token,
                            "body_en": f"Benchmark wording {n} {time.time_ns()}.",  # a wording not proposed before
                            "rationale": "Load test.",
                        }
                        if heading:
                            fields["heading_en"] = heading.group(1)
                        start = time.perf_counter()
                        drafted = writer.post(f"/clauses/{wid}/amend", fields)[len(base) :]
                        saves.append(time.perf_counter() - start)
                    else:
                        fields = writer.form_fields(drafted, "/table")
                        start = time.perf_counter()
                        writer.post(drafted.split("?")[0] + "/table", fields)
                        tablings.append(time.perf_counter() - start)
                        drafted = None
                except OSError as exc:
                    errors.append(f"write: {exc}")
                    drafted = None
                time.sleep(max(0.0, 5 - (time.perf_counter() - start)))

        began = time.monotonic()
        pool = [threading.Thread(target=read, args=(v, i)) for i, v in enumerate(visitors)]
        pool.append(threading.Thread(target=write))
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.monotonic() - began
        by_path = {path: name for path, name in zip(pages, names, strict=True) if path}
        served = _all_server_times(access_log)
        return {
            "think_seconds": think,
            **compared,
            "server_by_page": _server_times(access_log, by_path),
            "server_median_ms": round(statistics.median(served) * 1000, 1) if served else None,
            "readers": readers,
            "seconds": round(elapsed, 1),
            "serving": f"gunicorn -w {workers} -k gthread --threads {threads}" + (" + Redis" if redis else ""),
            "reader_rps": round(len(reads) / elapsed, 1),
            "reads": _percentiles(reads),
            "saves": _percentiles(saves),
            "tablings": _percentiles(tablings),
            "by_page": {name: _percentiles(samples) for name, samples in by_page.items()},
            "errors": len(errors),
            "first_errors": errors[:3],
            "worker_peak_mib": max(load._peak_mib(pid) for pid in load._children(server.pid)),
        }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        os.unlink(access_log)
        server_log.seek(0)
        lines = [line.rstrip() for line in server_log]
        server_log.close()
        # A reader's broken connection is a worker that died (timeout, memory, a signal): say which, with its
        # request; a crash's fault-handler report is printed whole by _report_crashes.
        troubles = [
            line
            for line in lines
            if re.search(r"CRITICAL|ERROR|Traceback|was sent|File \"", line)
            and not re.search(r"\", line \d+ in ", line)  # a fault handler's frame ("line 3, in" in a traceback)
        ]
        if troubles:
            print("The server reported:", *troubles[:60], sep="\n  ", file=sys.stderr)
        _report_crashes(lines, crash_dir)


def _allow_core_dumps() -> None:
    """In the server, before it starts: a worker that crashes leaves a core (for `gdb`), however the shell that
    started the benchmark limited them."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


def _report_crashes(lines: list[str], crash_dir: str) -> None:
    """A worker killed by a signal: the fault handler's whole report (every thread's Python frames, as the worker
    printed them, up to gunicorn's next log line), then the C frames of the crash from its core when gdb is
    installed (the native library that crashed, which the Python frames cannot name). A core read is removed
    (hundreds of MB); one gdb could not read is left in `crash_dir` and named."""
    for n, line in enumerate(lines):
        if line.startswith("Fatal Python error"):
            report = list(itertools.takewhile(lambda text: not text.startswith("["), lines[n:]))
            print("A worker crashed; its fault handler printed:", *report[:200], sep="\n  ", file=sys.stderr)
    kept = False
    for name in sorted(name for name in os.listdir(crash_dir) if name.startswith("core")):
        path = os.path.join(crash_dir, name)
        if not shutil.which("gdb"):
            print(f"A worker left a core ({path}); install gdb to read where it crashed.", file=sys.stderr)
            kept = True
            continue
        python_dir = os.path.dirname(os.path.realpath(sys.executable))  # its python-gdb.py gives py-bt
        gdb = ["gdb", "-batch", "-iex", f"add-auto-load-safe-path {python_dir}", "-ex", "bt 40", "-ex", "py-bt"]
        gdb += ["-ex", "thread apply all bt 12", sys.executable, path]
        found = subprocess.run(gdb, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
        print(f"C frames of the crash ({name}):", *found.stdout.splitlines()[:300], sep="\n  ", file=sys.stderr)
    if not kept:
        shutil.rmtree(crash_dir, ignore_errors=True)


def _all_server_times(access_log: str) -> list[float]:
    with open(access_log) as log:
        return [int(p[2]) / 1e6 for p in (line.split() for line in log) if len(p) == 3 and p[2].isdigit()]


def markdown_rows(results: list[dict]) -> list[str]:
    lines = [
        "| database | size | serving | readers (think s) | reader req/s | readers median / p95 / p99 ms "
        "| server median ms | saves | save median / p95 / p99 ms | tablings | tabling median / p95 ms "
        "| dashboard / health req/s | errors | worker peak MiB |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        x, rd, sv = r["users"], r["users"]["reads"], r["users"]["saves"]
        tb = x.get("tablings", {"count": 0})
        ratio = (
            f"{x['dashboard_rps']:.1f} / {x['health_rps']:.0f} ({x['dashboard_rps'] / x['health_rps']:.1%})"
            if x.get("health_rps")
            else "not run"
        )
        lines.append(
            f"| {r['database']} | {r['size']} | {x['serving']} | {x['readers']} ({x.get('think_seconds', 0)}) | "
            f"{x['reader_rps']} | {rd.get('median_ms')} / {rd.get('p95_ms')} / {rd.get('p99_ms')} | "
            f"{x.get('server_median_ms')} | {sv['count']} | "
            f"{sv.get('median_ms')} / {sv.get('p95_ms')} / {sv.get('p99_ms')} | {tb['count']} | "
            f"{tb.get('median_ms')} / {tb.get('p95_ms')} | {ratio} | {x['errors']} | "
            f"{x['worker_peak_mib']} |"
        )
        for name, figures in x.get("server_by_page", {}).items():
            lines.append(
                f"|  |  | server time, {name} |  |  | {figures.get('median_ms')} / {figures.get('p95_ms')} / "
                f"{figures.get('p99_ms')} |  |  |  |  |  |  |"
            )
    return lines
