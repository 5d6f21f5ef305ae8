"""The journeys of issue #7, in headless Chromium, in English and in Russian.

Every label the test clicks is looked up in the interface's own translation catalogue, so the Russian run proves
that a Russian-speaking user finds each step under its Russian name.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, context_labels, labels
from tests.conftest import wid_of

CLAUSE_START = "Promoting the comprehensive and balanced implementation of the UNGCTS"
OLD_WORDS = "comprehensive and balanced implementation"
NEW_WORDS = "comprehensive, balanced and gender-responsive implementation"


def assert_accessible(page, what: str):
    violations = axe_violations(page)
    assert violations == [], f"{what}: {violations}"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_to_d_a_change_from_proposal_to_the_new_text(app, people, language):
    _ = labels(language)
    wid = wid_of(app, CLAUSE_START)

    # a. A UNOCT negotiator proposes a change to the clause and tables it.
    unoct = people("unoct.negotiator", language)
    page = unoct.page
    assert page.locator("html").get_attribute("lang") == language
    page.goto(f"/clauses/{wid}")
    page.get_by_role("link", name=_("Propose a change")).click()
    english = page.get_by_label(_("Text – %(language)s") % {"language": _("English")})
    assert OLD_WORDS in english.input_value()  # the form starts from the current words
    english.fill(english.input_value().replace(OLD_WORDS, NEW_WORDS))
    page.get_by_label(_("Rationale")).fill("Aligns the wording with the UNGCTS eighth review resolution.")
    unoct.shot("a1-proposal-form")
    page.get_by_role("button", name=_("Save as draft")).click()
    amendment_url = page.url
    assert re.search(r"/amendments/\d+$", amendment_url)
    draft_badge = page.locator("h1 .badge").first
    assert _("Draft") in draft_badge.inner_text()
    page.get_by_role("button", name=_("Table to the other party")).click()
    # Tabling cannot be undone, so the app asks first, in the user's language.
    # Until it is tabled it has no citation number (the other party could count drafts from the gaps).
    draft_citation = _("%(party)s draft %(id)s") % {"party": "UNOCT", "id": amendment_url.rsplit("/", 1)[1]}
    assert unoct.dialogs == [_("Table %(citation)s? The other party will see it.") % {"citation": draft_citation}]
    assert _("Tabled") in page.locator("h1 .badge").first.inner_text()
    assert "UNOCT-1" in page.locator("h1").first.inner_text()
    unoct.shot("a2-tabled")

    # b. A CICA negotiator reads the redline (struck and underlined, labelled UNOCT) and concurs.
    cica = people("cica.negotiator", language)
    page = cica.page
    page.goto(amendment_url)
    redline = page.locator(".redline").first
    assert redline.locator("ins.rl-ins").first.inner_text().strip() != ""
    inserted = " ".join(redline.locator("ins.rl-ins").all_inner_texts())
    assert "gender-responsive" in inserted
    assert "UNOCT" in redline.locator("sup.rl-party").first.inner_text()
    # Readable without colour: deletions are struck through, insertions underlined.
    assert "line-through" in redline.locator("del.rl-del").first.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "underline" in redline.locator("ins.rl-ins").first.evaluate("e => getComputedStyle(e).textDecorationLine")
    cica.shot("b1-redline")
    assert_accessible(page, "amendment page")
    page.get_by_role("button", name=_("Concur for %(party)s") % {"party": "CICA"}).click()
    expect(page.locator(".flash-success")).to_have_count(1)

    # c. A legal reviewer clears it: the amendment is adopted.
    reviewer = people("unoct.legal", language)
    page = reviewer.page
    page.goto(amendment_url)
    page.get_by_label(_("Decision")).select_option("cleared")
    reviewer.shot("c1-review")
    page.get_by_role("button", name=_("Record the review")).click()
    assert _("Adopted") in page.locator("h1 .badge").first.inner_text()
    reviewer.shot("c2-adopted")

    # d. The clause shows the new text and its history; the Russian text is flagged out of date.
    page.goto(f"/clauses/{wid}?lang=en")
    current = page.locator(".current-text").inner_text()
    assert NEW_WORDS in current and OLD_WORDS not in current
    assert page.get_by_text(_("Version %(seq)s") % {"seq": 2}, exact=True).count() == 1
    assert page.get_by_text(_("Version %(seq)s") % {"seq": 1}, exact=True).count() == 1
    flag = _("%(language)s translation out of date") % {"language": "RU"}
    assert page.locator(".translation-outdated", has_text=flag).count() >= 1
    reviewer.shot("d1-clause-history")
    assert_accessible(page, "clause page")
    page.goto("/")
    assert page.locator(f"#{wid} .translation-outdated").count() == 1
    reviewer.shot("d2-draft-with-flag")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_e_a_chair_runs_the_swg(app, people, language):
    _ = labels(language)
    chair = people("cica.chair", language)
    page = chair.page
    page.get_by_role("link", name=_("Meetings")).click()
    page.locator("table a[href$='/meetings/SWG']").first.click()
    chair.shot("e1-meeting-planned")
    page.get_by_role("button", name=_("Freeze the draft for this meeting")).click()
    swg = {"en": "Special Working Group", "ru": "Специальная рабочая группа"}[language]  # the name in the language
    assert len(chair.dialogs) == 1 and swg in chair.dialogs[0]
    assert page.locator("h1 .badge").inner_text() != _("Planned")

    # One form for the whole meeting (#19): every clause prefilled, one exception, recorded at once.
    form = page.locator("form.meeting-outcomes")
    outcomes = form.locator("select[name^=outcome-]")
    assert outcomes.count() > 20  # every clause of the frozen draft can take an outcome
    outcomes.nth(3).select_option("reservation")
    form.locator("select[name^=reserved_by-]").nth(3).select_option(label="UNOCT")
    page.get_by_role("button", name=_("Record all outcomes")).click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1
    chair.shot("e2-outcomes-recorded")
    assert_accessible(page, "meeting page")

    page.get_by_label(_("Result")).select_option("recommended")
    page.get_by_role("button", name=_("Conclude the meeting")).click()
    assert context_labels(language)("meeting state", "Concluded") in page.locator("h1 .badge").inner_text()

    page.get_by_role("link", name=_("Status"), exact=True).click()
    figures = page.locator(".big-figures").inner_text()
    assert "1" in figures
    # The SWG is concluded, so the dashboard now measures readiness for the SOC.
    # The meeting's name as the negotiation gives it in the reader's language.
    soc = {"en": "Senior Officials Committee", "ru": "Комитет старших должностных лиц"}[language]
    assert soc in page.locator("#next-heading").inner_text()
    chair.shot("e3-dashboard")
    assert_accessible(page, "dashboard")

    page.goto("/meetings")
    page.locator("table a[href$='/meetings/SWG']").first.click()
    page.get_by_role("link", name=_("Meeting pack"), exact=True).click()
    assert page.locator(".cover h1").inner_text() == swg
    chair.shot("e4-meeting-pack")
    assert_accessible(page, "meeting pack")
    # The pack is read an article at a time: the contents link each part, and each part the next one.
    page.locator("table.pack-contents a").nth(1).click()
    # (a click waits for the next page to start, not for it to be read: the assertions wait for what they look for)
    expect(page.locator("table.compilation")).to_be_visible()
    expect(page.locator("#part-3")).to_be_visible()
    page.wait_for_load_state()
    chair.shot("e4-meeting-pack-article")
    assert_accessible(page, "meeting pack article")
    page.locator("nav.pack-nav a[rel=next]").first.click()
    page.wait_for_load_state()
    expect(page.locator("table.compilation")).to_be_visible()
    page.locator("nav.pack-nav").first.get_by_role("link", name=_("Contents"), exact=True).click()
    assert page.locator(".cover h1").inner_text() == swg
    with page.expect_download() as download_info:
        page.get_by_role("link", name=_("Download PDF")).click()
    download = download_info.value
    path = download.path()
    assert download.suggested_filename.endswith(".pdf")
    with open(path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_f_the_other_partys_internal_draft_is_refused(app, people, language):
    _ = labels(language)
    wid = wid_of(app, CLAUSE_START)
    unoct = people("unoct.negotiator", language)
    page = unoct.page
    page.goto(f"/clauses/{wid}")
    page.get_by_role("link", name=_("Propose a change")).click()
    page.get_by_label(_("Rationale")).fill("Internal UNOCT position: not for CICA yet.")
    english = page.get_by_label(_("Text – %(language)s") % {"language": _("English")})
    english.fill("UNOCT internal wording that CICA must not read.")
    page.get_by_role("button", name=_("Save as draft")).click()
    draft_url = page.url

    cica = people("cica.negotiator", language)
    response = cica.page.goto(draft_url)
    assert response.status == 404
    body = cica.page.locator("main").inner_text()
    assert "UNOCT internal wording" not in body and "Internal UNOCT position" not in body
    cica.shot("f1-other-partys-draft-refused")
    # Nor does the draft show up anywhere the CICA negotiator can browse.
    cica.page.goto("/amendments")
    assert "UNOCT internal wording" not in cica.page.content()
    cica.page.goto(f"/clauses/{wid}")
    assert "UNOCT internal wording" not in cica.page.content()
