"""The interface language: chosen per user, for visitors from the browser's preference or their own choice."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask, request, session
from flask_babel import Babel, format_date, format_datetime, get_locale, gettext, pgettext
from flask_login import current_user

from .core.languages import INTERFACE_LANGUAGES, interface_language
from .core.messages import Message

babel = Babel()

#: Visitors who are not signed in (the sign-in page) keep their choice in the session cookie.
SESSION_KEY = "language"


def select_locale() -> str:
    if current_user and current_user.is_authenticated:
        return interface_language(current_user.language)
    if chosen := session.get(SESSION_KEY):
        return interface_language(chosen)
    return request.accept_languages.best_match(list(INTERFACE_LANGUAGES)) or "en"


def text_language(instrument, requested: str | None = None, *, allow_both: bool = True) -> str:
    """The language to show clause texts in: `requested` if the instrument has it ('both': side by side), else the
    reader's interface language where the instrument is drafted in it, else the instrument's first language."""
    if requested == "both" and allow_both:
        return requested
    for candidate in (requested, current_user.language if current_user.is_authenticated else None):
        if candidate in instrument.language_codes:
            return candidate
    return instrument.language_codes[0]


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # Words the core marks with N_ (states, roles, outcomes) arrive in templates as data: `|t` translates them.
    app.add_template_filter(translate, "t")
    app.jinja_env.globals["interface_languages"] = INTERFACE_LANGUAGES
    app.jinja_env.globals["current_language"] = lambda: str(get_locale() or "en")
    app.add_template_filter(translate_citation, "cite")
    for name, pattern in DATE_PATTERNS.items():
        app.add_template_filter(_date_filter(pattern), name)


def translate(message: str | None) -> str | None:
    """Translate a string marked in the core: a plain label, or a Message with its values."""
    if not message or not isinstance(message, str):
        return message  # empty, or already translated (a lazy string)
    if isinstance(message, Message) and message.context:
        return pgettext(message.context, message.template)
    if isinstance(message, Message):
        params = {
            key: _date_filter(DATE_PATTERNS["day"])(value) if isinstance(value, dt.date) else translate_value(value)
            for key, value in message.params.items()
        }
        return gettext(message.template, **params)
    return gettext(message)


def translate_value(value: object) -> object:
    """A value inside a Message: itself a Message (translated in turn) or plain data (left as it is)."""
    return translate(value) if isinstance(value, Message) else value


_ARTICLE_CITATION = re.compile(r"^Article (\d+)(.*)$")


def translate_citation(citation: str | None) -> str | None:
    """A citation as the numbering writes it ("Article 2(3)", "Title") in the interface language."""
    if not citation:
        return citation
    if citation == "Title":
        return gettext("Title")
    if match := _ARTICLE_CITATION.match(citation):
        return gettext("Article %(number)s", number=match[1]) + match[2]
    return citation


#: Date and time patterns (CLDR), named for what they show; every date on a page goes through one of them so
#: month names follow the interface language. Times are stored and shown in UTC, as the negotiation's record.
DATE_PATTERNS = {
    "when": "dd MMMM y, HH:mm 'UTC'",
    "when_short": "dd MMM y, HH:mm 'UTC'",
    "when_seconds": "dd MMM y HH:mm:ss",
    "day": "dd MMMM y",
    "day_short": "dd MMM y",
}


def _date_filter(pattern: str):
    def render(value):
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            return format_datetime(value, pattern)
        return format_date(value, pattern)

    return render
