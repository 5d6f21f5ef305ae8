from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_
from sqlalchemy.orm import Session

from ..core.messages import N_, Message
from ..models import AuditEvent, User


def record(
    session: Session,
    actor: User | None,
    kind: str,
    subject: Any,
    summary: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    private_to_party_id: int | None = None,
    clause_id: int | None = None,
) -> AuditEvent:
    """Append one audit event for `subject` (any model with an `id`).

    `private_to_party_id` marks an event that only that party may read (its drafts, its internal notes).
    """
    if clause_id is None:
        clause_id = subject.id if type(subject).__name__ == "Clause" else getattr(subject, "clause_id", None)
    # The negotiation it belongs to: an amendment's, a meeting's, a clause's, or the negotiation itself; events
    # about accounts and tokens belong to none.
    instrument_id = subject.id if type(subject).__name__ == "Instrument" else getattr(subject, "instrument_id", None)
    event = AuditEvent(
        instrument_id=instrument_id,
        actor=actor,
        kind=kind,
        subject_type=type(subject).__name__,
        subject_id=str(subject.id),
        summary=summary,
        before=before,
        after=after,
        private_to_party_id=private_to_party_id,
        clause_id=clause_id,
    )
    session.add(event)
    return event


def readable_private(column, actor: User):
    """SQL: rows of nobody's private business (`column` is their private_to_party_id), or of the reader's own
    party's. The one rule for the audit trail and the search; a reader of no party reads no private row."""
    if actor.party_id is None:
        return column.is_(None)
    return or_(column.is_(None), column == actor.party_id)


# Summaries in the reader's language ------------------------------------------------------------------------------
#
# Summaries are stored in English, as they were written (the record, backups and the API keep them as they are).
# Each kind of event says its summary in sentences listed here; a page or CSV reads the stored text back into the
# sentence and its values, and says it in the reader's language. A summary no sentence matches (an older wording,
# a kind not listed) is shown as stored. tests/services/test_audit_summaries.py runs the workflow and checks that every
# event of these kinds matches a sentence, so a service's new wording cannot slip back into English unnoticed.


@dataclass(frozen=True)
class _Sentence:
    template: str
    pattern: re.Pattern[str]
    #: Values that are words of the interface (a decision, an outcome, a rule), said in the reader's language too.
    words: frozenset[str]


def _sentence(template: str, *words: str) -> _Sentence:
    parts = re.split(r"%\((\w+)\)s", template)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
    return _Sentence(template, re.compile(f"^{regex}$", re.S), frozenset(words))


#: Per kind of event ("review.*": every review decision), its sentences: longer variants first.
SUMMARY_SENTENCES: dict[str, tuple[_Sentence, ...]] = {
    "amendment.proposed": (
        _sentence(N_("%(citation)s drafted: change to clause %(wid)s, answering %(answered)s")),
        _sentence(N_("%(citation)s drafted: deletion of clause %(wid)s, answering %(answered)s")),
        _sentence(N_("%(citation)s drafted: new clause in clause %(wid)s, answering %(answered)s")),
        _sentence(N_("%(citation)s drafted: new clause in the draft, answering %(answered)s")),
        _sentence(N_("%(citation)s drafted: change to clause %(wid)s")),
        _sentence(N_("%(citation)s drafted: deletion of clause %(wid)s")),
        _sentence(N_("%(citation)s drafted: new clause in clause %(wid)s")),
        _sentence(N_("%(citation)s drafted: new clause in the draft")),
    ),
    "amendment.revised": (_sentence(N_("%(citation)s revised (revision %(seq)s)")),),
    "amendment.tabled": (
        _sentence(
            N_("%(citation)s tabled to the other party, after the deadline for written proposals to the %(meeting)s")
        ),
        _sentence(N_("%(citation)s tabled to the other party")),
        _sentence(N_("%(citation)s tabled by the chair: proposal of the delegation of %(delegation)s")),
    ),
    "amendment.withdrawn": (_sentence(N_("%(citation)s withdrawn")),),
    "amendment.commented": (
        _sentence(N_("Internal note on %(citation)s")),
        _sentence(N_("Comment on %(citation)s")),
    ),
    "amendment.rebased": (_sentence(N_("%(citation)s rebased onto version %(seq)s of its clause")),),
    "review.*": (
        _sentence(N_("Legal review of %(citation)s (revision %(seq)s): %(decision)s — %(comment)s"), "decision"),
        _sentence(N_("Legal review of %(citation)s (revision %(seq)s): %(decision)s"), "decision"),
    ),
    "amendment.concurred": (_sentence(N_("%(party)s concurred with %(citation)s (revision %(seq)s)")),),
    "amendment.rejected": (_sentence(N_("%(party)s rejected %(citation)s: %(reason)s")),),
    "amendment.adopted": (_sentence(N_("%(citation)s adopted: the clause is now at version %(seq)s")),),
    "amendment.superseded": (_sentence(N_("%(citation)s superseded: %(adopted)s, which answered it, was adopted")),),
    "milestone.frozen": (_sentence(N_("Draft frozen for the %(meeting)s: %(count)s clauses")),),
    "milestone.outcome_recorded": (
        _sentence(
            N_("%(meeting)s: %(outcome)s (%(name)s), confirmed by the chair over %(count)s open bracket(s)"), "outcome"
        ),
        _sentence(N_("%(meeting)s: %(outcome)s, confirmed by the chair over %(count)s open bracket(s)"), "outcome"),
        _sentence(N_("%(meeting)s: %(outcome)s (%(name)s)"), "outcome"),
        _sentence(N_("%(meeting)s: %(outcome)s"), "outcome"),
    ),
    "milestone.concluded": (_sentence(N_("%(meeting)s concluded: %(result)s"), "result"),),
    "milestone.edited": (_sentence(N_("Meeting details changed: %(meeting)s")),),
    "delegation.added": (_sentence(N_("Delegation added: %(name)s")),),
    "amendment.reply_by_set": (
        _sentence(N_("Reply-by date of %(citation)s: none")),
        _sentence(N_("Reply-by date of %(citation)s: %(date)s")),
    ),
    "milestone.proposals_deadline_set": (
        _sentence(N_("Deadline for written proposals to the %(meeting)s: none")),
        _sentence(N_("Deadline for written proposals to the %(meeting)s: %(date)s")),
    ),
    "amendment.late_decided": (
        _sentence(N_("%(citation)s, tabled after the deadline for the %(meeting)s: %(decision)s")),
    ),
    "clause.bracket_declared_plain": (_sentence(N_("Declared not a negotiating bracket: %(passage)s")),),
    "clause.bracket_declared_negotiating": (_sentence(N_("A negotiating bracket again: %(passage)s")),),
    "clause.discussed": (
        _sentence(N_("Internal post in the discussion of clause %(wid)s")),
        _sentence(N_("Post in the discussion of clause %(wid)s")),
    ),
    "attachment.removed": (_sentence(N_("Removed the attachment %(name)s")),),
    "amendments.read_from_document": (
        _sentence(N_("%(count)s draft amendments of %(party)s read from %(file)s (SHA-256 %(digest)s): %(made)s")),
    ),
    "signature.issued": (_sentence(N_("Signature copy issued; SHA-256 %(checksum)s")),),
    "instrument.created": (_sentence(N_("Negotiation opened: %(title)s (%(parties)s; %(languages)s)")),),
    "instrument.clearance_rule_changed": (
        _sentence(N_("Legal clearance for adoption in %(title)s: %(rule)s (was: %(before)s)"), "rule", "before"),
    ),
    "instrument.imported": (
        _sentence(N_("Draft imported from %(source)s (SHA-256 %(sha256)s): %(count)s clauses in %(languages)s")),
    ),
    "instrument.loaded": (_sentence(N_("Demo negotiation loaded: %(title)s")),),
}

_DRAFT_CITATION = re.compile(r"^(?P<party>\S+) draft (?P<id>\d+)$")


def sentences_of(kind: str) -> tuple[_Sentence, ...]:
    return SUMMARY_SENTENCES.get(kind) or SUMMARY_SENTENCES.get(kind.split(".", 1)[0] + ".*", ())


def summary_message(kind: str, summary: str, meeting_name: Callable[[str], str] | None = None) -> str:
    """The stored summary of an event of `kind` as a Message (its English text, with the sentence and values the
    web layer translates), or as stored when no sentence of its kind matches. `meeting_name` says a meeting's
    stored name in the reader's language (asked only for a summary that names a meeting)."""
    for sentence in sentences_of(kind):
        if match := sentence.pattern.match(summary):
            params: dict[str, object] = {}
            for key, value in match.groupdict().items():
                if key in sentence.words:
                    params[key] = Message(value)  # an interface word (N_ in the core): translated in turn
                elif key in ("citation", "answered", "adopted") and (draft := _DRAFT_CITATION.match(value)):
                    params[key] = Message(N_("%(party)s draft %(id)s"), party=draft["party"], id=draft["id"])
                elif key == "meeting" and meeting_name is not None:
                    params[key] = meeting_name(value)
                else:
                    params[key] = value
            return Message(sentence.template, **params)
    return summary
