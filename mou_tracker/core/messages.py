"""Marking words of the core for translation without translating them (gettext_noop).

The core imports no Flask; the web layer translates a marked string when it renders it, and `pybabel extract`
finds it here through the N_ keyword (babel.cfg).
"""

from __future__ import annotations

import datetime as dt
from typing import Self


def N_(message: str) -> str:
    return message


def NC_(context: str, message: str) -> str:
    return message


class Message(str):
    """A sentence the core composes (as "CICA to respond"): reads as its English text everywhere a string does
    (API, CSV, logs), and keeps its template and values so the web layer can say it in the reader's language."""

    template: str
    params: dict[str, object]
    #: The gettext context of a word that English uses for two meanings ("rejected": a state, an action).
    context: str | None

    def __new__(cls, template: str, **params: object) -> Self:
        english = {key: _english(value) for key, value in params.items()}
        message = super().__new__(cls, template % english if params else template)
        message.template = template
        message.params = params
        message.context = None
        return message

    @classmethod
    def word(cls, context: str, word: str) -> Self:
        """One word marked with NC_, translated in its context."""
        message = cls(word)
        message.context = context
        return message


def _english(value: object) -> object:
    """Dates read as in an English document: 12 March 2024."""
    return value.strftime("%d %B %Y") if isinstance(value, dt.date) else value
