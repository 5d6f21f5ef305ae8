from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..core.messages import N_
from ..extensions import db, limiter
from ..i18n import SESSION_KEY
from ..services import users as user_service
from .forms import ConfirmForm, LanguageForm, LoginForm

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = N_("The login or the password is not correct, or the account is not active.")


def safe_next(target: str | None) -> str | None:
    """Follow `next` only to a path on this site: no scheme, no host, no protocol-relative '//' or '\\' tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _login_key() -> str:
    """Count sign-in attempts per account, whichever address they come from."""
    return "login:" + (request.form.get("login") or "").strip().lower()[:64]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["MOU_LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["MOU_LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"], key_func=_login_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("draft.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = user_service.authenticate(db.session, form.login.data, form.password.data)
        if user is None:
            flash(_(GENERIC_FAILURE), "error")
            return render_template("auth/login.html", form=form), 401
        chosen_language = session.get(SESSION_KEY)
        session.clear()  # a fresh session on sign-in: no fixation
        if chosen_language and chosen_language != user.language:
            # A language picked on the sign-in page is the user's choice from now on.
            user_service.set_language(db.session, user, chosen_language)
        db.session.commit()  # keeps a password hash upgraded during sign-in
        login_user(user)
        return redirect(safe_next(request.args.get("next")) or url_for("draft.index"))
    return render_template("auth/login.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/logout", methods=["POST"])
def logout():
    if ConfirmForm().validate_on_submit():
        logout_user()
        session.clear()
        flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language: kept on the account when signed in, in the session before."""
    form = LanguageForm()
    back = safe_next(form.next.data) or url_for("draft.index")
    if not form.validate_on_submit():
        flash(_("That language is not available."), "error")
        return redirect(back)
    if current_user.is_authenticated:
        user_service.set_language(db.session, current_user, form.language.data)
        db.session.commit()
    else:
        session[SESSION_KEY] = form.language.data
    return redirect(back)
