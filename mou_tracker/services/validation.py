"""Validating what users type, for every service: the core's text rules, answered as a ValidationFailed."""

from __future__ import annotations

from ..core.text import TextRuleError, clean_text
from .errors import ValidationFailed


def clean_field(value: str | None, field: str, max_length: int, required: bool = True) -> str:
    """`value` cleaned by the core's text rules (`core.text.clean_text`), or ValidationFailed saying which rule
    `field` (a Message naming the field) breaks."""
    try:
        return clean_text(value, field=field, max_length=max_length, required=required)
    except TextRuleError as exc:
        raise ValidationFailed(exc.args[0]) from exc
