"""Forms for keyboard and screen-reader users: one HTML id per element on a page, and after a refused submission an
error summary at the top of the page that is announced, takes the focus and links to each field in error."""

from __future__ import annotations

from collections import Counter

import pytest
from lxml import html as lxml_html

from tests.conftest import DEMO_HOME, wid_of
from tests.services.test_agreement import tabled
from tests.services.test_amendments import AMENDMENT_CLAUSE, SETTLEMENT, act, amendment_id, as_user, propose


def repeated_ids(page: str) -> dict[str, int]:
    ids = Counter(element.get("id") for element in lxml_html.fromstring(page).iter() if element.get("id"))
    return {element_id: n for element_id, n in ids.items() if n > 1}


def test_pages_with_many_forms_repeat_no_html_id(app, people):
    amendment = tabled(people, app)
    counter = propose(people["cica.negotiator"], wid_of(app, AMENDMENT_CLAUSE), "This Memorandum may be amended.")
    assert counter.status_code == 302
    assert people["cica.chair"].post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG").status_code == 302
    pages = {
        "clause page": people["unoct.negotiator"].get(f"/clauses/{wid_of(app, AMENDMENT_CLAUSE)}"),
        "amendment page, other party": people["cica.negotiator"].get(f"/amendments/{amendment}"),
        "amendment page, legal reviewer": people["cica.legal"].get(f"/amendments/{amendment}"),
        "amendment page, proposer": people["unoct.negotiator"].get(f"/amendments/{amendment}"),
        "meeting page": people["cica.chair"].get("/meetings/SWG"),
        "draft": people["cica.chair"].get(DEMO_HOME),
    }
    for name, response in pages.items():
        page = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert page.count('name="csrf_token"') >= 2, name  # several forms: the case that used to repeat ids
        assert repeated_ids(page) == {}, name
    amendment_page = pages["amendment page, other party"].get_data(as_text=True)
    assert 'id="csrf_token"' not in amendment_page and 'id="expected_revision"' not in amendment_page


def _summary(page: str):
    summaries = lxml_html.fromstring(page).xpath("//main//*[@id='error-summary']")
    assert len(summaries) == 1, "one error summary"
    return summaries[0]


def test_a_refused_proposal_opens_with_an_error_summary_linking_to_each_field(app, demo):
    unoct = as_user(app, demo, "unoct.negotiator")
    response = propose(unoct, wid_of(app, AMENDMENT_CLAUSE), "This Memorandum may be amended.", rationale="")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = _summary(page)
    # First thing in the main region, announced, focusable by script and focused on load.
    main = lxml_html.fromstring(page).xpath("//main")[0]
    assert main[0].get("id") == "error-summary"
    assert summary.get("role") == "alert" and summary.get("tabindex") == "-1" and summary.get("autofocus") is not None
    links = summary.xpath(".//a")
    assert [(a.get("href"), a.text_content()) for a in links] == [
        ("#rationale", "Rationale: Say why the change is proposed.")
    ]
    field = lxml_html.fromstring(page).get_element_by_id("rationale")
    assert field.get("aria-invalid") == "true"
    described = field.get("aria-describedby").split()
    assert "rationale-hint" in described and "rationale-error-1" in described
    message = lxml_html.fromstring(page).get_element_by_id("rationale-error-1")
    assert message.text_content() == "Say why the change is proposed."
    assert repeated_ids(page) == {}


def test_a_message_about_the_whole_form_is_listed_in_the_summary_without_a_link(app, demo):
    unoct = as_user(app, demo, "unoct.negotiator")
    wid = wid_of(app, AMENDMENT_CLAUSE)
    unchanged = unoct.get(f"/clauses/{wid}").get_data(as_text=True)
    assert "error-summary" not in unchanged  # nothing to report on a page that was not submitted
    response = propose(unoct, wid, "")  # no text at all: refused by the service, as a message about the form
    assert response.status_code == 400
    summary = _summary(response.get_data(as_text=True))
    items = summary.xpath(".//li")
    assert items and all(not item.xpath(".//a") for item in items)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_summary_is_in_the_interface_language(app, demo, language):
    unoct = as_user(app, demo, "unoct.negotiator")
    unoct.post("/language", {"language": language, "next": "/"}, token_from="/")
    response = propose(unoct, wid_of(app, AMENDMENT_CLAUSE), "This Memorandum may be amended.", rationale="")
    heading = _summary(response.get_data(as_text=True)).xpath(".//h2")[0].text_content()
    assert (
        heading
        == {
            "en": "The form was not saved: correct what is marked",
            "ru": "Форма не сохранена: исправьте отмеченное",
        }[language]
    )


@pytest.mark.parametrize(
    ("login", "action", "data", "message"),
    [
        ("cica.negotiator", "comments", {"body": ""}, "Write the comment first."),
        ("cica.negotiator", "reject", {"reason": "", "expected_revision": "1"}, "Say why."),
        ("cica.legal", "review", {"decision": "", "comment": "Kept words", "expected_revision": "1"}, None),
    ],
    ids=["empty comment", "reject without a reason", "review without a decision"],
)
def test_a_form_left_empty_is_refused_on_the_amendment_page_with_the_text_kept(app, demo, login, action, data, message):
    """Not a bare error page: the amendment page again, the error summary at its top, what was typed kept."""
    unoct = as_user(app, demo, "unoct.negotiator")
    tabled = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any difference will be settled amicably."))
    assert act(unoct, tabled, "table").status_code == 302
    reader = as_user(app, demo, login)
    response = reader.post(f"/amendments/{tabled}/{action}", data, token_from=f"/amendments/{tabled}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page
    assert "UNOCT-1" in page and f"/amendments/{tabled}/comments" in page  # the amendment page itself
    if message:
        assert message in page
    if data.get("comment"):
        assert data["comment"] in page
