"""Bringing a draft into a negotiation: the recognised tree of its authoritative language, with the texts of its
other languages aligned clause by clause, stored as the first version of every clause in one go.

Reading a file and recognising its structure are pure (mou_tracker.imports, core.structure); this service only
checks what may be stored, and stores it with one audit event that names the file and its SHA-256.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core import permissions
from ..core.messages import N_, Message
from ..core.structure import Recognition
from ..core.text import MAX_CLAUSE_TEXT, MAX_HEADING, TextRuleError, clean_text
from ..models import Amendment, Clause, ClauseText, ClauseVersion, User
from ..models.base import utcnow
from . import audit
from .demo import new_wid
from .draft import current_instrument
from .errors import Conflict, PermissionDenied, ValidationFailed


@dataclass(frozen=True)
class Alignment:
    """How another language's recognised tree lines up with the authoritative one."""

    language: str
    #: For each clause of the authoritative tree, the index of its counterpart (None: left empty).
    counterparts: list[int | None]
    #: Sentences for the user: clauses whose kinds or counts do not match.
    mismatches: list[Message] = field(default_factory=list)


def align(authoritative: Recognition, other: Recognition, language: str) -> Alignment:
    """Pair the clauses of two language versions by position and kind. Where the trees differ (a clause more or
    fewer, another kind), the pairing stops at the first difference: the rest of that language is left empty and
    said so, never matched to the wrong clause."""
    counterparts: list[int | None] = []
    mismatches: list[Message] = []
    broken = False
    for index, clause in enumerate(authoritative.clauses):
        theirs = other.clauses[index] if index < len(other.clauses) else None
        if broken or theirs is None or theirs.kind is not clause.kind or theirs.parent != clause.parent:
            if not broken:
                mismatches.append(
                    Message(
                        N_(
                            "The %(language)s version differs from clause %(number)s on (%(found)s where the "
                            "authoritative text has %(kind)s): those clauses are left without %(language)s text."
                        ),
                        language=language,
                        number=index + 1,
                        found=theirs.kind.label if theirs else Message(N_("nothing")),
                        kind=clause.kind.label,
                    )
                )
            broken = True
            counterparts.append(None)
        else:
            counterparts.append(index)
    if not broken and len(other.clauses) > len(authoritative.clauses):
        mismatches.append(
            Message(
                N_(
                    "The %(language)s version has %(count)s clauses more than the authoritative text; "
                    "they are left out."
                ),
                language=language,
                count=len(other.clauses) - len(authoritative.clauses),
            )
        )
    return Alignment(language, counterparts, mismatches)


def _clean(value: str | None, what: Message, max_length: int, required: bool) -> str:
    try:
        return clean_text(value, field=what, max_length=max_length, required=required)
    except TextRuleError as exc:
        raise ValidationFailed(exc.args[0]) from exc


def import_draft(
    session: Session,
    actor: User,
    versions: Mapping[str, Recognition],
    *,
    source: str,
    sha256: str,
    reason: str | None = None,
) -> list[Clause]:
    """Store the draft of this negotiation from its recognised language versions ({language code: recognition});
    the authoritative language is required. Refused when the negotiation already has clauses (an import never
    overwrites a negotiation under way). Returns the clauses in reading order."""
    if not permissions.can_manage_users(actor):
        raise PermissionDenied(N_("Only an administrator can import a negotiation's draft."))
    instrument = current_instrument(session)
    if session.scalar(select(func.count()).select_from(Amendment).where(Amendment.instrument_id == instrument.id)):
        raise Conflict(N_("This negotiation has amendments already: an import cannot overwrite it."))
    if session.scalar(select(func.count()).select_from(Clause).where(Clause.instrument_id == instrument.id)):
        raise Conflict(N_("This negotiation has a draft already: import into a new negotiation."))
    languages = {lang.code: lang for lang in instrument.languages}
    unknown = set(versions) - set(languages)
    if unknown:
        raise ValidationFailed(
            Message(N_("The instrument is not drafted in %(languages)s."), languages=", ".join(sorted(unknown)))
        )
    authoritative = next(lang for lang in instrument.languages if lang.required)
    base = versions.get(authoritative.code)
    if base is None or not base.clauses:
        raise ValidationFailed(
            Message(N_("The %(language)s text is the authoritative one: import it first."), language=authoritative.name)
        )
    alignments = [
        align(base, recognition, code) for code, recognition in versions.items() if code != authoritative.code
    ]

    now = utcnow()
    reason = reason or f"Imported from {source}"
    clauses: list[Clause] = []
    siblings: dict[int | None, int] = {}
    for index, recognised in enumerate(base.clauses):
        parent = clauses[recognised.parent] if recognised.parent is not None else None
        position = siblings.get(recognised.parent, 0)
        siblings[recognised.parent] = position + 1
        where = Message(N_("Clause %(number)s"), number=index + 1)
        body = _clean(recognised.text, where, MAX_CLAUSE_TEXT, required=False)
        if not body:
            raise ValidationFailed(
                Message(
                    N_("Clause %(number)s (%(kind)s) has no text of its own; give it one before importing."),
                    number=index + 1,
                    kind=recognised.kind.label,
                )
            )
        version = ClauseVersion(seq=1, reason=reason, created_by=actor, created_at=now)
        version.texts.append(
            ClauseText(
                language=authoritative.code,
                heading=_clean(recognised.heading, where, MAX_HEADING, required=False) or None,
                body=body,
                revised_in_seq=1,
            )
        )
        for alignment in alignments:
            counterpart = alignment.counterparts[index]
            if counterpart is None:
                continue
            theirs = versions[alignment.language].clauses[counterpart]
            their_body = _clean(theirs.text, where, MAX_CLAUSE_TEXT, required=False)
            if their_body:
                version.texts.append(
                    ClauseText(
                        language=alignment.language,
                        heading=_clean(theirs.heading, where, MAX_HEADING, required=False) or None,
                        body=their_body,
                        revised_in_seq=1,
                    )
                )
        clause = Clause(
            instrument_id=instrument.id,
            wid=new_wid(),
            parent_id=parent.id if parent else None,
            position=position,
            kind=recognised.kind,
            created_at=now,
        )
        clause.versions.append(version)
        session.add(clause)
        session.flush()
        clauses.append(clause)
    audit.record(
        session,
        actor,
        "instrument.imported",
        instrument,
        f"Draft imported from {source} (SHA-256 {sha256}): {len(clauses)} clauses in {', '.join(sorted(versions))}",
        after={
            "source": source,
            "sha256": sha256,
            "clauses": len(clauses),
            "languages": sorted(versions),
            "mismatches": [str(m) for a in alignments for m in a.mismatches],
        },
    )
    return clauses
