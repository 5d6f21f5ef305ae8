"""Who a user is in the negotiation."""

from __future__ import annotations

import enum

from .messages import N_


class Role(enum.StrEnum):
    """The role a user plays. One role per user keeps the permission rules readable."""

    #: Proposes, revises and answers amendments for their own party.
    negotiator = "negotiator"
    #: Clears or rejects the exact redline of a tabled amendment; never their own.
    legal_reviewer = "legal_reviewer"
    #: Presides over SWG and SOC meetings: freezes drafts, records outcomes, reads reports.
    chair = "chair"
    #: Manages user accounts; has no say in the negotiation itself.
    administrator = "administrator"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def works_by_assignment(self) -> bool:
        """Negotiators work on every negotiation their party takes part in; everybody else on those they are
        assigned to."""
        return self is not Role.negotiator

    @property
    def needs_party(self) -> bool:
        """Negotiators act for one party, so they must belong to one."""
        return self is Role.negotiator


_LABELS = {
    Role.negotiator: N_("Negotiator"),
    Role.legal_reviewer: N_("Legal reviewer"),
    Role.chair: N_("Chair"),
    Role.administrator: N_("Administrator"),
}
