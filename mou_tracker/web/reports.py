"""The chairs' dashboard, meeting packs, and exports (CSV, PDF, DOCX)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import partial

from babel.dates import format_date
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..core.languages import INTERFACE_LANGUAGES
from ..core.messages import N_, Message
from ..exports import docx, tables
from ..exports.pdf import PdfUnavailable, html_to_pdf, page_counter, paper_size
from ..extensions import db
from ..i18n import translate
from ..models.base import utcnow
from ..services import amendments as amendment_service
from ..services import brackets as bracket_service
from ..services import draft as draft_service
from ..services import meetings as meetings_service
from ..services import redlines as redline_service
from ..services import reports as service
from ..services.errors import Conflict, NotFound, ValidationFailed
from . import build_ahead
from .negotiation_scope import languages_unread
from .page_cache import kept_part, rendered, status_page

bp = Blueprint("reports", __name__)

STATUSES = service.STATUS_ORDER
#: CSV files carry a byte-order mark (core.spreadsheet), so Excel reads them as UTF-8.
CSV = "text/csv; charset=utf-8"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(body: bytes | str, mimetype: str, stem: str, extension: str, *, stamped: bool = True) -> Response:
    """An attachment named `stem`, with the time it was made unless `stamped` is False (the name already says
    what it is and which points it shows)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-")
    filename = f"{safe}-{utcnow():%Y%m%d-%H%M}.{extension}" if stamped else f"{safe}.{extension}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.app_template_filter("long_day")
def _long_day(when: dt.date | dt.datetime | None) -> str:
    """A date as the reader's language writes it in a document: "14 March 2024", "14 марта 2024 г."."""
    return "" if when is None else _day(when.date() if isinstance(when, dt.datetime) else when, _reader_language())


def _reader_language() -> str:
    return str(get_locale() or "en")


def _typeset(template: str, **context) -> bytes:
    """`template` typeset as a PDF on the configured paper, its pages counted in the reader's language (503 when
    the PDF renderer is missing)."""
    html = render_template(
        template,
        paper=paper_size(current_app.config.get("MOU_PAPER_SIZE")),
        page_counter=page_counter(_("Page %(number)s of %(count)s")),
        **context,
    )
    try:
        return html_to_pdf(html)
    except PdfUnavailable as exc:
        abort(503, str(exc))


def _pdf(template: str, stem: str, **context) -> Response:
    """A PDF of `template` (see `_typeset`); `stem` names the file (what it is and the point it shows)."""
    return _download(_typeset(template, **context), "application/pdf", stem, "pdf", stamped=False)


def _now_stem(instrument, what: str) -> str:
    """A file name for a report of the negotiation as it stands today: CICA-UNOCT-MoU_status-report_2024-03-14."""
    return _file_stem(instrument, what, redline_service.Point("now"))


@build_ahead.builder("dashboard")
def _dashboard_part(instrument) -> dict:
    """The dashboard's kept part, built as `current_user` (a `page_cache.Reader`): the status report."""
    report = service.status_report(db.session, current_user, instrument)
    body = rendered(
        "reports/_dashboard_body.html",
        report=report,
        statuses=STATUSES,
        share_patterns=True,
        open_by_party_around=True,
    )
    return {
        "body": body,
        "title": instrument.short_title,
        "generated_at": report.generated_at,
        "tabled_by_party": service.tabled_by_party(report),
    }


@bp.route("/dashboard")
@languages_unread
def dashboard():
    """The status report. Its kept part shows nothing private (`Private.NOTHING`): the one thing of the reader's
    party it shows, the count of its drafts per party, is shown around the part (counted when the page around it
    is rendered, kept with it until the party's drafts move the stamp), so that a party's draft, saved every few
    seconds, never rebuilds its readers' dashboards. It shows every role the same, and is built ahead after a
    public change (web/build_ahead)."""
    instrument = draft_service.current_instrument(db.session)
    stamp = service.state_stamp(
        db.session, current_user, private=service.Private.NOTHING, around=service.Private.DRAFTS
    )

    def around(part) -> dict:
        # A part kept by an earlier release (in Redis, across a deploy) may lack the counts: none until rebuilt.
        tabled = part.fields.get("tabled_by_party", {})
        return {"open_by_party": service.open_by_party_now(db.session, current_user, instrument, tabled)}

    page = status_page(
        "dashboard", stamp, "reports/dashboard.html", lambda: _dashboard_part(instrument), around=around, per_role=False
    )
    build_ahead.note_read("dashboard", "dashboard", service.Private.NOTHING, instrument)  # once it was shown
    return page


@bp.route("/dashboard.pdf")
def dashboard_pdf():
    instrument = draft_service.current_instrument(db.session)
    report = service.status_report(db.session, current_user, instrument)
    return _pdf(
        "reports/dashboard_pdf.html",
        _now_stem(instrument, "status-report"),
        report=report,
        statuses=STATUSES,
        instrument=instrument,
        generated_at=report.generated_at,
    )


#: The longest `?article=` a meeting pack looks for (an article's stable id or number): anything longer names none.
ARTICLE_KEY_MAX = 100


def _negotiation_id() -> int:
    """The negotiation in a kept part's name: meeting codes repeat across negotiations (an API request reaches these
    views too, and the page cache's own key reads the slug the request names)."""
    return draft_service.current_instrument(db.session).id


def _article_asked() -> str:
    """The part of a meeting pack the address asks for (?article=<stable id or number>, or "preamble"); "" for the
    first page."""
    asked = request.args.get("article", "").strip()
    if len(asked) > ARTICLE_KEY_MAX:
        raise NotFound(N_("This meeting pack has no such article."))
    return asked


def whole_pdf_fits(instrument) -> tuple[bool, int]:
    """Whether a PDF of every open proposal is offered (MOU_PDF_MAX_PROPOSALS), and how many there are."""
    return service.pdf_fits(db.session, instrument, int(current_app.config["MOU_PDF_MAX_PROPOSALS"]))


def _pack_fields(pack, body, *, article: str | None = None, article_label: str | None = None) -> dict:
    """What the page around a pack's part shows: its meeting, the points of its redline, which article, and
    whether the whole pack is offered as one PDF."""
    return {
        "whole_pdf": whole_pdf_fits(pack.instrument)[0],
        "body": body,
        "meeting_name": pack.milestone.name_in(_reader_language()),
        "meeting_code": pack.milestone.code,
        "since_key": pack.since_key,
        "until_key": pack.until_key,
        "article": article,
        "article_label": article_label,
    }


@bp.route("/meetings/<code>/pack")
@languages_unread
def meeting_pack(code: str):
    """A meeting's pack, a part at a time: its first page (the cover, the summary, who is late and the contents
    with each article's counts), or one article (?article=<stable id or number>, or "preamble") with its text
    going to the meeting, its compilation and its redline. Each part is kept per state, visibility, role and
    language (web/page_cache), so an article costs its own clauses, not the whole pack.

    An article shows tabled proposals only (`Private.NOTHING`); the first page lists the documents attached to the
    meeting, the party's internal ones among them (`Private.ATTACHMENTS`): neither is rebuilt by a party's draft."""
    article = _article_asked()
    shows = service.Private.NOTHING if article else service.Private.ATTACHMENTS
    stamp = service.state_stamp(db.session, current_user, private=shows)
    if article:

        def build_article() -> dict:
            part = service.pack_article(db.session, current_user, code, article, newest_version_id=stamp.version_id)
            body = rendered("reports/_pack_article_body.html", pack=part, instrument=part.instrument, printing=False)
            return _pack_fields(part, body, article=part.part.key, article_label=part.part.label)

        return status_page(
            f"pack:{_negotiation_id()}:{code}:{article}", stamp, "reports/pack.html", build_article, per_role=False
        )

    name = f"pack:{_negotiation_id()}:{code}"
    page = status_page(name, stamp, "reports/pack.html", partial(_pack_contents_part, None, code), per_role=False)
    # Once it was shown: a meeting that does not exist was answered 404 above, and is never built ahead.
    build_ahead.note_read(name, "pack", shows, draft_service.current_instrument(db.session), code)
    return page


@build_ahead.builder("pack")
def _pack_contents_part(_instrument, code: str) -> dict:
    """A meeting pack's first page (the negotiation's meeting `code`), built as `current_user` (a
    `page_cache.Reader`): built ahead after a public change (web/build_ahead)."""
    pack = service.pack_contents(db.session, current_user, code)
    return _pack_fields(pack, rendered("reports/_pack_contents_body.html", pack=pack, instrument=pack.instrument))


@bp.route("/meetings/<code>/pack.pdf")
def meeting_pack_pdf(code: str):
    """The whole pack as a PDF to print (every article's text, compilation and redline, with page numbers and
    running headers), or one article's (?article=...). Typeset once per state, visibility, role, language and
    paper, and kept in the store of rendered parts (web/page_cache: bounded in bytes, shared by the workers
    through Redis when configured, forgotten when the state moves on): a PDF takes seconds to typeset, and forty
    readers of a meeting ask for the same one. Readers who ask while it is being typeset wait for it: a PDF
    carries no notice that it is out of date, so an older one is never handed out instead. The whole pack lists
    the meeting's documents, the party's internal ones among them; an article's shows tabled proposals only."""
    article = _article_asked()
    shows = service.Private.NOTHING if article else service.Private.ATTACHMENTS
    stamp = service.state_stamp(db.session, current_user, private=shows)
    paper = paper_size(current_app.config.get("MOU_PAPER_SIZE"))
    meeting = redline_service.Point("milestone", code)

    def build() -> dict:
        if article:
            part = service.pack_article(db.session, current_user, code, article, newest_version_id=stamp.version_id)
            data = _typeset(
                "reports/pack_article_pdf.html",
                pack=part,
                instrument=part.instrument,
                generated_at=part.generated_at,
            )
            return {"body": data, "stem": f"{_file_stem(part.instrument, 'meeting-pack', meeting)}_{part.part.label}"}
        fits, proposals = whole_pdf_fits(draft_service.current_instrument(db.session))
        if not fits:
            raise Conflict(
                Message(
                    N_(
                        "This pack holds %(count)s open proposals: as one PDF it would take many minutes to "
                        "typeset. Print it part by part (each part of the pack has its PDF), or download the "
                        "redline and the rolling text as Word documents."
                    ),
                    count=proposals,
                )
            )
        pack = service.meeting_pack(db.session, current_user, code, newest_version_id=stamp.version_id)
        data = _typeset(
            "reports/pack_pdf.html",
            pack=pack,
            instrument=pack.instrument,
            statuses=STATUSES,
            generated_at=pack.generated_at,
        )
        return {"body": data, "stem": _file_stem(pack.instrument, "meeting-pack", meeting)}

    kept, _stale = kept_part(f"pack.pdf:{_negotiation_id()}:{code}:{article}:{paper}", stamp, build, current_only=True)
    return _download(kept.data(), "application/pdf", kept.fields["stem"], "pdf", stamped=False)


@bp.route("/exports/clauses.csv")
def clauses_csv():
    instrument = draft_service.current_instrument(db.session)
    report = service.status_report(db.session, current_user, instrument)
    return _download(tables.clauses_csv(report), CSV, _now_stem(instrument, "clauses"), "csv", stamped=False)


@bp.route("/exports/amendments.csv")
def amendments_csv():
    """Every amendment the reader may see, with its wording, rationale and any rejection reason."""
    instrument = draft_service.current_instrument(db.session)
    amendments = amendment_service.list_amendments(db.session, current_user)
    citations = service.export_citations(db.session, current_user, instrument, amendments)
    body = tables.amendments_csv(amendments, citations, current_user, instrument.language_codes)
    return _download(body, CSV, _now_stem(instrument, "amendments"), "csv", stamped=False)


@bp.route("/exports/comments.csv")
def comments_csv():
    """The discussion of every amendment the reader may see: shared comments, and their own party's internal notes."""
    instrument = draft_service.current_instrument(db.session)
    amendments = amendment_service.list_amendments(db.session, current_user)
    comments = service.discussion(db.session, current_user, amendments)
    citations = service.export_citations(db.session, current_user, instrument, amendments)
    body = tables.comments_csv(comments, {a.id: a for a in amendments}, citations)
    return _download(body, CSV, _now_stem(instrument, "discussion"), "csv", stamped=False)


def _languages(instrument) -> list[tuple[str, str]]:
    return [(lang.code, lang.name) for lang in instrument.languages]


#: Above each language's part of a Word export, in that language.
_PART_HEADINGS = {"en": N_("English text"), "ru": N_("Russian text")}


def _day(when: dt.date, language: str) -> str:
    """A date as a reader of that language writes it: "1 March 2024", "1 марта 2024 г."."""
    return format_date(when, format="long", locale={"en": "en_GB"}.get(language, language))


def _wordings(instrument, header: Callable[[], str], made: dt.date) -> list[docx.Wording]:
    """Each language's part of a Word export worded in that language: its heading, clause numbers, running header
    (negotiation, point, date) and page numbers. A language the interface is not translated into keeps English."""
    wordings = []
    for lang in instrument.languages:
        with force_locale(lang.code if lang.code in INTERFACE_LANGUAGES else "en"):
            heading = _PART_HEADINGS.get(lang.code)
            wordings.append(
                docx.Wording(
                    lang.code,
                    _(heading) if heading else f"{lang.name}",
                    header=f"{instrument.short_title} · {header()} · {_day(made, lang.code)}",
                    article=_("Article %(number)s", number="%(number)s"),
                    page=_("Page %(number)s of %(count)s"),
                    **docx.DRAFTING_CONVENTIONS.get(lang.code, {}),
                )
            )
    return wordings


def _document_settings() -> docx.DocumentSettings:
    return docx.DocumentSettings(
        paper=paper_size(current_app.config.get("MOU_PAPER_SIZE")),
        created=utcnow(),
        comments=request.args.get("comments", "1") not in ("0", "no", "off"),
    )


def _point_name(point) -> str:
    """A point as a file name says it: the meeting's code, the date, or the date with a party's proposals."""
    if point.kind == "milestone":
        return point.value
    if point.kind == "date":
        return point.value
    today = utcnow().date().isoformat()
    return f"{today}-with-{point.value}" if point.kind == "party" else today


def _file_stem(instrument, what: str, *points) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "-", instrument.short_title.replace("Secretariat", "")).strip("-")
    return f"{name}_{what}_{'-to-'.join(_point_name(p) for p in points)}"


@bp.route("/exports/draft.docx")
def draft_docx():
    """The draft, clean, as it stands now, at the end of a date, or as frozen for a meeting (?at=...)."""
    instrument = draft_service.current_instrument(db.session)
    point = redline_service.parse_point(db.session, request.args.get("at") or "now")
    if point.kind == "party":
        raise ValidationFailed(N_("A party's proposals are exported as a redline: use the redline export instead."))
    if point.kind == "milestone":
        milestone = meetings_service.get_milestone(db.session, point.value)
        clauses = meetings_service.frozen_draft(db.session, milestone)
        based_on = milestone.frozen_at
    else:
        as_of = redline_service.end_of_day(point.value) if point.kind == "date" else None
        clauses = draft_service.draft_as_of(db.session, current_user, instrument, as_of)
        based_on = as_of or utcnow()
    if not clauses:
        raise ValidationFailed(
            Message(N_("The draft had no clauses yet at that point (%(point)s)."), point=point.label)
        )
    settings = _document_settings()
    wordings = _wordings(instrument, lambda: translate(point.label), settings.created.date())
    body = docx.clean_draft(
        instrument.title,
        translate(point.label),
        clauses,
        wordings,
        settings,
        negotiation=instrument.slug,
        based_on=based_on,  # what the round trip (issue #16) compares a retyped copy against
    )
    return _download(body, DOCX, _file_stem(instrument, "draft", point), "docx", stamped=False)


def _asked_redline():
    """The whole-draft redline between the points the address names (?from=...&to=...)."""
    old = redline_service.parse_point(db.session, request.args.get("from") or redline_service.default_start(db.session))
    new = redline_service.parse_point(db.session, request.args.get("to") or "now")
    return old, new, redline_service.whole_draft_redline(db.session, current_user, old, new)


@bp.route("/exports/redline.pdf")
def redline_pdf():
    """The whole-draft redline as a PDF a chair can print (deletions struck, insertions underlined, by party)."""
    instrument = draft_service.current_instrument(db.session)
    old, new, result = _asked_redline()
    return _pdf(
        "reports/redline_pdf.html",
        _file_stem(instrument, "redline", old, new),
        result=result,
        instrument=instrument,
        only_changes=request.args.get("only") == "changes",
        generated_at=utcnow(),
        plain_brackets=bracket_service.declared_plain_brackets(db.session),
    )


@bp.route("/exports/redline.docx")
def redline_docx():
    """Tracked changes between two points (?from=...&to=...), as native Word revisions."""
    instrument = draft_service.current_instrument(db.session)
    old, new, result = _asked_redline()

    def points() -> str:
        return _("Tracked changes: %(old)s → %(new)s", old=translate(old.label), new=translate(new.label))

    settings = _document_settings()
    body = docx.redlined_draft(
        instrument.title,
        points(),
        result.rows,
        _wordings(instrument, points, settings.created.date()),
        settings,
        notes=[translate(note) for note in result.notes],
        negotiation=instrument.slug,
        plain_brackets=bracket_service.declared_plain_brackets(db.session),
    )
    return _download(body, DOCX, _file_stem(instrument, "redline", old, new), "docx", stamped=False)
