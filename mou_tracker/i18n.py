"""The interface language: chosen per user, for visitors from the browser's preference or their own choice."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask, g, request, session
from flask_babel import Babel, format_date, format_datetime, get_locale, get_translations
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


def request_translations():
    """The catalogue of this request's language, looked up once per request rather than once per string.

    Flask-Babel finds it anew for every string; a status page at treaty scale translates thousands of them. The
    catalogue is remembered beside Flask-Babel's own locale and found again when `flask_babel.refresh()` drops it.
    """
    if not g:
        return get_translations()
    state = g.get("_flask_babel")
    remembered = getattr(state, "mou_translations", None)
    if remembered is not None and getattr(state, "babel_locale", None) is remembered[0]:
        return remembered[1]
    translations = get_translations()
    state = g._flask_babel
    state.mou_translations = (getattr(state, "babel_locale", None), translations)
    return translations


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
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
    translations = request_translations()
    if isinstance(message, Message) and message.context:
        return translations.upgettext(message.context, message.template)
    if isinstance(message, Message):
        params = {
            key: _date_filter(DATE_PATTERNS["day"])(value) if isinstance(value, dt.date) else translate_value(value)
            for key, value in message.params.items()
        }
        translated = translations.ugettext(message.template)
        return translated % params if params else translated
    return translations.ugettext(message)


def translate_value(value: object) -> object:
    """A value inside a Message: itself a Message (translated in turn) or plain data (left as it is)."""
    return translate(value) if isinstance(value, Message) else value


_ARTICLE_CITATION = re.compile(r"^Article (\d+)(.*)$")


def translate_citation(citation: str | None) -> str | None:
    """A citation as the numbering writes it ("Article 2(3)", "Title") in the interface language."""
    if not citation:
        return citation
    if citation == "Title":
        return request_translations().ugettext("Title")
    if match := _ARTICLE_CITATION.match(citation):
        return request_translations().ugettext("Article %(number)s") % {"number": match[1]} + match[2]
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
