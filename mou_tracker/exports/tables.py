"""CSV exports of the clauses and the amendments."""

from __future__ import annotations

import csv
import io

from ..core import permissions
from ..services.reports import StatusReport


def _cell(value) -> str:
    """A spreadsheet must never read user text as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _write(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


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


def amendments_csv(amendments, citations: dict[int, str], reader) -> str:
    """The amendments as `reader` may know them: the other party's counted and dated from their tabling."""

    def rows():
        for a in amendments:
            yield [
                a.citation,
                a.party.code,
                a.kind.value,
                citations.get(a.clause_id, "new clause" if a.clause_id is None else ""),
                a.state.value,
                len(permissions.revisions_readable_by(reader, a)),
                permissions.proposal_date(reader, a).isoformat(),
                a.tabled_at.isoformat() if a.tabled_at else "",
                a.closed_at.isoformat() if a.closed_at else "",
                a.answers.citation if a.answers else "",
            ]

    return _write(AMENDMENT_COLUMNS, rows())
