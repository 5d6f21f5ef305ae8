"""Legal review, the other party's answer, adoption into the draft, meetings, status, audit trail, my work."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from mou_tracker.core.roles import Role
from mou_tracker.extensions import db
from mou_tracker.models import Amendment, AuditEvent, Clause, ClauseVersion, Milestone, User
from mou_tracker.services import meetings
from tests.conftest import assign_to_demo, wid_of
from tests.services.test_amendments import AMENDMENT_CLAUSE, SETTLEMENT, act, amendment_id, as_user, changes, propose

NEW_WORDING = "This Memorandum may be amended by mutual written consent of the Participants, expressed through an exchange of letters."


def tabled(people, app, wid=None, text=NEW_WORDING, who="unoct.negotiator"):
    new_id = amendment_id(propose(people[who], wid or wid_of(app, AMENDMENT_CLAUSE), text))
    assert act(people[who], new_id, "table").status_code == 302
    return new_id


def review(browser, amendment, decision="cleared", comment="", revision=1):
    return browser.post(
        f"/amendments/{amendment}/review",
        {"decision": decision, "comment": comment, "expected_revision": str(revision)},
        token_from=f"/amendments/{amendment}",
    )


def state_of(app, amendment) -> str:
    with app.app_context():
        return db.session.get(Amendment, amendment).state.value


def versions_of(app, wid) -> list[ClauseVersion]:
    with app.app_context():
        clause = db.session.scalar(db.select(Clause).filter_by(wid=wid))
        return [(v.seq, v.amendment_id, v.text("en").body if v.text("en") else None) for v in clause.versions]


@pytest.mark.parametrize("order", ["concur first", "clear first"])
def test_concurrence_and_clearance_in_either_order_make_the_next_clause_version(app, people, order):
    wid = wid_of(app, AMENDMENT_CLAUSE)
    new_id = tabled(people, app)
    steps = [lambda: act(people["cica.negotiator"], new_id, "concur"), lambda: review(people["cica.legal"], new_id)]
    if order == "clear first":
        steps.reverse()
    assert steps[0]().status_code == 302
    assert state_of(app, new_id) == "tabled"  # one of the two is not enough
    assert steps[1]().status_code == 302
    assert state_of(app, new_id) == "adopted"
    assert versions_of(app, wid)[-1] == (2, new_id, NEW_WORDING)
    page = people["cica.chair"].get(f"/clauses/{wid}").get_data(as_text=True)
    assert NEW_WORDING in page and "UNOCT-1 adopted" in page and "Agreed ad ref." in page
    # The Russian text was not part of the proposal: it is carried over untouched (the clause has none here).
    draft = people["cica.chair"].get("/").get_data(as_text=True)
    assert NEW_WORDING in draft


def test_adoption_outdates_the_other_open_amendments_and_carries_the_untouched_language(app, people):
    wid = wid_of(app, "Proceeding from the above objectives")
    other = amendment_id(
        propose(
            people["cica.negotiator"],
            wid,
            "Proceeding from these objectives, the Participants will cooperate in the following areas:",
            ru="Исходя из этих целей, Участники будут сотрудничать по следующим направлениям:",
        )
    )
    new_id = tabled(
        people,
        app,
        wid,
        "Proceeding from the above objectives, the Participants will cooperate in the following areas:",
    )
    act(people["cica.negotiator"], new_id, "concur")
    review(people["cica.legal"], new_id)
    with app.app_context():
        latest = db.session.scalar(db.select(Clause).filter_by(wid=wid)).versions[-1]
        assert latest.text("en").body.startswith("Proceeding from the above objectives, the Participants")
        assert latest.text("ru").body.startswith("Исходя из вышеуказанных целей, Секретариат СВМДА")
    assert "Outdated" in people["cica.negotiator"].get(f"/amendments/{other}").get_data(as_text=True)


def test_a_revision_lapses_the_clearance_and_the_concurrence(app, people):
    new_id = tabled(people, app)
    review(people["cica.legal"], new_id)
    revised = people["unoct.negotiator"].post(
        f"/amendments/{new_id}/revise",
        {
            "heading_en": "Amendment",
            "body_en": NEW_WORDING.replace("letters", "notes"),
            "rationale": "Notes.",
            "expected_revision": "1",
        },
    )
    assert revised.status_code == 302
    page = people["cica.chair"].get(f"/amendments/{new_id}").get_data(as_text=True)
    assert "Lapsed: revised since" in page
    assert act(people["cica.negotiator"], new_id, "concur", revision=2).status_code == 302
    assert state_of(app, new_id) == "tabled"  # the clearance of revision 1 no longer counts
    assert review(people["unoct.legal"], new_id, revision=2).status_code == 302
    assert state_of(app, new_id) == "adopted"


def test_nobody_reviews_what_they_proposed(app, people):
    new_id = tabled(people, app)
    with app.app_context():
        author = db.session.scalar(db.select(User).filter_by(login="unoct.negotiator"))
        author.role = Role.legal_reviewer  # moved to the legal team after drafting, and assigned to this negotiation
        assign_to_demo("unoct.negotiator")
        db.session.commit()
    response = review(people["unoct.negotiator"], new_id)
    assert response.status_code == 403
    assert "cannot review an amendment you proposed" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "action", "status"),
    [
        ("cica.negotiator", "review", 403),
        ("unoct.negotiator", "concur", 403),
        ("cica.legal", "concur", 403),
        ("cica.chair", "reject", 403),
    ],
)
def test_wrong_role_or_party_is_refused_and_nothing_changes(app, people, who, action, status):
    new_id = tabled(people, app)
    if action == "review":
        response = review(people[who], new_id)
    elif action == "reject":
        response = people[who].post(
            f"/amendments/{new_id}/reject",
            {"reason": "No.", "expected_revision": "1"},
            token_from=f"/amendments/{new_id}",
        )
    else:
        response = act(people[who], new_id, action)
    assert response.status_code == status
    assert state_of(app, new_id) == "tabled"
    with app.app_context():
        assert not db.session.scalar(
            db.select(AuditEvent).where(
                AuditEvent.kind.in_(["amendment.concurred", "review.cleared", "amendment.rejected"])
            )
        )


def test_a_draft_cannot_be_answered_or_reviewed(app, people):
    new_id = amendment_id(propose(people["unoct.negotiator"], wid_of(app, AMENDMENT_CLAUSE), NEW_WORDING))
    assert act(people["cica.negotiator"], new_id, "concur").status_code == 404
    assert review(people["cica.legal"], new_id).status_code == 404


def test_rejection_needs_a_reason_and_closes_the_amendment(app, people):
    new_id = tabled(people, app)
    empty = people["cica.negotiator"].post(
        f"/amendments/{new_id}/reject", {"reason": "", "expected_revision": "1"}, token_from=f"/amendments/{new_id}"
    )
    assert empty.status_code == 400 and state_of(app, new_id) == "tabled"
    people["cica.negotiator"].post(
        f"/amendments/{new_id}/reject",
        {"reason": "The Secretariat prefers notes verbales.", "expected_revision": "1"},
        token_from=f"/amendments/{new_id}",
    )
    assert state_of(app, new_id) == "rejected"
    assert "The Secretariat prefers notes verbales." in people["unoct.negotiator"].get(
        f"/amendments/{new_id}"
    ).get_data(as_text=True)
    late = review(people["cica.legal"], new_id)
    assert late.status_code == 409 and "An amendment that is rejected cannot be reviewed." in late.get_data(
        as_text=True
    )


def test_review_comments_are_required_unless_clearing(app, people):
    new_id = tabled(people, app)
    response = review(people["cica.legal"], new_id, decision="changes_requested")
    assert response.status_code == 400 and "The review comment must not be empty." in response.get_data(as_text=True)
    review(people["cica.legal"], new_id, decision="changes_requested", comment="Use the UN's standard wording.")
    page = people["unoct.negotiator"].get("/my-work").get_data(as_text=True)
    assert "UNOCT to revise (legal review asked for changes)" in page


def test_an_outdated_amendment_is_not_answered_until_rebased(app, people):
    wid = wid_of(app, AMENDMENT_CLAUSE)
    first = tabled(people, app)
    second = tabled(
        people,
        app,
        text="This Memorandum may be amended at any time by written agreement of the Participants.",
        who="cica.negotiator",
    )
    act(people["cica.negotiator"], first, "concur")
    review(people["cica.legal"], first)
    assert state_of(app, first) == "adopted"
    response = act(people["unoct.negotiator"], second, "concur")
    assert response.status_code == 409 and "must rebase it" in response.get_data(as_text=True)
    assert len(versions_of(app, wid)) == 2


def test_reviewer_queue_oldest_first(app, people):
    first = tabled(people, app)
    second = tabled(people, app, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably.")
    page = people["cica.legal"].get("/my-work").get_data(as_text=True)
    assert page.index(f"/amendments/{first}") < page.index(f"/amendments/{second}")
    review(people["cica.legal"], first, decision="rejected", comment="Not the UN's form.")
    page = people["unoct.legal"].get("/my-work").get_data(as_text=True)
    assert f"/amendments/{first}" not in page and f"/amendments/{second}" in page


def _record_all(app, code, outcome="endorsed", reserved_by=""):
    from mou_tracker.core.milestones import Outcome

    with app.app_context():
        chair = db.session.scalar(db.select(User).filter_by(login="cica.chair"))
        milestone = meetings.get_milestone(db.session, code)
        for clause_id in meetings.snapshot(db.session, milestone):
            wid = db.session.get(Clause, clause_id).wid
            # The chair confirms endorsing the clauses that hold brackets ("Done at [place], on [date]"): they
            # stay Bracketed (#17).
            meetings.record_outcome(
                db.session,
                chair,
                code,
                wid,
                outcome=Outcome(outcome),
                reserved_by=reserved_by,
                note="",
                confirm_brackets=True,
            )
        db.session.commit()


def test_meetings_freeze_record_conclude_in_order(app, people):
    chair = people["cica.chair"]
    premature = chair.post("/meetings/SOC/freeze", {}, token_from="/meetings/SOC")
    assert premature.status_code == 409 and "Special Working Group has not concluded yet" in premature.get_data(
        as_text=True
    )
    assert people["cica.negotiator"].post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG").status_code == 403

    assert chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG").status_code == 302
    again = chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    assert again.status_code == 409
    # Refusals are shown on the meeting page the chair came from, not on a bare error page (#19).
    early = chair.post("/meetings/SWG/conclude", {"result": "recommended"}, token_from="/meetings/SWG")
    assert early.status_code == 302 and early.headers["Location"].endswith("/meetings/SWG#conclude")
    page = chair.get(early.headers["Location"]).get_data(as_text=True)
    assert "No outcome is recorded yet for" in page and "Conclude the meeting" in page

    settlement = wid_of(app, SETTLEMENT)
    no_name = chair.post(
        f"/meetings/SWG/outcomes/{settlement}",
        {"outcome": "reservation", "note": "Typed by the chair, kept"},
        token_from="/meetings/SWG",
    )
    refused = no_name.get_data(as_text=True)  # the meeting page again, the chair's note kept in the clause's row
    assert no_name.status_code == 400 and "Who entered the reservation" in refused
    assert "Typed by the chair, kept" in refused
    _record_all(app, "SWG")
    chair.post(
        f"/meetings/SWG/outcomes/{settlement}",
        {"outcome": "reservation", "reserved_by": "Republic of Kazakhstan", "note": "Prefers arbitration"},
        token_from="/meetings/SWG",
    )
    assert (
        chair.post(
            "/meetings/SWG/conclude",
            {"result": "recommended", "note": "Recommended to the SOC."},
            token_from="/meetings/SWG",
        ).status_code
        == 302
    )

    late = chair.post(f"/meetings/SWG/outcomes/{settlement}", {"outcome": "endorsed"}, token_from="/meetings/SWG")
    assert late.status_code == 409 and "has concluded" in late.get_data(as_text=True)
    assert chair.post("/meetings/SWG/edit", {"name": "Renamed"}, token_from="/meetings/SWG").status_code == 409

    # The SOC can now be opened; statuses follow the SWG's outcomes.
    assert chair.post("/meetings/SOC/freeze", {}, token_from="/meetings/SOC").status_code == 302
    clause_page = chair.get(f"/clauses/{settlement}").get_data(as_text=True)
    assert "[ Bracketed ]" in clause_page and "Republic of Kazakhstan" in clause_page
    assert "Agreed" in chair.get(f"/clauses/{wid_of(app, AMENDMENT_CLAUSE)}").get_data(as_text=True)
    printed = chair.get("/meetings/SWG/print").get_data(as_text=True)
    assert "Draft as frozen for the Special Working Group" in printed and "Recommended to the next meeting" in printed


def test_a_clause_changed_after_the_swg_shows_it_with_its_redline(app, people):
    chair = people["cica.chair"]
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    _record_all(app, "SWG")
    chair.post("/meetings/SWG/conclude", {"result": "recommended"}, token_from="/meetings/SWG")
    wid = wid_of(app, AMENDMENT_CLAUSE)
    new_id = tabled(people, app)
    act(people["cica.negotiator"], new_id, "concur")
    review(people["cica.legal"], new_id)
    page = chair.get(f"/clauses/{wid}").get_data(as_text=True)
    assert "Changed since SWG" in page
    since, history = page.split('id="history-heading"', 1)
    assert changes(since, "ins", "UNOCT") == [", expressed through an exchange of letters"]
    assert changes(history, "ins", "UNOCT") == [", expressed through an exchange of letters"]  # version 2 vs 1
    whole = chair.get("/redline?from=milestone:SWG&to=now&only=changes").get_data(as_text=True)
    assert "1 changed" in whole and "Changed by UNOCT" in whole


def test_meeting_name_and_date_are_editable_and_validated(app, people):
    chair = people["cica.chair"]
    ok = chair.post(
        "/meetings/SOC/edit",
        {"name": "Senior Officials Committee (resumed)", "date": "2024-03-15"},
        token_from="/meetings/SOC",
    )
    assert ok.status_code == 302
    with app.app_context():
        soc = db.session.scalar(db.select(Milestone).filter_by(code="SOC"))
        assert soc.name == "Senior Officials Committee (resumed)" and soc.date.isoformat() == "2024-03-15"
    before_swg = chair.post("/meetings/SOC/edit", {"name": "SOC", "date": "2024-03-01"}, token_from="/meetings/SOC")
    assert before_swg.status_code == 400 and "before the meetings that come before it" in before_swg.get_data(
        as_text=True
    )


def test_the_audit_trail_shows_every_step_filters_and_exports(app, people):
    wid = wid_of(app, AMENDMENT_CLAUSE)
    new_id = tabled(people, app)
    people["cica.negotiator"].post(
        f"/amendments/{new_id}/comments", {"body": '=HYPERLINK("http://x")', "internal": "y"}
    )
    act(people["cica.negotiator"], new_id, "concur")
    review(people["cica.legal"], new_id)
    chair_view = people["cica.chair"].get(f"/audit?clause={wid}").get_data(as_text=True)
    for kind in ("amendment.tabled", "amendment.concurred", "review.cleared", "amendment.adopted"):
        assert kind in chair_view, kind
    # UNOCT's drafting stays UNOCT's business: its own negotiator sees it, a CICA chair does not.
    assert "amendment.proposed" not in chair_view
    assert "amendment.proposed" in people["unoct.negotiator"].get(f"/audit?clause={wid}").get_data(as_text=True)
    unoct_view = people["unoct.negotiator"].get(f"/audit?clause={wid}").get_data(as_text=True)
    assert "Internal note" not in unoct_view  # CICA's internal note stays CICA's
    assert "Internal note" in people["cica.negotiator"].get(f"/audit?clause={wid}").get_data(as_text=True)
    only_reviews = people["cica.chair"].get("/audit?kind=review.").get_data(as_text=True)
    assert "review.cleared" in only_reviews and "amendment.tabled" not in only_reviews
    by_party = people["cica.chair"].get("/audit?party=UNOCT").get_data(as_text=True)
    assert "amendment.tabled" in by_party and "amendment.concurred" not in by_party
    assert people["cica.chair"].get("/audit?from=2024-13-01").status_code == 400
    exported = people["cica.negotiator"].get(f"/audit.csv?clause={wid}")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert {"amendment.adopted", "amendment.commented"} <= {r["kind"] for r in rows}
    assert all(not r["summary"].startswith("=") for r in rows)


def test_no_code_path_updates_or_deletes_an_audit_record(app, people):
    tabled(people, app)
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
        kinds = [e.kind for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
    assert kinds[-2:] == ["amendment.proposed", "amendment.tabled"]
    assert count == len(kinds)


def test_my_work_for_each_role(app, people):
    new_id = tabled(people, app)
    draft_id = amendment_id(
        propose(people["unoct.negotiator"], wid_of(app, SETTLEMENT), "Any dispute will be settled amicably.")
    )
    cica = people["cica.negotiator"].get("/my-work").get_data(as_text=True)
    assert f"/amendments/{new_id}" in cica and f"/amendments/{draft_id}" not in cica
    unoct = people["unoct.negotiator"].get("/my-work").get_data(as_text=True)
    assert f"/amendments/{draft_id}" in unoct  # its own draft, not yet tabled
    chair = people["cica.chair"].get("/my-work").get_data(as_text=True)
    assert "Next meeting" in chair and "Special Working Group" in chair
    assert re.search(r"Article 8</a> — CICA to respond; legal review pending", chair)


# Legal clearance per party, as each negotiation decides (#19, practice 2) -----------------------------------------


def _pending_for(app, login: str) -> list[int]:
    """The legal review queue of `login`, as the service gives it."""
    from mou_tracker.services import agreement, negotiations

    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(login=login))
        negotiations.open_negotiation(db.session, user, "cica-unoct-mou")
        return [a.id for a in agreement.pending_reviews(db.session, user)]


def test_the_demo_negotiation_keeps_any_reviewers_clearance_and_new_ones_ask_each_party(app, demo):
    from mou_tracker.core.clearance import ClearanceRule
    from mou_tracker.models import Instrument

    with app.app_context():
        rules = {i.slug: i.clearance_rule for i in db.session.scalars(db.select(Instrument))}
    assert rules["cica-unoct-mou"] is ClearanceRule.any_reviewer
    admin = as_user(app, demo, "cica.admin")
    form = admin.get("/admin/negotiations/new").get_data(as_text=True)
    assert 'type="radio" name="clearance_rule" value="per_party" checked' in form
    assert "Each party's own legal office" in html.unescape(form)


def test_per_party_clearance_needs_each_partys_own_legal_office_and_the_page_says_whose_is_missing(app, people, demo):
    admin = as_user(app, demo, "cica.admin")
    settings = "/admin/negotiations/cica-unoct-mou/settings"
    assert 'value="any_reviewer" checked' in admin.get(settings).get_data(as_text=True)
    assert admin.post(settings, {"clearance_rule": "per_party"}).status_code == 302
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(kind="instrument.clearance_rule_changed"))
        assert (event.before, event.after) == ({"clearance_rule": "any_reviewer"}, {"clearance_rule": "per_party"})
        assert event.actor.login == "cica.admin"

    new_id = tabled(people, app)
    page = people["cica.chair"].get(f"/amendments/{new_id}").get_data(as_text=True)
    assert "Legal clearance of revision 1 still missing from the legal office of: CICA, UNOCT." in page
    assert new_id in _pending_for(app, "cica.legal") and new_id in _pending_for(app, "unoct.legal")

    assert act(people["cica.negotiator"], new_id, "concur").status_code == 302
    assert review(people["cica.legal"], new_id).status_code == 302
    # Under today's rule that would have adopted it; here UNOCT's own lawyers have still to clear it.
    assert state_of(app, new_id) == "tabled"
    page = people["cica.chair"].get(f"/amendments/{new_id}").get_data(as_text=True)
    assert "still missing from the legal office of: UNOCT." in page
    assert new_id not in _pending_for(app, "cica.legal") and new_id in _pending_for(app, "unoct.legal")
    assert "Legal review pending" in people["cica.chair"].get("/dashboard").get_data(as_text=True)

    assert review(people["unoct.legal"], new_id).status_code == 302
    assert state_of(app, new_id) == "adopted"


def test_any_reviewer_rule_says_any_legal_reviewer_may_clear(app, people):
    new_id = tabled(people, app)
    page = people["cica.chair"].get(f"/amendments/{new_id}").get_data(as_text=True)
    assert "Legal clearance of revision 1 still missing: any legal reviewer may clear it." in page


def test_only_an_administrator_of_the_negotiation_changes_its_clearance_rule(app, demo):
    from mou_tracker.core.clearance import ClearanceRule
    from mou_tracker.models import Instrument

    settings = "/admin/negotiations/cica-unoct-mou/settings"
    negotiator = as_user(app, demo, "cica.negotiator")
    assert negotiator.post(settings, {"clearance_rule": "per_party"}, token_from="/").status_code == 403
    admin = as_user(app, demo, "cica.admin")
    assert admin.post(settings, {"clearance_rule": "whoever"}).status_code == 400
    with app.app_context():
        rule = db.session.scalar(db.select(Instrument.clearance_rule).filter_by(slug="cica-unoct-mou"))
        assert rule is ClearanceRule.any_reviewer
        assert not db.session.scalar(db.select(AuditEvent).filter_by(kind="instrument.clearance_rule_changed"))
