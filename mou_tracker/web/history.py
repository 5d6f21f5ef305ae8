"""Who wrote each word of a clause, and the negotiating history of a clause and of the instrument (page, PDF, DOCX)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..exports import history_docx
from ..extensions import db
from ..i18n import text_language, translate
from ..models.base import utcnow
from ..services import draft as draft_service
from ..services import history as history_service
from ..services import word_credits as word_credit_service
from .draft import versions_compared
from .reports import DOCX, _download, _now_stem, _pdf

bp = Blueprint("history", __name__)


def _language(instrument) -> str:
    """The language asked for (the service refuses one the negotiation lacks), else the reader's."""
    return request.args.get("lang") or text_language(instrument, None, allow_both=False)


@bp.route("/clauses/<wid>/who-wrote-this")
def who_wrote(wid: str):
    instrument = draft_service.current_instrument(db.session)
    credits = word_credit_service.clause_word_credits(db.session, current_user, wid, _language(instrument))
    history = draft_service.clause_history(db.session, current_user, wid)
    return render_template("history/who_wrote.html", instrument=instrument, history=history, credits=credits)


def _clause_record(wid: str):
    instrument = draft_service.current_instrument(db.session)
    lang = text_language(instrument, request.args.get("lang"), allow_both=False)
    record = history_service.clause_record(db.session, current_user, wid, lang)
    return instrument, lang, record


@bp.route("/clauses/<wid>/history")
def clause_history(wid: str):
    instrument, lang, record = _clause_record(wid)
    compared = versions_compared(record.clause.versions, instrument.language_codes)
    return render_template("history/clause.html", instrument=instrument, lang=lang, record=record, compared=compared)


def _title(record) -> str:
    return translate(record.current.citation) if record.current else _("Deleted clause")


@bp.route("/clauses/<wid>/history.pdf")
def clause_history_pdf(wid: str):
    instrument, lang, record = _clause_record(wid)
    return _pdf(
        "history/history_pdf.html",
        _now_stem(instrument, f"history-{wid}"),
        instrument=instrument,
        lang=lang,
        records=[record],
        title=_("Negotiating history of %(clause)s", clause=_title(record)),
        generated_at=utcnow(),
    )


@bp.route("/clauses/<wid>/history.docx")
def clause_history_docx(wid: str):
    instrument, lang, record = _clause_record(wid)
    body = history_docx.history_document(
        _("Negotiating history of %(clause)s", clause=_title(record)), instrument.title, [record], lang, translate
    )
    return _download(body, DOCX, _now_stem(instrument, f"history-{wid}"), "docx", stamped=False)


def _instrument_record():
    instrument = draft_service.current_instrument(db.session)
    lang = text_language(instrument, request.args.get("lang"), allow_both=False)
    records = history_service.instrument_record(db.session, current_user, lang)
    return instrument, lang, records


@bp.route("/history")
def instrument_history():
    instrument, lang, records = _instrument_record()
    return render_template("history/instrument.html", instrument=instrument, lang=lang, records=records)


@bp.route("/history.pdf")
def instrument_history_pdf():
    instrument, lang, records = _instrument_record()
    return _pdf(
        "history/history_pdf.html",
        _now_stem(instrument, "history"),
        instrument=instrument,
        lang=lang,
        records=records,
        title=_("Negotiating history of the instrument"),
        generated_at=utcnow(),
    )


@bp.route("/history.docx")
def instrument_history_docx():
    instrument, lang, records = _instrument_record()
    body = history_docx.history_document(
        _("Negotiating history of the instrument"), instrument.title, records, lang, translate
    )
    return _download(body, DOCX, _now_stem(instrument, "history"), "docx", stamped=False)
