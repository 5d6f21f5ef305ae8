"""Backup and restore of the whole negotiation, and migrations that keep a populated database intact."""

from __future__ import annotations

import json

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from mou_tracker.extensions import db
from mou_tracker.models import Amendment, User
from mou_tracker.services import backup
from mou_tracker.services.errors import ValidationFailed

from .conftest import Browser, _wipe, wid_of
from .test_agreement import _record_all, review, tabled
from .test_amendments import SETTLEMENT, act, amendment_id, as_user, propose


@pytest.fixture
def busy(app, demo):
    """A negotiation with something in every table: amendments, revisions, comments, reviews, answers, a meeting."""
    people = {
        login: as_user(app, demo, login)
        for login in ("unoct.negotiator", "cica.negotiator", "cica.legal", "cica.chair")
    }
    chair = people["cica.chair"]
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    _record_all(app, "SWG")
    chair.post(
        "/meetings/SWG/conclude", {"result": "recommended", "note": "Рекомендовано КСДЛ."}, token_from="/meetings/SWG"
    )
    adopted = tabled(people, app)
    people["cica.negotiator"].post(
        f"/amendments/{adopted}/comments", {"body": "Internal: fine by us.", "internal": "y"}
    )
    act(people["cica.negotiator"], adopted, "concur")
    review(people["cica.legal"], adopted)
    tabled(people, app, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably.")
    amendment_id(
        propose(people["cica.negotiator"], wid_of(app, SETTLEMENT), "Any difference will be settled by consultation.")
    )
    return people


def _dump(app, **kwargs) -> dict:
    with app.app_context():
        document = backup.export_negotiation(db.session, **kwargs)
    document.pop("exported_at")
    return document


def test_round_trip_yields_identical_data(app, demo, busy):
    before = _dump(app)
    assert all(
        before["tables"][name]
        for name in (
            "amendments",
            "amendment_revisions",
            "amendment_comments",
            "reviews",
            "responses",
            "milestone_snapshots",
            "milestone_outcomes",
            "audit_events",
        )
    )
    _wipe(app)
    with app.app_context():
        counts = backup.import_negotiation(db.session, json.loads(json.dumps(before)))
        db.session.commit()
    assert counts["clause_versions"] == len(before["tables"]["clause_versions"])
    assert _dump(app) == before
    # The restored negotiation works: old passwords sign in, and new rows get fresh ids.
    browser = Browser(app.test_client(), demo)
    browser.sign_in("unoct.negotiator")
    new_id = amendment_id(
        propose(browser, wid_of(app, "Nothing in or relating"), "Nothing in this Memorandum waives any immunity.")
    )
    with app.app_context():
        assert new_id > max(row["id"] for row in before["tables"]["amendments"])
        assert db.session.get(Amendment, new_id).citation == "UNOCT-3"


def test_a_shared_copy_carries_no_credentials(app, demo, busy):
    shared = _dump(app, include_credentials=False)
    assert shared["credentials"] is False
    assert {row["password_hash"] for row in shared["tables"]["users"]} == {backup.NO_CREDENTIALS}
    assert all(demo[row["login"]] not in json.dumps(shared) for row in shared["tables"]["users"])
    _wipe(app)
    with app.app_context():
        backup.import_negotiation(db.session, shared)
        db.session.commit()
    refused = Browser(app.test_client(), demo).post("/login", {"login": "cica.chair", "password": demo["cica.chair"]})
    assert refused.status_code == 401


def test_a_file_from_another_schema_or_into_a_used_database_is_refused(app, demo, busy):
    document = _dump(app)
    with app.app_context(), pytest.raises(ValidationFailed, match="database is not empty"):
        backup.import_negotiation(db.session, document)
    _wipe(app)
    newer = dict(document, schema="0099_from_the_future")
    with app.app_context():
        with pytest.raises(ValidationFailed, match="written at schema '0099_from_the_future'"):
            backup.import_negotiation(db.session, newer)
        with pytest.raises(ValidationFailed, match="not a MoU Tracker negotiation file"):
            backup.import_negotiation(db.session, {"tables": {}})
        db.session.rollback()
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_the_commands_round_trip_through_a_file(app, demo, busy, tmp_path):
    path = tmp_path / "negotiation.json"
    runner = app.test_cli_runner()
    written = runner.invoke(args=["export-negotiation", str(path)])
    assert written.exit_code == 0 and "rows" in written.output
    before = json.loads(path.read_text())
    refused = runner.invoke(args=["import-negotiation", str(path)])
    assert refused.exit_code != 0 and "not empty" in refused.output
    _wipe(app)
    restored = runner.invoke(args=["import-negotiation", str(path)])
    assert restored.exit_code == 0, restored.output
    runner.invoke(args=["export-negotiation", str(path)])
    after = json.loads(path.read_text())
    before.pop("exported_at"), after.pop("exported_at")
    assert after == before
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\xff\xfe not json")
    assert "Cannot read" in runner.invoke(args=["import-negotiation", str(garbage)]).output


def _trimmed(rows: list[dict], columns: set[str]) -> list[dict]:
    return [{k: v for k, v in row.items() if k in columns} for row in rows]


@pytest.mark.parametrize("revision", ["0003_review_meetings", "0002_amendments", "0001_foundation"])
def test_a_populated_database_survives_downgrade_and_upgrade_with_its_data_intact(app, demo, busy, revision):
    before = _dump(app)["tables"]
    with app.app_context():
        try:
            downgrade(revision=revision)
            inspector = inspect(db.engine)
            kept = {
                t: {c["name"] for c in inspector.get_columns(t)}
                for t in inspector.get_table_names()
                if t != "alembic_version"
            }
            upgrade()
        finally:
            upgrade()
    after = _dump(app)["tables"]
    assert set(kept) <= set(before)
    for table, columns in kept.items():
        assert _trimmed(after[table], columns) == _trimmed(before[table], columns), table
    # And the app still serves it.
    browser = Browser(app.test_client(), demo)
    browser.sign_in("cica.chair")
    assert "Article 8" in browser.get("/").get_data(as_text=True)
