"""Meetings (SWG, SOC, signature): the frozen draft, outcomes per clause, the result."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from ..core import permissions
from ..core.milestones import Outcome, can_manage_delegations
from ..core.status import ClauseStatus
from ..extensions import db
from ..i18n import text_language, translate
from ..services import draft as draft_service
from ..services import meetings as service
from ..services import standing as standing_service
from ..services.amendments import TextInput
from ..services.errors import Conflict, ValidationFailed
from .forms import (
    ConcludeForm,
    ConfirmForm,
    DelegationForm,
    DelegationProposalForm,
    MeetingEditForm,
    MeetingOutcomesForm,
    OutcomeForm,
)

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


@bp.route("/")
def index():
    return render_template("meetings/index.html", meetings=service.milestones(db.session), form=ConfirmForm())


@bp.route("/delegations")
def delegations():
    return _delegations_page(DelegationForm(), DelegationProposalForm())


def _delegations_page(form, proposal_form, status: int = 200):
    instrument = draft_service.current_instrument(db.session)
    return render_template(
        "meetings/delegations.html",
        instrument=instrument,
        delegations=service.delegations(db.session),
        form=form,
        proposal_form=proposal_form,
        clauses=draft_service.draft_as_of(db.session, current_user, instrument),
        can_manage=can_manage_delegations(current_user.role, current_user.active),
        can_chair=permissions.can_chair(current_user),
    ), status


@bp.route("/delegations", methods=["POST"])
def add_delegation():
    form = DelegationForm()
    if not form.validate_on_submit():
        return _delegations_page(form, DelegationProposalForm(), 400)
    try:
        delegation = service.add_delegation(
            db.session, current_user, name=form.name.data, names={"ru": form.name_ru.data or ""}
        )
    except ValidationFailed as exc:
        db.session.rollback()
        form.name.errors = [translate(exc.message)]
        return _delegations_page(form, DelegationProposalForm(), 400)
    db.session.commit()
    flash(_("Delegation added: %(name)s.", name=delegation.name_in(str(get_locale() or "en"))), "success")
    return redirect(url_for("meetings.delegations"))


@bp.route("/delegations/proposals", methods=["POST"])
def enter_proposal():
    form = DelegationProposalForm()
    if not form.validate_on_submit():
        return _delegations_page(DelegationForm(), form, 400)
    languages = draft_service.current_instrument(db.session).language_codes
    sent = {"en": form.body_en.data, "ru": form.body_ru.data}
    texts = {lang: TextInput(None, body) for lang, body in sent.items() if (body or "").strip() and lang in languages}
    try:
        amendment = service.enter_delegation_proposal(
            db.session, current_user, form.delegation_id.data, form.wid.data, texts, form.rationale.data
        )
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        form.body_en.errors = [translate(exc.message)]
        return _delegations_page(DelegationForm(), form, 400)
    db.session.commit()
    flash(
        _("%(citation)s tabled: the delegation's proposal is open for answer.", citation=amendment.citation), "success"
    )
    return redirect(url_for("amendments.show", amendment_id=amendment.id))


@bp.route("/<code>")
def show(code: str):
    return _meeting_page(code)


def _meeting_page(
    code: str,
    *,
    kept: dict | None = None,
    errors: dict | None = None,
    refusal=None,
    status=200,
    brackets_to_confirm: dict[str, int] | None = None,
):
    """The meeting page; after a refused whole-meeting form, with the chair's choices `kept` as they sent them (and
    `brackets_to_confirm`, {wid: open brackets}, when endorsing bracketed clauses awaits the chair's confirmation)."""
    meetings = service.milestones(db.session)
    milestone = service.find_in(meetings, code)
    instrument = draft_service.current_instrument(db.session)
    clauses = service.frozen_draft(db.session, milestone)
    recorded = service.outcomes(db.session, milestone)
    standing = standing_service.standings(db.session, current_user, instrument, meetings=meetings)
    bracketed = {cid for cid, s in standing.items() if s.status is ClauseStatus.bracketed}
    proposed = service.proposed_outcomes(recorded, bracketed, [item.clause.id for item in clauses])
    outcomes_form = MeetingOutcomesForm(meeting_version=milestone.lock_version)
    outcomes_form.meeting_version.data = milestone.lock_version
    return render_template(
        "meetings/show.html",
        milestone=milestone,
        instrument=instrument,
        clauses=clauses,
        outcomes=recorded,
        proposed=proposed,
        kept=kept or {},
        errors=errors or {},
        refusal=refusal,
        brackets_to_confirm=brackets_to_confirm or {},
        reservers=service.reservers(db.session),
        outcome_choices=[(o.value, o.label) for o in Outcome],
        standing=standing,
        text_lang=text_language(instrument, allow_both=False),
        outcomes_form=outcomes_form,
        conclude_form=ConcludeForm(),
        edit_form=MeetingEditForm(obj=milestone),
        confirm_form=ConfirmForm(),
    ), status


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
        code,
        _(
            "The draft for the %(meeting)s is frozen. Record the outcome of each clause.",
            meeting=translate(milestone.local_name),
        ),
    )


def _back_with(code: str, message, anchor: str = ""):
    """A refusal shown on the meeting page the chair came from (not on a bare error page)."""
    db.session.rollback()
    flash(translate(message), "error")
    return redirect(url_for("meetings.show", code=code) + anchor)


@bp.route("/<code>/outcomes/<wid>", methods=["POST"])
def record_outcome(code: str, wid: str):
    """One clause's outcome. A refusal comes back on the meeting page with what the chair typed kept in that
    clause's row (as the whole-meeting form does), never lost behind a redirect."""
    form = OutcomeForm()
    kept = {wid: service.OutcomeChoice(wid, form.outcome.data, form.reserved_by.data or "", form.note.data or "")}
    if not form.validate_on_submit():
        db.session.rollback()
        message = _("Choose an outcome.")
        return _meeting_page(code, kept=kept, errors={wid: message}, refusal=message, status=400)
    try:
        entry = service.record_outcome(
            db.session,
            current_user,
            code,
            wid,
            outcome=service.parse_outcome(form.outcome.data),
            reserved_by=form.reserved_by.data,
            note=form.note.data,
            confirm_brackets=request.form.get("confirm_brackets") == "yes",
        )
    except service.BracketsNeedConfirmation as exc:
        db.session.rollback()
        return _meeting_page(
            code, kept=kept, refusal=translate(exc.message), status=400, brackets_to_confirm=exc.clauses
        )
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        message = translate(exc.message)
        return _meeting_page(code, kept=kept, errors={wid: message}, refusal=message, status=exc.status_code)
    db.session.commit()
    flash(_("Outcome recorded: %(outcome)s.", outcome=_(entry.outcome.label)), "success")
    return redirect(url_for("meetings.show", code=code) + f"#{wid}")


@bp.route("/<code>/outcomes", methods=["POST"])
def record_outcomes(code: str):
    """The whole meeting in one submission: refused as a whole (nothing recorded), the form kept as sent."""
    form = MeetingOutcomesForm()
    milestone = service.get_milestone(db.session, code)
    wids = [item.clause.wid for item in service.frozen_draft(db.session, milestone)]
    sent = request.form
    choices = [
        service.OutcomeChoice(
            wid, sent.get(f"outcome-{wid}"), sent.get(f"reserved_by-{wid}", ""), sent.get(f"note-{wid}", "")
        )
        for wid in wids
        if f"outcome-{wid}" in sent
    ]
    kept = {c.wid: c for c in choices}
    if not form.validate_on_submit():
        db.session.rollback()
        return _meeting_page(
            code, kept=kept, refusal=_("The form had expired; reload the page and try again."), status=400
        )
    try:
        version = int(form.meeting_version.data)
    except (TypeError, ValueError):
        version = None
    try:
        changed = service.record_outcomes(
            db.session,
            current_user,
            code,
            choices,
            expected_version=version,
            confirm_brackets=sent.get("confirm_brackets") == "yes",
        )
    except service.BracketsNeedConfirmation as exc:
        db.session.rollback()
        return _meeting_page(
            code, kept=kept, refusal=translate(exc.message), status=400, brackets_to_confirm=exc.clauses
        )
    except service.OutcomeChoicesInvalid as exc:
        db.session.rollback()
        errors = {wid: translate(message) for wid, message in exc.errors.items()}
        return _meeting_page(code, kept=kept, errors=errors, refusal=translate(exc.message), status=400)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        return _meeting_page(code, kept=kept, refusal=translate(exc.message), status=exc.status_code)
    db.session.commit()
    flash(
        ngettext("Outcome recorded for %(num)d clause.", "Outcomes recorded for %(num)d clauses.", changed)
        if changed
        else _("Nothing changed: the outcomes were already recorded as chosen."),
        "success",
    )
    return redirect(url_for("meetings.show", code=code) + "#outcomes-heading")


@bp.route("/<code>/conclude", methods=["POST"])
def conclude(code: str):
    form = ConcludeForm()
    if not form.validate_on_submit():
        return _back_with(code, _("Choose the meeting's result."), "#conclude")
    try:
        result = service.parse_result(form.result.data)
        milestone = service.conclude(db.session, current_user, code, result=result, note=form.note.data)
    except (ValidationFailed, Conflict) as exc:
        return _back_with(code, exc.message, "#conclude")
    return _done(
        code,
        _(
            "The %(meeting)s is concluded: %(result)s.",
            meeting=translate(milestone.local_name),
            result=_(result.label),
        ),
    )


@bp.route("/<code>/edit", methods=["POST"])
def edit(code: str):
    form = MeetingEditForm()
    if not form.validate_on_submit():
        raise ValidationFailed("; ".join(e for errors in form.errors.values() for e in errors))
    milestone = service.edit(db.session, current_user, code, name=form.name.data, date=form.date.data)
    return _done(code, _("%(meeting)s saved.", meeting=translate(milestone.local_name)))
