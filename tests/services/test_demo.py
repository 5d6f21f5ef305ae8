"""The demo negotiation is built from the concept paper, loads once, and prints its passwords only then."""

from __future__ import annotations

import re
from pathlib import Path

from mou_tracker import demo_text
from mou_tracker.core.roles import Role
from mou_tracker.extensions import db
from mou_tracker.models import AuditEvent, Clause, Instrument, Milestone, User
from mou_tracker.services import demo as demo_service

#: The concept paper's section the demo's Article 2 quotes, shipped with the tests (the whole paper is not).
CONCEPT_PAPER = Path(__file__).resolve().parents[1] / "fixtures" / "concept-paper" / "areas-of-cooperation.txt"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_five_areas_of_cooperation_are_the_concept_papers_words():
    paper = _squash(CONCEPT_PAPER.read_text())
    article_2 = next(spec for spec in demo_text.DRAFT if spec["heading"] == "Areas of cooperation")
    assert len(article_2["children"]) == 5
    for area in article_2["children"]:
        assert area["kind"] == "paragraph"
        assert _squash(area["en"]).rstrip(";.") in paper
        assert area["ru"]  # the paper gives the Russian too


def _count(specs) -> int:
    return sum(1 + _count(spec["children"]) for spec in specs)


def test_loads_parties_milestones_users_and_draft(app, demo):
    with app.app_context():
        instrument = db.session.scalar(db.select(Instrument).filter_by(slug=demo_text.SLUG))
        assert [p.code for p in instrument.parties] == ["CICA", "UNOCT"]
        milestones = db.session.scalars(
            db.select(Milestone).filter_by(instrument_id=instrument.id).order_by(Milestone.position)
        ).all()
        assert [(m.code, m.date and m.date.isoformat()) for m in milestones] == [
            ("SWG", "2024-03-12"),
            ("SOC", "2024-03-14"),
            ("SIGN", None),
        ]
        users = db.session.scalars(db.select(User)).all()
        for role in Role:
            for party in ("CICA", "UNOCT"):
                assert any(u.role is role and u.party.code == party for u in users), (role, party)
        assert instrument.language_codes == ["en", "ru"]
        clauses = db.select(db.func.count()).select_from(Clause).filter_by(instrument_id=instrument.id)
        assert db.session.scalar(clauses) == _count(demo_text.DRAFT)


def test_the_demo_holds_a_second_negotiation_imported_from_pasted_text(app, demo):
    """CICA takes part in both; UNOCT only in the first: the list and the separation show."""
    with app.app_context():
        second = db.session.scalar(db.select(Instrument).filter_by(slug=demo_text.SECOND_SLUG))
        assert [p.code for p in second.parties] == ["CICA", "RATS"]
        assert second.language_codes == ["en", "ru"]
        clauses = db.session.scalars(db.select(Clause).filter_by(instrument_id=second.id).order_by(Clause.id)).all()
        kinds = [c.kind.value for c in clauses]
        assert kinds == ["title", "preamble", "preamble", "preamble", "article", "article"] + ["paragraph"] * 3 + [
            "article",
            "paragraph",
        ]
        areas = clauses[5].versions[0]
        assert areas.text("en").heading == "Areas of cooperation"
        assert areas.text("ru").heading == "Направления сотрудничества"
        assert clauses[-1].versions[0].text("ru").body.startswith("Совершено в Астане")
        event = db.session.scalar(db.select(AuditEvent).filter_by(kind="instrument.imported", instrument_id=second.id))
        assert event.after["source"] == "pasted text (demo)" and len(event.after["sha256"]) == 64
        # The main demo's draft went in through the same import, dated and authored as circulated.
        first = db.session.scalar(db.select(Instrument).filter_by(slug=demo_text.SLUG))
        imported = db.session.scalar(
            db.select(AuditEvent).filter_by(kind="instrument.imported", instrument_id=first.id)
        )
        assert imported.after["clauses"] == _count(demo_text.DRAFT) and imported.after["languages"] == ["en", "ru"]
        version = db.session.scalars(db.select(Clause).filter_by(instrument_id=first.id)).first().versions[0]
        assert version.created_at == demo_text.INITIAL_DRAFT_AT and version.created_by.login == "cica.negotiator"


def test_loading_twice_changes_nothing_and_shows_no_password(app, demo):
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count()).select_from(Clause))
        assert demo_service.load_demo(db.session) is None
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(Clause)) == before


def test_every_demo_password_signs_in(app, demo):
    from tests.conftest import Browser

    assert set(demo) == {login for login, *_ in demo_text.USERS}
    assert len(set(demo.values())) == len(demo)  # random, not shared
    for login, password in demo.items():
        browser = Browser(app.test_client(), demo)
        browser.sign_in(login, password)
        assert browser.get("/").status_code == 200


def test_cli_prints_passwords_on_first_load_only(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "cica.negotiator" in first.output
    passwords = re.findall(r"^\s+(\S+)\s+(\S+)$", first.output, flags=re.MULTILINE)
    assert len(passwords) == len(demo_text.USERS)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "already loaded" in second.output
    assert all(password not in second.output for _, password in passwords)
