"""Deadlines: reply-by dates on tabled amendments, a meeting's deadline for written proposals and the proposals
tabled after it, shown in "My work", on the dashboard and in the meeting pack, and reminded of once each."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from mou_tracker.core import deadlines as rules
from mou_tracker.core.deadlines import LateDecision, MeetingDates, ReminderStage
from mou_tracker.extensions import db
from mou_tracker.models import Amendment, AuditEvent, DeadlineReminder, Instrument, Milestone, Notification, User
from mou_tracker.services import deadlines as service
from tests.conftest import wid_of
from tests.services.test_amendments import AMENDMENT_CLAUSE, SETTLEMENT, act, amendment_id, propose

TODAY = dt.date.today()
D = dt.date


# The rules, without a database ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadline", "today", "stage"),
    [
        (D(2026, 12, 10), D(2026, 12, 1), None),  # far off
        (D(2026, 12, 10), D(2026, 12, 7), None),  # three days before: not yet
        (D(2026, 12, 10), D(2026, 12, 8), ReminderStage.near),  # two days before
        (D(2026, 12, 10), D(2026, 12, 10), ReminderStage.near),  # the day itself is still in time
        (D(2026, 12, 10), D(2026, 12, 11), ReminderStage.passed),
        (None, D(2026, 12, 11), None),
    ],
)
def test_which_reminder_is_due(deadline, today, stage):
    assert rules.reminder_stage(deadline, today, 2) is stage


def test_the_default_reply_by_date_is_the_next_meetings_deadline_else_its_date():
    today = D(2026, 11, 27)
    concluded = MeetingDates(True, D(2026, 11, 30), D(2026, 12, 1))
    assert rules.default_reply_by([concluded, MeetingDates(False, D(2026, 12, 5), D(2026, 12, 9))], today) == D(
        2026, 12, 5
    )
    assert rules.default_reply_by([MeetingDates(False, None, D(2026, 12, 9))], today) == D(2026, 12, 9)
    # A next meeting whose dates are past, or not set, proposes nothing (the proposer chooses).
    assert rules.default_reply_by([MeetingDates(False, D(2024, 3, 1), D(2024, 3, 12))], today) is None
    assert rules.default_reply_by([MeetingDates(False, None, None)], today) is None
    assert rules.default_reply_by([concluded], today) is None


def test_late_is_after_the_day_of_the_deadline():
    assert not rules.is_late(D(2026, 12, 5), D(2026, 12, 5))
    assert rules.is_late(D(2026, 12, 6), D(2026, 12, 5))
    assert not rules.is_late(D(2026, 12, 6), None)


def test_a_reply_by_date_in_the_past_is_refused():
    rules.check_reply_by(D(2026, 11, 27), D(2026, 11, 27))
    with pytest.raises(rules.DeadlineRefused):
        rules.check_reply_by(D(2026, 11, 26), D(2026, 11, 27))


# Helpers ------------------------------------------------------------------------------------------------------


def part(page: str, marker: str) -> str:
    """The section of a page that starts at `marker`, to its end."""
    start = page.index(marker)
    return page[start : page.index("</section>", start)]


def _amendment(app, amendment: int) -> Amendment:
    with app.app_context():
        found = db.session.get(Amendment, amendment)
        db.session.expunge(found)
        return found


def _meeting(app, code: str) -> Milestone:
    with app.app_context():
        found = db.session.scalar(
            db.select(Milestone)
            .join(Instrument, Instrument.id == Milestone.instrument_id)
            .where(Milestone.code == code, Instrument.slug == "cica-unoct-mou")
        )
        db.session.expunge(found)
        return found


def set_meeting(chair, code: str, deadline: str):
    return chair.post(
        f"/n/cica-unoct-mou/meetings/{code}/proposals-deadline",
        {"proposals_deadline": deadline},
        token_from=f"/meetings/{code}",
    )


def table_with(browser, amendment: int, reply_by: str):
    return browser.post(
        f"/amendments/{amendment}/table",
        {"expected_revision": "1", "reply_by": reply_by},
        token_from=f"/amendments/{amendment}",
    )


def move_meeting(chair, code: str, name: str, day: dt.date):
    response = chair.post(
        f"/meetings/{code}/edit", {"name": name, "date": day.isoformat()}, token_from=f"/meetings/{code}"
    )
    assert response.status_code == 302


# Reply-by dates -------------------------------------------------------------------------------------------------


def test_tabling_takes_the_reply_by_date_given_or_the_next_meetings(app, people):
    unoct, chair = people["unoct.negotiator"], people["cica.chair"]
    swg_day = TODAY + dt.timedelta(days=20)
    move_meeting(chair, "SWG", "Special Working Group", swg_day)
    assert set_meeting(chair, "SWG", (TODAY + dt.timedelta(days=10)).isoformat()).status_code == 302

    first = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    page = unoct.get(f"/amendments/{first}").get_data(as_text=True)
    # The tabling form proposes the SWG's deadline for written proposals.
    assert f'name="reply_by" value="{(TODAY + dt.timedelta(days=10)).isoformat()}"' in page
    assert act(unoct, first, "table").status_code == 302  # the field left out: the default
    assert _amendment(app, first).reply_by == TODAY + dt.timedelta(days=10)

    second = amendment_id(propose(unoct, wid_of(app, AMENDMENT_CLAUSE), "This Memorandum may be amended in writing."))
    chosen = TODAY + dt.timedelta(days=5)
    assert table_with(unoct, second, chosen.isoformat()).status_code == 302
    assert _amendment(app, second).reply_by == chosen
    with app.app_context():
        tabled = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.kind == "amendment.tabled").order_by(AuditEvent.id)
        ).all()
        assert tabled[-1].after["reply_by"] == chosen.isoformat()


def test_a_reply_by_date_in_the_past_or_not_a_date_leaves_the_draft_untabled(app, people):
    unoct = people["unoct.negotiator"]
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    for wrong, said in (
        ((TODAY - dt.timedelta(days=1)).isoformat(), "A reply-by date cannot be in the past"),
        ("next Tuesday", "The reply-by date must be a date (YYYY-MM-DD)."),
    ):
        refused = table_with(unoct, draft, wrong)
        assert refused.status_code == 400
        assert said in refused.get_data(as_text=True)
        assert _amendment(app, draft).tabled_at is None


def test_only_the_proposer_changes_the_reply_by_date_and_it_is_on_record(app, people):
    unoct, cica, legal = people["unoct.negotiator"], people["cica.negotiator"], people["cica.legal"]
    tabled = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    assert act(unoct, tabled, "table").status_code == 302
    later = (TODAY + dt.timedelta(days=14)).isoformat()
    url = f"/n/cica-unoct-mou/amendments/{tabled}/reply-by"
    for outsider in (cica, legal):
        assert outsider.post(url, {"reply_by": later}, token_from=f"/amendments/{tabled}").status_code == 403
    assert _amendment(app, tabled).reply_by is None  # the demo's meetings are past: no default

    saved = unoct.post(url, {"reply_by": later}, token_from=f"/amendments/{tabled}")
    assert saved.status_code == 302
    assert _amendment(app, tabled).reply_by.isoformat() == later
    # The other party reads it on the amendment.
    assert "Reply by" in cica.get(f"/amendments/{tabled}").get_data(as_text=True)

    refused = unoct.post(url, {"reply_by": "2020-01-01"}, token_from=f"/amendments/{tabled}")
    assert refused.status_code == 302
    assert "A reply-by date cannot be in the past" in unoct.get(refused.headers["Location"]).get_data(as_text=True)
    assert _amendment(app, tabled).reply_by.isoformat() == later
    with app.app_context():
        kinds = list(db.session.scalars(db.select(AuditEvent.kind).where(AuditEvent.kind == "amendment.reply_by_set")))
    assert kinds == ["amendment.reply_by_set"]


def test_overdue_answers_come_first_on_the_dashboard_and_in_my_work(app, people, monkeypatch):
    unoct, cica = people["unoct.negotiator"], people["cica.negotiator"]
    soon = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    late = amendment_id(propose(unoct, wid_of(app, AMENDMENT_CLAUSE), "This Memorandum may be amended in writing."))
    answered = amendment_id(propose(unoct, wid_of(app, "Nothing in or relating"), "Nothing waives any immunity."))
    assert table_with(unoct, soon, (TODAY + dt.timedelta(days=9)).isoformat()).status_code == 302
    assert table_with(unoct, late, (TODAY + dt.timedelta(days=3)).isoformat()).status_code == 302
    assert table_with(unoct, answered, (TODAY + dt.timedelta(days=3)).isoformat()).status_code == 302
    assert act(cica, answered, "concur").status_code == 302  # answered: owes nothing any more

    monkeypatch.setattr(service, "today", lambda: TODAY + dt.timedelta(days=5))  # five days on
    late_citation, soon_citation = _amendment(app, late).citation, _amendment(app, soon).citation
    answered_citation = _amendment(app, answered).citation

    dashboard = cica.get("/dashboard").get_data(as_text=True)
    section = part(dashboard, 'id="deadlines"')
    assert section.index(late_citation) < section.index(soon_citation)
    assert "Overdue by 2 days" in section and "4 days left" in section
    assert answered_citation not in section

    work = cica.get("/my-work").get_data(as_text=True)
    owed = part(work, 'id="replies-owed"')
    assert owed.index(late_citation) < owed.index(soon_citation) and "Overdue by 2 days" in owed
    proposer = unoct.get("/my-work").get_data(as_text=True)
    assert late_citation in part(proposer, 'id="replies-awaited"')


# Written proposals before a meeting ------------------------------------------------------------------------


def test_a_chair_sets_the_deadline_and_refusals_change_nothing(app, people):
    chair, cica = people["cica.chair"], people["cica.negotiator"]
    assert set_meeting(cica, "SWG", "2024-03-01").status_code == 403
    for wrong, said in (
        ("2024-03-13", "must fall on or before the meeting"),  # the SWG meets on 12 March 2024
        ("1 March", "must be a date"),
    ):
        refused = set_meeting(chair, "SWG", wrong)
        assert said in chair.get(refused.headers["Location"]).get_data(as_text=True)
        assert _meeting(app, "SWG").proposals_deadline is None
    assert set_meeting(chair, "SWG", "2024-03-01").status_code == 302
    assert _meeting(app, "SWG").proposals_deadline == D(2024, 3, 1)
    page = chair.get("/meetings/SWG").get_data(as_text=True)
    assert "Deadline for written proposals:" in page and 'value="2024-03-01"' in page


def test_a_proposal_after_the_deadline_is_late_and_the_chair_decides(app, people):
    chair, unoct, cica = people["cica.chair"], people["unoct.negotiator"], people["cica.negotiator"]
    on_time = amendment_id(propose(unoct, wid_of(app, AMENDMENT_CLAUSE), "This Memorandum may be amended in writing."))
    assert act(unoct, on_time, "table").status_code == 302
    assert set_meeting(chair, "SWG", "2024-03-01").status_code == 302  # long passed

    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    warning = unoct.get(f"/amendments/{draft}").get_data(as_text=True)
    assert "tabled now, it is marked late" in warning
    assert act(unoct, draft, "table").status_code == 302  # not refused: marked
    late = _amendment(app, draft)
    assert (late.late_for_id, late.late_decision) == (_meeting(app, "SWG").id, None)
    assert _amendment(app, on_time).late_for_id is None

    # The chair sees who is late: on the meeting page, in My work, and in the pack.
    meeting_page = chair.get("/meetings/SWG").get_data(as_text=True)
    assert late.citation in meeting_page and "Awaiting the chair's decision" in meeting_page
    assert late.citation in chair.get("/my-work").get_data(as_text=True)
    pack = chair.get("/meetings/SWG/pack").get_data(as_text=True)
    who = pack[pack.index('id="who-is-late"') : pack.index('id="contents"')]
    assert late.citation in who and _amendment(app, on_time).citation not in who

    decide = f"/n/cica-unoct-mou/amendments/{draft}/late"
    assert cica.post(decide, {"decision": "admitted"}, token_from=f"/amendments/{draft}").status_code == 403
    refused = chair.post(decide, {"decision": "maybe"}, token_from="/meetings/SWG")
    assert "Choose whether to admit" in chair.get(refused.headers["Location"]).get_data(as_text=True)
    assert _amendment(app, draft).late_decision is None
    assert (
        chair.post(
            decide, {"decision": "deferred", "back": "/meetings/SWG#deadline"}, token_from="/meetings/SWG"
        ).headers["Location"]
        == "/meetings/SWG#deadline"
    )
    assert _amendment(app, draft).late_decision is LateDecision.deferred
    assert "Left to the next meeting" in chair.get("/meetings/SWG").get_data(as_text=True)
    # A proposal tabled in time has nothing to decide.
    refused = chair.post(f"/n/cica-unoct-mou/amendments/{on_time}/late", {"decision": "admitted"}, token_from="/")
    assert "nothing to decide" in chair.get(refused.headers["Location"]).get_data(as_text=True)


def test_done_when_the_chair_sets_the_soc_deadline_and_sees_who_is_late(app, monkeypatch):
    """On the eve of the SOC (the demo mid-way): the chair sets the deadline for the SOC, a proposal comes after
    it, an answer is overdue, and the pack says who is late, in English and Russian."""
    from mou_tracker.services import demo as demo_service
    from tests.conftest import Browser

    with app.app_context():
        passwords = demo_service.load_demo(db.session)
        demo_service.load_midway(db.session)
        db.session.commit()
    people = {}
    for login in ("cica.chair", "unoct.negotiator", "cica.negotiator"):
        people[login] = Browser(app.test_client(), passwords)
        people[login].sign_in(login)
    chair, unoct = people["cica.chair"], people["unoct.negotiator"]
    assert set_meeting(chair, "SOC", "2024-03-10").status_code == 302
    draft = amendment_id(propose(unoct, wid_of(app, "Nothing in or relating"), "Nothing herein waives any immunity."))
    assert table_with(unoct, draft, (TODAY + dt.timedelta(days=1)).isoformat()).status_code == 302
    citation = _amendment(app, draft).citation
    monkeypatch.setattr(service, "today", lambda: TODAY + dt.timedelta(days=3))

    pack = chair.get("/meetings/SOC/pack").get_data(as_text=True)
    who = part(pack, 'id="who-is-late"')
    assert "10 March 2024" in who
    assert who.count(citation) == 2  # its answer is overdue, and it came after the deadline
    # Read in Russian, the pack keeps the section (its words come with the lead's merge of the translations).
    chair.post("/language", {"language": "ru", "next": "/"}, token_from="/")
    pack_ru = chair.get("/meetings/SOC/pack")
    assert pack_ru.status_code == 200
    assert part(pack_ru.get_data(as_text=True), 'id="who-is-late"').count(citation) == 2


# Reminders ------------------------------------------------------------------------------------------------------


def test_reminders_go_out_once_before_and_once_after(app, people):
    unoct, cica, chair = people["unoct.negotiator"], people["cica.negotiator"], people["cica.chair"]
    tabled = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    due = TODAY + dt.timedelta(days=2)
    assert table_with(unoct, tabled, due.isoformat()).status_code == 302

    def run(on):
        with app.app_context():
            sent = service.send_reminders(db.session, on=on, days_before=2)
            db.session.commit()
            return sent

    def told(login):
        with app.app_context():
            user = db.session.scalar(db.select(User).where(User.login == login))
            return [
                n.kind
                for n in db.session.scalars(
                    db.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
                )
                if n.kind.startswith("deadline.")
            ]

    assert run(TODAY - dt.timedelta(days=1)) == 0  # three days before: not yet
    assert run(TODAY) == 1
    assert run(TODAY) == 0  # idempotent: never twice
    assert told("cica.negotiator") == ["deadline.reply_near"]
    assert told("unoct.negotiator") == []  # the proposer is not asked to answer their own amendment
    assert run(due + dt.timedelta(days=1)) == 1
    assert run(due + dt.timedelta(days=2)) == 0
    assert told("cica.negotiator") == ["deadline.reply_near", "deadline.reply_passed"]
    assert told("unoct.negotiator") == ["deadline.reply_passed"]
    assert told("cica.chair") == ["deadline.reply_passed"]
    page = cica.get("/notifications/").get_data(as_text=True)
    assert "has passed without an answer" in page and due.isoformat() in page

    # A date moved later is reminded of again; the reminders are on record.
    later = TODAY + dt.timedelta(days=30)
    unoct.post(f"/n/cica-unoct-mou/amendments/{tabled}/reply-by", {"reply_by": later.isoformat()}, token_from="/")
    assert run(later) == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(DeadlineReminder)) == 3

    # Meetings: the deadline for written proposals, to every negotiator and the chair.
    move_meeting(chair, "SWG", "Special Working Group", TODAY + dt.timedelta(days=10))
    assert set_meeting(chair, "SWG", (TODAY + dt.timedelta(days=1)).isoformat()).status_code == 302
    assert run(TODAY) == 1
    assert told("unoct.negotiator")[-1] == "deadline.proposals_near"
    assert told("cica.negotiator")[-1] == "deadline.proposals_near"
    assert told("cica.legal") == []


def test_an_answered_amendment_is_not_reminded_of(app, people):
    unoct, cica = people["unoct.negotiator"], people["cica.negotiator"]
    tabled = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    assert table_with(unoct, tabled, TODAY.isoformat()).status_code == 302
    counter = amendment_id(
        propose(cica, wid_of(app, SETTLEMENT), "Any difference will be settled amicably.", answers=tabled)
    )
    assert act(cica, counter, "table").status_code == 302  # a counter-proposal is an answer
    with app.app_context():
        assert service.send_reminders(db.session, on=TODAY + dt.timedelta(days=1)) == 0


def test_send_reminders_command(app, people):
    unoct = people["unoct.negotiator"]
    tabled = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    assert table_with(unoct, tabled, TODAY.isoformat()).status_code == 302
    runner = app.test_cli_runner()
    first = runner.invoke(args=["send-reminders"])
    assert first.exit_code == 0, first.output
    assert re.search(r"\b1 reminder\(s\) sent", first.output)
    assert "0 reminder(s) sent" in runner.invoke(args=["send-reminders"]).output
