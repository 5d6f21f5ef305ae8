"""Who wrote each word of a clause version, kept beside the version and written with it."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..core import attribution
from .base import Base
from .instrument import ClauseVersion


class ClauseTextAttribution(Base):
    """Who wrote each word of one clause version in one language: [[length, seq], ...] runs that cover its body
    exactly, each credited to the version (seq) that introduced those words (core.attribution).

    Derived from the versions, which never change, so a row is written once, in the same flush as its version
    (`_attribute_new_versions`); the migration that made the table filled it for the versions written before."""

    __tablename__ = "clause_text_attributions"

    version_id: Mapped[int] = mapped_column(ForeignKey("clause_versions.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    runs: Mapped[list] = mapped_column(JSON)

    version: Mapped[ClauseVersion] = relationship()


Runs = tuple[attribution.WordRun, ...]


def _persisted_chain(session: Session, clause_id: int, before_seq: int) -> dict[str, tuple[str, Runs]]:
    """{language: (text, runs)} of the clause's latest stored version before `before_seq` that has each language:
    the kept runs where they exist, else derived from the whole chain (a version written outside this hook)."""
    versions = session.scalars(
        select(ClauseVersion)
        .where(ClauseVersion.clause_id == clause_id, ClauseVersion.seq < before_seq)
        .order_by(ClauseVersion.seq)
    ).all()
    if not versions:
        return {}
    kept = {
        (row.version_id, row.language): attribution.runs_from_json(row.runs)
        for row in session.scalars(
            select(ClauseTextAttribution).where(ClauseTextAttribution.version_id.in_([v.id for v in versions]))
        )
    }
    out: dict[str, tuple[str, Runs]] = {}
    for version in versions:
        present = {text.language: text for text in version.texts}
        if version.is_deleted:
            out = {}
            continue
        for language, text in present.items():
            runs = kept.get((version.id, language))
            if runs is None:
                before = out.get(language)
                runs = (
                    attribution.runs_of_first(text.body, version.seq)
                    if before is None
                    else attribution.next_runs(before[0], before[1], text.body, version.seq)
                )
            out[language] = (text.body, runs)
        for language in set(out) - set(present):
            del out[language]
    return out


@event.listens_for(Session, "before_flush")
def _attribute_new_versions(session: Session, _flush_context, _instances) -> None:
    """Write the runs of every clause version added in this flush, from the runs of the version before it: one
    diff per language, so "who wrote this" never derives a chain when it is read."""
    new = [obj for obj in session.new if isinstance(obj, ClauseVersion)]
    if not new:
        return
    by_clause: dict[int, list[ClauseVersion]] = {}
    for version in new:
        key = version.clause_id if version.clause_id is not None else id(version.clause)
        by_clause.setdefault(key, []).append(version)
    with session.no_autoflush:
        for versions in by_clause.values():
            versions.sort(key=lambda v: v.seq)
            first = versions[0]
            clause_id = first.clause_id if first.clause_id is not None else getattr(first.clause, "id", None)
            previous = _persisted_chain(session, clause_id, first.seq) if clause_id is not None else {}
            for version in versions:
                if version.is_deleted:
                    previous = {}
                    continue
                current: dict[str, tuple[str, Runs]] = {}
                for text in version.texts:
                    before = previous.get(text.language)
                    runs = (
                        attribution.runs_of_first(text.body, version.seq)
                        if before is None
                        else attribution.next_runs(before[0], before[1], text.body, version.seq)
                    )
                    session.add(
                        ClauseTextAttribution(
                            version=version, language=text.language, runs=attribution.runs_to_json(runs)
                        )
                    )
                    current[text.language] = (text.body, runs)
                previous = current
