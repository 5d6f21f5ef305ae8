"""The chair records a whole meeting in one submission (#19, practice 4), in headless Chromium, in English and in
Russian: every clause prefilled, one exception changed with the keyboard-reachable labelled selects, a refusal shown
on the meeting page with the choices kept, then all outcomes recorded at once and the meeting concluded."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, labels
from tests.conftest import wid_of

PRIVILEGES = "Nothing in or relating"
KAZAKHSTAN = {"en": "Republic of Kazakhstan", "ru": "Республика Казахстан"}
SWG = {"en": "Special Working Group", "ru": "Специальная рабочая группа"}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_chair_records_the_whole_swg_in_one_submission(app, people, language):
    _ = labels(language)
    privileges = wid_of(app, PRIVILEGES)
    chair = people("cica.chair", language)
    page = chair.page
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" and r.url.endswith("/outcomes") else None)

    page.get_by_role("link", name=_("Meetings"), exact=True).click()
    page.locator("table a", has_text=SWG[language]).first.click()  # the meeting under its name in this language
    page.get_by_role("button", name=_("Freeze the draft for this meeting")).click()
    page.wait_for_load_state()

    form = page.locator("form.meeting-outcomes")
    outcome_selects = form.locator("select[name^=outcome-]")
    count = outcome_selects.count()
    assert count == 31  # every clause of the frozen draft, on one form
    values = [outcome_selects.nth(i).input_value() for i in range(count)]
    # Proposed as a chair would: endorsed where agreed, deferred where bracketed (the closing clause's "Done at
    # [place], on [date]" still holds its placeholders).
    assert values.count("endorsed") == count - 1 and values.count("deferred") == 1

    # The exception: a reservation on the privileges clause, found by its label (the select names its clause).
    citation = page.locator(f"#outcome-clause-{privileges} a").inner_text()
    outcome = page.get_by_label(f"{_('Outcome')} — {citation}", exact=True)
    outcome.focus()
    outcome.select_option("reservation")
    page.get_by_label(f"{_('Note')} — {citation}", exact=True).fill("Needs instructions from the capital")
    page.get_by_role("button", name=_("Record all outcomes")).click()
    page.wait_for_load_state()

    # Refused (nobody named): shown on the meeting page, focus on the summary, every choice kept.
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement && document.activeElement.id") == "error-summary"
    assert page.get_by_label(f"{_('Outcome')} — {citation}", exact=True).input_value() == "reservation"
    note = page.get_by_label(f"{_('Note')} — {citation}", exact=True)
    assert note.input_value() == "Needs instructions from the capital"
    chair.shot("m1-meeting-outcomes-refused")
    violations = axe_violations(page)
    assert violations == [], violations

    # The summary's link leads to the clause's select; the chair names the delegation and records all at once.
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement && document.activeElement.id") == f"outcome-{privileges}"
    page.get_by_label(f"{_('Reservation entered by')} — {citation}", exact=True).select_option(
        label=KAZAKHSTAN[language]
    )
    page.get_by_role("button", name=_("Record all outcomes")).click()
    page.wait_for_load_state()
    assert len(sent) == 2  # the refused one and the one that recorded the whole meeting
    flash = page.locator(".flash-success").inner_text()
    assert "31" in flash
    assert page.locator(f"#{privileges} .badge", has_text=KAZAKHSTAN[language]).count() == 1
    chair.shot("m2-meeting-outcomes-recorded")

    page.get_by_label(_("Result")).select_option("recommended")
    page.get_by_role("button", name=_("Conclude the meeting")).click()
    page.wait_for_load_state()
    assert page.locator("form.meeting-outcomes").count() == 0
    assert "/meetings/SWG" in page.url
