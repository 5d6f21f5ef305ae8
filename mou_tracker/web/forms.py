"""Flask-WTF forms: input parsing and CSRF. Business rules stay in the services."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, before_render_template, g, has_request_context, render_template, request, session
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm
from sqlalchemy import event
from sqlalchemy.orm import Session
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..core.languages import INTERFACE_LANGUAGES
from ..core.milestones import MeetingResult, Outcome
from ..core.roles import Role
from ..core.status import ReviewDecision
from ..services import api_tokens
from . import safe_next

ROLE_CHOICES = [SelectChoice(role.value, _l(role.label)) for role in Role]

#: Fields that are never labelled or linked to: a page shows many of them (one per form), so they get no HTML id
#: and a page never repeats one (a repeated id breaks labels, links and assistive technology).
_FIELDS_WITHOUT_ID = frozenset({"HiddenField", "CSRFTokenField", "SubmitField"})


#: The hidden field that makes a form single-use, and the session key of the forms already used (nonce -> the
#: address of what the form created), the newest last.
FORM_NONCE_FIELD = "form_nonce"
_USED_FORMS_KEY = "used_forms"
#: How many used forms a session remembers: enough for a back button pressed many pages back, small enough for
#: the session cookie (about 60 bytes each).
USED_FORMS_KEPT = 24


def _new_nonce() -> str:
    return secrets.token_urlsafe(12)


class FlaskForm(_FlaskForm):
    """Every form of the app: Flask-WTF's, with HTML ids that are unique on a page, and single-use.

    Hidden fields and buttons render without an id. Where a page shows several forms of one class, each gets its own
    prefix for its fields' ids (not their names, so the view reads them as usual):
    ``OutcomeForm(meta={"id_prefix": f"outcome-{wid}-"})``.

    Single-use: each rendering carries its own nonce (`form_nonce`, in `hidden_tag()`), spent only when the action's
    transaction commits (see `install_single_use`). A form sent back with an error keeps its nonce, so the user
    corrects it and sends it again; the same form sent again after it succeeded (the back button, a double click
    that arrives late) is answered with what it did, never done twice. Forms whose repetition is harmless and
    expected (signing in) set `form_nonce = None`.
    """

    form_nonce = HiddenField(default=_new_nonce)

    class Meta(_FlaskForm.Meta):
        id_prefix = ""

        def bind_field(self, form, unbound_field, options):
            if self.id_prefix:
                options = {**options, "id": f"{self.id_prefix}{options['name']}"}
            return super().bind_field(form, unbound_field, options)

        def render_field(self, field, render_kw):
            if field.type in _FIELDS_WITHOUT_ID:
                render_kw = {**render_kw, "id": False}
            return super().render_field(field, render_kw)


def invalid_forms(context: dict) -> list[_FlaskForm]:
    """The forms in a template's context that came back with errors, in the order the view passed them."""
    return [value for value in context.values() if isinstance(value, _FlaskForm) and value.errors]


@before_render_template.connect
def _collect_invalid_forms(_app, template, context, **_extra) -> None:
    """Give base.html the forms with errors, so that one error summary at the top of every page lists them."""
    context.setdefault("invalid_forms", invalid_forms(context))


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class LoginForm(FlaskForm):
    #: Signing in again from a page the back button brought back is what the user means: not single-use.
    form_nonce = None
    login = StringField(
        _l("Login"), validators=[DataRequired(), Length(max=64)], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=256)], render_kw={"autocomplete": "current-password"}
    )
    submit = SubmitField(_l("Sign in"))


class _AccountFields(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired()])
    #: Offers only the parties the administrator may give; the service decides on whatever is posted (a clear 403
    #: for another party, rather than "not a valid choice").
    party_id = SelectField(_l("Party"), coerce=_optional_int, validators=[Optional()], validate_choice=False)

    def set_party_choices(self, parties, *, allow_none: bool = True) -> None:
        none = [SelectChoice("", _l("— none —"))] if allow_none else []
        self.party_id.choices = none + [SelectChoice(p.id, f"{p.code} – {p.name}") for p in parties]


class UserCreateForm(_AccountFields):
    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=256)], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        _l("Repeat the password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )
    submit = SubmitField(_l("Create user"))


class UserEditForm(_AccountFields):
    active = BooleanField(_l("Active (may sign in)"))
    submit = SubmitField(_l("Save changes"))


class PasswordResetForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=256)], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        _l("Repeat the new password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )
    submit = SubmitField(_l("Reset password"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=256)], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))


class ConfirmForm(FlaskForm):
    """An empty form: a button that carries only the CSRF token (sign out, confirmations)."""

    submit = SubmitField(_l("Confirm"))


# Amendments ----------------------------------------------------------------------------------------------------
# Lengths are enforced (with clear messages) by the services; the forms only parse.


def amendment_form_class(languages, *, with_heading: bool, with_kind_choices=None):
    """A form with a body (and heading, for articles) per instrument language, plus a rationale."""

    class AmendmentForm(FlaskForm):
        rationale = TextAreaField(_l("Rationale"), validators=[DataRequired(_l("Say why the change is proposed."))])
        submit = SubmitField(_l("Save as draft"))

    if with_kind_choices:
        AmendmentForm.kind = SelectField(
            _l("Kind of clause"), choices=[SelectChoice(k.value, _l(k.label)) for k in with_kind_choices]
        )
    for lang in languages:
        # Two whole sentences rather than a suffix: word order differs between languages.
        name = _l(lang.name)  # stored in English with the instrument; marked in core.languages
        if lang.required:
            heading = _l("Heading – %(language)s", language=name)
            body = _l("Text – %(language)s", language=name)
        else:
            heading = _l("Heading – %(language)s (optional)", language=name)
            body = _l("Text – %(language)s (optional)", language=name)
        if with_heading:
            setattr(AmendmentForm, f"heading_{lang.code}", StringField(heading))
        setattr(AmendmentForm, f"body_{lang.code}", TextAreaField(body, render_kw={"rows": 8, "lang": lang.code}))
    return AmendmentForm


class DeletionForm(FlaskForm):
    rationale = TextAreaField(_l("Rationale"), validators=[DataRequired(_l("Say why the clause should be deleted."))])
    submit = SubmitField(_l("Save as draft"))


class RevisionActionForm(FlaskForm):
    """Table or withdraw: bound to the revision the user saw, so nobody acts on words they have not read."""

    expected_revision = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Confirm"))


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Comment"), validators=[DataRequired(_l("Write the comment first."))], render_kw={"rows": 3}
    )
    internal = BooleanField(_l("Internal to my party (the other party never sees it)"))
    submit = SubmitField(_l("Add comment"))


class RebaseForm(FlaskForm):
    onto_version_id = HiddenField(validators=[DataRequired()])
    expected_revision = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Confirm the rebased wording"))


class ReviewForm(FlaskForm):
    decision = SelectField(
        _l("Decision"),
        choices=[SelectChoice(d.value, _l(d.label)) for d in ReviewDecision],
        validators=[DataRequired()],
    )
    comment = TextAreaField(_l("Comment (required unless you clear)"), render_kw={"rows": 3})
    expected_revision = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Record the review"))


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason for rejecting"), validators=[DataRequired(_l("Say why."))], render_kw={"rows": 3})
    expected_revision = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Reject"))


class OutcomeForm(FlaskForm):
    outcome = SelectField(
        _l("Outcome"), choices=[SelectChoice(o.value, _l(o.label)) for o in Outcome], validators=[DataRequired()]
    )
    #: The party or delegation: its form value ("party-<id>", "delegation-<id>"), or its name (API, older forms).
    reserved_by = StringField(_l("Reservation entered by"))
    note = StringField(_l("Note"))
    submit = SubmitField(_l("Record"))


class MeetingOutcomesForm(FlaskForm):
    """The whole meeting's outcomes in one submission. The choices per clause are read from the request by the
    view (one select per clause, named by the clause); this form carries the CSRF token and the version of the
    meeting the chair saw."""

    meeting_version = HiddenField(validators=[DataRequired()], id="meeting-outcomes-version")
    submit = SubmitField(_l("Record all outcomes"))


class DelegationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    name_ru = StringField(_l("Name in Russian"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Add the delegation"))


class DelegationProposalForm(FlaskForm):
    """A proposal a delegation made at a meeting, entered by the chair: who, which clause, the new words."""

    delegation_id = SelectField(_l("Delegation"), coerce=int, validate_choice=False, validators=[DataRequired()])
    wid = SelectField(_l("Clause"), validate_choice=False, validators=[DataRequired()])
    body_en = TextAreaField(_l("Proposed text – English"), render_kw={"rows": 4})
    body_ru = TextAreaField(_l("Proposed text – Russian"), render_kw={"rows": 4})
    rationale = TextAreaField(_l("What the delegation said"), render_kw={"rows": 2})
    submit = SubmitField(_l("Table the delegation's proposal"))


class ConcludeForm(FlaskForm):
    result = SelectField(
        _l("Result"), choices=[SelectChoice(r.value, _l(r.label)) for r in MeetingResult], validators=[DataRequired()]
    )
    note = TextAreaField(_l("Note for the record"), render_kw={"rows": 2})
    submit = SubmitField(_l("Conclude the meeting"))


class MeetingEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired()])
    date = DateField(_l("Date"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


#: The words for each lifetime the service offers (services.api_tokens.LIFETIMES_DAYS: one without words fails here).
_TOKEN_LIFETIME_LABELS = {30: _l("30 days"), 90: _l("90 days"), 365: _l("One year")}


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("What the token is for"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("For example: registry sync. You will see this name in the list of your tokens."),
    )
    lifetime_days = SelectField(
        _l("Valid for"),
        choices=[SelectChoice(str(days), _TOKEN_LIFETIME_LABELS[days]) for days in api_tokens.LIFETIMES_DAYS],
        default=str(api_tokens.DEFAULT_LIFETIME_DAYS),
        coerce=int,
    )
    submit = SubmitField(_l("Create token"))


class LanguageForm(FlaskForm):
    """The interface language switcher: a choice and the page to come back to (choosing twice is harmless)."""

    form_nonce = None

    language = SelectField(
        _l("Language"), choices=[SelectChoice(code, name) for code, name in INTERFACE_LANGUAGES.items()]
    )
    next = HiddenField()
    submit = SubmitField(_l("Change language"))


class NegotiationForm(FlaskForm):
    """An administrator opens a negotiation; `services.negotiations.create_negotiation` checks every value."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    short_title = StringField(_l("Short title"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Name in addresses"), validators=[Optional(), Length(max=40)])
    party_ids = SelectMultipleField(_l("Parties"), coerce=int, validate_choice=False)
    new_party_code = StringField(_l("New party: code"), validators=[Optional(), Length(max=16)])
    new_party_name = StringField(_l("New party: name"), validators=[Optional(), Length(max=200)])
    authoritative_language = StringField(
        _l("Authoritative language"), default="en", validators=[DataRequired(), Length(max=2)]
    )
    other_languages = StringField(_l("Other languages"), validators=[Optional(), Length(max=60)])
    meetings = TextAreaField(_l("Meetings"), validators=[Optional(), Length(max=4000)])
    assigned_user_ids = SelectMultipleField(_l("Assigned users"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Open the negotiation"))


# Single-use forms ----------------------------------------------------------------------------------------------


@event.listens_for(Session, "after_commit")
def _note_commit(_session) -> None:
    """The request's transaction committed: its form has done what it asked for, so its nonce is spent."""
    if has_request_context() and g.get("form_nonce"):
        g.form_committed = True


def used_form_result(nonce: str | None) -> str | None:
    """The address of what a used form created, or None if this session has not used a form with that nonce."""
    if not nonce:
        return None
    return session.get(_USED_FORMS_KEY, {}).get(nonce)


def install_single_use(app: Flask) -> None:
    """Refuse a form sent again after it succeeded; spend a form's nonce when (and only when) its action commits.

    The used nonces live in the user's session (signed, per browser), which is where a back button or a second
    click comes from; the duplicate rules of the services (an identical open proposal is refused) remain the guard
    for the same words sent from two pages."""

    @app.before_request
    def refuse_a_used_form():
        if request.method != "POST":
            return None
        nonce = request.form.get(FORM_NONCE_FIELD)
        if not nonce:
            return None
        if (result := used_form_result(nonce)) is not None:
            return render_template("form_used.html", result=result), 409
        g.form_nonce = nonce
        return None

    @app.after_request
    def spend_the_form(response):
        nonce = g.pop("form_nonce", None)
        if nonce and g.pop("form_committed", False):
            location = response.location if 300 <= response.status_code < 400 else None
            # Only an address of this site is kept to link to (a redirect elsewhere would make an open redirect).
            result = safe_next(location)
            used = dict(session.get(_USED_FORMS_KEY, {}))
            # A success that answers with a page rather than a redirect: link back to the page the form was on.
            used[nonce] = result or (urlsplit(request.referrer).path if request.referrer else "") or "/"
            session[_USED_FORMS_KEY] = dict(list(used.items())[-USED_FORMS_KEPT:])
        return response
