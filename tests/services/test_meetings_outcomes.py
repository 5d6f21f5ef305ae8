"""A chair records a whole meeting in one submission; Member States' delegations at the SWG and the SOC; meeting
pages in the reader's language (#19, practice 3 and 4)."""

from __future__ import annotations

import re

from lxml import html as lxml_html

from mou_tracker.core.milestones import Outcome, proposed_outcome
from mou_tracker.extensions import db
from mou_tracker.models import Amendment, AuditEvent, Delegation, Milestone, MilestoneOutcome, MilestoneSnapshot
from tests.conftest import wid_of
from tests.services.test_agreement import tabled
from tests.services.test_amendments import SETTLEMENT

KAZAKHSTAN = "Republic of Kazakhstan"
PRIVILEGES = "Nothing in or relating"


def meeting_form(browser, code: str = "SWG") -> tuple[dict[str, str], str]:
    """The whole-meeting form as the chair's browser would send it untouched: {field: value}, and the page."""
    page = browser.get(f"/meetings/{code}").get_data(as_text=True)
    forms = lxml_html.fromstring(page).xpath('//form[contains(@class, "meeting-outcomes")]')
    assert len(forms) == 1, "one form for the whole meeting"
    return {name: value or "" for name, value in forms[0].form_values()}, page


def send(browser, values: dict[str, str], code: str = "SWG"):
    return browser.client.post(f"/meetings/{code}/outcomes", data=values)


def recorded(app, code: str = "SWG") -> dict[str, MilestoneOutcome]:
    from mou_tracker.models import Clause

    with app.app_context():
        rows = db.session.execute(
            db.select(Clause.wid, MilestoneOutcome)
            .join(MilestoneOutcome, MilestoneOutcome.clause_id == Clause.id)
            .join(Milestone, Milestone.id == MilestoneOutcome.milestone_id)
            .where(Milestone.code == code)
        ).all()
        db.session.expunge_all()
        return {wid: row for wid, row in rows}


def frozen_count(app, code: str = "SWG") -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count())
            .select_from(MilestoneSnapshot)
            .join(Milestone, Milestone.id == MilestoneSnapshot.milestone_id)
            .where(Milestone.code == code)
        )


def outcome_events(app) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.kind == "milestone.outcome_recorded")
        )


def delegation_key(app, name: str = KAZAKHSTAN) -> str:
    with app.app_context():
        return f"delegation-{db.session.scalar(db.select(Delegation.id).filter_by(name=name))}"


def selected(page: str, name: str) -> str:
    select = lxml_html.fromstring(page).xpath(f'//select[@name="{name}"]')[0]
    return select.value or ""


def test_proposed_outcome_rule():
    assert proposed_outcome(None, bracketed=False) is Outcome.endorsed
    assert proposed_outcome(None, bracketed=True) is Outcome.deferred
    assert proposed_outcome(Outcome.reservation, bracketed=False) is Outcome.reservation  # what is recorded stays


def test_the_chair_records_the_whole_meeting_in_one_submission(app, people):
    """Every clause prefilled (endorsed, deferred where bracketed); the chair changes one exception and sends once:
    every clause gets its outcome, one audit event each."""
    settlement = wid_of(app, SETTLEMENT)
    tabled(people, app, settlement, "Any dispute will be settled amicably.")  # an open amendment: bracketed
    chair = people["cica.chair"]
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    values, page = meeting_form(chair)
    clauses = frozen_count(app)
    assert len([k for k in values if k.startswith("outcome-")]) == clauses == 31
    assert values[f"outcome-{settlement}"] == "deferred"
    # "Done at [place], on [date]" holds placeholders in brackets: deferred too (#17).
    assert values[f"outcome-{wid_of(app, 'Done at [place]')}"] == "deferred"
    assert sum(1 for k, v in values.items() if k.startswith("outcome-") and v == "endorsed") == clauses - 2
    # Every select has a label naming its clause (keyboard and screen-reader users know which clause it is).
    assert re.search(rf'<label class="visually-hidden" for="outcome-{settlement}">Outcome — Article \d+', page)

    privileges = wid_of(app, PRIVILEGES)
    values[f"outcome-{privileges}"] = "reservation"
    values[f"reserved_by-{privileges}"] = delegation_key(app)
    before = outcome_events(app)
    response = send(chair, values)
    assert response.status_code == 302 and response.headers["Location"].endswith("/meetings/SWG#outcomes-heading")
    outcomes = recorded(app)
    assert len(outcomes) == clauses
    assert outcomes[settlement].outcome is Outcome.deferred
    assert outcomes[privileges].outcome is Outcome.reservation and outcomes[privileges].reserved_by == KAZAKHSTAN
    assert outcome_events(app) - before == clauses
    page = chair.get("/meetings/SWG").get_data(as_text=True)
    assert "Outcomes recorded for 31 clauses." in page
    assert f"Reservation — {KAZAKHSTAN}" in page

    # Sent again unchanged: nothing to record, no new events; the meeting can then be concluded.
    values, _ = meeting_form(chair)
    assert values[f"outcome-{privileges}"] == "reservation"
    assert send(chair, values).status_code == 302
    assert outcome_events(app) - before == clauses
    concluded = chair.post("/meetings/SWG/conclude", {"result": "recommended"}, token_from="/meetings/SWG")
    assert concluded.status_code == 302


def test_a_refused_form_records_nothing_and_keeps_every_choice(app, people):
    chair = people["cica.chair"]
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    values, _ = meeting_form(chair)
    privileges, settlement = wid_of(app, PRIVILEGES), wid_of(app, SETTLEMENT)
    values[f"outcome-{settlement}"] = "endorsed_with_changes"
    values[f"note-{settlement}"] = "Editorial changes agreed"
    values[f"outcome-{privileges}"] = "reservation"  # but nobody named
    response = send(chair, values)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert recorded(app) == {} and outcome_events(app) == 0  # one transaction: all or nothing
    # The refusal is on the meeting page, at the top, taking the focus, linking to the clause in error.
    assert 'id="error-summary"' in page and f'href="#outcome-{privileges}"' in page
    assert "Who entered the reservation? Choose the party or the delegation." in page
    assert f'aria-describedby="outcome-error-{privileges}"' in page
    # Every choice kept as the chair sent it.
    assert selected(page, f"outcome-{settlement}") == "endorsed_with_changes"
    assert selected(page, f"outcome-{privileges}") == "reservation"
    assert 'value="Editorial changes agreed"' in page


def test_free_text_that_names_no_delegation_is_refused(app, people):
    chair = people["cica.chair"]
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    values, _ = meeting_form(chair)
    privileges = wid_of(app, PRIVILEGES)
    values[f"outcome-{privileges}"] = "reservation"
    values[f"reserved_by-{privileges}"] = "Atlantis"
    response = send(chair, values)
    assert response.status_code == 400 and recorded(app) == {}
    assert "Choose a party or a delegation of the negotiation" in response.get_data(as_text=True)
    # The single-clause form and the API name who by name: a delegation's name, or a party's code, is accepted.
    ok = chair.post(
        f"/meetings/SWG/outcomes/{privileges}",
        {"outcome": "reservation", "reserved_by": "republic of kazakhstan"},
        token_from="/meetings/SWG",
    )
    assert ok.status_code == 302
    row = recorded(app)[privileges]
    assert row.reserved_by == KAZAKHSTAN and row.delegation_id is not None


def test_a_stale_form_is_refused_with_the_choices_kept(app, people):
    chair = people["cica.chair"]
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    values, _ = meeting_form(chair)
    settlement, privileges = wid_of(app, SETTLEMENT), wid_of(app, PRIVILEGES)
    # Meanwhile, in another tab, the privileges clause is deferred.
    chair.post(f"/meetings/SWG/outcomes/{privileges}", {"outcome": "deferred"}, token_from="/meetings/SWG")
    values[f"outcome-{settlement}"] = "deferred"
    response = send(chair, values)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "were changed after this form was shown" in page
    assert set(recorded(app)) == {privileges}  # nothing of the stale form was recorded
    assert selected(page, f"outcome-{settlement}") == "deferred"
    # Sent again from the page it got back (now current), it is recorded.
    refreshed = dict(lxml_html.fromstring(page).xpath('//form[contains(@class, "meeting-outcomes")]')[0].form_values())
    assert send(chair, refreshed).status_code == 302
    assert recorded(app)[settlement].outcome is Outcome.deferred


def test_a_concluded_meeting_refuses_the_form_on_the_meeting_page(app, people):
    chair = people["cica.chair"]
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    values, _ = meeting_form(chair)
    assert send(chair, values).status_code == 302
    # The form as shown again (a second tab), sent after the meeting concluded; the very form already sent would
    # be answered "already sent" (forms are single-use, tests/web/test_single_use_forms.py).
    stale, _ = meeting_form(chair)
    chair.post("/meetings/SWG/conclude", {"result": "recommended"}, token_from="/meetings/SWG")
    response = send(chair, stale)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This meeting has concluded; its outcomes can no longer be changed." in page
    assert "<h1>Special Working Group" in page  # the meeting page, not a bare error page


def test_only_a_chair_sends_the_whole_meeting_form(app, people):
    chair = people["cica.chair"]
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    values, _ = meeting_form(chair)
    negotiator = people["cica.negotiator"]
    assert 'class="meeting-outcomes"' not in negotiator.get("/meetings/SWG").get_data(as_text=True)
    values["csrf_token"] = negotiator.token("/")
    assert send(negotiator, values).status_code == 403
    assert recorded(app) == {}


def test_an_older_free_text_reservation_stays_readable(app, people):
    chair = people["cica.chair"]
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    privileges = wid_of(app, PRIVILEGES)
    with app.app_context():
        from mou_tracker.models import Clause, User

        clause = db.session.scalar(db.select(Clause).filter_by(wid=privileges))
        # The demo negotiation's SWG (the second demo negotiation has an SWG of its own).
        milestone = db.session.scalar(db.select(Milestone).filter_by(code="SWG", instrument_id=clause.instrument_id))
        db.session.add(
            MilestoneOutcome(
                milestone_id=milestone.id,
                clause_id=clause.id,
                outcome=Outcome.reservation,
                reserved_by="Mongolia (typed before delegations were kept)",
                recorded_by=db.session.scalar(db.select(User).filter_by(login="cica.chair")),
            )
        )
        db.session.commit()
    values, page = meeting_form(chair)
    assert "Reservation — Mongolia (typed before delegations were kept)" in page
    assert values[f"reserved_by-{privileges}"] == "Mongolia (typed before delegations were kept)"
    # The whole form sent back as it stands records the rest and leaves that reservation as it was.
    assert send(chair, values).status_code == 302
    assert recorded(app)[privileges].reserved_by == "Mongolia (typed before delegations were kept)"
    assert len(recorded(app)) == 31


def test_delegations_are_kept_by_the_chair_or_the_administrator(app, people):
    page = people["cica.negotiator"].get("/meetings/delegations").get_data(as_text=True)
    assert KAZAKHSTAN in page and "Russian Federation" in page and "Add the delegation" not in page
    refused = people["cica.negotiator"].post(
        "/meetings/delegations", {"name": "Mongolia"}, token_from="/meetings/delegations"
    )
    assert refused.status_code == 403
    for login, name in (("cica.chair", "Mongolia"), ("cica.admin", "Kingdom of Cambodia")):
        response = people[login].post(
            "/meetings/delegations", {"name": name, "name_ru": "Монголия"}, token_from="/meetings/delegations"
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    twice = people["cica.chair"].post("/meetings/delegations", {"name": "mongolia"}, token_from="/meetings/delegations")
    assert twice.status_code == 400 and "already a delegation" in twice.get_data(as_text=True)
    with app.app_context():
        names = set(db.session.scalars(db.select(Delegation.name)))
        kinds = list(db.session.scalars(db.select(AuditEvent.kind).where(AuditEvent.kind == "delegation.added")))
    assert {"Mongolia", "Kingdom of Cambodia", KAZAKHSTAN} <= names and len(kinds) == 2
    # Kept per negotiation: the second demo negotiation has none of them.
    other = people["cica.chair"].get("/n/cica-rats-mou/meetings/delegations").get_data(as_text=True)
    assert "Mongolia" not in other and KAZAKHSTAN not in other


def test_a_delegations_proposal_is_tabled_by_the_chair_and_shown_in_the_reports(app, people):
    chair = people["cica.chair"]
    settlement = wid_of(app, SETTLEMENT)
    with app.app_context():
        kazakhstan = db.session.scalar(db.select(Delegation.id).filter_by(name=KAZAKHSTAN))
    response = chair.post(
        "/meetings/delegations/proposals",
        {
            "delegation_id": str(kazakhstan),
            "wid": settlement,
            "body_en": "Any dispute shall be settled through consultations between the Participants.",
            "rationale": "Proposed by Kazakhstan from the floor of the SWG.",
        },
        token_from="/meetings/delegations",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        amendment = db.session.scalar(db.select(Amendment).where(Amendment.delegation_id == kazakhstan))
        assert amendment.state.value == "tabled" and amendment.citation == "CICA-1"
        assert amendment.created_by.login == "cica.chair"
        amendment_id = amendment.id
    # The other party sees it tabled, and answers it like any amendment.
    shown = people["unoct.negotiator"].get(f"/amendments/{amendment_id}")
    assert shown.status_code == 200 and f"Delegation's proposal: {KAZAKHSTAN}" in shown.get_data(as_text=True)
    pack = chair.get("/meetings/SWG/pack?article=7").get_data(as_text=True)  # the settlement article's part
    assert f"Delegation's proposal: {KAZAKHSTAN}" in pack
    dashboard = chair.get("/dashboard").get_data(as_text=True)
    assert f"Delegation's proposal: {KAZAKHSTAN}" in dashboard
    # A negotiator cannot enter one.
    refused = people["cica.negotiator"].post(
        "/meetings/delegations/proposals",
        {"delegation_id": str(kazakhstan), "wid": settlement, "body_en": "Other words.", "rationale": "x"},
        token_from="/meetings/delegations",
    )
    assert refused.status_code == 403


def test_reservations_by_delegations_in_the_reports(app, people):
    chair = people["cica.chair"]
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    values, _ = meeting_form(chair)
    privileges = wid_of(app, PRIVILEGES)
    values[f"outcome-{privileges}"] = "reservation"
    values[f"reserved_by-{privileges}"] = delegation_key(app)
    assert send(chair, values).status_code == 302
    assert f"Reservation: {KAZAKHSTAN}" in chair.get("/meetings/SWG/pack").get_data(as_text=True)
    chair.post("/meetings/SWG/conclude", {"result": "recommended"}, token_from="/meetings/SWG")
    assert f"Reservation by {KAZAKHSTAN}" in chair.get("/dashboard").get_data(as_text=True)
    # In Russian, the delegation is named as the negotiation names it in Russian.
    chair.post("/language", {"language": "ru", "next": "/"}, token_from="/")
    assert "Республика Казахстан" in chair.get("/dashboard").get_data(as_text=True)
    assert "Республика Казахстан" in chair.get("/meetings/SWG").get_data(as_text=True)


def test_meeting_names_in_the_readers_language(app, people):
    chair = people["cica.chair"]
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    chair.post("/language", {"language": "ru", "next": "/"}, token_from="/")
    index = chair.get("/meetings/").get_data(as_text=True)
    assert "Специальная рабочая группа" in index and "Комитет старших должностных лиц" in index
    assert "Special Working Group</a>" not in index
    page = chair.get("/meetings/SWG").get_data(as_text=True)
    assert "<h1>Специальная рабочая группа" in page
    redline = chair.get("/redline?from=milestone:SWG&to=now").get_data(as_text=True)
    assert "для заседания «Специальная рабочая группа»" in redline
    assert "Special Working Group" not in redline


def test_one_blocking_item_is_said_in_the_singular(app, people):
    # The demo's one bracketed clause: "Done at [place], on [date]" (placeholders in brackets, #17).
    page = people["cica.chair"].get("/dashboard").get_data(as_text=True)
    assert "<strong>1</strong> blocks the meeting." in page
    tabled(people, app, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably.")
    page = people["cica.chair"].get("/dashboard").get_data(as_text=True)
    assert "<strong>2</strong> block the meeting." in page


def test_the_demo_swg_ends_with_a_reservation_by_a_delegation(app, people):
    from mou_tracker.services import demo as demo_service

    with app.app_context():
        demo_service.run_the_swg(db.session)
        db.session.commit()
    outcomes = recorded(app)
    assert len(outcomes) == 31
    reservation = outcomes[wid_of(app, PRIVILEGES)]
    assert reservation.outcome is Outcome.reservation and reservation.reserved_by == KAZAKHSTAN
    chair = people["cica.chair"]
    chair.post("/language", {"language": "ru", "next": "/"}, token_from="/")
    page = chair.get("/meetings/SWG").get_data(as_text=True)
    assert "Республика Казахстан" in page
