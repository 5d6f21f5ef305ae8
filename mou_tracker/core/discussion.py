"""The rules of a clause's discussion and of attachments, readable and testable without a database.

A post or an attachment is shared (everyone who reads the negotiation) or internal to its writer's party. A post
names people with @login; each is told. Internal stays internal: naming someone who may not read the post (a user
of the other party, or of no party) in an internal post is refused, never silently dropped and never told.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .messages import N_, Message
from .permissions import Actor, can_read_draft
from .roles import Role

#: @login in a post: a login's characters (services.users.LOGIN_PATTERN), not inside an e-mail address
#: (name@example.org) and without the full stop that ends a sentence ("... as @ivanov.").
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?)")
#: A post names at most this many people: more is a circular, not a discussion.
MAX_MENTIONS = 20


def mentioned_logins(body: str) -> list[str]:
    """The logins a post names, each once, in the order written."""
    seen: dict[str, None] = {}
    for match in MENTION.finditer(body):
        seen.setdefault(match[1].lower(), None)
    return list(seen)


@dataclass(frozen=True)
class Person:
    id: int
    login: str
    party_id: int | None


def can_post(actor: Actor | None, *, internal: bool) -> bool:
    """Everyone who works on the negotiation (administrators have no say in it) may write in a discussion or
    attach a document; an internal one needs a party to be internal to."""
    if not can_read_draft(actor) or actor.role is Role.administrator:
        return False
    return not internal or actor.party_id is not None


def can_read(actor: Actor | None, *, internal: bool, party_id: int | None) -> bool:
    """Shared posts and attachments: every reader; internal ones: their party alone."""
    if not can_read_draft(actor):
        return False
    return not internal or (actor.party_id is not None and actor.party_id == party_id)


def can_delete_attachment(actor: Actor | None, uploaded_by_id: int) -> bool:
    """Only the person who attached a document removes it (the removal is in the audit trail)."""
    return can_read_draft(actor) and actor.id == uploaded_by_id


def check_mentions(
    logins: Sequence[str], people: Iterable[Person], *, writer_party_id: int | None, internal: bool
) -> list[Person]:
    """The people a post names, or the Message refusing it: a name nobody in the negotiation has, too many
    names, or, in an internal post, someone outside the writer's party (they could never read it)."""
    if len(logins) > MAX_MENTIONS:
        raise MentionRefused(Message(N_("A post can mention at most %(count)s people."), count=MAX_MENTIONS))
    by_login = {person.login: person for person in people}
    named = []
    for login in logins:
        person = by_login.get(login)
        if person is None:
            raise MentionRefused(
                Message(N_("Nobody signing in as @%(login)s works on this negotiation; check the name."), login=login)
            )
        if internal and (person.party_id is None or person.party_id != writer_party_id):
            raise MentionRefused(
                Message(
                    N_(
                        "@%(login)s is not of your party and cannot read an internal post: internal stays "
                        "internal. Remove the mention, or make the post shared."
                    ),
                    login=login,
                )
            )
        named.append(person)
    return named


def mentionable(people: Iterable[Person], *, writer_id: int, writer_party_id: int | None, internal: bool) -> list:
    """Who a post may name: everyone in the negotiation but the writer; in an internal post, the writer's party."""
    return [
        p
        for p in people
        if p.id != writer_id and (not internal or (p.party_id is not None and p.party_id == writer_party_id))
    ]


class MentionRefused(Exception):
    def __init__(self, message: Message):
        super().__init__(message.template)
        self.message = message
