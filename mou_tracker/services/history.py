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

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..core import permissions
from ..core.clause_kinds import ClauseKind
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
from .draft import DraftClause, clause_history, current_instrument, in_reading_order, load_texts, versions_as_of
from .errors import NotFound, PermissionDenied
from .redlines import LanguageRedline, Words, language_redline, version_redlines
from .rolling import check_language
from .word_credits import CreditedRun, clause_word_credits, credited_runs


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


def clause_record(
    session: Session, actor: User, wid: str, language: str, *, every_language: bool = False
) -> ClauseRecord:
    """The negotiating history of one clause as this reader may read it, with who wrote each word of its current
    text in `language` (one of the negotiation's). Its redlines are in `language` alone, or in every language of
    the negotiation with `every_language` (the API's answer)."""
    history = clause_history(session, actor, wid)  # checks the reader; an unknown clause is "not found"
    instrument = current_instrument(session)
    languages = instrument.language_codes if every_language else [language]
    events = _events(session, actor, instrument, [history.clause.id], languages)
    words: list[CreditedRun] = []
    if history.current is not None and history.current.version.text(language) is not None:
        words = clause_word_credits(session, actor, wid, language).runs
    return ClauseRecord(history.clause, history.current, events.get(history.clause.id, []), words)


# The instrument's history, paged by article -----------------------------------------------------------------------

#: A run of clauses outside any article (the title, the preambular paragraphs, clauses deleted with their article)
#: is cut into pages of about this many entries (versions and tabled amendments), so that no page of the history
#: takes long to build; an article is never cut. Counted on what every reader sees alike (tabled amendments), so
#: the pages are the same for both parties and their bounds say nothing of a party's drafts.
PAGE_ENTRIES = 60


@dataclass(frozen=True)
class SectionClause:
    clause_id: int
    wid: str
    #: As the current draft cites it ("Article 2(3)"); None for a deleted clause.
    citation: str | None
    depth: int


@dataclass(frozen=True)
class HistorySection:
    """One page of the instrument's history: an article with everything under it (the paragraphs deleted from it
    included), a run of clauses outside articles, or a run of clauses deleted with their article."""

    #: The wid of its first clause: the page's address (`?article=`).
    key: str
    clauses: tuple[SectionClause, ...]
    article: bool
    deleted: bool
    #: The article's heading in the record's language.
    heading: str | None
    #: Versions of its clauses, and amendments to them this reader may see.
    versions: int
    amendments: int

    @property
    def first(self) -> str | None:
        """The citation of its first clause still in the draft (None: all deleted)."""
        return next((c.citation for c in self.clauses if c.citation), None)

    @property
    def last(self) -> str | None:
        """The citation of its last top-level clause still in the draft (a run outside articles ends there)."""
        return next((c.citation for c in reversed(self.clauses) if c.citation and c.depth == 0), None)

    @property
    def entries(self) -> int:
        return self.versions + self.amendments


@dataclass(frozen=True)
class HistoryContents:
    """The table of contents of the instrument's history for one reader: its pages in the order of the draft."""

    language: str
    sections: tuple[HistorySection, ...]

    def index_of(self, key: str) -> int:
        """The page holding the clause `key` (an article's wid, or any clause's in it)."""
        for index, section in enumerate(self.sections):
            if any(c.wid == key for c in section.clauses):
                return index
        raise NotFound(N_("The negotiating history has no article or clause with that identifier."))

    @property
    def versions(self) -> int:
        return sum(s.versions for s in self.sections)

    @property
    def amendments(self) -> int:
        return sum(s.amendments for s in self.sections)

    @property
    def entries(self) -> int:
        return self.versions + self.amendments


@dataclass(frozen=True)
class ArticleRecord:
    """One page of the instrument's history: its section, its clauses' records, and where it stands in the whole."""

    contents: HistoryContents
    index: int
    records: list[ClauseRecord]

    @property
    def section(self) -> HistorySection:
        return self.contents.sections[self.index]

    @property
    def previous(self) -> HistorySection | None:
        return self.contents.sections[self.index - 1] if self.index > 0 else None

    @property
    def next(self) -> HistorySection | None:
        sections = self.contents.sections
        return sections[self.index + 1] if self.index + 1 < len(sections) else None


@dataclass
class _Layout:
    contents: HistoryContents
    live: dict[int, DraftClause]
    clauses: dict[int, Clause]


def _layout(session: Session, actor: User, instrument: Instrument, language: str) -> _Layout:
    """The pages of the history: the current draft's clauses in reading order, grouped by article, each deleted
    clause with the article it was deleted from (or, its article deleted too, in runs of their own at the end).
    Counted with a fixed number of queries and no words read but the articles' headings."""
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the draft."))
    check_language(instrument, language)
    versions = versions_as_of(session, instrument.id, with_texts=False)
    live = in_reading_order(versions)
    clauses = {v.clause.id: v.clause for v in versions.values()}
    load_texts(session, [item.version for item in live if item.depth == 0 and item.kind is ClauseKind.article])

    def counted(query) -> dict[int, int]:
        return {cid: n for cid, n in session.execute(query.group_by(Amendment.clause_id)) if cid is not None}

    per_clause = select(Amendment.clause_id, func.count()).join(Clause, Clause.id == Amendment.clause_id)
    per_clause = per_clause.where(Clause.instrument_id == instrument.id)
    visible = counted(per_clause.where(visible_to(actor)))
    tabled = counted(per_clause.where(Amendment.was_tabled))
    version_counts: dict[int, int] = {
        cid: n
        for cid, n in session.execute(
            select(ClauseVersion.clause_id, func.count())
            .join(Clause, Clause.id == ClauseVersion.clause_id)
            .where(Clause.instrument_id == instrument.id)
            .group_by(ClauseVersion.clause_id)
        )
    }

    def weight(clause_id: int) -> int:
        return version_counts.get(clause_id, 0) + tabled.get(clause_id, 0)

    live_ids = {item.clause.id for item in live}
    deleted_under: dict[int, list[Clause]] = {}
    orphans: list[Clause] = []
    for clause in sorted((c for cid, c in clauses.items() if cid not in live_ids), key=lambda c: c.id):
        top = clause
        while top.parent_id is not None and top.parent_id in clauses:
            top = clauses[top.parent_id]
        if top.id in live_ids:
            deleted_under.setdefault(top.id, []).append(clause)
        else:
            orphans.append(clause)

    groups: list[tuple[bool, bool, list[SectionClause]]] = []  # (article, deleted, clauses)

    def starts_page(article: bool, clause_id: int) -> bool:
        if article or not groups or groups[-1][0] or groups[-1][1]:
            return True
        return sum(weight(c.clause_id) for c in groups[-1][2]) + weight(clause_id) > PAGE_ENTRIES

    for item in live:
        if item.depth == 0 and starts_page(item.kind is ClauseKind.article, item.clause.id):
            groups.append((item.kind is ClauseKind.article, False, []))
        groups[-1][2].append(SectionClause(item.clause.id, item.clause.wid, item.citation, item.depth))
    # Each deleted clause after the live clauses of the page of its top-level clause.
    by_top = {c.clause_id: group for group in groups for c in group[2] if c.depth == 0}
    for top_id, gone in deleted_under.items():
        by_top[top_id][2].extend(SectionClause(c.id, c.wid, None, 1) for c in gone)
    for clause in orphans:
        run = groups[-1] if groups and groups[-1][1] else None
        if run is None or sum(weight(c.clause_id) for c in run[2]) + weight(clause.id) > PAGE_ENTRIES:
            groups.append((False, True, []))
        groups[-1][2].append(SectionClause(clause.id, clause.wid, None, 0))

    live_by_id = {item.clause.id: item for item in live}
    sections = []
    for article, deleted, members in groups:
        head = live_by_id.get(members[0].clause_id)
        sections.append(
            HistorySection(
                key=members[0].wid,
                clauses=tuple(members),
                article=article,
                deleted=deleted,
                heading=head.heading(language) if article and head is not None else None,
                versions=sum(version_counts.get(c.clause_id, 0) for c in members),
                amendments=sum(visible.get(c.clause_id, 0) for c in members),
            )
        )
    return _Layout(HistoryContents(language, tuple(sections)), live_by_id, clauses)


def history_contents(session: Session, actor: User, language: str) -> HistoryContents:
    """The table of contents of the instrument's history for this reader: its pages (articles, and runs of other
    clauses) with how many versions and amendments each holds."""
    return _layout(session, actor, current_instrument(session), language).contents


def article_record(
    session: Session, actor: User, language: str, key: str, *, every_language: bool = False
) -> ArticleRecord:
    """One page of the instrument's history: the records of the clauses of the article (or run) holding the clause
    `key`, in the order of the draft, as this reader may read them; its redlines in `language` alone, or in every
    language with `every_language`. An unknown key is "not found"."""
    instrument = current_instrument(session)
    layout = _layout(session, actor, instrument, language)
    index = layout.contents.index_of(key)
    members = layout.contents.sections[index].clauses
    languages = instrument.language_codes if every_language else [language]
    return ArticleRecord(layout.contents, index, _records(session, actor, instrument, layout, members, languages))


def instrument_record(
    session: Session, actor: User, language: str, *, every_language: bool = False
) -> list[ClauseRecord]:
    """The negotiating history of every clause, page after page of the history (`history_contents`): the order of
    the current draft, each deleted clause after the article it was deleted from. A fixed number of queries,
    whatever the size of the negotiation."""
    instrument = current_instrument(session)
    layout = _layout(session, actor, instrument, language)
    members = tuple(c for section in layout.contents.sections for c in section.clauses)
    languages = instrument.language_codes if every_language else [language]
    return _records(session, actor, instrument, layout, members, languages)


def _records(
    session: Session,
    actor: User,
    instrument: Instrument,
    layout: _Layout,
    members: Sequence[SectionClause],
    languages: list[str],
) -> list[ClauseRecord]:
    language = layout.contents.language
    items = [layout.live[c.clause_id] for c in members if c.clause_id in layout.live]
    load_texts(session, [item.version for item in items])
    whole = len(items) == len(layout.live)
    words = credited_runs(session, items, language, whole_draft=whole)
    events = _events(session, actor, instrument, [c.clause_id for c in members], languages)
    return [
        ClauseRecord(
            layout.clauses[c.clause_id],
            layout.live.get(c.clause_id),
            events.get(c.clause_id, []),
            words.get(c.clause_id, []),
        )
        for c in members
    ]


def pdf_fits(contents: HistoryContents, max_entries: int) -> bool:
    """Whether the whole instrument's history is short enough to lay out as one PDF while the reader waits: its
    versions and amendments, at most `max_entries` (configured from what the machine lays out in a request;
    BENCHMARKS.md). Longer, it is offered page by page as PDFs, and whole as Word."""
    return contents.entries <= max_entries


def _events(
    session: Session, actor: User, instrument: Instrument, clause_ids: Sequence[int], languages: list[str]
) -> dict[int, list[HistoryEvent]]:
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
                    texts={t.language: t.body for t in version.texts if t.language in languages},
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
