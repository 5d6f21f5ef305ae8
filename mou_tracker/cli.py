"""Command-line tasks: `flask --app app create-user | create-token | seed-demo | demo | send-mail | ...`."""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import sys
import time

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


def _load_demo_midway() -> None:
    """Load the demo and take it to the eve of the SOC (`services.demo.load_midway`); print what was done and the
    logins. The lines of the story are not indented: only the logins are, as `login  password`."""
    passwords = demo_service.load_demo(db.session)
    done = demo_service.load_midway(db.session) if passwords is not None else []
    db.session.commit()
    if done:
        click.echo("The negotiation is loaded mid-way, the SOC ahead:")
        for line in done:
            click.echo(f"- {line}.")
    _print_logins(passwords)


def _operator() -> str:
    """Who runs a command, for the audit trail: the operating-system account (the app has no sign-in here)."""
    try:
        return f"OS user {getpass.getuser()}"
    except (KeyError, OSError):  # no name for the uid (a bare container): say so rather than guess
        return "an unnamed OS user"


KEY_HELP = "A file holding the backup's signing key (default: the MOU_BACKUP_KEY environment variable)."


def _backup_key(key_file: str | None) -> bytes | None:
    """The signing key: from --key-file (surrounding white space ignored), else from MOU_BACKUP_KEY, else None."""
    key: bytes | None
    if key_file:
        try:
            with open(key_file, "rb") as fh:
                key = fh.read().strip()
        except OSError as exc:
            raise click.ClickException(f"Cannot read the key file {key_file}: {exc}") from exc
    else:
        key = os.environ.get("MOU_BACKUP_KEY", "").strip().encode() or None
    if key is not None:
        try:
            backup.check_key(key)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
    return key


def register_cli(app: Flask) -> None:
    @app.cli.command("create-token")
    @click.option("--login", required=True, help="The user the token acts for.")
    @click.option("--name", required=True, help="What the token is for.")
    @click.option(
        "--days",
        type=click.Choice([str(days) for days in api_tokens.LIFETIMES_DAYS]),
        default=str(api_tokens.DEFAULT_LIFETIME_DAYS),
        show_default=True,
    )
    def create_token(login: str, name: str, days: str) -> None:
        """Create a personal API token for a user and print it (only now) on standard output."""
        user = db.session.scalar(select(User).where(User.login == login.strip().lower()))
        if user is None:
            raise click.ClickException(f"There is no user '{login}'.")
        try:
            _token, secret = api_tokens.create_token(
                db.session, user, name=name, lifetime_days=int(days), operator=_operator()
            )
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
        """Load the demo CICA Secretariat–UNOCT negotiation mid-way (does nothing if it is already loaded)."""
        _load_demo_midway()

    @app.cli.command("export-negotiation")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True))
    @click.option(
        "--without-credentials",
        is_flag=True,
        help="Leave password hashes, API tokens and sign-in sessions out: for a copy that is shared with others.",
    )
    @click.option("--key-file", type=click.Path(exists=True, dir_okay=False), help=KEY_HELP)
    @click.option("--unsigned", is_flag=True, help="Write the file without a signature: nobody can check it.")
    def export_command(path: str, without_credentials: bool, key_file: str | None, unsigned: bool) -> None:
        """Write the whole negotiation (every version, amendment, review, meeting, user, audit event) as signed JSON."""
        key = _backup_key(key_file)
        if key is None and not unsigned:
            raise click.ClickException(
                "Give the key to sign the file with (--key-file PATH, or the MOU_BACKUP_KEY environment variable), "
                "or --unsigned to write a file whose changes nobody can detect."
            )
        try:
            document = backup.export_negotiation(
                db.session, include_credentials=not without_credentials, key=None if unsigned else key
            )
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(document, fh, ensure_ascii=False, indent=1)
        rows = sum(len(r) for r in document["tables"].values())
        notes = [
            note for note, given in (("without credentials", without_credentials), ("unsigned", unsigned)) if given
        ]
        click.echo(
            f"Wrote {rows} rows of {len(document['tables'])} tables to {path}"
            + (f" ({', '.join(notes)})" if notes else ", signed")
            + "."
        )

    @app.cli.command("import-negotiation")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--key-file", type=click.Path(exists=True, dir_okay=False), help=KEY_HELP)
    @click.option(
        "--accept-unsigned",
        is_flag=True,
        help="Import a file written with --unsigned: nothing shows whether it was changed since.",
    )
    def import_command(path: str, key_file: str | None, accept_unsigned: bool) -> None:
        """Restore a negotiation written by export-negotiation into an empty database at the same schema.

        The file's signature is checked with the key, and every record with the rules the app applies when a person
        writes it; a file that fails either is refused, and nothing is written."""
        try:
            with open(path, encoding="utf-8") as fh:
                document = json.load(fh)
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise click.ClickException(f"Cannot read {path}: {exc}") from exc
        key = _backup_key(key_file)
        try:
            counts = backup.import_negotiation(db.session, document, key=key, require_signature=not accept_unsigned)
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from exc
        db.session.commit()
        if not backup.is_signed(document):
            click.echo(
                "Warning: the file was not signed, so nothing shows whether it was changed after export. "
                "Its records passed every check, but only import such a file from a source you trust.",
                err=True,
            )
        click.echo(f"Restored {sum(counts.values())} rows into {len(counts)} tables.")
        if backup.lacks_credentials(document):
            click.echo(
                "The file was shared without credentials: nobody can sign in until their password is reset. "
                "Create an administrator (flask --app app create-user --role administrator ...), sign in as them "
                "and reset the other users' passwords under Users."
            )

    @app.cli.command("import-draft")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--negotiation", "slug", required=True, help="The negotiation's name in addresses (its slug).")
    @click.option(
        "--translation",
        "translations",
        multiple=True,
        metavar="LANG=FILE",
        help="Another language version of the same draft, e.g. ru=draft-ru.docx (may be given more than once).",
    )
    @click.option("--as", "login", help="The administrator who imports (recorded in the audit trail).")
    @click.option("--dry-run", is_flag=True, help="Print the recognised tree and what was not imported; store nothing.")
    def import_draft_command(path: str, slug: str, translations: tuple[str, ...], login: str | None, dry_run: bool):
        """Import a negotiation's draft from a Word document (.docx) or a text file, with its other languages."""
        from .core.structure import Recognition
        from .imports.docx_reader import ImportRefused
        from .imports.sources import recognise_source
        from .models import Instrument
        from .services import imports
        from .services.draft import remember_instrument

        instrument = db.session.scalar(select(Instrument).where(Instrument.slug == slug))
        if instrument is None:
            raise click.ClickException(f"There is no negotiation named {slug!r}.")
        authoritative = next(lang.code for lang in instrument.languages if lang.required)
        files = {authoritative: path}
        for given in translations:
            language, _, other = given.partition("=")
            if not other or not os.path.isfile(other):
                raise click.ClickException(f"--translation takes LANG=FILE; {given!r} names no file.")
            if language.strip().lower() == authoritative:
                raise click.ClickException(f"{authoritative} is the authoritative language: it is read from {path}.")
            files[language.strip().lower()] = other
        versions: dict[str, Recognition] = {}
        digests = []
        for language, name in files.items():
            with open(name, "rb") as handle:
                data = handle.read()
            digests.append(hashlib.sha256(data).hexdigest())
            try:
                versions[language] = recognise_source(data)
            except ImportRefused as exc:
                raise click.ClickException(f"{name}: {exc.message}") from None
        for language, recognition in versions.items():
            click.echo(f"== {language}: {len(recognition.clauses)} clauses")
            for index, clause in enumerate(recognition.clauses, start=1):
                indent = "  " * clause.depth
                heading = f" [{clause.heading}]" if clause.heading else ""
                click.echo(f"{index:4} {indent}{clause.kind.value}{heading}: {clause.text[:90]}")
                for warning in clause.warnings:
                    click.echo(f"       ! {warning}")
            for notice in recognition.notices:
                click.echo(f"  not imported: {notice.message}" + (f" ({notice.text[:80]})" if notice.text else ""))
        for language, recognition in versions.items():
            if language != authoritative:
                for mismatch in imports.align(versions[authoritative], recognition, language).mismatches:
                    click.echo(f"  ! {mismatch}")
        if dry_run:
            click.echo("Dry run: nothing was stored.")
            return
        actor = db.session.scalar(select(User).where(User.login == (login or "")))
        if actor is None:
            raise click.ClickException("Name the administrator who imports with --as LOGIN.")
        remember_instrument(db.session, instrument)
        try:
            clauses = imports.import_draft(
                db.session,
                actor,
                versions,
                source=", ".join(os.path.basename(name) for name in files.values()),
                sha256=" ".join(digests),
            )
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc.message)) from None
        db.session.commit()
        click.echo(f"Imported {len(clauses)} clauses into {instrument.short_title}.")

    @app.cli.command("import-changes")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--negotiation", "slug", required=True, help="The negotiation's name in addresses (its slug).")
    @click.option("--login", required=True, help="The negotiator who uploads: the amendments are their party's.")
    @click.option(
        "--based-on",
        "point",
        default="now",
        show_default=True,
        help="For a clean document: the draft it was made from (now, date:YYYY-MM-DD, milestone:CODE).",
    )
    @click.option("--yes", is_flag=True, help="Create every amendment previewed (without it, store nothing).")
    def import_changes_command(path: str, slug: str, login: str, point: str, yes: bool) -> None:
        """Read a marked-up Word document (tracked changes and comments, or retyped clean) into the negotiator's
        party's draft amendments: print what it would make; create them all with --yes."""
        from .models import Instrument
        from .services import roundtrip
        from .services.draft import remember_instrument

        instrument = db.session.scalar(select(Instrument).where(Instrument.slug == slug))
        if instrument is None:
            raise click.ClickException(f"There is no negotiation named {slug!r}.")
        actor = db.session.scalar(select(User).where(User.login == login))
        if actor is None:
            raise click.ClickException(f"There is no user {login!r}.")
        remember_instrument(db.session, instrument)
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            preview = roundtrip.prepare(db.session, actor, name=os.path.basename(path), data=data, point=point)
            reading = roundtrip.read_preview(db.session, actor, preview.id)
            click.echo(f"{preview.file_name} (SHA-256 {preview.sha256})")
            for item in reading.items:
                authors = "; ".join(author for author, _ in item.credits if author)
                click.echo(
                    f"{item.number:4} {item.kind.value} {item.citation}"
                    + (" [outdated: written against an older text]" if item.outdated else "")
                    + (f" — from the document of {authors}" if authors else "")
                )
                for language, (heading, body) in item.texts.items():
                    if item.base_texts.get(language) != (heading, body):
                        click.echo(f"       {language}: {(heading + ' — ') if heading else ''}{body[:200]}")
                for author, _, text in item.comments:
                    click.echo(f"       comment ({author}): {text[:200]}")
            for index, text, reason in reading.unmatched:
                click.echo(f"  not taken (paragraph {index + 1}): {reason} {text[:80]!r}")
            for notice in reading.notices:
                click.echo(f"  ! {notice}")
            if reading.nothing_changed:
                db.session.rollback()
                click.echo("Nothing changed: the document proposes no change to the draft.")
                return
            if not yes:
                db.session.rollback()
                click.echo("Nothing was stored: run again with --yes to create these amendments.")
                return
            made = roundtrip.confirm(db.session, actor, preview.id, [item.number for item in reading.items])
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc.message)) from None
        db.session.commit()
        citations = ", ".join(str(a.citation) for a in made)
        click.echo(f"Created {len(made)} draft amendments of {actor.party.code if actor.party else ''}: {citations}")

    @app.cli.command("send-mail")
    @click.option("--loop", is_flag=True, help="Keep running: send what is due every --interval seconds.")
    @click.option("--interval", default=30, show_default=True, help="Seconds between two runs with --loop.")
    def send_mail(loop: bool, interval: int) -> None:
        """Write the e-mails of notifications into the outbox (each in its recipient's language, and the daily
        digests), then send what is due; retries what failed."""
        from . import mail

        if not current_app.config.get("MAIL_SERVER"):
            click.echo("No MAIL_SERVER is configured: messages wait in the outbox (Notifications > Outbox).")
        while True:
            try:
                with mail.one_run_at_a_time(db.session):
                    if loop:
                        # Reminders of deadlines come with the worker that runs anyway: each cycle, each sent once
                        # (inside the run's hold on the outbox: two workers never race to send the same one).
                        _queue_reminders()
                    digests, sent, failed = mail.run_once(db.session)
                    db.session.commit()
            except mail.OutboxBusy:
                db.session.rollback()
                click.echo("Another send-mail is working on the outbox: this run did nothing.")
            else:
                click.echo(f"{digests} digest(s) queued, {sent} message(s) sent, {failed} failed (will be retried).")
            if not loop:
                return
            time.sleep(interval)

    def _send_reminders() -> int:
        count = _queue_reminders()
        db.session.commit()
        return count

    def _queue_reminders() -> int:
        from .services import deadlines

        days = int(current_app.config.get("MOU_DEADLINE_REMINDER_DAYS", 2))
        return deadlines.send_reminders(db.session, days_before=days)

    @app.cli.command("prune-attachment-files")
    @click.option(
        "--older-than-minutes",
        default=60,
        show_default=True,
        type=click.IntRange(min=60),
        help="Leave files younger than this: an upload not yet committed may need one.",
    )
    def prune_attachment_files(older_than_minutes: int) -> None:
        """Delete the attachment files no attachment names (left by an upload that failed), once they are older
        than an hour; never a file an attachment needs. Safe to run at any time, for instance hourly from cron."""
        from datetime import timedelta

        from .services import attachments

        storage = attachments.storage_from_config(current_app.config, current_app.instance_path)
        pruned = attachments.remove_orphan_files(db.session, storage, older_than=timedelta(minutes=older_than_minutes))
        click.echo(
            f"Removed {len(pruned.removed)} orphan file(s) ({pruned.bytes_freed} bytes) from {storage.directory}; "
            f"left {pruned.too_young} younger than {older_than_minutes} minutes."
        )

    @app.cli.command("send-reminders")
    def send_reminders() -> None:
        """Remind of reply-by dates and deadlines for written proposals that are near or passed, once each, through
        the notifications (and their e-mail). Safe to run as often as wanted: a reminder is never sent twice."""
        count = _send_reminders()
        click.echo(f"{count} reminder(s) sent.")

    @app.cli.command("refill-stored-redlines")
    @click.option("--batch-size", default=500, show_default=True, type=click.IntRange(min=1), help="Rows per commit.")
    @click.option("--prune", is_flag=True, help="Then remove the kept redlines no page reads (an older engine's).")
    def refill_stored_redlines(batch_size: int, prune: bool) -> None:
        """Diff and keep every redline the pages read that is not kept: run it after an upgrade that changes the
        diff engine (every kept redline is then an older engine's, and the pages diff on every view). Commits every
        --batch-size rows, so it can run while the app serves and be interrupted; a second run writes nothing."""
        from .models import stored_redlines

        done = stored_redlines.refill(db.session, db.session.commit, batch_size=batch_size, prune=prune)
        click.echo(f"{done.written} redline(s) written, {done.kept} already kept, {done.pruned} pruned.")

    @app.cli.command("demo")
    @click.option("--port", default=5000, show_default=True)
    def demo(port: int) -> None:
        """Migrate the database, load the demo and serve it on 127.0.0.1 (the README's quick start)."""
        upgrade(directory=current_app.extensions["migrate"].directory)
        _load_demo_midway()
        click.echo(f"Open http://127.0.0.1:{port}/ and sign in with one of the logins above.")
        # Flask ignores app.run() inside its own CLI, so serve with Werkzeug directly (a development server).
        run_simple("127.0.0.1", port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]
