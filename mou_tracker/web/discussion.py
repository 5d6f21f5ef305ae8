"""A clause's discussion and the documents attached to a negotiation, a meeting, a clause or an amendment.

The pages that show them (a clause, a meeting and its pack, an amendment) include the partials
templates/discussion/_thread.html and templates/attachments/_panel.html, which read what they list through the
template helpers below: each asks the service, as the reader, for what the reader may see.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core import discussion as rules
from ..core.text import MAX_NOTE
from ..extensions import csrf, db
from ..i18n import translate
from ..models import AttachedTo, Clause, Milestone
from ..services import attachments as attachment_service
from ..services import discussion as service
from ..services.errors import ValidationFailed
from .forms import FlaskForm

bp = Blueprint("discussion", __name__)

#: Room for the form's other fields around the file (multipart framing, the description, the token).
FORM_MARGIN = 64 * 1024


class PostForm(FlaskForm):
    body = TextAreaField(
        _l("Your post"),
        validators=[DataRequired(_l("Write the post first.")), Length(max=MAX_NOTE)],
        render_kw={"rows": 3},
    )
    internal = BooleanField(_l("Internal to my party (the other party never sees it)"))
    submit = SubmitField(_l("Post"))


class AttachmentForm(FlaskForm):
    target = HiddenField(validators=[DataRequired()])
    key = HiddenField()
    description = StringField(_l("What it is (optional)"), validators=[Optional(), Length(max=300)])
    internal = BooleanField(_l("Internal to my party (the other party never sees it)"))
    submit = SubmitField(_l("Attach"))


class RemoveForm(FlaskForm):
    submit = SubmitField(_l("Remove"))


def storage() -> attachment_service.Storage:
    """The attachment store the configuration names (MOU_ATTACHMENT_STORE, MOU_ATTACHMENT_MAX_BYTES)."""
    return attachment_service.storage_from_config(current_app.config, current_app.instance_path)


def upload_limit() -> int:
    """The largest request an upload reads (web.allow_larger_uploads): the file's limit and the form around it."""
    return int(current_app.config["MOU_ATTACHMENT_MAX_BYTES"]) + FORM_MARGIN


# Template helpers ------------------------------------------------------------------------------------------------


def _thread(clause):
    """What templates/discussion/_thread.html shows for a clause: the posts the reader may read, the form (as the
    reader sent it, after a refusal), and who may be named."""
    refused = g.get("refused_post")
    can_post = rules.can_post(current_user, internal=False)
    return {
        "posts": service.thread(db.session, current_user, clause),
        "form": refused or PostForm(meta={"id_prefix": "post-"}),
        "error": g.get("refused_post_error"),
        "can_post": can_post,
        "can_internal": rules.can_post(current_user, internal=True),
        "mentionable": service.mentionable(db.session, current_user, clause.instrument_id) if can_post else [],
    }


def _attachments(kind: str, key=None, loaded=None):
    """What templates/attachments/_panel.html shows: the attachments of one thing the reader may see, and whether
    they may attach (an internal one too). `loaded`: the meeting, clause or amendment the page already read (and
    found visible to the reader)."""
    attached_to = AttachedTo(kind)
    target = attachment_service.Target(attached_to, key)
    listed = attachment_service.on(db.session, current_user, target, loaded=loaded)
    return {
        "items": listed,
        "kind": attached_to.value,
        "key": "" if key is None else str(key),
        "form": AttachmentForm(meta={"id_prefix": f"attach-{kind}-"}, target=attached_to.value, key=key),
        "remove_form": RemoveForm(),
        "can_attach": rules.can_post(current_user, internal=False),
        "can_internal": rules.can_post(current_user, internal=True),
        "max_mb": int(current_app.config["MOU_ATTACHMENT_MAX_BYTES"]) // (1024 * 1024),
    }


def _meeting_documents(milestone):
    """For the meeting pack (a part kept per visibility, built as a `page_cache.Reader`): the list only."""
    return attachment_service.of_meeting(db.session, current_user, milestone)


def _post_counts(instrument):
    return service.post_counts(db.session, current_user, instrument.id)


@bp.app_context_processor
def discussion_helpers():
    return {
        "discussion_of": _thread,
        "attachments_of": _attachments,
        "post_counts_of": _post_counts,
        "meeting_documents": _meeting_documents,
    }


# Posts ----------------------------------------------------------------------------------------------------------


@bp.route("/clauses/<wid>/posts", methods=["POST"])
def post(wid: str):
    form = PostForm(meta={"id_prefix": "post-"})
    if form.validate_on_submit():
        try:
            created = service.add_post(db.session, current_user, wid, form.body.data, internal=form.internal.data)
        except ValidationFailed as refused:
            db.session.rollback()
            g.refused_post_error = refused.message
        else:
            db.session.commit()
            flash(_("Post added."), "success")
            return redirect(url_for("draft.clause", wid=wid) + f"#post-{created.id}")
    else:
        service.clause_in_negotiation(db.session, wid)  # an unknown clause is not found, whatever the form
    # The clause page again, with the refusal and the text as it was typed.
    from .draft import clause

    g.refused_post = form
    return clause(wid), 400


# Attachments ----------------------------------------------------------------------------------------------------


def _back_to(kind: AttachedTo, key: str | int | None) -> str:
    """The page the upload form was on (the negotiation's documents when the form named nothing usable)."""
    if kind is AttachedTo.meeting and key:
        return url_for("meetings.show", code=key) + "#attachments"
    if kind is AttachedTo.clause and key:
        return url_for("draft.clause", wid=key) + "#attachments"
    if kind is AttachedTo.amendment and isinstance(key, int) and key > 0:
        return url_for("amendments.show", amendment_id=key) + "#attachments"
    return url_for("discussion.attachments")


@bp.route("/attachments")
def attachments():
    return render_template(
        "attachments/index.html",
        everything=attachment_service.in_negotiation(db.session, current_user),
        remove_form=RemoveForm(),
    )


@bp.route("/attachments", methods=["POST"])
@csrf.exempt  # the form's own token is checked below, under the upload's own size limit (web.allow_larger_uploads)
def attach():
    form = AttachmentForm()
    if not form.validate_on_submit():
        abort(400, _("The form had expired or was sent from elsewhere. Go back, reload the page and try again."))
    if form.target.data not in AttachedTo.__members__:
        abort(400, _("Choose what to attach the document to."))
    kind = AttachedTo(form.target.data)
    raw_key = form.key.data or None
    key: str | int | None = raw_key
    if kind is AttachedTo.amendment:
        key = int(raw_key) if raw_key and raw_key.isascii() and raw_key.isdigit() and len(raw_key) < 10 else 0
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to attach."), "error")
        return redirect(_back_to(kind, key))
    limits = storage()
    data = upload.read()  # bounded by the request's limit (upload_limit): the file's whole size is known
    try:
        attachment_service.upload(
            db.session,
            current_user,
            attachment_service.Target(kind, key),
            upload.filename,
            data,
            internal=form.internal.data,
            storage=limits,
            description=form.description.data or "",
        )
    except ValidationFailed as refused:
        db.session.rollback()
        flash(
            _("%(name)s was not attached: %(reason)s", name=upload.filename, reason=translate(refused.message)), "error"
        )
        return redirect(_back_to(kind, key))
    db.session.commit()
    flash(_("%(name)s attached.", name=upload.filename), "success")
    return redirect(_back_to(kind, key))


attach.max_upload = upload_limit  # read by web.allow_larger_uploads before anything reads the body


@bp.route("/attachments/<int:attachment_id>")
def download(attachment_id: int):
    attachment, data = attachment_service.content(db.session, current_user, attachment_id, storage())
    return attachment_response(attachment, data)


def attachment_response(attachment, data: bytes):
    """The file, as a download: never shown inline, its type the one read from its content (web and API)."""
    response = send_file(
        io.BytesIO(data),
        mimetype=attachment.media_type,
        as_attachment=True,
        download_name=attachment.filename,
        etag=attachment.sha256,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/attachments/<int:attachment_id>/delete", methods=["POST"])
def remove_attachment(attachment_id: int):
    form = RemoveForm()
    if not form.validate_on_submit():
        abort(400, _("The form had expired or was sent from elsewhere. Go back, reload the page and try again."))
    limits = storage()
    removed = attachment_service.remove(db.session, current_user, attachment_id, limits)
    kind, key = removed.attached_to, _key_of(removed)
    name, digest = removed.filename, removed.sha256
    db.session.commit()
    attachment_service.forget_file(db.session, limits, digest)
    flash(_("%(name)s removed.", name=name), "success")
    return redirect(_back_to(kind, key))


def _key_of(attachment) -> str | int | None:
    if attachment.attached_to is AttachedTo.meeting:
        meeting = db.session.get(Milestone, attachment.milestone_id)
        return meeting.code if meeting else None
    if attachment.attached_to is AttachedTo.clause:
        clause = db.session.get(Clause, attachment.clause_id)
        return clause.wid if clause else None
    if attachment.attached_to is AttachedTo.amendment:
        return attachment.amendment_id
    return None
