"""Account administration. Administrators manage the accounts of their own party; the platform operator (an
administrator of no party) manages every account. The rules are in core.permissions, enforced by services.users."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from ..core.clearance import DEFAULT_FOR_NEW_NEGOTIATIONS, ClearanceRule
from ..core.roles import Role
from ..extensions import db
from ..services import negotiations as negotiation_service
from ..services import users as user_service
from ..services.errors import ValidationFailed
from .forms import ConfirmForm, FlaskForm, NegotiationForm, PasswordResetForm, UserCreateForm, UserEditForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _clearance_field(default: ClearanceRule) -> RadioField:
    return RadioField(
        _l("Legal clearance for adoption"),
        choices=[SelectChoice(rule.value, _l(rule.label)) for rule in ClearanceRule],
        default=default.value,
        validators=[DataRequired()],
        description=_l(
            "Whose legal clearance an amendment needs before it enters the draft: any legal reviewer's, or that of "
            "each party's own legal office (a reviewer of each party clears the same revision)."
        ),
    )


class NegotiationWithRulesForm(NegotiationForm):
    """Opening a negotiation, with the workflow rules it follows."""

    clearance_rule = _clearance_field(DEFAULT_FOR_NEW_NEGOTIATIONS)


class NegotiationSettingsForm(FlaskForm):
    clearance_rule = _clearance_field(DEFAULT_FOR_NEW_NEGOTIATIONS)
    submit = SubmitField(_l("Save the settings"))


def _offer_parties(form) -> None:
    """The party choices: the administrator's own party, or every party (and none) for the platform operator."""
    form.set_party_choices(
        user_service.assignable_parties(db.session, current_user),
        allow_none=user_service.may_leave_without_party(current_user),
    )


def _edit_page(form, reset_form, account, status: int, assignment_error=None):
    negotiations = negotiation_service.assignable_negotiations(db.session, current_user)
    return (
        render_template(
            "admin/user_edit.html",
            form=form,
            reset_form=reset_form,
            account=account,
            is_self=account.id == current_user.id,
            negotiations=negotiations,
            assigned=negotiation_service.assigned_ids(db.session, account),
            assignment_form=ConfirmForm(prefix="assign"),
            assignment_error=assignment_error,
        ),
        status,
    )


@bp.route("/users")
def users():
    accounts = user_service.list_users(db.session, current_user)
    return render_template("admin/users.html", accounts=accounts, scope_party=current_user.party)


@bp.route("/users/new", methods=["GET", "POST"])
def create_user():
    user_service.require_user_manager(current_user)
    form = UserCreateForm()
    _offer_parties(form)
    if form.validate_on_submit():
        try:
            user = user_service.create_user(
                db.session,
                current_user,
                login=form.login.data,
                display_name=form.display_name.data,
                role=Role(form.role.data),
                party_id=form.party_id.data,
                password=form.password.data,
            )
        except ValidationFailed as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Account %(login)s created.", login=user.login), "success")
            return redirect(url_for("admin.users"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/user_form.html", form=form, title=_("New user")), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    account = user_service.manageable_user(db.session, current_user, user_id)
    form = UserEditForm(obj=account)
    _offer_parties(form)
    reset_form = PasswordResetForm(prefix="reset")
    if form.validate_on_submit():
        try:
            user_service.update_user(
                db.session,
                current_user,
                account.id,
                display_name=form.display_name.data,
                role=Role(form.role.data),
                party_id=form.party_id.data,
                active=form.active.data,
            )
        except ValidationFailed as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Account %(login)s saved.", login=account.login), "success")
            return redirect(url_for("admin.users"))
    return _edit_page(form, reset_form, account, 400 if form.is_submitted() else 200)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
def reset_password(user_id: int):
    account = user_service.manageable_user(db.session, current_user, user_id)
    reset_form = PasswordResetForm(prefix="reset")
    if reset_form.validate_on_submit():
        try:
            _user, revoked = user_service.reset_password(db.session, current_user, account.id, reset_form.password.data)
        except ValidationFailed as exc:
            reset_form.form_errors.append(exc.message)
        else:
            db.session.commit()
            if revoked:
                message = ngettext(
                    "The password of %(login)s was reset; their open sessions have ended and their %(num)d API "
                    "token was revoked.",
                    "The password of %(login)s was reset; their open sessions have ended and their %(num)d API "
                    "tokens were revoked.",
                    revoked,
                    login=account.login,
                )
            else:
                message = _("The password of %(login)s was reset; their open sessions have ended.", login=account.login)
            flash(message, "success")
            return redirect(url_for("admin.users"))
    form = UserEditForm(obj=account, formdata=None)
    _offer_parties(form)
    return _edit_page(form, reset_form, account, 400)


@bp.route("/negotiations/new", methods=["GET", "POST"])
def create_negotiation():
    """Open a new negotiation: its parties, languages and meetings; its draft is imported next."""
    user_service.require_user_manager(current_user)
    form = NegotiationWithRulesForm()
    form.party_ids.choices = [(p.id, f"{p.code} – {p.name}") for p in user_service.list_parties(db.session)]
    form.assigned_user_ids.choices = [
        (u.id, f"{u.display_name} ({u.login}, {_(u.role.label)})")
        for u in user_service.list_users(db.session, current_user)
        if u.role.works_by_assignment and u.id != current_user.id
    ]
    if not form.is_submitted() and current_user.party_id:
        form.party_ids.data = [current_user.party_id]
    if form.validate_on_submit():
        new_parties = []
        if form.new_party_code.data or form.new_party_name.data:
            new_parties.append(negotiation_service.NewParty(form.new_party_code.data, form.new_party_name.data))
        try:
            instrument = negotiation_service.create_negotiation(
                db.session,
                current_user,
                title=form.title.data,
                short_title=form.short_title.data,
                slug=form.slug.data,
                party_ids=form.party_ids.data or [],
                new_parties=new_parties,
                authoritative_language=form.authoritative_language.data,
                other_languages=(form.other_languages.data or "").replace(";", ",").split(","),
                meetings=negotiation_service.parse_meetings(form.meetings.data),
                assigned_user_ids=form.assigned_user_ids.data or [],
                clearance_rule=form.clearance_rule.data,
            )
        except ValidationFailed as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("%(title)s is open. Its draft can be imported next.", title=instrument.short_title), "success")
            return redirect(url_for("negotiations.index"))
    return render_template("admin/negotiation_form.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/negotiations/<slug>/settings", methods=["GET", "POST"])
def negotiation_settings(slug: str):
    """A negotiation's workflow rules: whose legal clearance adoption needs."""
    user_service.require_user_manager(current_user)
    instrument = negotiation_service.open_negotiation(db.session, current_user, slug)
    form = NegotiationSettingsForm()
    if not form.is_submitted():
        form.clearance_rule.data = instrument.clearance_rule.value
    if form.validate_on_submit():
        changed = negotiation_service.set_clearance_rule(db.session, current_user, instrument, form.clearance_rule.data)
        db.session.commit()
        if changed:
            flash(_("The settings of %(title)s are saved.", title=instrument.short_title), "success")
        return redirect(url_for("admin.negotiation_settings", slug=slug))
    return render_template("admin/negotiation_settings.html", form=form, instrument=instrument), (
        400 if form.is_submitted() else 200
    )


@bp.route("/users/<int:user_id>/negotiations", methods=["POST"])
def assign_negotiations(user_id: int):
    """The negotiations a chair, legal reviewer or administrator works on (among those the administrator may open)."""
    account = user_service.manageable_user(db.session, current_user, user_id)
    if not ConfirmForm(prefix="assign").validate_on_submit():
        abort(400, _("The form had expired or was sent from elsewhere. Go back, reload the page and try again."))
    chosen = request.form.getlist("negotiation_ids")
    if not all(value.isascii() and value.isdigit() and len(value) < 10 for value in chosen):
        abort(400, _("Choose negotiations from the list."))
    try:
        negotiation_service.set_assignments(db.session, current_user, account, [int(value) for value in chosen])
    except ValidationFailed as exc:
        db.session.rollback()
        form = UserEditForm(obj=account, formdata=None)
        _offer_parties(form)
        return _edit_page(form, PasswordResetForm(prefix="reset"), account, 400, assignment_error=exc.message)
    db.session.commit()
    flash(_("The negotiations of %(login)s are saved.", login=account.login), "success")
    return redirect(url_for("admin.edit_user", user_id=account.id))
