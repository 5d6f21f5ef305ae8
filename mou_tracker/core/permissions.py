"""Who may do what. Pure rules over plain attributes, so they can be tested without an app.

Services call these before acting; views and templates call them only to decide what to show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from .roles import Role
from .workflow import AmendmentState

if TYPE_CHECKING:
    from typing_extensions import TypeIs  # typing's own from Python 3.13


class Actor(Protocol):
    id: int
    role: Role
    party_id: int | None
    active: bool


def can_read_draft(actor: Actor | None) -> TypeIs[Actor]:
    """Every signed-in, active user reads the agreed draft; nobody else does."""
    return actor is not None and actor.active


def can_manage_users(actor: Actor | None) -> TypeIs[Actor]:
    return actor is not None and actor.active and actor.role is Role.administrator


def can_manage_account(actor: Actor | None, target_party_id: int | None) -> bool:
    """Administrators manage the accounts of their own party only (create, edit, reset, deactivate, list), and
    give an account only their own party. An administrator with no party is the platform operator: they manage
    accounts of every party, and of no party, but having no party they read no party's drafts."""
    if not can_manage_users(actor):
        return False
    return actor.party_id is None or actor.party_id == target_party_id


def is_self_lockout(actor: Actor, target: Actor, *, new_role: Role, new_active: bool) -> bool:
    """An administrator who removes their own rights could leave the system without one."""
    return actor.id == target.id and (new_role is not Role.administrator or not new_active)


def changes_own_standing(actor: Actor, target: Actor, *, new_role: Role, new_party_id: int | None) -> bool:
    """Nobody changes their own party or role: that is how an administrator would cross to the other party (and
    read its drafts) or give themselves rights. Another administrator of the party, or the operator, does it."""
    return actor.id == target.id and (new_role is not target.role or new_party_id != target.party_id)


# Amendments ----------------------------------------------------------------------------------------------------
# `amendment` is anything with party_id, state (an AmendmentState) and was_tabled (ever put to the other party).


def is_negotiator_for(actor: Actor | None, party_id: int | None) -> bool:
    return (
        actor is not None
        and actor.active
        and actor.role is Role.negotiator
        and party_id is not None
        and actor.party_id == party_id
    )


def can_view_amendment(actor: Actor | None, amendment) -> bool:
    """Until it is tabled an amendment is its party's private business, and stays so if it is withdrawn without
    ever being tabled; once tabled, every signed-in user may read it. `amendment.was_tabled` (never the current
    state) decides: services.amendments.visible_to is the same rule for queries."""
    if not can_read_draft(actor):
        return False
    return amendment.was_tabled or actor.party_id == amendment.party_id


def revisions_readable_by(actor: Actor | None, amendment) -> list:
    """The revisions of a readable amendment this user may read. The other party reads it from the revision that
    was tabled onwards (revisions made while tabled are part of the record); the wording the proposing party tried
    before tabling stays its own."""
    if actor is not None and actor.party_id == amendment.party_id:
        return list(amendment.revisions)
    return [revision for revision in amendment.revisions if revision.seq >= (amendment.tabled_seq or 0)]


def proposal_date(actor: Actor | None, amendment):
    """When the amendment was proposed, as this reader may know it: its own party knows when drafting began; the
    other party only when it was tabled (the drafting before is the party's own business)."""
    if actor is not None and actor.party_id == amendment.party_id:
        return amendment.created_at
    return amendment.tabled_at or amendment.created_at


def can_propose(actor: Actor | None, party_id: int | None) -> bool:
    """Negotiators propose for their own party only."""
    return is_negotiator_for(actor, party_id)


def can_edit_amendment(actor: Actor | None, amendment) -> bool:
    """Revise, rebase, table or withdraw: the proposing party's negotiators, while it is open."""
    return is_negotiator_for(actor, amendment.party_id) and amendment.state.is_open


def can_counter(actor: Actor | None, amendment) -> bool:
    """The other party answers a tabled amendment with its own proposal."""
    return (
        actor is not None
        and actor.active
        and actor.role is Role.negotiator
        and actor.party_id is not None
        and actor.party_id != amendment.party_id
        and amendment.state is AmendmentState.tabled
    )


def can_comment(actor: Actor | None, amendment, *, internal: bool) -> bool:
    """Anyone who can read the amendment may comment; an internal note needs a party to be internal to."""
    return can_view_amendment(actor, amendment) and (not internal or (actor is not None and actor.party_id is not None))


def can_see_comment(actor: Actor | None, comment) -> bool:
    """Shared comments are for everyone who can read the amendment; internal ones for their party alone."""
    return not comment.internal or (
        actor is not None and actor.party_id is not None and actor.party_id == comment.party_id
    )


# Legal review, agreement, meetings ----------------------------------------------------------------------------


def can_review(actor: Actor | None, amendment, proposer_ids: set[int]) -> bool:
    """Legal reviewers review tabled amendments, never one they had a hand in writing."""
    return (
        actor is not None
        and actor.active
        and actor.role is Role.legal_reviewer
        and amendment.state is AmendmentState.tabled
        and actor.id not in proposer_ids
    )


def can_respond(actor: Actor | None, amendment) -> bool:
    """Concur with or reject a tabled amendment: a negotiator of another party."""
    return can_counter(actor, amendment)


def has_answered(actor: Actor | None, concurring_party_ids: set[int]) -> bool:
    """The actor's party has concurred with the amendment's current revision: it has nothing more to answer until
    the amendment is revised (a new revision needs a new concurrence)."""
    return actor is not None and actor.party_id in concurring_party_ids


def can_chair(actor: Actor | None) -> bool:
    """Chairs run the meetings: freeze drafts, record outcomes, conclude."""
    return actor is not None and actor.active and actor.role is Role.chair


def can_declare_plain_brackets(actor: Actor | None) -> bool:
    """Negotiators and chairs, who read the text at the table, say which square brackets are part of the wording
    ("paragraph 3 [of Article 2]") rather than negotiating brackets."""
    return actor is not None and actor.active and actor.role in (Role.negotiator, Role.chair)
