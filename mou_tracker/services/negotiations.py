"""Several negotiations in one deployment: which ones a user may open, opening one, and their state at a glance.

Every service reads "the negotiation" through `draft.current_instrument`; the web layer and the API open the one
named in the address with `open_negotiation` first, so that every query of the request is scoped to it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from babel import Locale, UnknownLocaleError
from sqlalchemy import and_, bindparam, delete, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload, lazyload

from ..core import permissions
from ..core.clearance import DEFAULT_FOR_NEW_NEGOTIATIONS, ClearanceRule
from ..core.messages import N_, Message
from ..core.milestones import MilestoneState
from ..core.roles import Role
from ..core.slugs import is_valid_slug, slugify
from ..core.workflow import OPEN_STATES
from ..models import (
    Amendment,
    Clause,
    Instrument,
    InstrumentAssignment,
    InstrumentLanguage,
    InstrumentParty,
    Milestone,
    Party,
    User,
)
from ..models.base import MAX_ID
from . import audit
from .amendments import visible_to
from .draft import remember_instrument
from .errors import NotFound, PermissionDenied, ValidationFailed
from .validation import clean_field

NOT_FOUND = N_("There is no negotiation by that name, or it is not open to you.")


def open_to(actor: User):
    """SQL condition: the negotiations this user may open. Negotiators work on those their party takes part in;
    chairs, legal reviewers and administrators on those they are assigned to (`Role.works_by_assignment`)."""
    return _open_to(*_known_by(actor))


def _known_by(actor: User) -> tuple[bool, int | None]:
    """Whether the actor opens negotiations by assignment, and the id that says which: theirs, or their party's."""
    by_assignment = actor.role.works_by_assignment
    return by_assignment, actor.id if by_assignment else actor.party_id


def _open_to(by_assignment: bool, who, instrument=Instrument):
    """`open_to` for a user known by their id (`by_assignment`) or their party's id (`who`: a value, a bound
    parameter of a statement built once, or a column of the user's row); `instrument`: Instrument or an alias."""
    # Correlated explicitly: nested in another subquery (`with_the_opened`), the user's row is two levels out.
    if by_assignment:
        return (
            exists()
            .where(InstrumentAssignment.instrument_id == instrument.id, InstrumentAssignment.user_id == who)
            .correlate_except(InstrumentAssignment)
        )
    return (
        exists()
        .where(InstrumentParty.instrument_id == instrument.id, InstrumentParty.party_id == who)
        .correlate_except(InstrumentParty)
    )


def _open_to_the_row(instrument=Instrument):
    """`open_to` for the user of the statement's row (`User`): by assignment or by party as their role says."""
    # Each role named with its own parameter rather than IN (...): a list is expanded into the statement at every
    # execution, a seventh of the time of running it.
    by_assignment = or_(*(User.role == role for role in Role if role.works_by_assignment))
    by_party = or_(*(User.role == role for role in Role if not role.works_by_assignment))
    return or_(
        and_(by_assignment, _open_to(True, User.id, instrument)),
        and_(by_party, _open_to(False, User.party_id, instrument)),
    )


@dataclass(frozen=True)
class Asked:
    """The negotiation an address asks for: the one named `slug`, or (an old address, without one) the reader's
    oldest (`slug` None)."""

    slug: str | None = None
    #: Whether the page reads the negotiation's languages on every view (its text language is in its part's key):
    #: then they are read with the negotiation; else when first asked for, if ever.
    languages: bool = True


class NotRead:
    """Said of a negotiation not read with the reader (`sign_in_sessions.load` was not asked for one)."""


NOT_READ: Final = NotRead()


def with_the_opened(statement, *, by_slug: bool, languages: bool):
    """`statement`, which reads a user (`User`), made to read as its last column the negotiation asked for (`Asked`:
    named by the bound parameter "slug" when `by_slug`, else the oldest) when it is open to that user (else None), so
    that the reader and the negotiation they open are read at once
    (`sign_in_sessions.load`: every page does both, and in two statements they cost half again as much). The same
    rule as `open_negotiation` and `first_open_to`, which take what it found (`found`)."""
    chosen = _chosen(by_slug, _open_to_the_row)
    opened = statement.add_columns(Instrument).outerjoin(Instrument, chosen)
    return _alone(opened, languages=languages)


def _chosen(by_slug: bool, open_to_it: Callable[[Any], Any]):
    """The condition on `Instrument` that picks the negotiation asked for, given the condition that an instrument
    (Instrument, or an alias of it) is open to the reader: the one named by the bound parameter "slug" (`by_slug`),
    else the oldest open."""
    if by_slug:
        return and_(Instrument.slug == bindparam("slug"), open_to_it(Instrument))
    candidate = aliased(Instrument)
    oldest = select(candidate.id).where(open_to_it(candidate)).order_by(candidate.id).limit(1)
    return Instrument.id == oldest.scalar_subquery()


def _alone(query, *, languages: bool = False):
    """The negotiation's own row (and its `languages`, if asked), its parties read when first asked for: a page kept
    from the reader's previous view does not ask (loading them with every opening was a fifth of a kept dashboard's
    time), a page rendered asks once."""
    read_languages = joinedload(Instrument.languages) if languages else lazyload(Instrument.languages)
    return query.options(read_languages, lazyload(Instrument.party_links))


def open_negotiation(
    session: Session, actor: User | None, slug: str, *, found: Instrument | NotRead | None = NOT_READ
) -> Instrument:
    """The negotiation named `slug`, made the one every service of this unit of work reads (see
    `draft.current_instrument`); not found when it does not exist or this user may not open it. One query (none
    when read with the reader: `found`, see `with_the_opened`): every page asks it."""
    if not permissions.can_read_draft(actor):
        raise NotFound(NOT_FOUND)
    instrument = _opening(session, actor, by_slug=True, slug=slug) if isinstance(found, NotRead) else found
    if instrument is None:
        raise NotFound(NOT_FOUND)
    remember_instrument(session, instrument)
    return instrument


def first_open_to(
    session: Session, actor: User | None, *, found: Instrument | NotRead | None = NOT_READ
) -> Instrument | None:
    """The oldest negotiation this user may open: what addresses without a negotiation's name (kept from the time
    the product held one negotiation) lead to. `found`: as `open_negotiation`'s."""
    if not permissions.can_read_draft(actor):
        return None
    return _opening(session, actor, by_slug=False) if isinstance(found, NotRead) else found


def _opening(session: Session, actor: User, *, by_slug: bool, slug: str | None = None) -> Instrument | None:
    by_assignment, who = _known_by(actor)
    return session.scalars(_opening_query(by_assignment, by_slug), {"who": who, "slug": slug}).unique().first()


@functools.cache
def _opening_query(by_assignment: bool, by_slug: bool):
    """The statement `open_negotiation` (`by_slug`) or `first_open_to` runs for a user of each kind, built once: every
    page runs one, and building it again on each request cost as much as running it."""
    chosen = _chosen(by_slug, lambda instrument: _open_to(by_assignment, bindparam("who"), instrument))
    return _alone(select(Instrument).where(chosen))


@dataclass(frozen=True)
class NegotiationSummary:
    instrument: Instrument
    clauses: int
    #: Open amendments this user may see (tabled ones, and their own party's drafts).
    open_amendments: int
    next_meeting: Milestone | None
    last_activity: dt.datetime | None


def negotiations_of(session: Session, actor: User) -> list[NegotiationSummary]:
    """The negotiations this user may open, oldest first, each with its state at a glance (four queries in all)."""
    if not permissions.can_read_draft(actor):
        return []
    instruments = list(
        session.scalars(
            select(Instrument)
            .where(open_to(actor))
            .options(joinedload(Instrument.languages), joinedload(Instrument.party_links))
            .order_by(Instrument.id)
        ).unique()
    )
    ids = [i.id for i in instruments]
    clauses = dict(
        session.execute(
            select(Clause.instrument_id, func.count())
            .where(Clause.instrument_id.in_(ids))
            .group_by(Clause.instrument_id)
        )
        .tuples()
        .all()
    )
    amendments = dict(
        session.execute(
            select(Amendment.instrument_id, func.count())
            .where(Amendment.instrument_id.in_(ids), Amendment.state.in_(OPEN_STATES), visible_to(actor))
            .group_by(Amendment.instrument_id)
        )
        .tuples()
        .all()
    )
    meetings: dict[int, Milestone] = {}
    for milestone in session.scalars(
        select(Milestone)
        .where(Milestone.instrument_id.in_(ids), Milestone.state != MilestoneState.concluded)
        .order_by(Milestone.position)
    ):
        meetings.setdefault(milestone.instrument_id, milestone)
    activity = dict(
        session.execute(
            select(Amendment.instrument_id, func.max(Amendment.updated_at))
            .where(Amendment.instrument_id.in_(ids), visible_to(actor))
            .group_by(Amendment.instrument_id)
        )
        .tuples()
        .all()
    )
    return [
        NegotiationSummary(i, clauses.get(i.id, 0), amendments.get(i.id, 0), meetings.get(i.id), activity.get(i.id))
        for i in instruments
    ]


# Creating a negotiation ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewParty:
    """An organisation that takes part for the first time: its citation code ("OSCE") and its name."""

    code: str
    name: str


@dataclass(frozen=True)
class NewMeeting:
    code: str
    name: str
    body: str
    date: dt.date | None = None


#: A party's code: what cites its amendments ("CICA-3"). Upper-case letters and digits, 2 to 16.
PARTY_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")
MEETING_CODE = re.compile(r"^[A-Z][A-Z0-9-]{0,15}$")


def _language_name(code: str) -> str:
    """A language's own name ("Русский", "Қазақ тілі", "Français"), or ValidationFailed for a code that is not an
    ISO 639-1 language."""
    if not re.fullmatch(r"[a-z]{2}", code or ""):
        raise ValidationFailed(Message(N_("%(code)s is not a two-letter ISO 639-1 language code."), code=code))
    try:
        locale = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        raise ValidationFailed(Message(N_("%(code)s is not a known language."), code=code)) from None
    name = locale.get_display_name(code) or code
    return name[:1].upper() + name[1:]


def _clean(value: str | None, what: str, max_length: int) -> str:
    return clean_field(value, Message(what), max_length)


def create_negotiation(
    session: Session,
    actor: User,
    *,
    title: str,
    short_title: str,
    slug: str | None,
    party_ids: list[int],
    new_parties: list[NewParty],
    authoritative_language: str,
    other_languages: list[str],
    meetings: list[NewMeeting],
    assigned_user_ids: Sequence[int] = (),
    clearance_rule: ClearanceRule = DEFAULT_FOR_NEW_NEGOTIATIONS,
) -> Instrument:
    """An administrator opens a new negotiation: its parties (existing organisations or new ones), its languages
    (one authoritative, others optional) and its meetings. The administrator, and the users named, are assigned
    to it; the negotiators of its parties see it through their party. It starts with no clauses: the draft is
    imported next. `clearance_rule` says whose legal clearance adoption needs (each party's own, unless the
    administrator chooses any legal reviewer's)."""
    if not permissions.can_manage_users(actor):
        raise PermissionDenied(N_("Only an administrator can open a negotiation."))
    title = _clean(title, N_("The title"), 500)
    short_title = _clean(short_title, N_("The short title"), 120)
    slug = (slug or "").strip().lower() or slugify(short_title)
    if not is_valid_slug(slug):
        raise ValidationFailed(
            N_("The address name must be 2 to 40 lower-case letters, digits and single hyphens (e.g. cica-osce-mou).")
        )
    if session.scalar(select(Instrument.id).where(Instrument.slug == slug)):
        raise ValidationFailed(Message(N_("The address name %(slug)s is taken by another negotiation."), slug=slug))

    if any(not 1 <= i <= MAX_ID for i in (*party_ids, *assigned_user_ids)):
        raise ValidationFailed(N_("That party does not exist."))
    found = [session.get(Party, party_id) for party_id in dict.fromkeys(party_ids)]
    parties = [party for party in found if party is not None]
    if len(parties) != len(found):
        raise ValidationFailed(N_("That party does not exist."))
    for new in new_parties:
        code = (new.code or "").strip().upper()
        if not PARTY_CODE.match(code):
            raise ValidationFailed(
                Message(N_("%(code)s is not a party code: 2 to 16 capital letters and digits."), code=code)
            )
        if session.scalar(select(Party.id).where(Party.code == code)) or code in {p.code for p in parties}:
            raise ValidationFailed(
                Message(N_("A party with the code %(code)s exists already: choose it from the list."), code=code)
            )
        last = session.scalar(select(func.max(Party.position))) or 0
        party = Party(code=code, name=_clean(new.name, N_("The party's name"), 200), position=last + 1)
        session.add(party)
        parties.append(party)
    if len(parties) < 2:
        raise ValidationFailed(N_("A negotiation has at least two parties."))
    if actor.party_id is not None and actor.party_id not in {p.id for p in parties}:
        raise PermissionDenied(N_("An administrator opens negotiations in which their own party takes part."))

    codes = [authoritative_language.strip().lower()] + [c.strip().lower() for c in other_languages if c.strip()]
    if len(set(codes)) != len(codes):
        raise ValidationFailed(N_("Each language is given once."))
    names = [_language_name(code) for code in codes]

    seen_codes: set[str] = set()
    milestones = []
    for position, meeting in enumerate(meetings):
        code = (meeting.code or "").strip().upper()
        if not MEETING_CODE.match(code) or code in seen_codes:
            raise ValidationFailed(
                Message(N_("%(code)s is not a meeting code, or is given twice: capital letters, digits, -."), code=code)
            )
        seen_codes.add(code)
        milestones.append(
            Milestone(
                code=code,
                name=_clean(meeting.name, N_("The meeting's name"), 200),
                body=_clean(meeting.body or meeting.name, N_("The meeting's body"), 200),
                date=meeting.date,
                position=position,
            )
        )

    instrument = Instrument(
        slug=slug, title=title, short_title=short_title, clearance_rule=_clearance_rule(clearance_rule)
    )
    for position, (code, name) in enumerate(zip(codes, names, strict=True)):
        instrument.languages.append(InstrumentLanguage(code=code, name=name, position=position, required=position == 0))
    for position, party in enumerate(parties):
        instrument.party_links.append(InstrumentParty(party=party, position=position))
    session.add(instrument)
    session.flush()
    for milestone in milestones:
        milestone.instrument_id = instrument.id
        session.add(milestone)
    assigned = {actor.id, *assigned_user_ids}
    for user in session.scalars(select(User).where(User.id.in_(assigned))):
        if not permissions.can_manage_account(actor, user.party_id):
            raise PermissionDenied(N_("You assign only users whose accounts you manage."))
        if user.role.works_by_assignment:
            session.add(InstrumentAssignment(instrument_id=instrument.id, user_id=user.id))
    session.flush()
    audit.record(
        session,
        actor,
        "instrument.created",
        instrument,
        f"Negotiation opened: {short_title} ({', '.join(p.code for p in parties)}; {', '.join(codes)})",
        after={
            "slug": slug,
            "title": title,
            "parties": [p.code for p in parties],
            "languages": codes,
            "clearance_rule": instrument.clearance_rule.value,
        },
    )
    return instrument


def _clearance_rule(value: ClearanceRule | str | None) -> ClearanceRule:
    try:
        return ClearanceRule(value or "")
    except ValueError:
        raise ValidationFailed(N_("Choose whose legal clearance adoption needs.")) from None


def set_clearance_rule(session: Session, actor: User, instrument: Instrument, rule: ClearanceRule | str) -> bool:
    """An administrator of the negotiation changes whose legal clearance adoption needs (audited). Amendments
    already adopted stay adopted; open ones are judged by the new rule at their next review or concurrence.
    Returns whether anything changed."""
    if not permissions.can_manage_users(actor):
        raise PermissionDenied(N_("Only an administrator can change a negotiation's settings."))
    if not session.scalar(select(Instrument.id).where(Instrument.id == instrument.id, open_to(actor))):
        raise NotFound(NOT_FOUND)
    rule = _clearance_rule(rule)
    before = instrument.clearance_rule
    if rule is before:
        return False
    instrument.clearance_rule = rule
    session.flush()
    audit.record(
        session,
        actor,
        "instrument.clearance_rule_changed",
        instrument,
        f"Legal clearance for adoption in {instrument.short_title}: {rule.label} (was: {before.label})",
        before={"clearance_rule": before.value},
        after={"clearance_rule": rule.value},
    )
    return True


def parse_meetings(text: str | None) -> list[NewMeeting]:
    """Meetings as an administrator types them, one a line: "CODE | Name | Body | YYYY-MM-DD" (body and date
    optional). A line that cannot be read is refused with its number."""
    meetings = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) < 2 or len(parts) > 4:
            raise ValidationFailed(
                Message(N_("Meetings, line %(number)s: write CODE | Name | Body | YYYY-MM-DD."), number=number)
            )
        date = None
        if len(parts) == 4 and parts[3]:
            try:
                date = dt.date.fromisoformat(parts[3])
            except ValueError:
                raise ValidationFailed(
                    Message(
                        N_("Meetings, line %(number)s: %(value)s is not a date (YYYY-MM-DD)."),
                        number=number,
                        value=parts[3],
                    )
                ) from None
        meetings.append(NewMeeting(parts[0], parts[1], parts[2] if len(parts) > 2 else "", date))
    return meetings


def assignable_negotiations(session: Session, actor: User) -> list[Instrument]:
    """The negotiations an administrator may assign others to: those they may open themselves."""
    if not permissions.can_manage_users(actor):
        raise PermissionDenied(N_("Only an administrator can assign users to negotiations."))
    return list(session.scalars(select(Instrument).where(open_to(actor)).order_by(Instrument.id)))


def assigned_ids(session: Session, user: User) -> set[int]:
    return set(
        session.scalars(select(InstrumentAssignment.instrument_id).where(InstrumentAssignment.user_id == user.id))
    )


def set_assignments(session: Session, actor: User, user: User, instrument_ids: list[int]) -> None:
    """Assign a chair, legal reviewer or administrator to exactly `instrument_ids` among the negotiations the
    administrator may open (assignments to others are left as they are), for an account the administrator manages."""
    if not permissions.can_manage_account(actor, user.party_id):
        raise PermissionDenied(N_("You assign only users whose accounts you manage."))
    if not user.role.works_by_assignment:
        raise ValidationFailed(N_("Negotiators work on the negotiations of their party; they are not assigned."))
    within = {instrument.id for instrument in assignable_negotiations(session, actor)}
    wanted = set(instrument_ids)
    if not wanted <= within:
        raise ValidationFailed(N_("You assign users only to negotiations you take part in."))
    current = assigned_ids(session, user) & within
    for instrument_id in wanted - current:
        session.add(InstrumentAssignment(instrument_id=instrument_id, user_id=user.id))
    for instrument_id in current - wanted:
        session.execute(
            delete(InstrumentAssignment).where(
                InstrumentAssignment.instrument_id == instrument_id, InstrumentAssignment.user_id == user.id
            )
        )
    session.flush()
    if wanted != current:
        slugs = {i.id: i.slug for i in session.scalars(select(Instrument).where(Instrument.id.in_(within)))}
        audit.record(
            session,
            actor,
            "user.assignments_changed",
            user,
            f"Negotiations of {user.login}: " + (", ".join(sorted(slugs[i] for i in wanted)) or "none"),
            before={"negotiations": sorted(slugs[i] for i in current)},
            after={"negotiations": sorted(slugs[i] for i in wanted)},
        )
