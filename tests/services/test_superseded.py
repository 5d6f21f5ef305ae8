"""Counter-proposals settle what they answer (#19, practice 1): when an amendment that answers another is adopted,
the one it answered is closed as superseded, a state of its own, everywhere the states are shown."""

from __future__ import annotations

import csv
import io

from mou_tracker.extensions import db
from mou_tracker.models import Amendment, AuditEvent
from tests.conftest import wid_of
from tests.services.test_agreement import review, state_of, tabled
from tests.services.test_amendments import SETTLEMENT, act, amendment_id, propose

UNOCT_WORDING = "Any dispute will be settled amicably through consultations."
CICA_ANSWER = "Any dispute will be settled amicably through consultations and negotiations."


def _counter_proposal(app, people):
    """UNOCT tables a change to the settlement clause; CICA answers it with its own wording and tables that."""
    wid = wid_of(app, SETTLEMENT)
    answered = tabled(people, app, wid, UNOCT_WORDING)
    answer = amendment_id(propose(people["cica.negotiator"], wid, CICA_ANSWER, answers=answered))
    assert act(people["cica.negotiator"], answer, "table").status_code == 302
    return answered, answer


def _adopt(people, answer):
    assert act(people["unoct.negotiator"], answer, "concur").status_code == 302
    assert review(people["unoct.legal"], answer).status_code == 302


def test_adopting_a_counter_proposal_closes_the_amendment_it_answered_as_superseded(app, people):
    answered, answer = _counter_proposal(app, people)
    _adopt(people, answer)
    assert state_of(app, answer) == "adopted"
    assert state_of(app, answered) == "superseded"

    # Its page says so, links the answer that settled it, and reads it against the version it was written on
    # (not as outdated against the text its answer made).
    page = people["unoct.negotiator"].get(f"/amendments/{answered}").get_data(as_text=True)
    assert "Superseded" in page and "Outdated" not in page
    assert f'Superseded: <a href="/n/cica-unoct-mou/amendments/{answer}">CICA-1</a>, which answered it' in page
    assert "Redline against version 1, on which it was written" in page
    # Nothing can be done with it any more but comment.
    assert "Concur for" not in people["cica.negotiator"].get(f"/amendments/{answered}").get_data(as_text=True)
    refused = act(people["cica.negotiator"], answered, "concur")
    assert refused.status_code == 409
    assert "An amendment that is superseded cannot be concurred with." in refused.get_data(as_text=True)
    assert act(people["unoct.negotiator"], answered, "withdraw").status_code == 409

    with app.app_context():
        event = db.session.scalar(
            db.select(AuditEvent).where(
                AuditEvent.kind == "amendment.superseded", AuditEvent.subject_id == str(answered)
            )
        )
        assert event is not None and event.private_to_party_id is None  # both parties read it
        assert event.after == {"state": "superseded", "superseded_by": "CICA-1"}
        assert event.actor.login == "unoct.legal"  # whoever's action completed the adoption
        assert db.session.get(Amendment, answered).closed_at is not None


def test_the_other_party_lists_filters_counts_and_exports_it_as_superseded(app, people):
    answered, answer = _counter_proposal(app, people)
    _adopt(people, answer)
    cica = people["cica.negotiator"]

    listed = cica.get("/amendments?state=superseded").get_data(as_text=True)
    assert f"/amendments/{answered}" in listed and f'/amendments/{answer}"' not in listed
    assert '<option value="superseded" selected>Superseded</option>' in listed
    assert f"/amendments/{answered}" not in cica.get("/amendments?state=tabled").get_data(as_text=True)

    exported = cica.get("/exports/amendments.csv").get_data(as_text=True).lstrip("\ufeff")
    states = {row["amendment"]: row["state"] for row in csv.DictReader(io.StringIO(exported))}
    assert states["UNOCT-1"] == "superseded" and states["CICA-1"] == "adopted"

    # The chair's report counts it with nothing open: it is closed, not waiting for anybody.
    report = people["cica.chair"].get("/dashboard").get_data(as_text=True)
    assert "UNOCT to rebase" not in report

    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert "superseded" in document["components"]["schemas"]["AmendmentState"]["enum"]


def test_an_answered_amendment_already_closed_keeps_its_state(app, people):
    answered, answer = _counter_proposal(app, people)
    assert act(people["unoct.negotiator"], answered, "withdraw").status_code == 302
    _adopt(people, answer)
    assert state_of(app, answered) == "withdrawn"
    with app.app_context():
        assert not db.session.scalar(db.select(AuditEvent).where(AuditEvent.kind == "amendment.superseded"))


def test_adopting_the_answered_amendment_itself_leaves_the_counter_proposal_open_and_outdated(app, people):
    """Only the answer settles the question; the original adopted first leaves the answer to be rebased or withdrawn."""
    answered, answer = _counter_proposal(app, people)
    assert act(people["cica.negotiator"], answered, "concur").status_code == 302
    assert review(people["cica.legal"], answered).status_code == 302
    assert state_of(app, answered) == "adopted"
    assert state_of(app, answer) == "tabled"
    assert "Outdated" in people["cica.negotiator"].get(f"/amendments/{answer}").get_data(as_text=True)
