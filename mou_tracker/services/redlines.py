"""Redlines for reading: one amendment, its revisions, two competing amendments, the whole draft between points.

Read-only: these functions check that the user may see what they ask for and return plain data for templates.

A redline is diffed once, when the words it compares are written, and kept (models.stored_redlines); the functions
here read the kept redlines of everything a page shows in one query (`_load_stored`) before drawing them, and diff
only a pair nobody kept (older rows, or two points far apart). Pages never write: such a pair is diffed on each
first view, and remembered by the process (core.stored_redline).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, aliased, object_session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..core import permissions, stored_redline
from ..core.attribution import Credit, CreditedSegment, attribute
from ..core.clause_kinds import ClauseKind
from ..core.messages import N_, Message
from ..core.milestones import MilestoneState
from ..core.numbering import ClauseNode, number_clauses
from ..core.redline import Op, Redline
from ..core.workflow import OPEN_STATES, AmendmentKind, RedlineBasis, redline_basis
from ..models import (
    Amendment,
    AmendmentRevision,
    AmendmentText,
    Clause,
    ClauseText,
    ClauseVersion,
    Instrument,
    Milestone,
    MilestoneSnapshot,
    Party,
    StoredRedline,
    User,
)
from ..models.base import utcnow
from .amendments import get_amendment, is_outdated, new_clause_kind, open_amendments_for_clauses, visible_to
from .draft import current_instrument, current_versions, versions_as_of
from .errors import NotFound, PermissionDenied, ValidationFailed


@dataclass(frozen=True)
class Words:
    """A clause's words in one language."""

    heading: str | None
    body: str | None


@dataclass(frozen=True)
class LanguageRedline:
    language: str
    heading: Redline | None
    body: Redline

    @property
    def has_changes(self) -> bool:
        return self.body.has_changes or bool(self.heading and self.heading.has_changes)


def _words(version_or_revision, language: str) -> Words:
    if version_or_revision is None or getattr(version_or_revision, "is_deleted", False):
        return Words(None, None)
    text = version_or_revision.text(language)
    return Words(text.heading, text.body) if text else Words(None, None)


#: Redlines of one language of one clause, keyed by the words themselves: a redline depends on nothing else, so
#: the cache can never be stale. It spares a page from diffing again every proposal it showed a moment ago (the
#: meeting pack shows every tabled amendment); about 4,000 redlines fit in a few megabytes.
REDLINE_CACHE_SIZE = 4096


def _redline(old: str | None, new: str | None, author: str) -> Redline:
    """Redline.between, from the redlines kept or remembered where there is one."""
    return Redline(stored_redline.segments_between(old or "", new or ""), author)


@functools.lru_cache(maxsize=REDLINE_CACHE_SIZE)
def language_redline(language: str, old: Words, new: Words, author: str) -> LanguageRedline:
    heading = _redline(old.heading, new.heading, author) if (old.heading or new.heading) else None
    return LanguageRedline(language, heading, _redline(old.body, new.body, author))


# Redlines kept in the database ----------------------------------------------------------------------------------

#: The most digests asked for in one query (SQLite admits 32,766 parameters, PostgreSQL 65,535): a treaty's
#: meeting pack asks for a few thousand.
_LOOKUP_CHUNK = 10_000
#: session.info key: the digests this session looked up and did not find, so that a second look-up on the same
#: page (the clause page reads its proposals, then its versions) does not ask again; with the `_generation` of
#: the caches it was made in.
_LOOKED_UP = "stored_redlines_looked_up"
_generation = 0

TextPair = tuple[str | None, str | None]


def _word_pairs(old: Words, new: Words) -> Iterator[TextPair]:
    yield old.heading, new.heading
    yield old.body, new.body


def _load_stored(session: Session | None, pairs: Iterable[TextPair]) -> None:
    """Read the kept redlines of these text pairs in one query, into the process's memory where language_redline
    finds them. Pairs diffed in no time, and those the process remembers or this session already asked for, are
    not asked for; when none is left, no query is made."""
    if session is None:
        return
    generation, looked_up = session.info.get(_LOOKED_UP, (None, set()))
    if generation != _generation:  # clear_caches() since: this session asks again, as a new one would
        looked_up = set()
        session.info[_LOOKED_UP] = (_generation, looked_up)
    wanted: set[str] = set()
    for old, new in pairs:
        old, new = old or "", new or ""
        if stored_redline.is_trivial(old, new):
            continue
        key = stored_redline.digest(old, new)
        if key not in looked_up and not stored_redline.remembered(key):
            wanted.add(key)
    keys = sorted(wanted)
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        chunk = keys[start : start + _LOOKUP_CHUNK]
        for key, data in session.execute(
            select(StoredRedline.digest, StoredRedline.segments).where(StoredRedline.digest.in_(chunk))
        ):
            # Checked against the texts when used (core.stored_redline.decode): a damaged row is diffed afresh.
            stored_redline.remember(key, data)
    looked_up.update(keys)


def _loaded(obj) -> bool:
    """Whether a version's or revision's words are loaded: gathering pairs never loads anything itself (it would
    cost a query per row); words not loaded yet are diffed when drawn, as before."""
    return obj is None or "texts" in inspect(obj).dict


def _chain_pairs(owners: list, languages: list[str]) -> Iterator[TextPair]:
    """Each version (or revision) against the one before it, per language."""
    if not all(_loaded(o) for o in owners):
        return
    for previous, owner in itertools.pairwise(owners):
        for lang in languages:
            yield from _word_pairs(_words(previous, lang), _words(owner, lang))


def _reading_pairs(amendment: Amendment, against: ClauseVersion | None, languages: list[str]) -> Iterator[TextPair]:
    """The pairs read_amendment diffs for an amendment read against `against`."""
    revision = amendment.latest
    if not (_loaded(revision) and _loaded(against)):
        return
    for lang in languages:
        proposed = _proposed_words(amendment, revision, lang)
        if proposed is not None:
            yield from _word_pairs(_words(against, lang), proposed)


# One amendment -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AmendmentReading:
    amendment: Amendment
    #: The clause's current version (None for a new clause).
    current: ClauseVersion | None
    outdated: bool
    #: What the redlines are drawn against (see core.workflow.redline_basis), and that version.
    basis: RedlineBasis
    against: ClauseVersion | None
    redlines: list[LanguageRedline]


def _proposed_words(amendment: Amendment, revision: AmendmentRevision, language: str) -> Words | None:
    """The words the amendment proposes in `language`, or None when it proposes nothing in that language."""
    if amendment.kind is AmendmentKind.delete:
        return Words(None, None)
    text = revision.text(language)
    if text is None:
        return None
    return Words(text.heading, text.body)


def read_amendment(
    amendment: Amendment,
    current: ClauseVersion | None,
    languages: list[str],
    revision: AmendmentRevision | None = None,
    *,
    as_written: bool = False,
) -> AmendmentReading:
    revision = revision or amendment.latest
    outdated = is_outdated(amendment, current)
    basis = redline_basis(amendment.state, as_written=as_written)
    against = current if basis is RedlineBasis.current else revision.base_version
    redlines = []
    for language in languages:
        proposed = _proposed_words(amendment, revision, language)
        if proposed is not None:
            redlines.append(language_redline(language, _words(against, language), proposed, amendment.party.code))
    return AmendmentReading(amendment, current, outdated, basis, against, redlines)


def load_reading_words(session: Session, amendments: list[Amendment], current: dict[int, ClauseVersion]) -> None:
    """Attach the words `read_amendment` needs for many amendments at once: four queries however many there are.

    Those are the latest revision's words and, for an outdated amendment, the version it was written against
    with its words; loaded one by one they would cost a query or two per amendment. Then the kept redlines of
    them all (those read against the current version only where `current` gives it).
    """
    latest = {a.latest.id: a.latest for a in amendments}
    texts: dict[int, list[AmendmentText]] = {revision_id: [] for revision_id in latest}
    for text in session.scalars(
        select(AmendmentText).where(AmendmentText.revision_id.in_(list(latest))).order_by(AmendmentText.language)
    ):
        texts[text.revision_id].append(text)
    for revision_id, revision in latest.items():
        if "texts" not in inspect(revision).dict:
            set_committed_value(revision, "texts", texts[revision_id])
    bases = {
        a.latest.base_version_id
        for a in amendments
        if a.latest.base_version_id is not None and redline_basis(a.state) is not RedlineBasis.current
    }
    if bases:
        # Loaded into the identity map, where each revision's base_version then finds its version.
        session.scalars(select(ClauseVersion).where(ClauseVersion.id.in_(bases))).all()
    pairs: list[TextPair] = []
    for amendment in amendments:
        if redline_basis(amendment.state) is not RedlineBasis.current:
            against = amendment.latest.base_version  # in the identity map: no query
        elif amendment.clause_id is None or amendment.clause_id in current:
            against = current.get(amendment.clause_id) if amendment.clause_id else None
        else:
            continue  # read against a current version the caller did not give
        pairs += _reading_pairs(amendment, against, [text.language for text in amendment.latest.texts])
    _load_stored(session, pairs)


def amendment_reading(
    session: Session, actor: User, amendment_id: int, *, as_written: bool = False
) -> AmendmentReading:
    """The amendment as a redline against its basis; `as_written` against the version it was written on."""
    amendment = get_amendment(session, actor, amendment_id)
    current = current_versions(session, [amendment.clause_id]).get(amendment.clause_id) if amendment.clause_id else None
    instrument = session.get_one(Instrument, amendment.instrument_id)
    languages = instrument.language_codes
    basis = redline_basis(amendment.state, as_written=as_written)
    against = current if basis is RedlineBasis.current else amendment.latest.base_version
    # The page shows the revisions too (revision_history): their redlines come in the same query.
    _load_stored(
        session,
        [
            *_reading_pairs(amendment, against, languages),
            *_chain_pairs(permissions.revisions_readable_by(actor, amendment), languages),
        ],
    )
    return read_amendment(amendment, current, languages, as_written=as_written)


def version_redlines(
    old: ClauseVersion | None, new: ClauseVersion | None, languages: list[str], author: str | None = None
) -> list[LanguageRedline]:
    """Two versions of one clause, per language, attributed to `author` (by default, whoever recorded the newer)."""
    if author is None:
        creator = new.created_by if new is not None else None
        author = creator.party.code if creator and creator.party else ""
    return [
        language_redline(lang, _words(old, lang), _words(new, lang), author)
        for lang in languages
        if _words(old, lang).body is not None or _words(new, lang).body is not None
    ]


@dataclass(frozen=True)
class VersionStep:
    version: ClauseVersion
    #: Against the version before it (None for the first version, and for a deletion, which has no words).
    redlines: list[LanguageRedline] | None


def _version_authors(session: Session, versions: list[ClauseVersion]) -> dict[int, str]:
    """{version id: the party a version's words came from}: the adopted amendment's party, else the recorder's."""
    amendment_ids = {v.amendment_id for v in versions if v.amendment_id}
    parties = (
        dict(
            session.execute(select(Amendment.id, Party.code).join(Party).where(Amendment.id.in_(amendment_ids)))
            .tuples()
            .all()
        )
        if amendment_ids
        else {}
    )
    return {
        v.id: (parties.get(v.amendment_id) if v.amendment_id else None)
        or (v.created_by.party.code if v.created_by and v.created_by.party else "")
        for v in versions
    }


def version_history(session: Session, versions: list[ClauseVersion], languages: list[str]) -> list[VersionStep]:
    """A clause's versions, newest first, each as a redline against the one before it, credited to the party
    whose amendment made it (the first version, and a deletion, stand as they are)."""
    ordered = sorted(versions, key=lambda v: v.seq)
    authors = _version_authors(session, ordered)
    _load_stored(session, _chain_pairs(ordered, languages))
    steps = []
    for previous, version in zip([None, *ordered[:-1]], ordered, strict=True):
        redlines = None
        if previous is not None and not version.is_deleted:
            redlines = version_redlines(previous, version, languages, authors[version.id])
        steps.append(VersionStep(version, redlines))
    return list(reversed(steps))


def compare_versions(
    session: Session, versions: list[ClauseVersion], old_seq: int, new_seq: int, languages: list[str]
) -> list[LanguageRedline]:
    """Any two versions of one clause, the later credited to the party that made it."""
    by_seq = {v.seq: v for v in versions}
    if old_seq not in by_seq or new_seq not in by_seq:
        raise NotFound(N_("The clause has no such version."))
    new = by_seq[new_seq]
    _load_stored(session, _chain_pairs([by_seq[old_seq], new], languages))
    return version_redlines(by_seq[old_seq], new, languages, _version_authors(session, [new])[new.id])


def clause_readings(
    session: Session, actor: User, clause: Clause, current: ClauseVersion | None
) -> list[AmendmentReading]:
    """Every open amendment to the clause that this user may see, as a redline."""
    languages = session.get_one(Instrument, clause.instrument_id).language_codes
    amendments = open_amendments_for_clauses(session, actor, [clause.id])
    pairs = [pair for a in amendments for pair in _reading_pairs(a, current, languages)]
    if "versions" in inspect(clause).dict:  # the clause page shows its versions too (version_history)
        pairs += _chain_pairs(list(clause.versions), languages)
    _load_stored(session, pairs)
    return [read_amendment(a, current, languages) for a in amendments]


def rebase_previews(plan) -> dict[str, LanguageRedline]:
    """The rebased proposal against the clause's current text, per language (for a clean rebase)."""
    author = plan.amendment.party.code
    return {
        lang: language_redline(lang, Words(None, result.current), Words(None, result.text), author)
        for lang, result in plan.results.items()
    }


@dataclass(frozen=True)
class RevisionStep:
    revision: AmendmentRevision
    #: Against the previous revision (None for the first).
    redlines: list[LanguageRedline] | None


def revision_history(actor: User, amendment: Amendment, languages: list[str]) -> list[RevisionStep]:
    """Every revision this user may read, newest first, each as a redline against the one before it (the first
    the other party reads, the tabled one, stands alone: what came before it was the proposer's own drafting)."""
    readable = permissions.revisions_readable_by(actor, amendment)
    _load_stored(object_session(amendment), _chain_pairs(readable, languages))
    steps = []
    previous = None
    for revision in readable:
        redlines = None
        if previous is not None:
            redlines = [
                language_redline(lang, _words(previous, lang), _words(revision, lang), amendment.party.code)
                for lang in languages
                if previous.text(lang) or revision.text(lang)
            ]
        steps.append(RevisionStep(revision, redlines))
        previous = revision
    return list(reversed(steps))


# Two competing amendments -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    first: AmendmentReading
    second: AmendmentReading
    #: The second amendment's words against the first's, per language.
    between: list[LanguageRedline]


def compare_amendments(session: Session, actor: User, first_id: int, second_id: int) -> Comparison:
    first = get_amendment(session, actor, first_id)
    second = get_amendment(session, actor, second_id)
    if first.id == second.id:
        raise ValidationFailed(N_("Choose two different amendments to compare."))
    if first.clause_id is None or first.clause_id != second.clause_id:
        raise ValidationFailed(N_("Only amendments to the same clause can be compared."))
    current = current_versions(session, [first.clause_id]).get(first.clause_id)
    languages = session.get_one(Instrument, first.instrument_id).language_codes
    pairs = [*_reading_pairs(first, current, languages), *_reading_pairs(second, current, languages)]
    for language in languages:
        a = _proposed_words(first, first.latest, language)
        b = _proposed_words(second, second.latest, language)
        if _loaded(current) and (a is not None or b is not None):
            pairs += _word_pairs(a or _words(current, language), b or _words(current, language))
    _load_stored(session, pairs)
    between = []
    for language in languages:
        a = _proposed_words(first, first.latest, language)
        b = _proposed_words(second, second.latest, language)
        if a is None and b is None:
            continue
        a = a or _words(current, language)
        b = b or _words(current, language)
        between.append(language_redline(language, a, b, second.party.code))
    return Comparison(read_amendment(first, current, languages), read_amendment(second, current, languages), between)


# The whole draft between two points -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """A state of the draft: now, the end of a day, or now with one party's open amendments applied."""

    kind: str  # "now" | "date" | "milestone" | "party"
    value: str = ""
    label: str = N_("Current draft")

    @property
    def key(self) -> str:
        return self.kind if self.kind == "now" else f"{self.kind}:{self.value}"


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def default_start(session: Session) -> str:
    """Where a redline starts when nobody says: the last meeting's frozen draft, else the draft as first written."""
    instrument = current_instrument(session)
    meeting = session.scalar(
        select(Milestone)
        .where(Milestone.instrument_id == instrument.id, Milestone.state != MilestoneState.planned)
        .order_by(Milestone.position.desc())
        .limit(1)
    )
    if meeting is not None:
        return f"milestone:{meeting.code}"
    first = session.scalar(
        select(func.min(ClauseVersion.created_at)).join(Clause).where(Clause.instrument_id == instrument.id)
    )
    return f"date:{first.date().isoformat()}" if first else "now"


def parse_point(session: Session, raw: str | None) -> Point:
    raw = (raw or "now").strip()
    if raw == "now":
        return Point("now")
    kind, _, value = raw.partition(":")
    if kind == "date" and _DATE.match(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationFailed(Message(N_("%(value)s is not a date."), value=value)) from None
        return Point("date", value, Message(N_("Draft at the end of %(day)s"), day=day))
    if kind == "milestone":
        milestone = session.scalar(
            select(Milestone).where(Milestone.instrument_id == current_instrument(session).id, Milestone.code == value)
        )
        if milestone is None:
            raise ValidationFailed(Message(N_("There is no meeting with the code %(code)r."), code=value))
        if milestone.state is MilestoneState.planned:
            raise ValidationFailed(
                Message(N_("The draft for the %(meeting)s has not been frozen yet."), meeting=milestone.local_name)
            )
        return Point(
            "milestone", milestone.code, Message(N_("Draft frozen for the %(meeting)s"), meeting=milestone.local_name)
        )
    if kind == "party":
        party = next((p for p in current_instrument(session).parties if p.code == value), None)
        if party is None:
            raise ValidationFailed(Message(N_("There is no party with the code %(code)r."), code=value))
        return Point(
            "party", party.code, Message(N_("Current draft with %(party)s's open amendments applied"), party=party.code)
        )
    raise ValidationFailed(
        N_(
            "Compare the current draft (now), a date (date:YYYY-MM-DD), a meeting's frozen draft (milestone:SWG) "
            "or a party's proposals (party:CODE)."
        )
    )


def end_of_day(iso_date: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(iso_date), dt.time.max, tzinfo=dt.UTC)


@dataclass
class Side:
    """A draft state: per node id, its clause data and words per language, plus who made the last change."""

    nodes: dict[Hashable, ClauseNode] = field(default_factory=dict)
    words: dict[Hashable, dict[str, Words]] = field(default_factory=dict)
    authors: dict[Hashable, str] = field(default_factory=dict)
    #: When the change was proposed (the amendment's date), or recorded (a version without amendment).
    dates: dict[Hashable, dt.datetime | None] = field(default_factory=dict)
    #: The stable id of each clause that exists (a proposed new clause has none yet).
    wids: dict[Hashable, str] = field(default_factory=dict)
    #: The number (seq) of each clause's version in this state.
    seqs: dict[Hashable, int] = field(default_factory=dict)
    #: Open proposals applied on top of the versions (a party's point): per node, the words proposed (None: the
    #: clause deleted) and who proposed them.
    proposed: dict[Hashable, tuple[dict[str, Words] | None, Credit]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _VersionFacts:
    """What a draft state needs of one clause version: where the clause sits, its words, who recorded it."""

    clause_id: int
    node: ClauseNode
    wid: str
    created_at: dt.datetime
    amendment_id: int | None
    recorder_party: str
    #: {language: Words}
    words: dict[str, Words]
    seq: int = 0


def _amendment_credits(session: Session, amendment_ids: set[int]) -> dict[int, Credit]:
    """{amendment id: its party, date, citation and rationale}, for adopted amendments (two queries).

    The date is when it was tabled: the same for every reader, and nothing of the proposing party's drafting
    before it (see permissions.proposal_date)."""
    if not amendment_ids:
        return {}
    rationales: dict[int, tuple[int, str]] = {}
    for amendment_id, seq, rationale in session.execute(
        select(AmendmentRevision.amendment_id, AmendmentRevision.seq, AmendmentRevision.rationale).where(
            AmendmentRevision.amendment_id.in_(amendment_ids)
        )
    ):
        if amendment_id not in rationales or rationales[amendment_id][0] < seq:
            rationales[amendment_id] = (seq, rationale)
    return {
        row.id: Credit(
            row.code,
            row.tabled_at or row.created_at,
            f"{row.code}-{row.number}" if row.number else "",
            rationales.get(row.id, (0, ""))[1],
        )
        for row in session.execute(
            select(Amendment.id, Party.code, Amendment.number, Amendment.tabled_at, Amendment.created_at)
            .join(Party)
            .where(Amendment.id.in_(amendment_ids))
        )
    }


def _side_from_facts(session: Session, versions: list[_VersionFacts], languages: list[str]) -> Side:
    """A draft state from clause versions (none deleted). A change is attributed to the party whose amendment
    made it, or else to the party of the person who recorded the version."""
    side = Side()
    proposals = _amendment_credits(session, {v.amendment_id for v in versions if v.amendment_id})
    absent = Words(None, None)
    for version in versions:
        clause_id = version.clause_id
        side.nodes[clause_id] = version.node
        side.wids[clause_id] = version.wid
        side.seqs[clause_id] = version.seq
        side.words[clause_id] = {lang: version.words.get(lang, absent) for lang in languages}
        credit = proposals.get(version.amendment_id) if version.amendment_id else None
        side.authors[clause_id] = credit.party if credit else version.recorder_party
        side.dates[clause_id] = credit.when if credit else version.created_at
    return side


def _side_from_versions(session: Session, versions: dict[int, ClauseVersion], languages: list[str]) -> Side:
    facts = []
    for clause_id, version in versions.items():
        if version.is_deleted:
            continue
        clause, creator = version.clause, version.created_by
        facts.append(
            _VersionFacts(
                clause_id,
                ClauseNode(clause_id, clause.parent_id, clause.position, clause.kind),
                clause.wid,
                version.created_at,
                version.amendment_id,
                creator.party.code if creator and creator.party else "",
                {text.language: Words(text.heading, text.body) for text in version.texts},
                version.seq,
            )
        )
    return _side_from_facts(session, facts, languages)


def _side_of_meeting(session: Session, code: str, languages: list[str]) -> Side:
    """The draft frozen for a meeting, read as plain rows in one query: at treaty scale it is 600 versions with
    their words, and building ORM objects for them cost more than the query."""
    recorder_party = aliased(Party)
    rows = session.execute(
        select(
            MilestoneSnapshot.clause_id,
            Clause.parent_id,
            Clause.position,
            Clause.kind,
            Clause.wid,
            ClauseVersion.created_at,
            ClauseVersion.amendment_id,
            recorder_party.code,
            ClauseText.language,
            ClauseText.heading,
            ClauseText.body,
            ClauseVersion.seq,
        )
        .join(Milestone, Milestone.id == MilestoneSnapshot.milestone_id)
        .join(ClauseVersion, ClauseVersion.id == MilestoneSnapshot.version_id)
        .join(Clause, Clause.id == ClauseVersion.clause_id)
        .outerjoin(User, User.id == ClauseVersion.created_by_id)
        .outerjoin(recorder_party, recorder_party.id == User.party_id)
        .outerjoin(ClauseText, ClauseText.version_id == ClauseVersion.id)
        .where(
            Milestone.instrument_id == current_instrument(session).id,
            Milestone.code == code,
            ClauseVersion.is_deleted.is_(False),
        )
    )
    facts: dict[int, _VersionFacts] = {}
    for row in rows:
        clause_id, parent_id, position, kind, wid, created_at, amendment_id, party, language, heading, body, seq = row
        version = facts.get(clause_id)
        if version is None:
            node = ClauseNode(clause_id, parent_id, position, kind)
            version = facts[clause_id] = _VersionFacts(
                clause_id, node, wid, created_at, amendment_id, party or "", {}, seq
            )
        if language is not None:
            version.words[language] = Words(heading, body)
    return _side_from_facts(session, list(facts.values()), languages)


def _all_versions(session: Session, instrument: Instrument, as_of: dt.datetime | None) -> dict[int, ClauseVersion]:
    return versions_as_of(session, instrument.id, as_of)


def _apply_party(session: Session, actor: User, side: Side, party_code: str, languages: list[str]) -> None:
    """Apply a party's open amendments (as far as this user may see them) onto `side`, in place."""
    amendments = session.scalars(
        select(Amendment)
        .join(Party)
        .where(Party.code == party_code, Amendment.state.in_(OPEN_STATES))
        .where(Amendment.instrument_id == current_instrument(session).id, visible_to(actor))
        .options(selectinload(Amendment.revisions).selectinload(AmendmentRevision.texts))
        .order_by(Amendment.created_at, Amendment.id)
    ).all()
    applied: dict[Hashable, Amendment] = {}
    for amendment in amendments:
        latest = amendment.latest
        credit = Credit(
            party_code, permissions.proposal_date(actor, amendment), str(amendment.citation), latest.rationale
        )
        if amendment.kind is AmendmentKind.insert:
            node_id = ("new", amendment.id)
            after = amendment.insert_after
            position = after.position + 0.5 if after else -0.5
            side.nodes[node_id] = ClauseNode(node_id, amendment.insert_parent_id, position, new_clause_kind(amendment))
            side.words[node_id] = {lang: _words(latest, lang) for lang in languages}
            side.proposed[node_id] = (side.words[node_id], credit)
        elif amendment.clause_id in side.nodes:
            if amendment.clause_id in applied:
                side.notes.append(
                    Message(
                        N_(
                            "%(later)s and %(earlier)s both amend %(clause)s; %(later)s, the later, is shown as "
                            "tracked changes."
                        ),
                        later=amendment.citation,
                        earlier=applied[amendment.clause_id].citation,
                        clause=_citation_of(side, amendment.clause_id),
                    )
                )
            if amendment.kind is AmendmentKind.delete:
                del side.nodes[amendment.clause_id]
                side.proposed[amendment.clause_id] = (None, credit)
            else:
                for lang in languages:
                    if latest.text(lang):
                        side.words[amendment.clause_id][lang] = _words(latest, lang)
                side.proposed[amendment.clause_id] = (dict(side.words[amendment.clause_id]), credit)
        else:
            continue
        key = amendment.clause_id or ("new", amendment.id)
        applied[key] = amendment
        side.authors[key] = party_code
        side.dates[key] = credit.when


def _citation_of(side: Side, node_id: Hashable) -> str:
    return next((n.citation for n in number_clauses(side.nodes.values()) if n.id == node_id), "")


def _side(
    session: Session, actor: User, instrument: Instrument, point: Point, known: dict[int, ClauseVersion] | None
) -> Side:
    languages = instrument.language_codes
    if known is not None and point.kind in ("milestone", "now"):
        return _side_from_versions(session, known, languages)
    if point.kind == "date":
        return _side_from_versions(session, _all_versions(session, instrument, end_of_day(point.value)), languages)
    if point.kind == "milestone":
        return _side_of_meeting(session, point.value, languages)
    side = _side_from_versions(session, _all_versions(session, instrument, None), languages)
    if point.kind == "party":
        _apply_party(session, actor, side, point.value, languages)
    return side


@dataclass(frozen=True)
class CreditedWords:
    """One language of one clause between the two points, each change credited to its author (for Word)."""

    language: str
    #: Whether the clause has words in this language at each point.
    in_old: bool
    in_new: bool
    heading: tuple[CreditedSegment, ...]
    body: tuple[CreditedSegment, ...]


@dataclass(frozen=True)
class DraftRedlineRow:
    node_id: Hashable
    depth: int
    kind: ClauseKind
    old_citation: str | None
    new_citation: str | None
    #: "added", "deleted", "changed" or "unchanged".
    status: str
    author: str
    redlines: list[LanguageRedline]
    wid: str | None
    changed_at: dt.datetime | None = None
    #: The number printed before the clause at each point ("Article 3", "2.", "(b)"), and who caused a change of
    #: it (the insertion or deletion of a clause before it).
    old_label: str | None = None
    new_label: str | None = None
    label_credit: Credit | None = None
    #: The clause's own change, credited (None when unchanged).
    credit: Credit | None = None
    credited: tuple[CreditedWords, ...] = ()

    @property
    def authors(self) -> tuple[str, ...]:
        """The parties whose amendments made the clause's changes, in reading order, each once (a clause changed
        by both parties is credited to both, not to whichever came last)."""
        parties = [
            segment.credit.party
            for words in self.credited
            for segment in (*words.heading, *words.body)
            if segment.credit is not None and segment.credit.party
        ]
        return tuple(dict.fromkeys(parties)) or ((self.author,) if self.author else ())


@dataclass(frozen=True)
class DraftRedline:
    old: Point
    new: Point
    rows: list[DraftRedlineRow]
    notes: list[str]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)


#: Redlines between two immutable points, most recently used last. A frozen meeting draft never changes, nor
#: does the draft at the end of a day that is over (versions are only ever appended, stamped with the time they
#: were recorded), so such a redline is computed once per process. The result holds no ORM object.
_IMMUTABLE_CACHE: OrderedDict[tuple, DraftRedline] = OrderedDict()
IMMUTABLE_CACHE_SIZE = 32


def clear_caches() -> None:
    """Forget every cached redline, and every kept one this process read (for measuring a first view: what a new
    worker pays; the redlines kept in the database stay)."""
    global _generation
    _IMMUTABLE_CACHE.clear()
    language_redline.cache_clear()
    stored_redline.forget_all()
    _generation += 1


def _is_immutable(point: Point) -> bool:
    if point.kind == "milestone":
        return True  # parse_point admits only frozen or concluded meetings
    return point.kind == "date" and dt.date.fromisoformat(point.value) < utcnow().date()


def whole_draft_redline(
    session: Session,
    actor: User,
    old: Point,
    new: Point,
    *,
    known: dict[str, dict[int, ClauseVersion]] | None = None,
    newest_version_id: int | None = None,
) -> DraftRedline:
    """Pair clauses by their stable ids and redline each, in the reading order of both drafts together.

    `known` ({point key: {clause id: version, with its words}}) gives the versions of a frozen meeting or of the
    current draft that the caller has already read, sparing the queries that would read them again; so does
    `newest_version_id` (the highest clause version id, as the caller read it in this transaction).
    """
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the draft."))
    if old.kind == "date" and new.kind == "date" and old.value > new.value:
        raise ValidationFailed(N_("The first date is after the second: put the earlier point first."))
    instrument = current_instrument(session)
    if not (_is_immutable(old) and _is_immutable(new)):
        return _compute_whole_draft_redline(session, actor, instrument, old, new, known)
    # The newest version id guards against a version recorded with a past time (an import, a correction): one
    # cheap query. The database URL and the instrument tell apart negotiations that reuse ids.
    newest = newest_version_id
    if newest is None:
        newest = session.scalar(select(func.max(ClauseVersion.id)))
    key = (str(session.get_bind().engine.url), instrument.id, instrument.created_at, newest, old.key, new.key)
    if key in _IMMUTABLE_CACHE:
        _IMMUTABLE_CACHE.move_to_end(key)
        return _IMMUTABLE_CACHE[key]
    result = _compute_whole_draft_redline(session, actor, instrument, old, new, known)
    _IMMUTABLE_CACHE[key] = result
    if len(_IMMUTABLE_CACHE) > IMMUTABLE_CACHE_SIZE:
        _IMMUTABLE_CACHE.popitem(last=False)
    return result


#: One step of a clause's history between the two points: its words (None: deleted) and who made it.
Step = tuple[dict[str, Words] | None, Credit]


class BackwardSteps(list):
    """The steps of a clause whose redline reads backwards in time (the old point is the later one): they lead,
    oldest first, from the words at the NEW point to those at the old one, so that each change is credited to
    the amendment that made it and then shown undone."""


def _histories(session: Session, before: Side, after: Side, node_ids: list[Hashable]) -> dict[Hashable, list[Step]]:
    """For each node, the steps that lead from its words at the old point to those at the new one: the adopted
    versions in between, then any open proposal of the new point. A clause deleted on the way ends with the
    version that deleted it. None for a node whose history does not run forwards (the old point is the later)."""
    clause_ids = [n for n in node_ids if isinstance(n, int)]
    versions: dict[Hashable, list[ClauseVersion]] = {n: [] for n in clause_ids}
    if clause_ids:
        for version in session.scalars(
            select(ClauseVersion)
            .where(ClauseVersion.clause_id.in_(clause_ids), ClauseVersion.seq > 0)
            .order_by(ClauseVersion.clause_id, ClauseVersion.seq)
        ):
            versions[version.clause_id].append(version)
    credits = _amendment_credits(session, {v.amendment_id for vs in versions.values() for v in vs if v.amendment_id})
    histories: dict[Hashable, list[Step]] = {}
    for node_id in node_ids:
        if node_id in before.proposed:
            continue  # the old point is a party's proposals: no history runs from there
        old_seq = before.seqs.get(node_id, 0)
        new_seq = after.seqs.get(node_id)
        steps: list[Step] = []
        if new_seq is not None and new_seq < old_seq:
            if node_id in after.proposed:
                continue  # a party's proposals read against a later draft: no one history explains both
            # Backwards: the versions that led from the new point's words to the old point's.
            steps, (new_seq, old_seq) = BackwardSteps(), (old_seq, new_seq)
        for version in versions.get(node_id, []):
            if version.seq <= old_seq or (new_seq is not None and version.seq > new_seq):
                continue
            credit = (credits.get(version.amendment_id) if version.amendment_id else None) or Credit(
                version.created_by.party.code if version.created_by and version.created_by.party else "",
                version.created_at,
            )
            if version.is_deleted:
                steps.append((None, credit))
                break
            steps.append(({text.language: Words(text.heading, text.body) for text in version.texts}, credit))
        if node_id in after.proposed and not isinstance(steps, BackwardSteps):
            steps.append(after.proposed[node_id])
        histories[node_id] = steps
    return histories


#: How the credited redlines diff each step: from the redlines kept or remembered (the steps between two points are
#: mostly versions against the version before them, kept when they were written).
_SEGMENTS = stored_redline.segments_between


def _draft_pairs(
    before: Side, after: Side, languages: list[str], histories: dict[Hashable, list[Step]]
) -> Iterator[TextPair]:
    """The pairs the rows of these changed clauses diff: each clause's words at the two points, and each step of
    its history against the step before it (the credited redline walks them)."""
    absent = Words(None, None)
    for node_id, steps in histories.items():
        for lang in languages:
            old = before.words.get(node_id, {}).get(lang, absent) if node_id in before.nodes else absent
            new = after.words.get(node_id, {}).get(lang, absent) if node_id in after.nodes else absent
            yield from _word_pairs(old, new)
            chain = [new if isinstance(steps, BackwardSteps) else old]
            chain += [(words or {}).get(lang, absent) if words is not None else absent for words, _ in steps]
            for earlier, later in itertools.pairwise(chain):
                yield from _word_pairs(earlier, later)


def _credited_words(
    language: str, old: Words, new: Words, in_old: bool, in_new: bool, steps: list[Step] | None, fallback: Credit
) -> CreditedWords:
    """One language of a clause, credited step by step. Words without a body are no text in that language: a
    heading alone does not make the clause stand in that language's part."""
    absent = Words(None, None)

    def present(words: Words | None) -> Words:
        return words if words is not None and words.body is not None else absent

    start = present(old) if in_old else absent
    target = present(new) if in_new else absent
    chain = [(present((words or {}).get(language)) if words is not None else absent, c) for words, c in steps or []]
    if not chain or chain[-1][0] != target:
        chain.append((target, fallback))  # what the history does not explain
    return CreditedWords(
        language,
        start.body is not None,
        target.body is not None,
        attribute(start.heading or "", [(w.heading or "", c) for w, c in chain], fallback, _SEGMENTS),
        attribute(start.body or "", [(w.body or "", c) for w, c in chain], fallback, _SEGMENTS),
    )


def _read_backwards(words: CreditedWords) -> CreditedWords:
    """A credited redline from A to B, turned into the one from B to A: what was inserted is deleted and the other
    way round, each change keeping the amendment that made it; in each change the deletion is read first."""
    flipped = {Op.insert: Op.delete, Op.delete: Op.insert, Op.equal: Op.equal}

    def turned(segments: tuple[CreditedSegment, ...]) -> tuple[CreditedSegment, ...]:
        out: list[CreditedSegment] = []
        change: list[CreditedSegment] = []
        for segment in segments:
            if segment.op is Op.equal:
                out += sorted(change, key=lambda s: s.op is Op.insert)
                change = []
                out.append(segment)
            else:
                change.append(replace(segment, op=flipped[segment.op]))
        return tuple(out + sorted(change, key=lambda s: s.op is Op.insert))

    return CreditedWords(words.language, words.in_new, words.in_old, turned(words.heading), turned(words.body))


def _compute_whole_draft_redline(
    session: Session,
    actor: User,
    instrument: Instrument,
    old: Point,
    new: Point,
    known: dict[str, dict[int, ClauseVersion]] | None = None,
) -> DraftRedline:
    languages = instrument.language_codes
    known = known or {}
    before = _side(session, actor, instrument, old, known.get(old.key))
    after = _side(session, actor, instrument, new, known.get(new.key))

    def histories_of(node_ids: list[Hashable]) -> dict[Hashable, list[Step]]:
        histories = _histories(session, before, after, node_ids)
        # A clause with no history here (the old point is a party's proposals) is still redlined end to end.
        _load_stored(session, _draft_pairs(before, after, languages, {n: histories.get(n, []) for n in node_ids}))
        return histories

    rows = draft_rows(before, after, languages, histories_of)
    return DraftRedline(old, new, rows, before.notes + after.notes)


def draft_rows(
    before: Side,
    after: Side,
    languages: list[str],
    histories_of: Callable[[list[Hashable]], dict[Hashable, list[Step]]],
) -> list[DraftRedlineRow]:
    """The rows of a whole-draft redline between two draft states, in the reading order of both together
    (no database: `histories_of` gives the steps between the two states of the clauses that changed)."""
    old_numbers = {n.id: n for n in number_clauses(before.nodes.values())}
    new_numbers = {n.id: n for n in number_clauses(after.nodes.values())}
    union = {**before.nodes, **after.nodes}
    wids = {**before.wids, **after.wids}
    absent = Words(None, None)
    ordered = number_clauses(union.values())
    pairs: dict[Hashable, dict[str, tuple[Words, Words]]] = {}
    changed_ids = []
    for numbered in ordered:
        node_id = numbered.id
        in_old, in_new = node_id in before.nodes, node_id in after.nodes
        pairs[node_id] = {
            lang: (
                before.words.get(node_id, {}).get(lang, absent) if in_old else absent,
                after.words.get(node_id, {}).get(lang, absent) if in_new else absent,
            )
            for lang in languages
        }
        if not (in_old and in_new) or any(o != n for o, n in pairs[node_id].values()):
            changed_ids.append(node_id)
    histories = histories_of(changed_ids)
    rows = []
    for numbered in ordered:
        node_id = numbered.id
        in_old, in_new = node_id in before.nodes, node_id in after.nodes
        steps = histories.get(node_id)
        deletion = steps[-1][1] if not in_new and steps and steps[-1][0] is None else None
        if not in_new:
            credit = deletion or Credit(before.authors.get(node_id, ""), before.dates.get(node_id))
        else:
            credit = Credit(after.authors.get(node_id, ""), after.dates.get(node_id))
        redlines, credited = [], []
        for lang in languages:
            old_words, new_words = pairs[node_id][lang]
            if old_words.body is None and new_words.body is None:
                continue
            redlines.append(language_redline(lang, old_words, new_words, credit.party))
            if isinstance(steps, BackwardSteps):  # credited forwards in time, then read backwards
                forwards = _credited_words(lang, new_words, old_words, in_new, in_old, steps, credit)
                credited.append(_read_backwards(forwards))
            elif node_id in histories or (old_words == new_words):
                credited.append(_credited_words(lang, old_words, new_words, in_old, in_new, steps, credit))
            else:  # no history explains the change: one author for the clause
                credited.append(_credited_words(lang, old_words, new_words, in_old, in_new, [], credit))
        changed = any(r.has_changes for r in redlines)
        status = "added" if not in_old else "deleted" if not in_new else "changed" if changed else "unchanged"
        old_numbered, new_numbered = old_numbers.get(node_id), new_numbers.get(node_id)
        rows.append(
            DraftRedlineRow(
                node_id,
                numbered.depth,
                union[node_id].kind,
                old_numbered.citation if old_numbered else None,
                new_numbered.citation if new_numbered else None,
                status,
                credit.party if status != "unchanged" else "",
                redlines,
                wids.get(node_id),
                credit.when if status != "unchanged" else None,
                old_numbered.label if old_numbered else None,
                new_numbered.label if new_numbered else None,
                None,
                credit if status != "unchanged" else None,
                tuple(credited),
            )
        )
    return _credit_renumbering(rows, union)


def _credit_renumbering(rows: list[DraftRedlineRow], nodes: dict[Hashable, ClauseNode]) -> list[DraftRedlineRow]:
    """Credit each changed number to whoever moved it: the latest insertion or deletion of a clause of the same
    kind before it under the same parent (a renumbering is a tracked change of the label like any other)."""
    out = []
    for index, row in enumerate(rows):
        if row.old_label is None or row.new_label is None or row.old_label == row.new_label:
            out.append(row)
            continue
        parent = nodes[row.node_id].parent_id
        causes = [
            earlier.credit
            for earlier in rows[:index]
            if earlier.status in ("added", "deleted")
            and earlier.credit is not None
            and earlier.kind is row.kind
            and nodes[earlier.node_id].parent_id == parent
        ]
        dated = [c for c in causes if c.when is not None]
        cause = max(dated, key=lambda c: c.when or dt.datetime.min) if dated else (causes[-1] if causes else row.credit)
        out.append(replace(row, label_credit=cause or Credit("")))
    return out
