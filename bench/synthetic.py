"""A synthetic negotiation of a given size, written straight into an empty, migrated database.

Words come from the demo MoU's own English and Russian vocabulary; between the first and the last meeting a set
share of the words changes, spread over later clause versions. Amendments are spread over the clauses, in every
state, the tabled ones with reviews and concurrences, each with its audit event, as the services would leave them.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from mou_tracker import demo_text
from mou_tracker.core.clause_kinds import ClauseKind
from mou_tracker.core.clearance import ResponseKind
from mou_tracker.core.milestones import MeetingResult, MilestoneState, Outcome
from mou_tracker.core.roles import Role
from mou_tracker.core.status import ReviewDecision
from mou_tracker.core.workflow import AmendmentKind, AmendmentState
from mou_tracker.models import (
    Amendment,
    AmendmentRevision,
    AmendmentText,
    AuditEvent,
    Clause,
    ClauseText,
    ClauseVersion,
    Instrument,
    InstrumentAssignment,
    InstrumentLanguage,
    InstrumentParty,
    Milestone,
    MilestoneOutcome,
    MilestoneSnapshot,
    Party,
    Response,
    Review,
    User,
)

PASSWORD = "benchmark-password"  # noqa: S105  (a throwaway database that only the benchmark uses)
START = dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Size:
    name: str
    clauses: int
    words: int
    amendments: int
    milestones: int
    changed: float = 0.05


SIZES = {
    "small": Size("small", clauses=30, words=3_000, amendments=100, milestones=2),
    "mou": Size("mou", clauses=60, words=6_000, amendments=600, milestones=2),
    "treaty": Size("treaty", clauses=300, words=60_000, amendments=5_000, milestones=3),
}


def _walk(specs):
    for spec in specs:
        yield spec
        yield from _walk(spec["children"])


def vocabularies() -> tuple[list[str], list[str]]:
    english, russian = [], []
    for spec in _walk(demo_text.DRAFT):
        english += re.findall(r"[A-Za-z]+", spec["en"])
        russian += re.findall(r"[А-Яа-яЁё]+", spec["ru"] or "")
    return english, russian


def mutate(words: list[str], share: float, pool: list[str], rng: random.Random) -> list[str]:
    """Replace, insert or delete `share` of the words (at least one)."""
    new = list(words)
    for _ in range(max(1, round(len(words) * share))):
        i = rng.randrange(len(new))
        roll = rng.random()
        if roll < 0.6:
            new[i] = rng.choice(pool)
        elif roll < 0.8:
            new.insert(i, rng.choice(pool))
        elif len(new) > 2:
            del new[i]
    return new


def _kinds(count: int) -> list[tuple[ClauseKind, int | None]]:
    """(kind, index of the parent) in reading order: a title, preambular paragraphs, articles with paragraphs."""
    plan: list[tuple[ClauseKind, int | None]] = [(ClauseKind.title, None)]
    preamble = max(2, count // 10)
    plan += [(ClauseKind.preamble, None)] * preamble
    rest = count - len(plan)
    articles = max(1, rest // 4)
    per_article = (rest - articles) // articles
    for n in range(articles):
        plan.append((ClauseKind.article, None))
        article = len(plan) - 1
        extra = (rest - articles) - per_article * articles if n == articles - 1 else 0
        plan += [(ClauseKind.paragraph, article)] * (per_article + extra)
    return plan[:count]


def build(session: Session, size: Size, seed: int = 2024) -> dict:
    rng = random.Random(seed)  # noqa: S311  (reproducible data, not security)
    english, russian = vocabularies()
    parties = [Party(code="CICA", name="CICA Secretariat", position=0), Party(code="UNOCT", name="UNOCT", position=1)]
    session.add_all(parties)
    password = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    users = {}
    for login, name, role, code in demo_text.USERS:
        party = parties[0] if code == "CICA" else parties[1]
        users[login] = User(login=login, display_name=name, role=Role(role), party=party, password_hash=password)
    session.add_all(users.values())
    instrument = Instrument(
        slug=f"synthetic-{size.name}",
        title=f"Synthetic instrument ({size.name})",
        short_title=size.name,
        created_at=START,
    )
    instrument.languages += [
        InstrumentLanguage(code="en", name="English", position=0, required=True),
        InstrumentLanguage(code="ru", name="Русский", position=1, required=False),
    ]
    instrument.party_links += [InstrumentParty(party=p, position=i) for i, p in enumerate(parties)]
    session.add(instrument)
    session.flush()
    session.add_all(
        InstrumentAssignment(instrument_id=instrument.id, user_id=user.id)
        for user in users.values()
        if user.role.works_by_assignment
    )

    per_clause = size.words // size.clauses
    clauses, texts = [], []  # texts[i]: list of (en words, ru words) per version
    siblings: dict[int | None, int] = {}
    for index, (kind, parent) in enumerate(_kinds(size.clauses)):
        position = siblings.get(parent, 0)
        siblings[parent] = position + 1
        clause = Clause(
            instrument_id=instrument.id,
            wid=f"c-{size.name}-{index:04d}",
            parent=clauses[parent] if parent is not None else None,
            position=position,
            kind=kind,
            created_at=START,
        )
        words = per_clause if kind is not ClauseKind.title else 20
        clauses.append(clause)
        texts.append([([rng.choice(english) for _ in range(words)], [rng.choice(russian) for _ in range(words)])])
    session.add_all(clauses)

    # Milestones, and the versions recorded between them: `changed` of the words over the whole span.
    meetings = [
        Milestone(
            instrument_id=instrument.id,
            code=f"M{n + 1}",
            name=f"Meeting {n + 1}",
            body="Synthetic",
            date=(START + dt.timedelta(days=30 * (n + 1))).date(),
            position=n,
        )
        for n in range(size.milestones)
    ]
    session.add_all(meetings)
    step_share = size.changed / max(1, size.milestones - 1)
    versions: list[list[ClauseVersion]] = [[] for _ in clauses]

    def record(i: int, en: list[str], ru: list[str], when: dt.datetime) -> None:
        seq = len(versions[i]) + 1
        version = ClauseVersion(seq=seq, reason="Synthetic", created_by=users["cica.negotiator"], created_at=when)
        version.texts += [
            ClauseText(language="en", body=" ".join(en) + ".", revised_in_seq=seq),
            ClauseText(language="ru", body=" ".join(ru) + ".", revised_in_seq=seq),
        ]
        clauses[i].versions.append(version)
        versions[i].append(version)

    for i, (en, ru) in enumerate(t[0] for t in texts):
        record(i, en, ru, START)
    for n, meeting in enumerate(meetings):
        when = dt.datetime.combine(meeting.date, dt.time(9), tzinfo=dt.UTC)
        if n > 0:  # what changed since the previous meeting, recorded the week before this one
            for i in range(len(clauses)):
                en, ru = texts[i][-1]
                texts[i].append((mutate(en, step_share, english, rng), mutate(ru, step_share, russian, rng)))
                record(i, *texts[i][-1], when - dt.timedelta(days=7))
        session.flush()
        for i, clause in enumerate(clauses):
            session.add(MilestoneSnapshot(milestone_id=meeting.id, clause_id=clause.id, version_id=versions[i][-1].id))
        last = n == len(meetings) - 1
        meeting.state = MilestoneState.frozen if last else MilestoneState.concluded
        meeting.frozen_at, meeting.frozen_by = when, users["cica.chair"]
        if not last:
            meeting.concluded_at, meeting.concluded_by = when, users["cica.chair"]
            meeting.result = MeetingResult.recommended
            for clause in clauses:
                session.add(
                    MilestoneOutcome(
                        milestone_id=meeting.id,
                        clause_id=clause.id,
                        outcome=Outcome.endorsed,
                        recorded_by=users["cica.chair"],
                        recorded_at=when,
                    )
                )
    session.flush()

    # Amendments: spread over the clauses, in every state.
    amendable = [i for i, c in enumerate(clauses) if c.kind is not ClauseKind.title]
    numbers = {"CICA": 0, "UNOCT": 0}
    states = [AmendmentState.tabled] * 3 + [AmendmentState.draft] + [AmendmentState.withdrawn] * 3
    states += [AmendmentState.rejected] * 3
    last_day = dt.datetime.combine(meetings[-1].date, dt.time(12), tzinfo=dt.UTC)
    pending: list[tuple] = []
    for n in range(size.amendments):
        i = amendable[n % len(amendable)]
        party = parties[n % 2]
        proposer = users["cica.negotiator" if party.code == "CICA" else "unoct.negotiator"]
        state = states[n % len(states)]
        when = last_day + dt.timedelta(minutes=n)
        en, ru = texts[i][-1]
        tabled = state is not AmendmentState.draft
        if tabled:
            numbers[party.code] += 1
        amendment = Amendment(
            instrument_id=instrument.id,
            party=party,
            number=numbers[party.code] if tabled else None,
            tabled_seq=1 if tabled else None,
            kind=AmendmentKind.change,
            state=state,
            clause=clauses[i],
            created_by=proposer,
            created_at=when,
            tabled_at=when if tabled else None,
            closed_at=when if not state.is_open else None,
            rejection_reason="Not acceptable." if state is AmendmentState.rejected else "",
        )
        revision = AmendmentRevision(
            seq=1, base_version=versions[i][-1], rationale="Synthetic proposal.", created_by=proposer, created_at=when
        )
        revision.texts += [
            AmendmentText(language="en", body=" ".join(mutate(en, 0.03, english, rng)) + "."),
            AmendmentText(language="ru", body=" ".join(mutate(ru, 0.03, russian, rng)) + "."),
        ]
        amendment.revisions.append(revision)
        session.add(amendment)
        pending.append((n, amendment, revision, proposer, when))
        if len(pending) == 500 or n == size.amendments - 1:
            session.flush()
            for entry in pending:
                _answers_and_audit(session, users, parties, *entry)
            pending.clear()
    for link in instrument.party_links:
        link.last_citation_number = numbers[link.party.code]
    session.flush()
    return {
        "clause_wid": clauses[amendable[0]].wid,
        "first": meetings[0].code,
        "last": meetings[-1].code,
        "pairs": [
            (" ".join(t[0][0]) + ".", " ".join(t[-1][0]) + ".", " ".join(t[0][1]) + ".", " ".join(t[-1][1]) + ".")
            for t in texts
        ],
    }


def _answers_and_audit(session, users, parties, n, amendment, revision, proposer, when) -> None:
    """A review on a third of the tabled amendments, the other party's concurrence on another third."""
    own = amendment.party.code
    if amendment.state is AmendmentState.tabled and n % 3 == 0:
        session.add(
            Review(
                amendment_id=amendment.id,
                revision_id=revision.id,
                reviewer=users["unoct.legal" if own == "CICA" else "cica.legal"],
                decision=ReviewDecision.changes_requested,
                comment="Align the terms.",
                created_at=when,
            )
        )
    if amendment.state is AmendmentState.tabled and n % 3 == 1:
        session.add(
            Response(
                amendment_id=amendment.id,
                revision_id=revision.id,
                party=parties[1] if own == "CICA" else parties[0],
                user=users["unoct.negotiator" if own == "CICA" else "cica.negotiator"],
                kind=ResponseKind.concur,
                created_at=when,
            )
        )
    session.add(
        AuditEvent(
            occurred_at=when,
            actor=proposer,
            kind="amendment.proposed",
            instrument_id=amendment.instrument_id,  # as the app's own events: the state stamp reads by negotiation
            subject_type="Amendment",
            subject_id=str(amendment.id),
            clause_id=amendment.clause_id,
            summary=f"{amendment.citation} proposed",
            private_to_party_id=None if amendment.was_tabled else amendment.party_id,
        )
    )


def app_with_size(size: str, url: str | None, file_name: str):
    """A migrated app on `url` (by default a new SQLite file named `file_name`) holding the synthetic negotiation of
    `size`, built unless a run of this benchmark built it there before; prints how long building took."""
    import secrets
    import tempfile
    import time

    from flask_migrate import upgrade

    from mou_tracker import create_app
    from mou_tracker.extensions import db
    from mou_tracker.models import Instrument

    url = url or f"sqlite:///{tempfile.mkdtemp()}/{file_name}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16), "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        if db.session.scalar(db.select(Instrument).filter_by(slug=f"synthetic-{size}")) is None:
            started = time.perf_counter()
            build(db.session, SIZES[size])
            db.session.commit()
            print(f"{size} built in {time.perf_counter() - started:.1f} s")
    return app


def signed_in_client(app, login: str = "cica.chair"):
    """A test client signed in through the sign-in form, as a browser is."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"login": login, "password": PASSWORD, "csrf_token": token})
    return client
