"""`flask --app app create-user`: the password comes from a prompt or standard input, never from arguments."""

from __future__ import annotations

import getpass

from sqlalchemy import select

from mou_tracker.extensions import db
from mou_tracker.models import AuditEvent, Party, User
from tests.conftest import Browser


def _add_party(app):
    with app.app_context():
        db.session.add(Party(code="CICA", name="CICA Secretariat"))
        db.session.commit()


def test_create_user_reads_the_password_from_standard_input(app):
    _add_party(app)
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--login",
            "focal.point",
            "--name",
            "Focal Point",
            "--role",
            "negotiator",
            "--party",
            "cica",
        ],
        input="a-passphrase-from-stdin\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created focal.point (Negotiator, CICA)" in result.output
    assert "a-passphrase-from-stdin" not in result.output
    Browser(app.test_client()).sign_in("focal.point", "a-passphrase-from-stdin")


def test_create_user_has_no_password_option():
    from mou_tracker import create_app

    command = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}).cli.get_command(
        None, "create-user"
    )
    assert not any("password" in opt for param in command.params for opt in param.opts)


def test_create_user_refuses_bad_input_with_a_message_and_stores_nothing(app):
    _add_party(app)
    runner = app.test_cli_runner()
    cases = [
        (["--role", "negotiator"], "a-good-long-passphrase", "A negotiator must belong to a party."),
        (
            ["--role", "negotiator", "--party", "NATO"],
            "a-good-long-passphrase",
            "There is no party with the code 'NATO'.",
        ),
        (["--role", "chair"], "short", "at least 12 characters"),
    ]
    for extra, password, message in cases:
        result = runner.invoke(
            args=["create-user", "--login", "someone", "--name", "Someone", *extra], input=password + "\n"
        )
        assert result.exit_code != 0
        assert message in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_a_token_minted_on_the_command_line_is_audited_as_the_operators_act_not_the_owners(app, demo, monkeypatch):
    monkeypatch.setattr(getpass, "getuser", lambda: "ops.oncall")
    result = app.test_cli_runner().invoke(
        args=["create-token", "--login", "cica.chair", "--name", "registry sync", "--days", "30"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "token.created")).one()
        chair = db.session.scalar(select(User).where(User.login == "cica.chair"))
        assert event.actor_id is None  # the owner did not do it
        assert event.summary.startswith(
            "OS user ops.oncall (via the command line) created the API token 'registry sync' ("
        )
        assert event.summary.endswith(f") for {chair.display_name} (cica.chair), valid 30 days")
        assert event.after | {"prefix": None, "expires_at": None} == {
            "name": "registry sync",
            "prefix": None,
            "expires_at": None,
            "owner": "cica.chair",
            "operator": "OS user ops.oncall",
            "via": "command line",
        }
        assert result.output.strip().startswith(event.after["prefix"])
    # Tokens belong to no negotiation: a negotiation's audit trail does not list them (it would tell who takes
    # part in negotiations its readers cannot open).
    browser = Browser(app.test_client(), demo)
    browser.sign_in("cica.chair")
    assert "token.created" not in browser.get("/audit").get_data(as_text=True)


def test_a_token_a_user_makes_in_the_browser_is_still_theirs_in_the_audit_trail(app, demo):
    from tests.api.test_api import create_token
    from tests.services.test_amendments import as_user

    create_token(as_user(app, demo, "cica.chair"), "meeting portal")
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "token.created")).one()
        assert event.actor.login == "cica.chair"
        assert event.summary.startswith(f"{event.actor.display_name} created the API token 'meeting portal'")
        assert "operator" not in event.after
