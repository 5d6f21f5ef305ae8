"""Negotiation slugs: the short name that stands for a negotiation in its addresses (/n/<slug>/...)."""

from __future__ import annotations

import re
import unicodedata

#: Lower-case ASCII letters and digits in words joined by single hyphens; 2 to 40 characters.
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 40


def is_valid_slug(value: str) -> bool:
    return 2 <= len(value) <= MAX_SLUG and SLUG_PATTERN.match(value) is not None


def slugify(text: str) -> str:
    """A slug made from a title: accents dropped, every run of other characters a hyphen ("CICA – UNOCT MoU" gives
    "cica-unoct-mou"). A title with no Latin letters or digits gives "" (the caller names one itself)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:MAX_SLUG].rstrip("-")
