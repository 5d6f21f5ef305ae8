"""Flask-WTF forms: input parsing and CSRF. Business rules stay in the services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..core.milestones import MeetingResult, Outcome
from ..core.roles import Role
from ..core.status import ReviewDecision

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class LoginForm(FlaskForm):
    login = StringField("Login", validators=[DataRequired(), Length(max=64)], render_kw={"autocomplete": "username"})
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=256)], render_kw={"autocomplete": "current-password"}
    )
    submit = SubmitField("Sign in")


class _AccountFields(FlaskForm):
    display_name = StringField("Display name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[DataRequired()])
    party_id = SelectField("Party", coerce=_optional_int, validators=[Optional()])

    def set_party_choices(self, parties) -> None:
        self.party_id.choices = [SelectChoice("", "— none —")] + [
            SelectChoice(p.id, f"{p.code} – {p.name}") for p in parties
        ]


class UserCreateForm(_AccountFields):
    login = StringField("Login", validators=[DataRequired(), Length(max=64)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=256)], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        "Repeat the password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")]
    )
    submit = SubmitField("Create user")


class UserEditForm(_AccountFields):
    active = BooleanField("Active (may sign in)")
    submit = SubmitField("Save changes")


class PasswordResetForm(FlaskForm):
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(max=256)], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        "Repeat the new password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")]
    )
    submit = SubmitField("Reset password")


class ConfirmForm(FlaskForm):
    """An empty form: a button that carries only the CSRF token (sign out, confirmations)."""

    submit = SubmitField("Confirm")


# Amendments ----------------------------------------------------------------------------------------------------
# Lengths are enforced (with clear messages) by the services; the forms only parse.


def amendment_form_class(languages, *, with_heading: bool, with_kind_choices=None):
    """A form with a body (and heading, for articles) per instrument language, plus a rationale."""

    class AmendmentForm(FlaskForm):
        rationale = TextAreaField("Rationale", validators=[DataRequired("Say why the change is proposed.")])
        submit = SubmitField("Save as draft")

    if with_kind_choices:
        AmendmentForm.kind = SelectField(
            "Kind of clause", choices=[SelectChoice(k.value, k.label) for k in with_kind_choices]
        )
    for lang in languages:
        optional = "" if lang.required else " (optional)"
        if with_heading:
            setattr(AmendmentForm, f"heading_{lang.code}", StringField(f"Heading – {lang.name}{optional}"))
        setattr(
            AmendmentForm,
            f"body_{lang.code}",
            TextAreaField(f"Text – {lang.name}{optional}", render_kw={"rows": 8, "lang": lang.code}),
        )
    return AmendmentForm


class DeletionForm(FlaskForm):
    rationale = TextAreaField("Rationale", validators=[DataRequired("Say why the clause should be deleted.")])
    submit = SubmitField("Save as draft")


class RevisionActionForm(FlaskForm):
    """Table or withdraw: bound to the revision the user saw, so nobody acts on words they have not read."""

    expected_revision = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Confirm")


class CommentForm(FlaskForm):
    body = TextAreaField("Comment", validators=[DataRequired("Write the comment first.")], render_kw={"rows": 3})
    internal = BooleanField("Internal to my party (the other party never sees it)")
    submit = SubmitField("Add comment")


class RebaseForm(FlaskForm):
    onto_version_id = HiddenField(validators=[DataRequired()])
    expected_revision = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Confirm the rebased wording")


class ReviewForm(FlaskForm):
    decision = SelectField(
        "Decision", choices=[SelectChoice(d.value, d.label) for d in ReviewDecision], validators=[DataRequired()]
    )
    comment = TextAreaField("Comment (required unless you clear)", render_kw={"rows": 3})
    expected_revision = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Record the review")


class RejectForm(FlaskForm):
    reason = TextAreaField("Reason for rejecting", validators=[DataRequired("Say why.")], render_kw={"rows": 3})
    expected_revision = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Reject")


class OutcomeForm(FlaskForm):
    outcome = SelectField(
        "Outcome", choices=[SelectChoice(o.value, o.label) for o in Outcome], validators=[DataRequired()]
    )
    reserved_by = StringField("Reservation by (party or Member State)")
    note = StringField("Note")
    submit = SubmitField("Record")


class ConcludeForm(FlaskForm):
    result = SelectField(
        "Result", choices=[SelectChoice(r.value, r.label) for r in MeetingResult], validators=[DataRequired()]
    )
    note = TextAreaField("Note for the record", render_kw={"rows": 2})
    submit = SubmitField("Conclude the meeting")


class MeetingEditForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired()])
    date = DateField("Date", validators=[Optional()])
    submit = SubmitField("Save")


class ApiTokenForm(FlaskForm):
    name = StringField(
        "What the token is for",
        validators=[DataRequired(), Length(max=80)],
        description="For example: registry sync. You will see this name in the list of your tokens.",
    )
    lifetime_days = SelectField(
        "Valid for",
        choices=[SelectChoice("30", "30 days"), SelectChoice("90", "90 days"), SelectChoice("365", "One year")],
        default="90",
        coerce=int,
    )
    submit = SubmitField("Create token")
