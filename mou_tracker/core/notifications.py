"""Who is told of what: the notification rules, as a table that can be read and tested without a database.

Each event of the audit trail that means someone must now act (or should know) names its audiences; the
service layer turns an audience into users of the negotiation and this module decides, for each user, whether
they are told. Two rules hold whatever the table says: nobody is told of their own action, and an event private
to a party (its drafts, its internal notes) reaches that party's people only.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .messages import N_
from .roles import Role


class Audience(enum.StrEnum):
    #: The negotiators of every party but the amendment's: they must respond.
    other_negotiators = "other_negotiators"
    #: The negotiators of the amendment's own party: their proposal moved, or they must revise or rebase.
    proposing_negotiators = "proposing_negotiators"
    #: The legal reviewers of the negotiation: a text awaits clearance.
    legal_reviewers = "legal_reviewers"
    #: The chairs of the negotiation's meetings.
    chairs = "chairs"
    #: Every negotiator of the negotiation, of every party.
    negotiators = "negotiators"
    #: The people a post names with @login (`EventFacts.mentioned_ids`), whatever their role.
    mentioned = "mentioned"


#: Event kind → who is told, and the sentence they read (a gettext template; its values come with the event).
@dataclass(frozen=True)
class Rule:
    audiences: tuple[Audience, ...]
    sentence: str


RULES: Mapping[str, Rule] = {
    "amendment.tabled": Rule(
        (Audience.other_negotiators, Audience.chairs), N_("%(party)s tabled %(citation)s: your party may respond")
    ),
    "amendment.revised": Rule(
        (Audience.other_negotiators, Audience.legal_reviewers), N_("%(party)s revised %(citation)s")
    ),
    "amendment.concurred": Rule(
        (Audience.legal_reviewers, Audience.proposing_negotiators),
        N_("%(party)s concurred with %(citation)s: legal clearance is awaited"),
    ),
    "amendment.rejected": Rule((Audience.proposing_negotiators,), N_("%(party)s rejected %(citation)s")),
    "review.changes_requested": Rule(
        (Audience.proposing_negotiators,), N_("Legal review asks for changes to %(citation)s")
    ),
    "review.rejected": Rule((Audience.proposing_negotiators,), N_("Legal review rejected %(citation)s")),
    "review.cleared": Rule(
        (Audience.proposing_negotiators, Audience.other_negotiators), N_("Legal review cleared %(citation)s")
    ),
    "amendment.adopted": Rule((Audience.negotiators, Audience.chairs), N_("%(citation)s was adopted")),
    "amendment.outdated": Rule(
        (Audience.proposing_negotiators,),
        N_("%(citation)s is outdated: the clause changed since it was written; rebase it onto the current text"),
    ),
    "amendment.superseded": Rule(
        (Audience.proposing_negotiators,), N_("%(citation)s was superseded by the adoption of the answer to it")
    ),
    "amendment.withdrawn": Rule((Audience.other_negotiators, Audience.chairs), N_("%(party)s withdrew %(citation)s")),
    "amendment.commented": Rule(
        (Audience.proposing_negotiators, Audience.other_negotiators), N_("New comment on %(citation)s")
    ),
    "milestone.frozen": Rule(
        (Audience.negotiators, Audience.chairs, Audience.legal_reviewers),
        N_("The draft was frozen for %(meeting)s"),
    ),
    "milestone.concluded": Rule(
        (Audience.negotiators, Audience.chairs, Audience.legal_reviewers), N_("%(meeting)s was concluded")
    ),
    # Not an audit event of its own: a post in a clause's discussion that names people (see `notification_kind`).
    "mentioned": Rule((Audience.mentioned,), N_("%(author)s mentioned you in the discussion of %(citation)s")),
    # Not an audit event of its own: a meeting outcome that is a reservation (see `notification_kind`).
    "milestone.reservation_recorded": Rule(
        (Audience.negotiators, Audience.chairs), N_("%(party)s entered a reservation at %(meeting)s")
    ),
    # Reminders written by the periodic job (services.deadlines.send_reminders; core.deadlines.REMINDER_EVENTS).
    "deadline.reply_near": Rule(
        (Audience.other_negotiators,), N_("Your party's answer to %(citation)s is due by %(date)s")
    ),
    "deadline.reply_passed": Rule(
        (Audience.other_negotiators, Audience.proposing_negotiators, Audience.chairs),
        N_("The reply-by date of %(citation)s (%(date)s) has passed without an answer"),
    ),
    "deadline.proposals_near": Rule(
        (Audience.negotiators, Audience.chairs), N_("Written proposals for %(meeting)s are due by %(date)s")
    ),
    "deadline.proposals_passed": Rule(
        (Audience.negotiators, Audience.chairs),
        N_(
            "The deadline for written proposals for %(meeting)s (%(date)s) has passed: a later proposal needs the "
            "chair's consent or goes to the next meeting"
        ),
    ),
}


def notification_kind(
    event_kind: str, before: Mapping[str, object] | None, after: Mapping[str, object] | None
) -> str | None:
    """The rule an audit event falls under, if any. A meeting's outcome tells people only when it records a new
    reservation (the clause stays in brackets, and both parties must know who holds it); a note changed on a
    reservation already told of tells nobody again."""
    if event_kind == "milestone.outcome_recorded":
        now, then = after or {}, before or {}
        if now.get("outcome") != "reservation":
            return None
        if then.get("outcome") == "reservation" and then.get("reserved_by") == now.get("reserved_by"):
            return None
        return "milestone.reservation_recorded"
    if event_kind == "clause.discussed":  # a post in a clause's discussion tells only the people it names
        return "mentioned" if (after or {}).get("mentioned") else None
    return event_kind if event_kind in RULES else None


@dataclass(frozen=True)
class Person:
    id: int
    role: Role
    party_id: int | None


@dataclass(frozen=True)
class EventFacts:
    kind: str
    actor_id: int | None
    #: The party whose amendment the event concerns (None for a meeting's events).
    amendment_party_id: int | None
    #: Set when the event is its party's private business: nobody else is told.
    private_to_party_id: int | None
    #: The people a post names (rule "mentioned").
    mentioned_ids: frozenset[int] = frozenset()


def in_audience(person: Person, audience: Audience, facts: EventFacts) -> bool:
    if audience is Audience.mentioned:
        return person.id in facts.mentioned_ids
    if audience is Audience.legal_reviewers:
        return person.role is Role.legal_reviewer
    if audience is Audience.chairs:
        return person.role is Role.chair
    if person.role is not Role.negotiator:
        return False
    if audience is Audience.negotiators:
        return True
    if audience is Audience.proposing_negotiators:
        return person.party_id == facts.amendment_party_id
    return facts.amendment_party_id is not None and person.party_id != facts.amendment_party_id


def recipients(facts: EventFacts, people: Iterable[Person]) -> list[Person]:
    """The people of the negotiation told of this event, in the order given."""
    rule = RULES.get(facts.kind)
    if rule is None:
        return []
    told = []
    for person in people:
        if person.id == facts.actor_id:
            continue
        if facts.private_to_party_id is not None and person.party_id != facts.private_to_party_id:
            continue
        if any(in_audience(person, audience, facts) for audience in rule.audiences):
            told.append(person)
    return told


class EmailMode(enum.StrEnum):
    """How a user wants to be told by e-mail (the notifications page shows everything regardless)."""

    #: One message per notification, sent as soon as the outbox worker runs.
    immediate = "immediate"
    #: One message a day with everything since the last one.
    digest = "digest"
    #: No e-mail.
    off = "off"

    @property
    def label(self) -> str:
        return {
            "immediate": N_("At once, one e-mail per notification"),
            "digest": N_("Once a day, in one e-mail"),
            "off": N_("No e-mail"),
        }[self.value]


#: Attempts before a message is given up (it stays in the outbox, marked failed, for an administrator to see).
MAX_ATTEMPTS = 8


def retry_delay_seconds(attempts: int) -> int:
    """Back-off after a failed send: 1, 2, 4 ... minutes, at most 6 hours."""
    return min(60 * 2 ** max(0, attempts - 1), 6 * 3600)
