"""python -m bench.everyday: the Speed figures of issue #18, at treaty scale, on SQLite and PostgreSQL.

- Search: the median and 95th percentile of `services.search.search` (what the search page and the API call) for
  single words and pairs of words, English and Russian, common and rare, read by a negotiator (whose visibility
  rules are in the SQL), and of the search page as served (test client, signed in).
- Notifications: what they add to tabling an amendment (the `table` service and its commit), measured with the
  notification listener in place and removed, round by round, in wall and CPU time; every user takes e-mail at
  once, so the cost includes marking each notification to be mailed (rendering and sending are the worker's,
  after the commit).
- The outbox worker: messages per second rendered from waiting notifications by `mail.run_once` and delivered to
  a local aiosmtpd server.

Prints Markdown (and --json the raw numbers). Uses a fresh database: a temporary SQLite file, and the PostgreSQL
database given by --postgres (emptied first: never point it at data you keep).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import secrets
import socket
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from mou_tracker import create_app, mail
from mou_tracker.core import search_text
from mou_tracker.core.notifications import RULES, EmailMode
from mou_tracker.extensions import db
from mou_tracker.models import Amendment, Clause, Instrument, Notification, OutboxMessage, User
from mou_tracker.models.base import utcnow
from mou_tracker.services import amendments, notifications, search
from mou_tracker.services.amendments import TextInput

from . import synthetic
from .__main__ import _fresh_postgres
from .pages import sign_in


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _ms(samples: list[float]) -> dict:
    return {
        "median_ms": round(statistics.median(samples) * 1000, 2),
        "p95_ms": round(_percentile(samples, 0.95) * 1000, 2),
        "samples": len(samples),
    }


def _queries(rng: random.Random) -> list[str]:
    """Words of the synthetic texts (stop words, which the search refuses, left out), alone and in pairs."""
    english, russian = (
        [w for w in words if not search_text.parse_query(w, ["en", "ru"]).is_empty]
        for words in synthetic.vocabularies()
    )
    words = rng.sample(english, 8) + rng.sample(russian, 8)
    pairs = [f"{rng.choice(english)} {rng.choice(english)}" for _ in range(4)]
    pairs += [f"{rng.choice(russian)} {rng.choice(russian)}" for _ in range(4)]
    return words + pairs


def measure_search(app, repeat: int) -> dict:
    rng = random.Random(18)  # noqa: S311  (reproducible queries, not security)
    queries = _queries(rng)
    service: list[float] = []
    found: list[int] = []
    with app.app_context():
        reader = db.session.scalar(select(User).filter_by(login="cica.negotiator"))
        for _ in range(repeat):
            for query in queries:
                started = time.perf_counter()
                results = search.search(db.session, reader, search.SearchFilter(query=query))
                service.append(time.perf_counter() - started)
                found.append(results.pages.total)
                db.session.rollback()
    client = app.test_client()
    sign_in(client, "cica.negotiator", synthetic.PASSWORD)
    page: list[float] = []
    for _ in range(max(1, repeat // 2)):
        for query in queries:
            started = time.perf_counter()
            response = client.get("/search", query_string={"q": query})
            page.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
    return {
        "service": _ms(service),
        "page": _ms(page),
        "queries": len(queries),
        "median_results": statistics.median(found),
    }


def _drafts(app, count: int) -> list[int]:
    """`count` drafts of the CICA negotiator, each a distinct wording of a clause, ready to be tabled (worded anew
    by each run, so that a run can follow another on the same database)."""
    run = secrets.token_hex(4)
    with app.app_context():
        actor = db.session.scalar(select(User).filter_by(login="cica.negotiator"))
        wids = list(db.session.scalars(select(Clause.wid).where(Clause.kind == "paragraph").limit(count)))
        made = []
        for n in range(count):
            wid = wids[n % len(wids)]
            amendment = amendments.propose_change(
                db.session, actor, wid, {"en": TextInput(None, f"Benchmark {run} wording {n}.")}, "Benchmark."
            )
            made.append(amendment.id)
        db.session.commit()
        return made


def measure_tabling(app, rounds: int) -> dict:
    """Tabling with and without the notification listener, alternately, on drafts made beforehand: wall time and
    the process's CPU time (the machine may be shared: CPU time is the steadier of the two). Every user takes
    e-mail at once and a mail server is configured, so each notification is also one e-mail to send."""
    with app.app_context():
        for user in db.session.scalars(select(User)):
            user.email, user.email_mode = f"{user.login}@example.org", EmailMode.immediate
        db.session.commit()
    app.config["MAIL_SERVER"] = "127.0.0.1"  # mail is on: e-mails are queued (the worker sends them), not sent
    mail.install(app)
    drafts = _drafts(app, rounds * 2)
    timings: dict[str, list[float]] = {"with": [], "without": []}
    cpu: dict[str, list[float]] = {"with": [], "without": []}
    told = 0
    try:
        for n, amendment_id in enumerate(drafts):
            mode = "with" if n % 2 == 0 else "without"
            if mode == "without":
                event.remove(Session, "after_flush", notifications._notify)
            try:
                with app.test_request_context():
                    actor = db.session.scalar(select(User).filter_by(login="cica.negotiator"))
                    before = db.session.scalar(select(db.func.count()).select_from(Notification))
                    started, started_cpu = time.perf_counter(), time.process_time()
                    # Held until the commit, as the page and the API hold it: the listener reads it from the
                    # session (an amendment dropped before the commit would be read again, for this bench only).
                    tabled = amendments.table(db.session, actor, amendment_id)
                    db.session.commit()
                    timings[mode].append(time.perf_counter() - started)
                    cpu[mode].append(time.process_time() - started_cpu)
                    del tabled
                    if mode == "with":
                        told += db.session.scalar(select(db.func.count()).select_from(Notification)) - before
            finally:
                if mode == "without":
                    event.listen(Session, "after_flush", notifications._notify)
    finally:
        app.config["MAIL_SERVER"] = None
        mail.install(app)
    with_ms, without_ms = (statistics.median(timings[k]) * 1000 for k in ("with", "without"))
    with_cpu, without_cpu = (statistics.median(cpu[k]) * 1000 for k in ("with", "without"))
    return {
        "with_notifications": _ms(timings["with"]),
        "without_notifications": _ms(timings["without"]),
        "added_ms": round(with_ms - without_ms, 2),
        "added_cpu_ms": round(with_cpu - without_cpu, 2),
        "messages_per_tabling": round(told / max(1, len(timings["with"])), 1),
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def measure_outbox(app, count: int) -> dict:
    from aiosmtpd.controller import Controller

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.received += 1
            return "250 OK"

    port = _free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False)
    try:
        with app.app_context():
            # `count` notifications waiting to be mailed at once, each of its own amendment (rendered one by one),
            # to a negotiator of the negotiation; nothing else waits.
            user = db.session.scalar(select(User).filter_by(login="unoct.negotiator"))
            user.email, user.email_mode = "negotiator@example.org", EmailMode.immediate
            instrument_id = db.session.scalar(select(Amendment.instrument_id).limit(1))
            slug = db.session.scalar(select(Instrument.slug).where(Instrument.id == instrument_id))
            db.session.execute(db.delete(OutboxMessage))
            db.session.execute(
                db.update(Notification).where(Notification.mailed_at.is_(None)).values(mail_at_once=False)
            )
            sentence = RULES["amendment.concurred"].sentence
            for n in range(count):
                db.session.add(
                    Notification(
                        user_id=user.id,
                        instrument_id=instrument_id,
                        kind="amendment.concurred",
                        template=sentence,
                        params={"party": "CICA", "citation": f"UNOCT-{n + 1}"},
                        target=f"n/{slug}/amendments/{n + 1}",
                        mail_at_once=True,
                    )
                )
            db.session.commit()
            started = time.perf_counter()
            sent = 0
            while sent < count:
                _, done, failed = mail.run_once(db.session, now=utcnow() + dt.timedelta(seconds=1))
                db.session.commit()
                if done == 0 and failed == 0:
                    break
                sent += done
            elapsed = time.perf_counter() - started
    finally:
        controller.stop()
        app.config["MAIL_SERVER"] = None
    return {"messages": sent, "seconds": round(elapsed, 2), "per_second": round(sent / elapsed, 1)}


def run(database: str, url: str, size: synthetic.Size, repeat: int, rounds: int, outbox: int) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16), "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        synthetic.build(db.session, size)
        db.session.commit()
        indexed = search.rebuild(db.session)
        db.session.commit()
        amendments_count = db.session.scalar(select(db.func.count()).select_from(Amendment))
        built = time.perf_counter() - started
    return {
        "database": database,
        "size": size.name,
        "search_entries": indexed,
        "amendments": amendments_count,
        "build_seconds": round(built, 1),
        "search": measure_search(app, repeat),
        "tabling": measure_tabling(app, rounds),
        "outbox": measure_outbox(app, outbox),
    }


def markdown(results: list[dict]) -> str:
    lines = [
        "| Database | Search entries | Search, service: median / p95 | Search page: median / p95 | Tabling with / "
        "without notifications (median) | Added by notifications | Outbox worker |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s, p, t, o = r["search"]["service"], r["search"]["page"], r["tabling"], r["outbox"]
        lines.append(
            f"| {r['database']} ({r['size']}) | {r['search_entries']:,} | {s['median_ms']} / {s['p95_ms']} ms "
            f"| {p['median_ms']} / {p['p95_ms']} ms "
            f"| {t['with_notifications']['median_ms']} / {t['without_notifications']['median_ms']} ms "
            f"| {t['added_ms']} ms, CPU {t['added_cpu_ms']} ms ({t['messages_per_tabling']} e-mails) "
            f"| {o['per_second']} messages/s ({o['messages']} in {o['seconds']} s) |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="treaty", choices=sorted(synthetic.SIZES))
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/mou_bench")
    parser.add_argument("--repeat", type=int, default=6, help="Rounds of the search queries")
    parser.add_argument("--rounds", type=int, default=30, help="Tablings with, and as many without, notifications")
    parser.add_argument("--outbox", type=int, default=400, help="Messages the outbox worker sends")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    size = synthetic.SIZES[args.size]
    results = []
    for database in args.databases.split(","):
        if database == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
                results.append(run("SQLite", url, size, args.repeat, args.rounds, args.outbox))
        else:
            _fresh_postgres(args.postgres)
            results.append(run("PostgreSQL", args.postgres, size, args.repeat, args.rounds, args.outbox))
        print(markdown(results[-1:]), flush=True)
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
