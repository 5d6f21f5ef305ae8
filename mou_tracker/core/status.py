"""Where a clause stands, and who must act next: derived from facts, never stored.

The inputs are plain values gathered by the services; the rules live here so they can be read and tested
without a database.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from .brackets import BracketReading, read_brackets
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


def open_bracket_count(readings_by_language: Iterable[Iterable[BracketReading]]) -> int:
    """The open questions a clause's texts still hold: for each language, each group of alternatives, each other
    bracketed wording and each placeholder of its heading and body counts once, and so does each unbalanced bracket
    (a text whose brackets do not pair up is not a text anyone can agree). The languages are versions of one text,
    so the clause counts as many as its most bracketed language, not their sum. The count that makes a clause
    Bracketed (`ClauseFacts.open_brackets`), that the reports add up and that the API gives."""
    return max(
        (sum(r.groups + len(r.problems) for r in readings) for readings in readings_by_language),
        default=0,
    )


def read_clause_texts(texts: Iterable[str | None], not_negotiating: Iterable[str] = ()) -> list[BracketReading]:
    """The bracket readings of one language's texts of a clause (heading and body; None for a missing one), with
    the passages the parties declared not to be negotiating brackets read as plain text."""
    declared = tuple(not_negotiating)
    # Most texts hold no bracket at all: they need no reading (the parser walks every character).
    return [read_brackets(text, declared) for text in texts if text and ("[" in text or "]" in text)]


@dataclass(frozen=True)
class BracketMovement:
    """Open brackets between two readings of the draft (the last meeting's frozen draft, and now or the next
    meeting's): how many there are now, how many appeared and how many went."""

    now: int
    opened: int
    closed: int


def bracket_movement(before: dict[int, int], after: dict[int, int]) -> BracketMovement:
    """Compare per-clause counts ({clause id: open brackets}); a clause new since counts all its brackets as
    opened, a clause deleted since all of its as closed. Per clause only the difference shows: a bracket closed
    and another opened in one clause between two meetings count as none (the texts alone cannot tell them
    apart from an edit inside one bracket)."""
    opened = closed = 0
    for clause_id in before.keys() | after.keys():
        difference = after.get(clause_id, 0) - before.get(clause_id, 0)
        if difference > 0:
            opened += difference
        else:
            closed -= difference
    return BracketMovement(sum(after.values()), opened, closed)
