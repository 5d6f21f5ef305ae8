"""The signed-in user's own account: personal API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..services import api_tokens
from ..services.errors import ValidationFailed
from .forms import ApiTokenForm, ConfirmForm

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
