"""Amendment pages: propose, read as a redline, revise, table, withdraw, discuss, rebase, compare."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..core import permissions
from ..core.clause_kinds import ClauseKind, insertable_kinds
from ..core.clearance import ResponseKind, review_lapsed
from ..core.messages import N_
from ..core.paging import page_number
from ..core.workflow import Action, AmendmentKind, AmendmentState
from ..extensions import db
from ..i18n import translate
from ..services import agreement
from ..services import amendments as service
from ..services import brackets as bracket_service
from ..services import draft as draft_service
from ..services import meetings as meetings_service
from ..services import redlines as redline_service
from ..services.errors import ValidationFailed
from . import parse_id
from .forms import (
    CommentForm,
    DeletionForm,
    FlaskForm,
    RebaseForm,
    RejectForm,
    ReviewForm,
    RevisionActionForm,
    amendment_form_class,
)

bp = Blueprint("amendments", __name__)


def _texts(form, instrument) -> dict[str, service.TextInput]:
    return {
        lang.code: service.TextInput(
            getattr(form, f"heading_{lang.code}").data if hasattr(form, f"heading_{lang.code}") else None,
            getattr(form, f"body_{lang.code}").data,
        )
        for lang in instrument.languages
    }


def _prefill(form, instrument, source) -> None:
    """Fill a fresh form with the words of a clause version or an amendment revision."""
    for lang in instrument.languages:
        text = source.text(lang.code) if source is not None else None
        if text is None:
            continue
        getattr(form, f"body_{lang.code}").data = text.body
        if hasattr(form, f"heading_{lang.code}"):
            getattr(form, f"heading_{lang.code}").data = text.heading


def _save_or_show(form, template: str, context: dict, save):
    """Run `save` on a valid submission and go to the amendment; otherwise show the form with its messages."""
    if form.validate_on_submit():
        try:
            amendment = save()
        except ValidationFailed as exc:
            form.form_errors.append(exc.message)
        except (StaleDataError, IntegrityError):
            # Someone acted on the same thing at the same moment: nothing was saved, and the words the user typed
            # come back in the form instead of being lost on an error page.
            db.session.rollback()
            form.form_errors.append(
                _(
                    "Someone else changed this at the same moment, so nothing was saved. Your text is kept below: "
                    "check it against the current state and save again."
                )
            )
            return render_template(template, form=form, **context), 409
        else:
            db.session.commit()
            if amendment.was_tabled:
                message = _(
                    "%(citation)s saved: revision %(seq)s is what the other party now reads.",
                    citation=translate(amendment.citation),
                    seq=amendment.latest.seq,
                )
            else:
                message = _(
                    "%(citation)s saved as a draft, visible to your party only until you table it.",
                    citation=translate(amendment.citation),
                )
            flash(message, "success")
            return redirect(url_for("amendments.show", amendment_id=amendment.id))
    return render_template(template, form=form, **context), 400 if form.is_submitted() else 200


# Proposing -----------------------------------------------------------------------------------------------------


@bp.route("/clauses/<wid>/amend", methods=["GET", "POST"])
def propose_change(wid: str):
    service.require_proposer(current_user)
    history = draft_service.clause_history(db.session, current_user, wid)
    if history.current is None:
        abort(404, _("That clause has been deleted from the draft."))
    instrument = draft_service.current_instrument(db.session)
    answers = _answered(request.args.get("answers"))
    form = amendment_form_class(instrument.languages, with_heading=history.clause.kind is ClauseKind.article)()
    if not form.is_submitted():
        _prefill(
            form,
            instrument,
            answers.latest if answers and answers.kind is AmendmentKind.change else history.current.version,
        )
    context = {"instrument": instrument, "history": history, "answers": answers, "mode": "change"}
    return _save_or_show(
        form,
        "amendments/propose.html",
        context,
        lambda: service.propose_change(
            db.session,
            current_user,
            wid,
            _texts(form, instrument),
            form.rationale.data,
            answers_id=answers.id if answers else None,
        ),
    )


@bp.route("/clauses/<wid>/propose-deletion", methods=["GET", "POST"])
def propose_deletion(wid: str):
    service.require_proposer(current_user)
    history = draft_service.clause_history(db.session, current_user, wid)
    if history.current is None:
        abort(404, _("That clause has been deleted from the draft already."))
    answers = _answered(request.args.get("answers"))
    form = DeletionForm()
    context = {
        "instrument": draft_service.current_instrument(db.session),
        "history": history,
        "answers": answers,
        "mode": "delete",
    }
    return _save_or_show(
        form,
        "amendments/propose.html",
        context,
        lambda: service.propose_deletion(
            db.session, current_user, wid, form.rationale.data, answers_id=answers.id if answers else None
        ),
    )


@bp.route("/propose/new-clause", methods=["GET", "POST"])
def propose_insertion():
    """A new clause under ?parent= (none: top level), right after ?after= (none: first)."""
    service.require_proposer(current_user)
    instrument = draft_service.current_instrument(db.session)
    parent_wid, after_wid = request.args.get("parent") or None, request.args.get("after") or None
    parent = draft_service.clause_history(db.session, current_user, parent_wid).current if parent_wid else None
    after = draft_service.clause_history(db.session, current_user, after_wid).current if after_wid else None
    parent_kind = parent.kind if parent else None
    kinds = list(insertable_kinds(parent_kind))
    if not kinds:
        abort(400, _("No clause can be inserted at that position."))
    form = amendment_form_class(
        instrument.languages, with_heading=ClauseKind.article in kinds, with_kind_choices=kinds
    )()
    context = {"instrument": instrument, "parent": parent, "after": after, "mode": "insert"}
    return _save_or_show(
        form,
        "amendments/propose.html",
        context,
        lambda: service.propose_insertion(
            db.session,
            current_user,
            parent_wid=parent_wid,
            after_wid=after_wid,
            kind=ClauseKind(form.kind.data),
            texts=_texts(form, instrument),
            rationale=form.rationale.data,
        ),
    )


def _citations() -> dict[int, str]:
    return draft_service.citations(db.session, current_user, draft_service.current_instrument(db.session))


def _answered(raw: str | None):
    answers_id = parse_id(raw)
    if answers_id is None:
        return None
    answered = service.get_amendment(db.session, current_user, answers_id)
    if not permissions.can_counter(current_user, answered):
        abort(403, _("A counter-proposal answers a tabled amendment of the other party."))
    return answered


# Reading -------------------------------------------------------------------------------------------------------


#: Amendments listed a page at a time: a treaty negotiation has thousands.
AMENDMENTS_PER_PAGE = 50
#: The list's state filter also offers the open amendments that need rebasing.
OUTDATED = "outdated"


@bp.route("/amendments")
def index():
    state = request.args.get("state") or None
    outdated = state == OUTDATED
    if state is not None and not outdated and state not in AmendmentState.__members__:
        abort(400, _("Unknown state."))
    wanted = service.AmendmentFilter(
        party_code=request.args.get("party") or None,
        state=AmendmentState(state) if state and not outdated else None,
        outdated=outdated,
    )
    amendments, pages = service.page_of_amendments(
        db.session, current_user, wanted, page=page_number(request.args.get("page")), size=AMENDMENTS_PER_PAGE
    )
    return render_template(
        "amendments/index.html",
        amendments=amendments,
        pages=pages,
        filters={"state": state, "party": wanted.party_code},
        states=list(AmendmentState),
        parties=draft_service.current_instrument(db.session).parties,
        citations=_citations(),
    )


@bp.route("/amendments/<int:amendment_id>")
def show(amendment_id: int):
    return _amendment_page(amendment_id)


def _amendment_page(amendment_id: int, *, refused: FlaskForm | None = None):
    """The amendment page; after a form on it was refused (left empty), that form with its errors and its text, on
    the page the user came from (answered 400, the error summary at the top)."""
    reading = redline_service.amendment_reading(
        db.session, current_user, amendment_id, as_written=request.args.get("against") == "written"
    )
    amendment = reading.amendment
    instrument = draft_service.current_instrument(db.session)
    responses = agreement.responses_of(db.session, amendment)
    answered = permissions.has_answered(current_user, agreement.concurring_parties(responses, amendment))
    reviews = agreement.reviews_of(db.session, amendment)
    clearance = agreement.clearance_of(instrument, amendment, reviews)
    return render_template(
        "amendments/show.html",
        reading=reading,
        amendment=amendment,
        instrument=instrument,
        history=redline_service.revision_history(current_user, amendment, instrument.language_codes),
        comments=service.comments_for(db.session, current_user, amendment),
        reviews=reviews,
        responses=responses,
        lapsed={r.id for r in reviews if review_lapsed(r.revision_id, amendment.latest.id)},
        lapsed_responses={
            r.id
            for r in responses
            if r.kind == ResponseKind.concur and review_lapsed(r.revision_id, amendment.latest.id)
        },
        clearance=clearance,
        clearance_missing_from=[p for p in instrument.parties if p.id in clearance.missing_parties],
        superseded_by=service.superseded_by(db.session, current_user, amendment),
        can_answer=permissions.can_respond(current_user, amendment) and not answered,
        answered=answered,
        can_review=permissions.can_review(current_user, amendment, agreement.proposer_ids(amendment)),
        can_edit=permissions.can_edit_amendment(current_user, amendment),
        review_form=refused if isinstance(refused, ReviewForm) else ReviewForm(expected_revision=amendment.latest.seq),
        reject_form=refused if isinstance(refused, RejectForm) else RejectForm(expected_revision=amendment.latest.seq),
        comment_form=refused if isinstance(refused, CommentForm) else CommentForm(),
        action_form=RevisionActionForm(expected_revision=amendment.latest.seq),
        view=request.args.get("view", "inline"),
        citations=_citations(),
    ), (400 if refused is not None else 200)


@bp.route("/compare")
def compare():
    first, second = parse_id(request.args.get("a")), parse_id(request.args.get("b"))
    if first is None or second is None:
        abort(400, _("Choose two amendments to compare."))
    comparison = redline_service.compare_amendments(db.session, current_user, first, second)
    return render_template(
        "amendments/compare.html",
        comparison=comparison,
        instrument=draft_service.current_instrument(db.session),
        citations=_citations(),
    )


def _point_key(field: str, default: str) -> str:
    """A point from the form: a key ("now", "milestone:SWG", "party:CICA") or "date" with a date beside it."""
    raw = request.args.get(field) or default
    if raw == "date":
        return f"date:{request.args.get(field + '_date', '')}"
    return raw


@bp.route("/redline")
def whole_draft():
    instrument = draft_service.current_instrument(db.session)
    old = redline_service.parse_point(db.session, _point_key("from", redline_service.default_start(db.session)))
    new = redline_service.parse_point(db.session, _point_key("to", "now"))
    result = redline_service.whole_draft_redline(db.session, current_user, old, new)
    choices = [("now", _("Current draft"))]
    choices += [
        (f"milestone:{m.code}", _("Frozen for the %(meeting)s", meeting=translate(m.local_name)))
        for m in meetings_service.milestones(db.session)
        if m.state.value != "planned"
    ]
    choices += [
        (f"party:{p.code}", _("Current draft with %(party)s's open amendments", party=p.code))
        for p in instrument.parties
    ]
    return render_template(
        "amendments/whole_draft.html",
        result=result,
        instrument=instrument,
        only_changes=request.args.get("only") == "changes",
        choices=choices,
        plain_brackets=bracket_service.declared_plain_brackets(db.session),
    )


# Acting --------------------------------------------------------------------------------------------------------


@bp.route("/amendments/<int:amendment_id>/revise", methods=["GET", "POST"])
def revise(amendment_id: int):
    amendment = service.get_amendment(db.session, current_user, amendment_id)
    service.require_editor(current_user, amendment, Action.revise)
    instrument = draft_service.current_instrument(db.session)
    if amendment.kind is AmendmentKind.delete:
        form = DeletionForm()
    else:
        kind = amendment.clause.kind if amendment.clause else amendment.new_clause_kind
        form = amendment_form_class(instrument.languages, with_heading=kind is ClauseKind.article)()
    if not form.is_submitted():
        form.rationale.data = amendment.latest.rationale
        if amendment.kind is not AmendmentKind.delete:
            _prefill(form, instrument, amendment.latest)
    expected = parse_id(request.form.get("expected_revision")) if form.is_submitted() else amendment.latest.seq
    # The clause as it stands: an outdated amendment is revised against it (the user reads it on the form).
    history = draft_service.clause_history(db.session, current_user, amendment.clause.wid) if amendment.clause else None
    current = history.current.version if history and history.current else None
    outdated = service.is_outdated(amendment, current)
    context = {
        "instrument": instrument,
        "amendment": amendment,
        "history": history if history and history.current else None,
        "outdated_from": amendment.latest.base_version if outdated else None,
        "onto_version": current if outdated else None,
        "mode": "revise",
        "expected_revision": amendment.latest.seq,
    }
    return _save_or_show(
        form,
        "amendments/propose.html",
        context,
        lambda: service.revise(
            db.session,
            current_user,
            amendment_id,
            texts=_texts(form, instrument) if amendment.kind is not AmendmentKind.delete else {},
            rationale=form.rationale.data,
            expected_revision=expected,
            onto_version_id=parse_id(request.form.get("onto_version_id")),
        ),
    )


def _revision_action(amendment_id: int, action, message: str):
    form = RevisionActionForm()
    if not form.validate_on_submit():
        abort(400, _("The form was incomplete; reload the page and try again."))
    amendment = action(db.session, current_user, amendment_id, expected_revision=parse_id(form.expected_revision.data))
    db.session.commit()
    flash(_(message, citation=translate(amendment.citation)), "success")
    return redirect(url_for("amendments.show", amendment_id=amendment.id))


@bp.route("/amendments/<int:amendment_id>/table", methods=["POST"])
def table(amendment_id: int):
    from .deadlines import reply_by_from

    reply_by = reply_by_from(request.form)  # optional: the next meeting's date when left empty
    return _revision_action(
        amendment_id,
        lambda session, actor, amendment_id, **kw: service.table(session, actor, amendment_id, reply_by=reply_by, **kw),
        N_("%(citation)s tabled: the other party can now read and answer it."),
    )


@bp.route("/amendments/<int:amendment_id>/withdraw", methods=["POST"])
def withdraw(amendment_id: int):
    return _revision_action(amendment_id, service.withdraw, N_("%(citation)s withdrawn. It stays on record."))


@bp.route("/amendments/<int:amendment_id>/concur", methods=["POST"])
def concur(amendment_id: int):
    form = RevisionActionForm()
    if not form.validate_on_submit():
        abort(400, _("The form was incomplete; reload the page and try again."))
    amendment = agreement.concur(
        db.session, current_user, amendment_id, expected_revision=parse_id(form.expected_revision.data)
    )
    db.session.commit()
    if amendment.state is AmendmentState.adopted:
        flash(
            _("%(citation)s is agreed and cleared: it is now the text of the clause.", citation=amendment.citation),
            "success",
        )
    else:
        flash(
            _(
                "Your party concurs with %(citation)s. It enters the draft once legal review clears it.",
                citation=amendment.citation,
            ),
            "success",
        )
    return redirect(url_for("amendments.show", amendment_id=amendment_id))


@bp.route("/amendments/<int:amendment_id>/reject", methods=["POST"])
def reject(amendment_id: int):
    form = RejectForm()
    if not form.validate_on_submit():
        return _amendment_page(amendment_id, refused=form)
    amendment = agreement.reject(
        db.session,
        current_user,
        amendment_id,
        reason=form.reason.data,
        expected_revision=parse_id(form.expected_revision.data),
    )
    db.session.commit()
    flash(_("%(citation)s rejected. The reason is on record.", citation=amendment.citation), "success")
    return redirect(url_for("amendments.show", amendment_id=amendment_id))


@bp.route("/amendments/<int:amendment_id>/review", methods=["POST"])
def review(amendment_id: int):
    form = ReviewForm()
    if not form.validate_on_submit():
        return _amendment_page(amendment_id, refused=form)
    entry = agreement.review(
        db.session,
        current_user,
        amendment_id,
        decision=agreement.validate_decision(form.decision.data),
        comment=form.comment.data,
        expected_revision=parse_id(form.expected_revision.data),
    )
    db.session.commit()
    flash(_("Review recorded: %(decision)s.", decision=_(entry.decision.label)), "success")
    return redirect(url_for("amendments.show", amendment_id=amendment_id))


@bp.route("/amendments/<int:amendment_id>/comments", methods=["POST"])
def comment(amendment_id: int):
    form = CommentForm()
    if not form.validate_on_submit():
        return _amendment_page(amendment_id, refused=form)
    service.add_comment(db.session, current_user, amendment_id, form.body.data, internal=form.internal.data)
    db.session.commit()
    flash(_("Comment added."), "success")
    return redirect(url_for("amendments.show", amendment_id=amendment_id) + "#discussion")


@bp.route("/amendments/<int:amendment_id>/rebase", methods=["GET", "POST"])
def rebase(amendment_id: int):
    form = RebaseForm()
    if form.validate_on_submit():
        amendment = service.confirm_rebase(
            db.session,
            current_user,
            amendment_id,
            onto_version_id=parse_id(form.onto_version_id.data),
            expected_revision=parse_id(form.expected_revision.data),
        )
        db.session.commit()
        flash(_("%(citation)s now applies to the current text of its clause.", citation=amendment.citation), "success")
        return redirect(url_for("amendments.show", amendment_id=amendment_id))
    plan = service.plan_rebase(db.session, current_user, amendment_id)
    form.onto_version_id.data = plan.new_base.id
    form.expected_revision.data = plan.amendment.latest.seq
    return render_template(
        "amendments/rebase.html",
        plan=plan,
        previews=redline_service.rebase_previews(plan) if plan.clean else {},
        form=form,
        instrument=draft_service.current_instrument(db.session),
    ), 400 if form.is_submitted() else 200
