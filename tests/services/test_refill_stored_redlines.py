"""`flask --app app refill-stored-redlines`: after a change of the diff engine no kept redline is found (each is named
by the engine), and the pages diff on every view until the command keeps them again.

What a reader would notice: the pages diff nothing once it has run, and read the same; an operator: the counts it
prints, and that a second run writes nothing.
"""

from __future__ import annotations

import re

import pytest

from mou_tracker.core import stored_redline
from mou_tracker.core.redline import diff_tokens
from mou_tracker.extensions import db
from mou_tracker.models import StoredRedline
from mou_tracker.models import stored_redlines as stored_model
from tests.services.test_agreement import _record_all
from tests.services.test_stored_redlines import _changes, _kept, _pages, backfill_again, forget_kept, negotiated  # noqa: F401 (a fixture)

COUNTS = re.compile(r"(\d+) redline\(s\) written, (\d+) already kept, (\d+) pruned\.")


def _refill(app, *args: str) -> tuple[int, int, int]:
    result = app.test_cli_runner().invoke(args=["refill-stored-redlines", *args])
    assert result.exit_code == 0, result.output
    match = COUNTS.search(result.output)
    assert match, result.output
    written, kept, pruned = map(int, match.groups())
    return written, kept, pruned


@pytest.fixture
def diffs(monkeypatch) -> list[tuple[str, str]]:
    """The pairs diffed from now on that are not diffed in no time (what a kept redline spares)."""
    seen: list[tuple[str, str]] = []

    def counting(old, new):
        if not stored_redline.is_trivial(old, new):
            seen.append((old, new))
        return diff_tokens(old, new)

    monkeypatch.setattr(stored_redline, "diff_tokens", counting)
    return seen


def _urls(ids) -> list[str]:
    return _pages(ids)[:5]  # the pack also redlines the draft since its first day: pairs no write keeps


def test_rows_lost_are_refilled_and_read_by_the_pages(app, people, negotiated, diffs):  # noqa: F811
    reader = people["cica.negotiator"]
    urls = _urls(negotiated)
    expected = {url: _changes(reader, url) for url in urls}
    forget_kept(app)
    diffs.clear()
    for url in urls:
        _changes(reader, url)
    assert diffs, "without kept redlines the pages diff"

    written, kept, pruned = _refill(app, "--batch-size", "2")  # several batches, each committed
    assert written > 2 and kept == 0 and pruned == 0
    assert len(_kept(app)) == written
    diffs.clear()
    for url in urls:
        assert _changes(reader, url) == expected[url], url
    assert diffs == []  # every pair the pages showed was read, none diffed

    assert _refill(app) == (0, written, 0)  # a second run writes nothing


def test_after_a_new_engine_the_refill_keeps_its_redlines_and_prunes_the_old(
    app,
    people,
    negotiated,  # noqa: F811
    diffs,
    monkeypatch,
):
    reader = people["cica.negotiator"]
    urls = _urls(negotiated)
    expected = {url: _changes(reader, url) for url in urls}
    old_rows = _kept(app)
    monkeypatch.setattr(stored_redline, "ENGINE", "a-new-engine")  # every pair has a new name: nothing is found
    diffs.clear()
    for url in urls:
        assert _changes(reader, url) == expected[url], url
    assert diffs, "a new engine finds no kept redline: the pages diff"
    assert _kept(app) == old_rows  # and write nothing

    written, kept, pruned = _refill(app, "--prune")
    assert (written, kept) == (len(set(_kept(app))), 0)
    assert pruned == len(old_rows)
    assert not set(old_rows) & set(_kept(app))  # no row of the old engine is left
    diffs.clear()
    for url in urls:
        assert _changes(reader, url) == expected[url], url
    assert diffs == []

    assert _refill(app, "--prune") == (0, written, 0)


def test_a_refill_keeps_what_the_migration_kept(app, people, negotiated):  # noqa: F811
    """The pairs of migration 0023's backfill: no fewer (a page would diff them), no more (rows nobody reads)."""
    chair = people["cica.chair"]  # a second meeting's draft: the two meetings' drafts are compared too
    _record_all(app, "SWG")
    assert (
        chair.post("/meetings/SWG/conclude", {"result": "recommended"}, token_from="/meetings/SWG").status_code == 302
    )
    assert chair.post("/meetings/SOC/freeze", {}, token_from="/meetings/SOC").status_code == 302

    backfilled = backfill_again(app)
    forget_kept(app)
    written, _, _ = _refill(app)
    assert _kept(app) == backfilled
    assert written == len(backfilled)


def test_prune_leaves_what_the_pages_read_and_removes_what_they_do_not(app, people, negotiated):  # noqa: F811
    with app.app_context():
        db.session.add(StoredRedline(digest="0" * 64, segments=[[0, 1]]))  # a pair no page reads
        db.session.commit()
    before = _kept(app)
    assert _refill(app) == (0, len(before) - 1, 0)  # without --prune nothing is removed
    assert _kept(app) == before
    assert _refill(app, "--prune") == (0, len(before) - 1, 1)
    assert set(_kept(app)) == set(before) - {"0" * 64}


def test_the_refill_commits_each_batch(app, people, negotiated):  # noqa: F811
    """Interrupted after its first batch, what it wrote stays, and the next run finishes the rest."""
    forget_kept(app)
    with app.app_context():

        def commit_then_stop():
            db.session.commit()
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            stored_model.refill(db.session, commit_then_stop, batch_size=3)
        db.session.rollback()
    assert len(_kept(app)) == 3
    written, kept, _ = _refill(app)
    assert kept == 3 and written > 0
