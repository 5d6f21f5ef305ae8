"""A legal officer opens Article 9 and reads, with the keyboard, which words came from UNOCT-1, who cleared them
and which meeting endorsed them; then reads the clause's negotiating history (#17, items 3 and 4)."""

from __future__ import annotations

from mou_tracker.core.milestones import Outcome
from mou_tracker.extensions import db
from mou_tracker.models import User
from mou_tracker.services import meetings
from tests.browser.conftest import axe_violations
from tests.conftest import Browser, wid_of
from tests.services.test_agreement import NEW_WORDING, review
from tests.services.test_amendments import AMENDMENT_CLAUSE, act, amendment_id, propose


def _adopt_and_endorse(app, passwords) -> str:
    wid = wid_of(app, AMENDMENT_CLAUSE)
    people = {}
    for login in ("unoct.negotiator", "cica.negotiator", "cica.legal", "cica.chair"):
        people[login] = Browser(app.test_client(), passwords)
        people[login].sign_in(login)
    first = amendment_id(propose(people["unoct.negotiator"], wid, NEW_WORDING, rationale="Letters are clearer."))
    assert act(people["unoct.negotiator"], first, "table").status_code == 302
    assert review(people["cica.legal"], first).status_code == 302
    assert act(people["cica.negotiator"], first, "concur").status_code == 302
    assert people["cica.chair"].post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG").status_code == 302
    with app.app_context():
        chair = db.session.scalar(db.select(User).filter_by(login="cica.chair"))
        meetings.record_outcome(db.session, chair, "SWG", wid, outcome=Outcome.endorsed, reserved_by="", note="")
        db.session.commit()
    return wid


def test_reading_who_wrote_this_with_the_keyboard_and_the_history(app, people, live_server):
    _base, passwords = live_server
    wid = _adopt_and_endorse(app, passwords)
    officer = people("cica.legal")
    page = officer.page
    page.goto(f"/n/cica-unoct-mou/clauses/{wid}")
    page.get_by_role("link", name="Who wrote this", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Who wrote this")

    # Tab through the page until a run of words has the focus: its citation is in its text, its details show.
    runs = page.locator("mark.word-run")
    assert runs.count() >= 2
    focused_run = None
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('word-run')"):
            focused_run = page.evaluate("document.activeElement.dataset.seq")
            break
    assert focused_run is not None, "no run of words is reachable with the Tab key"
    # Move on to UNOCT-1's words, still with the keyboard.
    for _ in range(runs.count()):
        if page.evaluate("document.activeElement.dataset.seq") == "2":
            break
        page.keyboard.press("Tab")
    active = page.locator("mark.word-run:focus")
    assert "[UNOCT-1]" in active.inner_text()
    details = active.locator(".run-details")
    assert details.is_visible()
    text = details.inner_text()
    assert "Daniel Moreau" in text and "cleared by Yerlan Abenov" in text and "endorsed at the SWG" in text
    # Readable without colour: every run's citation is printed in the text itself.
    labels = [runs.nth(i).locator(".run-label").inner_text() for i in range(runs.count())]
    assert set(labels) == {"[Version 1]", "[UNOCT-1]"}
    officer.shot("h1-who-wrote-this")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Negotiating history", exact=True).click()
    page.wait_for_load_state()
    events = page.locator(".history-event .event-line")
    lines = [events.nth(i).inner_text() for i in range(events.count())]
    titles = ["Version 1: the initial text", "UNOCT-1 tabled", "Legal review of UNOCT-1", "Version 2: UNOCT-1 adopted"]
    where = [next(i for i, line in enumerate(lines) if title in line) for title in titles]
    assert where == sorted(where), lines
    page.get_by_label("Compare version").select_option("1")
    page.get_by_label("with version").select_option("2")
    page.get_by_role("button", name="Compare", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Version 2 against version 1").is_visible()
    officer.shot("h2-clause-history")
    assert axe_violations(page) == []
