"""Load the demo negotiation (idempotent)."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import demo_text
from ..core.clause_kinds import ClauseKind
from ..core.roles import Role
from ..core.structure import RecognisedClause, Recognition
from ..models import (
    Instrument,
    InstrumentAssignment,
    InstrumentLanguage,
    InstrumentParty,
    Milestone,
    Party,
    User,
)
from . import audit
from .users import create_user


def new_wid() -> str:
    """A stable clause identifier: random, so that it carries no position that could later be wrong."""
    return "c-" + uuid.uuid4().hex[:12]


def demo_is_loaded(session: Session) -> bool:
    return session.scalar(select(Instrument.id).limit(1)) is not None


def load_demo(session: Session) -> dict[str, str] | None:
    """Load the demo draft, parties, milestones and users. Returns {login: password}, or None when already loaded.

    Passwords are random for every load, so no password is ever written in the repository.
    """
    if demo_is_loaded(session):
        return None

    parties = {}
    for position, (code, name) in enumerate(demo_text.PARTIES):
        parties[code] = session.scalar(select(Party).where(Party.code == code)) or Party(
            code=code, name=name, position=position
        )
        session.add(parties[code])
    session.flush()

    passwords: dict[str, str] = {}
    users: dict[str, User] = {}
    for login, display_name, role, party_code in demo_text.USERS:
        existing = session.scalar(select(User).where(User.login == login))
        if existing is not None:
            users[login] = existing
            continue
        password = secrets.token_urlsafe(12)
        users[login] = create_user(
            session,
            None,
            login=login,
            display_name=display_name,
            role=Role(role),
            party_id=parties[party_code].id,
            password=password,
            system=True,
        )
        passwords[login] = password

    instrument = Instrument(slug=demo_text.SLUG, title=demo_text.INSTRUMENT_TITLE, short_title=demo_text.SHORT_TITLE)
    for position, (code, name, required) in enumerate(demo_text.LANGUAGES):
        instrument.languages.append(InstrumentLanguage(code=code, name=name, position=position, required=required))
    for position, party in enumerate(parties.values()):
        instrument.party_links.append(InstrumentParty(party=party, position=position))
    session.add(instrument)
    session.flush()
    # The demo's chairs, legal reviewers and administrators work on this negotiation (negotiators by their party).
    for user in users.values():
        if user.role.works_by_assignment:
            session.add(InstrumentAssignment(instrument_id=instrument.id, user_id=user.id))

    # The draft goes in through the same import an administrator uses (services.imports), as the recognised tree
    # of the note's English and Russian texts, circulated by the CICA Secretariat's negotiator on 6 March 2024.
    from . import imports
    from .draft import forget_instrument, remember_instrument

    remember_instrument(session, instrument)
    imports.import_draft(
        session,
        users["cica.admin"],
        {language: Recognition(_recognised(demo_text.DRAFT, language), []) for language in ("en", "ru")},
        source="note NCT/CT/274 (demo)",
        sha256=hashlib.sha256(json.dumps(demo_text.DRAFT, sort_keys=True).encode()).hexdigest(),
        reason=demo_text.INITIAL_DRAFT_REASON,
        recorded_by=users["cica.negotiator"],
        recorded_at=demo_text.INITIAL_DRAFT_AT,
    )
    forget_instrument(session)

    for position, (code, name, body, date) in enumerate(demo_text.MILESTONES):
        session.add(
            Milestone(instrument_id=instrument.id, code=code, name=name, body=body, date=date, position=position)
        )

    audit.record(session, None, "instrument.loaded", instrument, f"Demo negotiation loaded: {instrument.short_title}")
    session.flush()
    _load_second_negotiation(session, users)
    return passwords


def _recognised(draft: list[dict], language: str) -> list[RecognisedClause]:
    """The demo draft's tree in one language, in reading order (a clause without that language has no text)."""
    clauses: list[RecognisedClause] = []

    def walk(spec: dict, parent: int | None, depth: int) -> None:
        heading = spec["heading"] if language == "en" else spec.get("heading_ru")
        clauses.append(RecognisedClause(ClauseKind(spec["kind"]), parent, depth, heading, spec[language] or "", ()))
        here = len(clauses) - 1
        for child in spec["children"]:
            walk(child, here, depth + 1)

    for spec in draft:
        walk(spec, None, 0)
    return clauses


def _load_second_negotiation(session: Session, users: dict[str, User]) -> None:
    """A second, small negotiation (CICA with SCO RATS), opened and imported the way an administrator does it:
    its draft pasted as plain text in English and Russian, recognised, aligned and stored."""
    from ..core.structure import paragraphs_from_plain_text, recognise
    from . import imports, negotiations
    from .draft import forget_instrument, remember_instrument

    code, name = demo_text.SECOND_PARTY
    second = negotiations.create_negotiation(
        session,
        users["cica.admin"],
        title=demo_text.SECOND_TITLE,
        short_title=demo_text.SECOND_SHORT_TITLE,
        slug=demo_text.SECOND_SLUG,
        party_ids=[users["cica.admin"].party_id],
        new_parties=[negotiations.NewParty(code, name)],
        authoritative_language="en",
        other_languages=["ru"],
        meetings=[negotiations.NewMeeting(*meeting) for meeting in demo_text.SECOND_MEETINGS],
        assigned_user_ids=[users["cica.chair"].id, users["cica.legal"].id],
    )
    remember_instrument(session, second)
    texts = {"en": demo_text.SECOND_DRAFT_EN, "ru": demo_text.SECOND_DRAFT_RU}
    imports.import_draft(
        session,
        users["cica.admin"],
        {language: recognise(paragraphs_from_plain_text(text)) for language, text in texts.items()},
        source="pasted text (demo)",
        sha256=hashlib.sha256("".join(texts.values()).encode()).hexdigest(),
        reason="Initial draft circulated by the CICA Secretariat",
    )
    forget_instrument(session)
