"""The audit trail and each user's own work list."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import force_locale
from flask_login import current_user

from ..core.messages import N_, Message
from ..core.paging import page_number
from ..exports import akn
from ..extensions import db
from ..i18n import translate, translate_citation
from ..models.base import utcnow
from ..services import audit as audit_events
from ..services import audit_trail, record, search
from ..services import draft as draft_service
from ..services import meetings as meetings_service
from ..services.errors import ValidationFailed
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


def _summaries_in_language():
    """Each event's summary in the reader's language (services.audit.summary_message), meetings by their names
    in that language."""
    names: dict[str, str] = {}

    def meeting_name(stored: str) -> str:
        if not names:  # read once, and only for a page whose events name a meeting
            names.update({m.name: translate(m.local_name) for m in meetings_service.milestones(db.session)})
        return names.get(stored, stored)

    return lambda event: translate(audit_events.summary_message(event.kind, event.summary, meeting_name))


@bp.route("/audit")
def audit():
    wanted = _filter()
    rows, pages = audit_trail.page_of_events(
        db.session, current_user, wanted, page=page_number(request.args.get("page"))
    )
    return render_template(
        "work/audit.html",
        rows=rows,
        pages=pages,
        wanted=wanted,
        wids=audit_trail.clause_wids(db.session, rows),
        filters={key: value for key, value in request.args.items() if key != "page"},
        summary_of=_summaries_in_language(),
    )


@bp.route("/audit.csv")
def audit_csv():
    rows = audit_trail.all_events(db.session, current_user, _filter())
    body = audit_trail.to_csv(rows, audit_trail.clause_wids(db.session, rows), summary_of=_summaries_in_language())
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


@bp.route("/search")
def search_page():
    """Search the negotiation; a query the service refuses is answered on this page, the query kept."""
    args = request.args
    instrument = draft_service.current_instrument(db.session)
    kind = args.get("kind") or None
    asked = args.get("q", "").strip()
    results = error = None
    if asked:
        try:
            wanted = search.SearchFilter(
                query=asked,
                kind=search.SearchKind(kind) if kind in search.SearchKind.__members__ else None,
                party_code=args.get("party") or None,
                date_from=audit_trail.parse_date(args.get("from"), Message(N_("The start date"))),
                date_to=audit_trail.parse_date(args.get("to"), Message(N_("The end date"))),
                page=page_number(args.get("page")),
            )
            results = search.search(db.session, current_user, wanted)
        except ValidationFailed as refused:
            error = refused
    return render_template(
        "search/results.html",
        asked=asked,
        args=args,
        results=results,
        error=error,
        kinds=list(search.SearchKind),
        parties=[link.party for link in instrument.party_links],
        citations=draft_service.citations(db.session, current_user, instrument) if results else {},
    )


def _label_in(label: str, language: str, case: str | None = None) -> str:
    """A clause label in the document's language, whatever the reader's interface language."""
    with force_locale(language):
        return translate_citation(label, case) or label


def _say_in(message: Message, language: str) -> str:
    """A sentence of the document in its language, whatever the reader's interface language."""
    with force_locale(language):
        return translate(message)


@bp.route("/exports/akoma-ntoso.xml")
def akoma_ntoso():
    """The current draft as an Akoma Ntoso 3.0 expression in one language (?language=en, the first by default),
    with the open tabled amendments as amendment documents (?amendments=tabled, the default) or without
    (?amendments=none). The API's export_akoma_ntoso serves this very view."""
    instrument = draft_service.current_instrument(db.session)
    language = request.args.get("language") or instrument.languages[0].code
    shown = record.amendments_shown(request.args.get("amendments"))
    document = record.akn_document(
        db.session, current_user, language, label_in=_label_in, say_in=_say_in, amendments=shown
    )
    filename = f"{instrument.slug}_akn_{language}_{document.as_of.isoformat()}.xml"
    return Response(
        akn.expression(document),
        mimetype="application/akn+xml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
