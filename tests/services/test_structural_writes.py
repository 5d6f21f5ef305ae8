"""The structural writes at the service level (issue #21): adopting an insertion makes room among its siblings and
renumbers them; adopting a deletion removes the clause from the draft and renumbers the ones after it, while the
clause keeps its identity and history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mou_tracker.core.clause_kinds import ClauseKind
from mou_tracker.core.status import ReviewDecision
from mou_tracker.core.workflow import AmendmentState
from mou_tracker.models import AuditEvent, Clause, ClauseText, ClauseVersion, User
from mou_tracker.services import agreement, amendments, draft, negotiations
from mou_tracker.services.errors import ValidationFailed

FIRST_AREA = "Addressing problems and threats"
SECOND_AREA = "Considering possible links"
THIRD_AREA = "Implementing national and international standards"
NEW_AREA = "Countering the use of new and emerging technologies for terrorist purposes;"


@pytest.fixture
def people(session, demo):
    users = {u.login: u for u in session.scalars(select(User))}
    negotiations.open_negotiation(session, users["cica.chair"], "cica-unoct-mou")
    return users


def _clause(session, body_start: str) -> Clause:
    return session.scalar(
        select(Clause)
        .join(ClauseVersion)
        .join(ClauseText)
        .where(ClauseText.language == "en", ClauseText.body.startswith(body_start))
    )


def _citations(session, people) -> dict[int, str]:
    return draft.citations(session, people["cica.chair"], draft.current_instrument(session))


def _agree(session, people, amendment_id: int) -> None:
    """UNOCT tables its amendment; CICA concurs and CICA's legal office clears it: it is adopted."""
    amendments.table(session, people["unoct.negotiator"], amendment_id)
    agreement.concur(session, people["cica.negotiator"], amendment_id, expected_revision=1)
    agreement.review(
        session,
        people["cica.legal"],
        amendment_id,
        decision=ReviewDecision.cleared,
        comment="",
        expected_revision=1,
    )


def test_adopting_an_insertion_makes_room_and_renumbers_the_siblings_after_it(session, people):
    first, second, third = (_clause(session, text) for text in (FIRST_AREA, SECOND_AREA, THIRD_AREA))
    article = first.parent
    before = _citations(session, people)
    positions = {c.id: c.position for c in (first, second, third)}
    elsewhere = {c.id: c.position for c in session.scalars(select(Clause).where(Clause.parent_id != article.id))}

    proposal = amendments.propose_insertion(
        session,
        people["unoct.negotiator"],
        parent_wid=article.wid,
        after_wid=first.wid,
        kind=ClauseKind.paragraph,
        texts={"en": amendments.TextInput(None, NEW_AREA)},
        rationale="A new area of cooperation.",
    )
    # Proposing changes nothing in the draft.
    assert _citations(session, people) == before
    _agree(session, people, proposal.id)

    session.expire_all()
    assert proposal.state is AmendmentState.adopted
    new = proposal.clause
    assert new is not None and new.parent_id == article.id and new.kind is ClauseKind.paragraph
    assert new.position == positions[first.id] + 1
    assert (second.position, third.position) == (positions[second.id] + 1, positions[third.id] + 1)
    assert first.position == positions[first.id]
    # Only the siblings under the same article moved.
    assert {c.id: c.position for c in session.scalars(select(Clause).where(Clause.id.in_(elsewhere)))} == elsewhere
    # The new clause's first version is the amendment's text, attributed to it.
    (version,) = new.versions
    assert (version.seq, version.amendment_id, version.text("en").body) == (1, proposal.id, NEW_AREA)

    after = _citations(session, people)
    assert after[new.id] == before[second.id]  # the new paragraph takes the number the second one had
    assert after[second.id] == before[third.id]  # and each one after it moves down one
    assert after[first.id] == before[first.id]
    event = session.scalar(select(AuditEvent).where(AuditEvent.kind == "amendment.adopted"))
    assert event.clause_id == new.id and event.subject_id == str(proposal.id)


def test_adopting_an_insertion_at_the_start_moves_every_sibling(session, people):
    first, second = _clause(session, FIRST_AREA), _clause(session, SECOND_AREA)
    before = _citations(session, people)
    proposal = amendments.propose_insertion(
        session,
        people["unoct.negotiator"],
        parent_wid=first.parent.wid,
        after_wid=None,
        kind=ClauseKind.paragraph,
        texts={"en": amendments.TextInput(None, NEW_AREA)},
        rationale="First of all.",
    )
    _agree(session, people, proposal.id)
    session.expire_all()
    after = _citations(session, people)
    assert proposal.clause.position == 0
    assert after[proposal.clause.id] == before[first.id]
    assert after[first.id] == before[second.id]


def test_adopting_a_deletion_removes_the_clause_and_renumbers_those_after_it(session, people):
    first, second, third = (_clause(session, text) for text in (FIRST_AREA, SECOND_AREA, THIRD_AREA))
    before = _citations(session, people)
    wid, seq = second.wid, second.versions[-1].seq

    proposal = amendments.propose_deletion(session, people["unoct.negotiator"], wid, "Covered elsewhere.")
    _agree(session, people, proposal.id)
    session.expire_all()

    assert proposal.state is AmendmentState.adopted
    latest = second.versions[-1]
    assert (latest.seq, latest.is_deleted, latest.texts, latest.amendment_id) == (seq + 1, True, [], proposal.id)
    # The clause keeps its identity and its history; it is no longer part of the draft.
    assert _clause(session, SECOND_AREA).wid == wid
    after = _citations(session, people)
    assert second.id not in after
    assert after[third.id] == before[second.id] and after[first.id] == before[first.id]
    # And nothing more can be proposed to it.
    with pytest.raises(ValidationFailed, match="deleted from the draft"):
        amendments.propose_change(
            session, people["cica.negotiator"], wid, {"en": amendments.TextInput(None, "Revived.")}, "Back."
        )
