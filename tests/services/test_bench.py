"""The benchmark's harness on a tiny negotiation: it builds what it claims and the cache serves what it computed."""

from __future__ import annotations

import datetime as dt
import difflib

from bench import synthetic
from bench.__main__ import measure_app
from mou_tracker.extensions import db
from mou_tracker.models import Amendment, ClauseVersion, User
from mou_tracker.services import redlines
from tests.conftest import add_clause_version, wid_of


def test_the_benchmark_builds_a_negotiation_and_measures_every_page(app):
    tiny = synthetic.Size("tiny", clauses=12, words=600, amendments=20, milestones=3)
    result = measure_app(app, "test", tiny, repeat=1, load_seconds=0)
    assert set(result["pages"]) == {
        "draft",
        "clause",
        "dashboard",
        "meeting pack",
        "audit",
        "amendments",
        "whole-draft redline",
        "my work",
    }
    assert all(page["queries"] > 0 for page in result["pages"].values())
    assert result["redline"]["pairs"] == 2 * tiny.clauses  # English and Russian of every clause


def test_the_synthetic_draft_changes_the_share_of_words_it_is_asked_to(app):
    size = synthetic.Size("check", clauses=20, words=4_000, amendments=10, milestones=3, changed=0.05)
    with app.app_context():
        built = synthetic.build(db.session, size)
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(Amendment)) == 10
    words = sum(len(old.split()) for old, _, _, _ in built["pairs"])
    kept = sum(
        block.size
        for old, new, _, _ in built["pairs"]
        for block in difflib.SequenceMatcher(None, old.split(), new.split(), autojunk=False).get_matching_blocks()
    )
    assert 0.03 < 1 - kept / words < 0.08


def test_a_redline_between_immutable_points_is_cached_until_the_history_changes(app, demo):
    with app.app_context():
        chair = db.session.scalar(db.select(User).filter_by(login="cica.chair"))
        old, new = redlines.Point("date", "2024-03-07"), redlines.Point("date", "2024-03-20")
        first = redlines.whole_draft_redline(db.session, chair, old, new)
        assert redlines.whole_draft_redline(db.session, chair, old, new) is first
        # A version recorded with a past time (an import, a correction) must show, not the cached redline.
        wid = wid_of(app, "Any difference arising from the interpretation")
        add_clause_version(
            app, wid, "Any dispute will be settled amicably.", when=dt.datetime(2024, 3, 10, tzinfo=dt.UTC)
        )
        db.session.rollback()  # a new request: a new transaction, which sees the new version
        again = redlines.whole_draft_redline(db.session, chair, old, new)
        assert again is not first and again.count("changed") == first.count("changed") + 1
        # "now" is never cached.
        now = redlines.Point("now")
        assert redlines.whole_draft_redline(db.session, chair, old, now) is not redlines.whole_draft_redline(
            db.session, chair, old, now
        )
        assert db.session.scalar(db.select(db.func.count()).select_from(ClauseVersion)) > 0


def test_the_meeting_load_signs_in_distinct_readers_of_both_parties_and_every_reading_role(app):
    from bench import users

    tiny = synthetic.Size("tiny", clauses=12, words=600, amendments=20, milestones=3)
    with app.app_context():
        synthetic.build(db.session, tiny)
        db.session.commit()
    logins = users.add_readers(app, 12)
    with app.app_context():
        readers = db.session.scalars(db.select(User).where(User.login.in_(logins))).all()
        assert len({r.login for r in readers}) == 12
        assert {(r.party.code, r.role) for r in readers} == {
            (party, role) for party in ("CICA", "UNOCT") for role in users.READING_ROLES
        }
    figures = users._percentiles([0.001 * n for n in range(1, 101)])
    assert figures == {"count": 100, "median_ms": 51.0, "p95_ms": 96.0, "p99_ms": 100.0}
