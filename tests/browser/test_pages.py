"""Every main page in Chromium: no serious or critical accessibility violation (axe-core), usable at phone
width, keyboard-reachable, and printable as a clean document."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations
from tests.conftest import wid_of

MAIN_PAGES = {
    "draft": "/",
    "draft side by side": "/?lang=both",
    "clause": "/clauses/{wid}",
    "amendments": "/amendments",
    "meetings": "/meetings",
    "meeting": "/meetings/SWG",
    "meeting pack": "/meetings/SWG/pack",
    "meeting pack article": "/meetings/SWG/pack?article=2",
    "status report": "/dashboard",
    "whole-draft redline": "/redline",
    "my work": "/my-work",
    "audit trail": "/audit",
    "API tokens": "/account/tokens",
}


@pytest.fixture
def page_urls(app):
    wid = wid_of(app, "Promoting the comprehensive and balanced implementation of the UNGCTS")
    return {name: url.format(wid=wid) for name, url in MAIN_PAGES.items()}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_main_page_passes_axe(people, page_urls, language):
    chair = people("cica.chair", language)
    failures = {}
    for name, url in page_urls.items():
        response = chair.page.goto(url)
        assert response.status == 200, (name, response.status)
        assert chair.page.locator("html").get_attribute("lang") == language
        if violations := axe_violations(chair.page):
            failures[name] = violations
    assert failures == {}


def test_sign_in_page_passes_axe_and_offers_both_languages(chromium, live_server):
    base_url, _ = live_server
    context = chromium.new_context(base_url=base_url, bypass_csp=True)
    page = context.new_page()
    page.goto("/login")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Русский").click()
    assert page.locator("h1").inner_text() == "Войти"
    assert page.get_by_role("button", name="Русский").get_attribute("aria-pressed") == "true"
    context.close()


def test_phone_width_has_no_sideways_scrolling(people, page_urls):
    negotiator = people("cica.negotiator")
    negotiator.page.set_viewport_size({"width": 390, "height": 844})
    too_wide = {}
    for name in ("draft", "clause", "amendments", "status report", "my work", "meeting"):
        negotiator.page.goto(page_urls[name])
        width = negotiator.page.evaluate("() => document.documentElement.scrollWidth")
        if width > 390:
            too_wide[name] = width
    negotiator.shot("phone-clause")
    assert too_wide == {}


def test_the_proposal_form_works_from_the_keyboard(app, people):
    wid = wid_of(app, "Promoting the comprehensive and balanced implementation of the UNGCTS")
    negotiator = people("unoct.negotiator")
    page = negotiator.page
    page.goto(f"/clauses/{wid}/amend")
    page.get_by_label("Text – English").focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(" (keyboard)")
    page.keyboard.press("Tab")  # the Russian text
    page.keyboard.press("Tab")  # the rationale
    page.keyboard.type("Typed from the keyboard only.")
    page.keyboard.press("Tab")  # the submit button follows the rationale
    focused = page.evaluate("() => document.activeElement.value || document.activeElement.textContent")
    assert focused.strip() == "Save as draft"
    page.keyboard.press("Enter")
    page.wait_for_url("**/amendments/*")
    assert "Typed from the keyboard only." in page.locator(".rationale").inner_text()


def test_print_stylesheet_leaves_only_the_document(people):
    chair = people("cica.chair")
    page = chair.page
    page.goto("/dashboard")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".page-actions").first.is_hidden()
    assert page.locator("#overall-heading").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF-")
