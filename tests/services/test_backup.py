"""Backup and restore of the whole negotiation, and migrations that keep a populated database intact."""

from __future__ import annotations

import copy
import json

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from werkzeug.security import generate_password_hash

from mou_tracker.core.workflow import AmendmentState
from mou_tracker.extensions import db
from mou_tracker.models import Amendment, User
from mou_tracker.services import backup
from mou_tracker.services.errors import ValidationFailed
from tests.api.test_api import create_token
from tests.conftest import Browser, _wipe, wid_of
from tests.services.test_agreement import _record_all, review, tabled
from tests.services.test_amendments import SETTLEMENT, act, amendment_id, as_user, propose


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


#: The signing key of these tests (a real one comes from a file or MOU_BACKUP_KEY; see README).
KEY = b"a test key of at least thirty-two bytes"


def _export(app, **kwargs) -> dict:
    with app.app_context():
        return backup.export_negotiation(db.session, **({"key": KEY} | kwargs))


def _dump(app, **kwargs) -> dict:
    """The export without what differs from one export to the next (its time, and so its signature)."""
    document = _export(app, **kwargs)
    document.pop("exported_at")
    document.pop("signature", None)
    return document


def _rows_in_database(app) -> int:
    """Rows of the record; the search index (rebuilt from the record after a restore) is not carried in a file."""
    with app.app_context():
        return sum(
            db.session.scalar(db.select(db.func.count()).select_from(table))
            for table in db.Model.metadata.sorted_tables
            if table.name not in backup.DERIVED_TABLES
        )


def test_round_trip_yields_identical_data(app, demo, busy):
    document = _export(app)
    before = {k: v for k, v in document.items() if k not in ("exported_at", "signature")}
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
        counts = backup.import_negotiation(db.session, json.loads(json.dumps(document)), key=KEY)
        db.session.commit()
    assert counts["clause_versions"] == len(before["tables"]["clause_versions"])
    assert _dump(app) == before
    # The restored negotiation works: old passwords sign in, and new rows get fresh ids.
    browser = Browser(app.test_client(), demo)
    browser.sign_in("unoct.negotiator")
    new_id = amendment_id(
        propose(browser, wid_of(app, "Nothing in or relating"), "Nothing in this Memorandum waives any immunity.")
    )
    assert act(browser, new_id, "table").status_code == 302  # numbered at tabling, after the restored ones
    with app.app_context():
        assert new_id > max(row["id"] for row in before["tables"]["amendments"])
        assert db.session.get(Amendment, new_id).citation == "UNOCT-3"


def test_a_shared_copy_carries_no_credentials(app, demo, busy, tmp_path):
    create_token(as_user(app, demo, "cica.chair"))
    shared = _export(app, include_credentials=False)
    assert shared["credentials"] is False
    assert {row["password_hash"] for row in shared["tables"]["users"]} == {backup.NO_CREDENTIALS}
    assert all(demo[row["login"]] not in json.dumps(shared) for row in shared["tables"]["users"])
    # Nor the digests of API tokens or sign-in sessions: with them, the original owners' secrets would open the copy.
    assert all(shared["tables"][name] == [] for name in backup.CREDENTIAL_TABLES if name in shared["tables"])
    _wipe(app)
    path, key_file = tmp_path / "shared.json", _key_file(tmp_path)
    path.write_text(json.dumps(shared))
    restored = app.test_cli_runner().invoke(args=["import-negotiation", str(path), "--key-file", str(key_file)])
    assert restored.exit_code == 0, restored.output
    assert "shared without credentials: nobody can sign in until their password is reset" in restored.output
    refused = Browser(app.test_client(), demo).post("/login", {"login": "cica.chair", "password": demo["cica.chair"]})
    assert refused.status_code == 401


def test_a_file_from_another_schema_or_into_a_used_database_is_refused(app, demo, busy):
    document = _export(app)
    with app.app_context(), pytest.raises(ValidationFailed, match="database is not empty"):
        backup.import_negotiation(db.session, document, key=KEY)
    _wipe(app)
    newer = _signed(dict(document, schema="0099_from_the_future"))
    with app.app_context():
        with pytest.raises(ValidationFailed, match="written at schema '0099_from_the_future'"):
            backup.import_negotiation(db.session, newer, key=KEY)
        with pytest.raises(ValidationFailed, match="not a MoU Tracker negotiation file"):
            backup.import_negotiation(db.session, {"tables": {}}, key=KEY)
        db.session.rollback()
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_the_commands_round_trip_through_a_file(app, demo, busy, tmp_path, monkeypatch):
    path = tmp_path / "negotiation.json"
    key_file = _key_file(tmp_path)
    runner = app.test_cli_runner()
    unkeyed = runner.invoke(args=["export-negotiation", str(path)])
    assert unkeyed.exit_code != 0 and "Give the key to sign the file with" in unkeyed.output
    assert not path.exists()
    written = runner.invoke(args=["export-negotiation", str(path), "--key-file", str(key_file)])
    assert written.exit_code == 0 and "rows" in written.output and "signed" in written.output
    before = json.loads(path.read_text())
    assert before["signature"]["algorithm"] == "HMAC-SHA256"
    refused = runner.invoke(args=["import-negotiation", str(path), "--key-file", str(key_file)])
    assert refused.exit_code != 0 and "not empty" in refused.output
    _wipe(app)
    unkeyed = runner.invoke(args=["import-negotiation", str(path)])
    assert unkeyed.exit_code != 0 and "give the key it was signed with" in unkeyed.output
    monkeypatch.setenv("MOU_BACKUP_KEY", KEY.decode())  # the key may come from the environment as well
    restored = runner.invoke(args=["import-negotiation", str(path)])
    assert restored.exit_code == 0, restored.output
    assert "Warning" not in restored.output and "without credentials" not in restored.output
    runner.invoke(args=["export-negotiation", str(path)])
    after = json.loads(path.read_text())
    for document in (before, after):
        document.pop("exported_at"), document.pop("signature")
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


# A file that cannot be trusted ---------------------------------------------------------------------------------------

MISMATCH = "The file's signature does not match: it was changed after export, or the key is wrong."


def _key_file(tmp_path):
    path = tmp_path / "backup.key"
    path.write_bytes(KEY + b"\n")
    return path


def _signed(document: dict, key: bytes = KEY) -> dict:
    """The document as a holder of the key would sign it: a valid signature over whatever it now says."""
    document = dict(document)
    document["signature"] = {"algorithm": "HMAC-SHA256", "value": backup.signature_of(document, key)}
    return document


def _row(document: dict, table: str, **where) -> tuple[int, dict]:
    """The first row of `table` matching `where`, with its number in the file (counted from 1, as messages do)."""
    return next(
        (number, row)
        for number, row in enumerate(document["tables"][table], start=1)
        if all(row[k] == v for k, v in where.items())
    )


def _edit_clause_text(document):
    document["tables"]["clause_texts"][0]["body"] += " Each party shall pay the other's costs."
    return MISMATCH


def _edit_audit_summary(document):
    document["tables"]["audit_events"][-1]["summary"] = "Nothing happened."
    return MISMATCH


def _edit_password_hash(document):
    _, chair = _row(document, "users", login="cica.chair")
    chair["password_hash"] = generate_password_hash("the attacker's own password", method="pbkdf2:sha256:1000")
    return MISMATCH


def _strip_signature(document):
    document.pop("signature")
    return "The file is not signed, so nobody can tell whether it was changed after export."


def _sign_with_another_key(document):
    document["signature"] = _signed(document, b"somebody else's key, also long enough")["signature"]
    return MISMATCH


def _strip_revisions(document):
    tables = document["tables"]
    number, amendment = _row(document, "amendments", id=max(a["id"] for a in tables["amendments"]))
    gone = {r["id"] for r in tables["amendment_revisions"] if r["amendment_id"] == amendment["id"]}
    tables["amendment_revisions"] = [r for r in tables["amendment_revisions"] if r["id"] not in gone]
    tables["amendment_texts"] = [t for t in tables["amendment_texts"] if t["revision_id"] not in gone]
    return (
        f"amendments row {number} (id={amendment['id']}): the amendment has no revisions in amendment_revisions; "
        "every amendment has at least one."
    )


def _renumber_revision(document):
    number, amendment = _row(document, "amendments", state="draft")
    _, revision = _row(document, "amendment_revisions", amendment_id=amendment["id"])
    revision["seq"] = 2
    return f"amendments row {number} (id={amendment['id']}): the amendment's revisions in amendment_revisions are numbered 2"


def _orphan_revision(document):
    revision = document["tables"]["amendment_revisions"][0]
    revision["amendment_id"] = 9999
    return (
        f"amendment_revisions row 1 (id={revision['id']}): amendment_id refers to amendments 9999, "
        "which is not in the file."
    )


def _orphan_clause_version(document):
    version = document["tables"]["clause_versions"][2]
    version["clause_id"] = 9999
    return f"clause_versions row 3 (id={version['id']}): clause_id refers to clauses 9999, which is not in the file."


def _oversized_text(document):
    number, text = _row(document, "clause_texts", language="en")
    text["body"] = ("x" * 999 + "\x00") * 30_000  # 30 MB, with NUL characters in it
    return (
        f"clause_texts row {number} (version_id={text['version_id']}, language=en): "
        "body is 30,000,000 characters long; the limit is 20,000."
    )


def _nul_in_text(document):
    number, text = _row(document, "clause_texts", language="ru")
    text["body"] = "Статья\x00 1"
    return (
        f"clause_texts row {number} (version_id={text['version_id']}, language=ru): "
        "body contains a control character (U+0000); remove it and try again."
    )


def _escape_in_summary(document):
    event = document["tables"]["audit_events"][0]
    event["summary"] = "\x1b[2J\x1b[31mDemo negotiation loaded"
    return f"audit_events row 1 (id={event['id']}): summary contains a control character (U+001B)"


def _nul_in_audit_details(document):
    number, event = next((n, e) for n, e in enumerate(document["tables"]["audit_events"], 1) if e["after"])
    event["after"] = {"note": ["fine", {"deep": "not\x00fine"}]}
    return f"audit_events row {number} (id={event['id']}): after contains a control character (U+0000)"


def _surrogate_in_comment(document):
    comment = document["tables"]["amendment_comments"][0]
    comment["body"] = "Internal: \ud800"
    return f"amendment_comments row 1 (id={comment['id']}): body contains a control character (U+D800)"


def _bad_state(document):
    amendment = document["tables"]["amendments"][0]
    amendment["state"] = "approved"
    return (
        f"amendments row 1 (id={amendment['id']}): state is approved, which is not one of: "
        + ", ".join(state.value for state in AmendmentState)
        + "."
    )


def _bad_role(document):
    number, user = _row(document, "users", login="cica.chair")
    user["role"] = "superuser"
    return f"users row {number} (id={user['id']}): role is superuser, which is not one of: negotiator, legal_reviewer"


def _bad_date(document):
    number, milestone = _row(document, "milestones", code="SOC")
    milestone["date"] = "2024-02-30"
    return f"milestones row {number} (id={milestone['id']}): date is not a date (as 2024-03-12): 2024-02-30."


def _naive_time(document):
    amendment = document["tables"]["amendments"][0]
    amendment["created_at"] = "2024-03-12T09:30:00"
    return (
        f"amendments row 1 (id={amendment['id']}): created_at is not a date and time with its offset from UTC: "
        "2024-03-12T09:30:00."
    )


def _number_as_text(document):
    clause = document["tables"]["clauses"][0]
    clause["position"] = "first"
    return f"clauses row 1 (id={clause['id']}): position must be a whole number, not first."


def _huge_number(document):
    clause = document["tables"]["clauses"][0]
    clause["position"] = 2**40
    return f"clauses row 1 (id={clause['id']}): position must be a whole number, not {2**40}."


def _missing_column(document):
    clause = document["tables"]["clauses"][0]
    del clause["wid"]
    return f"clauses row 1 (id={clause['id']}): the columns do not match this schema (unknown: —; missing: wid)."


def _duplicate_id(document):
    clauses = document["tables"]["clauses"]
    clauses[1]["id"] = clauses[0]["id"]
    return f"clauses row 2 (id={clauses[0]['id']}): row 1 has the same id."


def _unknown_table(document):
    document["tables"]["secrets"] = []
    return "The file has tables this schema does not know: secrets."


def _untabled_number(document):
    # Every value is well-formed; the database's own rule (a number only once tabled) refuses the row.
    _, amendment = _row(document, "amendments", state="draft")
    amendment["number"] = 99
    return "The database refused the rows of amendments:"


TAMPERED = {
    # name: (change, signed again by a holder of the key afterwards)
    "edited clause text": (_edit_clause_text, False),
    "edited audit summary": (_edit_audit_summary, False),
    "edited password hash": (_edit_password_hash, False),
    "signature stripped": (_strip_signature, False),
    "signed with another key": (_sign_with_another_key, False),
    "amendment stripped of its revisions": (_strip_revisions, True),
    "revisions with a gap": (_renumber_revision, True),
    "revision of a missing amendment": (_orphan_revision, True),
    "version of a missing clause": (_orphan_clause_version, True),
    "30 MB clause text": (_oversized_text, True),
    "NUL in a clause text": (_nul_in_text, True),
    "escape sequence in an audit summary": (_escape_in_summary, True),
    "NUL inside audit details": (_nul_in_audit_details, True),
    "lone surrogate in a comment": (_surrogate_in_comment, True),
    "bad state": (_bad_state, True),
    "bad role": (_bad_role, True),
    "bad date": (_bad_date, True),
    "time without a time zone": (_naive_time, True),
    "text for a number": (_number_as_text, True),
    "number too large for the database": (_huge_number, True),
    "missing column": (_missing_column, True),
    "duplicate id": (_duplicate_id, True),
    "unknown table": (_unknown_table, True),
    "rule only the database knows": (_untabled_number, True),
}


def test_a_tampered_or_inconsistent_file_is_refused_with_a_message_and_nothing_is_written(app, demo, busy, tmp_path):
    original = _export(app)
    _wipe(app)
    key_file = _key_file(tmp_path)
    runner = app.test_cli_runner()
    path = tmp_path / "tampered.json"
    for name, (change, sign_again) in TAMPERED.items():
        document = copy.deepcopy(original)
        expected = change(document)
        if sign_again:
            document = _signed(document)
        path.write_text(json.dumps(document))
        result = runner.invoke(args=["import-negotiation", str(path), "--key-file", str(key_file)])
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (name, result.output)
        assert "Traceback" not in result.output, name
        assert f"Error: {expected}" in result.output, (name, result.output[:500])
        assert _rows_in_database(app) == 0, name
    # The untouched file still goes in, with the same key.
    path.write_text(json.dumps(original))
    result = runner.invoke(args=["import-negotiation", str(path), "--key-file", str(key_file)])
    assert result.exit_code == 0, result.output
    assert _rows_in_database(app) == sum(len(rows) for rows in original["tables"].values())
    with app.app_context():  # and the search finds the restored texts again
        assert db.session.scalar(db.select(db.func.count()).select_from(db.Model.metadata.tables["search_entries"])) > 0


def test_an_unsigned_file_goes_in_only_when_accepted_and_with_a_warning(app, demo, busy, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "unsigned.json"
    written = runner.invoke(args=["export-negotiation", str(path), "--unsigned"])
    assert written.exit_code == 0 and "unsigned" in written.output
    assert json.loads(path.read_text()).get("signature") is None
    _wipe(app)
    refused = runner.invoke(args=["import-negotiation", str(path)])
    assert refused.exit_code == 1 and "The file is not signed" in refused.output
    assert _rows_in_database(app) == 0
    # Accepted, it is still checked record by record.
    document = json.loads(path.read_text())
    document["tables"]["amendments"][0]["state"] = "approved"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    refused = runner.invoke(args=["import-negotiation", str(bad), "--accept-unsigned"])
    assert refused.exit_code == 1 and "state is approved" in refused.output
    assert _rows_in_database(app) == 0
    accepted = runner.invoke(args=["import-negotiation", str(path), "--accept-unsigned"])
    assert accepted.exit_code == 0, accepted.output
    assert "Warning: the file was not signed" in accepted.output
    assert _rows_in_database(app) > 0


def test_a_short_key_is_refused(app, demo, tmp_path):
    short = tmp_path / "short.key"
    short.write_text("secret")
    result = app.test_cli_runner().invoke(
        args=["export-negotiation", str(tmp_path / "x.json"), "--key-file", str(short)]
    )
    assert result.exit_code == 1 and "The backup key must have at least 32 characters." in result.output
    assert not (tmp_path / "x.json").exists()
