"""Done when (#18): a chair sets the deadline for written proposals and sees who is late, in headless Chromium. A
negotiator tables after the deadline (warned on the tabling form, never refused); the chair finds the proposal on
the meeting page and in the meeting pack's "Who is late", and admits it for the meeting."""

from __future__ import annotations

from tests.conftest import wid_of

SETTLEMENT = "Any difference arising from the interpretation"


def test_the_chair_sets_the_deadline_and_sees_who_is_late(app, people):
    chair = people("cica.chair")
    page = chair.page
    page.get_by_role("link", name="Meetings", exact=True).click()
    page.locator("table a", has_text="Special Working Group").first.click()
    page.get_by_label("Deadline for written proposals").fill("2024-03-01")
    page.get_by_role("button", name="Save the deadline").click()
    page.wait_for_load_state()
    assert "Written proposals for the Special Working Group are due by 2024-03-01." in page.content()
    assert page.locator("#deadline").get_by_text("Passed").is_visible()

    negotiator = people("unoct.negotiator")
    tabling = negotiator.page
    tabling.goto(tabling.url.split("/n/")[0] + f"/clauses/{wid_of(app, SETTLEMENT)}/amend")
    tabling.locator("textarea[name=body_en]").fill("Any dispute will be settled amicably by the Participants.")
    tabling.locator("textarea[name=rationale]").fill("Simpler.")
    tabling.get_by_role("button", name="Save as draft").click()
    tabling.wait_for_load_state()
    assert "tabled now, it is marked late" in tabling.content()
    tabling.on("dialog", lambda dialog: dialog.accept())
    tabling.get_by_role("button", name="Table to the other party").click()
    tabling.wait_for_load_state()
    assert "UNOCT-1" in tabling.content()

    page.reload()
    late = page.locator("#deadline table")
    assert late.get_by_role("link", name="UNOCT-1").is_visible()
    assert late.get_by_text("Awaiting the chair's decision").is_visible()
    page.get_by_role("link", name="Who is late: the meeting pack").click()
    page.wait_for_load_state()
    assert page.locator("#who-is-late").get_by_role("link", name="UNOCT-1").is_visible()
    chair.shot("deadline-who-is-late")

    page.go_back()
    page.locator("#deadline").get_by_role("button", name="Admit for this meeting").click()
    page.wait_for_load_state()
    assert page.locator("#deadline table").get_by_text("Admitted by the chair for this meeting").is_visible()
