"""Who wrote each word of a clause and of the whole draft, and the negotiating history of a clause and of the
instrument (page, PDF, DOCX).

The instrument's history is paged by article (`?article=<wid>`: the article, or the run of clauses outside articles,
holding that clause), with a table of contents on `/history`: at treaty scale the whole record is tens of megabytes
of HTML. Its pages are parts kept per state of the negotiation, visibility, role and language (web/page_cache.py),
and so are its files (`_kept_file`): a history's PDF or DOCX is made once per state of the negotiation for each
visibility, then handed out again until something the reader could see changes. The whole instrument's PDF is
refused, with the way round it, when it is too long to lay out while the reader waits (`pdf_fits`).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, render_template, request
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from ..core.messages import N_, Message
from ..core.redline import Op, Redline
from ..exports import history_docx
from ..exports.pdf import PdfUnavailable, html_to_pdf, page_counter, paper_size
from ..extensions import db
from ..i18n import text_language, translate, translate_citation
from ..models import Instrument, Party
from ..models.base import utcnow
from ..services import draft as draft_service
from ..services import history as history_service
from ..services import reports as report_service
from ..services import word_credits as word_credit_service
from ..services.errors import Conflict
from . import page_cache
from .draft import versions_compared
from .negotiation_scope import current_slug
from .reports import DOCX, _download, _now_stem

bp = Blueprint("history", __name__)

PDF = "application/pdf"
#: The longest instrument history (versions and amendments) laid out as one PDF in a request (config
#: MOU_HISTORY_PDF_MAX_ENTRIES). WeasyPrint's time grows with the record, linearly: measured at treaty scale
#: (bench/history_paging.py), about 45 ms of CPU per entry (a 200-word clause redlined per amendment), and on the
#: shared benchmark machine under its usual load about 340 ms of wall time: 300 entries take about 14 s of CPU,
#: and stay under the two minutes a request may last (README: gunicorn --timeout 120) even on a loaded machine.
PDF_MAX_ENTRIES = 300


def _language(instrument) -> str:
    """The language asked for (the service refuses one the negotiation lacks), else the reader's."""
    return request.args.get("lang") or text_language(instrument, None, allow_both=False)


def lean_redline(redline: Redline) -> Markup:
    """A redline for print with as few elements as it can have (WeasyPrint's time grows with them): deletions in
    <del>, insertions in <ins>, each run of changes followed by its party in square brackets, so it reads without
    colour; every word escaped."""
    out: list[str] = []
    in_change = False
    tag = f"<sup>[{escape(redline.author)}]</sup>" if redline.author else ""
    for segment in redline.segments:
        if segment.op is Op.equal:
            if in_change:
                out.append(tag)
            in_change = False
            out.append(str(escape(segment.text)))
            continue
        name = "del" if segment.op is Op.delete else "ins"
        out.append(f"<{name}>{escape(segment.text)}</{name}>")
        in_change = True
    if in_change:
        out.append(tag)
    return Markup("".join(out))  # noqa: S704  (every segment escaped above)


@bp.route("/clauses/<wid>/who-wrote-this")
def who_wrote(wid: str):
    instrument = draft_service.current_instrument(db.session)
    credits = word_credit_service.clause_word_credits(db.session, current_user, wid, _language(instrument))
    history = draft_service.clause_history(db.session, current_user, wid)
    return render_template("history/who_wrote.html", instrument=instrument, history=history, credits=credits)


@bp.route("/who-wrote-this")
def draft_who_wrote():
    """Who wrote each word of the whole current draft: rendered once per state of the negotiation, visibility, role
    and language, then kept (web/page_cache.py)."""
    instrument = draft_service.current_instrument(db.session)
    lang = text_language(instrument, request.args.get("lang"), allow_both=False)
    # Words of the current draft, credited to versions and adopted (so tabled) amendments: nothing private.
    stamp = report_service.state_stamp(db.session, current_user, private=report_service.Private.NOTHING)

    def build() -> dict:
        clauses = word_credit_service.draft_word_credits(db.session, current_user, lang)
        body = page_cache.rendered("history/_draft_who_wrote_body.html", lang=lang, clauses=clauses)
        return {"body": body}

    page = f"history-who:{instrument.slug}:{lang}"
    return page_cache.status_page(
        page, stamp, "history/draft_who_wrote.html", build, per_role=False, instrument=instrument, lang=lang
    )


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


def _pdf_bytes(title: str, instrument: Any, lang: str, records: list) -> bytes:
    """The lean print of some clauses' records (history/history_pdf.html), or 503 where PDFs cannot be made."""
    html = render_template(
        "history/history_pdf.html",
        paper=paper_size(current_app.config.get("MOU_PAPER_SIZE")),
        page_counter=page_counter(_("Page %(number)s of %(count)s")),
        instrument=instrument,
        lang=lang,
        records=records,
        title=title,
        generated_at=utcnow(),
        lean=lean_redline,
    )
    try:
        return html_to_pdf(html)
    except PdfUnavailable as exc:
        abort(503, str(exc))


@bp.route("/clauses/<wid>/history.pdf")
def clause_history_pdf(wid: str):
    instrument, lang, record = _clause_record(wid)
    title = _("Negotiating history of %(clause)s", clause=_title(record))
    body = _pdf_bytes(title, instrument, lang, [record])
    return _download(body, PDF, _now_stem(instrument, f"history-{wid}"), "pdf", stamped=False)


@bp.route("/clauses/<wid>/history.docx")
def clause_history_docx(wid: str):
    instrument, lang, record = _clause_record(wid)
    body = history_docx.history_document(
        _("Negotiating history of %(clause)s", clause=_title(record)), instrument.title, [record], lang, translate
    )
    return _download(body, DOCX, _now_stem(instrument, f"history-{wid}"), "docx", stamped=False)


# The instrument's history, paged by article ---------------------------------------------------------------------


def section_title(section: history_service.HistorySection) -> str:
    """How a page of the history is named: "Article 3", "Title – PP4", "Deleted clauses"."""
    if section.article and section.first:
        return translate_citation(section.first) or ""
    if section.first is None:
        return _("Clauses deleted on the way")
    if section.last and section.last != section.first:
        return f"{translate_citation(section.first)} – {translate_citation(section.last)}"
    return translate_citation(section.first) or ""


def _article() -> str | None:
    return request.args.get("article") or None


def pdf_max_entries() -> int:
    return int(current_app.config.get("MOU_HISTORY_PDF_MAX_ENTRIES", PDF_MAX_ENTRIES))


def _history_stamp() -> report_service.StateStamp:
    """The history (its contents, pages and files) shows the party's untabled drafts, their revisions and its
    internal notes, and counts them: it is rebuilt by each of the party's drafts (`Private.DRAFTS`)."""
    return report_service.state_stamp(db.session, current_user, private=report_service.Private.DRAFTS)


@bp.route("/history")
def instrument_history():
    """Without `article`: the table of contents (each page of the history with its counts, a link per clause).
    With it: that article's record, with the previous and next pages."""
    instrument = draft_service.current_instrument(db.session)
    lang = text_language(instrument, request.args.get("lang"), allow_both=False)
    article = _article()
    stamp = _history_stamp()

    def build() -> dict:
        if article is None:
            contents = history_service.history_contents(db.session, current_user, lang)
            body = page_cache.rendered(
                "history/_contents_body.html",
                instrument=instrument,
                lang=lang,
                contents=contents,
                pdf_fits=history_service.pdf_fits(contents, pdf_max_entries()),
                pdf_max=pdf_max_entries(),
                section_title=section_title,
            )
            return {"body": body, "page_title": _("Negotiating history of the instrument"), "section_key": None}
        page = history_service.article_record(db.session, current_user, lang, article)
        title = section_title(page.section)
        body = page_cache.rendered(
            "history/_article_body.html",
            instrument=instrument,
            lang=lang,
            page=page,
            section_title=section_title,
        )
        return {"body": body, "page_title": title, "section_key": page.section.key}

    key = f"history:{instrument.slug}:{lang}:{article or ''}"
    return page_cache.status_page(key, stamp, "history/instrument.html", build, instrument=instrument, lang=lang)


def _file_part(build: Callable[[], bytes]) -> Callable[[], dict]:
    """A file kept as a part (web/page_cache.py): its bytes are the part's body."""
    return lambda: {"body": build()}


#: How long a request waits for the whole instrument's file being made before it tells the reader to come back.
WHOLE_WAIT_SECONDS = 20.0
#: The whole instrument's files being made, each by one thread, whoever asked first: {what: done}.
_MAKING: dict[tuple, threading.Event] = {}
_MAKING_LOCK = threading.Lock()


class _StillMaking(Exception):
    """The whole instrument's file is still being made in the background."""


def _kept_file(page: str, build: Callable[[], bytes]) -> bytes:
    """An article's history file, made once per state of the negotiation (`reports.state_stamp`), visibility, role
    and language, then kept and handed out again; never the previous state's (`current_only`)."""
    stamp = _history_stamp()
    kept, _stale = page_cache.kept_part(page, stamp, _file_part(build), current_only=True)
    return kept.data()


#: The most whole-history files a worker makes at once; a request beyond it is asked to come back.
MOST_MAKING = 2


def _whole_file(page: str, build: Callable[[], bytes]) -> bytes:
    """The whole instrument's history file: kept per state, visibility, role and language like an article's, but
    made in a thread of its own, never twice at once. At treaty scale it takes minutes, longer than a request may
    last: a request waits for it WHOLE_WAIT_SECONDS at most (a small negotiation's is ready by then), then asks the
    reader to come back (`_StillMaking`) while the thread finishes and keeps it."""
    stamp = _history_stamp()
    reader = page_cache.Reader.of(current_user)
    key, _kind = page_cache._keys(page, stamp, reader)  # the key `kept_part` keeps it under
    kept = page_cache.store().get(key)
    if kept is not None:
        return kept.data()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    slug, locale = current_slug(), str(get_locale())
    instrument_id = draft_service.current_instrument(db.session).id
    what = (str(db.engine.url), key)
    result: dict[str, Any] = {}
    with _MAKING_LOCK:
        done = _MAKING.get(what)
        starts = done is None
        # Each file takes minutes of CPU at treaty scale: a reader who moves their party's state again and again
        # (an internal note, then this file) must not start one more build each time.
        busy = starts and len(_MAKING) >= MOST_MAKING
        if starts and not busy:
            done = _MAKING[what] = threading.Event()
    if busy or done is None:
        raise _StillMaking()

    def make() -> None:
        """In a request context of its own, as the reader's visibility and in their language."""
        try:
            # Its own app context, so its own database session (removed when the context ends).
            with app.test_request_context(f"/n/{slug}/{page}"), force_locale(locale):
                g.negotiation_slug = slug
                # The reader's party is read again in this thread's own session: the request's Party object
                # belongs to the request's session, which another thread must never touch.
                own_party = db.session.get(Party, reader.party_id) if reader.party_id is not None else None
                g._login_user = dataclasses.replace(reader, party=own_party)
                instrument = db.session.get(Instrument, instrument_id)
                draft_service.remember_instrument(db.session, instrument)  # type: ignore[arg-type]
                result["kept"], _stale = page_cache.kept_part(page, stamp, _file_part(build), current_only=True)
        except Exception as exc:  # told to the request that waits, if it still does; logged in any case
            result["error"] = exc
            app.logger.exception("Making %s failed", page)
        finally:
            with _MAKING_LOCK:
                _MAKING.pop(what, None)
            done.set()

    if starts:
        threading.Thread(target=make, name=f"history-{page}", daemon=True).start()
    done.wait(WHOLE_WAIT_SECONDS)
    if "error" in result:
        raise result["error"]
    kept = result.get("kept") or page_cache.store().get(key)
    if kept is None:
        raise _StillMaking()
    return kept.data()


def _instrument_file(extension: str, make: Callable[[str, Any, str, list], bytes]) -> Response:
    instrument = draft_service.current_instrument(db.session)
    lang = text_language(instrument, request.args.get("lang"), allow_both=False)
    article = _article()
    if article is None:
        contents = history_service.history_contents(db.session, current_user, lang)
        if extension == "pdf" and not history_service.pdf_fits(contents, pdf_max_entries()):
            raise Conflict(too_long_message(contents))
    else:  # refused before anything is made when there is no such article
        history_service.history_contents(db.session, current_user, lang).index_of(article)

    def build() -> bytes:
        if article is None:
            records = history_service.instrument_record(db.session, current_user, lang)
            whole = draft_service.current_instrument(db.session)  # this thread's own (the whole may be made in another)
            return make(_("Negotiating history of the instrument"), whole, lang, records)
        page = history_service.article_record(db.session, current_user, lang, article)
        title = _("Negotiating history of %(clause)s", clause=section_title(page.section))
        return make(title, instrument, lang, page.records)

    stem = _now_stem(instrument, f"history-{article}" if article else "history")
    kept_as = f"history.{extension}:{instrument.slug}:{lang}:{article or ''}"
    if article is not None:
        body = _kept_file(kept_as, build)
    else:
        try:
            body = _whole_file(kept_as, build)
        except _StillMaking:
            message = _(
                "The whole history is being made for the negotiation as it now stands: at this length it takes a "
                "few minutes. Try again in a minute or two; meanwhile each article's file is ready at once."
            )
            response = Response(message, status=503, mimetype="text/plain")
            response.headers["Retry-After"] = "60"
            return response
    return _download(body, PDF if extension == "pdf" else DOCX, stem, extension, stamped=False)


def too_long_message(contents: history_service.HistoryContents) -> Message:
    """Why the whole instrument's history is not offered as one PDF, and what to take instead."""
    return Message(
        N_(
            "The negotiating history of the whole instrument is too long to lay out as one PDF while you wait "
            "(versions and amendments: %(entries)s; the limit: %(limit)s). Download the PDF of each article from "
            "the history's contents, or the whole history as Word (DOCX)."
        ),
        entries=contents.entries,
        limit=pdf_max_entries(),
    )


@bp.route("/history.pdf")
def instrument_history_pdf():
    return _instrument_file("pdf", _pdf_bytes)


@bp.route("/history.docx")
def instrument_history_docx():
    def make(title, instrument, lang, records) -> bytes:
        return history_docx.history_document(title, instrument.title, records, lang, translate)

    return _instrument_file("docx", make)
