"""The demo mid-way (`flask --app app demo`): the negotiation on the eve of the SOC, as each role finds it."""

from __future__ import annotations

import re

import pytest

from mou_tracker import demo_text
from mou_tracker.extensions import db
from mou_tracker.models import Amendment, User
from mou_tracker.services import demo as demo_service
from tests.conftest import Browser


@pytest.fixture
def midway(app) -> dict[str, str]:
    """The demo loaded on an empty database and taken mid-way; returns {login: password}."""
    with app.app_context():
        passwords = demo_service.load_demo(db.session)
        demo_service.load_midway(db.session)
        db.session.commit()
    return passwords


@pytest.fixture
def people(app, midway) -> dict[str, Browser]:
    signed_in = {}
    for login in midway:
        signed_in[login] = Browser(app.test_client(), midway)
        signed_in[login].sign_in(login)
    return signed_in


def citation_of(app, body_start: str, party: str) -> str:
    """The citation (CICA-1, ...) of `party`'s amendment whose English text starts as given."""
    with app.app_context():
        for amendment in db.session.scalars(db.select(Amendment).order_by(Amendment.id)):
            if amendment.party.code == party and amendment.latest.text("en").body.startswith(body_start):
                return amendment.citation
    raise AssertionError(body_start)


def citations_listed(browser: Browser, state: str) -> set[str]:
    page = browser.get(f"/amendments?state={state}").get_data(as_text=True)
    return set(re.findall(r"\b(?:CICA|UNOCT)-\d+\b", page))


def test_every_state_is_in_the_amendments_list_and_a_party_sees_only_its_own_drafts(app, people):
    cica, unoct = people["cica.negotiator"], people["unoct.negotiator"]
    adopted = {citation_of(app, demo_text.CONSULTATIONS_UNOCT[0], "UNOCT")}
    adopted.add(citation_of(app, demo_text.SETTLEMENT_CICA[0], "CICA"))
    expected = {
        "adopted": adopted,
        "superseded": {citation_of(app, demo_text.SETTLEMENT_UNOCT[0], "UNOCT")},
        "rejected": {citation_of(app, demo_text.ASSISTANCE_CICA[0], "CICA")},
        "withdrawn": {citation_of(app, demo_text.AMENDMENT_CICA[0], "CICA")},
        "outdated": {citation_of(app, demo_text.CONSULTATIONS_CICA[0], "CICA")},
    }
    for state, wanted in expected.items():
        for browser in (cica, unoct):
            assert citations_listed(browser, state) == wanted, state
    tabled = citations_listed(cica, "tabled")
    assert len(tabled) == 5 and tabled == citations_listed(unoct, "tabled")
    # Each party has a draft, shown to it alone (a draft has no citation yet: it is listed by its clause).
    cica_drafts = cica.get("/amendments?state=draft").get_data(as_text=True)
    unoct_drafts = unoct.get("/amendments?state=draft").get_data(as_text=True)
    assert cica_drafts.count("Draft · internal") == 1 and unoct_drafts.count("Draft · internal") == 1
    with app.app_context():
        drafts = {a.party.code: a.id for a in db.session.scalars(db.select(Amendment).filter_by(state="draft"))}
    assert f'/amendments/{drafts["CICA"]}"' in cica_drafts and f'/amendments/{drafts["UNOCT"]}"' in unoct_drafts
    assert cica.get(f"/amendments/{drafts['UNOCT']}").status_code == 404
    assert unoct.get(f"/amendments/{drafts['CICA']}").status_code == 404
    assert "Use of name and emblem" not in cica.get("/amendments").get_data(as_text=True)


def test_comments_reviews_and_reasons_read_as_written(app, people):
    cica, unoct = people["cica.negotiator"], people["unoct.negotiator"]
    with app.app_context():
        ids = {a.latest.text("en").body[:30]: a.id for a in db.session.scalars(db.select(Amendment)) if a.latest.texts}
    rejected = unoct.get(f"/amendments/{ids[demo_text.ASSISTANCE_CICA[0][:30]]}").get_data(as_text=True)
    assert "voluntary contributions" in rejected
    withdrawn = cica.get(f"/amendments/{ids[demo_text.AMENDMENT_CICA[0][:30]]}").get_data(as_text=True)
    assert "naming it would exclude an amendment signed as a single" in withdrawn
    # CICA's internal note on UNOCT's proposal stays inside CICA.
    information = f"/amendments/{ids[demo_text.INFORMATION_UNOCT[0][:30]]}"
    assert "Member States&#39; experts" in cica.get(information).get_data(as_text=True)
    assert "experts" not in unoct.get(information).get_data(as_text=True)
    # The legal review that asked for changes is read by the proposing party, which has it to do.
    termination = unoct.get(f"/amendments/{ids[demo_text.TERMINATION_UNOCT[0][:30]]}").get_data(as_text=True)
    assert "Changes requested" in termination and "receives the" in termination


def test_the_swg_is_concluded_with_a_reservation_by_a_delegation_and_the_soc_is_ahead(app, people):
    chair = people["cica.chair"]
    swg = chair.get("/meetings/SWG").get_data(as_text=True)
    assert "Concluded" in swg and "Recommended to the next meeting" in swg
    assert "Republic of Kazakhstan" in swg and "Deferred" in swg
    dashboard = chair.get("/dashboard").get_data(as_text=True)
    assert "Readiness for the Senior Officials Committee" in dashboard
    blocking = re.search(r"<strong>(\d+)</strong> block the meeting", dashboard)
    assert blocking and int(blocking.group(1)) >= 6
    assert "Reservation by Republic of Kazakhstan" in dashboard
    for party, wording in (("CICA", demo_text.FOCAL_POINTS_CICA), ("UNOCT", demo_text.INFORMATION_UNOCT)):
        assert f">{citation_of(app, wording[0], party)}</a>:" in dashboard
    assert "Nothing blocks the meeting." not in dashboard


def test_every_roles_first_screen_has_something_to_do(app, people):
    def my_work(login: str) -> str:
        page = people[login].get("/my-work").get_data(as_text=True)
        assert "Nothing awaits you." not in page, login
        return page

    cica = my_work("cica.negotiator")
    assert "awaiting your party's answer (2)" in cica
    assert "that need work (1)" in cica and "CICA to rebase onto the current text" in cica
    assert "not yet tabled (1)" in cica
    unoct = my_work("unoct.negotiator")
    assert "awaiting your party's answer (1)" in unoct
    assert "UNOCT to revise (legal review asked for changes)" in unoct
    assert "not yet tabled (1)" in unoct
    for login in ("cica.legal", "unoct.legal"):
        page = my_work(login)
        queue = re.search(r"Awaiting your legal review \((\d+)\)", page)
        assert queue and int(queue.group(1)) == 3, login
        assert "Waiting for their proposers to rebase (1)" in page
    chair = my_work("cica.chair")
    assert "Next meeting:" in chair and "Senior Officials Committee" in chair
    assert "Blocking items:" in chair and "reservation by Republic of Kazakhstan" in chair


def test_the_command_line_loads_the_demo_mid_way_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "loaded mid-way" in first.output and "superseded" in first.output
    assert len(re.findall(r"^\s+(\S+)\s+(\S+)$", first.output, flags=re.MULTILINE)) == len(demo_text.USERS)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Amendment)) == 12
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == len(demo_text.USERS)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "already loaded" in second.output and "mid-way" not in second.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Amendment)) == 12
