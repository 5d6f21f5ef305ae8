"""Where a clause stands, and who must act next: derived from facts, never stored.

The inputs are plain values gathered by the services; the rules live here so they can be read and tested
without a database.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from .messages import N_, Message


class ClauseStatus(enum.StrEnum):
    #: Open amendments are on the table, a party or Member State has a reservation, or the text itself still holds
    #: square brackets: the text is in brackets.
    bracketed = "bracketed"
    #: The negotiators agreed the text (both parties, cleared by legal review), subject to their principals.
    ad_referendum = "ad_referendum"
    #: Endorsed at a meeting and unchanged since.
    agreed = "agreed"
    #: The initial draft's text, not yet amended, agreed or endorsed by anyone.
    initial = "initial"

    @property
    def label(self) -> str:
        return {
            "bracketed": N_("Bracketed"),
            "ad_referendum": N_("Agreed ad ref."),
            "agreed": N_("Agreed"),
            "initial": N_("Initial text"),
        }[self.value]


class ReviewDecision(enum.StrEnum):
    #: The legal reviewer clears the exact text of this revision.
    cleared = "cleared"
    #: The legal reviewer finds the text unacceptable as it stands.
    rejected = "rejected"
    #: The proposing party should revise before clearance.
    changes_requested = "changes_requested"

    @property
    def label(self) -> str:
        return {"cleared": N_("Cleared"), "rejected": N_("Rejected"), "changes_requested": N_("Changes requested")}[
            self.value
        ]


@dataclass(frozen=True)
class AmendmentFacts:
    """What is known of one tabled amendment on its current revision."""

    party_code: str
    outdated: bool
    concurred: bool
    #: The latest legal review decision on the current revision, or None when none yet.
    review: ReviewDecision | None


def next_step(facts: AmendmentFacts, other_parties: Iterable[str]) -> Message:
    """Who must act on a tabled amendment, in a sentence for a chair's report."""
    others = ", ".join(sorted(other_parties)) or "—"
    party = facts.party_code
    if facts.outdated:
        return Message(N_("%(party)s to rebase onto the current text"), party=party)
    if facts.review is ReviewDecision.changes_requested:
        return Message(N_("%(party)s to revise (legal review asked for changes)"), party=party)
    if facts.review is ReviewDecision.rejected:
        return Message(N_("%(party)s to revise or withdraw (rejected in legal review)"), party=party)
    if not facts.concurred and facts.review is not ReviewDecision.cleared:
        return Message(N_("%(party)s to respond; legal review pending"), party=others)
    if not facts.concurred:
        return Message(N_("%(party)s to respond"), party=others)
    return Message(N_("Legal review pending"))


@dataclass(frozen=True)
class ClauseFacts:
    has_open_amendments: bool
    has_reservation: bool
    #: The current version came from an adopted amendment (both parties agreed, legal review cleared).
    agreed_by_negotiators: bool
    #: The current version was endorsed at the latest meeting that dealt with the clause.
    endorsed: bool
    #: Square brackets (wording, alternatives, placeholders) or unbalanced brackets left in the current text of any
    #: language (core.brackets): whatever the amendments say, such a text is not agreed.
    open_brackets: int = 0


def clause_status(facts: ClauseFacts) -> ClauseStatus:
    if facts.has_open_amendments or facts.has_reservation or facts.open_brackets:
        return ClauseStatus.bracketed
    if facts.endorsed:
        return ClauseStatus.agreed
    if facts.agreed_by_negotiators:
        return ClauseStatus.ad_referendum
    return ClauseStatus.initial
