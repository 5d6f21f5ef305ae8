from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..core import permissions
from ..core.clause_kinds import structure_actions
from ..extensions import db
from ..i18n import text_language, translate, translate_citation
from ..services import brackets as bracket_service
from ..services import discussion as discussion_service
from ..services import draft as draft_service
from ..services import redlines as redline_service
from ..services import reports as report_service
from ..services import standing as standing_service
from ..services.errors import ValidationFailed
from . import build_ahead, parse_id
from .forms import ConfirmForm
from .page_cache import rendered, status_page

bp = Blueprint("draft", __name__)


def _language(instrument) -> str:
    return text_language(instrument, request.args.get("lang"))


@build_ahead.builder("draft")
def _draft_part(instrument, lang: str) -> dict:
    """The draft page's kept part in text language `lang`, built as `current_user` (a `page_cache.Reader`)."""
    clauses = draft_service.draft_as_of(db.session, current_user, instrument)
    standing = standing_service.standings(
        db.session, current_user, instrument, current={item.clause.id: item.version for item in clauses}
    )
    return {
        "body": rendered(
            "draft/_clauses.html",
            instrument=instrument,
            clauses=clauses,
            lang=lang,
            standing=standing,
            link_clauses=True,
        ),
        "clause_count": len(clauses),
        "outdated_count": sum(1 for item in clauses if item.outdated_translations),
    }


@bp.route("/")
def index():
    """The draft as it stands, each clause with where it stands and its count of posts. The kept part shows the
    current text and tabled proposals, and of the party's private business only its internal posts, counted
    (`Private.POSTS`): a party's draft leaves it kept, an internal post rebuilds that party's. It shows every role
    the same, and is built ahead after a public change (web/build_ahead)."""
    private = report_service.Private.POSTS
    stamp = report_service.state_stamp(db.session, current_user, private=private)
    instrument = draft_service.current_instrument(db.session)
    lang = _language(instrument)
    build = partial(_draft_part, instrument, lang)
    page = status_page(
        f"draft:{lang}", stamp, "draft/index.html", build, per_role=False, instrument=instrument, lang=lang
    )
    build_ahead.note_read(f"draft:{lang}", "draft", private, instrument, lang)  # once it was shown
    return page


@bp.route("/print")
def print_view():
    instrument = draft_service.current_instrument(db.session)
    clauses = draft_service.draft_as_of(db.session, current_user, instrument)
    return render_template("draft/print.html", instrument=instrument, clauses=clauses, lang=_language(instrument))


@bp.route("/clauses/<wid>")
def clause(wid: str):
    """A clause: its text, standing, open amendments and versions are a part kept per clause, state, visibility,
    role and language (web/page_cache.py), built as the reader's party and role; around it, rendered for each
    request, what is the reader's own: the forms' tokens, the discussion (and its form) and the attachments."""
    # First: it refuses a reader who may not read. The part shows the reader's party's untabled amendments
    # (`Private.DRAFTS`); its internal posts and attachments are in the page around it, read for each request.
    stamp = report_service.state_stamp(db.session, current_user, private=report_service.Private.DRAFTS)
    clause = discussion_service.clause_in_negotiation(db.session, wid)  # unknown: not found, nothing kept
    instrument = draft_service.current_instrument(db.session)
    lang = _language(instrument)
    heading_lang = text_language(instrument, request.args.get("lang"), allow_both=False)
    # A comparison of two versions the reader asked for (?from=&to=) is built for them alone, not kept.
    comparing = "from" in request.args or "to" in request.args

    def build() -> dict:
        return _clause_part(wid, instrument, lang, heading_lang, comparing=comparing)

    # The page around the part carries single-use forms (each view its own nonce) and the reader's own discussion
    # form: it is rendered for each request, never kept (`personal_around`).
    context: dict[str, Any] = {"instrument": instrument, "lang": lang, "clause": clause, "bracket_form": ConfirmForm()}
    if comparing:
        part = build()
        return render_template("draft/clause.html", **context, **part)
    page = f"clause:{instrument.id}:{clause.id}:{lang}:{heading_lang}"
    return status_page(page, stamp, "draft/clause.html", build, personal_around=True, **context)


def _clause_part(wid: str, instrument, lang: str, heading_lang: str, *, comparing: bool) -> dict:
    """The clause page's part (draft/_clause.html) and what the page around it shows of it."""
    history = draft_service.clause_history(db.session, current_user, wid)
    current = history.current.version if history.current else None
    readings = redline_service.clause_readings(db.session, current_user, history.clause, current)
    standing = standing_service.clause_standing(
        db.session,
        current_user,
        instrument,
        history.clause,
        current or history.versions[0],
        [reading.amendment for reading in readings],
    )
    since = None
    if standing.changed_since:
        meeting, then = standing.changed_since
        since = (meeting, redline_service.version_redlines(then, current, instrument.language_codes))
    compared = versions_compared(history.versions, instrument.language_codes) if comparing else None
    brackets = bracket_service.clause_brackets(current) if current is not None and not current.is_deleted else None
    body = rendered(
        "draft/_clause.html",
        instrument=instrument,
        history=history,
        version_steps=redline_service.version_history(db.session, history.versions, instrument.language_codes),
        compared=compared,
        readings=readings,
        standing=standing,
        since=since,
        lang=lang,
        heading_lang=heading_lang,
        structure=structure_actions(history.clause.kind, history.clause.parent.kind if history.clause.parent else None),
        brackets=brackets,
    )
    return {
        "body": body,
        "page_title": translate_citation(history.current.citation) if history.current else _("Deleted clause"),
        # The part holds the declarations' form (draft/_clause.html): the page adds the reader's token to it.
        "bracket_declarations": bool(
            brackets
            and (brackets.passages or brackets.stale or brackets.problems)
            and permissions.can_declare_plain_brackets(current_user)
        ),
    }


@bp.route("/clauses/<wid>/brackets", methods=["POST"])
def plain_brackets(wid: str):
    """The clause page's "not a negotiating bracket" toggles, sent at once."""
    back = url_for("draft.clause", wid=wid) + "#brackets-heading"
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired; reload the page and try again."), "error")
        return redirect(back)
    try:
        changed = bracket_service.set_plain_brackets(
            db.session, current_user, wid, request.form.getlist("listed"), set(request.form.getlist("plain"))
        )
    except ValidationFailed as exc:
        db.session.rollback()
        flash(translate(exc.message), "error")
        return redirect(back)
    db.session.commit()
    flash(
        ngettext("%(num)d bracket changed.", "%(num)d brackets changed.", changed)
        if changed
        else _("Nothing changed."),
        "success",
    )
    return redirect(back)


def versions_compared(versions, languages: list[str]):
    """Version `?from=` against version `?to=` of a clause, when the reader asked for it: (old, new, redlines)."""
    old_seq, new_seq = parse_id(request.args.get("from")), parse_id(request.args.get("to"))
    if old_seq is None or new_seq is None:
        return None
    return old_seq, new_seq, redline_service.compare_versions(db.session, versions, old_seq, new_seq, languages)
