"""Where every clause stands: status, whose turn it is, reservations, and what changed since the last meeting.

Read-only, and a fixed number of queries however long the draft: the chairs' reports and the draft page use it.

A caller that shows no proposal's words (the status report, the draft page) lets `standings` read the tabled
amendments itself: as plain columns with their current revision (`TabledAmendment`), the concurrences and the
frozen drafts as plain rows, and as mapped objects only the legal reviews (a page shows the live one) and the
frozen versions a clause has changed from. At treaty scale (300 clauses, 1,500 tabled amendments) building
thousands of mapped objects cost most of a first view (issue #22). A caller that shows the proposals (the meeting
pack, the rolling text) passes the mapped amendments it has read, with their revisions, and gets them back in
`open_amendments`. Either way the rules are the core's (`core.clearance`, `core.status`), fed the same facts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, NamedTuple, TypeVar, cast, overload

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, aliased, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from ..core import clearance as clearance_rules
from ..core.milestones import MilestoneState, Outcome
from ..core.status import AmendmentFacts, ClauseFacts, ClauseStatus, clause_status, next_step
from ..core.workflow import AmendmentKind, AmendmentState
from ..models import (
    Amendment,
    AmendmentRevision,
    Clause,
    ClauseVersion,
    Delegation,
    Instrument,
    Milestone,
    MilestoneOutcome,
    MilestoneSnapshot,
    Party,
    Response,
    Review,
    User,
)
from ..models.amendments import citation_of
from .amendments import is_outdated
from .brackets import bracket_counts
from .draft import versions_as_of


@dataclass(frozen=True, slots=True)
class LatestRevision:
    """The current revision of a tabled amendment, as far as the standings read it."""

    id: int
    base_version_id: int | None


@dataclass(frozen=True, slots=True)
class TabledAmendment:
    """A tabled amendment read as plain columns, for pages that show its citation, proposer and next step but not
    its words: it carries the attributes of `Amendment` those pages (and `amendments.is_outdated`) read."""

    id: int
    instrument_id: int
    party: Party
    number: int | None
    kind: AmendmentKind
    state: AmendmentState
    clause_id: int | None
    tabled_at: dt.datetime | None
    delegation: Delegation | None
    latest: LatestRevision

    @property
    def party_id(self) -> int:
        return self.party.id

    @property
    def citation(self) -> str:
        return citation_of(self.party.code, self.number, self.id)


#: A tabled amendment as `standings` gives it: the mapped one a caller passed, or the plain one it read itself.
A = TypeVar("A", Amendment, TabledAmendment)


@dataclass
class ClauseStanding(Generic[A]):
    status: ClauseStatus = ClauseStatus.initial
    #: Tabled amendments, each with who must act on it next.
    open_amendments: list[tuple[A, str]] = field(default_factory=list)
    #: {amendment id: the legal review of its current revision, or None} for the open amendments.
    reviews: dict[int, Review | None] = field(default_factory=dict)
    #: The ids of the open amendments written against an earlier version of the clause (`amendments.is_outdated`).
    outdated: set[int] = field(default_factory=set)
    reservation: MilestoneOutcome | None = None
    #: The last meeting whose frozen draft differs from the clause now, and the version it had then.
    changed_since: tuple[Milestone, ClauseVersion] | None = None
    #: The latest outcome recorded for the clause at a concluded meeting.
    last_outcome: tuple[Milestone, MilestoneOutcome] | None = None
    #: Open square brackets (and unbalanced ones) left in the current text, every language (services.brackets).
    open_brackets: int = 0


@dataclass(frozen=True)
class AmendmentProgress:
    outdated: bool
    concurred_by: set[int]
    review: Review | None
    next_step: str


class _Tabled(NamedTuple):
    """What the rules need to know of one tabled amendment."""

    id: int
    instrument_id: int
    party_code: str
    latest_id: int
    outdated: bool

    @classmethod
    def of(cls, amendment: Amendment | TabledAmendment, current: dict[int, ClauseVersion]) -> _Tabled:
        # `is_outdated` reads the kind, the state and the current revision's base, which both kinds carry.
        clause_id = amendment.clause_id
        outdated = is_outdated(cast(Amendment, amendment), current.get(clause_id)) if clause_id else False
        return cls(amendment.id, amendment.instrument_id, amendment.party.code, amendment.latest.id, outdated)


class _Answer(NamedTuple):
    """A party's answer to one revision (`clearance.ResponseFact`), read as plain columns."""

    revision_id: int
    party_id: int
    kind: clearance_rules.ResponseKind


def amendment_progress(
    session: Session, amendments: list[Amendment], current: dict[int, ClauseVersion]
) -> dict[int, AmendmentProgress]:
    """Concurrences, the live review and the next step of each tabled amendment (two queries in all)."""
    ids = select(Amendment.id).where(Amendment.id.in_([a.id for a in amendments])).scalar_subquery()
    return _progress(
        session,
        [_Tabled.of(a, current) for a in amendments],
        ids,
    )


def _progress(session: Session, tabled: list[_Tabled], ids) -> dict[int, AmendmentProgress]:
    """`amendment_progress` of `tabled`, whose ids `ids` (a subquery) selects: the answers as plain rows, the
    reviews as mapped ones (the pages show the live one), the rules those of `core.clearance` and `core.status`."""
    if not tabled:
        return {}
    answers: dict[int, list[_Answer]] = defaultdict(list)
    for amendment_id, revision_id, party_id, kind in session.execute(
        select(Response.amendment_id, Response.revision_id, Response.party_id, Response.kind).where(
            Response.amendment_id.in_(ids)
        )
    ).tuples():
        answers[amendment_id].append(_Answer(revision_id, party_id, kind))
    reviews: dict[int, list[Review]] = defaultdict(list)
    for given in session.scalars(
        select(Review).where(Review.amendment_id.in_(ids)).order_by(Review.created_at, Review.id)
    ):
        reviews[given.amendment_id].append(given)
    parties: dict[int, tuple[Instrument, list[int], set[str]]] = {}
    progress = {}
    for amendment in tabled:
        if amendment.instrument_id not in parties:
            instrument = session.get_one(Instrument, amendment.instrument_id)
            parties[amendment.instrument_id] = (
                instrument,
                [p.id for p in instrument.parties],
                {p.code for p in instrument.parties},
            )
        instrument, party_ids, codes = parties[amendment.instrument_id]
        latest_id = amendment.latest_id
        of_it = reviews[amendment.id]
        concurred = clearance_rules.concurred_parties(answers[amendment.id], latest_id)
        cleared = clearance_rules.clearance(
            instrument.clearance_rule,
            party_ids,
            [clearance_rules.Fact(r.revision_id, r.decision, r.reviewer.party_id) for r in of_it],
            latest_id,
        )
        review = clearance_rules.current_review(of_it, latest_id)
        # "Cleared" only once the clearance the negotiation asks for is complete: under the per-party rule one
        # party's clearance leaves the review pending.
        facts = AmendmentFacts(amendment.party_code, amendment.outdated, bool(concurred), cleared.decision)
        progress[amendment.id] = AmendmentProgress(
            amendment.outdated, concurred, review, next_step(facts, codes - {amendment.party_code})
        )
    return progress


def _tabled_filter(instrument: Instrument, clause_ids: list[int] | None) -> list:
    found = [Amendment.instrument_id == instrument.id, Amendment.state == AmendmentState.tabled]
    if clause_ids is not None:
        found.append(Amendment.clause_id.in_(clause_ids))
    return found


def tabled_amendments(session: Session, instrument: Instrument, clause_ids: list[int] | None) -> list[TabledAmendment]:
    """The tabled amendments (to `clause_ids`, or to any clause) in order of tabling, as plain columns with their
    current revision's id and base: two queries however many there are (the second reads the negotiation's
    delegations, which are few)."""
    later = aliased(AmendmentRevision)
    latest_seq = (
        select(later.seq)
        .where(later.amendment_id == Amendment.id)
        .order_by(later.seq.desc())
        .limit(1)
        .correlate(Amendment)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Amendment.id,
            Amendment.party_id,
            Amendment.number,
            Amendment.kind,
            Amendment.clause_id,
            Amendment.tabled_at,
            Amendment.delegation_id,
            AmendmentRevision.id,
            AmendmentRevision.base_version_id,
        )
        .join(
            AmendmentRevision,
            (AmendmentRevision.amendment_id == Amendment.id) & (AmendmentRevision.seq == latest_seq),
        )
        .where(*_tabled_filter(instrument, clause_ids))
        .order_by(Amendment.tabled_at, Amendment.id)
    ).tuples()
    parties = {p.id: p for p in instrument.parties}
    delegations = {
        d.id: d for d in session.scalars(select(Delegation).where(Delegation.instrument_id == instrument.id))
    }
    found = []
    for amendment_id, party_id, number, kind, clause_id, tabled_at, delegation_id, latest_id, base_id in rows:
        party = parties.get(party_id) or session.get_one(Party, party_id)
        delegation = None
        if delegation_id is not None:
            delegation = delegations.get(delegation_id) or session.get_one(Delegation, delegation_id)
        found.append(
            TabledAmendment(
                amendment_id,
                instrument.id,
                party,
                number,
                kind,
                AmendmentState.tabled,
                clause_id,
                tabled_at,
                delegation,
                LatestRevision(latest_id, base_id),
            )
        )
    return found


def _tabled_with_revisions(session: Session, instrument: Instrument, clause_ids: list[int] | None) -> list[Amendment]:
    """The tabled amendments (to `clause_ids`, or to any clause), each with its revisions (not their words): two
    queries however many there are.

    Revisions are read in one query and attached by hand, because an eager loader would split a long list of
    amendments into batches of a few hundred and issue one query per batch.
    """
    tabled_filter = _tabled_filter(instrument, clause_ids)
    tabled = session.scalars(select(Amendment).where(*tabled_filter).order_by(Amendment.tabled_at, Amendment.id)).all()
    revisions: dict[int, list[AmendmentRevision]] = defaultdict(list)
    for revision in session.scalars(
        select(AmendmentRevision)
        .join(Amendment, Amendment.id == AmendmentRevision.amendment_id)
        .where(*tabled_filter)
        # A page that shows the words or the authors loads them itself.
        .options(lazyload(AmendmentRevision.texts), lazyload(AmendmentRevision.created_by))
        .order_by(AmendmentRevision.amendment_id, AmendmentRevision.seq)
    ):
        revisions[revision.amendment_id].append(revision)
    for amendment in tabled:
        if "revisions" not in inspect(amendment).dict:
            set_committed_value(amendment, "revisions", revisions[amendment.id])
    return list(tabled)


def frozen_versions(
    session: Session, meeting_ids: list[int], clause_ids: list[int] | None = None
) -> dict[tuple[int, int], ClauseVersion]:
    """{(meeting id, clause id): the version frozen for it, with its clause}: one query, whatever the number of
    meetings. The words are not read: `draft.load_texts` adds them for a caller that shows them."""
    rows = session.execute(
        select(MilestoneSnapshot.milestone_id, MilestoneSnapshot.clause_id, ClauseVersion)
        .join(ClauseVersion, ClauseVersion.id == MilestoneSnapshot.version_id)
        .where(*_frozen_filter(meeting_ids, clause_ids))
        .options(joinedload(ClauseVersion.clause), lazyload(ClauseVersion.texts))
    ).all()
    return {(meeting_id, clause_id): version for meeting_id, clause_id, version in rows}


def _frozen_filter(meeting_ids: list[int], clause_ids: list[int] | None) -> list:
    frozen = [MilestoneSnapshot.milestone_id.in_(meeting_ids)]
    if clause_ids is not None:
        frozen.append(MilestoneSnapshot.clause_id.in_(clause_ids))
    return frozen


def frozen_version_ids(
    session: Session, meeting_ids: list[int], clause_ids: list[int] | None = None
) -> dict[tuple[int, int], int]:
    """{(meeting id, clause id): the id of the version frozen for it}: `frozen_versions` as plain rows (one query),
    for a caller that compares versions and needs few of them (`versions_by_id`)."""
    rows = session.execute(
        select(MilestoneSnapshot.milestone_id, MilestoneSnapshot.clause_id, MilestoneSnapshot.version_id).where(
            *_frozen_filter(meeting_ids, clause_ids)
        )
    ).tuples()
    return {(meeting_id, clause_id): version_id for meeting_id, clause_id, version_id in rows}


def versions_by_id(session: Session, ids: Iterable[int], known: Iterable[ClauseVersion]) -> dict[int, ClauseVersion]:
    """{id: version, with its clause} for `ids`: those among `known` as they are, the others in one query (none
    when all are known), without their words."""
    found = {v.id: v for v in known}
    wanted = {version_id for version_id in ids if version_id not in found}
    if wanted:
        found.update(
            (v.id, v)
            for v in session.scalars(
                select(ClauseVersion)
                .where(ClauseVersion.id.in_(wanted))
                .options(joinedload(ClauseVersion.clause), lazyload(ClauseVersion.texts))
            )
        )
    return found


@overload
def standings(
    session: Session,
    actor: User,
    instrument: Instrument,
    *,
    current: dict[int, ClauseVersion] | None = None,
    meetings: Sequence[Milestone] | None = None,
    only_current: bool = False,
    tabled: None = None,
    frozen: dict[tuple[int, int], ClauseVersion] | None = None,
    frozen_ids: dict[tuple[int, int], int] | None = None,
) -> dict[int, ClauseStanding[TabledAmendment]]: ...


@overload
def standings(
    session: Session,
    actor: User,
    instrument: Instrument,
    *,
    current: dict[int, ClauseVersion] | None = None,
    meetings: Sequence[Milestone] | None = None,
    only_current: bool = False,
    tabled: list[Amendment],
    frozen: dict[tuple[int, int], ClauseVersion] | None = None,
    frozen_ids: dict[tuple[int, int], int] | None = None,
) -> dict[int, ClauseStanding[Amendment]]: ...


def standings(
    session: Session,
    actor: User,
    instrument: Instrument,
    *,
    current: dict[int, ClauseVersion] | None = None,
    meetings: Sequence[Milestone] | None = None,
    only_current: bool = False,
    tabled: list[Amendment] | None = None,
    frozen: dict[tuple[int, int], ClauseVersion] | None = None,
    frozen_ids: dict[tuple[int, int], int] | None = None,
) -> dict[int, ClauseStanding[Amendment]] | dict[int, ClauseStanding[TabledAmendment]]:
    """{clause id: where it stands} for every clause of the instrument (only those of `current` if `only_current`).

    `current` ({clause id: its current version}) and `meetings` (the instrument's meetings in order) spare the
    queries when the caller has already read them; so do `tabled` (the tabled amendments to those clauses, with
    their revisions: `open_amendments` are then those), and `frozen` (`frozen_versions` of every meeting that is not
    only planned) or `frozen_ids` (`frozen_version_ids` of them), for a caller that has them. Without `tabled`,
    `open_amendments` are `TabledAmendment`s.
    """
    only = list(current) if current is not None and only_current else None
    if current is None:
        current = versions_as_of(session, instrument.id, with_texts=False)
    amendments: Sequence[Amendment | TabledAmendment]
    if tabled is None:
        light = tabled_amendments(session, instrument, only)
        progress = _progress(
            session,
            [_Tabled.of(a, current) for a in light],
            select(Amendment.id).where(*_tabled_filter(instrument, only)).scalar_subquery(),
        )
        amendments = light
    else:
        progress = amendment_progress(session, tabled, current)
        amendments = tabled
    if meetings is None:
        meetings = session.scalars(
            select(Milestone).where(Milestone.instrument_id == instrument.id).order_by(Milestone.position)
        ).all()
    meetings = [m for m in meetings if m.state is not MilestoneState.planned]
    meeting_ids = [m.id for m in meetings]
    outcomes = [MilestoneOutcome.milestone_id.in_(meeting_ids)]
    if only is not None:
        outcomes.append(MilestoneOutcome.clause_id.in_(only))
    recorded = session.scalars(select(MilestoneOutcome).where(*outcomes)).all()
    if frozen is not None:
        frozen_ids = {key: version.id for key, version in frozen.items()}
    elif frozen_ids is None:
        frozen_ids = frozen_version_ids(session, meeting_ids, only)
    outcome_of = {(o.milestone_id, o.clause_id): o for o in recorded}

    brackets = bracket_counts(session, current.values())
    tabled_by_clause: dict[int, list[Amendment | TabledAmendment]] = defaultdict(list)
    for amendment in amendments:
        if amendment.clause_id is not None:  # a proposed new clause stands nowhere yet
            tabled_by_clause[amendment.clause_id].append(amendment)
    result: dict[int, ClauseStanding] = {}
    #: {clause id: the last meeting whose frozen draft differs from it, and the id of the version it had then}
    changed_from: dict[int, tuple[Milestone, int]] = {}
    for clause_id, version in current.items():
        standing: ClauseStanding = ClauseStanding()
        standing.open_amendments = [(a, progress[a.id].next_step) for a in tabled_by_clause[clause_id]]
        standing.reviews = {a.id: progress[a.id].review for a in tabled_by_clause[clause_id]}
        standing.outdated = {a.id for a in tabled_by_clause[clause_id] if progress[a.id].outdated}
        endorsed = reserved = False
        changed: tuple[Milestone, int] | None = None
        for meeting in meetings:  # in order: the latest meeting that dealt with the clause decides
            then = frozen_ids.get((meeting.id, clause_id))
            if then is None:
                continue
            changed = (meeting, then) if then != version.id else None
            outcome = outcome_of.get((meeting.id, clause_id))
            if outcome is None or (
                meeting.state is not MilestoneState.concluded and outcome.outcome is not Outcome.reservation
            ):
                continue
            unchanged = then == version.id
            standing.last_outcome = (meeting, outcome)
            endorsed = outcome.outcome.endorses and unchanged
            reserved = outcome.outcome is Outcome.reservation and unchanged
            standing.reservation = outcome if reserved else None
        if changed is not None:
            changed_from[clause_id] = changed
        standing.open_brackets = brackets.get(version.id, 0)
        standing.status = clause_status(
            ClauseFacts(
                has_open_amendments=bool(standing.open_amendments),
                has_reservation=reserved,
                agreed_by_negotiators=version.amendment_id is not None,
                endorsed=endorsed,
                open_brackets=standing.open_brackets,
            )
        )
        result[clause_id] = standing
    # The versions clauses changed from, read at once: those of `frozen`, or in one query.
    then_versions = versions_by_id(
        session,
        [then for _, then in changed_from.values()],
        frozen.values() if frozen is not None else current.values(),
    )
    for clause_id, (meeting, then) in changed_from.items():
        result[clause_id].changed_since = (meeting, then_versions[then])
    return result


def clause_standing(
    session: Session,
    actor: User,
    instrument: Instrument,
    clause: Clause,
    current: ClauseVersion,
    open_amendments: list[Amendment],
) -> ClauseStanding:
    """Where one clause stands: the same reading as `standings`, with queries limited to that clause.

    `open_amendments` are those the caller shows for the clause (with their revisions): the tabled ones count.
    """
    tabled = sorted(
        (a for a in open_amendments if a.state is AmendmentState.tabled and a.clause_id == clause.id),
        key=lambda a: (a.tabled_at, a.id),
    )
    # The meetings that froze a version of the clause, with that version, in one query: a meeting that froze none
    # of it (the clause came later) says nothing about it, so these are all the meetings `standings` reads.
    meetings: dict[int, Milestone] = {}
    frozen: dict[tuple[int, int], ClauseVersion] = {}
    for meeting, version in session.execute(
        select(Milestone, ClauseVersion)
        .join(MilestoneSnapshot, MilestoneSnapshot.milestone_id == Milestone.id)
        .join(ClauseVersion, ClauseVersion.id == MilestoneSnapshot.version_id)
        .where(
            Milestone.instrument_id == instrument.id,
            Milestone.state != MilestoneState.planned,
            MilestoneSnapshot.clause_id == clause.id,
        )
        .options(joinedload(ClauseVersion.clause), lazyload(ClauseVersion.texts))
    ).tuples():
        meetings[meeting.id] = meeting
        frozen[(meeting.id, clause.id)] = version
    return standings(
        session,
        actor,
        instrument,
        current={clause.id: current},
        meetings=sorted(meetings.values(), key=lambda m: m.position),
        only_current=True,
        tabled=tabled,
        frozen=frozen,
    )[clause.id]
