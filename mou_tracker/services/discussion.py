"""The discussion of a clause: posts shared with everyone in the negotiation or internal to the writer's party,
naming people with @login (they are told: services.notifications, rule "mentioned").

What a reader may see is decided once, in core.discussion.can_read; `readable` is its SQL form for counting.
An internal post reaches nobody outside its party: not on the page, not through the API, the search (its entry is
private to the party, services.search_index), the notifications (its audit event is private to the party, and a
mention of anyone outside the party is refused before anything is written), the e-mail or the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from ..core import discussion as rules
from ..core.messages import N_, Message
from ..core.text import MAX_NOTE
from ..models import Clause, ClausePost, ClausePostMention, User
from . import audit
from .draft import current_instrument
from .errors import NotFound, PermissionDenied, ValidationFailed
from .notifications import people_of_negotiation as people_of
from .validation import clean_field


def readable(model, actor: User):
    """SQL form of core.discussion.can_read for a model with `internal` and `party_id` (posts, attachments)."""
    own = model.party_id == actor.party_id if actor.party_id is not None else false()
    return or_(model.internal.is_(False), and_(model.internal.is_(True), own))


def clause_in_negotiation(session: Session, wid: str) -> Clause:
    clause = session.scalar(
        select(Clause).where(Clause.instrument_id == current_instrument(session).id, Clause.wid == wid)
    )
    if clause is None:
        raise NotFound(N_("There is no clause with that identifier."))
    return clause


def thread(session: Session, actor: User, clause: Clause) -> list[ClausePost]:
    """The clause's posts this reader may read, oldest first."""
    if not rules.can_read(actor, internal=False, party_id=None):
        raise PermissionDenied(N_("Sign in to read the discussion."))
    return list(
        session.scalars(
            select(ClausePost)
            .where(ClausePost.clause_id == clause.id, readable(ClausePost, actor))
            .order_by(ClausePost.created_at, ClausePost.id)
        )
    )


def post_counts(session: Session, actor: User, instrument_id: int) -> dict[int, int]:
    """{clause id: posts this reader may read}, for the draft page."""
    rows = session.execute(
        select(ClausePost.clause_id, func.count())
        .where(ClausePost.instrument_id == instrument_id, readable(ClausePost, actor))
        .group_by(ClausePost.clause_id)
    )
    return {clause_id: count for clause_id, count in rows}


def people(session: Session, instrument_id: int) -> list[rules.Person]:
    return [rules.Person(u.id, u.login, u.party_id) for u in people_of(session, instrument_id)]


@dataclass(frozen=True)
class Mentionable:
    login: str
    name: str
    party: str | None
    #: May be named in an internal post (of the writer's party).
    in_internal: bool


def mentionable(session: Session, actor: User, instrument_id: int) -> list[Mentionable]:
    """Who the writer may name: everyone of the negotiation but themselves; those of their party also in an
    internal post."""
    users = [u for u in people_of(session, instrument_id) if u.id != actor.id]
    persons = [rules.Person(u.id, u.login, u.party_id) for u in users]
    internal_ok = {
        p.id for p in rules.mentionable(persons, writer_id=actor.id, writer_party_id=actor.party_id, internal=True)
    }
    return [Mentionable(u.login, u.display_name, u.party.code if u.party else None, u.id in internal_ok) for u in users]


def add_post(session: Session, actor: User, wid: str, body: str, *, internal: bool) -> ClausePost:
    clause = clause_in_negotiation(session, wid)
    if not rules.can_post(actor, internal=internal):
        if internal and rules.can_post(actor, internal=False):
            raise PermissionDenied(N_("An internal post needs a party: you can only write a shared post."))
        raise PermissionDenied(N_("Only the people who work on the negotiation write in its discussions."))
    text = clean_field(body, Message(N_("The post")), MAX_NOTE)
    try:
        named = rules.check_mentions(
            rules.mentioned_logins(text),
            people(session, clause.instrument_id),
            writer_party_id=actor.party_id,
            internal=internal,
        )
    except rules.MentionRefused as refused:
        raise ValidationFailed(refused.message) from None
    post = ClausePost(
        instrument_id=clause.instrument_id,
        clause_id=clause.id,
        author=actor,
        party_id=actor.party_id,
        internal=internal,
        body=text,
    )
    session.add(post)
    session.flush()
    for person in named:
        session.add(ClausePostMention(post_id=post.id, user_id=person.id))
    session.flush()
    audit.record(
        session,
        actor,
        "clause.discussed",
        post,
        f"{'Internal post' if internal else 'Post'} in the discussion of clause {clause.wid}",
        after={"mentioned": [person.login for person in named], "internal": internal},
        private_to_party_id=actor.party_id if internal else None,
    )
    session.flush()
    return post
