"""Word documents: the draft clean, or redlined with native tracked changes.

A redline is written as Word's own revision marks: inserted text inside <w:ins>, deleted text as <w:delText>
inside <w:del>, each with the proposing party as author and the proposal date, so that Word and LibreOffice
list them as changes that can be accepted or rejected one by one. A clause inserted or deleted whole also
has its paragraph mark marked, so accepting the change leaves no empty paragraph behind.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ..core.clause_kinds import ClauseKind
from ..core.redline import Op, Redline
from ..core.structure import EXPORT_COVER_STYLE

LANGUAGE_TAGS = {"en": "en-GB", "ru": "ru-RU"}


class _Revisions:
    """Word needs a unique id on every revision mark."""

    def __init__(self) -> None:
        self.next_id = 1

    def mark(self, tag: str, author: str, when: dt.datetime | None) -> OxmlElement:
        element = OxmlElement(tag)
        element.set(qn("w:id"), str(self.next_id))
        element.set(qn("w:author"), author or "Unknown")
        if when is not None:
            element.set(qn("w:date"), when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.next_id += 1
        return element


def _runs(text: str, *, deleted: bool, language: str, bold: bool = False) -> list[OxmlElement]:
    """One run per line: a line break inside clause text becomes <w:br/>."""
    runs = []
    for index, line in enumerate(text.split("\n")):
        run = OxmlElement("w:r")
        properties = OxmlElement("w:rPr")
        if bold:
            properties.append(OxmlElement("w:b"))
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), LANGUAGE_TAGS.get(language, language))
        properties.append(lang)
        run.append(properties)
        if index:
            run.append(OxmlElement("w:br"))
        piece = OxmlElement("w:delText" if deleted else "w:t")
        piece.set(qn("xml:space"), "preserve")
        piece.text = line
        run.append(piece)
        runs.append(run)
    return runs


class DraftDocument:
    def __init__(self, title: str, subtitle: str):
        self.document = Document()
        self.revisions = _Revisions()
        style = self.document.styles["Normal"]
        style.font.name = "Times New Roman"
        style.font.size = Pt(12)
        self.document.core_properties.title = title
        self.document.core_properties.subject = subtitle
        # The cover lines carry a style of their own, so that importing the export back never reads them as
        # part of the instrument (core.structure.EXPORT_COVER_STYLE).
        cover = self.document.styles.add_style(EXPORT_COVER_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        cover.base_style = style
        heading = self.document.add_paragraph(style=cover)
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        heading.add_run(title).bold = True
        note = self.document.add_paragraph(style=cover)
        note.alignment = WD_ALIGN_PARAGRAPH.CENTER
        note.add_run(subtitle).italic = True

    def _paragraph(self, kind: ClauseKind, depth: int):
        paragraph = self.document.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(1.0 * depth)
        paragraph.paragraph_format.space_after = Pt(6)
        if kind in (ClauseKind.article, ClauseKind.title):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return paragraph

    def clause(
        self,
        *,
        kind: ClauseKind,
        depth: int,
        label: str,
        language: str,
        heading: Redline | None,
        body: Redline,
        author: str = "",
        when: dt.datetime | None = None,
    ) -> None:
        """One clause in one language; unchanged text when the redlines have no changes."""
        whole = (
            "inserted"
            if not body.old_text and body.new_text
            else "deleted"
            if body.old_text and not body.new_text
            else None
        )
        if kind is ClauseKind.article or heading is not None:
            head = self._paragraph(ClauseKind.article, depth)
            for run in _runs(label, deleted=False, language=language, bold=True):
                head._p.append(run)
            if heading is not None:
                head._p.append(_runs(" — ", deleted=False, language=language, bold=True)[0])
                self._segments(head, heading, author, when, language, bold=True)
            self._mark_paragraph(head, whole, author, when)
            paragraph = self._paragraph(ClauseKind.paragraph, depth)
        else:
            paragraph = self._paragraph(kind, depth)
            if label:
                for run in _runs(label + "\t", deleted=False, language=language, bold=True):
                    paragraph._p.append(run)
        self._segments(paragraph, body, author, when, language)
        self._mark_paragraph(paragraph, whole, author, when)

    def _segments(self, paragraph, redline: Redline, author, when, language, bold=False) -> None:
        for segment in redline.segments:
            if segment.op is Op.equal:
                for run in _runs(segment.text, deleted=False, language=language, bold=bold):
                    paragraph._p.append(run)
                continue
            tag = "w:ins" if segment.op is Op.insert else "w:del"
            mark = self.revisions.mark(tag, author, when)
            for run in _runs(segment.text, deleted=segment.op is Op.delete, language=language, bold=bold):
                mark.append(run)
            paragraph._p.append(mark)

    def _mark_paragraph(self, paragraph, whole: str | None, author, when) -> None:
        if whole is None:
            return
        properties = paragraph._p.get_or_add_pPr()
        run_properties = OxmlElement("w:rPr")
        run_properties.append(self.revisions.mark("w:ins" if whole == "inserted" else "w:del", author, when))
        properties.append(run_properties)

    def language_heading(self, text: str) -> None:
        paragraph = self.document.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(18)
        paragraph.add_run(text).bold = True

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()


def clean_draft(title: str, subtitle: str, clauses: Iterable, languages: list[tuple[str, str]]) -> bytes:
    """`clauses`: DraftClause items. One section per language that has text."""
    doc = DraftDocument(title, subtitle)
    clauses = list(clauses)
    for code, name in languages:
        if not any(item.body(code) for item in clauses):
            continue
        doc.language_heading(f"{name} text")
        for item in clauses:
            body = item.body(code)
            if body is None:
                continue
            doc.clause(
                kind=item.kind,
                depth=item.depth,
                label=item.label,
                language=code,
                heading=Redline.between(item.heading(code), item.heading(code)) if item.heading(code) else None,
                body=Redline.between(body, body),
            )
    return doc.to_bytes()


def redlined_draft(title: str, subtitle: str, rows, languages: list[tuple[str, str]]) -> bytes:
    """`rows`: DraftRedlineRow items with per-language redlines, their author (party) and date."""
    doc = DraftDocument(title, subtitle)
    rows = list(rows)
    for code, name in languages:
        if not any(lr.language == code for row in rows for lr in row.redlines):
            continue
        doc.language_heading(f"{name} text")
        for row in rows:
            for lr in row.redlines:
                if lr.language != code:
                    continue
                doc.clause(
                    kind=row.kind,
                    depth=row.depth,
                    label=(row.new_citation or row.old_citation or "") if row.kind is not ClauseKind.title else "",
                    language=code,
                    heading=lr.heading,
                    body=lr.body,
                    author=row.author,
                    when=row.changed_at,
                )
    return doc.to_bytes()
