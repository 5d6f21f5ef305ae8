"""The signature copy: the authentic texts once nothing is left to negotiate, and the chair's issue of them.

Whether the text may go to signature, and what blocks it, is core.signature's rule; this service gathers the
facts (the current draft, each clause's standing, the tabled proposals) and records the issue.

Issuing fixes the text that is signed in two ways:
- an audit event "signature.issued" on the negotiation keeps the whole SHA-256 checksum of the text, the
  signatories the chair entered and the clauses' versions; it is part of the shared record (both parties read it);
- the negotiation's signature milestone (its last meeting, after the SWG and the SOC) is frozen on the same
  versions, where the meetings allow it (the meetings before it concluded, itself still planned); its frozen
  draft is then the signed text for ever. Where they do not, the audit event alone records it, and the page says so.

No new table: the signatories live in the audit event, which is append-only, so a later issue (new signatories)
adds an event and the newest one counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import permissions
from ..core.messages import N_, Message
from ..core.milestones import MilestoneState
from ..core.signature import Blocker, BlockerKind, ClauseForSignature, blockers, checksum
from ..core.status import ClauseStatus
from ..core.workflow import AmendmentKind
from ..models import AuditEvent, Instrument, Milestone, Party, User
from ..models.base import utcnow
from . import audit
from . import meetings as meetings_service
from .draft import DraftClause, current_instrument
from .errors import Conflict, PermissionDenied, ValidationFailed
from .reports import status_report
from .standing import _tabled_with_revisions

ISSUED = "signature.issued"
#: Longest name or title a signature block takes.
MAX_SIGNATORY = 200


@dataclass(frozen=True)
class Signatory:
    party: Party
    name: str = ""
    title: str = ""


@dataclass
class SignatureState:
    instrument: Instrument
    clauses: list[DraftClause]
    blockers: list[Blocker]
    #: The whole SHA-256 of the current text (core.signature.checksum).
    checksum: str
    #: The newest issue of the signature copy: its audit event, or None.
    issued: AuditEvent | None = None
    #: One per party, in the negotiation's order: as the newest issue of this very text names them, else blank.
    signatories: list[Signatory] = field(default_factory=list)
    generated_at: dt.datetime = field(default_factory=utcnow)

    @property
    def ready(self) -> bool:
        return not self.blockers

    @property
    def issued_for_this_text(self) -> bool:
        return self.issued is not None and (self.issued.after or {}).get("checksum") == self.checksum

    def title_in(self, language: str) -> str:
        title = next((item for item in self.clauses if item.kind.value == "title"), None)
        return (title.body(language) if title else None) or self.instrument.title


def _for_signature(item: DraftClause, agreed: bool, open_amendments: int, languages: list[str]) -> ClauseForSignature:
    texts = {}
    for language in languages:
        text = item.version.text(language)
        if text is not None:
            texts[language] = (text.heading, text.body)
    return ClauseForSignature(
        wid=item.clause.wid,
        citation=item.citation,
        agreed=agreed,
        open_amendments=open_amendments,
        texts=texts,
        plain_brackets=tuple(getattr(item.clause, "plain_brackets", None) or ()),
    )


def signature_state(session: Session, actor: User) -> SignatureState:
    """Whether the signature copy can be made now, what blocks it, and the checksum of the current text."""
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the draft."))
    instrument = current_instrument(session)
    languages = instrument.language_codes
    tabled = _tabled_with_revisions(session, instrument, None)
    report = status_report(session, actor, instrument, with_queues=False, tabled=tabled)
    facts = [
        _for_signature(
            row.item, row.standing.status is ClauseStatus.agreed, len(row.standing.open_amendments), languages
        )
        for row in report.rows
    ]
    proposed = [str(a.citation) for a in tabled if a.kind is AmendmentKind.insert]
    state = SignatureState(
        instrument,
        [row.item for row in report.rows],
        blockers(facts, languages, proposed),
        checksum(facts, languages),
    )
    if not report.rows:
        state.blockers.append(Blocker(BlockerKind.no_clauses, ""))
    state.issued = latest_issue(session, instrument)
    named = (state.issued.after or {}).get("signatories", {}) if state.issued_for_this_text and state.issued else {}
    state.signatories = [Signatory(party, *(named.get(party.code) or ("", ""))) for party in instrument.parties]
    return state


def latest_issue(session: Session, instrument: Instrument) -> AuditEvent | None:
    return session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.instrument_id == instrument.id,
            AuditEvent.kind == ISSUED,
            AuditEvent.private_to_party_id.is_(None),
        )
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(1)
    )


def signature_milestone(session: Session) -> Milestone | None:
    """The negotiation's signature: its last meeting, which comes after the meetings that take the draft forward."""
    meetings = meetings_service.milestones(session)
    return meetings[-1] if meetings else None


#: What a refusal says of a signatory's name or title that is too long.
TOO_LONG = {
    "name": N_("A signatory's name is too long (at most %(max)s characters)."),
    "title": N_("A signatory's title is too long (at most %(max)s characters)."),
}


def _clean(value: str | None, what: str) -> str:
    cleaned = " ".join((value or "").split())
    if len(cleaned) > MAX_SIGNATORY:
        raise ValidationFailed(Message(TOO_LONG[what], max=MAX_SIGNATORY))
    return cleaned


@dataclass(frozen=True)
class Issue:
    event: AuditEvent
    #: The signature milestone frozen on the signed text, or None when the meetings did not allow it.
    frozen: Milestone | None
    #: Why the milestone was not frozen (a sentence), when it was not.
    not_frozen_because: str = ""


def issue(session: Session, actor: User, signatories: dict[str, tuple[str | None, str | None]]) -> Issue:
    """The chair issues the signature copy: refused while anything blocks it; records the checksum and the
    signatories ({party code: (name, title)}) and freezes the signature milestone where the meetings allow it."""
    if not permissions.can_chair(actor):
        raise PermissionDenied(N_("Only a chair can issue the signature copy."))
    state = signature_state(session, actor)
    if not state.ready:
        raise Conflict(
            Message(
                N_("The text cannot go to signature yet: %(count)s matters still block it (listed on the page)."),
                count=len(state.blockers),
            )
        )
    named = {
        party.code: [
            _clean((signatories.get(party.code) or (None, None))[0], "name"),
            _clean((signatories.get(party.code) or (None, None))[1], "title"),
        ]
        for party in state.instrument.parties
    }
    frozen: Milestone | None = None
    not_frozen = ""
    milestone = signature_milestone(session)
    if milestone is None:
        not_frozen = N_("The negotiation has no meetings: the audit trail alone records the signed text.")
    elif milestone.state is not MilestoneState.planned:
        not_frozen = N_("The signature meeting was already frozen: the audit trail records the signed text.")
    else:
        try:
            frozen = meetings_service.freeze(session, actor, milestone.code)
        except Conflict as refused:
            not_frozen = refused.message
    event = audit.record(
        session,
        actor,
        ISSUED,
        state.instrument,
        f"Signature copy issued; SHA-256 {state.checksum}",
        after={
            "checksum": state.checksum,
            "signatories": named,
            "versions": {item.clause.wid: item.version.id for item in state.clauses},
            "milestone": frozen.code if frozen else None,
        },
    )
    session.flush()
    return Issue(event, frozen, not_frozen)
