"""CSV exports of the clauses, the amendments and their discussion, for spreadsheets (Excel included)."""

from __future__ import annotations

from collections.abc import Iterable

from ..core import permissions
from ..core.spreadsheet import write_csv as _write
from ..core.workflow import AmendmentKind
from ..models import Amendment, AmendmentComment, User
from ..services.reports import StatusReport

CLAUSE_COLUMNS = [
    "citation",
    "clause_id",
    "kind",
    "status",
    "version",
    "last_changed_utc",
    "heading_en",
    "text_en",
    "heading_ru",
    "text_ru",
    "open_amendments",
    "who_must_act",
]


def clauses_csv(report: StatusReport) -> str:
    def rows():
        for row in report.rows:
            item, version = row.item, row.item.version
            yield [
                item.citation,
                item.clause.wid,
                item.kind.value,
                row.standing.status.value,
                version.seq,
                version.created_at.isoformat(),
                item.heading("en"),
                item.body("en"),
                item.heading("ru"),
                item.body("ru"),
                " ".join(a.citation for a, _ in row.standing.open_amendments),
                "; ".join(step for _, step in row.standing.open_amendments),
            ]

    return _write(CLAUSE_COLUMNS, rows())


AMENDMENT_COLUMNS = [
    "amendment",
    "party",
    "kind",
    "clause",
    "state",
    "revisions",
    "created_utc",
    "tabled_utc",
    "closed_utc",
    "answers",
]
#: Then, per language of the negotiation, the proposed heading and text ("heading_en", "text_en", ...), and:
AMENDMENT_TAIL_COLUMNS = ["rationale", "rejection_reason"]


def _clause_cell(amendment: Amendment, citations: dict[int, str]) -> str:
    if amendment.kind is AmendmentKind.insert and amendment.clause_id is None:
        anchor = amendment.insert_after_id or amendment.insert_parent_id
        where = "after" if amendment.insert_after_id else "at the start of"
        return f"new clause {where} {citations[anchor]}" if anchor in citations else "new clause"
    return citations.get(amendment.clause_id, "") if amendment.clause_id is not None else ""


def amendments_csv(amendments, citations: dict[int, str], reader: User, languages: list[str]) -> str:
    """The amendments as `reader` may know them: the other party's counted and dated from their tabling, with the
    wording and rationale of the latest revision the reader may read. `citations` cites deleted clauses too."""

    def rows():
        for a in amendments:
            readable = permissions.revisions_readable_by(reader, a)
            latest = readable[-1] if readable else None
            words = []
            for language in languages:
                text = latest.text(language) if latest and a.kind is not AmendmentKind.delete else None
                words += [text.heading if text else "", text.body if text else ""]
            yield [
                a.citation,
                a.party.code,
                a.kind.value,
                _clause_cell(a, citations),
                a.state.value,
                len(readable),
                permissions.proposal_date(reader, a).isoformat(),
                a.tabled_at.isoformat() if a.tabled_at else "",
                a.closed_at.isoformat() if a.closed_at else "",
                a.answers.citation if a.answers else "",
                *words,
                latest.rationale if latest else "",
                a.rejection_reason,
            ]

    columns = [f"{part}_{language}" for language in languages for part in ("heading", "text")]
    return _write([*AMENDMENT_COLUMNS, *columns, *AMENDMENT_TAIL_COLUMNS], rows())


COMMENT_COLUMNS = ["amendment", "clause", "written_utc", "author", "author_party", "internal", "comment"]


def comments_csv(
    comments: Iterable[AmendmentComment], amendments: dict[int, Amendment], citations: dict[int, str]
) -> str:
    """The discussion of the amendments: `comments` are those the reader may see (services.reports.discussion)."""
    return _write(
        COMMENT_COLUMNS,
        (
            [
                amendments[c.amendment_id].citation,
                _clause_cell(amendments[c.amendment_id], citations),
                c.created_at.isoformat(),
                c.author.login,
                c.party.code if c.party else "",
                "yes" if c.internal else "no",
                c.body,
            ]
            for c in comments
        ),
    )
