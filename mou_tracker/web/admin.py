from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.roles import Role
from ..extensions import db
from ..services import users as user_service
from ..services.errors import ValidationFailed
from .forms import PasswordResetForm, UserCreateForm, UserEditForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
def users():
    accounts = user_service.list_users(db.session, current_user)
    return render_template("admin/users.html", accounts=accounts)


@bp.route("/users/new", methods=["GET", "POST"])
def create_user():
    user_service.require_user_manager(current_user)
    form = UserCreateForm()
    form.set_party_choices(user_service.list_parties(db.session))
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
    return render_template("admin/user_form.html", form=form, title="New user"), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user_service.require_user_manager(current_user)
    account = user_service.get_user(db.session, user_id)
    form = UserEditForm(obj=account)
    form.set_party_choices(user_service.list_parties(db.session))
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
    status = 400 if form.is_submitted() else 200
    return render_template("admin/user_edit.html", form=form, reset_form=reset_form, account=account), status


@bp.route("/users/<int:user_id>/password", methods=["POST"])
def reset_password(user_id: int):
    user_service.require_user_manager(current_user)
    account = user_service.get_user(db.session, user_id)
    reset_form = PasswordResetForm(prefix="reset")
    if reset_form.validate_on_submit():
        try:
            user_service.reset_password(db.session, current_user, account.id, reset_form.password.data)
        except ValidationFailed as exc:
            reset_form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(
                _("The password of %(login)s was reset; their open sessions have ended.", login=account.login),
                "success",
            )
            return redirect(url_for("admin.users"))
    form = UserEditForm(obj=account, formdata=None)
    form.set_party_choices(user_service.list_parties(db.session))
    return render_template("admin/user_edit.html", form=form, reset_form=reset_form, account=account), 400
