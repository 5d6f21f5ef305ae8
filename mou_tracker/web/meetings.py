"""Meetings (SWG, SOC, signature): the frozen draft, outcomes per clause, the result."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..i18n import text_language, translate
from ..services import draft as draft_service
from ..services import meetings as service
from ..services import standing as standing_service
from ..services.errors import Conflict, ValidationFailed
from .forms import ConcludeForm, ConfirmForm, MeetingEditForm, OutcomeForm

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


@bp.route("/")
def index():
    return render_template("meetings/index.html", meetings=service.milestones(db.session), form=ConfirmForm())


@bp.route("/<code>")
def show(code: str):
    milestone = service.get_milestone(db.session, code)
    instrument = draft_service.current_instrument(db.session)
    return render_template(
        "meetings/show.html",
        milestone=milestone,
        instrument=instrument,
        clauses=service.frozen_draft(db.session, milestone),
        outcomes=service.outcomes(db.session, milestone),
        standing=standing_service.standings(db.session, current_user, instrument),
        text_lang=text_language(instrument, allow_both=False),
        outcome_form=OutcomeForm(),
        conclude_form=ConcludeForm(),
        edit_form=MeetingEditForm(obj=milestone),
        confirm_form=ConfirmForm(),
    )


@bp.route("/<code>/print")
def print_view(code: str):
    milestone = service.get_milestone(db.session, code)
    if milestone.state.value == "planned":
        abort(404, _("This meeting's draft has not been frozen yet."))
    instrument = draft_service.current_instrument(db.session)
    return render_template(
        "meetings/print.html",
        milestone=milestone,
        instrument=instrument,
        clauses=service.frozen_draft(db.session, milestone),
        outcomes=service.outcomes(db.session, milestone),
        lang=text_language(instrument, allow_both=False),
    )


def _done(code: str, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("meetings.show", code=code))


@bp.route("/<code>/freeze", methods=["POST"])
def freeze(code: str):
    if not ConfirmForm().validate_on_submit():
        abort(400, _("The form had expired; reload the page and try again."))
    milestone = service.freeze(db.session, current_user, code)
    return _done(
        code, _("The draft for the %(meeting)s is frozen. Record the outcome of each clause.", meeting=milestone.name)
    )


def _back_with(code: str, message, anchor: str = ""):
    """A refusal shown on the meeting page the chair came from (not on a bare error page)."""
    db.session.rollback()
    flash(translate(message), "error")
    return redirect(url_for("meetings.show", code=code) + anchor)


@bp.route("/<code>/outcomes/<wid>", methods=["POST"])
def record_outcome(code: str, wid: str):
    form = OutcomeForm()
    if not form.validate_on_submit():
        return _back_with(code, _("Choose an outcome."), f"#{wid}")
    try:
        entry = service.record_outcome(
            db.session,
            current_user,
            code,
            wid,
            outcome=service.parse_outcome(form.outcome.data),
            reserved_by=form.reserved_by.data,
            note=form.note.data,
        )
    except (ValidationFailed, Conflict) as exc:
        return _back_with(code, exc.message, f"#{wid}")
    db.session.commit()
    flash(_("Outcome recorded: %(outcome)s.", outcome=_(entry.outcome.label)), "success")
    return redirect(url_for("meetings.show", code=code) + f"#{wid}")


@bp.route("/<code>/conclude", methods=["POST"])
def conclude(code: str):
    form = ConcludeForm()
    if not form.validate_on_submit():
        return _back_with(code, _("Choose the meeting's result."), "#conclude")
    try:
        milestone = service.conclude(
            db.session, current_user, code, result=service.parse_result(form.result.data), note=form.note.data
        )
    except (ValidationFailed, Conflict) as exc:
        return _back_with(code, exc.message, "#conclude")
    return _done(
        code, _("The %(meeting)s is concluded: %(result)s.", meeting=milestone.name, result=_(milestone.result.label))
    )


@bp.route("/<code>/edit", methods=["POST"])
def edit(code: str):
    form = MeetingEditForm()
    if not form.validate_on_submit():
        raise ValidationFailed("; ".join(e for errors in form.errors.values() for e in errors))
    milestone = service.edit(db.session, current_user, code, name=form.name.data, date=form.date.data)
    return _done(code, _("%(meeting)s saved.", meeting=milestone.name))
