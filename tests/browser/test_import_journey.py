"""An administrator opens a negotiation and imports its draft from Word, in headless Chromium, in English and in
Russian: the form, the upload, the preview with one correction, the confirmation; then who sees the new draft.

Every label the test clicks is looked up in the interface's own translation catalogue (as in test_journeys.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import axe_violations, labels

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
TITLE = "Memorandum of Understanding between the CICA Secretariat and the OSCE Secretariat"
SHORT_TITLE = "CICA – OSCE MoU"
MEETING = "SWG | Special Working Group | CICA Special Working Group | 2025-03-12"
#: A clause of tests/fixtures/import/generated_en.docx (its first numbered objective).
CLAUSE_TEXT = "Strengthening cooperation and capacity in the field of preventing and combating terrorism."


#: Text in its own background's colour: axe-core leaves it "to review" (it may be meant to be hidden), but on these
#: pages every such text is a control a person must see (the preview's correction buttons were white on white).
INVISIBLE_TEXT = """async () => {
  const result = await axe.run(document, {runOnly: ['color-contrast'], resultTypes: ['incomplete']});
  return result.incomplete.flatMap(rule => rule.nodes)
    .filter(node => node.any.some(check => check.data && check.data.contrastRatio === 1))
    .map(node => node.target.join(' '));
}"""


def assert_accessible(page, what: str):
    violations = axe_violations(page)
    assert violations == [], f"{what}: {violations}"
    invisible = page.evaluate(INVISIBLE_TEXT)
    assert invisible == [], f"{what}: text in the colour of its background: {invisible[:5]}"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_g_an_administrator_opens_a_negotiation_and_imports_its_draft(app, people, language):
    _ = labels(language)

    # g1. The administrator opens a new negotiation through the form.
    admin = people("cica.admin", language)
    page = admin.page
    # The brand in the header leads to the reader's negotiations (the header has no other link to them).
    page.get_by_role("link", name="MoU Tracker", exact=True).click()
    assert page.locator("h1").inner_text() == _("Negotiations")
    page.get_by_role("link", name=_("Open a negotiation")).click()
    assert page.url.endswith("/admin/negotiations/new")
    page.get_by_label(_("Title"), exact=True).fill(TITLE)
    page.get_by_label(_("Short title"), exact=True).fill(SHORT_TITLE)
    cica = page.get_by_role("checkbox", name=re.compile(r"^CICA – "))
    cica.check()  # ticked already for a CICA administrator; check() leaves it ticked
    assert cica.is_checked()
    page.get_by_label(_("New party: code")).fill("OSCE")
    page.get_by_label(_("New party: name")).fill("OSCE Secretariat")
    page.get_by_label(_("Authoritative language")).fill("en")
    page.get_by_label(_("Other languages")).fill("ru")
    page.get_by_label(_("Meetings"), exact=True).fill(MEETING)
    admin.shot("g1-open-a-negotiation")
    page.get_by_role("button", name=_("Open the negotiation")).click()
    page.wait_for_load_state()
    assert page.url.endswith("/negotiations"), page.url
    assert page.locator(".flash-success").count() == 1
    row = page.locator("tbody tr", has_text=SHORT_TITLE)
    assert row.count() == 1
    assert "OSCE" in row.inner_text()
    admin.shot("g2-negotiation-opened")

    # g2. On the list, "Import the draft" for it: the English Word draft and its Russian version.
    row.get_by_role("link", name=_("Import the draft")).click()
    page.wait_for_load_state()
    slug = re.search(r"/n/([^/]+)/import/", page.url).group(1)
    assert page.locator("h1").inner_text() == _("Import the draft")
    file_inputs = page.get_by_label(_("Word document (.docx) or text file"))
    assert file_inputs.count() == 2  # one per language fieldset: English (authoritative), Russian
    page.locator("fieldset").nth(0).get_by_label(_("Word document (.docx) or text file")).set_input_files(
        FIXTURES / "generated_en.docx"
    )
    page.locator("fieldset").nth(1).get_by_label(_("Word document (.docx) or text file")).set_input_files(
        FIXTURES / "russian.docx"
    )
    admin.shot("g3-upload")
    assert_accessible(page, "upload page")
    page.get_by_role("button", name=_("Read and preview")).click()
    page.wait_for_load_state()
    assert re.search(rf"/n/{re.escape(slug)}/import/\d+", page.url), page.url
    preview_url = page.url.split("#", 1)[0]
    assert page.locator("h1").inner_text() == _("Check the imported draft")
    assert "generated_en.docx" in page.locator("main").inner_text()
    assert "russian.docx" in page.locator("main").inner_text()
    assert page.locator("table.import-preview").get_by_text(CLAUSE_TEXT).count() >= 1
    admin.shot("g4-preview")
    assert_accessible(page, "preview page")

    # g3. Correct one clause: the last row becomes an item; the reloaded preview shows it.
    rows = page.locator("table.import-preview tbody tr")
    count = rows.count()
    assert count > 5
    last = rows.nth(count - 1)
    last.get_by_label(_("Kind of clause %(number)s") % {"number": count}).select_option(label=_("Item"))
    last.get_by_role("button", name=_("Change kind")).click()
    page.wait_for_load_state()
    assert page.url.split("#", 1)[0] == preview_url
    assert page.locator(".flash-error").count() == 0
    rows = page.locator("table.import-preview tbody tr")
    assert rows.count() == count
    last = rows.nth(count - 1)
    assert last.locator("td").nth(1).inner_text().strip().startswith(_("Item"))
    selected = last.get_by_label(_("Kind of clause %(number)s") % {"number": count})
    assert selected.evaluate("s => s.options[s.selectedIndex].text") == _("Item")
    admin.shot("g5-preview-corrected")

    # g4. Confirm: the new negotiation's draft page shows the clauses read from the document.
    page.get_by_role("button", name=_("Confirm and store the draft")).click()
    page.wait_for_load_state()
    # (the browser keeps the #c-N of the correction across the redirect: the address is the part before it)
    draft_url = page.url.split("#", 1)[0]
    assert re.search(rf"/n/{re.escape(slug)}/?$", draft_url), draft_url
    assert page.locator(".flash-success").count() == 1
    assert CLAUSE_TEXT in page.locator("main").inner_text()
    admin.shot("g6-imported-draft")

    # g5. A CICA negotiator finds the new negotiation in their list and reads its draft.
    negotiator = people("cica.negotiator", language)
    page = negotiator.page
    page.goto("/negotiations")
    page.get_by_role("link", name=SHORT_TITLE, exact=True).click()
    page.wait_for_load_state()
    assert re.search(rf"/n/{re.escape(slug)}/?$", page.url), page.url
    assert CLAUSE_TEXT in page.locator("main").inner_text()
    negotiator.shot("g7-negotiator-reads-the-draft")

    # g6. UNOCT is no party to it: its negotiator neither sees it listed nor opens it.
    outsider = people("unoct.negotiator", language)
    page = outsider.page
    page.goto("/negotiations")
    assert SHORT_TITLE not in page.locator("main").inner_text()
    response = page.goto(draft_url)
    assert response.status == 404
    body = page.locator("main").inner_text()
    assert CLAUSE_TEXT not in body and SHORT_TITLE not in body
    outsider.shot("g8-outsider-refused")
