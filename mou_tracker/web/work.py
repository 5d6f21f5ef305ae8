"""The audit trail and each user's own work list."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from ..core.messages import N_, Message
from ..core.paging import page_number
from ..extensions import db
from ..models.base import utcnow
from ..services import audit_trail
from ..services import draft as draft_service
from ..services.my_work import my_work

bp = Blueprint("work", __name__)


def _filter() -> audit_trail.AuditFilter:
    args = request.args
    return audit_trail.AuditFilter(
        clause_wid=args.get("clause") or None,
        party_code=args.get("party") or None,
        user_login=args.get("user") or None,
        kind=args.get("kind") or None,
        date_from=audit_trail.parse_date(args.get("from"), Message(N_("The start date"))),
        date_to=audit_trail.parse_date(args.get("to"), Message(N_("The end date"))),
    )


@bp.route("/audit")
def audit():
    wanted = _filter()
    rows = audit_trail.events(db.session, current_user, wanted)
    return render_template(
        "work/audit.html",
        rows=rows,
        wanted=wanted,
        wids=audit_trail.clause_wids(db.session, rows),
        page_size=audit_trail.PAGE_SIZE,
    )


@bp.route("/audit.csv")
def audit_csv():
    rows = audit_trail.events(db.session, current_user, _filter(), limit=None)
    body = audit_trail.to_csv(rows, audit_trail.clause_wids(db.session, rows))
    filename = f"mou-audit-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/my-work")
def my_work_page():
    instrument = draft_service.current_instrument(db.session)
    return render_template(
        "work/my_work.html",
        work=my_work(db.session, current_user, review_page=page_number(request.args.get("page"))),
        citations=draft_service.citations(db.session, current_user, instrument),
    )
