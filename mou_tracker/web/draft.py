from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..extensions import db
from ..services import draft as draft_service
from ..services import redlines as redline_service
from ..services import standing as standing_service

bp = Blueprint("draft", __name__)


def _language(instrument) -> str:
    """The language of the clause texts: ?lang= if the instrument has it ('both' shows the languages side by
    side), else the reader's interface language where the instrument is drafted in it, else its first."""
    requested = request.args.get("lang") or current_user.language
    if requested == "both" or requested in instrument.language_codes:
        return requested
    return instrument.language_codes[0]


@bp.route("/")
def index():
    instrument = draft_service.current_instrument(db.session)
    clauses = draft_service.draft_as_of(db.session, current_user, instrument)
    return render_template(
        "draft/index.html",
        instrument=instrument,
        clauses=clauses,
        outdated_translations=[item for item in clauses if item.outdated_translations],
        lang=_language(instrument),
        standing=standing_service.standings(db.session, current_user, instrument),
    )


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
    standing = standing_service.standings(db.session, current_user, instrument).get(history.clause.id)
    since = None
    if standing and standing.changed_since:
        meeting, then = standing.changed_since
        since = (meeting, redline_service.version_redlines(then, current, instrument.language_codes))
    return render_template(
        "draft/clause.html",
        instrument=instrument,
        history=history,
        readings=readings,
        standing=standing,
        since=since,
        lang=_language(instrument),
    )
