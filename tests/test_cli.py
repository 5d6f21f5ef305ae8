"""`flask --app app create-user`: the password comes from a prompt or standard input, never from arguments."""

from __future__ import annotations

from mou_tracker.extensions import db
from mou_tracker.models import Party, User

from .conftest import Browser


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
