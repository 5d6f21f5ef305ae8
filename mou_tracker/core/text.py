"""Rules every piece of clause text must follow before it is stored."""

from __future__ import annotations

import unicodedata

from .messages import N_, Message

#: The longest clause text accepted, in characters. A long treaty article runs to about 6,000
#: characters; the cap leaves ample room while bounding the work of a redline (see DESIGN.md).
MAX_CLAUSE_TEXT = 20_000
#: Headings, reasons and rationales are short by nature.
MAX_HEADING = 300
MAX_NOTE = 2_000

#: White space that clause text may contain; every other control character is refused.
_ALLOWED_CONTROLS = {"\n", "\t"}


class TextRuleError(ValueError):
    """The text breaks a rule; the message says which, in words a negotiator understands."""


def clean_text(value: str | None, *, field: str, max_length: int, required: bool = True) -> str:
    """Normalise line endings and Unicode (NFC), strip outer white space, and enforce the rules."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        if required:
            raise TextRuleError(Message(N_("%(field)s must not be empty."), field=field))
        return ""
    if len(text) > max_length:
        raise TextRuleError(
            Message(
                N_("%(field)s is %(length)s characters long; the limit is %(limit)s."),
                field=field,
                length=f"{len(text):,}",
                limit=f"{max_length:,}",
            )
        )
    for ch in text:
        if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs"):
            raise TextRuleError(
                Message(
                    N_("%(field)s contains a control character (%(code)s); remove it and try again."),
                    field=field,
                    code=f"U+{ord(ch):04X}",
                )
            )
    return text
