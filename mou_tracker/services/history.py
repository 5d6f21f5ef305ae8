"""The negotiating history (travaux préparatoires) of a clause and of the whole instrument, for one reader.

In time order: the initial text, each amendment as tabled with its redline, its revisions, the answers, the
counter-proposals, the legal reviews, the comments, the meetings' outcomes and reservations, and each adoption.
What one party keeps to itself reaches only that party, by the rules that already say so:
`amendments.visible_to` (which amendments), `permissions.revisions_readable_by` (which of their revisions: the
other party reads from the tabled one on) and `permissions.can_see_comment` (internal notes). Reviews and answers
are shown only beside a revision the reader may read.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..core import permissions
from ..core.messages import N_, Message
from ..core.workflow import AmendmentKind, AmendmentState
from ..models import (
    Amendment,
    AmendmentComment,
    AmendmentRevision,
    Clause,
    ClauseVersion,
    Instrument,
    Milestone,
    MilestoneOutcome,
    Response,
    Review,
    User,
)
from .amendments import visible_to
from .draft import DraftClause, clause_history, current_instrument
from .redlines import LanguageRedline, Words, language_redline, version_redlines
from .word_credits import CreditedRun, clause_word_credits, draft_word_credits


class EventKind(enum.StrEnum):
    initial = "initial"
    adopted = "adopted"
    deleted = "deleted"
    drafted = "drafted"
    tabled = "tabled"
    revised = "revised"
    concurred = "concurred"
    rejected = "rejected"
    reviewed = "reviewed"
    comment = "comment"
    closed = "closed"
    outcome = "outcome"


@dataclass(frozen=True)
class HistoryEvent:
    when: dt.datetime
    kind: EventKind
    #: What happened, one line ("UNOCT-1 tabled"); a Message the page translates.
    title: str | Message
    #: Who did it: a name and, where known, the party ("Ms Example (UNOCT)").
    who: str = ""
    #: The words that go with it: a rationale, a reason, a comment, a note.
    note: str = ""
    #: The redline of the words proposed or adopted, per language (None: no words to show).
    redlines: list[LanguageRedline] | None = None
    #: The full text of the initial version {language: body}.
    texts: dict[str, str] = field(default_factory=dict)
    #: Seen only by the reader's own party (an untabled draft, an internal comment).
    internal: bool = False
    amendment_id: int | None = None
    version_seq: int | None = None


@dataclass(frozen=True)
class ClauseRecord:
    clause: Clause
    #: How the clause is cited in the current draft; None when it has been deleted.
    current: DraftClause | None
    events: list[HistoryEvent]
    #: Who wrote each word of the current text in the record's language (empty: deleted, or no text in it).
    words: list[CreditedRun] = field(default_factory=list)


def _who(user: User | None) -> str:
    if user is None:
        return ""
    return f"{user.display_name} ({user.party.code})" if user.party else user.display_name


def _words(holder, language: str) -> Words:
    if holder is None or getattr(holder, "is_deleted", False):
        return Words(None, None)
    text = holder.text(language)
    return Words(text.heading, text.body) if text else Words(None, None)


def _revision_redlines(
    amendment: Amendment, revision: AmendmentRevision, against: ClauseVersion | None, languages: list[str]
) -> list[LanguageRedline]:
    if amendment.kind is AmendmentKind.delete:
        return [
            language_redline(lang, _words(against, lang), Words(None, None), amendment.party.code)
            for lang in languages
            if _words(against, lang).body is not None
        ]
    return [
        language_redline(lang, _words(against, lang), _words(revision, lang), amendment.party.code)
        for lang in languages
        if revision.text(lang) is not None
    ]


def clause_record(session: Session, actor: User, wid: str, language: str) -> ClauseRecord:
    """The negotiating history of one clause as this reader may read it, with who wrote each word of its current
    text in `language` (one of the negotiation's)."""
    history = clause_history(session, actor, wid)  # checks the reader; an unknown clause is "not found"
    instrument = current_instrument(session)
    events = _events(session, actor, instrument, [history.clause.id])
    words: list[CreditedRun] = []
    if history.current is not None and history.current.version.text(language) is not None:
        words = clause_word_credits(session, actor, wid, language).runs
    return ClauseRecord(history.clause, history.current, events.get(history.clause.id, []), words)


def instrument_record(session: Session, actor: User, language: str) -> list[ClauseRecord]:
    """The negotiating history of every clause, in the reading order of the current draft, then the clauses
    deleted on the way. A fixed number of queries, whatever the size of the negotiation."""
    instrument = current_instrument(session)
    credited = draft_word_credits(session, actor, language)
    live = [item for item, _ in credited]
    words = {item.clause.id: runs for item, runs in credited}
    clauses = {
        c.id: c
        for c in session.scalars(
            select(Clause)
            .where(Clause.instrument_id == instrument.id)
            .options(selectinload(Clause.versions).selectinload(ClauseVersion.texts))
        )
    }
    events = _events(session, actor, instrument, list(clauses))
    live_ids = [item.clause.id for item in live]
    records = [
        ClauseRecord(clauses[item.clause.id], item, events.get(item.clause.id, []), words[item.clause.id])
        for item in live
    ]
    deleted = sorted((c for cid, c in clauses.items() if cid not in set(live_ids)), key=lambda c: c.id)
    records += [ClauseRecord(c, None, events.get(c.id, [])) for c in deleted]
    return records


def _events(
    session: Session, actor: User, instrument: Instrument, clause_ids: Sequence[int]
) -> dict[int, list[HistoryEvent]]:
    languages = instrument.language_codes
    out: dict[int, list[HistoryEvent]] = {cid: [] for cid in clause_ids}
    versions: dict[int, ClauseVersion] = {}
    for version in session.scalars(
        select(ClauseVersion)
        .where(ClauseVersion.clause_id.in_(clause_ids))
        .options(selectinload(ClauseVersion.texts))
        .order_by(ClauseVersion.clause_id, ClauseVersion.seq)
    ):
        versions[version.id] = version
    previous: dict[int, ClauseVersion] = {}
    adopted_ids = {v.amendment_id for v in versions.values() if v.amendment_id}
    citations = (
        {a.id: a.citation for a in session.scalars(select(Amendment).where(Amendment.id.in_(adopted_ids)))}
        if adopted_ids
        else {}
    )
    for version in versions.values():
        before = previous.get(version.clause_id)
        citation = citations.get(version.amendment_id) if version.amendment_id else None
        common = {"who": _who(version.created_by), "amendment_id": version.amendment_id, "version_seq": version.seq}
        if before is None:
            out[version.clause_id].append(
                HistoryEvent(
                    version.created_at,
                    EventKind.initial,
                    Message(N_("Version %(seq)s: the initial text"), seq=version.seq),
                    note=version.reason,
                    texts={t.language: t.body for t in version.texts},
                    **common,  # type: ignore[arg-type]
                )
            )
        elif version.is_deleted:
            out[version.clause_id].append(
                HistoryEvent(
                    version.created_at,
                    EventKind.deleted,
                    Message(
                        N_("Version %(seq)s: the clause deleted (%(citation)s)"), seq=version.seq, citation=citation
                    )
                    if citation
                    else Message(N_("Version %(seq)s: the clause deleted"), seq=version.seq),
                    note=version.reason,
                    **common,  # type: ignore[arg-type]
                )
            )
        else:
            out[version.clause_id].append(
                HistoryEvent(
                    version.created_at,
                    EventKind.adopted,
                    Message(N_("Version %(seq)s: %(citation)s adopted"), seq=version.seq, citation=citation)
                    if citation
                    else Message(N_("Version %(seq)s recorded"), seq=version.seq),
                    note=version.reason,
                    redlines=version_redlines(before, version, languages),
                    **common,  # type: ignore[arg-type]
                )
            )
        previous[version.clause_id] = version

    amendments = list(
        session.scalars(
            select(Amendment)
            .where(Amendment.clause_id.in_(clause_ids), visible_to(actor))
            .options(
                selectinload(Amendment.revisions).selectinload(AmendmentRevision.texts),
                selectinload(Amendment.revisions).selectinload(AmendmentRevision.base_version),
                selectinload(Amendment.answers),
                selectinload(Amendment.created_by),
            )
            .order_by(Amendment.id)
        )
    )
    by_id = {a.id: a for a in amendments}
    readable: dict[int, AmendmentRevision] = {}
    for amendment in amendments:
        revisions = permissions.revisions_readable_by(actor, amendment)
        readable.update({r.id: r for r in revisions})
        _amendment_events(amendment, revisions, out[amendment.clause_id], languages)  # type: ignore[index]
    if by_id:
        for response in session.scalars(
            select(Response).where(Response.amendment_id.in_(by_id)).order_by(Response.created_at)
        ):
            revision = readable.get(response.revision_id)
            if revision is None:
                continue
            amendment = by_id[response.amendment_id]
            concur = response.kind == "concur"
            out[amendment.clause_id].append(  # type: ignore[index]
                HistoryEvent(
                    response.created_at,
                    EventKind.concurred if concur else EventKind.rejected,
                    Message(
                        N_("%(party)s concurred with %(citation)s (revision %(seq)s)")
                        if concur
                        else N_("%(party)s rejected %(citation)s (revision %(seq)s)"),
                        party=response.party.code,
                        citation=amendment.citation,
                        seq=revision.seq,
                    ),
                    who=_who(response.user),
                    note=response.reason,
                    amendment_id=amendment.id,
                )
            )
        for review in session.scalars(select(Review).where(Review.amendment_id.in_(by_id)).order_by(Review.created_at)):
            revision = readable.get(review.revision_id)
            if revision is None:
                continue
            amendment = by_id[review.amendment_id]
            out[amendment.clause_id].append(  # type: ignore[index]
                HistoryEvent(
                    review.created_at,
                    EventKind.reviewed,
                    Message(
                        N_("Legal review of %(citation)s (revision %(seq)s): %(decision)s"),
                        citation=amendment.citation,
                        seq=revision.seq,
                        decision=Message(review.decision.label),
                    ),
                    who=_who(review.reviewer),
                    note=review.comment,
                    amendment_id=amendment.id,
                )
            )
        for comment in session.scalars(
            select(AmendmentComment)
            .where(AmendmentComment.amendment_id.in_(by_id))
            .order_by(AmendmentComment.created_at, AmendmentComment.id)
        ):
            if not permissions.can_see_comment(actor, comment):
                continue
            amendment = by_id[comment.amendment_id]
            out[amendment.clause_id].append(  # type: ignore[index]
                HistoryEvent(
                    comment.created_at,
                    EventKind.comment,
                    Message(N_("Internal note on %(citation)s"), citation=amendment.citation)
                    if comment.internal
                    else Message(N_("Comment on %(citation)s"), citation=amendment.citation),
                    who=_who(comment.author),
                    note=comment.body,
                    internal=comment.internal,
                    amendment_id=amendment.id,
                )
            )
    for outcome, meeting in session.execute(
        select(MilestoneOutcome, Milestone)
        .join(Milestone, Milestone.id == MilestoneOutcome.milestone_id)
        .where(MilestoneOutcome.clause_id.in_(clause_ids))
        .order_by(MilestoneOutcome.recorded_at)
    ):
        reserved = outcome.reserved_by_in(None)
        out[outcome.clause_id].append(
            HistoryEvent(
                outcome.recorded_at,
                EventKind.outcome,
                Message(
                    N_("%(meeting)s: %(outcome)s, entered by %(who)s"),
                    meeting=meeting.code,
                    outcome=Message(outcome.outcome.label),
                    who=reserved,
                )
                if reserved
                else Message(
                    N_("%(meeting)s: %(outcome)s"), meeting=meeting.code, outcome=Message(outcome.outcome.label)
                ),
                who=_who(outcome.recorded_by),
                note=outcome.note,
            )
        )
    order = list(EventKind)
    for events in out.values():
        events.sort(key=lambda e: (e.when, order.index(e.kind)))
    return out


def _amendment_events(
    amendment: Amendment, revisions: list[AmendmentRevision], out: list[HistoryEvent], languages: list[str]
) -> None:
    """Drafting (the party's own), tabling, revisions after tabling and the closing of one amendment."""
    tabled_seq = amendment.tabled_seq
    answering = amendment.answers.citation if amendment.answers is not None else None
    for revision in revisions:
        redlines = _revision_redlines(amendment, revision, revision.base_version, languages)
        internal = tabled_seq is None or revision.seq < tabled_seq
        if internal:
            kind, when = EventKind.drafted, revision.created_at
            title = Message(
                N_("%(citation)s drafted (revision %(seq)s, not tabled: seen only by %(party)s)"),
                citation=amendment.citation,
                seq=revision.seq,
                party=amendment.party.code,
            )
        elif revision.seq == tabled_seq:
            kind, when = EventKind.tabled, amendment.tabled_at or revision.created_at
            title = (
                Message(
                    N_("%(citation)s tabled, answering %(answers)s"), citation=amendment.citation, answers=answering
                )
                if answering
                else Message(N_("%(citation)s tabled"), citation=amendment.citation)
            )
        else:
            kind, when = EventKind.revised, revision.created_at
            title = Message(
                N_("%(citation)s revised (revision %(seq)s)"), citation=amendment.citation, seq=revision.seq
            )
        out.append(
            HistoryEvent(
                when,
                kind,
                title,
                who=_who(revision.created_by),
                note="\n".join(part for part in (revision.rationale, revision.note) if part),
                redlines=redlines,
                internal=internal,
                amendment_id=amendment.id,
            )
        )
    if amendment.closed_at is not None and amendment.state is not AmendmentState.adopted:
        out.append(
            HistoryEvent(
                amendment.closed_at,
                EventKind.closed,
                Message(
                    N_("%(citation)s: %(state)s"), citation=amendment.citation, state=Message(amendment.state.label)
                ),
                note=amendment.rejection_reason,
                internal=not amendment.was_tabled,
                amendment_id=amendment.id,
            )
        )
