"""Square brackets in the text of the draft: how many each clause still holds, and the brackets a negotiator or
the chair declared not to be negotiating brackets ("paragraph 3 [of Article 2]").

The reading itself is the pure core's (core.brackets, core.status.open_bracket_count); this module gathers the
texts with a fixed number of queries and keeps the declarations with their audit events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from ..core import permissions
from ..core.brackets import CLOSE, OPEN, BracketReading, read_brackets
from ..core.messages import N_, Message
from ..core.status import open_bracket_count, read_clause_texts
from ..models import Clause, ClauseText, ClauseVersion, User
from . import audit
from .draft import current_instrument, current_versions
from .errors import NotFound, PermissionDenied, ValidationFailed


def _count(texts: Iterable[ClauseText], declared: list[str]) -> int:
    return open_bracket_count(read_clause_texts((text.heading, text.body), declared) for text in texts)


def bracket_counts(session: Session, versions: Iterable[ClauseVersion]) -> dict[int, int]:
    """{version id: open brackets in its texts (every language)}, with each clause's declarations applied.

    Versions whose words are loaded are read as they are; for the others one query reads only the texts that hold
    a bracket at all (most do not), so a status page that never reads the words stays cheap."""
    versions = [v for v in versions if not v.is_deleted]
    counts = {v.id: 0 for v in versions}
    loaded = {v.id: list(v.texts) for v in versions if "texts" in inspect(v).dict}
    wanting = [v.id for v in versions if v.id not in loaded]
    found: dict[int, list[ClauseText]] = {version_id: [] for version_id in wanting}
    if wanting:
        has_bracket = or_(
            ClauseText.body.contains(OPEN, autoescape=True),
            ClauseText.body.contains(CLOSE, autoescape=True),
            ClauseText.heading.contains(OPEN, autoescape=True),
            ClauseText.heading.contains(CLOSE, autoescape=True),
        )
        for text in session.scalars(select(ClauseText).where(ClauseText.version_id.in_(wanting), has_bracket)):
            found[text.version_id].append(text)
    for version in versions:
        texts = loaded.get(version.id, found.get(version.id, []))
        if texts:
            counts[version.id] = _count(texts, version.clause.plain_brackets)
    return counts


@dataclass(frozen=True)
class LanguageBrackets:
    language: str
    #: What is read: "heading" or "body".
    part: str
    reading: BracketReading


@dataclass(frozen=True)
class ClauseBrackets:
    """The brackets of one clause's current text, for its page: each language's readings, the passages it may
    declare plain, and those declared."""

    readings: list[LanguageBrackets]
    #: Declared passages, each with whether it still occurs in the text (one that no longer does is ignored).
    declared: list[tuple[str, bool]]

    @property
    def open_brackets(self) -> int:
        by_language: dict[str, list[BracketReading]] = {}
        for item in self.readings:
            by_language.setdefault(item.language, []).append(item.reading)
        return open_bracket_count(by_language.values())

    @property
    def problems(self) -> list[tuple[LanguageBrackets, Message]]:
        return [(item, problem.message) for item in self.readings for problem in item.reading.problems]

    @property
    def passages(self) -> list[str]:
        """Every bracketed passage of the text, brackets included, in order and once each, read without the
        declarations (so that a declared one is still listed, to be undone): what a user may declare."""
        seen: dict[str, None] = {}
        for item in self.readings:
            for bracket in read_brackets(item.reading.text).brackets:
                seen.setdefault(item.reading.text[bracket.start : bracket.end])
        return list(seen)

    @property
    def plain(self) -> set[str]:
        return {passage for passage, _present in self.declared}

    @property
    def stale(self) -> list[str]:
        """Declared passages no longer in the text: ignored, listed so that the declaration can be removed."""
        return [passage for passage, present in self.declared if not present]


def clause_brackets(version: ClauseVersion) -> ClauseBrackets:
    """The brackets of a version of a clause (its words loaded), declarations applied."""
    declared = list(version.clause.plain_brackets or [])
    readings = [
        LanguageBrackets(text.language, part, reading)
        for text in version.texts
        for part, words in (("heading", text.heading), ("body", text.body))
        if words
        for reading in read_clause_texts([words], declared)
    ]
    words = [part for text in version.texts for part in (text.heading, text.body) if part]
    return ClauseBrackets(readings, [(passage, any(passage in w for w in words)) for passage in declared])


def _clause_and_current(session: Session, wid: str) -> tuple[Clause, ClauseVersion]:
    clause = session.scalar(
        select(Clause).where(Clause.instrument_id == current_instrument(session).id, Clause.wid == wid)
    )
    if clause is None:
        raise NotFound(N_("There is no clause with that identifier."))
    version = current_versions(session, [clause.id])[clause.id]
    if version.is_deleted:
        raise ValidationFailed(N_("This clause has been deleted; its brackets can no longer be declared."))
    return clause, version


def declared_plain_brackets(session: Session) -> dict[str, list[str]]:
    """{clause wid: the passages declared not to be negotiating brackets} for the negotiation's clauses that have
    any: what a whole-draft view or export needs to leave them unmarked. Read fresh for each request, never kept
    with a redline (a frozen redline is kept, a declaration may change after it)."""
    instrument = current_instrument(session)
    rows = session.execute(select(Clause.wid, Clause.plain_brackets).where(Clause.instrument_id == instrument.id))
    return {wid: list(plain) for wid, plain in rows if plain}


def set_plain_brackets(session: Session, actor: User, wid: str, listed: list[str], plain: set[str]) -> int:
    """The clause page's form: of the bracketed passages it `listed`, those in `plain` are declared not to be
    negotiating brackets (read as plain text wherever they occur in the clause) and the others are negotiating
    brackets again (undoing an earlier declaration). One audit event per change; returns how many changed. A
    passage to declare that is no longer in the text (the text changed since the form was shown) refuses the whole
    form: nothing changes."""
    if not permissions.can_declare_plain_brackets(actor):
        raise PermissionDenied(N_("Only a negotiator or a chair can say which brackets are not negotiating brackets."))
    clause, version = _clause_and_current(session, wid)
    in_text = set(clause_brackets(version).passages)
    declared = list(clause.plain_brackets or [])
    changes: list[tuple[str, bool]] = []
    for passage in dict.fromkeys(listed):
        wanted, has = passage in plain, passage in declared
        if wanted and not has:
            if passage not in in_text:
                raise ValidationFailed(
                    N_("That bracket is no longer in the text of the clause; nothing was changed. Reload the page.")
                )
            changes.append((passage, True))
        elif has and not wanted:
            changes.append((passage, False))
    for passage, make_plain in changes:
        before = list(clause.plain_brackets or [])
        clause.plain_brackets = [*before, passage] if make_plain else [p for p in before if p != passage]
        flag_modified(clause, "plain_brackets")
        session.flush()
        audit.record(
            session,
            actor,
            "clause.bracket_declared_plain" if make_plain else "clause.bracket_declared_negotiating",
            clause,
            f"Declared not a negotiating bracket: {passage}"
            if make_plain
            else f"A negotiating bracket again: {passage}",
            before={"plain_brackets": before},
            after={"plain_brackets": clause.plain_brackets},
        )
        session.flush()
    return len(changes)
