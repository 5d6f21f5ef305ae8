"""E-mail: the outbox worker, which renders notifications in each recipient's language and sends them.

An action only writes notifications (services.notifications), marking those whose recipient takes e-mail at once;
the worker (`flask send-mail`, `run_once`) renders each from its row into the outbox, queues the daily digests, and
sends what is due, retrying with back-off; administrators read the outbox in the product.

Configuration (environment, read in config.py): `MAIL_SERVER` (none: nothing is sent, administrators read the
outbox in the product), `MAIL_PORT` (587), `MAIL_USE_TLS` (STARTTLS, on), `MAIL_USE_SSL` (implicit TLS, off),
`MAIL_USERNAME` / `MAIL_PASSWORD`, `MAIL_DEFAULT_SENDER`, and `MOU_BASE_URL` for the links in messages.
The standard library's smtplib does the sending: one dependency fewer, and everything the outbox needs (a
connection per run, a refusal per message) is there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import smtplib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .core import notifications as rules
from .core.messages import Message
from .i18n import request_translations, translate
from .models import OutboxMessage, User
from .models.base import utcnow
from .services import notifications


def notification_text(template: str, params: dict[str, Any], language: str) -> str:
    """The sentence of a notification in `language` (values that are themselves messages translated too, a
    meeting's name in that language where the negotiation has it)."""
    with force_locale(language):
        values = {}
        for key, value in params.items():
            if key == "meeting_names":
                continue
            if isinstance(value, dict) and "template" in value:
                value = translate(Message(value["template"], **value["params"]))
            values[key] = value
        names = params.get("meeting_names") or {}
        if "meeting" in values and names.get(language):
            values["meeting"] = names[language]
        return str(translate(Message(template, **values)))


def _link(target: str) -> str:
    return current_app.config["MOU_BASE_URL"].rstrip("/") + "/" + target


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def render(language: str, template: str, params: dict[str, Any], target: str) -> Rendered:
    sentence = notification_text(template, params, language)
    with force_locale(language):
        gettext = request_translations().ugettext
        body = "\n\n".join(
            [
                sentence,
                gettext("Open it: %(link)s") % {"link": _link(target)},
                gettext(
                    "You receive this because you take part in this negotiation in MoU Tracker. Choose how "
                    "often you are told by e-mail on your account page."
                ),
            ]
        )
        return Rendered(subject=f"MoU Tracker: {sentence}", body=body)


def install(app: Flask) -> None:
    """Notifications are marked to be mailed at once only when a mail server is configured; without one, the
    notifications page is the only channel (the demo; digests the worker queues wait in the outbox)."""
    notifications.install_mailing(bool(app.config.get("MAIL_SERVER")))


# The worker -------------------------------------------------------------------------------------------------


def queue_at_once(session: Session, now: dt.datetime) -> int:
    """Render each notification waiting to be mailed at once into an outbox message of its own, due now: in its
    recipient's language and to their address as they are now, from the notification row only (its sentence,
    values and link were fixed with the action; nothing is read again from the amendment or the post). A recipient
    who may no longer be told (deactivated, gone from the negotiation, or of another party than the private event's)
    gets nothing; one who now takes a digest gets it in the digest, one who takes no e-mail, none. Returns how many
    messages were queued."""
    queued = 0
    rendered: dict[tuple[str, str, str, str], Rendered] = {}  # one event, one language: rendered once
    batch = 500
    while True:
        waiting = notifications.waiting_at_once(session, limit=batch)
        for notification, user, may_be_told in waiting:
            if not (may_be_told and user.email and user.email_mode is rules.EmailMode.immediate):
                # Off this queue: a digest user's digest carries it (if they may be told); otherwise it stays on
                # the notifications page only.
                notification.mail_at_once = False
                continue
            key = (
                user.language,
                notification.template,
                json.dumps(notification.params, sort_keys=True),
                notification.target,
            )
            if key not in rendered:
                try:
                    rendered[key] = render(
                        user.language, notification.template, notification.params, notification.target
                    )
                except Exception:  # one that cannot be rendered must not stop everyone else's e-mail
                    current_app.logger.exception("Notification %s could not be rendered as an e-mail", notification.id)
                    notification.mail_at_once = False  # it stays on the notifications page
                    continue
            message = rendered[key]
            session.add(
                OutboxMessage(
                    user_id=user.id,
                    to_address=user.email,
                    subject=message.subject,
                    body=message.body,
                    created_at=now,
                    next_attempt_at=now,  # due in this very run
                )
            )
            notification.mailed_at = now
            queued += 1
        session.flush()  # those handled leave the queue before the next batch is read
        if len(waiting) < batch:
            return queued


def queue_digests(session: Session, now: dt.datetime) -> int:
    """One message per digest user whose day is up, with every notification since their last digest."""
    queued = 0
    for user_id, pending in notifications.due_digests(session, now).items():
        user = session.get(User, user_id)
        if user is None or not user.email:
            continue
        with force_locale(user.language):
            gettext = request_translations().ugettext
            lines = [
                f"- {notification_text(n.template, n.params, user.language)}\n  {_link(n.target)}" for n in pending
            ]
            subject = "MoU Tracker: " + gettext("%(count)s notifications") % {"count": len(pending)}
        session.add(
            OutboxMessage(
                user_id=user.id,
                to_address=user.email,
                subject=subject,
                body="\n".join(lines),
                created_at=now,
                next_attempt_at=now,  # due in this very run (the column's default would be a moment later)
            )
        )
        for notification in pending:
            notification.mailed_at = now
        queued += 1
    return queued


def _connect(config: dict) -> smtplib.SMTP:
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    timeout = float(config.get("MAIL_TIMEOUT_SECONDS", 20))
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return smtp


def send_due(session: Session, now: dt.datetime | None = None) -> tuple[int, int]:
    """Send every message whose time has come; returns (sent, failed this run). A refusal or an unreachable
    server is recorded on the message, which is tried again later (core.notifications.retry_delay_seconds)
    until MAX_ATTEMPTS; the user's action that wrote it was committed long before and stands."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0, 0
    now = now or utcnow()
    due = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed.is_(False), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(200)
    ).all()
    if not due:
        return 0, 0
    sent = failed = 0
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as error:
        for message in due:
            _failed(message, now, f"Cannot reach the mail server: {error}")
        return 0, len(due)
    with smtp:
        for message in due:
            email = EmailMessage()
            email["From"] = formataddr(("MoU Tracker", config["MAIL_DEFAULT_SENDER"]))
            email["To"] = message.to_address
            email["Subject"] = message.subject
            email["Message-ID"] = make_msgid(domain=config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or None)
            email.set_content(message.body)
            try:
                smtp.send_message(email)
            except (OSError, smtplib.SMTPException) as error:
                _failed(message, now, str(error))
                failed += 1
                continue
            message.sent_at = now
            message.attempts += 1
            sent += 1
    return sent, failed


def _failed(message: OutboxMessage, now: dt.datetime, error: str) -> None:
    message.attempts += 1
    message.last_error = error[:2000]
    if message.attempts >= rules.MAX_ATTEMPTS:
        message.failed = True
    message.next_attempt_at = now + dt.timedelta(seconds=rules.retry_delay_seconds(message.attempts))


class OutboxBusy(Exception):
    """Another `send-mail` run is working on the outbox: this one leaves it alone."""


#: The PostgreSQL advisory lock the one `send-mail` run working on the outbox holds ("MoU" and 1).
OUTBOX_LOCK_KEY = 0x4D6F5501


@contextlib.contextmanager
def one_run_at_a_time(session: Session) -> Iterator[None]:
    """Hold the outbox for one run of the worker, from before it reads to after its commit: two runs at once (a
    second `send-mail --loop`, a cron job beside it) would each render the same notifications and send the same
    messages. Raises `OutboxBusy` when another run holds it.

    On PostgreSQL, a transaction-level advisory lock taken in `session`'s transaction: let go at its commit or
    rollback, or when the connection drops (a killed worker holds nothing). On SQLite, whose database is a file on
    this machine, an exclusive lock on a file beside it, let go when the block ends or the process dies (SQLite's
    own locking would refuse the second run's writes, but possibly only at its commit, after it had sent)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        if not session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": OUTBOX_LOCK_KEY}):
            raise OutboxBusy
        yield
        return
    database = bind.engine.url.database
    if not database or database == ":memory:":  # a database no other process can open
        yield
        return
    with open(f"{database}.send-mail.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutboxBusy from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run_once(session: Session, now: dt.datetime | None = None) -> tuple[int, int, int]:
    """Render the notifications to mail at once, queue due digests, then send: (digests queued, sent, failed)."""
    now = now or utcnow()
    queue_at_once(session, now)
    digests = queue_digests(session, now)
    session.flush()
    sent, failed = send_due(session, now)
    return digests, sent, failed
