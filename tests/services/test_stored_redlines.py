"""Redlines are diffed once, when their words are written, kept in the database and read back by the pages.

What a reader would notice is only that the pages are the same, and quicker: so these tests check that the kept
redlines are the engine's own, that a page built from them is the page built by diffing, that a first view diffs
nothing that was kept, and that reading never writes.
"""

from __future__ import annotations

import re

import pytest

from mou_tracker.core import stored_redline
from mou_tracker.core.redline import diff_tokens
from mou_tracker.extensions import db
from mou_tracker.models import Amendment, Clause, StoredRedline, User
from mou_tracker.services import amendments as amendment_service
from mou_tracker.services import redlines
from mou_tracker.services.amendments import TextInput
from tests.conftest import wid_of
from tests.services.test_agreement import NEW_WORDING, review, tabled
from tests.services.test_amendments import AMENDMENT_CLAUSE, act, amendment_id, propose

PAIRS = [
    ("The Participants will cooperate.", "The Participants shall cooperate closely."),
    ("Участники будут сотрудничать.", "Участники должны тесно сотрудничать."),
    ("cafe\u0301 au lait", "cafe\u0301 noir"),
    ("one  two\tthree ", "one two three"),
    ("Entirely different words here.", "Nothing in common at all, none."),
    ("a", "a b"),
]


# The core: names, and segments cut back out of the texts -------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_kept_segments_are_the_engines_own(old, new):
    expected = tuple(diff_tokens(old, new))
    kept = stored_redline.encode(expected)
    assert all(isinstance(n, int) for item in kept for n in item)
    assert stored_redline.decode(old, new, kept) == expected


def test_a_name_tells_apart_the_order_and_the_cut_of_the_texts():
    assert stored_redline.digest("ab", "c") != stored_redline.digest("a", "bc")
    assert stored_redline.digest("a", "b") != stored_redline.digest("b", "a")
    assert stored_redline.digest("a", "b") == stored_redline.digest("a", "b")
    assert len(stored_redline.digest("a", "b")) == 64


@pytest.mark.parametrize(
    "damaged",
    [None, "[]", [[0, 5]], [[0, 3], [1, 99]], [[7, 3]], [[0, "3"]], [[1, 3], [-1, 3], [0, 100]]],
)
def test_a_damaged_row_is_refused_not_served(damaged):
    assert stored_redline.decode("abc def", "abc xyz", damaged) is None


def test_an_unchanged_run_must_read_the_same_on_both_sides():
    # The right lengths, but "equal" over texts that differ: not this pair's redline.
    assert stored_redline.decode("abc", "xyz", [[0, 3]]) is None


def test_the_process_remembers_what_it_diffed(monkeypatch):
    stored_redline.forget_all()
    old, new = PAIRS[0]
    first = stored_redline.segments_between(old, new)
    monkeypatch.setattr(stored_redline, "diff_tokens", _refuse)
    assert stored_redline.segments_between(old, new) == first
    stored_redline.forget_all()


def _refuse(old, new):
    raise AssertionError(f"diffed again: {old!r} -> {new!r}")


# Written with the words ----------------------------------------------------------------------------------------


def _kept(app) -> dict[str, list]:
    with app.app_context():
        return dict(db.session.execute(db.select(StoredRedline.digest, StoredRedline.segments)).tuples().all())


def forget_kept(app) -> None:
    """Every kept redline deleted, as if none had ever been written."""
    with app.app_context():
        db.session.execute(db.delete(StoredRedline))
        db.session.commit()


def _body(app, wid: str, seq: int = -1) -> str:
    with app.app_context():
        return db.session.scalar(db.select(Clause).filter_by(wid=wid)).versions[seq].text("en").body


def _assert_kept(kept: dict, old: str, new: str) -> None:
    key = stored_redline.digest(old, new)
    assert key in kept, f"no kept redline for {old!r} -> {new!r}"
    assert stored_redline.decode(old, new, kept[key]) == tuple(diff_tokens(old, new))


def test_a_proposal_keeps_its_redline_in_the_same_transaction(app, demo):
    wid = wid_of(app, AMENDMENT_CLAUSE)
    base = _body(app, wid)
    with app.app_context():
        actor = db.session.scalar(db.select(User).filter_by(login="unoct.negotiator"))
        amendment_service.propose_change(db.session, actor, wid, {"en": TextInput("Amendment", NEW_WORDING)}, "Why.")
        key = stored_redline.digest(base, NEW_WORDING)
        # Flushed, not committed: the row is there in this transaction, and goes with it.
        assert db.session.get(StoredRedline, key) is not None
        db.session.rollback()
        assert db.session.get(StoredRedline, key) is None


def test_revisions_adoption_and_outdated_amendments_keep_what_their_pages_show(app, people):
    wid = wid_of(app, AMENDMENT_CLAUSE)
    base = _body(app, wid)
    other_words = NEW_WORDING.replace("letters", "notes verbales")
    other = amendment_id(propose(people["cica.negotiator"], wid, other_words))
    first = tabled(people, app, wid, NEW_WORDING.replace("letters", "notes"))
    revised = people["unoct.negotiator"].post(
        f"/amendments/{first}/revise",
        {"heading_en": "Amendment", "body_en": NEW_WORDING, "rationale": "Letters.", "expected_revision": "1"},
    )
    assert revised.status_code == 302
    kept = _kept(app)
    _assert_kept(kept, base, other_words)  # each proposal against its base
    _assert_kept(kept, base, NEW_WORDING)
    _assert_kept(kept, NEW_WORDING.replace("letters", "notes"), NEW_WORDING)  # a revision against the one before
    assert act(people["cica.negotiator"], first, "concur", revision=2).status_code == 302
    assert review(people["cica.legal"], first, revision=2).status_code == 302
    assert _body(app, wid) == NEW_WORDING
    kept = _kept(app)
    _assert_kept(kept, base, NEW_WORDING)  # the new version against the one before
    _assert_kept(kept, NEW_WORDING, other_words)  # the outdated amendment against the new current text
    page = people["cica.negotiator"].get(f"/amendments/{other}").get_data(as_text=True)
    assert "Outdated" in page


def test_the_same_words_written_twice_are_kept_once(app, people):
    """Two proposals of the same words to the same text (the same pair, as two transactions at once would write
    it): the second is written without fail, and one row serves both."""
    wid = wid_of(app, AMENDMENT_CLAUSE)
    tabled(people, app, wid, NEW_WORDING)
    before = _kept(app)
    tabled(people, app, wid, NEW_WORDING, who="cica.negotiator")
    assert _kept(app) == before


# Read by the pages --------------------------------------------------------------------------------------------

CHANGES = re.compile(r"<(ins|del) class=\"rl-(?:ins|del)\"[^>]*>.*?</\1>", re.S)


def _changes(browser, url: str) -> list[str]:
    redlines.clear_caches()  # a first view, as a new worker serves it
    response = browser.get(url)
    assert response.status_code == 200, url
    return [m.group(0) for m in CHANGES.finditer(response.get_data(as_text=True))]


@pytest.fixture
def negotiated(app, people):
    """Amendments to the same clause (one revised, one adopted, one outdated by it) after the SWG froze its draft:
    every kind of pair the pages redline."""
    chair = people["cica.chair"]
    assert chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG").status_code == 302
    wid = wid_of(app, AMENDMENT_CLAUSE)
    other = amendment_id(propose(people["cica.negotiator"], wid, NEW_WORDING.replace("letters", "notes verbales")))
    adopted = tabled(people, app, wid, NEW_WORDING.replace("letters", "notes"))
    people["unoct.negotiator"].post(
        f"/amendments/{adopted}/revise",
        {"heading_en": "Amendment", "body_en": NEW_WORDING, "rationale": "Letters.", "expected_revision": "1"},
    )
    act(people["cica.negotiator"], adopted, "concur", revision=2)
    review(people["cica.legal"], adopted, revision=2)
    with app.app_context():
        assert db.session.get(Amendment, adopted).state.value == "adopted"
    return {"wid": wid, "other": other, "adopted": adopted}


def _pages(ids) -> list[str]:
    return [
        f"/amendments/{ids['other']}",
        f"/amendments/{ids['adopted']}",
        f"/clauses/{ids['wid']}",
        "/redline?from=milestone:SWG&to=now",
        "/redline?from=now&to=party:CICA",
        "/meetings/SWG/pack",
    ]


def test_a_first_view_diffs_nothing_that_was_kept(app, people, negotiated, monkeypatch):
    reader = people["cica.negotiator"]
    urls = _pages(negotiated)[:5]  # the pack also redlines the draft since its first day: pairs far apart
    expected = {url: _changes(reader, url) for url in urls}
    assert all(expected.values())

    def only_trivial(old, new):
        assert stored_redline.is_trivial(old, new), f"diffed on reading: {old!r} -> {new!r}"
        return diff_tokens(old, new)

    monkeypatch.setattr(stored_redline, "diff_tokens", only_trivial)
    for url in urls:
        assert _changes(reader, url) == expected[url], url


def test_pages_read_without_kept_redlines_are_the_same_and_write_nothing(app, people, negotiated):
    reader = people["cica.negotiator"]
    urls = _pages(negotiated)
    expected = {url: _changes(reader, url) for url in urls}
    forget_kept(app)
    for url in urls:
        assert _changes(reader, url) == expected[url], url
    assert _kept(app) == {}  # a reading writes nothing


def test_a_damaged_row_is_diffed_afresh(app, people, negotiated):
    reader = people["cica.negotiator"]
    urls = _pages(negotiated)
    expected = {url: _changes(reader, url) for url in urls}
    with app.app_context():
        db.session.execute(db.update(StoredRedline).values(segments=[[0, 1]]))
        db.session.commit()
    for url in urls:
        assert _changes(reader, url) == expected[url], url


def backfill_again(app) -> dict[str, list]:
    """Migration 0023 run again (down, then up): the table made anew and filled by its backfill."""
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        db.session.remove()
        try:
            downgrade(revision="0022_search_vector")
            upgrade()
        finally:
            upgrade()
    return _kept(app)


def test_the_migration_keeps_the_redlines_of_what_was_written_before_it(app, people, negotiated):
    """The upgrade's backfill keeps what the hook keeps (less the pairs of amendments since closed, which no page
    reads against a later version)."""
    written = _kept(app)
    backfilled = backfill_again(app)
    assert backfilled.items() <= written.items()
    base = _body(app, negotiated["wid"], 0)
    _assert_kept(backfilled, base, NEW_WORDING)  # a version against the one before
    _assert_kept(backfilled, NEW_WORDING.replace("letters", "notes"), NEW_WORDING)  # a revision against the one before
    _assert_kept(backfilled, NEW_WORDING, NEW_WORDING.replace("letters", "notes verbales"))  # outdated vs current
