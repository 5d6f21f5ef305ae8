"""Importing a negotiation's draft from the parties' own files: upload, preview and correct, confirm."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.clause_kinds import ClauseKind
from ..extensions import csrf, db
from ..imports.docx_reader import MAX_FILE_BYTES
from ..services import draft as draft_service
from ..services import imports as service
from ..services.errors import ValidationFailed
from .forms import ConfirmForm

bp = Blueprint("imports", __name__, url_prefix="/import")

#: Two files of the largest size a reader accepts, and the form around them; a larger request is refused (413).
MAX_UPLOAD = 2 * MAX_FILE_BYTES + 64 * 1024


@bp.route("/", methods=["GET", "POST"])
@csrf.exempt  # the form's own token is checked below (ConfirmForm), under the view's own size limit
def upload():
    instrument = draft_service.current_instrument(db.session)
    if request.method == "POST":  # the form's token first, as for every other form (the global check skips this one)
        ConfirmForm().validate_on_submit() or _refuse_form()
    service.require_import_allowed(db.session, current_user)  # who may, and whether the negotiation has a draft
    if request.method == "POST":
        files = {}
        for lang in instrument.languages:
            upload = request.files.get(f"file_{lang.code}")
            pasted = (request.form.get(f"text_{lang.code}") or "").strip()
            if upload is not None and upload.filename:
                files[lang.code] = (upload.filename, upload.read(MAX_FILE_BYTES + 1))
            elif pasted:
                files[lang.code] = (_("pasted text"), pasted.encode("utf-8"))
        try:
            preview = service.prepare_import(db.session, current_user, files)
        except ValidationFailed as exc:
            db.session.rollback()
            return render_template(
                "imports/upload.html", instrument=instrument, form=ConfirmForm(), error=exc.message
            ), 400
        db.session.commit()
        return redirect(url_for("imports.preview", preview_id=preview.id))
    return render_template("imports/upload.html", instrument=instrument, form=ConfirmForm(), error=None)


upload.max_upload = MAX_UPLOAD  # read by web.allow_larger_uploads before anything reads the body


def _refuse_form():
    abort(400, _("The form had expired or was sent from elsewhere. Go back, reload the page and try again."))


@bp.route("/<int:preview_id>", methods=["GET", "POST"])
def preview(preview_id: int):
    instrument = draft_service.current_instrument(db.session)
    reading = service.get_preview(db.session, current_user, preview_id)  # who may, and whether it exists
    error = None
    if request.method == "POST":
        ConfirmForm().validate_on_submit() or _refuse_form()
        try:
            if request.form.get("action") == "confirm":
                clauses = service.confirm_import(db.session, current_user, preview_id)
                db.session.commit()
                flash(
                    _("%(count)s clauses imported: the draft is ready for the negotiators.", count=len(clauses)),
                    "success",
                )
                return redirect(url_for("draft.index"))
            action = request.form.get("action")
            if action is None or action not in service.Correction.__members__:
                abort(400, _("Choose a correction."))
            raw_index = request.form.get("index") or ""
            service.correct(
                db.session,
                current_user,
                preview_id,
                language=request.form.get("language", ""),
                index=int(raw_index) if raw_index.isascii() and raw_index.isdigit() and len(raw_index) < 7 else -1,
                correction=service.Correction(action),
                value=request.form.get("value", ""),
            )
            db.session.commit()
            return redirect(url_for("imports.preview", preview_id=preview_id) + f"#c-{request.form.get('index')}")
        except ValidationFailed as exc:
            db.session.rollback()
            error = exc.message
    return render_template(
        "imports/preview.html",
        instrument=instrument,
        preview=reading,
        rows=service.preview_rows(instrument, reading),
        kinds=list(ClauseKind),
        form=ConfirmForm(),
        error=error,
        message_of=service.message_of,
    ), 400 if error else 200
