"""A refused form, as a keyboard or screen-reader user meets it in Chromium: the page opens on the error summary
(focused, announced), and its link takes the focus to the field in error."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, labels
from tests.conftest import wid_of

CLAUSE_START = "Promoting the comprehensive and balanced implementation of the UNGCTS"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_error_summary_takes_the_focus_and_leads_to_the_field(app, people, language):
    _ = labels(language)
    unoct = people("unoct.negotiator", language)
    page = unoct.page
    page.goto(f"/clauses/{wid_of(app, CLAUSE_START)}")
    page.get_by_role("link", name=_("Propose a change")).click()
    page.get_by_label(_("Rationale")).fill("")
    page.get_by_role("button", name=_("Save as draft")).click()
    page.wait_for_load_state()

    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert summary.get_attribute("role") == "alert"
    link = summary.get_by_role("link")
    assert link.count() == 1
    message = _("Say why the change is proposed.")
    assert link.inner_text() == _("%(field)s: %(error)s") % {"field": _("Rationale"), "error": message}
    unoct.shot("error-summary")

    # The keyboard reaches the link first, and following it puts the caret in the field.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#rationale"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "rationale"
    field = page.locator("#rationale")
    assert field.get_attribute("aria-invalid") == "true"
    # The field's accessible description carries its message, so a screen reader reads it with the field.
    described = field.get_attribute("aria-describedby").split()
    assert message in [page.locator(f"#{element_id}").inner_text() for element_id in described]
    assert axe_violations(page) == []
