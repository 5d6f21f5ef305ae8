"""The signature copy: when the text may go to signature, what still stops it, and the checksum of what is signed.

The authentic texts are produced only when nothing is left to negotiate: every clause agreed, no tabled proposal
open, no square bracket or placeholder left in any language (core.brackets), and every clause complete in every
language of the negotiation. Until then the product says exactly what blocks it, clause by clause.

The checksum identifies the signed words: SHA-256 of the normalised text (Unicode NFC, runs of white space as one
space, trimmed), clause by clause in reading order and language by language, with the clause's stable id, so that
the same words always give the same checksum and any change of a word, a clause's place or a language changes it.
Numbers are derived from positions, so they are covered by the ids' order; formatting is not part of the text.
"""

from __future__ import annotations

import enum
import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .brackets import BracketKind, read_brackets
from .messages import N_

#: How many hexadecimal digits of the checksum the documents print (the whole is in the audit trail).
SHOWN_DIGITS = 16


class BlockerKind(enum.StrEnum):
    #: The clause is not agreed (bracketed, ad ref. only, or initial text never endorsed).
    not_agreed = "not_agreed"
    #: Tabled proposals to the clause are still open.
    open_amendments = "open_amendments"
    #: Square brackets (wording or alternatives) remain in the text.
    brackets = "brackets"
    #: Placeholders ("[place]", "[date]") remain to be filled in.
    placeholders = "placeholders"
    #: A "[" or "]" that pairs with nothing.
    unbalanced = "unbalanced"
    #: The clause has no text in a language of the negotiation.
    missing_language = "missing_language"
    #: A proposed new clause is tabled.
    proposed_clause = "proposed_clause"
    #: The draft has no clauses at all: nothing to sign.
    no_clauses = "no_clauses"

    @property
    def label(self) -> str:
        return {
            "not_agreed": N_("Not agreed"),
            "open_amendments": N_("Open amendments"),
            "brackets": N_("Square brackets"),
            "placeholders": N_("Placeholders"),
            "unbalanced": N_("Unbalanced brackets"),
            "missing_language": N_("Missing in a language"),
            "proposed_clause": N_("Proposed new clause"),
            "no_clauses": N_("The draft has no clauses"),
        }[self.value]


@dataclass(frozen=True)
class ClauseForSignature:
    """What the readiness check needs of one clause of the current draft."""

    wid: str
    #: How the clause is cited ("Article 2(3)").
    citation: str
    agreed: bool
    #: Tabled amendments to it.
    open_amendments: int
    #: {language: (heading, body)} for the languages it has text in.
    texts: Mapping[str, tuple[str | None, str]]
    #: Bracketed passages declared part of the wording (core.brackets `not_negotiating`).
    plain_brackets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Blocker:
    kind: BlockerKind
    #: The clause's citation; "" for what concerns no clause (a proposed new clause is cited by its amendment).
    citation: str
    #: The language concerned, or "" when it concerns the clause in all languages.
    language: str = ""
    #: How many (brackets, placeholders, amendments); 1 otherwise.
    count: int = 1
    #: The bracketed words, placeholders or amendment citations concerned, as they stand in the text.
    details: tuple[str, ...] = field(default=())


def blockers(
    clauses: Sequence[ClauseForSignature], languages: Sequence[str], proposed_clauses: Sequence[str] = ()
) -> list[Blocker]:
    """Everything that stops the signature copy, clause by clause in reading order; empty when it may be made.

    `proposed_clauses` are the citations of tabled proposals of new clauses ("CICA-4")."""
    found: list[Blocker] = []
    for clause in clauses:
        if not clause.agreed:
            found.append(Blocker(BlockerKind.not_agreed, clause.citation))
        if clause.open_amendments:
            found.append(Blocker(BlockerKind.open_amendments, clause.citation, count=clause.open_amendments))
        for language in languages:
            words = clause.texts.get(language)
            if words is None or not words[1].strip():
                found.append(Blocker(BlockerKind.missing_language, clause.citation, language))
                continue
            wording: list[str] = []
            placeholders: list[str] = []
            unbalanced = 0
            for text in words:
                if not text:
                    continue
                reading = read_brackets(text, clause.plain_brackets)
                unbalanced += len(reading.problems)
                for bracket in reading.brackets:
                    if bracket.depth:
                        continue
                    target = placeholders if bracket.kind is BracketKind.placeholder else wording
                    target.append(text[bracket.start : bracket.end])
            if wording:
                found.append(Blocker(BlockerKind.brackets, clause.citation, language, len(wording), tuple(wording)))
            if placeholders:
                found.append(
                    Blocker(BlockerKind.placeholders, clause.citation, language, len(placeholders), tuple(placeholders))
                )
            if unbalanced:
                found.append(Blocker(BlockerKind.unbalanced, clause.citation, language, unbalanced))
    found.extend(Blocker(BlockerKind.proposed_clause, citation) for citation in proposed_clauses)
    return found


_SPACE = re.compile(r"\s+")


def normalise(text: str | None) -> str:
    """A text as the checksum reads it: NFC, white space runs as one space, trimmed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def checksum(clauses: Sequence[ClauseForSignature], languages: Sequence[str]) -> str:
    """SHA-256 (hexadecimal) of the normalised text of every clause in every language (see the module's notes)."""
    digest = hashlib.sha256()
    for language in languages:
        for clause in clauses:
            heading, body = clause.texts.get(language, (None, ""))
            line = "\t".join((language, clause.wid, normalise(heading), normalise(body)))
            digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def shown(full_checksum: str) -> str:
    """The part of the checksum a document prints: its first SHOWN_DIGITS hexadecimal digits, in groups of four."""
    head = full_checksum[:SHOWN_DIGITS]
    return " ".join(head[i : i + 4] for i in range(0, len(head), 4))
