"""Deadline forms: an amendment's reply-by date (its proposer), a meeting's deadline for written proposals (the
chair), and the chair's decision on a proposal tabled after it. Each answers on the page it was sent from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, Flask, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import deadlines as rules
from ..core import permissions
from ..core.messages import N_, Message
from ..core.milestones import MilestoneState
from ..core.workflow import AmendmentState
from ..extensions import db
from ..i18n import translate
from ..models import Amendment, Milestone
from ..services import deadlines as service
from ..services import meetings as meetings_service
from ..services.audit_trail import parse_date
from ..services.errors import Conflict, ValidationFailed
from . import safe_next
from .forms import ConfirmForm

bp = Blueprint("deadlines", __name__)


def parse_day(raw: str | None, label: str) -> dt.date | None:
    """A date field of a form: empty is None; anything not a date is refused with the field's name."""
    return parse_date((raw or "").strip() or None, label)


def reply_by_from(form) -> dt.date | None:
    return parse_day(form.get("reply_by"), Message(N_("The reply-by date")))


def _checked() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400, _("The form had expired; reload the page and try again."))


def _refused(target: str, error) -> object:
    """Nothing was changed: the message on the page the user came from."""
    db.session.rollback()
    flash(translate(error.message), "error")
    return redirect(target)


@bp.route("/amendments/<int:amendment_id>/reply-by", methods=["POST"])
def reply_by(amendment_id: int):
    _checked()
    back = url_for("amendments.show", amendment_id=amendment_id) + "#deadline"
    try:
        day = reply_by_from(request.form)
        amendment = service.set_reply_by(db.session, current_user, amendment_id, day)
    except (ValidationFailed, Conflict) as error:
        return _refused(back, error)
    db.session.commit()
    if amendment.reply_by:
        flash(
            _(
                "Reply-by date of %(citation)s: %(day)s.",
                citation=translate(amendment.citation),
                day=amendment.reply_by.isoformat(),
            ),
            "success",
        )
    else:
        flash(_("%(citation)s has no reply-by date now.", citation=translate(amendment.citation)), "success")
    return redirect(back)


@bp.route("/meetings/<code>/proposals-deadline", methods=["POST"])
def proposals_deadline(code: str):
    _checked()
    back = url_for("meetings.show", code=code) + "#deadline"
    milestone = meetings_service.get_milestone(db.session, code)
    try:
        day = parse_day(request.form.get("proposals_deadline"), Message(N_("The deadline for written proposals")))
        service.set_proposals_deadline(db.session, current_user, milestone, day)
    except ValidationFailed as error:
        return _refused(back, error)
    db.session.commit()
    meeting = translate(milestone.local_name)
    if milestone.proposals_deadline:
        flash(
            _(
                "Written proposals for the %(meeting)s are due by %(day)s.",
                meeting=meeting,
                day=milestone.proposals_deadline.isoformat(),
            ),
            "success",
        )
    else:
        flash(_("The %(meeting)s has no deadline for written proposals now.", meeting=meeting), "success")
    return redirect(back)


@bp.route("/amendments/<int:amendment_id>/late", methods=["POST"])
def decide_late(amendment_id: int):
    _checked()
    back = request.form.get("back") or ""
    # Back to the meeting page or the amendment, whichever sent the form (never to another site).
    target = safe_next(back) or url_for("amendments.show", amendment_id=amendment_id)
    try:
        decision = rules.LateDecision(request.form.get("decision") or "")
    except ValueError:
        return _refused(
            target, ValidationFailed(N_("Choose whether to admit the proposal or leave it to the next meeting."))
        )
    try:
        amendment = service.decide_late(db.session, current_user, amendment_id, decision)
    except (ValidationFailed, Conflict) as error:
        return _refused(target, error)
    db.session.commit()
    flash(
        _("%(citation)s: %(decision)s.", citation=translate(amendment.citation), decision=_(decision.label)), "success"
    )
    return redirect(target)


# What the templates are told --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AmendmentDeadline:
    """What the amendment page shows of its deadlines, and which forms it offers to the reader."""

    reply_by: dt.date | None
    overdue: bool
    can_set_reply_by: bool
    late_for: Milestone | None
    late_decision: rules.LateDecision | None
    can_decide_late: bool
    #: For the tabling form of a draft: the date proposed when the proposer leaves it empty.
    default_reply_by: dt.date | None
    #: For the tabling form: the proposal would be late for this meeting if tabled today.
    would_be_late_for: Milestone | None


def amendment_deadline(amendment: Amendment) -> AmendmentDeadline:
    today = service.today()
    meetings = service.meetings_of(db.session, amendment.instrument_id)
    upcoming = service.next_meeting(meetings)
    drafting = amendment.state is AmendmentState.draft
    late_for = amendment.late_for
    return AmendmentDeadline(
        reply_by=amendment.reply_by,
        overdue=amendment.state is AmendmentState.tabled and rules.has_passed(amendment.reply_by, today),
        can_set_reply_by=amendment.state is AmendmentState.tabled
        and permissions.is_negotiator_for(current_user, amendment.party_id),
        late_for=late_for,
        late_decision=amendment.late_decision,
        can_decide_late=late_for is not None
        and late_for.state is not MilestoneState.concluded
        and permissions.can_chair(current_user),
        default_reply_by=service.default_reply_by(db.session, amendment.instrument_id, today, meetings=meetings)
        if drafting
        else None,
        would_be_late_for=upcoming
        if drafting and upcoming is not None and rules.is_late(today, upcoming.proposals_deadline)
        else None,
    )


@dataclass(frozen=True)
class MeetingDeadline:
    deadline: dt.date | None
    passed: bool
    can_set: bool
    late: list[Amendment]
    can_decide: bool


def meeting_deadline(milestone: Milestone) -> MeetingDeadline:
    concluded = milestone.state is MilestoneState.concluded
    chair = permissions.can_chair(current_user)
    return MeetingDeadline(
        deadline=milestone.proposals_deadline,
        passed=rules.has_passed(milestone.proposals_deadline, service.today()),
        can_set=chair and not concluded,
        # Only a meeting with a deadline has proposals late for it (one query fewer on every other meeting's page).
        late=service.late_proposals(db.session, milestone.instrument_id, [milestone.id])
        if milestone.proposals_deadline
        else [],
        can_decide=chair and not concluded,
    )


def install(app: Flask) -> None:
    """The deadline flags as template functions: the amendment and meeting pages read them without their views
    computing them (those views belong to other modules)."""
    app.add_template_global(amendment_deadline, "amendment_deadline")
    app.add_template_global(meeting_deadline, "meeting_deadline")
    app.add_template_global(ConfirmForm, "deadline_form")
    app.jinja_env.globals["late_decisions"] = list(rules.LateDecision)
