"""The interface language: chosen per user, for visitors from the browser's preference or their own choice."""

from __future__ import annotations

import datetime as dt
import re
from typing import overload

from flask import Flask, g, request, session
from flask_babel import Babel, format_date, format_datetime, get_locale, get_translations
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from .core.languages import INTERFACE_LANGUAGES, interface_language
from .core.messages import N_, NC_, Message
from .core.milestones import LocalName
from .core.redline import RedlineLabels

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
        if candidate is not None and candidate in instrument.language_codes:
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
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
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
    app.add_template_filter(translate_stored_note, "stored_note")
    for name, pattern in DATE_PATTERNS.items():
        app.add_template_filter(_date_filter(pattern), name)


@overload
def translate(message: str) -> str: ...
@overload
def translate(message: None) -> None: ...
@overload
def translate(message: str | None) -> str | None: ...


def translate(message: str | None) -> str | None:
    """Translate a string marked in the core: a plain label, or a Message with its values."""
    if not message or not isinstance(message, str):
        return message  # empty, or already translated (a lazy string)
    if isinstance(message, LocalName):  # a stored name: its translation is the negotiation's, not the catalogue's
        return message.in_language(str(get_locale() or "en"))
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

#: The grammatical cases a citation is declined in, inside a sentence of the interface: each is a gettext context,
#: so a language that declines (Russian: «статьи 1», «к статье 1») says each form, and English keeps one.
#: Sentences that cannot name the case put the citation first, in the nominative ("Article 1: two proposals").
CITATION_CASES = ("genitive", "dative", "instrumental", "prepositional")
_CITATION_WORDS = {
    (None, "Article %(number)s"): N_("Article %(number)s"),
    (None, "Title"): N_("Title"),
    ("genitive", "Article %(number)s"): NC_("genitive", "Article %(number)s"),
    ("genitive", "Title"): NC_("genitive", "Title"),
    ("dative", "Article %(number)s"): NC_("dative", "Article %(number)s"),
    ("dative", "Title"): NC_("dative", "Title"),
    ("instrumental", "Article %(number)s"): NC_("instrumental", "Article %(number)s"),
    ("instrumental", "Title"): NC_("instrumental", "Title"),
    ("prepositional", "Article %(number)s"): NC_("prepositional", "Article %(number)s"),
    ("prepositional", "Title"): NC_("prepositional", "Title"),
}


def translate_citation(citation: str | None, case: str | None = None) -> str | None:
    """A citation as the numbering writes it ("Article 2(3)", "Title") in the interface language; `case` (one of
    CITATION_CASES) declines it for the middle of a sentence ("the text of Article 1": «текст статьи 1»)."""
    if not citation:
        return citation
    translations = request_translations()

    def word(english: str) -> str:
        if case is None:
            return translations.ugettext(_CITATION_WORDS[(None, english)])
        return translations.upgettext(case, _CITATION_WORDS[(case, english)])

    if citation == "Title":
        return word("Title")
    if match := _ARTICLE_CITATION.match(citation):
        return word("Article %(number)s") % {"number": match[1]} + match[2]
    return citation


def redline_labels() -> RedlineLabels:
    """What a redline's marks say to a pointer (title) and a screen reader (aria-label), in the interface language."""
    translations = request_translations()
    return RedlineLabels(
        deleted_by=translations.ugettext(RedlineLabels.deleted_by),
        inserted_by=translations.ugettext(RedlineLabels.inserted_by),
        change_by=translations.ugettext(RedlineLabels.change_by),
    )


def credit_name(credit) -> str:
    """The author of one change as a redline names it (core.attribution.Credit): its party and the date of the
    amendment that made it, in the reader's language ("CICA, 12 Mar 2024")."""
    if credit.when is None:
        return credit.party
    return f"{credit.party}, {_date_filter(DATE_PATTERNS['day_short'])(credit.when)}"


#: Notes that the services store in English with the record (the audit trail and the API read them as stored),
#: shown in the reader's language: (pattern of the stored text, the sentence it was made from). Kept beside the
#: services' wording; a note that matches none is shown as stored.
_STORED_NOTES = (
    (re.compile(r"^Rebased onto version (?P<seq>\d+)$"), N_("Rebased onto version %(seq)s")),
    (re.compile(r"^Revised against version (?P<seq>\d+)$"), N_("Revised against version %(seq)s")),
    (
        re.compile(r"^(?P<citation>\S+-\d+) adopted: (?P<rationale>.*)$", re.S),
        N_("%(citation)s adopted: %(rationale)s"),
    ),
)


def translate_stored_note(note: str | None) -> str | None:
    """A revision note or a version's reason as stored ("Rebased onto version 2") in the interface language."""
    if not note:
        return note
    for pattern, sentence in _STORED_NOTES:
        if match := pattern.match(note):
            return request_translations().ugettext(sentence) % match.groupdict()
    return note


#: The pages Werkzeug raises for a request the app cannot serve, in words a reader understands; its own
#: `description` stays where a view gave one (abort(404, "...")), already in the reader's language.
HTTP_ERROR_TITLES = {
    400: N_("The request could not be understood"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    405: N_("Not possible on this page"),
    413: N_("The upload is too large"),
    500: N_("Something went wrong"),
    503: N_("Temporarily unavailable"),
}
HTTP_ERROR_MESSAGES = {
    400: N_("The page could not read what was sent. Go back, reload the page and try again."),
    403: N_("Your account may not open this page."),
    404: N_("There is no page at this address. Check the address, or follow a link from the draft."),
    405: N_("This address does not accept that kind of request. Use the buttons and links of the pages."),
    413: N_("The file is larger than the limit for uploads."),
    500: N_("The page could not be shown because of an error on the server. It has been logged."),
    503: N_("The service is not available just now. Wait a little, then reload the page."),
}


def http_error_text(error: HTTPException) -> tuple[str, str]:
    """(title, message) of an error page in the interface language."""
    translations = request_translations()
    code = error.code or 500
    title = HTTP_ERROR_TITLES.get(code)
    title = translations.ugettext(title) if title else (error.name or "")
    own = error.description and error.description != type(error).description
    if own or code not in HTTP_ERROR_MESSAGES:
        return title, translate(error.description) or ""
    return title, translations.ugettext(HTTP_ERROR_MESSAGES[code])


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
