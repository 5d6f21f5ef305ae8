"""The SWG, the SOC and the signature: freeze the draft for a meeting, record its outcomes, conclude it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified

from ..core import permissions
from ..core.messages import N_, Message
from ..core.milestones import (
    MeetingResult,
    MilestoneRefused,
    MilestoneState,
    Outcome,
    can_manage_delegations,
    check_can_conclude,
    check_can_edit,
    check_can_freeze,
    check_can_record,
    proposed_outcome,
)
from ..core.text import MAX_NOTE
from ..core.workflow import Action, AmendmentKind, AmendmentState
from ..models import (
    Amendment,
    Clause,
    ClauseVersion,
    Delegation,
    Milestone,
    MilestoneOutcome,
    MilestoneSnapshot,
    Party,
    User,
)
from ..models.base import utcnow
from . import audit
from .amendments import clean_field
from .brackets import bracket_counts
from .draft import current_instrument, current_versions
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed


def milestones(session: Session) -> list[Milestone]:
    instrument = current_instrument(session)
    return list(
        session.scalars(select(Milestone).where(Milestone.instrument_id == instrument.id).order_by(Milestone.position))
    )


def find_in(meetings: list[Milestone], code: str) -> Milestone:
    """The meeting `code` among the negotiation's meetings already read (a page that needs them all saves a query)."""
    milestone = next((m for m in meetings if m.code == code), None)
    if milestone is None:
        raise NotFound(N_("There is no meeting with that code."))
    return milestone


def get_milestone(session: Session, code: str) -> Milestone:
    milestone = session.scalar(
        select(Milestone).where(Milestone.instrument_id == current_instrument(session).id, Milestone.code == code)
    )
    if milestone is None:
        raise NotFound(N_("There is no meeting with that code."))
    return milestone


def _require_chair(actor: User) -> None:
    if not permissions.can_chair(actor):
        raise PermissionDenied(N_("Only a chair can run the meetings."))


def _guard(check, *args) -> None:
    try:
        check(*args)
    except MilestoneRefused as exc:
        raise Conflict(exc.args[0]) from exc


def snapshot(session: Session, milestone: Milestone) -> dict[int, ClauseVersion]:
    """{clause id: the version frozen for the meeting}; empty while the meeting is only planned."""
    rows = session.execute(
        select(MilestoneSnapshot.clause_id, ClauseVersion)
        .join(ClauseVersion, ClauseVersion.id == MilestoneSnapshot.version_id)
        .where(MilestoneSnapshot.milestone_id == milestone.id)
        # The words too, even for versions a status page already read without them.
        .options(joinedload(ClauseVersion.clause), selectinload(ClauseVersion.texts))
    ).all()
    return {clause_id: version for clause_id, version in rows}


def outcomes(session: Session, milestone: Milestone) -> dict[int, MilestoneOutcome]:
    rows = session.scalars(select(MilestoneOutcome).where(MilestoneOutcome.milestone_id == milestone.id)).all()
    return {row.clause_id: row for row in rows}


def freeze(session: Session, actor: User, code: str) -> Milestone:
    """Freeze the current draft as the text that goes to the meeting: an immutable snapshot of every clause."""
    _require_chair(actor)
    milestone = get_milestone(session, code)
    earlier = [m for m in milestones(session) if m.position < milestone.position]
    _guard(check_can_freeze, milestone.state, [m.state for m in earlier], [m.name for m in earlier])
    instrument = current_instrument(session)
    clause_ids = list(session.scalars(select(Clause.id).where(Clause.instrument_id == instrument.id)))
    live = {cid: v for cid, v in current_versions(session, clause_ids).items() if not v.is_deleted}
    for clause_id, version in live.items():
        session.add(MilestoneSnapshot(milestone_id=milestone.id, clause_id=clause_id, version_id=version.id))
    milestone.state = MilestoneState.frozen
    milestone.frozen_at = utcnow()
    milestone.frozen_by = actor
    session.flush()
    audit.record(
        session,
        actor,
        "milestone.frozen",
        milestone,
        f"Draft frozen for the {milestone.name}: {len(live)} clauses",
        after={"clauses": len(live)},
    )
    return milestone


@dataclass(frozen=True)
class Reserver:
    """Who can enter a reservation at a meeting: a party of the negotiation or a Member State's delegation."""

    #: The form's value for it: "party-<id>" or "delegation-<id>".
    key: str
    #: Its name in the record (the negotiation's authoritative language): what the reservation row keeps.
    name: str
    delegation: Delegation | None = None
    party: Party | None = None

    def name_in(self, language: str | None) -> str:
        return self.delegation.name_in(language) if self.delegation is not None else self.name


def reservers(session: Session) -> list[Reserver]:
    """The parties, then the delegations, of the current negotiation: the only names a reservation may carry."""
    instrument = current_instrument(session)
    found = [Reserver(f"party-{p.id}", p.code, party=p) for p in instrument.parties]
    found += [Reserver(f"delegation-{d.id}", d.name, delegation=d) for d in delegations(session)]
    return found


def delegations(session: Session) -> list[Delegation]:
    return list(
        session.scalars(
            select(Delegation)
            .where(Delegation.instrument_id == current_instrument(session).id)
            .order_by(Delegation.position, Delegation.id)
        )
    )


def _reserver(choices: list[Reserver], raw: str | None) -> Reserver | None:
    """The party or delegation a form or the API names: by its form value, or by one of its names (the API and
    older forms send a name). Free text that names neither is refused."""
    wanted = (raw or "").strip()
    if not wanted:
        return None
    for choice in choices:
        names = {choice.key, choice.name}
        if choice.delegation is not None:
            names |= set((choice.delegation.names or {}).values())
        if choice.party is not None:
            names.add(choice.party.name)
        if wanted.casefold() in {n.casefold() for n in names if n}:
            return choice
    raise ValidationFailed(
        N_("Choose a party or a delegation of the negotiation; a new delegation is added on the delegations page.")
    )


@dataclass(frozen=True)
class OutcomeChoice:
    """What the chair chose for one clause: on the whole-meeting form, or alone."""

    wid: str
    outcome: str | None
    reserved_by: str = ""
    note: str = ""


class BracketsNeedConfirmation(ValidationFailed):
    """The chair chose to record as endorsed clauses whose frozen text still holds square brackets; nothing was
    recorded. `clauses` is {wid: open brackets} of those clauses: the form asks the chair to confirm."""

    def __init__(self, clauses: dict[str, int]):
        super().__init__(
            N_(
                "Nothing was recorded: some clauses to be recorded as endorsed still hold square brackets. A "
                "bracketed clause stays Bracketed even when endorsed; confirm to record the endorsement anyway."
            )
        )
        self.clauses = clauses


def _brackets_to_confirm(
    choices: list[OutcomeChoice],
    clause_ids: dict[str, int],
    recorded: dict[int, MilestoneOutcome],
    brackets: dict[int, int],
) -> dict[str, int]:
    """{wid: open brackets} of the clauses the choices would newly record as endorsed while their frozen text holds
    brackets (an endorsement already recorded was confirmed when it was)."""
    needing: dict[str, int] = {}
    for choice in choices:
        clause_id = clause_ids.get(choice.wid)
        try:
            outcome = Outcome(choice.outcome or "")
        except ValueError:
            continue  # refused with its own message by _record_one
        if clause_id is None or not outcome.endorses or not brackets.get(clause_id):
            continue
        existing = recorded.get(clause_id)
        if existing is None or existing.outcome is not outcome:
            needing[choice.wid] = brackets[clause_id]
    return needing


def frozen_brackets(session: Session, frozen: dict[int, ClauseVersion]) -> dict[int, int]:
    """{clause id: open brackets in the text frozen for the meeting}."""
    counts = bracket_counts(session, frozen.values())
    return {clause_id: counts.get(version.id, 0) for clause_id, version in frozen.items()}


class OutcomeChoicesInvalid(ValidationFailed):
    """Some clauses' choices cannot be recorded; nothing was. `errors` says why, per clause wid."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(N_("Nothing was recorded: correct the clauses marked below."))
        self.errors = errors


def _outcome_values(row: MilestoneOutcome | None) -> dict | None:
    if row is None:
        return None
    return {"outcome": row.outcome.value, "reserved_by": row.reserved_by, "note": row.note}


def _record_one(
    session: Session,
    actor: User,
    milestone: Milestone,
    clause_id: int,
    existing: MilestoneOutcome | None,
    choice: OutcomeChoice,
    who: list[Reserver],
    over_brackets: int = 0,
) -> MilestoneOutcome | None:
    """The rule for one clause's outcome (written once: the single-clause form, the whole-meeting form and the API
    use it). Validates, writes the row and its audit event; None when the choice is what is already recorded.
    `over_brackets`: the open brackets of the frozen text, when the chair confirmed endorsing it over them."""
    outcome = parse_outcome(choice.outcome)
    name, delegation = "", None
    if outcome is Outcome.reservation:
        sent = (choice.reserved_by or "").strip()
        if (
            existing is not None
            and existing.delegation_id is None
            and existing.reserved_by
            and sent == existing.reserved_by
        ):
            name = existing.reserved_by  # a reservation typed in free text before delegations were kept, left as it is
        else:
            reserver = _reserver(who, sent)
            if reserver is None:
                raise ValidationFailed(N_("Who entered the reservation? Choose the party or the delegation."))
            name, delegation = reserver.name, reserver.delegation
    note = clean_field(choice.note, Message(N_("The note")), MAX_NOTE, required=False)
    after: dict[str, object] = {"outcome": outcome.value, "reserved_by": name, "note": note}
    before = _outcome_values(existing)
    if existing is not None and before == after and existing.delegation_id == (delegation.id if delegation else None):
        return None
    row = existing or MilestoneOutcome(milestone_id=milestone.id, clause_id=clause_id)
    row.outcome, row.reserved_by, row.note, row.recorded_by, row.recorded_at = (outcome, name, note, actor, utcnow())
    row.delegation = delegation
    session.add(row)
    session.flush()  # the row before its event, as every service writes them
    summary = f"{milestone.name}: {outcome.label}" + (f" ({name})" if name else "")
    if outcome.endorses and over_brackets:
        after["confirmed_over_brackets"] = over_brackets
        summary += f", confirmed by the chair over {over_brackets} open bracket(s)"
    audit.record(
        session,
        actor,
        "milestone.outcome_recorded",
        milestone,
        summary,
        before=before,
        after=after,
        clause_id=clause_id,
    )
    # Flushed alone: services.search_index indexes an outcome's note and an audit event written in one flush with
    # rows of different columns, which SQLAlchemy refuses (reported; not this module's to fix).
    session.flush()
    return row


def _open_for_recording(session: Session, actor: User, code: str) -> tuple[Milestone, dict[int, ClauseVersion]]:
    _require_chair(actor)
    milestone = get_milestone(session, code)
    _guard(check_can_record, milestone.state)
    return milestone, snapshot(session, milestone)


def record_outcome(
    session: Session,
    actor: User,
    code: str,
    clause_wid: str,
    *,
    outcome: Outcome,
    reserved_by: str,
    note: str,
    confirm_brackets: bool = False,
) -> MilestoneOutcome:
    """One clause's outcome (the API, and the form kept for a single clause). Endorsing a clause whose frozen text
    holds square brackets needs `confirm_brackets`."""
    milestone, frozen = _open_for_recording(session, actor, code)
    clause = session.scalar(
        select(Clause).where(Clause.instrument_id == current_instrument(session).id, Clause.wid == clause_wid)
    )
    if clause is None or clause.id not in frozen:
        raise NotFound(N_("That clause is not part of the draft frozen for this meeting."))
    existing = outcomes(session, milestone).get(clause.id)
    choice = OutcomeChoice(clause_wid, outcome.value, reserved_by, note)
    brackets = frozen_brackets(session, {clause.id: frozen[clause.id]})
    needing = _brackets_to_confirm(
        [choice], {clause_wid: clause.id}, {} if existing is None else {clause.id: existing}, brackets
    )
    if needing and not confirm_brackets:
        raise ValidationFailed(
            Message(
                N_(
                    "The text frozen for this meeting still holds %(count)s open square brackets. Endorsed, the clause "
                    "stays Bracketed; the chair must confirm the endorsement to record it."
                ),
                count=brackets[clause.id],
            )
        )
    over = brackets[clause.id] if needing else 0
    row = _record_one(session, actor, milestone, clause.id, existing, choice, reservers(session), over)
    # Recording touches the meeting row, so that a conclusion racing with this outcome collides on lock_version.
    flag_modified(milestone, "result_note")
    session.flush()
    recorded = row or existing  # nothing new recorded: the outcome stands as it was
    if recorded is None:
        raise NotFound(N_("No outcome is recorded for that clause."))
    return recorded


def record_outcomes(
    session: Session,
    actor: User,
    code: str,
    choices: list[OutcomeChoice],
    *,
    expected_version: int | None,
    confirm_brackets: bool = False,
) -> int:
    """The whole meeting at once: every clause's choice checked, then all recorded in this one transaction with
    one audit event per clause that changed. `expected_version` is the meeting's lock_version when the form was
    shown: outcomes recorded since (by another chair, in another tab) refuse the form instead of being overwritten.
    Returns how many clauses changed. Clauses newly endorsed while their frozen text holds square brackets refuse
    the whole form (`BracketsNeedConfirmation`) unless the chair confirmed (`confirm_brackets`)."""
    milestone, frozen = _open_for_recording(session, actor, code)
    if expected_version is None or expected_version != milestone.lock_version:
        raise Conflict(
            N_(
                "The outcomes of this meeting were changed after this form was shown. Nothing was recorded; your "
                "choices are kept below: check them and record again."
            )
        )
    wids = dict(session.execute(select(Clause.wid, Clause.id).where(Clause.id.in_(frozen))).tuples().all())
    recorded = outcomes(session, milestone)
    who = reservers(session)
    needing = _brackets_to_confirm(choices, wids, recorded, frozen_brackets(session, frozen))
    errors: dict[str, str] = {}
    changed = 0
    for choice in choices:
        clause_id = wids.get(choice.wid)
        if clause_id is None:
            raise NotFound(N_("That clause is not part of the draft frozen for this meeting."))
        try:
            existing = recorded.get(clause_id)
            over = needing.get(choice.wid, 0)
            if _record_one(session, actor, milestone, clause_id, existing, choice, who, over) is not None:
                changed += 1
        except ValidationFailed as exc:
            errors[choice.wid] = exc.message
    if errors:
        raise OutcomeChoicesInvalid(errors)
    if needing and not confirm_brackets:
        raise BracketsNeedConfirmation(needing)
    if changed:
        flag_modified(milestone, "result_note")
    session.flush()
    return changed


def proposed_outcomes(recorded: dict[int, MilestoneOutcome], bracketed: set[int], clause_ids: list[int]) -> dict:
    """{clause id: the outcome the whole-meeting form offers}: what is recorded, else endorsed unless bracketed."""
    return {
        cid: proposed_outcome(recorded[cid].outcome if cid in recorded else None, cid in bracketed)
        for cid in clause_ids
    }


def conclude(session: Session, actor: User, code: str, *, result: MeetingResult, note: str) -> Milestone:
    _require_chair(actor)
    milestone = get_milestone(session, code)
    missing = len(set(snapshot(session, milestone)) - set(outcomes(session, milestone)))
    _guard(check_can_conclude, milestone.state, missing)
    milestone.state = MilestoneState.concluded
    milestone.concluded_at = utcnow()
    milestone.concluded_by = actor
    milestone.result = result
    milestone.result_note = clean_field(note, Message(N_("The note")), MAX_NOTE, required=False)
    session.flush()
    audit.record(
        session,
        actor,
        "milestone.concluded",
        milestone,
        f"{milestone.name} concluded: {result.label}",
        after={"result": result.value, "note": milestone.result_note},
    )
    return milestone


def edit(session: Session, actor: User, code: str, *, name: str, date: dt.date | None) -> Milestone:
    _require_chair(actor)
    milestone = get_milestone(session, code)
    _guard(check_can_edit, milestone.state)
    before = {"name": milestone.name, "date": milestone.date.isoformat() if milestone.date else None}
    milestone.name = clean_field(name, Message(N_("The name")), 200)
    milestone.date = date
    earlier = [m for m in milestones(session) if m.position < milestone.position and m.date]
    if date and any(m.date is not None and m.date > date for m in earlier):
        raise ValidationFailed(N_("A meeting cannot be dated before the meetings that come before it."))
    session.flush()
    audit.record(
        session,
        actor,
        "milestone.edited",
        milestone,
        f"Meeting details changed: {milestone.name}",
        before=before,
        after={"name": milestone.name, "date": date.isoformat() if date else None},
    )
    return milestone


def parse_outcome(raw: str | None) -> Outcome:
    try:
        return Outcome(raw or "")
    except ValueError:
        raise ValidationFailed(N_("Choose an outcome.")) from None


def parse_result(raw: str | None) -> MeetingResult:
    try:
        return MeetingResult(raw or "")
    except ValueError:
        raise ValidationFailed(N_("Choose the meeting's result.")) from None


def frozen_draft(session: Session, milestone: Milestone) -> list:
    """The frozen draft in reading order, numbered as it stood (one query for the snapshot)."""
    from .draft import in_reading_order

    return in_reading_order(snapshot(session, milestone))


# Member States' delegations ------------------------------------------------------------------------------------


def _require_delegation_manager(actor: User) -> None:
    if actor is None or not can_manage_delegations(actor.role, actor.active):
        raise PermissionDenied(N_("Only a chair or an administrator can keep the list of delegations."))


def add_delegation(session: Session, actor: User, *, name: str, names: dict[str, str]) -> Delegation:
    """Add a Member State's delegation to the current negotiation (its name, and its names in other languages)."""
    _require_delegation_manager(actor)
    instrument = current_instrument(session)
    name = clean_field(name, Message(N_("The name")), 200)
    names = {
        lang: clean_field(value, Message(N_("The name")), 200, required=False)
        for lang, value in names.items()
        if lang in instrument.language_codes and (value or "").strip()
    }
    existing = delegations(session)
    if any(d.name.casefold() == name.casefold() for d in existing):
        raise ValidationFailed(Message(N_("%(name)s is already a delegation of this negotiation."), name=name))
    delegation = Delegation(instrument_id=instrument.id, name=name, names=names, position=len(existing))
    session.add(delegation)
    session.flush()
    audit.record(
        session, actor, "delegation.added", delegation, f"Delegation added: {name}", after={"name": name, **names}
    )
    return delegation


def get_delegation(session: Session, delegation_id: int | None) -> Delegation:
    delegation = session.get(Delegation, delegation_id) if delegation_id else None
    if delegation is None or delegation.instrument_id != current_instrument(session).id:
        raise NotFound(N_("There is no such delegation in this negotiation."))
    return delegation


def enter_delegation_proposal(
    session: Session, actor: User, delegation_id: int | None, wid: str, texts: dict, rationale: str
) -> Amendment:
    """A proposal a Member State's delegation made at a meeting, entered by the chair: a new wording of a clause,
    attributed to the delegation and tabled at once, in the name of the chair's party (the Secretariat that services
    the meeting). From then on it is an amendment like any other: answered, reviewed, adopted or withdrawn."""
    from . import amendments as am

    _require_chair(actor)
    delegation = get_delegation(session, delegation_id)
    instrument = current_instrument(session)
    if actor.party_id not in {p.id for p in instrument.parties}:
        raise PermissionDenied(N_("The chair enters proposals for the party that services the meeting."))
    clause = am._clause(session, wid)
    base = am._live_version(session, clause)
    cleaned = am._clean_texts(instrument, clause.kind, texts)
    if am._same_as_version(cleaned, base):
        raise ValidationFailed(N_("The proposed text is identical to the current text; there is nothing to amend."))
    amendment = Amendment(
        instrument_id=instrument.id,
        party_id=actor.party_id,
        delegation_id=delegation.id,
        kind=AmendmentKind.change,
        state=AmendmentState.draft,
        clause=clause,
        created_by=actor,
    )
    amendment.revisions.append(am._revision(1, actor, base, cleaned, am._rationale(rationale)))
    session.add(amendment)
    amendment.state = am.transition(amendment, Action.table)
    amendment.number = am._take_citation_number(session, instrument.id, actor.party_id)
    amendment.tabled_at = utcnow()
    amendment.tabled_seq = 1
    am.touch(amendment)
    session.flush()
    audit.record(
        session,
        actor,
        "amendment.tabled",
        amendment,
        f"{amendment.citation} tabled by the chair: proposal of the delegation of {delegation.name}",
        after={**am.snapshot(amendment), "delegation": delegation.name},
    )
    return amendment
