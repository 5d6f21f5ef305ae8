"""Backup and restore of the whole negotiation as one JSON document.

Every table is written row by row (every version, amendment, review, comment, meeting, user and the audit
trail), tagged with the schema revision it was made at, and signed: an HMAC-SHA256 over a canonical
serialisation, with a key the operator keeps (see README, "Backup and restore"). A restore goes only into an
empty database at the same revision, and trusts nothing in the file:

- the signature must match (a file changed after export is refused), unless the operator explicitly accepts a
  file that was exported unsigned;
- every value is checked with the rules the services apply when a person writes it: the text rules of
  `core.text` (length, no NUL or other control characters), the enums of the core (states, kinds, roles, ...),
  dates and times that parse, whole numbers the database can hold;
- every reference resolves inside the file (an amendment's clause, a revision's amendment, ...), keys are unique,
  and the records tell a consistent story (every amendment has its revisions numbered 1 to n, every clause its
  versions, every version its text in the required languages).

A refusal names the table, the row and the rule, and nothing is written: the caller rolls the one transaction back.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import hashlib
import hmac
import json
import math
import re
from collections import defaultdict
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..core.languages import INTERFACE_LANGUAGES
from ..core.messages import N_, Message
from ..core.text import MAX_CLAUSE_TEXT, MAX_NOTE, TextRuleError, clean_text
from ..models import Base, Instrument, User
from ..models.base import MAX_ID, utcnow
from ..schema_check import current_revisions, head_revisions
from . import search
from .errors import ValidationFailed
from .users import LOGIN_PATTERN

FORMAT = "mou-tracker-negotiation"
#: Written in place of a password hash in a copy that is shared: no password matches it.
NO_CREDENTIALS = "!redacted"
#: Tables of secrets' digests (API tokens, sign-in sessions): a copy without credentials leaves their rows out.
CREDENTIAL_TABLES = ("api_tokens", "sign_in_sessions")
#: Read from the other tables and rebuilt after a restore (services.search.rebuild), never carried in the file.
DERIVED_TABLES = ("search_entries",)
SIGNATURE_ALGORITHM = "HMAC-SHA256"
#: The shortest signing key accepted, in bytes: 32 random bytes are 256 bits, as many as the digest has.
MIN_KEY_LENGTH = 32

#: How long each free text may be: the limits the services apply when a person writes it. A text column not named
#: here is written by the app itself (an audit summary, a version's reason); it gets the largest limit of all.
TEXT_LIMITS: dict[tuple[str, str], int] = {
    ("clause_texts", "body"): MAX_CLAUSE_TEXT,
    ("amendment_texts", "body"): MAX_CLAUSE_TEXT,
    ("amendment_revisions", "rationale"): MAX_NOTE,
    ("amendment_revisions", "note"): MAX_NOTE,
    ("amendment_comments", "body"): MAX_NOTE,
    ("clause_posts", "body"): MAX_NOTE,
    ("amendments", "rejection_reason"): MAX_NOTE,
    ("reviews", "comment"): MAX_NOTE,
    ("responses", "reason"): MAX_NOTE,
    ("milestones", "result_note"): MAX_NOTE,
    ("milestone_outcomes", "note"): MAX_NOTE,
}
#: The whole numbers an INTEGER column holds on PostgreSQL.
_INT_RANGE = (-MAX_ID - 1, MAX_ID)
_NOT_EMPTY = re.compile(r"^\s*(\w+) <> ''\s*$")


# Export ------------------------------------------------------------------------------------------------------------


def _value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):  # an attachment kept in the database (services.attachments): base64 in the file
        return base64.b64encode(value).decode("ascii")
    return value


def export_negotiation(session: Session, *, include_credentials: bool = True, key: bytes | None = None) -> dict:
    """The whole negotiation as a JSON-ready document, signed with `key` (None: unsigned, for the caller to allow)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in Base.metadata.sorted_tables:
        if (not include_credentials and table.name in CREDENTIAL_TABLES) or table.name in DERIVED_TABLES:
            tables[table.name] = []
            continue
        order = [c for c in table.primary_key.columns]
        rows = session.execute(select(table).order_by(*order)).mappings().all()
        tables[table.name] = [{name: _value(value) for name, value in row.items()} for row in rows]
    if not include_credentials:
        for row in tables["users"]:
            row["password_hash"] = NO_CREDENTIALS
    # The session may be bound to a connection (a test's transaction): the revision is read through its engine.
    revisions: set[str | None] = set(current_revisions(session.get_bind().engine)) or {None}
    (revision,) = revisions
    document: dict[str, Any] = {
        "format": FORMAT,
        "schema": revision,
        "exported_at": utcnow().isoformat(),
        "credentials": include_credentials,
        "tables": tables,
    }
    if key is not None:
        document["signature"] = {"algorithm": SIGNATURE_ALGORITHM, "value": signature_of(document, key)}
    return document


# Signature ---------------------------------------------------------------------------------------------------------


def check_key(key: bytes) -> bytes:
    if len(key) < MIN_KEY_LENGTH:
        raise ValidationFailed(
            Message(N_("The backup key must have at least %(count)s characters."), count=MIN_KEY_LENGTH)
        )
    return key


def canonical(document: dict) -> bytes:
    """The bytes that are signed: the document without its signature, keys sorted, no white space, ASCII only.

    The document goes through JSON once first, so that what is signed at export is exactly what is read back."""
    content = json.loads(json.dumps({k: v for k, v in document.items() if k != "signature"}))
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def signature_of(document: dict, key: bytes) -> str:
    return hmac.new(check_key(key), canonical(document), hashlib.sha256).hexdigest()


def is_signed(document: dict) -> bool:
    return isinstance(document, dict) and document.get("signature") is not None


def lacks_credentials(document: dict) -> bool:
    """True for a copy shared without credentials: nobody in it can sign in until their password is reset."""
    users = (document.get("tables") or {}).get("users") or []
    return document.get("credentials") is False or any(
        isinstance(row, dict) and row.get("password_hash") == NO_CREDENTIALS for row in users
    )


def _check_signature(document: dict, key: bytes | None, accept_unsigned: bool) -> None:
    signature = document.get("signature")
    if signature is None:
        if accept_unsigned:
            return
        raise ValidationFailed(
            N_(
                "The file is not signed, so nobody can tell whether it was changed after export. Import it only "
                "if you trust where it came from and how it travelled (--accept-unsigned)."
            )
        )
    if not (
        isinstance(signature, dict)
        and signature.get("algorithm") == SIGNATURE_ALGORITHM
        and isinstance(signature.get("value"), str)
    ):
        raise ValidationFailed(N_("The file's signature is not in a form this MoU Tracker knows."))
    if key is None:
        raise ValidationFailed(
            N_("The file is signed: give the key it was signed with (--key-file, or the MOU_BACKUP_KEY variable).")
        )
    expected = signature_of(document, key).encode("ascii")
    if not hmac.compare_digest(expected, signature["value"].encode("utf-8", "replace")):
        raise ValidationFailed(
            N_("The file's signature does not match: it was changed after export, or the key is wrong.")
        )


# Validation --------------------------------------------------------------------------------------------------------


class _Refused(Exception):
    """One value breaks a rule; `_read_rows` adds the table and the row to the message."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


def _shown(value: Any) -> str:
    """A value quoted in a message: short, and without the control characters it may carry."""
    shown = value if isinstance(value, str) else json.dumps(value)
    cut = len(shown) > 40
    shown = shown[:39] if cut else shown
    if not shown.isprintable():
        shown = ascii(shown)
    return shown + "…" if cut else shown


def _refuse(table, number: int, row: dict, problem: str) -> ValidationFailed:
    """A refusal naming the record: "clause_texts row 12 (version_id=5, language=en): <problem>"."""
    key = ", ".join(f"{c.name}={_shown(row.get(c.name))}" for c in table.primary_key.columns)
    return ValidationFailed(
        Message(
            N_("%(table)s row %(row)s (%(key)s): %(problem)s"), table=table.name, row=number, key=key, problem=problem
        )
    )


def _not_empty_columns(table) -> set[str]:
    """The text columns the database itself requires to be non-empty (CHECK "x <> ''")."""
    found = set()
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint):
            match = _NOT_EMPTY.match(str(constraint.sqltext))
            if match:
                found.add(match.group(1))
    return found


def _check_text(value: str, field: str, limit: int, required: bool) -> None:
    try:
        clean_text(value, field=field, max_length=limit, required=required)
    except TextRuleError as exc:
        raise _Refused(exc.args[0]) from None


def _check_json(value: Any, field: str) -> None:
    """Every string in a JSON value (keys too) follows the text rules; the walk needs no recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_text(item, field, MAX_CLAUSE_TEXT, required=False)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif not (item is None or isinstance(item, bool | int) or (isinstance(item, float) and math.isfinite(item))):
            raise _Refused(Message(N_("%(column)s holds a value JSON cannot carry."), column=field))


def _parse(table, column, value: Any, required: set[str]) -> Any:
    """The value to insert, checked with the rules of its column; raises _Refused."""
    name = column.name
    if value is None:
        if column.nullable:
            return None
        raise _Refused(Message(N_("%(column)s has no value, and it needs one."), column=name))
    kind = getattr(column.type, "impl", column.type)  # UTCDateTime decorates a DateTime
    if isinstance(kind, Enum):
        if not (isinstance(value, str) and value in kind.enums):
            raise _Refused(
                Message(
                    N_("%(column)s is %(value)s, which is not one of: %(allowed)s."),
                    column=name,
                    value=_shown(value),
                    allowed=", ".join(kind.enums),
                )
            )
        return value
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise _Refused(
                Message(N_("%(column)s must be true or false, not %(value)s."), column=name, value=_shown(value))
            )
        return value
    if isinstance(kind, Integer):
        if type(value) is not int or not _INT_RANGE[0] <= value <= _INT_RANGE[1]:
            raise _Refused(
                Message(N_("%(column)s must be a whole number, not %(value)s."), column=name, value=_shown(value))
            )
        return value
    if isinstance(kind, DateTime):
        try:
            parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise _Refused(
                Message(
                    N_("%(column)s is not a date and time with its offset from UTC: %(value)s."),
                    column=name,
                    value=_shown(value),
                )
            )
        return parsed
    if isinstance(kind, Date):
        try:
            day = dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise _Refused(
                Message(N_("%(column)s is not a date (as 2024-03-12): %(value)s."), column=name, value=_shown(value))
            )
        return day
    if isinstance(kind, JSON):
        _check_json(value, name)
        return value
    if isinstance(kind, LargeBinary):
        if isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except binascii.Error:
                pass
        raise _Refused(Message(N_("%(column)s is not base64-encoded bytes."), column=name))
    if isinstance(kind, String):  # Text is a String without a length
        if not isinstance(value, str):
            raise _Refused(Message(N_("%(column)s must be text, not %(value)s."), column=name, value=_shown(value)))
        limit = kind.length or TEXT_LIMITS.get((table.name, name), MAX_CLAUSE_TEXT)
        _check_text(value, name, limit, required=name in required)
        return value
    raise TypeError(f"No import rule for {table.name}.{name} of type {column.type!r}")  # a new type: add its rule


def _read_rows(document: dict) -> dict[str, list[dict]]:
    """Every row of the file, its values checked and parsed column by column."""
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise ValidationFailed(N_("The file has no tables."))
    known = {table.name for table in Base.metadata.sorted_tables}
    unknown = set(tables) - known
    if unknown:
        raise ValidationFailed(
            Message(N_("The file has tables this schema does not know: %(tables)s."), tables=", ".join(sorted(unknown)))
        )
    parsed: dict[str, list[dict]] = {}
    for table in Base.metadata.sorted_tables:
        rows = tables.get(table.name, [])
        if not isinstance(rows, list):
            raise ValidationFailed(
                Message(N_("The table %(table)s in the file is not a list of rows."), table=table.name)
            )
        columns = {c.name: c for c in table.columns}
        required = _not_empty_columns(table)
        prepared = []
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise ValidationFailed(
                    Message(N_("%(table)s row %(row)s is not a record."), table=table.name, row=number)
                )
            unknown_columns = set(row) - set(columns)
            missing = set(columns) - set(row)
            if unknown_columns or missing:
                raise _refuse(
                    table,
                    number,
                    row,
                    Message(
                        N_("the columns do not match this schema (unknown: %(unknown)s; missing: %(missing)s)."),
                        unknown=", ".join(sorted(map(_shown, unknown_columns))) or "—",
                        missing=", ".join(sorted(missing)) or "—",
                    ),
                )
            values = {}
            for name, column in columns.items():
                try:
                    values[name] = _parse(table, column, row[name], required)
                except _Refused as refused:
                    raise _refuse(table, number, row, refused.problem) from None
            prepared.append(values)
        parsed[table.name] = prepared
    return parsed


def _unique_keys(table) -> list[tuple[str, ...]]:
    keys = []
    for constraint in table.constraints:
        if isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint):
            keys.append(tuple(c.name for c in constraint.columns))
    keys.extend(tuple(c.name for c in index.columns) for index in table.indexes if index.unique)
    return keys


def _check_keys(rows: dict[str, list[dict]]) -> None:
    """Keys are unique, and every reference points at a row of the file (the database it goes into is empty)."""
    for table in Base.metadata.sorted_tables:
        for key in _unique_keys(table):
            seen: dict[tuple, int] = {}
            for number, row in enumerate(rows[table.name], start=1):
                values = tuple(row[name] for name in key)
                if None in values:
                    continue
                if values in seen:
                    raise _refuse(
                        table,
                        number,
                        row,
                        Message(
                            N_("row %(other)s has the same %(columns)s."), other=seen[values], columns=", ".join(key)
                        ),
                    )
                seen[values] = number
    present: dict[tuple[str, str], set] = {}
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            target = (fk.column.table.name, fk.column.name)
            if target not in present:
                present[target] = {row[target[1]] for row in rows[target[0]]}
            for number, row in enumerate(rows[table.name], start=1):
                value = row[fk.parent.name]
                if value is not None and value not in present[target]:
                    raise _refuse(
                        table,
                        number,
                        row,
                        Message(
                            N_("%(column)s refers to %(target)s %(value)s, which is not in the file."),
                            column=fk.parent.name,
                            target=target[0],
                            value=_shown(value),
                        ),
                    )


def _table(name: str):
    return Base.metadata.tables[name]


def _check_numbering(rows, parent_table: str, child_table: str, parent_column: str, nothing: str, gaps: str) -> None:
    """Every parent row has child rows numbered seq 1, 2, ... n (an amendment's revisions, a clause's versions)."""
    numbers: dict[int, list[int]] = defaultdict(list)
    for child in rows[child_table]:
        numbers[child[parent_column]].append(child["seq"])
    for number, row in enumerate(rows[parent_table], start=1):
        found = sorted(numbers.get(row["id"], []))
        if not found:
            raise _refuse(_table(parent_table), number, row, Message(nothing, table=child_table))
        if found != list(range(1, len(found) + 1)):
            raise _refuse(
                _table(parent_table),
                number,
                row,
                Message(gaps, table=child_table, found=", ".join(map(str, found)), count=len(found)),
            )


def _check_story(rows: dict[str, list[dict]], document: dict) -> None:
    """What references alone cannot say: the records fit together the way the services write them."""
    _check_numbering(
        rows,
        "amendments",
        "amendment_revisions",
        "amendment_id",
        N_("the amendment has no revisions in %(table)s; every amendment has at least one."),
        N_("the amendment's revisions in %(table)s are numbered %(found)s; they must run 1 to %(count)s."),
    )
    _check_numbering(
        rows,
        "clauses",
        "clause_versions",
        "clause_id",
        N_("the clause has no versions in %(table)s; every clause has at least one."),
        N_("the clause's versions in %(table)s are numbered %(found)s; they must run 1 to %(count)s."),
    )
    revisions = {row["id"]: row for row in rows["amendment_revisions"]}
    revision_count: dict[int, int] = defaultdict(int)
    for row in revisions.values():
        revision_count[row["amendment_id"]] += 1
    for number, row in enumerate(rows["amendments"], start=1):
        if row["tabled_seq"] is not None and not 1 <= row["tabled_seq"] <= revision_count[row["id"]]:
            raise _refuse(
                _table("amendments"),
                number,
                row,
                Message(N_("tabled_seq is %(seq)s, but the amendment has no such revision."), seq=row["tabled_seq"]),
            )
    for name in ("reviews", "responses"):
        for number, row in enumerate(rows[name], start=1):
            if revisions[row["revision_id"]]["amendment_id"] != row["amendment_id"]:
                raise _refuse(_table(name), number, row, N_("revision_id names a revision of another amendment."))
    # Texts are in the instrument's languages, and every version that is not a deletion has the required ones.
    languages: dict[int, set[str]] = defaultdict(set)
    required: dict[int, set[str]] = defaultdict(set)
    for row in rows["instrument_languages"]:
        languages[row["instrument_id"]].add(row["code"])
        if row["required"]:
            required[row["instrument_id"]].add(row["code"])
    clause_instrument = {row["id"]: row["instrument_id"] for row in rows["clauses"]}
    versions = {row["id"]: row for row in rows["clause_versions"]}
    amendment_instrument = {row["id"]: row["instrument_id"] for row in rows["amendments"]}
    written: dict[int, set[str]] = defaultdict(set)
    for name, instrument_of in (
        ("clause_texts", lambda row: clause_instrument[versions[row["version_id"]]["clause_id"]]),
        ("amendment_texts", lambda row: amendment_instrument[revisions[row["revision_id"]]["amendment_id"]]),
    ):
        for number, row in enumerate(rows[name], start=1):
            if row["language"] not in languages[instrument_of(row)]:
                raise _refuse(
                    _table(name),
                    number,
                    row,
                    Message(N_("%(language)s is not a language of the instrument."), language=_shown(row["language"])),
                )
            if name == "clause_texts":
                written[row["version_id"]].add(row["language"])
    for number, row in enumerate(rows["clause_versions"], start=1):
        lacking = required[clause_instrument[row["clause_id"]]] - written[row["id"]]
        if not row["is_deleted"] and lacking:
            raise _refuse(
                _table("clause_versions"),
                number,
                row,
                Message(
                    N_("the version has no text in %(languages)s, which the instrument requires."),
                    languages=", ".join(sorted(lacking)),
                ),
            )
    for number, row in enumerate(rows["users"], start=1):
        if not LOGIN_PATTERN.match(row["login"]):
            raise _refuse(_table("users"), number, row, N_("the login is not one the app accepts."))
        if row["language"] not in INTERFACE_LANGUAGES:
            raise _refuse(
                _table("users"),
                number,
                row,
                Message(N_("%(language)s is not a language of the interface."), language=_shown(row["language"])),
            )
        if document.get("credentials") is False and row["password_hash"] != NO_CREDENTIALS:
            raise _refuse(
                _table("users"),
                number,
                row,
                N_("the file says it carries no credentials, but this user has a password hash."),
            )


# Import ------------------------------------------------------------------------------------------------------------


def _deferred_columns(table) -> set[str]:
    """Foreign keys that may point at rows inserted later (to the same table, or across a cycle)."""
    deferred = set()
    for fk in table.foreign_keys:
        if fk.column.table is table or fk.use_alter or fk.constraint.use_alter:
            deferred.add(fk.parent.name)
    return deferred


def import_negotiation(
    session: Session, document: dict, *, key: bytes | None = None, require_signature: bool = False
) -> dict[str, int]:
    """Restore `document` into this (empty) database. Returns the number of rows per table.

    A signed document is always checked against `key`. `require_signature` refuses an unsigned one: the command
    line, where files come in from outside, always sets it unless the operator accepts an unsigned file; an
    in-process caller restoring its own export (tests) may leave it off. Every record is checked either way.
    Refuses a file that breaks any rule with ValidationFailed, before writing anything; should the database still
    refuse a row, that is a ValidationFailed too. Either way the caller rolls back."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValidationFailed(N_("This is not a MoU Tracker negotiation file."))
    _check_signature(document, key, accept_unsigned=not require_signature)
    heads = head_revisions()
    if document.get("schema") not in heads:
        raise ValidationFailed(
            Message(
                N_(
                    "The file was written at schema %(schema)s; this MoU Tracker is at %(heads)s. Restore it with "
                    "the MoU Tracker version that wrote it, or upgrade both to the same version first."
                ),
                schema=repr(document.get("schema")),
                heads=", ".join(sorted(heads)),
            )
        )
    if session.scalar(select(func.count()).select_from(Instrument)) or session.scalar(
        select(func.count()).select_from(User)
    ):
        raise ValidationFailed(
            N_("The database is not empty: restore only into an empty database (run db upgrade on a new one).")
        )
    rows = _read_rows(document)
    _check_keys(rows)
    _check_story(rows, document)
    counts = {}
    later: list[tuple[Any, dict, dict]] = []
    try:
        for table in Base.metadata.sorted_tables:
            deferred = _deferred_columns(table)
            prepared = []
            for parsed in rows[table.name]:
                values = dict(parsed)
                pending = {name: values[name] for name in deferred if values.get(name) is not None}
                for name in pending:
                    values[name] = None
                prepared.append(values)
                if pending:
                    later.append((table, {c.name: values[c.name] for c in table.primary_key.columns}, pending))
            if prepared:
                session.execute(insert(table), prepared)
            counts[table.name] = len(prepared)
        for table, key_values, pending in later:
            condition = [table.c[name] == value for name, value in key_values.items()]
            session.execute(update(table).where(*condition).values(**pending))
        _advance_sequences(session)
        session.flush()
        counts["search_entries"] = search.rebuild(session)
    except DBAPIError as exc:
        # Every rule above is checked first; a CHECK constraint that spans columns is left to the database.
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise ValidationFailed(
            Message(N_("The database refused the rows of %(table)s: %(reason)s"), table=table.name, reason=reason)
        ) from None
    return counts


def _advance_sequences(session: Session) -> None:
    """PostgreSQL hands out ids from sequences, which explicit ids do not move: move them past the restored rows."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608  (table names are ours)
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )
