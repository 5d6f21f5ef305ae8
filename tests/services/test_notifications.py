"""Notifications: who is told of what (a table), the bell, e-mail through a real SMTP server (aiosmtpd), and
nothing a party keeps internal reaching anyone outside it."""

from __future__ import annotations

import datetime as dt
import re
import socket

import pytest

from mou_tracker.core.notifications import (
    EmailMode,
    EventFacts,
    Person,
    notification_kind,
    recipients,
    retry_delay_seconds,
)
from mou_tracker.core.roles import Role
from mou_tracker.extensions import db
from mou_tracker.models import Notification, OutboxMessage, User
from tests.conftest import wid_of
from tests.services.test_agreement import review
from tests.services.test_amendments import SETTLEMENT, act, amendment_id, as_user, propose

CICA, UNOCT = 1, 2
PEOPLE = [
    Person(1, Role.negotiator, CICA),
    Person(2, Role.negotiator, UNOCT),
    Person(3, Role.legal_reviewer, CICA),
    Person(4, Role.legal_reviewer, UNOCT),
    Person(5, Role.chair, CICA),
    Person(6, Role.administrator, None),
    Person(7, Role.negotiator, UNOCT),
]


@pytest.mark.parametrize(
    ("kind", "actor", "amendment_party", "private", "told"),
    [
        ("amendment.tabled", 2, UNOCT, None, {1, 5}),
        ("amendment.concurred", 1, UNOCT, None, {2, 3, 4, 7}),
        ("amendment.rejected", 1, UNOCT, None, {2, 7}),
        ("review.changes_requested", 3, UNOCT, None, {2, 7}),
        ("amendment.adopted", 3, UNOCT, None, {1, 2, 5, 7}),
        ("amendment.outdated", None, CICA, None, {1}),
        ("amendment.commented", 1, UNOCT, None, {2, 7}),
        # An internal note on UNOCT's draft: UNOCT's people only, whatever the rule says.
        ("amendment.commented", 2, UNOCT, UNOCT, {7}),
        ("milestone.frozen", 5, None, None, {1, 2, 3, 4, 7}),
        ("amendment.proposed", 2, UNOCT, UNOCT, set()),  # a draft tells nobody
        ("user.updated", 6, None, None, set()),
        # A reservation recorded by the chair: both parties' negotiators, and the other chairs (not its recorder).
        ("milestone.reservation_recorded", 5, None, None, {1, 2, 7}),
        # Reminders come from no one (the periodic job): a reply-by date near tells those who owe the answer ...
        ("deadline.reply_near", None, UNOCT, None, {1}),
        # ... and once passed, the proposers and the chair as well.
        ("deadline.reply_passed", None, UNOCT, None, {1, 2, 5, 7}),
        ("deadline.proposals_near", None, None, None, {1, 2, 5, 7}),
        ("deadline.proposals_passed", None, None, None, {1, 2, 5, 7}),
    ],
    ids=lambda value: str(value),
)
def test_who_is_told_of_what(kind, actor, amendment_party, private, told):
    facts = EventFacts(kind, actor, amendment_party, private)
    assert {person.id for person in recipients(facts, PEOPLE)} == told


@pytest.mark.parametrize(
    ("kind", "before", "after", "rule"),
    [
        ("milestone.outcome_recorded", None, {"outcome": "reservation", "reserved_by": "UNOCT"}, "reservation"),
        ("milestone.outcome_recorded", None, {"outcome": "endorsed", "reserved_by": ""}, None),
        # A note changed on a reservation already told of tells nobody again; another holder does.
        (
            "milestone.outcome_recorded",
            {"outcome": "reservation", "reserved_by": "UNOCT"},
            {"outcome": "reservation", "reserved_by": "UNOCT", "note": "Pending capitals"},
            None,
        ),
        (
            "milestone.outcome_recorded",
            {"outcome": "reservation", "reserved_by": "UNOCT"},
            {"outcome": "reservation", "reserved_by": "Kazakhstan"},
            "reservation",
        ),
        ("amendment.tabled", None, {}, "amendment.tabled"),
        ("amendment.reply_by_set", None, {}, None),
    ],
    ids=lambda value: str(value),
)
def test_which_events_tell_anyone(kind, before, after, rule):
    expected = "milestone.reservation_recorded" if rule == "reservation" else rule
    assert notification_kind(kind, before, after) == expected


def test_a_reservation_tells_both_parties_and_the_chairs_in_their_language(app, demo):
    from mou_tracker.services import meetings

    with app.app_context():
        chair = db.session.scalar(db.select(User).where(User.login == "cica.chair"))
        meetings.freeze(db.session, chair, "SWG")
        wid = wid_of(app, SETTLEMENT)
        meetings.record_outcome(
            db.session, chair, "SWG", wid, outcome=meetings.Outcome.reservation, reserved_by="UNOCT", note=""
        )
        db.session.commit()
    told = {login: [n.kind for n in notifications_of(app, login)] for login in ("cica.negotiator", "unoct.negotiator")}
    assert told == {
        "cica.negotiator": ["milestone.frozen", "milestone.reservation_recorded"],
        "unoct.negotiator": ["milestone.frozen", "milestone.reservation_recorded"],
    }
    assert [n.kind for n in notifications_of(app, "cica.chair")] == []  # its own action
    unoct = as_user(app, demo, "unoct.negotiator")
    assert "UNOCT entered a reservation at Special Working Group" in unoct.get("/notifications/").get_data(as_text=True)


def test_retries_back_off_and_stop_growing():
    assert [retry_delay_seconds(n) for n in (1, 2, 3)] == [60, 120, 240]
    assert retry_delay_seconds(30) == 6 * 3600


def notifications_of(app, login: str) -> list[Notification]:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.login == login))
        return list(db.session.scalars(db.select(Notification).where(Notification.user_id == user.id)))


def test_tabling_tells_the_other_party_and_the_bell_counts_it(app, demo):
    unoct = as_user(app, demo, "unoct.negotiator")
    cica = as_user(app, demo, "cica.negotiator")
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled by consultations."))
    unoct.post(
        f"/amendments/{draft}/comments",
        {"body": "Internal: Kestrel", "internal": "y"},
        token_from=f"/amendments/{draft}",
    )
    assert notifications_of(app, "cica.negotiator") == []  # a draft and its internal note tell the other party nothing

    assert act(unoct, draft, "table").status_code == 302
    told = notifications_of(app, "cica.negotiator")
    assert [n.kind for n in told] == ["amendment.tabled"]
    assert notifications_of(app, "unoct.negotiator") == []  # nobody is told of their own action

    home = cica.get("/").get_data(as_text=True)
    assert "Notifications: 1 unread" in home
    page = cica.get("/notifications/").get_data(as_text=True)
    assert "UNOCT tabled UNOCT-1: your party may respond" in page
    assert f'href="/n/cica-unoct-mou/amendments/{draft}"' in page
    assert "Kestrel" not in page

    assert (
        cica.post("/notifications/read", {"notification": str(told[0].id)}, token_from="/notifications/").status_code
        == 302
    )
    assert "Notifications: 1 unread" not in cica.get("/").get_data(as_text=True)

    # Another user's notification cannot be marked read by guessing its id.
    assert act(cica, draft, "concur").status_code == 302
    reviewer = notifications_of(app, "cica.legal")
    assert [n.kind for n in reviewer] == ["amendment.concurred"]
    cica.post("/notifications/read", {"notification": str(reviewer[0].id)}, token_from="/notifications/")
    assert notifications_of(app, "cica.legal")[0].read_at is None


def test_the_page_speaks_the_readers_language(app, demo):
    unoct = as_user(app, demo, "unoct.negotiator")
    cica = as_user(app, demo, "cica.negotiator")
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled by consultations."))
    act(unoct, draft, "table")
    cica.post("/language", {"language": "ru", "next": "/"}, token_from="/")
    page = cica.get("/notifications/").get_data(as_text=True)
    assert "Сторона UNOCT внесла поправку UNOCT-1" in page


def test_email_settings_refuse_what_is_not_an_address(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    refused = cica.post(
        "/notifications/settings", {"email": "not an address", "mode": "immediate"}, token_from="/notifications/"
    )
    assert refused.status_code == 400
    assert "That is not an e-mail address" in refused.get_data(as_text=True)
    saved = cica.post(
        "/notifications/settings", {"email": "negotiator@cica.example", "mode": "digest"}, token_from="/notifications/"
    )
    assert saved.status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.login == "cica.negotiator"))
        assert (user.email, user.email_mode) == ("negotiator@cica.example", EmailMode.digest)


# E-mail through a real SMTP server --------------------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that keeps what it receives, and refuses the first `refuse` messages."""

    def __init__(self, refuse: int = 0):
        self.messages: list = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 Try again later"
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    from aiosmtpd.controller import Controller

    from mou_tracker import mail

    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MOU_BASE_URL="https://mou.example.org"
    )
    mail.install(app)
    try:
        yield mailbox
    finally:
        controller.stop()
        app.config.update(MAIL_SERVER=None)
        mail.install(app)


def _set_email(app, login: str, mode: EmailMode = EmailMode.immediate, language: str = "en") -> None:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.login == login))
        user.email, user.email_mode, user.language = f"{login}@example.org", mode, language
        db.session.commit()


def _run_worker(app, now: dt.datetime | None = None):
    from mou_tracker import mail

    with app.app_context():
        result = mail.run_once(db.session, now)
        db.session.commit()
        return result


def test_a_legal_reviewer_is_mailed_in_russian_with_the_link_and_follows_it(app, demo, smtp):
    _set_email(app, "cica.legal", language="ru")
    unoct = as_user(app, demo, "unoct.negotiator")
    cica = as_user(app, demo, "cica.negotiator")
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled by consultations."))
    act(unoct, draft, "table")
    act(cica, draft, "concur")
    with app.app_context():  # the action marks whom to mail; it renders nothing: the worker does
        assert db.session.scalars(db.select(OutboxMessage)).all() == []
        (note,) = _notifications_of(app, "cica.legal")
        assert note.mail_at_once and note.mailed_at is None
    assert _run_worker(app) == (0, 1, 0)
    (message,) = smtp.messages
    assert message["To"] == "cica.legal@example.org"
    body = message.get_content()
    assert "CICA согласилась с поправкой UNOCT-1" in message["Subject"]
    link = re.search(r"https://mou\.example\.org(/n/cica-unoct-mou/amendments/\d+)", body).group(1)
    legal = as_user(app, demo, "cica.legal")
    assert legal.get(link).status_code == 200
    assert review(legal, draft).status_code == 302
    assert _run_worker(app) == (0, 0, 0)  # sent once only


def test_a_refusing_server_keeps_the_message_and_it_is_retried(app, demo, smtp):
    smtp.refuse = 1
    _set_email(app, "cica.negotiator")
    unoct = as_user(app, demo, "unoct.negotiator")
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled by consultations."))
    assert act(unoct, draft, "table").status_code == 302  # the action stands whatever the mail server does
    assert _run_worker(app) == (0, 0, 1)
    with app.app_context():
        message = db.session.scalar(db.select(OutboxMessage))
        assert message.attempts == 1 and "451" in message.last_error and message.sent_at is None
        later = message.next_attempt_at + dt.timedelta(seconds=1)
    assert _run_worker(app) == (0, 0, 0)  # not yet due
    assert _run_worker(app, later) == (0, 1, 0)
    assert len(smtp.messages) == 1
    admin = as_user(app, demo, "cica.admin")
    outbox = admin.get("/notifications/outbox")
    assert outbox.status_code == 200 and "cica.negotiator@example.org" in outbox.get_data(as_text=True)
    assert as_user(app, demo, "cica.negotiator").get("/notifications/outbox").status_code == 403


def test_a_digest_collects_a_days_notifications_in_one_message(app, demo, smtp):
    _set_email(app, "cica.negotiator", EmailMode.digest)
    unoct = as_user(app, demo, "unoct.negotiator")
    for words in ("Differences will be settled by consultations.", "Differences will be settled amicably."):
        act(unoct, amendment_id(propose(unoct, wid_of(app, SETTLEMENT), words)), "table")
    assert _run_worker(app) == (1, 1, 0)
    (message,) = smtp.messages
    assert "2 notifications" in message["Subject"]
    assert message.get_content().count("UNOCT tabled") == 2
    act(unoct, amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled quickly.")), "table")
    assert _run_worker(app) == (0, 0, 0)  # the next digest waits a day
    with app.app_context():
        tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1, minutes=1)
    assert _run_worker(app, tomorrow) == (1, 1, 0)


def test_one_event_mails_each_recipient_in_their_own_language(app, demo, smtp):
    """The message is rendered once per language, not per person: each still gets their own language."""
    languages = {"cica.negotiator": "en", "cica.chair": "ru", "unoct.chair": "en"}
    for login, language in languages.items():
        _set_email(app, login, language=language)
    unoct = as_user(app, demo, "unoct.negotiator")
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled by consultations."))
    assert act(unoct, draft, "table").status_code == 302
    assert _run_worker(app) == (0, 3, 0)
    received = {m["To"]: m for m in smtp.messages}
    assert set(received) == {f"{login}@example.org" for login in languages}
    for login, language in languages.items():
        subject = received[f"{login}@example.org"]["Subject"]
        assert bool(re.search("[а-я]", subject)) == (language == "ru"), subject
    assert "UNOCT tabled UNOCT-1: your party may respond" in received["cica.negotiator@example.org"]["Subject"]
    assert f"/n/cica-unoct-mou/amendments/{draft}" in received["cica.chair@example.org"].get_content()
    english = [received[f"{login}@example.org"].get_content() for login in ("cica.negotiator", "unoct.chair")]
    assert english[0] == english[1]


def test_a_notification_that_cannot_be_rendered_leaves_the_others_mailed(app, demo, smtp, monkeypatch):
    """The worker renders each e-mail: one that fails (a sentence stored by an older release, say) is set aside
    on the notifications page, and everyone else's e-mail still goes."""
    languages = {"cica.negotiator": "en", "cica.chair": "ru", "unoct.chair": "en"}
    for login, language in languages.items():
        _set_email(app, login, language=language)
    unoct = as_user(app, demo, "unoct.negotiator")
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled by consultations."))
    assert act(unoct, draft, "table").status_code == 302
    from mou_tracker import mail

    renders = mail.render

    def fails_in_russian(language, *args):
        if language == "ru":
            raise ValueError("a sentence that no longer formats")
        return renders(language, *args)

    monkeypatch.setattr(mail, "render", fails_in_russian)
    assert _run_worker(app) == (0, 2, 0)
    assert {m["To"] for m in smtp.messages} == {"cica.negotiator@example.org", "unoct.chair@example.org"}
    (set_aside,) = _notifications_of(app, "cica.chair")
    assert set_aside.mailed_at is None and not set_aside.mail_at_once
    assert _run_worker(app) == (0, 0, 0)  # not tried again and again


# Rendered by the worker, from the notification alone --------------------------------------------------------


def _notifications_of(app, login: str, kind: str | None = None) -> list[Notification]:
    with app.app_context():
        query = db.select(Notification).join(User).where(User.login == login).order_by(Notification.id)
        if kind:
            query = query.where(Notification.kind == kind)
        return list(db.session.scalars(query))


def _change(app, login: str, **values) -> None:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.login == login))
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()


def test_the_worker_writes_in_the_language_the_recipient_reads_when_it_is_sent(app, demo, smtp):
    _set_email(app, "cica.negotiator", language="en")
    unoct = as_user(app, demo, "unoct.negotiator")
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled by consultations."))
    act(unoct, draft, "table")
    _change(app, "cica.negotiator", language="ru", email="aigerim@cica.example")  # before the worker runs
    assert _run_worker(app) == (0, 1, 0)
    (message,) = smtp.messages
    assert message["To"] == "aigerim@cica.example"
    assert re.search("[а-я]", message["Subject"]) and "UNOCT-1" in message["Subject"]
    link = re.search(r"https://mou\.example\.org(/n/cica-unoct-mou/amendments/\d+)", message.get_content()).group(1)
    assert link == f"/n/cica-unoct-mou/amendments/{draft}"
    assert as_user(app, demo, "cica.negotiator").get(link).status_code == 200
    admin = as_user(app, demo, "cica.admin").get("/notifications/outbox").get_data(as_text=True)
    assert "aigerim@cica.example" in admin and "UNOCT-1" in admin  # the worker's message, as administrators see it


def test_a_tabling_mailed_after_its_withdrawal_still_reads_as_it_was_and_opens(app, demo, smtp):
    _set_email(app, "cica.negotiator")
    unoct = as_user(app, demo, "unoct.negotiator")
    words = "Differences will be settled by consultations."
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), words))
    act(unoct, draft, "table")
    assert act(unoct, draft, "withdraw").status_code == 302  # before the worker ran
    assert _run_worker(app) == (0, 2, 0)
    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects == [
        "MoU Tracker: UNOCT tabled UNOCT-1: your party may respond",
        "MoU Tracker: UNOCT withdrew UNOCT-1",
    ]
    cica = as_user(app, demo, "cica.negotiator")
    for message in smtp.messages:
        assert words not in message.get_content()
        link = re.search(r"https://mou\.example\.org(/\S+)", message.get_content()).group(1)
        assert cica.get(link).status_code == 200


def test_an_internal_post_is_mailed_inside_its_party_only_even_if_the_reader_moved_before_sending(app, demo, smtp):
    from tests.services.test_discussion import clause_url, write

    for login in ("cica.legal", "unoct.legal", "unoct.negotiator", "unoct.chair", "cica.chair"):
        _set_email(app, login)
    cica = as_user(app, demo, "cica.negotiator")
    url = clause_url(app)
    assert write(cica, url, "Fallback: concede arbitration if @cica.legal agrees", internal=True).status_code == 302
    assert _run_worker(app) == (0, 1, 0)
    (message,) = smtp.messages
    assert message["To"] == "cica.legal@example.org"
    assert "mentioned you" in message["Subject"] and "arbitration" not in message.get_content()
    assert "#post-" in message.get_content()
    # A second internal post; its reader joins the other party before the worker runs: nothing reaches them.
    assert write(cica, url, "Second fallback: mediation, @cica.legal", internal=True).status_code == 302
    with app.app_context():
        unoct_id = db.session.scalar(db.select(User.party_id).where(User.login == "unoct.legal"))
    _change(app, "cica.legal", party_id=unoct_id)
    assert _run_worker(app) == (0, 0, 0)
    assert len(smtp.messages) == 1
    (_, second) = _notifications_of(app, "cica.legal", "mentioned")
    assert second.mailed_at is None and not second.mail_at_once  # off the queue for good
    _change(app, "cica.legal", email_mode=EmailMode.digest)  # nor does a digest carry it
    assert _run_worker(app, dt.datetime.now(dt.UTC) + dt.timedelta(days=2)) == (0, 0, 0)


def test_the_mode_at_sending_time_decides_how_and_whether_to_mail(app, demo, smtp):
    for login in ("cica.negotiator", "cica.chair", "unoct.chair"):
        _set_email(app, login)
    unoct = as_user(app, demo, "unoct.negotiator")
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled by consultations."))
    act(unoct, draft, "table")
    _change(app, "cica.negotiator", email_mode=EmailMode.off)
    _change(app, "cica.chair", email_mode=EmailMode.digest)
    assert _run_worker(app) == (1, 2, 0)  # unoct.chair's message alone, cica.chair's digest; none for the negotiator
    assert sorted(m["To"] for m in smtp.messages) == ["cica.chair@example.org", "unoct.chair@example.org"]
    digest = next(m for m in smtp.messages if m["To"] == "cica.chair@example.org")
    assert "1 notifications" in digest["Subject"] and "UNOCT tabled UNOCT-1" in digest.get_content()
    _change(app, "cica.negotiator", email_mode=EmailMode.immediate)  # taking e-mail again mails nothing old
    assert _run_worker(app) == (0, 0, 0)


def test_without_a_mail_server_nothing_is_marked_to_mail_later(app, demo):
    _set_email(app, "cica.negotiator")
    unoct = as_user(app, demo, "unoct.negotiator")
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled by consultations."))
    act(unoct, draft, "table")
    (note,) = _notifications_of(app, "cica.negotiator")
    assert not note.mail_at_once and note.mailed_at is None


def test_the_send_mail_command_renders_and_sends_what_the_actions_left(app, demo, smtp):
    _set_email(app, "cica.negotiator", language="ru")
    unoct = as_user(app, demo, "unoct.negotiator")
    act(unoct, amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled amicably.")), "table")
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "1 message(s) sent, 0 failed" in result.output
    (message,) = smtp.messages
    assert message["To"] == "cica.negotiator@example.org" and "UNOCT-1" in message["Subject"]
    assert re.search("[а-я]", message["Subject"])


def test_a_second_send_mail_run_beside_the_first_sends_nothing_twice(app, demo, smtp):
    """Two workers at once (a second `send-mail --loop`, a cron job beside it): the one that finds the outbox held
    renders and sends nothing, says so, and the mail goes once, by the run that holds it."""
    from sqlalchemy.orm import Session

    from mou_tracker import mail

    _set_email(app, "cica.negotiator")
    unoct = as_user(app, demo, "unoct.negotiator")
    act(unoct, amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled amicably.")), "table")
    runner = app.test_cli_runner()
    with app.app_context(), Session(db.engine) as first, mail.one_run_at_a_time(first):
        second = runner.invoke(args=["send-mail"])
        assert second.exit_code == 0, second.output
        assert "Another send-mail is working on the outbox: this run did nothing." in second.output
        assert smtp.messages == []
        assert db.session.scalars(db.select(OutboxMessage)).all() == []  # nothing rendered either
    result = runner.invoke(args=["send-mail"])  # the first run is over: the next one does the work, once
    assert "1 message(s) sent" in result.output
    assert len(smtp.messages) == 1
    assert "0 message(s) sent" in runner.invoke(args=["send-mail"]).output
