from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..core.messages import N_
from ..extensions import db, limiter
from ..i18n import SESSION_KEY
from ..services import sign_in_sessions
from ..services import users as user_service
from . import safe_next
from .forms import ConfirmForm, LanguageForm, LoginForm

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = N_("The login or the password is not correct, or the account is not active.")


def _sign_in_limits():
    """Sign-in limits no attacker can aim at somebody else (see web/sign_in_limits.py)."""
    from . import sign_in_limits

    return sign_in_limits


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["MOU_LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=lambda response: _sign_in_limits().failed_sign_in(response),  # failures only: NAT offices sign in
)
@_sign_in_limits().slow_down_failures  # per (account, address): waits that double, cleared by a success
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
        _row, secret = sign_in_sessions.start(db.session, user, user_agent=request.user_agent.string)
        db.session.commit()  # the session's row, and a password hash upgraded during sign-in
        login_user(user)
        session[sign_in_sessions.SESSION_KEY] = secret  # only its digest is in the database
        return redirect(safe_next(request.args.get("next")) or url_for("draft.index"))
    return render_template("auth/login.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/logout", methods=["POST"])
def logout():
    if ConfirmForm().validate_on_submit():
        # The session's row goes: a copy of this cookie, taken before, opens nothing afterwards.
        sign_in_sessions.end(db.session, g.get("sign_in_session"))
        db.session.commit()
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
