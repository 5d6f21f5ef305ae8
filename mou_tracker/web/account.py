"""The signed-in user's own account: sign-in sessions, password, personal API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db
from ..services import api_tokens, sign_in_sessions
from ..services import users as user_service
from ..services.errors import ValidationFailed
from .forms import ApiTokenForm, ConfirmForm, PasswordChangeForm

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(form: ApiTokenForm, *, secret: str | None = None, status: int = 200):
    return (
        render_template(
            "account/tokens.html",
            form=form,
            tokens=api_tokens.tokens_of(db.session, current_user),
            secret=secret,
            confirm=ConfirmForm(),
        ),
        status,
    )


def _overview(password_form: PasswordChangeForm, *, status: int = 200):
    current = g.get("sign_in_session")
    return (
        render_template(
            "account/overview.html",
            sessions=sign_in_sessions.sessions_of(db.session, current_user),
            current_session_id=current.id if current is not None else None,
            password_form=password_form,
            confirm=ConfirmForm(),
        ),
        status,
    )


@bp.route("/")
def overview():
    return _overview(PasswordChangeForm(formdata=None))


@bp.route("/password", methods=["POST"])
def change_password():
    """Change one's own password: every other session ends, this browser stays signed in under a new session."""
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _overview(form, status=400)
    try:
        _row, secret = user_service.change_own_password(
            db.session,
            current_user,
            current_password=form.current.data,
            new_password=form.password.data,
            keep=g.get("sign_in_session"),
            user_agent=request.user_agent.string,
        )
    except ValidationFailed as exc:
        form.form_errors.append(exc.message)
        return _overview(form, status=400)
    db.session.commit()
    login_user(current_user._get_current_object())  # the account's session stamp changed with the password
    session[sign_in_sessions.SESSION_KEY] = secret
    flash(_("Your password is changed. You stay signed in here; every other session has ended."), "success")
    return redirect(url_for("account.overview"))


@bp.route("/sign-out-everywhere", methods=["POST"])
def sign_out_everywhere():
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("account.overview"))
    user_service.sign_out_everywhere(db.session, current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out everywhere: every session of your account has ended, this one too."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/tokens", methods=["GET", "POST"])
def tokens():
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400 if form.is_submitted() else 200)
    try:
        _token, secret = api_tokens.create_token(
            db.session, current_user, name=form.name.data, lifetime_days=form.lifetime_days.data
        )
    except ValidationFailed as exc:
        form.form_errors.append(exc.message)
        return _page(form, status=400)
    db.session.commit()
    # Shown in this response only: a flash message would carry the secret in the session cookie.
    return _page(ApiTokenForm(formdata=None), secret=secret)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int):
    if ConfirmForm().validate_on_submit():
        token = api_tokens.revoke_token(db.session, current_user, token_id)
        db.session.commit()
        flash(
            _("The token '%(name)s' is revoked: requests that use it are refused from now on.", name=token.name), "info"
        )
    return redirect(url_for("account.tokens"))
