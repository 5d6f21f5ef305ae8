"""Load the demo negotiation (idempotent)."""

from __future__ import annotations

import hashlib
import json
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import demo_text
from ..core.clause_kinds import ClauseKind
from ..core.roles import Role
from ..core.structure import RecognisedClause, Recognition
from ..models import (
    Delegation,
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

#: The demo's meetings as CICA names them in Russian.
MEETING_NAMES_RU = {
    "SWG": "Специальная рабочая группа",
    "SOC": "Комитет старших должностных лиц",
    "SIGN": "Подписание",
}

#: Delegations of CICA Member States at the SWG and the SOC (English and Russian names).
DELEGATIONS = [
    ("Republic of Azerbaijan", "Азербайджанская Республика"),
    ("People's Republic of China", "Китайская Народная Республика"),
    ("Republic of India", "Республика Индия"),
    ("Republic of Kazakhstan", "Республика Казахстан"),
    ("Russian Federation", "Российская Федерация"),
    ("Republic of Türkiye", "Турецкая Республика"),
]


def demo_is_loaded(session: Session) -> bool:
    return session.scalar(select(Instrument.id).limit(1)) is not None


def load_demo(session: Session) -> dict[str, str] | None:
    """Load the demo draft, parties, milestones and users. Returns {login: password}, or None when already loaded.
    The negotiation starts at the circulated draft, the SWG planned (`load_midway` takes it further).

    Passwords are random for every load, so no password is ever written in the repository.
    """
    if demo_is_loaded(session):
        return None

    parties = {}
    for position, (code, name) in enumerate(demo_text.PARTIES):
        parties[code] = session.scalar(select(Party).where(Party.code == code)) or Party(
            code=code, name=name, names={"ru": demo_text.PARTY_NAMES_RU[code]}, position=position
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
        names = {"ru": MEETING_NAMES_RU[code]} if code in MEETING_NAMES_RU else {}
        session.add(
            Milestone(
                instrument_id=instrument.id, code=code, name=name, names=names, body=body, date=date, position=position
            )
        )
    # The SWG and the SOC are bodies of CICA's Member States: the delegations that attend them.
    for position, (name, name_ru) in enumerate(DELEGATIONS):
        session.add(Delegation(instrument_id=instrument.id, name=name, names={"ru": name_ru}, position=position))

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
        party_ids=[party.id for party in [users["cica.admin"].party] if party is not None],
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


def run_the_swg(session: Session, *, note: str = "") -> None:
    """The demo's SWG as it went: the chair freezes the draft, records the whole meeting on the one form as it is
    proposed (endorsed, deferred where the clause is in brackets) but for a reservation by the delegation of
    Kazakhstan on privileges and immunities, and concludes it, recommending the draft to the SOC. "Done at [place],
    on [date]" is deferred with the clauses under amendment: its place and date are settled when the signature is
    arranged, and a chair does not endorse placeholders (#17). Through the
    services a chair uses, for a demo that starts mid-way (load_demo leaves the SWG planned, as the tests expect)."""
    from ..core.milestones import MeetingResult
    from ..core.status import ClauseStatus
    from . import meetings
    from .draft import forget_instrument, remember_instrument
    from .standing import standings

    chair = _user(session, "cica.chair")
    instrument = _demo_instrument(session)
    remember_instrument(session, instrument)
    try:
        swg = meetings.freeze(session, chair, "SWG")
        privileges = _wid(session, instrument, SWG_RESERVATION_CLAUSE)
        kazakhstan = session.scalars(
            select(Delegation).where(Delegation.instrument_id == instrument.id, Delegation.name == SWG_RESERVATION_BY)
        ).one()
        clauses = meetings.frozen_draft(session, swg)
        bracketed = {
            cid for cid, s in standings(session, chair, instrument).items() if s.status is ClauseStatus.bracketed
        }
        proposed = meetings.proposed_outcomes({}, bracketed, [item.clause.id for item in clauses])
        choices = [
            meetings.OutcomeChoice(item.clause.wid, "reservation", f"delegation-{kazakhstan.id}", SWG_RESERVATION_NOTE)
            if item.clause.wid == privileges
            else meetings.OutcomeChoice(item.clause.wid, proposed[item.clause.id].value)
            for item in clauses
        ]
        meetings.record_outcomes(session, chair, "SWG", choices, expected_version=swg.lock_version)
        meetings.conclude(session, chair, "SWG", result=MeetingResult.recommended, note=note)
    finally:
        forget_instrument(session)


def _demo_instrument(session: Session) -> Instrument:
    return session.scalars(select(Instrument).where(Instrument.slug == demo_text.SLUG)).one()


def _user(session: Session, login: str) -> User:
    return session.scalars(select(User).where(User.login == login)).one()


def _wid(session: Session, instrument: Instrument, body_start: str) -> str:
    """The stable id of the demo clause whose English text (in any version) starts with `body_start`."""
    from ..models import Clause, ClauseText, ClauseVersion

    return session.scalars(
        select(Clause.wid)
        .join(ClauseVersion, ClauseVersion.clause_id == Clause.id)
        .join(ClauseText, ClauseText.version_id == ClauseVersion.id)
        .where(Clause.instrument_id == instrument.id, ClauseText.language == "en")
        .where(ClauseText.body.startswith(body_start))
        .limit(1)
    ).one()


def load_midway(session: Session) -> list[str]:
    """Take the demo negotiation (just loaded by `load_demo`) to the eve of the SOC, through the services the pages
    call, acting as the demo users: amendments of both parties in every state, shared comments and internal notes,
    legal reviews, the SWG frozen, recorded and concluded with a reservation by a delegation, and the SOC ahead
    with clauses still in brackets. Returns what was done, one line per step, for the command line.

    The services stamp the time they run: the amendments, reviews and the SWG's records are dated today, not
    March 2024 (the meetings keep their dates)."""
    from ..core.status import ReviewDecision
    from . import agreement
    from . import amendments as amend
    from .amendments import TextInput
    from .draft import forget_instrument, remember_instrument

    t = demo_text
    cica, unoct = _user(session, "cica.negotiator"), _user(session, "unoct.negotiator")
    cica_legal, unoct_legal = _user(session, "cica.legal"), _user(session, "unoct.legal")
    instrument = _demo_instrument(session)
    done: list[str] = []

    def texts(en: str, ru: str | None = None, heading: str | None = None) -> dict[str, TextInput]:
        return {"en": TextInput(heading, en)} | ({"ru": TextInput(None, ru)} if ru else {})

    def propose(actor: User, clause: str, wording: tuple[str, str], ru: str | None = None, *, answers=None):
        en, rationale = wording
        wid = _wid(session, instrument, clause)
        return amend.propose_change(
            session, actor, wid, texts(en, ru), rationale, answers_id=answers.id if answers else None
        )

    def tabled(actor: User, clause: str, wording: tuple[str, str], ru: str | None = None, *, answers=None):
        amendment = propose(actor, clause, wording, ru, answers=answers)
        return amend.table(session, actor, amendment.id, expected_revision=amendment.latest.seq)

    def concur(actor: User, amendment) -> None:
        agreement.concur(session, actor, amendment.id, expected_revision=amendment.latest.seq)

    def review(actor: User, amendment, decision: ReviewDecision, comment: str = "") -> None:
        agreement.review(
            session, actor, amendment.id, decision=decision, comment=comment, expected_revision=amendment.latest.seq
        )

    remember_instrument(session, instrument)
    try:
        # Before the SWG (6-11 March 2024). Article 4: CICA and UNOCT both propose; UNOCT's is agreed and adopted,
        # so CICA's, still tabled, is outdated.
        consultations_cica = tabled(cica, t.CONSULTATIONS, t.CONSULTATIONS_CICA)
        consultations_unoct = tabled(unoct, t.CONSULTATIONS, t.CONSULTATIONS_UNOCT)
        concur(cica, consultations_unoct)
        review(cica_legal, consultations_unoct, ReviewDecision.cleared)
        done.append(f"{consultations_unoct.citation} adopted; {consultations_cica.citation} outdated by it")
        # Settlement of differences: CICA answers UNOCT with a counter-proposal, which is adopted.
        settlement_unoct = tabled(unoct, t.SETTLEMENT, t.SETTLEMENT_UNOCT)
        settlement_cica = tabled(cica, t.SETTLEMENT, t.SETTLEMENT_CICA, answers=settlement_unoct)
        amend.add_comment(session, unoct, settlement_cica.id, t.SETTLEMENT_COMMENT, internal=False)
        review(unoct_legal, settlement_cica, ReviewDecision.cleared)
        concur(unoct, settlement_cica)
        done.append(f"{settlement_cica.citation} adopted; {settlement_unoct.citation}, which it answered, superseded")
        # Article 3(b): UNOCT rejects CICA's funding clause, with its reason.
        assistance = tabled(cica, t.ASSISTANCE, t.ASSISTANCE_CICA, t.ASSISTANCE_CICA_RU)
        agreement.reject(
            session, unoct, assistance.id, reason=t.ASSISTANCE_REJECTION, expected_revision=assistance.latest.seq
        )
        done.append(f"{assistance.citation} rejected by UNOCT")
        # The Amendment article: CICA withdraws its proposal after UNOCT's comment.
        amendment_article = tabled(cica, t.AMENDMENT, t.AMENDMENT_CICA)
        amend.add_comment(session, unoct, amendment_article.id, t.AMENDMENT_COMMENT, internal=False)
        amend.withdraw(session, cica, amendment_article.id, expected_revision=amendment_article.latest.seq)
        done.append(f"{amendment_article.citation} withdrawn by CICA")
    finally:
        forget_instrument(session)

    # The SWG, 12 March 2024.
    run_the_swg(session, note=t.SWG_CONCLUSION)
    done.append("SWG frozen, outcomes recorded (a reservation by the Republic of Kazakhstan), concluded")

    remember_instrument(session, instrument)
    try:
        # Towards the SOC (14 March 2024).
        information = tabled(unoct, t.INFORMATION, t.INFORMATION_UNOCT, t.INFORMATION_UNOCT_RU)
        amend.add_comment(session, cica, information.id, t.INFORMATION_NOTE, internal=True)
        focal_points = tabled(cica, t.FOCAL_POINTS, t.FOCAL_POINTS_CICA)
        done.append(f"{information.citation} and {focal_points.citation} tabled, awaiting the other party")
        resolution = tabled(cica, t.RESOLUTION, t.RESOLUTION_CICA, t.RESOLUTION_CICA_RU)
        concur(unoct, resolution)
        done.append(f"{resolution.citation} concurred by UNOCT, awaiting legal review")
        termination = tabled(unoct, t.TERMINATION, t.TERMINATION_UNOCT)
        review(cica_legal, termination, ReviewDecision.changes_requested, t.TERMINATION_REVIEW)
        done.append(f"{termination.citation}: legal review asked for changes")
        signature = propose(cica, t.SIGNATURE, t.SIGNATURE_CICA)
        amend.add_comment(session, cica, signature.id, t.SIGNATURE_NOTE, internal=True)
        en, rationale = t.EMBLEM_UNOCT
        emblem = amend.propose_insertion(
            session,
            unoct,
            parent_wid=None,
            after_wid=_wid(session, instrument, t.EMBLEM_AFTER),
            kind=ClauseKind.article,
            texts=texts(en, heading=t.EMBLEM_HEADING),
            rationale=rationale,
        )
        amend.add_comment(session, unoct, emblem.id, t.EMBLEM_NOTE, internal=True)
        done.append("A draft of each party, not yet tabled, with internal notes")
    finally:
        forget_instrument(session)
    session.flush()
    return done


#: The SWG's reservation in the demo: on the clause on privileges and immunities, by Kazakhstan.
SWG_RESERVATION_CLAUSE = "Nothing in or relating"
SWG_RESERVATION_BY = "Republic of Kazakhstan"
SWG_RESERVATION_NOTE = "Awaiting instructions from the capital on privileges and immunities."
