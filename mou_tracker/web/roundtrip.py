"""Upload a marked-up Word document: read it, preview the amendments it would make, choose, confirm (issue #16)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from ..core.milestones import MilestoneState
from ..extensions import csrf, db
from ..imports.docx_reader import MAX_FILE_BYTES
from ..services import draft as draft_service
from ..services import meetings as meetings_service
from ..services import roundtrip as service
from ..services.errors import Conflict, ValidationFailed
from ..services.redlines import Words, language_redline
from .forms import FlaskForm

bp = Blueprint("roundtrip", __name__, url_prefix="/word-changes")

#: One document of the largest size the reader accepts, and the form around it; a larger request is refused (413).
MAX_UPLOAD = MAX_FILE_BYTES + 64 * 1024


class UploadForm(FlaskForm):
    document = FileField(
        _l("Word document (.docx)"),
        render_kw={"accept": ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    )
    point = SelectField(
        _l("A clean document (without tracked changes) was based on"), choices=[], validate_choice=False
    )
    date = DateField(_l("Date (when based on the draft at a date)"), validators=[Optional()])


class ChooseForm(FlaskForm):
    """The tick boxes are read from the request (`item`); the form carries the token and the nonce."""


def _point_choices(instrument) -> list[tuple[str, str]]:
    choices = [("now", _("The current draft (a copy of this product's export: the draft as exported)"))]
    for meeting in meetings_service.milestones(db.session):
        if meeting.state is not MilestoneState.planned:
            choices.append(
                (f"milestone:{meeting.code}", _("The draft frozen for the %(meeting)s", meeting=meeting.local_name))
            )
    choices.append(("date", _("The draft at a date")))
    return choices


@bp.route("/", methods=["GET", "POST"])
@csrf.exempt  # the form's own token is checked below (UploadForm), under the view's own size limit
def upload():
    instrument = draft_service.current_instrument(db.session)
    if request.method == "POST":
        csrf.protect()  # first: a form sent from elsewhere is refused as such, whoever sends it
    service.require_uploader(current_user)  # negotiators only, for their own party
    form = UploadForm()
    form.point.choices = _point_choices(instrument)
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("roundtrip/upload.html", instrument=instrument, form=form), 400
        file = request.files.get("document")
        point = form.point.data or "now"
        if point == "date":
            point = f"date:{form.date.data.isoformat()}" if form.date.data else ""
        try:
            if file is None or not file.filename:
                raise ValidationFailed(_("Choose the Word document to upload."))
            if not point:
                form.date.errors.append(_("Give the date the document was based on."))
                return render_template("roundtrip/upload.html", instrument=instrument, form=form), 400
            preview = service.prepare(
                db.session, current_user, name=file.filename, data=file.read(MAX_FILE_BYTES + 1), point=point
            )
        except ValidationFailed as exc:
            db.session.rollback()
            form.document.errors.append(exc.message)
            return render_template("roundtrip/upload.html", instrument=instrument, form=form), 400
        db.session.commit()
        return redirect(url_for("roundtrip.preview", preview_id=preview.id))
    return render_template("roundtrip/upload.html", instrument=instrument, form=form)


upload.max_upload = MAX_UPLOAD  # read by web.allow_larger_uploads before anything reads the body


def _redlines(item, party: str) -> list:
    """Each language the proposal changes, as a redline from the words it was written against."""
    languages = list(dict.fromkeys([*item.base_texts, *item.texts]))
    result = []
    for language in languages:
        old = item.base_texts.get(language, (None, None))
        new = item.texts.get(language, (None, None))
        redline = language_redline(language, Words(*old), Words(*new), party)
        if redline.has_changes:
            result.append(redline)
    return result


@bp.route("/<int:preview_id>", methods=["GET", "POST"])
def preview(preview_id: int):
    instrument = draft_service.current_instrument(db.session)
    reading = service.read_preview(db.session, current_user, preview_id)  # who may, and whether it exists
    form = ChooseForm()
    chosen = {item.number for item in reading.items}
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        raw = request.form.getlist("item")
        chosen = {int(value) for value in raw if value.isascii() and value.isdigit() and len(value) < 6}
        try:
            made = service.confirm(db.session, current_user, preview_id, sorted(chosen))
        except (ValidationFailed, Conflict) as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            reading = service.read_preview(db.session, current_user, preview_id)
            status = 400 if isinstance(exc, ValidationFailed) else 409
        else:
            db.session.commit()
            flash(
                _(
                    "%(count)s draft amendments of %(party)s created from %(file)s: revise them and table them when "
                    "ready.",
                    count=len(made),
                    party=current_user.party.code,
                    file=reading.preview.file_name,
                ),
                "success",
            )
            return redirect(url_for("amendments.index", party=current_user.party.code, state="draft"))
    elif request.method == "POST":
        status = 400
    citations = draft_service.citations(db.session, current_user, instrument)
    return render_template(
        "roundtrip/preview.html",
        instrument=instrument,
        reading=reading,
        form=form,
        chosen=chosen,
        redlines={item.number: _redlines(item, current_user.party.code) for item in reading.items},
        citations=citations,
    ), status
