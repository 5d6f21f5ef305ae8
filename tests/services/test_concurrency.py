"""Conflicting actions at the same moment end with exactly one allowed outcome and nothing half-written.

Each thread signs in as its own user in its own app context (its own session and connection), loads what it is
about to act on, waits for the others at a barrier, then acts. The loaded objects are what the user "saw";
the database must then refuse all but one writer.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from mou_tracker.core.status import ReviewDecision
from mou_tracker.extensions import db
from mou_tracker.models import Amendment, Clause, Review, User
from mou_tracker.services import agreement, amendments
from mou_tracker.services.amendments import TextInput
from mou_tracker.services.errors import DomainError
from tests.conftest import wid_of
from tests.services.test_agreement import AMENDMENT_CLAUSE, NEW_WORDING

ROUNDS = 4


def race(app, *actions):
    """Run each (login, load, act) in its own thread at the same moment; return how each ended."""
    barrier = threading.Barrier(len(actions))
    results: list[str | None] = [None] * len(actions)

    def worker(index, login, load, act):
        with app.app_context():
            try:
                user = db.session.scalar(db.select(User).filter_by(login=login))
                loaded = load(user)
                barrier.wait(timeout=10)
                act(user, loaded)
                db.session.commit()
                results[index] = "ok"
            except (DomainError, StaleDataError, IntegrityError, OperationalError) as exc:
                db.session.rollback()
                results[index] = type(exc).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, *a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def _user(login):
    return db.session.scalar(db.select(User).filter_by(login=login))


def _tabled(app, login, wid, text):
    with app.app_context():
        actor = _user(login)
        a = amendments.propose_change(db.session, actor, wid, {"en": TextInput("Amendment", text)}, "Because.")
        amendments.table(db.session, actor, a.id)
        db.session.commit()
        return a.id


def _load_amendment(amendment_id):
    def load(user):
        return amendments.get_amendment(db.session, user, amendment_id)  # now in this session's identity map

    return load


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_competing_amendments_cleared_at_once_only_one_enters_the_draft(app, demo, round_):
    wid = wid_of(app, AMENDMENT_CLAUSE)
    first = _tabled(app, "unoct.negotiator", wid, NEW_WORDING)
    second = _tabled(app, "cica.negotiator", wid, "This Memorandum may be amended at any time by written agreement.")
    with app.app_context():
        agreement.concur(db.session, _user("cica.negotiator"), first, expected_revision=1)
        agreement.concur(db.session, _user("unoct.negotiator"), second, expected_revision=1)
        db.session.commit()

    def clear(amendment_id):
        return lambda user, _: agreement.review(
            db.session, user, amendment_id, decision=ReviewDecision.cleared, comment="", expected_revision=1
        )

    results = race(
        app,
        ("cica.legal", _load_amendment(first), clear(first)),
        ("unoct.legal", _load_amendment(second), clear(second)),
    )
    assert results.count("ok") == 1, results
    with app.app_context():
        clause = db.session.scalar(db.select(Clause).filter_by(wid=wid))
        assert [v.seq for v in clause.versions] == [1, 2]
        states = sorted(db.session.get(Amendment, i).state.value for i in (first, second))
        assert states == ["adopted", "tabled"]
        adopted = next(i for i in (first, second) if db.session.get(Amendment, i).state.value == "adopted")
        assert clause.versions[-1].amendment_id == adopted
        # The loser's review was rolled back whole: no clearance without its effect.
        assert db.session.scalar(db.select(db.func.count()).select_from(Review)) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_reviewers_at_once_exactly_one_review_counts(app, demo, round_):
    new_id = _tabled(app, "unoct.negotiator", wid_of(app, AMENDMENT_CLAUSE), NEW_WORDING)

    def decide(decision, comment):
        return lambda user, _: agreement.review(
            db.session, user, new_id, decision=decision, comment=comment, expected_revision=1
        )

    results = race(
        app,
        ("cica.legal", _load_amendment(new_id), decide(ReviewDecision.cleared, "")),
        ("unoct.legal", _load_amendment(new_id), decide(ReviewDecision.rejected, "Not acceptable.")),
    )
    assert results.count("ok") == 1, results
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Review)) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_revision_during_review_leaves_one_outcome(app, demo, round_):
    new_id = _tabled(app, "unoct.negotiator", wid_of(app, AMENDMENT_CLAUSE), NEW_WORDING)

    def revise(user, _):
        amendments.revise(
            db.session,
            user,
            new_id,
            texts={"en": TextInput("Amendment", NEW_WORDING + " Promptly.")},
            rationale="Speed.",
            expected_revision=1,
        )

    def clear(user, _):
        agreement.review(db.session, user, new_id, decision=ReviewDecision.cleared, comment="", expected_revision=1)

    results = race(
        app, ("unoct.negotiator", _load_amendment(new_id), revise), ("cica.legal", _load_amendment(new_id), clear)
    )
    assert results.count("ok") == 1, results
    with app.app_context():
        amendment = db.session.get(Amendment, new_id)
        reviews = db.session.scalars(db.select(Review)).all()
        if results[0] == "ok":  # the revision won: no review was recorded against any revision
            assert len(amendment.revisions) == 2 and reviews == []
        else:  # the review won: it is bound to revision 1, which is still the latest
            assert len(amendment.revisions) == 1 and [r.revision_id for r in reviews] == [amendment.latest.id]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_administrators_editing_one_user_never_interleave(app, demo, round_):
    from mou_tracker.core.roles import Role
    from mou_tracker.services import users

    with app.app_context():
        target_id = _user("cica.legal").id
        # Administrators manage their own party's accounts only: the race is between two of CICA's.
        cica = _user("cica.admin")
        users.create_user(
            db.session,
            None,
            login="cica.admin2",
            display_name="Second CICA administrator",
            role=Role.administrator,
            party_id=cica.party_id,
            password="second-admin-passphrase",
            system=True,
        )
        db.session.commit()

    def edit(name, role):
        return lambda user, _: users.update_user(
            db.session, user, target_id, display_name=name, role=role, party_id=user.party_id, active=True
        )

    results = race(
        app,
        ("cica.admin", lambda user: users.get_user(db.session, target_id), edit("Yerlan Abenov (Legal)", Role.chair)),
        ("cica.admin2", lambda user: users.get_user(db.session, target_id), edit("Y. Abenov", Role.negotiator)),
    )
    assert results.count("ok") == 1, results
    with app.app_context():
        final = db.session.get(User, target_id)
        # The winner's whole edit, never a mix of the two; the other administrator was told to reload.
        assert (final.display_name, final.role) in {
            ("Yerlan Abenov (Legal)", Role.chair),
            ("Y. Abenov", Role.negotiator),
        }


#: Four clauses of the demo, each a fresh target for one of four parallel proposals.
FOUR_CLAUSES = (
    "Any difference arising from the interpretation",
    "This Memorandum may be amended at any time",
    "Nothing in or relating",
    "The Participants will consult",
)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_party_proposes_to_four_clauses_at_once_and_every_proposal_is_saved(app, demo, round_):
    """Two proposals to different clauses share no row: none may be refused as 'changed meanwhile'."""
    wids = [wid_of(app, start) for start in FOUR_CLAUSES]

    def propose(wid):
        return lambda user, _: amendments.propose_change(
            db.session, user, wid, {"en": TextInput(None, f"New words for {wid}.")}, "Parallel drafting."
        )

    results = race(app, *(("unoct.negotiator", lambda user: None, propose(wid)) for wid in wids))
    assert results == ["ok"] * 4
    with app.app_context():
        saved = db.session.scalars(db.select(Amendment).order_by(Amendment.id)).all()
        assert sorted(a.clause.wid for a in saved) == sorted(wids)
        assert {a.latest.texts[0].body for a in saved} == {f"New words for {wid}." for wid in wids}


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_party_tables_four_drafts_at_once_and_each_gets_its_own_number(app, demo, round_):
    """Citation numbers come from one counter row per party: tablings wait for each other, none is refused."""
    ids = []
    with app.app_context():
        actor = _user("unoct.negotiator")
        for start in FOUR_CLAUSES:
            a = amendments.propose_change(
                db.session, actor, wid_of(app, start), {"en": TextInput(None, f"Other words: {start}.")}, "Because."
            )
            ids.append(a.id)
        db.session.commit()

    def table(amendment_id):
        return lambda user, _: amendments.table(db.session, user, amendment_id, expected_revision=1)

    results = race(app, *(("unoct.negotiator", _load_amendment(i), table(i)) for i in ids))
    assert results == ["ok"] * 4
    with app.app_context():
        assert sorted(db.session.get(Amendment, i).number for i in ids) == [1, 2, 3, 4]
