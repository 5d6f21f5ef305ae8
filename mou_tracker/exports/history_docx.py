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
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from ..core.messages import N_
from ..core.redline import Op, Redline, bracket_pieces, negotiating_brackets
from .docx import BRACKET_STYLE_ID, bracketed_pieces, ensure_bracket_style

#: Run properties in the order WordprocessingML's schema wants them (CT_RPr): bold, italic, strike, size,
#: underline, vertical alignment.
_PROPERTIES = ("b", "i", "strike", "sz", "u", "vertAlign")


def _run(paragraph, text: str, style: str | None = None, **properties: str) -> None:
    """Append a run of `text` with `properties` (`strike="1"`, `u="single"`, `vertAlign="superscript"`, `sz="16"`:
    half-points) as Word writes it. python-docx's own `add_run` reads the text a character at a time (for tabs and
    line breaks), which at treaty scale costs seconds: a text without them is written as one <w:t>."""
    if any(c in text for c in "\t\n\r"):
        run = paragraph.add_run(text)
        element = run._r
    else:
        element = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.text = text
        t.set(qn("xml:space"), "preserve")
        element.append(t)
        paragraph._p.append(element)
    if properties or style:
        rpr = OxmlElement("w:rPr")
        if style:  # the run's character style comes first in its properties
            child = OxmlElement("w:rStyle")
            child.set(qn("w:val"), style)
            rpr.append(child)
        for name in _PROPERTIES:
            if name in properties:
                child = OxmlElement(f"w:{name}")
                child.set(qn("w:val"), properties[name])
                rpr.append(child)
        element.insert(0, rpr)


def _bracketed(paragraph, pieces: Sequence[tuple[str, bool]], **properties: str) -> None:
    for piece, bracketed in pieces:
        _run(paragraph, piece, BRACKET_STYLE_ID if bracketed else None, **properties)


def _redline(paragraph, redline: Redline, plain_brackets: Sequence[str]) -> None:
    in_change = False
    for segment, pieces in zip(redline.segments, bracketed_pieces(redline.segments, plain_brackets), strict=True):
        if segment.op is Op.equal:
            if in_change and redline.author:
                _label(paragraph, f"[{redline.author}]")
            in_change = False
            _bracketed(paragraph, pieces)
            continue
        if segment.op is Op.delete:
            _bracketed(paragraph, pieces, strike="1")
        else:
            _bracketed(paragraph, pieces, u="single")
        in_change = True
    if in_change and redline.author:
        _label(paragraph, f"[{redline.author}]")


def _label(paragraph, text: str) -> None:
    _run(paragraph, text, sz="16", vertAlign="superscript")


def history_document(
    title: str, subtitle: str, records: Sequence[Any], language: str, translate: Callable[[Any], Any]
) -> bytes:
    """`records`: services.history.ClauseRecord, their words in `language`; `translate` says a core Message in the
    reader's language."""
    document = Document()
    ensure_bracket_style(document)
    document.core_properties.title = title
    document.add_heading(title, level=0)
    document.add_paragraph(subtitle)
    for record in records:
        plain = tuple(record.clause.plain_brackets or ())
        heading = translate(record.current.citation) if record.current else translate(N_("Deleted clause"))
        document.add_heading(f"{heading} · {record.clause.wid}", level=1)
        if record.words:
            document.add_heading(translate(N_("Who wrote this")), level=2)
            paragraph = document.add_paragraph()
            # The clause's negotiating brackets styled across the runs (a bracket cut by two runs, in both).
            whole = "".join(run.text for run in record.words)
            brackets = negotiating_brackets(whole, plain)
            at = 0
            for run in record.words:
                _bracketed(paragraph, bracket_pieces(whole, brackets, at, at + len(run.text)))
                at += len(run.text)
                _label(paragraph, f"[{translate(run.credit.label)}]")
        for event in record.events:
            line = document.add_paragraph()
            _run(line, f"{event.when:%Y-%m-%d %H:%M} UTC · ")
            _run(line, str(translate(event.title)), b="1")
            if event.who:
                _run(line, f" · {event.who}")
            if event.internal:
                own = translate(N_("seen only by your party"))
                _run(line, f" ({own})", i="1")
            if event.note:
                document.add_paragraph(event.note).paragraph_format.left_indent = Pt(18)
            if language in event.texts:
                paragraph = document.add_paragraph()
                paragraph.paragraph_format.left_indent = Pt(18)
                text = event.texts[language]
                _bracketed(paragraph, bracket_pieces(text, negotiating_brackets(text, plain)))
            for language_redline in event.redlines or []:
                if language_redline.language == language:
                    paragraph = document.add_paragraph()
                    paragraph.paragraph_format.left_indent = Pt(18)
                    _redline(paragraph, language_redline.body, plain)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
