"""Bringing a draft into a negotiation: the recognised tree of its authoritative language, with the texts of its
other languages aligned clause by clause, stored as the first version of every clause in one go.

Reading a file and recognising its structure are pure (mou_tracker.imports, core.structure); this service only
checks what may be stored, and stores it with one audit event that names the file and its SHA-256.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core import permissions
from ..core.clause_kinds import ClauseKind
from ..core.identifiers import new_wid
from ..core.messages import N_, Message
from ..core.structure import CorrectionRefused, RecognisedClause, Recognition, depths, rebuild_parents
from ..core.text import MAX_CLAUSE_TEXT, MAX_HEADING, TextRuleError, clean_text
from ..imports.docx_reader import ImportRefused
from ..imports.sources import recognise_source
from ..models import Amendment, Clause, ClauseText, ClauseVersion, ImportPreview, User
from ..models.base import utcnow
from . import audit
from .draft import current_instrument
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed


@dataclass(frozen=True)
class Alignment:
    """How another language's recognised tree lines up with the authoritative one."""

    language: str
    #: For each clause of the authoritative tree, the index of its counterpart (None: left empty).
    counterparts: list[int | None]
    #: Sentences for the user: clauses whose kinds or counts do not match.
    mismatches: list[Message] = field(default_factory=list)


def _paths(recognition: Recognition) -> list[tuple]:
    """Each clause's place as the product cites it: the kinds and ordinals from the top (the third paragraph of the
    second article), independent of what stands before it elsewhere in the draft."""
    paths: list[tuple] = []
    counters: dict[tuple, int] = {}
    for clause in recognition.clauses:
        parent = paths[clause.parent] if clause.parent is not None else ()
        ordinal = counters.get((parent, clause.kind), 0)
        counters[(parent, clause.kind)] = ordinal + 1
        paths.append((*parent, (clause.kind, ordinal)))
    return paths


def align(authoritative: Recognition, other: Recognition, language: str, name: str | None = None) -> Alignment:
    """Pair the clauses of two language versions by their place in the tree (the same article, the same paragraph
    of it). Where a group of siblings differs in number (a preambular paragraph missing, a paragraph split in two),
    the whole group is left without that language's text and said so, never matched to the wrong clause."""
    ours, theirs = _paths(authoritative), _paths(other)
    index_of = {path: index for index, path in enumerate(theirs)}

    def group_sizes(paths: list[tuple]) -> dict[tuple, int]:
        sizes: dict[tuple, int] = {}
        for path in paths:
            key = (path[:-1], path[-1][0])
            sizes[key] = sizes.get(key, 0) + 1
        return sizes

    our_sizes, their_sizes = group_sizes(ours), group_sizes(theirs)
    counterparts: list[int | None] = []
    mismatches: list[Message] = []
    reported: set[tuple] = set()
    for clause, path in zip(authoritative.clauses, ours, strict=True):
        group = (path[:-1], path[-1][0])
        matched = index_of.get(path)
        if clause.parent is not None and counterparts[clause.parent] is None:
            counterparts.append(None)  # under a clause left unpaired: said once, for that clause's group
        elif our_sizes[group] != their_sizes.get(group, 0) or matched is None:
            counterparts.append(None)
            if group not in reported:
                reported.add(group)
                mismatches.append(
                    Message(
                        N_(
                            "The %(language)s version has %(found)s clauses of the kind “%(kind)s” where the "
                            "authoritative text has %(count)s (clause %(number)s on): they are left without "
                            "%(language)s text."
                        ),
                        language=name or language,
                        found=their_sizes.get(group, 0),
                        kind=Message(path[-1][0].label),
                        count=our_sizes[group],
                        number=len(counterparts),
                    )
                )
        else:
            counterparts.append(matched)
    extra = sum(1 for group, size in their_sizes.items() if group not in our_sizes)
    if extra:
        mismatches.append(
            Message(
                N_(
                    "The %(language)s version has %(count)s clauses more than the authoritative text; "
                    "they are left out."
                ),
                language=name or language,
                count=extra,
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
    recorded_by: User | None = None,
    recorded_at: dt.datetime | None = None,
) -> list[Clause]:
    """Store the draft of this negotiation from its recognised language versions ({language code: recognition});
    the authoritative language is required. Refused when the negotiation already has clauses (an import never
    overwrites a negotiation under way). Returns the clauses in reading order."""
    _require_importer(actor)
    instrument = current_instrument(session)
    _refuse_if_started(session, instrument.id)
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
        align(base, recognition, code, languages[code].name)
        for code, recognition in versions.items()
        if code != authoritative.code
    ]

    # The first version of each clause is the draft as circulated: by whom and when, where that is known (the
    # administrator who imports it is named in the audit event).
    now = recorded_at or utcnow()
    author = recorded_by or actor
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
        version = ClauseVersion(seq=1, reason=reason, created_by=author, created_at=now)
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
            parent=parent,
            position=position,
            kind=recognised.kind,
            created_at=now,
        )
        clause.versions.append(version)
        session.add(clause)
        session.flush()  # one clause at a time: ids follow the reading order, as when a person adds clauses
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


# The preview: read, check and correct before anything is stored ------------------------------------------------


class Correction(enum.StrEnum):
    """What an administrator may change in the recognised tree before confirming."""

    #: Give a clause another kind (its level follows: core.structure.rebuild_parents).
    kind = "kind"
    #: Join a clause to the one before it (a paragraph the reader cut in two).
    merge = "merge"
    #: Cut a clause in two where the given words begin.
    split = "split"  # type: ignore[assignment]  # a member named as the stored value shadows str.split


def _message_data(message: Message | str) -> dict:
    if isinstance(message, Message):
        params = {k: _message_data(v) if isinstance(v, Message) else str(v) for k, v in message.params.items()}
        return {"template": message.template, "params": params}
    return {"template": str(message), "params": {}}


def message_of(data: dict) -> Message:
    """A stored sentence, to be said again in the reader's language (its inner words too)."""
    params = {k: message_of(v) if isinstance(v, dict) else v for k, v in data["params"].items()}
    return Message(data["template"], **params)


def _language_payload(recognition: Recognition) -> dict:
    return {
        "clauses": [
            {
                "kind": c.kind.value,
                "heading": c.heading,
                "text": c.text,
                "warnings": [_message_data(w) for w in c.warnings],
            }
            for c in recognition.clauses
        ],
        "notices": [{"message": _message_data(n.message), "text": n.text} for n in recognition.notices],
    }


def recognition_of(language_payload: dict) -> Recognition:
    """The recognised tree a preview holds for one language, its levels rebuilt from the kinds."""
    kinds = [ClauseKind(c["kind"]) for c in language_payload["clauses"]]
    parents = rebuild_parents(kinds)
    levels = depths(parents)
    clauses = [
        RecognisedClause(kind, parent, depth, c["heading"], c["text"], ())
        for kind, parent, depth, c in zip(kinds, parents, levels, language_payload["clauses"], strict=True)
    ]
    return Recognition(clauses, [])


def _require_importer(actor: User) -> None:
    if not permissions.can_manage_users(actor):
        raise PermissionDenied(N_("Only an administrator can import a negotiation's draft."))


def prepare_import(session: Session, actor: User, files: Mapping[str, tuple[str, bytes]]) -> ImportPreview:
    """Read the uploaded files ({language: (file name, bytes)}) into a preview of this negotiation's draft. Stores
    the preview only: no clause is written until it is confirmed. Refusals (ImportRefused) carry a message."""
    _require_importer(actor)
    instrument = current_instrument(session)
    _refuse_if_started(session, instrument.id)
    languages = {lang.code for lang in instrument.languages}
    authoritative = next(lang for lang in instrument.languages if lang.required)
    if authoritative.code not in files:
        raise ValidationFailed(
            Message(N_("The %(language)s text is the authoritative one: import it first."), language=authoritative.name)
        )
    payload: dict = {"sources": {}, "languages": {}}
    for language, (name, data) in files.items():
        if language not in languages:
            raise ValidationFailed(Message(N_("The instrument is not drafted in %(languages)s."), languages=language))
        try:
            recognition = recognise_source(data)
        except ImportRefused as exc:
            raise ValidationFailed(Message(N_("%(file)s: %(reason)s"), file=name, reason=exc.message)) from None
        payload["languages"][language] = _language_payload(recognition)
        payload["sources"][language] = {"name": name[:200], "sha256": hashlib.sha256(data).hexdigest()}
    preview = ImportPreview(instrument_id=instrument.id, user_id=actor.id, payload=payload)
    session.add(preview)
    session.flush()
    return preview


def get_preview(session: Session, actor: User, preview_id: int) -> ImportPreview:
    _require_importer(actor)
    preview = session.get(ImportPreview, preview_id)
    if preview is None or preview.instrument_id != current_instrument(session).id or preview.user_id != actor.id:
        raise NotFound(N_("There is no such import to review: it was confirmed, or it is someone else's."))
    return preview


def correct(
    session: Session, actor: User, preview_id: int, *, language: str, index: int, correction: Correction, value: str
) -> ImportPreview:
    """Apply one correction to one language of the preview; refused (nothing changed) when it would leave a tree
    the product cannot store."""
    preview = get_preview(session, actor, preview_id)
    payload = copy.deepcopy(preview.payload)
    clauses = payload["languages"].get(language, {}).get("clauses")
    if clauses is None or not 0 <= index < len(clauses):
        raise ValidationFailed(N_("There is no such clause in the preview."))
    clause = clauses[index]
    if correction is Correction.kind:
        try:
            clause["kind"] = ClauseKind(value).value
        except ValueError:
            raise ValidationFailed(N_("Choose a kind of clause.")) from None
        if clause["kind"] != ClauseKind.article.value:
            clause["heading"] = None
    elif correction is Correction.merge:
        if index == 0:
            raise ValidationFailed(N_("The first clause has nothing before it to be joined to."))
        before = clauses[index - 1]
        before["text"] = " ".join(part for part in (before["text"], clause["heading"] or "", clause["text"]) if part)
        del clauses[index]
    else:
        at = clause["text"].find(value.strip()) if value.strip() else -1
        if at <= 0:
            raise ValidationFailed(
                N_("Give words that stand inside the clause's text, after its start, to cut it there.")
            )
        clauses.insert(
            index + 1, {"kind": clause["kind"], "heading": None, "text": clause["text"][at:].strip(), "warnings": []}
        )
        clause["text"] = clause["text"][:at].strip()
    try:
        rebuild_parents([ClauseKind(c["kind"]) for c in clauses])
    except CorrectionRefused as exc:
        raise ValidationFailed(exc.args[0]) from None
    preview.payload = payload
    session.flush()
    return preview


def confirm_import(session: Session, actor: User, preview_id: int) -> list[Clause]:
    """Store the previewed draft as the negotiation's first version of every clause, and drop the preview."""
    preview = get_preview(session, actor, preview_id)
    versions = {}
    for language, data in preview.payload["languages"].items():
        try:
            versions[language] = recognition_of(data)
        except CorrectionRefused as exc:
            raise ValidationFailed(exc.args[0]) from None
    sources = preview.payload["sources"]
    clauses = import_draft(
        session,
        actor,
        versions,
        source=", ".join(source["name"] for source in sources.values()),
        sha256=" ".join(source["sha256"] for source in sources.values()),
    )
    session.delete(preview)
    session.flush()
    return clauses


def _refuse_if_started(session: Session, instrument_id: int) -> None:
    if session.scalar(select(func.count()).select_from(Amendment).where(Amendment.instrument_id == instrument_id)):
        raise Conflict(N_("This negotiation has amendments already: an import cannot overwrite it."))
    if session.scalar(select(func.count()).select_from(Clause).where(Clause.instrument_id == instrument_id)):
        raise Conflict(N_("This negotiation has a draft already: import into a new negotiation."))


def require_import_allowed(session: Session, actor: User) -> None:
    """Whether this administrator may import into this negotiation now (it has no draft yet)."""
    _require_importer(actor)
    _refuse_if_started(session, current_instrument(session).id)


@dataclass(frozen=True)
class PreviewRow:
    index: int
    kind: ClauseKind
    depth: int
    #: {language: (heading, text)}; a language without its counterpart for this clause is absent.
    texts: dict[str, tuple[str | None, str]]
    warnings: list[Message]


@dataclass(frozen=True)
class PreviewReading:
    rows: list[PreviewRow]
    #: Per other language: where it stops matching the authoritative one.
    mismatches: list[Message]
    #: Per language: what was not imported, with its text.
    notices: dict[str, list[tuple[Message, str]]]
    #: The other languages' clauses, as read, for the user to correct them too.
    others: dict[str, list[PreviewRow]]


def _rows(recognition: Recognition, payload: dict, language: str) -> list[PreviewRow]:
    return [
        PreviewRow(
            index,
            clause.kind,
            clause.depth,
            {language: (clause.heading, clause.text)},
            [message_of(w) for w in payload["clauses"][index]["warnings"]],
        )
        for index, clause in enumerate(recognition.clauses)
    ]


def preview_rows(instrument, preview: ImportPreview) -> PreviewReading:
    """The previewed draft as a table: the authoritative tree, each clause with its counterparts in the other
    languages side by side, and what does not match or was not imported."""
    authoritative = next(lang.code for lang in instrument.languages if lang.required)
    languages = preview.payload["languages"]
    recognitions = {}
    for language, data in languages.items():
        try:
            recognitions[language] = recognition_of(data)
        except CorrectionRefused:  # a tree stored before a rule changed: shown flat, correctable
            recognitions[language] = Recognition(
                [
                    RecognisedClause(ClauseKind(c["kind"]), None, 0, c["heading"], c["text"], ())
                    for c in data["clauses"]
                ],
                [],
            )
    base = recognitions[authoritative]
    rows = _rows(base, languages[authoritative], authoritative)
    mismatches: list[Message] = []
    others: dict[str, list[PreviewRow]] = {}
    for language, recognition in recognitions.items():
        if language == authoritative:
            continue
        names = {lang.code: lang.name for lang in instrument.languages}
        alignment = align(base, recognition, language, names.get(language))
        mismatches += alignment.mismatches
        for row, counterpart in zip(rows, alignment.counterparts, strict=True):
            if counterpart is not None:
                theirs = recognition.clauses[counterpart]
                row.texts[language] = (theirs.heading, theirs.text)
        others[language] = _rows(recognition, languages[language], language)
    notices = {
        language: [(message_of(n["message"]), n["text"]) for n in data["notices"]]
        for language, data in languages.items()
    }
    return PreviewReading(rows, mismatches, notices, others)
