from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..core.clause_kinds import structure_actions
from ..extensions import db
from ..i18n import text_language, translate
from ..services import brackets as bracket_service
from ..services import draft as draft_service
from ..services import redlines as redline_service
from ..services import reports as report_service
from ..services import standing as standing_service
from ..services.errors import ValidationFailed
from . import parse_id
from .forms import ConfirmForm
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
    compared = versions_compared(history.versions, instrument.language_codes)
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
        brackets=bracket_service.clause_brackets(current) if current is not None and not current.is_deleted else None,
        bracket_form=ConfirmForm(),
    )


@bp.route("/clauses/<wid>/brackets", methods=["POST"])
def plain_brackets(wid: str):
    """The clause page's "not a negotiating bracket" toggles, sent at once."""
    back = url_for("draft.clause", wid=wid) + "#brackets-heading"
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired; reload the page and try again."), "error")
        return redirect(back)
    try:
        changed = bracket_service.set_plain_brackets(
            db.session, current_user, wid, request.form.getlist("listed"), set(request.form.getlist("plain"))
        )
    except ValidationFailed as exc:
        db.session.rollback()
        flash(translate(exc.message), "error")
        return redirect(back)
    db.session.commit()
    flash(
        ngettext("%(num)d bracket changed.", "%(num)d brackets changed.", changed)
        if changed
        else _("Nothing changed."),
        "success",
    )
    return redirect(back)


def versions_compared(versions, languages: list[str]):
    """Version `?from=` against version `?to=` of a clause, when the reader asked for it: (old, new, redlines)."""
    old_seq, new_seq = parse_id(request.args.get("from")), parse_id(request.args.get("to"))
    if old_seq is None or new_seq is None:
        return None
    return old_seq, new_seq, redline_service.compare_versions(db.session, versions, old_seq, new_seq, languages)
