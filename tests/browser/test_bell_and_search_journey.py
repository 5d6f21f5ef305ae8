"""A negotiator tables; the other party's negotiator sees the bell, searches a word of the amendment in another
form of it, and opens the amendment from the results (issue #18)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.conftest import DEMO_HOME, wid_of

SETTLEMENT = "Any difference arising from the interpretation"
PROPOSED = (
    "Any difference arising from the interpretation or implementation of this Memorandum will be settled "
    "amicably through consultations and, failing that, through mediation by a mutually agreed envoy."
)


def test_the_other_party_is_told_finds_the_amendment_and_opens_it(app, people):
    unoct = people("unoct.negotiator")
    page = unoct.page
    page.goto(f"{DEMO_HOME}clauses/{wid_of(app, SETTLEMENT)}")
    page.get_by_role("link", name="Propose a change").click()
    page.get_by_label("Text – English").fill(PROPOSED)
    page.get_by_label("Rationale").fill("A second step before any other means.")
    page.get_by_role("button", name="Save as draft").click()
    page.get_by_role("button", name="Table to the other party").click()
    page.wait_for_load_state()
    assert "UNOCT-1" in page.content()

    cica = people("cica.negotiator")
    other = cica.page
    other.goto(f"{DEMO_HOME}")
    bell = other.get_by_role("link", name="Notifications: 1 unread")
    assert bell.is_visible()
    bell.click()
    expect(other.get_by_role("link", name="UNOCT tabled UNOCT-1: your party may respond")).to_be_visible()
    other.wait_for_load_state()
    assert axe_violations(other) == []
    cica.shot("notifications")

    other.get_by_role("link", name="Search").first.click()
    other.get_by_label("Words").fill("envoys")  # the amendment says "envoy": found in another form
    other.get_by_role("button", name="Search").click()
    other.wait_for_load_state()
    results = other.locator("ol.search-results")
    assert results.locator("mark", has_text="envoy").first.is_visible()
    assert axe_violations(other) == []
    cica.shot("search")
    results.get_by_role("link", name="UNOCT-1").first.click()
    other.wait_for_load_state()
    assert "/amendments/" in other.url
    assert "mutually agreed envoy" in other.content()
