"""The text at the table and the text for signature: the rolling text with its brackets, the signature copy.

Each is a page, a DOCX and a PDF. Clause numbers are said in the language of the text ("Статья 2" in the Russian
part whatever the reader's interface language), with the Word export's own rules (exports.docx.Wording).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SubmitField

from ..core import permissions
from ..core.languages import INTERFACE_LANGUAGES
from ..core.messages import N_, Message
from ..core.rolling import Mark
from ..core.signature import shown
from ..exports import docx
from ..exports import record_docx as builder
from ..extensions import db
from ..i18n import text_language, translate
from ..models import Instrument
from ..models.base import utcnow
from ..services import draft as draft_service
from ..services import reports as report_service
from ..services import rolling as rolling_service
from ..services import signature as signature_service
from ..services.errors import Conflict, ValidationFailed
from .forms import FlaskForm
from .page_cache import kept_part, rendered, status_page
from .reports import DOCX, _document_settings, _download, _now_stem, _pdf, _wordings, whole_pdf_fits

bp = Blueprint("record", __name__)

PDF = "application/pdf"
#: Signature copy layouts: the languages one after the other, or side by side.
LAYOUTS = ("sequential", "columns")


class SignatureIssueForm(FlaskForm):
    """The chair issues the signature copy; the signatories' names and titles come as name-<party>, title-<party>
    (one pair per party of the negotiation, so the fields are read from the request by the view)."""

    submit = SubmitField(_l("Issue the signature copy"))


def _in_language(language: str):
    """The catalogue of `language` where the interface is translated into it, else English."""
    return force_locale(language if language in INTERFACE_LANGUAGES else "en")


def _rolling_words(language: str) -> builder.RollingWords:
    with _in_language(language):
        return builder.RollingWords(
            delete=_("delete"),
            delete_clause=_("%(citations)s: delete the clause", citations="%(citations)s"),
            new_clause=_("New clause proposed by %(citation)s", citation="%(citation)s"),
            without_text=_("Also proposed, without text in this language: %(citations)s", citations="%(citations)s"),
            missing=_("No %(language)s text yet", language=language.upper()),
            marks=tuple((mark.value, _(mark.label)) for mark in Mark),
        )


@bp.app_template_filter("label_in")
def label_in(label: str | None, language: str) -> str:
    """A clause number ("Article 2", "(b)") as the text in `language` writes it ("Статья 2", "б)"): the label
    of a clause follows the language of its words, not the reader's interface (macros.clause_heading). Pages keep
    the preambular numbers ("PP1") as a reader's landmark, which the Russian documents leave out."""
    wordings = g.setdefault("label_wordings", {})
    if language not in wordings:
        with _in_language(language):
            conventions = {**docx.DRAFTING_CONVENTIONS.get(language, {}), "preamble_labels": True}
            wordings[language] = docx.Wording(
                language, "", article=_("Article %(number)s", number="%(number)s"), **conventions
            )
    return wordings[language].label(label)


def _asked_languages(instrument) -> list[str]:
    """?language=xx for one language (refused if the negotiation has no text in it); every language if absent."""
    asked = request.args.get("language")
    if asked:
        return [rolling_service.check_language(instrument, asked)]
    return instrument.language_codes


# Rolling text ----------------------------------------------------------------------------------------------
#
# At treaty scale the rolling text takes seconds to compose (1,500 tabled proposals diffed against the draft) and
# its Word and PDF files more: the page's part and each file are kept (web.page_cache) per negotiation, state of
# the negotiation (services.reports.state_stamp), visibility, role and interface language, as the meeting pack is.
# The first reader after a change builds them; the next ones get the kept ones. A file is never served from an
# earlier state (a download carries no notice that it is out of date): its readers wait for the rebuild. The
# rolling text shows tabled proposals only, never a draft (`Private.NOTHING`): a party's drafts leave it kept.


@bp.route("/rolling-text")
def rolling_text():
    stamp = report_service.state_stamp(db.session, current_user, private=report_service.Private.NOTHING)
    instrument = draft_service.current_instrument(db.session)
    asked = request.args.get("language")
    language = rolling_service.check_language(instrument, asked) if asked else text_language(instrument, None)

    def build() -> dict:
        rolling = rolling_service.rolling_text(db.session, current_user, language)
        wording = {w.language: w for w in _wordings(instrument, lambda: "", utcnow().date())}[language]
        body = rendered(
            "record/_rolling_page.html",
            instrument=instrument,
            rolling=rolling,
            lang=language,
            label=wording.label,
            words=_rolling_words(language),
            pdf_offered=whole_pdf_fits(instrument)[0],
        )
        return {"body": body}

    page = f"rolling:{instrument.id}:{language}"
    return status_page(page, stamp, "record/rolling.html", build, per_role=False, instrument=instrument, lang=language)


def _rolling_parts(instrument, languages: list[str], header):
    settings = _document_settings()
    wordings = {w.language: w for w in _wordings(instrument, header, (settings.created or utcnow()).date())}
    texts = rolling_service.rolling_texts(db.session, current_user, languages)
    return settings, [(wordings[r.language], _rolling_words(r.language), r) for r in texts]


def _kept_download(build: Callable[[Instrument, list[str]], bytes], mimetype: str, extension: str) -> Response:
    """The rolling text's file for the languages asked for, made once per state (see above) and kept."""
    stamp = report_service.state_stamp(db.session, current_user, private=report_service.Private.NOTHING)
    instrument = draft_service.current_instrument(db.session)
    languages = _asked_languages(instrument)
    # The negotiation is named by its id: an API request has no page address to name it by (page_cache's slug).
    page = f"rolling.{extension}:{instrument.id}:{'+'.join(languages)}"
    part, _stale = kept_part(page, stamp, lambda: {"body": build(instrument, languages)}, current_only=True)
    stem = _now_stem(instrument, "rolling-text" + (f"-{languages[0]}" if len(languages) == 1 else ""))
    return _download(part.data(), mimetype, stem, extension, stamped=False)


@bp.route("/rolling-text.docx")
def rolling_text_docx():
    def build(instrument: Instrument, languages: list[str]) -> bytes:
        settings, parts = _rolling_parts(instrument, languages, lambda: _("Rolling text"))
        return builder.rolling_docx(
            instrument.title,
            _("Rolling text: tabled proposals in square brackets"),
            [(wording, words, rolling.clauses) for wording, words, rolling in parts],
            settings,
        )

    return _kept_download(build, DOCX, "docx")


@bp.route("/rolling-text.pdf")
def rolling_text_pdf():
    fits, proposals = whole_pdf_fits(draft_service.current_instrument(db.session))
    if not fits:
        raise Conflict(
            Message(
                N_(
                    "The rolling text shows %(count)s open proposals: as a PDF it would take many minutes to "
                    "typeset. Download it as a Word document, which is made in seconds, and print that."
                ),
                count=proposals,
            )
        )

    def build(instrument: Instrument, languages: list[str]) -> bytes:
        _settings, parts = _rolling_parts(instrument, languages, lambda: _("Rolling text"))
        response = _pdf(
            "record/rolling_pdf.html",
            "rolling-text",  # the file is named when it is sent
            instrument=instrument,
            parts=[(wording.label, words, rolling) for wording, words, rolling in parts],
            generated_at=utcnow(),
            checksum="",
        )
        return response.get_data()

    return _kept_download(build, PDF, "pdf")


# Signature copy --------------------------------------------------------------------------------------------


@bp.route("/signature-copy")
def signature_copy():
    return _signature_page(SignatureIssueForm())


def _signature_page(form: SignatureIssueForm, status: int = 200, error: str | None = None):
    state = signature_service.signature_state(db.session, current_user)
    return render_template(
        "record/signature.html",
        instrument=state.instrument,
        state=state,
        shown_checksum=shown(state.checksum),
        can_issue=permissions.can_chair(current_user),
        form=form,
        error=error,
        layouts=LAYOUTS,
    ), status


@bp.route("/signature-copy", methods=["POST"])
def issue_signature_copy():
    form = SignatureIssueForm()
    if not form.validate_on_submit():
        return _signature_page(form, 400)
    instrument = draft_service.current_instrument(db.session)
    signatories = {
        party.code: (request.form.get(f"name-{party.code}"), request.form.get(f"title-{party.code}"))
        for party in instrument.parties
    }
    try:
        issued = signature_service.issue(db.session, current_user, signatories)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        return _signature_page(form, exc.status_code, translate(exc.message))
    db.session.commit()
    flash(_("Signature copy issued; its checksum is in the audit trail."), "success")
    if issued.frozen is not None:
        flash(
            _(
                "The draft is frozen for the %(meeting)s: the signed text is fixed.",
                meeting=translate(issued.frozen.local_name),
            ),
            "success",
        )
    else:
        flash(translate(issued.not_frozen_because), "info")
    return redirect(url_for("record.signature_copy"))


def _ready_state():
    state = signature_service.signature_state(db.session, current_user)
    if not state.ready:
        raise Conflict(N_("The text cannot go to signature yet: the signature copy page lists what blocks it."))
    return state


def _layout() -> str:
    layout = request.args.get("layout") or LAYOUTS[0]
    if layout not in LAYOUTS:
        raise ValidationFailed(N_("Choose a layout: the languages one after the other, or in two columns."))
    return layout


def _signature_parts(state, made) -> list[builder.SignaturePart]:
    instrument = state.instrument
    parts = []
    for wording in _wordings(instrument, lambda: _("Signature copy"), made):
        language = wording.language
        with _in_language(language):
            words = builder.SignatureWords(
                for_party=_("For the %(party)s", party="%(party)s"),
                name=pgettext("signatory", "Name"),
                title=pgettext("signatory", "Title"),
                checksum=_("Text checksum (SHA-256): %(checksum)s", checksum="%(checksum)s"),
            )
        parts.append(
            builder.SignaturePart(
                wording=wording,
                words=words,
                title=state.title_in(language),
                blocks=[
                    builder.SignatureBlock(s.party.local_name.in_language(language), s.name, s.title)
                    for s in state.signatories
                ],
            )
        )
    return parts


def _signature_clauses(state) -> list[builder.SignatureClause]:
    clauses = []
    for item in state.clauses:
        texts = {}
        for language in state.instrument.language_codes:
            text = item.version.text(language)
            if text is not None:
                texts[language] = (text.heading, text.body)
        clauses.append(builder.SignatureClause(item.kind, item.depth, item.label, texts))
    return clauses


@bp.route("/signature-copy.docx")
def signature_copy_docx():
    state = _ready_state()
    layout = _layout()
    settings = _document_settings()
    body = builder.signature_docx(
        state.instrument.title,
        _("Signature copy: the authentic texts"),
        _signature_clauses(state),
        _signature_parts(state, settings.created.date()),
        shown(state.checksum),
        columns=layout == "columns",
        settings=settings,
    )
    return _download(body, DOCX, _now_stem(state.instrument, f"signature-copy-{layout}"), "docx", stamped=False)


@bp.route("/signature-copy.pdf")
def signature_copy_pdf():
    state = _ready_state()
    layout = _layout()
    parts = _signature_parts(state, utcnow().date())
    return _pdf(
        "record/signature_pdf.html",
        _now_stem(state.instrument, f"signature-copy-{layout}"),
        instrument=state.instrument,
        state=state,
        parts=parts,
        clauses=_signature_clauses(state),
        columns=layout == "columns",
        generated_at=utcnow(),
        checksum=shown(state.checksum),
    )
