"""Command-line tasks: `flask --app app create-user | create-token | seed-demo | demo`."""

from __future__ import annotations

import json
import sys

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import run_simple

from .core.roles import Role
from .extensions import db
from .models import User
from .services import api_tokens, backup
from .services import demo as demo_service
from .services import users as user_service
from .services.errors import DomainError


def _print_logins(passwords: dict[str, str] | None) -> None:
    if passwords is None:
        click.echo("The demo negotiation is already loaded; its passwords were shown when it was loaded.")
        click.echo("To start afresh, delete instance/mou_tracker.sqlite3 (or point DATABASE_URL at an empty database).")
        return
    click.echo("Demo negotiation loaded. Demo logins (shown only now):")
    width = max(len(login) for login in passwords)
    for login, password in passwords.items():
        click.echo(f"  {login.ljust(width)}  {password}")


def register_cli(app: Flask) -> None:
    @app.cli.command("create-token")
    @click.option("--login", required=True, help="The user the token acts for.")
    @click.option("--name", required=True, help="What the token is for.")
    @click.option("--days", type=click.Choice(["30", "90", "365"]), default="90", show_default=True)
    def create_token(login: str, name: str, days: str) -> None:
        """Create a personal API token for a user and print it (only now) on standard output."""
        user = db.session.scalar(select(User).where(User.login == login.strip().lower()))
        if user is None:
            raise click.ClickException(f"There is no user '{login}'.")
        try:
            _token, secret = api_tokens.create_token(db.session, user, name=name, lifetime_days=int(days))
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from exc
        db.session.commit()
        click.echo(secret)

    @app.cli.command("create-user")
    @click.option("--login", required=True, help="Sign-in name: lower-case letters, digits, . _ -")
    @click.option("--name", "display_name", required=True, help="Name shown to other users.")
    @click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
    @click.option("--party", "party_code", default=None, help="Party code (CICA, UNOCT); required for negotiators.")
    def create_user(login: str, display_name: str, role: str, party_code: str | None) -> None:
        """Create a user. The password is read from a prompt, or from standard input when it is not a terminal."""
        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        try:
            party = user_service.party_by_code(db.session, party_code) if party_code else None
            user = user_service.create_user(
                db.session,
                None,
                login=login,
                display_name=display_name,
                role=Role(role),
                party_id=party.id if party else None,
                password=password,
                system=True,
            )
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from exc
        db.session.commit()
        click.echo(f"Created {user.login} ({user.role.label}{', ' + user.party.code if user.party else ''}).")

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the demo CICA Secretariat–UNOCT negotiation (does nothing if it is already loaded)."""
        passwords = demo_service.load_demo(db.session)
        db.session.commit()
        _print_logins(passwords)

    @app.cli.command("export-negotiation")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True))
    @click.option(
        "--without-credentials", is_flag=True, help="Leave password hashes out: for a copy that is shared with others."
    )
    def export_command(path: str, without_credentials: bool) -> None:
        """Write the whole negotiation (every version, amendment, review, meeting, user, audit event) as JSON."""
        document = backup.export_negotiation(db.session, include_credentials=not without_credentials)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(document, fh, ensure_ascii=False, indent=1)
        rows = sum(len(r) for r in document["tables"].values())
        click.echo(
            f"Wrote {rows} rows of {len(document['tables'])} tables to {path}"
            + (" (without credentials)" if without_credentials else "")
            + "."
        )

    @app.cli.command("import-negotiation")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def import_command(path: str) -> None:
        """Restore a negotiation written by export-negotiation into an empty database at the same schema."""
        try:
            with open(path, encoding="utf-8") as fh:
                document = json.load(fh)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise click.ClickException(f"Cannot read {path}: {exc}") from exc
        try:
            counts = backup.import_negotiation(db.session, document)
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from exc
        db.session.commit()
        click.echo(f"Restored {sum(counts.values())} rows into {len(counts)} tables.")
        if not document.get("credentials", True):
            click.echo(
                "The file had no credentials: every user needs a new password (flask --app app create-user, "
                "or an administrator's reset) before signing in."
            )

    @app.cli.command("demo")
    @click.option("--port", default=5000, show_default=True)
    def demo(port: int) -> None:
        """Migrate the database, load the demo and serve it on 127.0.0.1 (the README's quick start)."""
        upgrade(directory=current_app.extensions["migrate"].directory)
        passwords = demo_service.load_demo(db.session)
        db.session.commit()
        _print_logins(passwords)
        click.echo(f"Open http://127.0.0.1:{port}/ and sign in with one of the logins above.")
        # Flask ignores app.run() inside its own CLI, so serve with Werkzeug directly (a development server).
        run_simple("127.0.0.1", port, current_app._get_current_object(), threaded=True)
