"""A UNOCT negotiator brings the legal office's marked-up Word document back into the negotiation, in headless
Chromium: the draft downloaded as DOCX, edited with tracked changes and a comment, uploaded from the amendments
page; the preview read, one proposed amendment unticked, the rest confirmed; one of the new drafts tabled."""

from __future__ import annotations

import re

from tests.browser.conftest import axe_violations, labels
from tests.conftest import DEMO_HOME, wid_of
from tests.services.test_amendments import AMENDMENT_CLAUSE, SETTLEMENT
from tests.services.test_roundtrip import EXPORT, tracked, unoct_drafts


def test_r_a_negotiator_turns_a_marked_up_word_document_into_draft_amendments(app, people, tmp_path):
    _ = labels("en")
    unoct = people("unoct.negotiator")
    page = unoct.page

    # r1. The draft as Word, as the negotiator sent it to the legal office, comes back marked up.
    exported = page.request.get(EXPORT)
    assert exported.ok
    amendment_wid, settlement_wid = wid_of(app, AMENDMENT_CLAUSE), wid_of(app, SETTLEMENT)
    marked_up = tmp_path / "draft-with-OLA-comments.docx"
    marked_up.write_bytes(
        tracked(
            exported.body(),
            [
                (amendment_wid, "en", "at any time", "by mutual written consent"),
                (settlement_wid, "en", "difference", "dispute"),
            ],
            [(amendment_wid, "en", "Written consent only.")],
        )
    )

    # r2. From the amendments page, the upload form.
    page.goto(f"{DEMO_HOME}amendments")
    page.get_by_role("link", name=_("Upload a marked-up Word document")).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == _("Upload a marked-up Word document")
    assert axe_violations(page) == []
    page.get_by_label(_("Word document (.docx)")).set_input_files(str(marked_up))
    unoct.shot("r1-upload")
    page.get_by_role("button", name=_("Read and preview")).click()
    page.wait_for_load_state()

    # r3. The preview: two amendments, each a redline with its source, ticked; the comment with its amendment.
    assert re.search(r"/word-changes/\d+$", page.url), page.url
    assert page.locator("h1").inner_text() == _("Check the amendments read from the document")
    boxes = page.get_by_role("checkbox")
    assert boxes.count() == 2 and all(boxes.nth(i).is_checked() for i in range(2))
    assert page.locator(".roundtrip-item del.rl-del").count() >= 2
    assert "Written consent only." in page.locator(".roundtrip-item", has_text="by mutual written consent").inner_text()
    assert axe_violations(page) == []
    unoct.shot("r2-preview")

    # r4. The change to the settlement clause is not wanted: unticked; the rest confirmed.
    page.locator(".roundtrip-item", has_text="dispute").get_by_role("checkbox").uncheck()
    page.get_by_role("button", name=_("Create the chosen amendments")).click()
    page.wait_for_load_state()
    assert "/amendments" in page.url and "state=draft" in page.url
    assert "1 draft amendments of UNOCT created" in page.locator(".flash-success").inner_text()
    unoct.shot("r3-created")
    (made,) = unoct_drafts(app)
    assert made["wid"] == amendment_wid and made["party"] == "UNOCT"

    # r5. Ready to table as usual.
    page.goto(f"{DEMO_HOME}amendments/{made['id']}")
    assert "Written consent only." in page.content()
    page.get_by_role("button", name=_("Table to the other party")).click()
    page.wait_for_load_state()
    assert _("Tabled") in page.locator("h1 .badge").first.inner_text()
    unoct.shot("r4-tabled")
