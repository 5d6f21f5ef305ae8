"""Forms are single-use: a form sent again after it succeeded (the back button, a late second click) is answered
with what it did and a link to it, never done twice and never a 500; a form refused (a validation error) keeps its
nonce, so the user corrects it and sends it again.

The nonce is spent only when the action's transaction commits (web.forms.install_single_use).
"""

from __future__ import annotations

import html
import re

import pytest

from mou_tracker.models import Amendment, AmendmentComment
from tests.conftest import wid_of
from tests.services.test_amendments import SETTLEMENT, as_user, count


@pytest.fixture
def unoct(app, demo):
    return as_user(app, demo, "unoct.negotiator")


NONCE = re.compile(r'name="form_nonce"[^>]*value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _form(browser, url: str) -> dict[str, str]:
    """What a browser sends back from the form on `url`: its CSRF token, its nonce and the heading it shows."""
    page = browser.get(url).get_data(as_text=True)
    data = {"csrf_token": CSRF.search(page)[1], "form_nonce": NONCE.search(page)[1]}
    if shown := re.search(r'name="heading_en" type="text" value="([^"]*)"', page):
        data["heading_en"] = html.unescape(shown[1])
    return data


def test_a_proposal_sent_again_from_the_back_button_is_answered_with_what_it_created(app, unoct):
    wid = wid_of(app, SETTLEMENT)
    url = f"/clauses/{wid}/amend"
    form = _form(unoct, url) | {"body_en": "Any difference will be settled by consultation.", "rationale": "Clarity."}
    first = unoct.client.post(url, data=form)
    assert first.status_code == 302
    created = first.headers["Location"]
    before = count(app, Amendment)

    # Back, then the same form again: with the same words, then with one word changed before sending.
    for body in (form["body_en"], "Any difference will be settled by consultations."):
        again = unoct.client.post(url, data=form | {"body_en": body})
        assert again.status_code == 409
        page = again.get_data(as_text=True)
        assert "This form was already sent" in page
        assert f'href="{created}"' in page
        assert count(app, Amendment) == before


def test_a_form_refused_for_an_error_can_be_corrected_and_sent(app, unoct):
    wid = wid_of(app, SETTLEMENT)
    url = f"/clauses/{wid}/amend"
    form = _form(unoct, url) | {"body_en": "Any difference will be settled by consultation."}
    before = count(app, Amendment)
    refused = unoct.client.post(url, data=form | {"rationale": ""})
    assert refused.status_code == 400
    # The form comes back with the same nonce: it was not spent, nothing was written.
    assert NONCE.search(refused.get_data(as_text=True))[1] == form["form_nonce"]
    assert count(app, Amendment) == before
    sent = unoct.client.post(url, data=form | {"rationale": "Clarity."})
    assert sent.status_code == 302
    assert count(app, Amendment) == before + 1


def test_every_action_form_is_single_use(app, unoct):
    """A button (table) and a text form (comment) sent twice: done once, the second answered with a link."""
    wid = wid_of(app, SETTLEMENT)
    url = f"/clauses/{wid}/amend"
    created = unoct.client.post(
        url, data=_form(unoct, url) | {"body_en": "Any difference will be settled amicably.", "rationale": "Clarity."}
    ).headers["Location"]
    page = unoct.get(created).get_data(as_text=True)
    table_form = re.search(r'<form method="post" action="([^"]*/table)".*?</form>', page, re.S)
    nonce = NONCE.search(table_form[0])[1]
    data = {"csrf_token": CSRF.search(page)[1], "form_nonce": nonce, "expected_revision": "1"}
    assert unoct.client.post(table_form[1], data=data).status_code == 302
    again = unoct.client.post(table_form[1], data=data)
    assert again.status_code == 409
    assert "This form was already sent" in again.get_data(as_text=True)

    page = unoct.get(created).get_data(as_text=True)
    comment_form = re.search(r'<form method="post" action="([^"]*/comments)".*?</form>', page, re.S)
    data = {"csrf_token": CSRF.search(page)[1], "form_nonce": NONCE.search(comment_form[0])[1], "body": "Noted."}
    comments = count(app, AmendmentComment)
    assert unoct.client.post(comment_form[1], data=data).status_code == 302
    assert unoct.client.post(comment_form[1], data=data).status_code == 409
    assert count(app, AmendmentComment) == comments + 1


def test_two_forms_with_the_same_words_still_meet_the_duplicate_rule(app, unoct):
    """Two renderings of the proposal form (two tabs) are two forms: the service's rule refuses the identical
    proposal of the same party to the same clause while the first is open, and names it."""
    wid = wid_of(app, SETTLEMENT)
    url = f"/clauses/{wid}/amend"
    words = {"body_en": "Any difference will be settled by consultation.", "rationale": "Clarity."}
    first = unoct.client.post(url, data=_form(unoct, url) | words)
    assert first.status_code == 302
    before = count(app, Amendment)
    second = unoct.client.post(url, data=_form(unoct, url) | words)
    assert second.status_code in (400, 409)
    citation = re.search(r"UNOCT[- ][\w ]*?\d+", second.get_data(as_text=True))
    assert citation, second.get_data(as_text=True)[:3000]
    assert count(app, Amendment) == before


def test_signing_in_is_not_single_use(app, demo):
    """Signing in again from a login page the back button brought back is what the user means."""
    from tests.conftest import Browser

    browser = Browser(app.test_client(), demo)
    page = browser.get("/login").get_data(as_text=True)
    assert not NONCE.search(page)
