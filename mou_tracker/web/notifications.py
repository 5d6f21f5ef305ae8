"""The bell: what the signed-in user has been told, their e-mail settings, and the outbox for administrators."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from .. import mail
from ..core.notifications import EmailMode
from ..extensions import db
from ..services import notifications
from ..services.errors import ValidationFailed
from . import safe_next
from .forms import FlaskForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


class MarkReadForm(FlaskForm):
    #: One notification's id, or empty for all of them.
    notification = HiddenField()
    submit = SubmitField(_l("Mark as read"))


class EmailSettingsForm(FlaskForm):
    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=254)])
    mode = SelectField(_l("E-mail me"), choices=[SelectChoice(mode.value, _l(mode.label)) for mode in EmailMode])
    submit = SubmitField(_l("Save"))


def _page(settings: EmailSettingsForm, *, status: int = 200):
    return (
        render_template(
            "notifications/index.html",
            items=notifications.for_user(db.session, current_user),
            mark=MarkReadForm(formdata=None),
            settings=settings,
            modes=list(EmailMode),
        ),
        status,
    )


@bp.app_template_global()
def notification_text(item) -> str:
    """A notification's sentence in the reader's interface language."""
    return mail.notification_text(item.template, item.params, str(get_locale() or "en"))


@bp.route("/")
def index():
    settings = EmailSettingsForm(formdata=None, email=current_user.email, mode=current_user.email_mode.value)
    return _page(settings)


@bp.route("/read", methods=["POST"])
def mark_read():
    form = MarkReadForm()
    if form.validate_on_submit():
        raw = form.notification.data or ""
        notifications.mark_read(db.session, current_user, int(raw) if raw.isdigit() else None)
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("notifications.index"))


@bp.route("/settings", methods=["POST"])
def settings():
    form = EmailSettingsForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        notifications.set_email_preferences(db.session, current_user, form.email.data, EmailMode(form.mode.data))
    except ValidationFailed as refused:
        form.email.errors = [*form.email.errors, refused.message]
        db.session.rollback()
        return _page(form, status=400)
    db.session.commit()
    flash(_("Your e-mail settings are saved."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/outbox")
def outbox():
    return render_template("notifications/outbox.html", messages=notifications.outbox(db.session, current_user))
