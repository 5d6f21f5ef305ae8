"""Languages: of the interface, and the agreement between a clause's language versions."""

from __future__ import annotations

from collections.abc import Mapping

from .messages import N_

#: Languages the interface is translated into, in the order the switcher shows them, with each one's own name.
INTERFACE_LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский"}
DEFAULT_INTERFACE_LANGUAGE = "en"

#: Names of the instrument's languages as stored with the instrument, marked so the interface can translate them.
INSTRUMENT_LANGUAGE_NAMES = (N_("English"), N_("Russian"))


def interface_language(requested: str | None) -> str:
    """The interface language for a stored or requested code; an unknown code falls back to English."""
    return requested if requested in INTERFACE_LANGUAGES else DEFAULT_INTERFACE_LANGUAGE


def outdated_translations(revised_in: Mapping[str, int | None]) -> set[str]:
    """The languages whose words were last written before another language's.

    `revised_in` maps each language of one clause version to the version number in which its words were last
    written. A language behind the most recently revised one is out of date: its words describe an earlier
    text. Texts without a record (None) are taken to be in step, so old data raises no false alarm.
    """
    known = {language: seq for language, seq in revised_in.items() if seq is not None}
    if len(known) < 2:
        return set()
    newest = max(known.values())
    return {language for language, seq in known.items() if seq < newest}


def carried_revision(
    previous_body: str | None,
    previous_heading: str | None,
    previous_revised_in: int | None,
    body: str,
    heading: str | None,
    seq: int,
) -> int:
    """The `revised_in` number of a language's text in version `seq`: its predecessor's when the words are the
    same (the language was left alone), `seq` when they changed or the language is new."""
    if previous_body is not None and previous_body == body and (previous_heading or None) == (heading or None):
        return previous_revised_in if previous_revised_in is not None else seq - 1
    return seq
