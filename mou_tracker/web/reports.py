"""The chairs' dashboard, meeting packs, and exports (CSV, PDF, DOCX)."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from ..exports import docx, tables
from ..exports.pdf import PdfUnavailable, html_to_pdf
from ..extensions import db
from ..models.base import utcnow
from ..services import amendments as amendment_service
from ..services import draft as draft_service
from ..services import meetings as meetings_service
from ..services import redlines as redline_service
from ..services import reports as service
from ..services.errors import ValidationFailed
from .page_cache import rendered, status_page

bp = Blueprint("reports", __name__)

STATUSES = service.STATUS_ORDER
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(body: bytes | str, mimetype: str, stem: str, extension: str) -> Response:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-")
    filename = f"{safe}-{utcnow():%Y%m%d-%H%M}.{extension}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _pdf(template: str, stem: str, **context) -> Response:
    html = render_template(template, **context)
    try:
        return _download(html_to_pdf(html), "application/pdf", stem, "pdf")
    except PdfUnavailable as exc:
        abort(503, str(exc))


@bp.route("/dashboard")
def dashboard():
    stamp = service.state_stamp(db.session, current_user)

    def build() -> dict:
        instrument = draft_service.current_instrument(db.session)
        report = service.status_report(db.session, current_user, instrument)
        body = rendered("reports/_dashboard_body.html", report=report, statuses=STATUSES, share_patterns=True)
        return {"body": body, "title": instrument.short_title, "generated_at": report.generated_at}

    return status_page("dashboard", stamp, "reports/dashboard.html", build)


@bp.route("/dashboard.pdf")
def dashboard_pdf():
    instrument = draft_service.current_instrument(db.session)
    report = service.status_report(db.session, current_user, instrument)
    return _pdf(
        "reports/dashboard_pdf.html",
        "mou-status-report",
        report=report,
        statuses=STATUSES,
        instrument=instrument,
        generated_at=report.generated_at,
    )


@bp.route("/meetings/<code>/pack")
def meeting_pack(code: str):
    stamp = service.state_stamp(db.session, current_user)

    def build() -> dict:
        pack = service.meeting_pack(db.session, current_user, code, newest_version_id=stamp.version_id)
        body = rendered("reports/_pack_body.html", pack=pack, instrument=pack.instrument, statuses=STATUSES)
        return {
            "body": body,
            "meeting_name": pack.milestone.name,
            "meeting_code": pack.milestone.code,
            "since_key": pack.since_key,
            "until_key": pack.until_key,
        }

    return status_page(f"pack:{code}", stamp, "reports/pack.html", build)


@bp.route("/meetings/<code>/pack.pdf")
def meeting_pack_pdf(code: str):
    pack = service.meeting_pack(db.session, current_user, code)
    return _pdf(
        "reports/pack_pdf.html",
        f"mou-meeting-pack-{pack.milestone.code}",
        pack=pack,
        instrument=pack.instrument,
        statuses=STATUSES,
        generated_at=pack.generated_at,
    )


@bp.route("/exports/clauses.csv")
def clauses_csv():
    instrument = draft_service.current_instrument(db.session)
    report = service.status_report(db.session, current_user, instrument)
    return _download(tables.clauses_csv(report), "text/csv", "mou-clauses", "csv")


@bp.route("/exports/amendments.csv")
def amendments_csv():
    instrument = draft_service.current_instrument(db.session)
    amendments = amendment_service.list_amendments(db.session, current_user)
    citations = draft_service.citations(db.session, current_user, instrument)
    return _download(tables.amendments_csv(amendments, citations, current_user), "text/csv", "mou-amendments", "csv")


def _languages(instrument) -> list[tuple[str, str]]:
    return [(lang.code, lang.name) for lang in instrument.languages]


@bp.route("/exports/draft.docx")
def draft_docx():
    """The draft, clean, as it stands now, at the end of a date, or as frozen for a meeting (?at=...)."""
    instrument = draft_service.current_instrument(db.session)
    point = redline_service.parse_point(db.session, request.args.get("at") or "now")
    if point.kind == "party":
        raise ValidationFailed("A party's proposals are exported as a redline: use the redline export instead.")
    if point.kind == "milestone":
        clauses = meetings_service.frozen_draft(db.session, meetings_service.get_milestone(db.session, point.value))
    else:
        as_of = redline_service.end_of_day(point.value) if point.kind == "date" else None
        clauses = draft_service.draft_as_of(db.session, current_user, instrument, as_of)
    if not clauses:
        raise ValidationFailed(f"The draft had no clauses yet at that point ({point.label.lower()}).")
    body = docx.clean_draft(instrument.title, point.label, clauses, _languages(instrument))
    return _download(body, DOCX, "mou-draft", "docx")


def _asked_redline():
    """The whole-draft redline between the points the address names (?from=...&to=...)."""
    old = redline_service.parse_point(db.session, request.args.get("from") or redline_service.default_start(db.session))
    new = redline_service.parse_point(db.session, request.args.get("to") or "now")
    return old, new, redline_service.whole_draft_redline(db.session, current_user, old, new)


@bp.route("/exports/redline.pdf")
def redline_pdf():
    """The whole-draft redline as a PDF a chair can print (deletions struck, insertions underlined, by party)."""
    instrument = draft_service.current_instrument(db.session)
    _old, _new, result = _asked_redline()
    return _pdf(
        "reports/redline_pdf.html",
        "mou-redline",
        result=result,
        instrument=instrument,
        only_changes=request.args.get("only") == "changes",
        generated_at=utcnow(),
    )


@bp.route("/exports/redline.docx")
def redline_docx():
    """Tracked changes between two points (?from=...&to=...), as native Word revisions."""
    instrument = draft_service.current_instrument(db.session)
    old, new, result = _asked_redline()
    subtitle = f"Tracked changes: {old.label} → {new.label}"
    body = docx.redlined_draft(instrument.title, subtitle, result.rows, _languages(instrument))
    return _download(body, DOCX, "mou-redline", "docx")
