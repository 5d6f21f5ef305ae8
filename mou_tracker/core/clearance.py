"""When an amendment is agreed: the other parties' concurrence and the legal clearance its negotiation asks for.

Pure rules over plain values, tested without an app (tests/core/test_core_clearance.py). Services gather the facts
(responses, reviews, the negotiation's parties and rule) and ask these functions; the API and the pages read
their answers, never the rules.

Concurrence and clearance are bound to one exact revision: a concurrence or a review of an earlier revision has
lapsed (`review_lapsed`) and counts for nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from .messages import N_
from .status import ReviewDecision


class ClearanceRule(enum.StrEnum):
    """Whose legal clearance a negotiation's amendments need before they are adopted."""

    #: Any legal reviewer's clearance is enough: the latest review of the current revision decides.
    any_reviewer = "any_reviewer"
    #: Every party's own legal office clears the text (the UN and CICA each clear through their own lawyers):
    #: the latest review by a reviewer of each party decides for that party.
    per_party = "per_party"

    @property
    def label(self) -> str:
        return {
            "any_reviewer": N_("Any legal reviewer"),
            "per_party": N_("Each party's own legal office"),
        }[self.value]


#: What a negotiation opened today asks for. Negotiations opened before the rule existed keep the old one
#: (`any_reviewer`, the migration's default for existing rows).
DEFAULT_FOR_NEW_NEGOTIATIONS = ClearanceRule.per_party


class OfRevision(Protocol):
    """Anything given on one revision of an amendment (a review, an answer). Read-only, so that frozen facts and
    mapped rows both qualify."""

    @property
    def revision_id(self) -> int: ...


class ReviewFact(OfRevision, Protocol):
    """A legal review as the rule reads it."""

    @property
    def decision(self) -> ReviewDecision: ...

    #: The party of the reviewer when the review was given (None: a reviewer of no party).
    @property
    def reviewer_party_id(self) -> int | None: ...


class ResponseKind(enum.StrEnum):
    """The other party's answer to one revision of an amendment."""

    concur = "concur"
    reject = "reject"


class ResponseFact(OfRevision, Protocol):
    @property
    def party_id(self) -> int: ...

    @property
    def kind(self) -> ResponseKind: ...


@dataclass(frozen=True)
class Fact:
    """A plain review fact, for callers (and tests) that build one."""

    revision_id: int
    decision: ReviewDecision
    reviewer_party_id: int | None = None


def review_lapsed(revision_id: int, latest_revision_id: int) -> bool:
    """A review (or a concurrence) of a revision other than the current one has lapsed: the text it cleared has
    changed since."""
    return revision_id != latest_revision_id


_Given = TypeVar("_Given", bound=OfRevision)


def current_review(reviews: Sequence[_Given], latest_revision_id: int) -> _Given | None:
    """The latest review of the current revision (reviews in the order they were given), or None."""
    live = [r for r in reviews if not review_lapsed(r.revision_id, latest_revision_id)]
    return live[-1] if live else None


def concurred_parties(responses: Iterable[ResponseFact], latest_revision_id: int) -> set[int]:
    """The parties that concurred with the current revision."""
    return {
        r.party_id
        for r in responses
        if r.kind == ResponseKind.concur and not review_lapsed(r.revision_id, latest_revision_id)
    }


@dataclass(frozen=True)
class Clearance:
    """Where legal clearance of an amendment's current revision stands."""

    rule: ClearanceRule
    #: Under `per_party`: the parties whose own legal office has not cleared the current revision (yet, or any
    #: more: its latest review asked for changes or rejected it). Empty under `any_reviewer`.
    missing_parties: frozenset[int]
    #: Under `any_reviewer`: no legal reviewer has cleared the current revision (its latest review is not a
    #: clearance). False under `per_party`.
    missing_any: bool
    #: The latest review of the current revision by anybody, or None (what the reports show as "the review").
    latest: ReviewFact | None
    #: What holds the clearance up, if a reviewer said so: a rejection (it prevails) or a request for changes in
    #: the latest review (of a party still missing, under `per_party`). None while reviews are merely awaited.
    blocking: ReviewDecision | None = None

    @property
    def cleared(self) -> bool:
        return not self.missing_parties and not self.missing_any

    @property
    def decision(self) -> ReviewDecision | None:
        """The review's outcome as a report shows it: cleared once the clearance is complete, otherwise what
        blocks it, or None while it is pending."""
        return ReviewDecision.cleared if self.cleared else self.blocking


def clearance(
    rule: ClearanceRule, party_ids: Iterable[int], reviews: Sequence[ReviewFact], latest_revision_id: int
) -> Clearance:
    """Whose clearance the current revision still needs, under the negotiation's rule. `party_ids` are the
    negotiation's parties (all of them, the proposer's too: each clears the text in its own name); `reviews` in
    the order they were given."""
    live = [r for r in reviews if not review_lapsed(r.revision_id, latest_revision_id)]
    latest = live[-1] if live else None
    if rule is ClearanceRule.any_reviewer:
        missing_any = latest is None or latest.decision is not ReviewDecision.cleared
        return Clearance(rule, frozenset(), missing_any, latest, latest.decision if latest and missing_any else None)
    by_party: dict[int, ReviewFact] = {}
    for review in live:
        if review.reviewer_party_id is not None:
            by_party[review.reviewer_party_id] = review
    missing = frozenset(
        party for party in party_ids if party not in by_party or by_party[party].decision is not ReviewDecision.cleared
    )
    said = {by_party[party].decision for party in missing if party in by_party}
    blocking = next((d for d in (ReviewDecision.rejected, ReviewDecision.changes_requested) if d in said), None)
    return Clearance(rule, missing, False, latest, blocking)


def is_agreed(other_party_ids: Iterable[int], concurred: set[int], cleared: Clearance) -> bool:
    """An amendment is agreed, and adopted, when every other party concurred with its current revision and the
    legal clearance its negotiation asks for is complete, in either order."""
    return set(other_party_ids) <= concurred and cleared.cleared
