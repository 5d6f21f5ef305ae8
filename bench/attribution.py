"""Who wrote this, and the negotiating history, at treaty scale (issue #17): times for BENCHMARKS.md.

    .venv/bin/python -m bench.attribution [SIZE] [DATABASE_URL]

Builds the synthetic treaty (bench/synthetic.py: 300 clauses, 60,000 words, three versions of each clause) into
the given database (by default a new SQLite file), takes one clause to 20 versions (5 % of its words changed each
time), then times: "who wrote this" for that clause (the kept runs read back, and derived from the whole chain as
if none were kept), for the whole draft, and the instrument's history page, PDF and DOCX.
"""

from __future__ import annotations

import random
import re
import secrets
import statistics
import sys
import tempfile
import time

from flask_migrate import upgrade
from sqlalchemy import delete, select

from mou_tracker import create_app
from mou_tracker.extensions import db
from mou_tracker.models import Clause, ClauseText, ClauseTextAttribution, ClauseVersion, User
from mou_tracker.services import word_credits

from . import synthetic


def _timed(fn, repeat: int = 5) -> tuple[float, float]:
    """(first, median of the rest) in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times[0], statistics.median(times[1:] or times)


def main(size: str = "treaty", url: str | None = None) -> None:
    url = url or f"sqlite:///{tempfile.mkdtemp()}/attribution.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16), "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        synthetic.build(db.session, synthetic.SIZES[size])
        db.session.commit()
        print(f"{size} built in {time.perf_counter() - started:.1f} s (runs written with every version)")
        clause = db.session.scalar(select(Clause).where(Clause.wid == f"c-{size}-0010"))
        english, _russian = synthetic.vocabularies()
        rng = random.Random(17)  # noqa: S311  (reproducible data)
        latest = max(clause.versions, key=lambda v: v.seq)
        words = latest.text("en").body.rstrip(".").split()
        author = db.session.scalar(select(User).where(User.login == "cica.negotiator"))
        started = time.perf_counter()
        while latest.seq < 20:
            words = synthetic.mutate(words, 0.05, english, rng)
            latest = ClauseVersion(clause=clause, seq=latest.seq + 1, reason="Synthetic", created_by=author)
            latest.texts.append(ClauseText(language="en", body=" ".join(words) + ".", revised_in_seq=latest.seq))
            db.session.add(latest)
            db.session.flush()
        db.session.commit()
        per_version = (time.perf_counter() - started) * 1000 / 17
        print(f"17 versions written, {per_version:.1f} ms each including their runs")
        reader = db.session.scalar(select(User).where(User.login == "cica.chair"))
        wid = clause.wid

        def one() -> None:
            db.session.expire_all()
            word_credits.clause_word_credits(db.session, reader, wid, "en")

        first, median = _timed(one)
        print(f"who wrote this, one clause after 20 versions (kept runs): first {first:.1f} ms, median {median:.1f} ms")
        version_ids = [v.id for v in clause.versions]
        db.session.execute(delete(ClauseTextAttribution).where(ClauseTextAttribution.version_id.in_(version_ids)))
        first, median = _timed(one)
        print(f"  the same with no runs kept (whole chain derived): first {first:.1f} ms, median {median:.1f} ms")
        db.session.rollback()

        def whole() -> None:
            db.session.expire_all()
            word_credits.draft_word_credits(db.session, reader, "en")

        first, median = _timed(whole, 3)
        count = len(word_credits.draft_word_credits(db.session, reader, "en"))
        print(f"who wrote this, whole draft ({count} clauses): first {first:.0f} ms, median {median:.0f} ms")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"login": "cica.chair", "password": synthetic.PASSWORD, "csrf_token": token})
    for what in ("history", "history.pdf", "history.docx"):
        start = time.perf_counter()
        response = client.get(f"/n/synthetic-{size}/{what}?lang=en")
        elapsed = time.perf_counter() - start
        print(f"instrument {what}: {elapsed:.1f} s, {len(response.data) / 1024:.0f} KB, status {response.status_code}")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  (a text stream)
    main(*sys.argv[1:])
