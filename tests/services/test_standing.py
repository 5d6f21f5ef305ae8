"""Where every clause stands, read as plain rows (issue #22): the same standings as from mapped objects.

`standings` reads the tabled amendments, answers and frozen drafts as plain columns when its caller passes none
(the status report, the draft page); the meeting pack and the rolling text pass the mapped amendments, with their
revisions, and the frozen versions they have read, as every caller did before. Both readings must agree, clause by
clause, on a negotiation with all there is to read: tabled amendments of both parties, an outdated one,
concurrences, legal reviews, a frozen and concluded meeting with outcomes and a delegation's reservation, and a
clause changed since that meeting.
"""

from __future__ import annotations

import pytest

from mou_tracker import demo_text
from mou_tracker.core.clearance import ClearanceRule
from mou_tracker.core.milestones import MilestoneState
from mou_tracker.extensions import db
from mou_tracker.models import Amendment, Instrument, User
from mou_tracker.services import amendments, meetings
from mou_tracker.services import demo as demo_service
from mou_tracker.services.amendments import TextInput
from mou_tracker.services.draft import draft_as_of, forget_instrument, remember_instrument
from mou_tracker.services.reports import status_report
from mou_tracker.services.standing import _tabled_with_revisions, frozen_versions, standings
from tests.conftest import add_clause_version, wid_of

DEMO_SLUG = "cica-unoct-mou"


@pytest.fixture
def midway(app):
    """The demo mid-way (amendments in every state, reviews, the SWG concluded with a reservation), and then a
    clause the SWG dealt with changed since its draft was frozen."""
    with app.app_context():
        demo_service.load_demo(db.session)
        demo_service.load_midway(db.session)
        # CICA revises its proposal on the settlement resolution, which UNOCT had concurred with: the concurrence
        # was given on the first revision and has lapsed.
        resolution = _amendment_starting(demo_text.RESOLUTION_CICA[0])
        cica = db.session.scalar(db.select(User).filter_by(login="cica.negotiator"))
        remember_instrument(db.session, db.session.get_one(Instrument, resolution.instrument_id))
        amendments.revise(
            db.session,
            cica,
            resolution.id,
            texts={"en": TextInput(None, demo_text.RESOLUTION_CICA[0] + " As revised.")},
            rationale="Revised after consultations.",
            expected_revision=1,
        )
        forget_instrument(db.session)
        db.session.commit()
    add_clause_version(
        app, wid_of(app, "Either Participant may terminate"), "Either Participant may end this Memorandum."
    )


def _amendment_starting(body: str) -> Amendment:
    found = [a for a in db.session.scalars(db.select(Amendment)) if a.latest.text("en").body.startswith(body)]
    assert len(found) == 1, body
    return found[0]


def _reading(standing) -> tuple:
    """What a page shows of a clause's standing, as comparable values."""
    return (
        standing.status,
        [(a.id, str(a.citation), a.party.code, a.tabled_at, str(step)) for a, step in standing.open_amendments],
        {amendment_id: review.id if review else None for amendment_id, review in standing.reviews.items()},
        standing.outdated,
        standing.reservation.id if standing.reservation else None,
        (standing.changed_since[0].code, standing.changed_since[1].id) if standing.changed_since else None,
        (standing.last_outcome[0].code, standing.last_outcome[1].id) if standing.last_outcome else None,
        standing.open_brackets,
    )


def _both_readings(instrument: Instrument, chair: User, current=None) -> tuple[dict, dict]:
    db.session.expire_all()
    plain = {cid: _reading(s) for cid, s in standings(db.session, chair, instrument, current=current).items()}
    db.session.expire_all()
    dealt = [m.id for m in meetings.milestones(db.session) if m.state is not MilestoneState.planned]
    mapped = standings(
        db.session,
        chair,
        instrument,
        current=current,
        tabled=_tabled_with_revisions(db.session, instrument, None),
        frozen=frozen_versions(db.session, dealt),
    )
    return plain, {cid: _reading(s) for cid, s in mapped.items()}


@pytest.mark.parametrize("rule", [ClearanceRule.any_reviewer, ClearanceRule.per_party])
def test_standings_read_as_plain_rows_agree_with_those_read_from_mapped_objects(app, midway, rule):
    with app.test_request_context(f"/n/{DEMO_SLUG}/"):
        instrument = db.session.scalar(db.select(Instrument).filter_by(slug=DEMO_SLUG))
        instrument.clearance_rule = rule
        db.session.flush()
        chair = db.session.scalar(db.select(User).filter_by(login="cica.chair"))
        plain, mapped = _both_readings(instrument, chair)
        assert plain == mapped
        # The draft page's reading (the live clauses only) agrees too.
        current = {item.clause.id: item.version for item in draft_as_of(db.session, chair, instrument)}
        assert _both_readings(instrument, chair, current) == (
            {cid: plain[cid] for cid in current},
            {cid: mapped[cid] for cid in current},
        )

        # And the negotiation has all there is to read: the comparison compared something.
        steps = [step for reading in plain.values() for *_, step in reading[1]]
        assert len(steps) >= 4
        assert any(step.startswith("CICA to rebase") for step in steps)  # CICA's outdated proposal on Article 4
        assert any(reading[2] and any(reading[2].values()) for reading in plain.values())  # a live legal review
        assert any(reading[4] for reading in plain.values())  # the delegation's reservation at the SWG
        assert [reading[5][0] for reading in plain.values() if reading[5]] == ["SWG"]  # the clause changed since
        assert sum(1 for reading in plain.values() if reading[6]) > 10  # the SWG's outcomes
        # The revised resolution: UNOCT's concurrence with its first revision counts no more.
        revised = _amendment_starting(demo_text.RESOLUTION_CICA[0])
        assert len(revised.revisions) == 2
        assert [step for reading in plain.values() for a_id, *_, step in reading[1] if a_id == revised.id] == [
            "UNOCT to respond; legal review pending"
        ]


def test_the_status_report_reads_the_frozen_drafts_and_proposals_once_and_finds_the_same(app, midway):
    with app.test_request_context(f"/n/{DEMO_SLUG}/"):
        instrument = db.session.scalar(db.select(Instrument).filter_by(slug=DEMO_SLUG))
        chair = db.session.scalar(db.select(User).filter_by(login="cica.chair"))
        report = status_report(db.session, chair, instrument)
        db.session.expire_all()
        all_meetings = meetings.milestones(db.session)
        dealt = [m.id for m in all_meetings if m.state is not MilestoneState.planned]
        tabled = _tabled_with_revisions(db.session, instrument, None)
        mapped = status_report(
            db.session,
            chair,
            instrument,
            all_meetings=all_meetings,
            frozen=frozen_versions(db.session, dealt),
            tabled=tabled,
        )
        assert [_reading(row.standing) for row in report.rows] == [_reading(row.standing) for row in mapped.rows]
        outdated = [a for a in tabled if a.latest.text("en").body.startswith(demo_text.CONSULTATIONS_CICA[0])]
        assert [(a.id, str(step)) for a, step in report.waiting_for_rebase] == [
            (a.id, str(step)) for a, step in mapped.waiting_for_rebase
        ]
        assert [row.item.clause.id for row in report.changed_since_last] == [
            row.item.clause.id for row in mapped.changed_since_last
        ]
        assert len(report.changed_since_last) == 1
        # CICA's proposal on Article 4, and those to the clause changed since the SWG, wait for a rebase.
        changed = report.changed_since_last[0].item.clause.id
        outdated += [a for a in tabled if a.clause_id == changed]
        assert len(outdated) >= 2
        assert sorted(a.id for a, _ in report.waiting_for_rebase) == sorted(a.id for a in outdated)
        assert report.last_meeting is not None and report.last_meeting.code == "SWG"
        assert report.brackets_since_last == mapped.brackets_since_last
        assert report.brackets_since_last is not None and report.brackets_since_last.now > 0
