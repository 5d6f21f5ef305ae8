"""The rolling text: the current draft with every tabled proposal in place, in brackets (core.rolling).

Only tabled amendments are read: a party's untabled drafts never appear, not even to that party, because the
rolling text is the text both delegations read at the table. Tabled amendments are part of the shared record, and
their revisions from the tabled one on are readable by every party (services.amendments.revision_readable): the
latest revision, which is what is shown, always is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..core import permissions
from ..core.clause_kinds import ClauseKind
from ..core.messages import N_, Message
from ..core.redline import Segment
from ..core.rolling import Mark, Proposal, RollingClause, Tag, compose_clause, proposed_clause
from ..core.status import ClauseStatus
from ..core.workflow import AmendmentKind
from ..models import Amendment, Instrument, User
from ..models.base import utcnow
from .draft import current_instrument
from .errors import PermissionDenied, ValidationFailed
from .redlines import Words, language_redline, load_reading_words
from .reports import StatusReport, _insertion_index, status_report
from .standing import _tabled_with_revisions

_MARKS = {ClauseStatus.ad_referendum: Mark.ad_referendum, ClauseStatus.agreed: Mark.agreed}


@dataclass(frozen=True)
class RollingText:
    instrument: Instrument
    language: str
    generated_at: dt.datetime
    clauses: list[RollingClause]
    #: How many tabled proposals the text shows (in this language or noted as without words in it).
    proposals: int
    title: str

    @property
    def bracketed(self) -> int:
        return sum(1 for clause in self.clauses if clause.bracketed)


def _cached_diff(old: str, new: str) -> tuple[Segment, ...]:
    """The word-level diff, through services.redlines (keyed by the words themselves, so never stale): the redline
    kept of the proposal against the current text where there is one, else diffed once and remembered."""
    return language_redline("", Words(None, old), Words(None, new), "").body.segments


def check_language(instrument: Instrument, language: str | None) -> str:
    """The language asked for, if the negotiation is drafted in it."""
    codes = instrument.language_codes
    if language not in codes:
        raise ValidationFailed(
            Message(
                N_("This negotiation has no text in that language; it has: %(languages)s."), languages=", ".join(codes)
            )
        )
    return language


def _tag(amendment: Amendment) -> Tag:
    return Tag(str(amendment.citation), amendment.party.code)


def _proposal(amendment: Amendment, language: str) -> Proposal:
    if amendment.kind is AmendmentKind.delete:
        return Proposal(_tag(amendment), delete=True)
    text = amendment.latest.text(language)
    if text is None:
        return Proposal(_tag(amendment))
    return Proposal(_tag(amendment), heading=text.heading, body=text.body)


def rolling_text(session: Session, actor: User, language: str) -> RollingText:
    """The rolling text of the current draft in `language`: a fixed number of queries however long the draft."""
    return rolling_texts(session, actor, [language])[0]


def rolling_texts(session: Session, actor: User, languages: list[str]) -> list[RollingText]:
    """The rolling text in each of `languages`, from one reading of the draft and its proposals."""
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the draft."))
    instrument = current_instrument(session)
    languages = [check_language(instrument, language) for language in languages]
    tabled = _tabled_with_revisions(session, instrument, None)
    report = status_report(session, actor, instrument, with_queues=False, tabled=tabled)
    # Each proposal's words, and the redlines kept of them against the current text (one query for all).
    load_reading_words(session, tabled, {row.item.clause.id: row.item.version for row in report.rows})
    return [_compose(instrument, report, tabled, language) for language in languages]


def _compose(instrument: Instrument, report: StatusReport, tabled: list[Amendment], language: str) -> RollingText:
    clauses_at: dict[int, list[RollingClause]] = {}
    items = [row.item for row in report.rows]
    for amendment in (a for a in tabled if a.kind is AmendmentKind.insert):
        text = amendment.latest.text(language)
        index = _insertion_index(items, amendment)
        anchor = items[index - 1] if 0 < index <= len(items) else None
        depth = 0
        if amendment.insert_parent_id is not None:
            parent = next((item for item in items if item.clause.id == amendment.insert_parent_id), None)
            depth = parent.depth + 1 if parent else (anchor.depth if anchor else 0)
        clause = proposed_clause(
            key=f"new-{amendment.id}",
            kind=amendment.new_clause_kind or ClauseKind.paragraph,  # always set for an insertion (a check)
            depth=depth,
            heading=text.heading if text else None,
            body=text.body if text else "",
            tag=_tag(amendment),
        )
        clauses_at.setdefault(index, []).append(clause)
    clauses: list[RollingClause] = []
    for index, row in enumerate(report.rows):
        clauses.extend(clauses_at.pop(index, []))
        item = row.item
        clauses.append(
            compose_clause(
                key=item.clause.wid,
                kind=item.kind,
                depth=item.depth,
                label=item.label,
                heading=item.heading(language),
                body=item.body(language) or "",
                proposals=[_proposal(a, language) for a, _ in row.standing.open_amendments],
                mark=_MARKS.get(row.standing.status),
                diff=_cached_diff,
            )
        )
    for index in sorted(clauses_at):
        clauses.extend(clauses_at[index])
    return RollingText(
        instrument=instrument,
        language=language,
        generated_at=utcnow(),
        clauses=clauses,
        proposals=len(tabled),
        title=report.title_in(language),
    )
