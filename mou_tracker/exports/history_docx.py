"""The negotiating history (services.history) as a Word document: a record to print and file, not to edit.

Redlines are drawn with formatting, not as Word revisions (accepting a change in a record would falsify it):
deleted words struck through, inserted words underlined, each change followed by its party in brackets, so the
document reads without colour. Who wrote each word of the current text: each run followed by its citation.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from docx import Document
from docx.shared import Pt

from ..core.messages import N_
from ..core.redline import Op, Redline


def _redline(paragraph, redline: Redline) -> None:
    in_change = False
    for segment in redline.segments:
        if segment.op is Op.equal:
            if in_change and redline.author:
                _label(paragraph, f"[{redline.author}]")
            in_change = False
            paragraph.add_run(segment.text)
            continue
        run = paragraph.add_run(segment.text)
        if segment.op is Op.delete:
            run.font.strike = True
        else:
            run.font.underline = True
        in_change = True
    if in_change and redline.author:
        _label(paragraph, f"[{redline.author}]")


def _label(paragraph, text: str) -> None:
    run = paragraph.add_run(text)
    run.font.superscript = True
    run.font.size = Pt(8)


def history_document(
    title: str, subtitle: str, records: Sequence[Any], language: str, translate: Callable[[Any], Any]
) -> bytes:
    """`records`: services.history.ClauseRecord, their words in `language`; `translate` says a core Message in the
    reader's language."""
    document = Document()
    document.core_properties.title = title
    document.add_heading(title, level=0)
    document.add_paragraph(subtitle)
    for record in records:
        heading = translate(record.current.citation) if record.current else translate(N_("Deleted clause"))
        document.add_heading(f"{heading} · {record.clause.wid}", level=1)
        if record.words:
            document.add_heading(translate(N_("Who wrote this")), level=2)
            paragraph = document.add_paragraph()
            for run in record.words:
                paragraph.add_run(run.text)
                _label(paragraph, f"[{translate(run.credit.label)}]")
        for event in record.events:
            line = document.add_paragraph()
            line.add_run(f"{event.when:%Y-%m-%d %H:%M} UTC · ").bold = False
            line.add_run(str(translate(event.title))).bold = True
            if event.who:
                line.add_run(f" · {event.who}")
            if event.internal:
                own = translate(N_("seen only by your party"))
                line.add_run(f" ({own})").italic = True
            if event.note:
                document.add_paragraph(event.note).paragraph_format.left_indent = Pt(18)
            if language in event.texts:
                document.add_paragraph(event.texts[language]).paragraph_format.left_indent = Pt(18)
            for language_redline in event.redlines or []:
                if language_redline.language == language:
                    paragraph = document.add_paragraph()
                    paragraph.paragraph_format.left_indent = Pt(18)
                    _redline(paragraph, language_redline.body)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
