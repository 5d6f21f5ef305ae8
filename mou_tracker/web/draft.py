from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..core.clause_kinds import structure_actions
from ..extensions import db
from ..i18n import text_language
from ..services import draft as draft_service
from ..services import redlines as redline_service
from ..services import reports as report_service
from ..services import standing as standing_service
from . import parse_id
from .page_cache import rendered, status_page

bp = Blueprint("draft", __name__)


def _language(instrument) -> str:
    return text_language(instrument, request.args.get("lang"))


@bp.route("/")
def index():
    stamp = report_service.state_stamp(db.session, current_user)
    instrument = draft_service.current_instrument(db.session)
    lang = _language(instrument)

    def build() -> dict:
        clauses = draft_service.draft_as_of(db.session, current_user, instrument)
        standing = standing_service.standings(
            db.session, current_user, instrument, current={item.clause.id: item.version for item in clauses}
        )
        return {
            "body": rendered(
                "draft/_clauses.html",
                instrument=instrument,
                clauses=clauses,
                lang=lang,
                standing=standing,
                link_clauses=True,
            ),
            "clause_count": len(clauses),
            "outdated_count": sum(1 for item in clauses if item.outdated_translations),
        }

    return status_page(f"draft:{lang}", stamp, "draft/index.html", build, instrument=instrument, lang=lang)


@bp.route("/print")
def print_view():
    instrument = draft_service.current_instrument(db.session)
    clauses = draft_service.draft_as_of(db.session, current_user, instrument)
    return render_template("draft/print.html", instrument=instrument, clauses=clauses, lang=_language(instrument))


@bp.route("/clauses/<wid>")
def clause(wid: str):
    history = draft_service.clause_history(db.session, current_user, wid)
    instrument = draft_service.current_instrument(db.session)
    current = history.current.version if history.current else None
    readings = redline_service.clause_readings(db.session, current_user, history.clause, current)
    standing = standing_service.clause_standing(
        db.session,
        current_user,
        instrument,
        history.clause,
        current or history.versions[0],
        [reading.amendment for reading in readings],
    )
    since = None
    if standing.changed_since:
        meeting, then = standing.changed_since
        since = (meeting, redline_service.version_redlines(then, current, instrument.language_codes))
    compared = None
    old_seq, new_seq = parse_id(request.args.get("from")), parse_id(request.args.get("to"))
    if old_seq is not None and new_seq is not None:
        compared = (
            old_seq,
            new_seq,
            redline_service.compare_versions(db.session, history.versions, old_seq, new_seq, instrument.language_codes),
        )
    return render_template(
        "draft/clause.html",
        instrument=instrument,
        history=history,
        version_steps=redline_service.version_history(db.session, history.versions, instrument.language_codes),
        compared=compared,
        readings=readings,
        standing=standing,
        since=since,
        lang=_language(instrument),
        heading_lang=text_language(instrument, request.args.get("lang"), allow_both=False),
        structure=structure_actions(history.clause.kind, history.clause.parent.kind if history.clause.parent else None),
    )
