"""Who wrote each word of the current text: every run of words credited to the version that introduced it, and
through it to the amendment, its party, its proposer, the legal reviewers who cleared it and the meeting that
endorsed it.

The runs of a version are derived once, when it is written, and kept (models.ClauseTextAttribution): versions
never change, so the runs of version N are the runs of version N-1 carried through one diff
(core.attribution.next_runs). The migration that made the table filled it for the versions written before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload, selectinload

from ..core import attribution, permissions
from ..core.messages import N_, Message
from ..core.milestones import Outcome
from ..core.status import ReviewDecision
from ..models import (
    Amendment,
    Clause,
    ClauseTextAttribution,
    ClauseVersion,
    Milestone,
    MilestoneOutcome,
    MilestoneSnapshot,
    Review,
    User,
)
from .draft import DraftClause, current_instrument, draft_as_of, load_texts
from .errors import NotFound, PermissionDenied, ValidationFailed

#: The outcomes by which a meeting endorsed the words of a clause's frozen version.
ENDORSING = (Outcome.endorsed, Outcome.endorsed_with_changes)


@dataclass(frozen=True)
class VersionCredit:
    """Everything a reader may want to know about the version that introduced some words."""

    seq: int
    when: dt.datetime
    #: The adopted amendment's citation ("UNOCT-1"), or "" for a version recorded without one (the first draft).
    citation: str
    #: The party whose words these are: the amendment's, else the recorder's ("" when neither is known).
    party: str
    #: Who wrote the amendment (or recorded the version).
    proposer: str
    #: The legal reviewers who cleared the adopted wording.
    reviewers: tuple[str, ...]
    #: The first meeting that endorsed a frozen version containing these words: (code, name), or None.
    meeting: tuple[str, str] | None

    @property
    def label(self) -> str | Message:
        """The visible citation label of a run: the amendment, else the version."""
        if self.citation:
            return self.citation
        return Message(N_("Version %(seq)s"), seq=self.seq)


@dataclass(frozen=True)
class CreditedRun:
    text: str
    credit: VersionCredit


@dataclass(frozen=True)
class ClauseWordCredits:
    wid: str
    language: str
    #: The current version's number.
    seq: int
    runs: list[CreditedRun]

    @property
    def credits(self) -> list[VersionCredit]:
        """The versions that wrote some of the current words, oldest first (a legend)."""
        return sorted({run.credit.seq: run.credit for run in self.runs}.values(), key=lambda c: c.seq)


def _missing_language(language: str, codes: list[str]) -> ValidationFailed:
    return ValidationFailed(
        Message(N_("This negotiation has no text in that language; it has: %(languages)s."), languages=", ".join(codes))
    )


def clause_word_credits(session: Session, actor: User | None, wid: str, language: str) -> ClauseWordCredits:
    """Who wrote each word of one clause's current text in one language: the runs kept with its current version
    and the credits of the versions they name (a fixed handful of queries; no diff unless the runs were never
    kept)."""
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the draft."))
    instrument = current_instrument(session)
    clause = session.scalar(select(Clause).where(Clause.instrument_id == instrument.id, Clause.wid == wid))
    if clause is None:
        raise NotFound(N_("There is no clause with that identifier."))
    if language not in instrument.language_codes:
        raise _missing_language(language, instrument.language_codes)
    versions = list(
        session.scalars(
            select(ClauseVersion)
            .where(ClauseVersion.clause_id == clause.id)
            .options(lazyload(ClauseVersion.texts))
            .order_by(ClauseVersion.seq)
        )
    )
    version = versions[-1]
    if version.is_deleted:
        raise ValidationFailed(
            N_("This clause has been deleted: its words are no longer in the draft. Its history shows who wrote them.")
        )
    load_texts(session, [version])
    current_text = version.text(language)
    if current_text is None:
        raise ValidationFailed(
            Message(
                N_("Version %(seq)s of this clause has no text in %(language)s: there are no words to attribute."),
                seq=version.seq,
                language=language,
            )
        )
    runs = current_runs(session, {clause.id: version}, language)[clause.id]
    wanted = {run.seq for run in runs}
    credits = version_credits(session, [v for v in versions if v.seq in wanted])
    return ClauseWordCredits(
        wid,
        language,
        version.seq,
        [CreditedRun(text, credits[(clause.id, seq)]) for text, seq in attribution.split_text(current_text.body, runs)],
    )


def draft_word_credits(
    session: Session, actor: User | None, language: str
) -> list[tuple[DraftClause, list[CreditedRun]]]:
    """Who wrote each word of the whole current draft in one language, clause by clause in reading order (a clause
    with no text in the language has no runs). A fixed number of queries, whatever the size of the draft."""
    instrument = current_instrument(session)
    if language not in instrument.language_codes:
        raise _missing_language(language, instrument.language_codes)
    clauses = draft_as_of(session, actor, instrument)
    runs = credited_runs(session, clauses, language, whole_draft=True)
    return [(item, runs.get(item.clause.id, [])) for item in clauses]


def credited_runs(
    session: Session, items: Sequence[DraftClause], language: str, *, whole_draft: bool = False
) -> dict[int, list[CreditedRun]]:
    """{clause id: who wrote each word of its current text in `language`} for some clauses of the current draft
    (their texts loaded); a clause without text in the language is left out. A fixed number of queries; `whole_draft`
    says `items` are every clause of the draft (its versions are then read by negotiation, not by a list of ids)."""
    current = {item.clause.id: item.version for item in items if item.version.text(language) is not None}
    if not current:
        return {}
    runs = current_runs(session, current, language)
    wanted = {(clause_id, run.seq) for clause_id, clause_runs in runs.items() for run in clause_runs}
    if whole_draft:
        instrument_id = next(iter(current.values())).clause.instrument_id
        versions = select(ClauseVersion).join(Clause, Clause.id == ClauseVersion.clause_id)
        versions = versions.where(Clause.instrument_id == instrument_id)
    else:
        versions = select(ClauseVersion).where(ClauseVersion.clause_id.in_(list(current)))
    every = session.scalars(versions.options(lazyload(ClauseVersion.texts)))
    credits = version_credits(session, [v for v in every if (v.clause_id, v.seq) in wanted])
    return {
        clause_id: [
            CreditedRun(words, credits[(clause_id, seq)])
            for words, seq in attribution.split_text(version.text(language).body, runs[clause_id])  # type: ignore[union-attr]
        ]
        for clause_id, version in current.items()
    }


Runs = tuple[attribution.WordRun, ...]


def current_runs(session: Session, current: dict[int, ClauseVersion], language: str) -> dict[int, Runs]:
    """{clause id: the runs of its version in `current`}, which has text in `language`: the runs kept when the
    version was written (models.attributions); for a version written around that hook (straight into the
    database), derived here from the clause's whole chain and not kept: a reading never writes."""
    stored = {
        row.version_id: attribution.runs_from_json(row.runs)
        for row in session.scalars(
            select(ClauseTextAttribution).where(
                ClauseTextAttribution.version_id.in_([v.id for v in current.values()]),
                ClauseTextAttribution.language == language,
            )
        )
    }
    out = {clause_id: stored[v.id] for clause_id, v in current.items() if v.id in stored}
    missing = [clause_id for clause_id in current if clause_id not in out]
    if missing:
        chains = session.scalars(
            select(ClauseVersion).where(ClauseVersion.clause_id.in_(missing)).options(selectinload(ClauseVersion.texts))
        ).all()
        derived = chain_runs(chains, language)
        out.update({clause_id: derived[current[clause_id].id] for clause_id in missing})
    return out


def chain_runs(versions: Sequence[ClauseVersion], language: str) -> dict[int, Runs]:
    """{version id: its runs in `language`}, derived from each clause's whole chain of versions (given complete,
    with their texts). Versions without text in the language are left out."""
    out: dict[int, Runs] = {}
    previous: dict[int, tuple[str, Runs]] = {}  # clause id: its last text and runs
    for version in sorted(versions, key=lambda v: (v.clause_id, v.seq)):
        text = version.text(language)
        if text is None:  # a deletion, or a version without this language: the next one starts afresh
            previous.pop(version.clause_id, None)
            continue
        before = previous.get(version.clause_id)
        runs = (
            attribution.runs_of_first(text.body, version.seq)
            if before is None
            else attribution.next_runs(before[0], before[1], text.body, version.seq)
        )
        out[version.id] = runs
        previous[version.clause_id] = (text.body, runs)
    return out


def version_credits(session: Session, versions: Iterable[ClauseVersion]) -> dict[tuple[int, int], VersionCredit]:
    """{(clause id, seq): the credit of that version}: a fixed number of queries."""
    versions = list(versions)
    amendment_ids = {v.amendment_id for v in versions if v.amendment_id}
    amendments = (
        {
            a.id: a
            for a in session.scalars(
                select(Amendment).where(Amendment.id.in_(amendment_ids)).options(selectinload(Amendment.revisions))
            )
        }
        if amendment_ids
        else {}
    )
    creators = {
        u.id: u
        for u in session.scalars(select(User).where(User.id.in_({a.created_by_id for a in amendments.values()})))
    }
    adopted_revisions = {a.latest.id: a.id for a in amendments.values() if a.revisions}
    reviewers: dict[int, list[str]] = {}
    if adopted_revisions:
        for review in session.scalars(
            select(Review)
            .where(Review.revision_id.in_(adopted_revisions), Review.decision == ReviewDecision.cleared)
            .order_by(Review.created_at, Review.id)
        ):
            names = reviewers.setdefault(adopted_revisions[review.revision_id], [])
            if review.reviewer.display_name not in names:
                names.append(review.reviewer.display_name)
    endorsements = _endorsements(session, {v.clause_id for v in versions})
    out: dict[tuple[int, int], VersionCredit] = {}
    for version in versions:
        amendment = amendments.get(version.amendment_id) if version.amendment_id else None
        if amendment is not None:
            party = amendment.party.code
            creator = creators.get(amendment.created_by_id)
            proposer = creator.display_name if creator else ""
            citation = amendment.citation if amendment.number is not None else ""
            cleared = tuple(reviewers.get(amendment.id, ()))
        else:
            recorder = version.created_by
            party = recorder.party.code if recorder and recorder.party else ""
            proposer = recorder.display_name if recorder else ""
            citation, cleared = "", ()
        meeting = next(
            ((code, name) for seq, code, name in endorsements.get(version.clause_id, []) if seq >= version.seq), None
        )
        out[(version.clause_id, version.seq)] = VersionCredit(
            version.seq, version.created_at, citation, party, proposer, cleared, meeting
        )
    return out


def _endorsements(session: Session, clause_ids: set[int]) -> dict[int, list[tuple[int, str, str]]]:
    """{clause id: [(seq of the frozen version, meeting code, meeting name)]} of the meetings that endorsed it,
    in meeting order: a word introduced by version N was endorsed by the first of them whose version is N or later."""
    if not clause_ids:
        return {}
    rows = session.execute(
        select(MilestoneOutcome.clause_id, ClauseVersion.seq, Milestone.code, Milestone.name)
        .join(Milestone, Milestone.id == MilestoneOutcome.milestone_id)
        .join(
            MilestoneSnapshot,
            (MilestoneSnapshot.milestone_id == MilestoneOutcome.milestone_id)
            & (MilestoneSnapshot.clause_id == MilestoneOutcome.clause_id),
        )
        .join(ClauseVersion, ClauseVersion.id == MilestoneSnapshot.version_id)
        .where(MilestoneOutcome.clause_id.in_(clause_ids), MilestoneOutcome.outcome.in_(ENDORSING))
        .order_by(Milestone.position, Milestone.id)
    ).all()
    out: dict[int, list[tuple[int, str, str]]] = {}
    for clause_id, seq, code, name in rows:
        out.setdefault(clause_id, []).append((seq, code, name))
    return out
