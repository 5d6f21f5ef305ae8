"""python -m bench: the benchmark of BENCHMARKS.md.

For each database (SQLite, PostgreSQL) and size (small, mou, treaty) it builds a synthetic negotiation in a fresh
database and measures: the whole-draft redline between the first and the last meeting (next to diff-match-patch's
own diff of the same clause pairs, and served again from the cache); queries and median server time of each main
page; requests per second of the dashboard and a clause page under gunicorn with 2 workers next to /health; and a
worker's peak memory. Prints Markdown tables and writes them (--markdown) with the raw numbers (--json).
"""

from __future__ import annotations

import argparse
import json
import platform
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import psycopg
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.engine import make_url

from mou_tracker import create_app
from mou_tracker.extensions import db
from mou_tracker.models import User
from mou_tracker.services import redlines

from . import load, pages, synthetic, users
from .redline import dmp_char, dmp_word, timed

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/mou_bench"


def _fresh_postgres(url: str) -> None:
    """Create the benchmark database when missing and empty it (never the tests' database)."""
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{parsed.database}"')
    target = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _redline(app, built: dict, repeat: int) -> dict:
    """The engine's time next to diff-match-patch's on the same pairs, timed round by round, one right after the
    other: on a shared machine the load moves both alike, so the median of the per-round ratios is steadier than a
    ratio of medians taken seconds apart."""
    pairs = [(en_old, en_new) for en_old, en_new, _, _ in built["pairs"]]
    pairs += [(ru_old, ru_new) for _, _, ru_old, ru_new in built["pairs"]]
    rounds = max(repeat, 5)
    service, word, char, ratios, cached = [], [], [], [], []
    with app.app_context():
        actor = db.session.scalar(db.select(User).filter_by(login="cica.chair"))
        instrument = redlines.current_instrument(db.session)
        old, new = (redlines.parse_point(db.session, f"milestone:{built[k]}") for k in ("first", "last"))
        for _ in range(rounds):
            db.session.expire_all()
            redlines.clear_caches()  # the engine's own work, not a cache hit
            start = time.perf_counter()
            redlines._compute_whole_draft_redline(db.session, actor, instrument, old, new)
            service.append(time.perf_counter() - start)
            word.append(timed(dmp_word, pairs))
            char.append(timed(dmp_char, pairs))
            ratios.append(service[-1] / word[-1])
        redlines.whole_draft_redline(db.session, actor, old, new)  # fills the cache
        for _ in range(rounds):
            start = time.perf_counter()
            redlines.whole_draft_redline(db.session, actor, old, new)
            cached.append(time.perf_counter() - start)
    return {
        "pairs": len(pairs),
        "rounds": rounds,
        "dmp_char_s": round(statistics.median(char), 3),
        "dmp_word_s": round(statistics.median(word), 3),
        "service_s": round(statistics.median(service), 3),
        "service_vs_dmp_word": round(statistics.median(ratios), 2),
        "service_vs_dmp_word_range": [round(min(ratios), 2), round(max(ratios), 2)],
        "cached_ms": round(statistics.median(cached) * 1000, 2),
    }


def run_one(database: str, url: str, size: synthetic.Size, repeat: int, load_seconds: int, meeting=None) -> dict:
    """`meeting`: (readers, seconds, redis URL or "", think seconds) for the multi-user load test (bench/users.py)."""
    secret = secrets.token_hex(16)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
    if meeting and meeting[0]:
        readers, seconds, redis, think = meeting
        with app.app_context():
            built = synthetic.build(db.session, size)
            db.session.commit()
            with db.engine.connect() as connection:
                connection.execute(text("ANALYZE"))
                connection.commit()
        figures = users.run(app, built, readers, seconds, redis=redis, think=think)
        return {"database": database, "size": size.name, "users": figures}
    return measure_app(app, database, size, repeat, load_seconds)


def measure_app(app, database: str, size: synthetic.Size, repeat: int, load_seconds: int) -> dict:
    """Build the negotiation into the app's (empty, migrated) database and measure it."""
    with app.app_context():
        start = time.perf_counter()
        built = synthetic.build(db.session, size)
        db.session.commit()
        build_s = time.perf_counter() - start
        # A database in use has its planner statistics kept by autovacuum (PostgreSQL) or by `ANALYZE`; measured
        # straight after a bulk load, PostgreSQL would plan for the empty tables it last saw.
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    chair, legal = app.test_client(), app.test_client()
    pages.sign_in(chair, "cica.chair", synthetic.PASSWORD)
    pages.sign_in(legal, "cica.legal", synthetic.PASSWORD)
    urls = {
        "draft": "/",
        "clause": f"/clauses/{built['clause_wid']}",
        "dashboard": "/dashboard",
        "meeting pack": f"/meetings/{built['last']}/pack",
        "audit": "/audit",
        "amendments": "/amendments",
        "whole-draft redline": f"/redline?from=milestone:{built['first']}&to=milestone:{built['last']}",
    }
    measured = {name: pages.measure(app, chair, path, repeat) for name, path in urls.items()}
    measured["my work"] = pages.measure(app, legal, "/my-work", repeat)
    result = {
        "database": database,
        "size": size.name,
        "build_s": round(build_s, 1),
        "pages": measured,
        "redline": _redline(app, built, repeat),
    }
    if load_seconds:
        with app.app_context():
            db.engine.dispose()  # let gunicorn's workers have the database
        result["load"] = load.load_test(
            app.config["SQLALCHEMY_DATABASE_URI"],
            app.config["SECRET_KEY"],
            "cica.chair",
            synthetic.PASSWORD,
            {"dashboard": "/dashboard", "clause": f"/clauses/{built['clause_wid']}"},
            load_seconds,
        )
    return result


def markdown(results: list[dict]) -> str:
    lines = [f"Machine: {platform.machine()}, {_cpus()} CPUs, Python {platform.python_version()}", ""]
    lines += [
        "### Pages: SQL queries of a first view / median server time of repeated views / time of a first view",
        "",
    ]
    names = list(results[0]["pages"])
    lines.append("| database | size | " + " | ".join(names) + " |")
    lines.append("| --- | --- | " + " | ".join("---:" for _ in names) + " |")
    for r in results:
        cells = [
            f"{r['pages'][n]['queries']} q / {r['pages'][n]['median_ms']:.0f} ms / {r['pages'][n]['first_ms']:.0f} ms"
            for n in names
        ]
        lines.append(f"| {r['database']} | {r['size']} | " + " | ".join(cells) + " |")
    lines += ["", "### Whole-draft redline between the first and the last meeting", ""]
    lines.append(
        "| database | size | clause pairs | dmp char (s) | dmp word (s) | app (s) "
        "| app / dmp word (median of rounds, range) | cached (ms) |"
    )
    lines.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        x = r["redline"]
        low, high = x["service_vs_dmp_word_range"]
        lines.append(
            f"| {r['database']} | {r['size']} | {x['pairs']} | {x['dmp_char_s']} | {x['dmp_word_s']} | "
            f"{x['service_s']} | {x['service_vs_dmp_word']} ({low}–{high}, {x['rounds']} rounds) | {x['cached_ms']} |"
        )
    if any("load" in r for r in results):
        lines += ["", "### gunicorn, 2 workers, wrk (2 threads, 8 connections) on loopback", ""]
        lines.append("| database | size | /health rps | dashboard rps | ratio | clause rps | ratio | worker peak MiB |")
        lines.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in results:
            x = r.get("load", {})
            if "health_rps" not in x:
                lines.append(f"| {r['database']} | {r['size']} | {x.get('skipped', 'not run')} |||||| ")
                continue
            lines.append(
                f"| {r['database']} | {r['size']} | {x['health_rps']:.0f} | {x['dashboard_rps']:.1f} | "
                f"{x['dashboard_rps'] / x['health_rps']:.1%} | {x['clause_rps']:.1f} | "
                f"{x['clause_rps'] / x['health_rps']:.1%} | {x['worker_peak_mib']} |"
            )
    return "\n".join(lines) + "\n"


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="small,mou,treaty")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="a database the benchmark may empty")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--load-seconds", type=int, default=5, help="0 skips the load test")
    parser.add_argument(
        "--users", type=int, default=0, help="N>0: only the multi-user load test, N signed-in readers and a writer"
    )
    parser.add_argument("--users-seconds", type=int, default=30)
    parser.add_argument(
        "--think-seconds", type=float, default=5.0, help="a reader's pause between pages (0: closed loop, saturation)"
    )
    parser.add_argument("--redis", default="", help="redis://... for the limiter and the kept parts (several workers)")
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for database in args.databases.split(","):
            for name in args.sizes.split(","):
                size = synthetic.SIZES[name]
                if database == "sqlite":
                    url = f"sqlite:///{Path(tmp) / f'bench-{name}.sqlite3'}"
                else:
                    url = args.postgres_url
                    _fresh_postgres(url)
                print(f"== {database}, {name}", flush=True)
                meeting = (args.users, args.users_seconds, args.redis, args.think_seconds)
                results.append(run_one(database, url, size, args.repeat, args.load_seconds, meeting))
    table = "\n".join(users.markdown_rows(results)) + "\n" if args.users else markdown(results)
    print(table)
    if args.markdown:
        args.markdown.write_text(table)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
