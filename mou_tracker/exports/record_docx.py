"""Word documents of the record: the rolling text with its brackets, and the signature copy.

Both are built on exports.docx's DraftDocument (its cover, its per-language parts with their running header and
"Page 3 of 9" footer, its paper sizes) and its Wording, so that clause numbers read as each language writes them
("Статья 2", "а)"). What is in brackets at the table is marked by the brackets themselves and by bold type for the
tags and the current words, never by colour alone, so that it reads on a black-and-white printout.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import parse_xml
from docx.shared import Cm, Pt

from ..core.clause_kinds import ClauseKind
from ..core.rolling import Piece, Plain, RollingClause
from .docx import HEADING_SEPARATOR, LANGUAGE_TAGS, DocumentSettings, DraftDocument, Wording


@dataclass(frozen=True)
class RollingWords:
    """What the rolling text says around the brackets, in one language (given by the web layer, translated)."""

    #: In a proposal's bracket, for a proposal to delete the words: "[CICA-2: delete]".
    delete: str = "delete"
    #: Beside a clause a proposal would delete whole: "CICA-2: delete the clause".
    delete_clause: str = "%(citations)s: delete the clause"
    #: Above a proposed new clause: "New clause proposed by %(citation)s".
    new_clause: str = "New clause proposed by %(citation)s"
    #: Beside a clause with proposals that have no words in this language.
    without_text: str = "Also proposed, without text in this language: %(citations)s"
    #: In place of a clause's words where it has none in this language yet: "No RU text yet".
    missing: str = "No text in this language yet"
    #: The marks beside a clause's number ({Mark value: words}).
    marks: tuple[tuple[str, str], ...] = (("ad_referendum", "ad ref."), ("agreed", "agreed"))

    def mark(self, value: str) -> str:
        return dict(self.marks).get(value, value)


def _run(paragraph, text: str, language: str, *, bold: bool = False, italic: bool = False, size: float | None = None):
    """A run of the signature copy, through python-docx (a few hundred runs: its objects cost nothing there)."""
    run = paragraph.add_run(text)
    run.bold = bold or None
    run.italic = italic or None
    if size:
        run.font.size = Pt(size)
    properties = run._r.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), LANGUAGE_TAGS.get(language, language))
    properties.append(lang)
    return run


# The rolling text ------------------------------------------------------------------------------------------------
#
# A treaty's rolling text has tens of thousands of runs (each bracket, tag and wording is one). Made one by one
# with python-docx they took 7 s a language (its objects, schema-ordered insertion and a character-by-character
# reading of each text); here each language's clauses are written straight as WordprocessingML text, parsed once
# by lxml and put into the document python-docx made (cover, sections, running headers, page numbers). The XML is
# what python-docx wrote: the same paragraph and run properties, tabs as <w:tab/>, line breaks as <w:br/>.

#: Characters XML 1.0 cannot hold (python-docx refused them with an error): left out of the document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BREAKS = re.compile(r"([\t\r\n])")
_SPACE_AFTER = Pt(6).twips
_NOTE_SIZE = 9


def _text_xml(text: str) -> str:
    """A run's content: its text escaped, a tab as <w:tab/>, a line break as <w:br/> (as python-docx reads a
    string into a run)."""
    if "\t" not in text and "\n" not in text and "\r" not in text:
        return f'<w:t xml:space="preserve">{escape(text)}</w:t>'
    out = []
    for piece in _BREAKS.split(text):
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            out.append("<w:br/>")
        elif piece:
            out.append(f'<w:t xml:space="preserve">{escape(piece)}</w:t>')
    return "".join(out)


class _PartXml:
    """One language's clauses as WordprocessingML paragraphs, written as text (see above)."""

    def __init__(self, language: str):
        lang = escape(LANGUAGE_TAGS.get(language, language), {'"': "&quot;"})
        self._lang = f'<w:lang w:val="{lang}"/>'
        self._properties: dict[tuple[bool, bool, float | None], str] = {}
        self._xml: list[str] = []
        self._open = False

    def paragraph(self, kind: ClauseKind, depth: int) -> None:
        """Start a paragraph: indented by its depth, centred for an article's or the title's line."""
        self._close()
        centred = '<w:jc w:val="center"/>' if kind in (ClauseKind.article, ClauseKind.title) else ""
        spacing = f'<w:spacing w:after="{_SPACE_AFTER}"/><w:ind w:left="{Cm(1.0 * depth).twips}"/>'
        self._xml.append(f"<w:p><w:pPr>{spacing}{centred}</w:pPr>")
        self._open = True

    def run(self, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None) -> None:
        """A run of the open paragraph, in the part's language; nothing for no text."""
        if not text:
            return
        key = (bold, italic, size)
        properties = self._properties.get(key)
        if properties is None:
            flags = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
            measure = f'<w:sz w:val="{round(size * 2)}"/>' if size else ""
            properties = self._properties[key] = f"<w:rPr>{flags}{measure}{self._lang}</w:rPr>"
        self._xml.append(f"<w:r>{properties}{_text_xml(_NOT_XML.sub('', text))}</w:r>")

    def _close(self) -> None:
        if self._open:
            self._xml.append("</w:p>")
            self._open = False

    def write_into(self, doc: DraftDocument) -> None:
        """Put the paragraphs at the end of `doc`'s body (before its last section's properties)."""
        self._close()
        body = doc.document.element.body
        parsed = parse_xml(f"<w:body {nsdecls('w')}>{''.join(self._xml)}</w:body>")
        end = body.sectPr
        at = body.index(end) if end is not None else len(body)
        body[at:at] = list(parsed)


def _pieces(part: _PartXml, pieces: Sequence[Piece], words: RollingWords, *, bold: bool = False) -> None:
    for piece in pieces:
        if isinstance(piece, Plain):
            part.run(piece.text, bold=bold)
            continue
        part.run(piece.lead + piece.gap_before, bold=bold)
        first = True
        if piece.current:
            part.run(f"[{piece.current}]", bold=True)
            first = False
        for alternative in piece.alternatives:
            if not first:
                part.run(" ")
            first = False
            part.run("[", bold=True)
            part.run(f"{alternative.citations}:", bold=True, size=_NOTE_SIZE)
            part.run(f" {alternative.text or words.delete}", italic=alternative.deletes, bold=bold)
            part.run("]", bold=True)
        part.run(piece.gap_after + piece.trail, bold=bold)


def _rolling_clause(part: _PartXml, clause: RollingClause, wording: Wording, words: RollingWords) -> None:
    label = wording.label(clause.label)
    if clause.inserted_by is not None:
        part.paragraph(ClauseKind.paragraph, clause.depth)
        part.run(words.new_clause % {"citation": clause.inserted_by.citation}, italic=True, size=_NOTE_SIZE)
    if clause.kind is ClauseKind.article or clause.heading is not None:
        part.paragraph(ClauseKind.article, clause.depth)
        if label:
            part.run(label, bold=True)
        if clause.heading is not None:
            part.run(HEADING_SEPARATOR if label else "", bold=True)
            _pieces(part, clause.heading, words, bold=True)
        if clause.mark is not None:
            part.run(f" ({words.mark(clause.mark.value)})", italic=True, size=_NOTE_SIZE)
        part.paragraph(ClauseKind.paragraph, clause.depth)
    else:
        part.paragraph(clause.kind, clause.depth)
        if label:
            part.run(label + "\t", bold=True)
        if clause.mark is not None:
            part.run(f"({words.mark(clause.mark.value)}) ", italic=True, size=_NOTE_SIZE)
    if not clause.body and clause.inserted_by is None:
        # Followed by the brackets of a proposal to delete the clause, if any: a space apart, as on the page.
        part.run(words.missing + (" " if clause.deleted_by else ""), italic=True, size=_NOTE_SIZE)
    deleted = bool(clause.deleted_by)
    if deleted:
        part.run("[", bold=True)
    _pieces(part, clause.body, words)
    if deleted:
        citations = ", ".join(tag.citation for tag in clause.deleted_by)
        part.run("] ", bold=True)
        part.run(f"[{words.delete_clause % {'citations': citations}}]", bold=True, size=_NOTE_SIZE)
    if clause.without_text:
        citations = ", ".join(tag.citation for tag in clause.without_text)
        part.paragraph(ClauseKind.paragraph, clause.depth)
        part.run(words.without_text % {"citations": citations}, italic=True, size=_NOTE_SIZE)


def rolling_docx(
    title: str,
    subtitle: str,
    parts: Sequence[tuple[Wording, RollingWords, Sequence[RollingClause]]],
    settings: DocumentSettings | None = None,
    notes: Sequence[str] = (),
) -> bytes:
    """The rolling text, one part per language (`parts`: its wording, its words, its clauses)."""
    doc = DraftDocument(title, subtitle, settings, notes)
    for wording, words, clauses in parts:
        doc.language_heading(wording)
        part = _PartXml(wording.language)
        for clause in clauses:
            _rolling_clause(part, clause, wording, words)
        part.write_into(doc)
    return doc.to_bytes()


# The signature copy ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureWords:
    """What the signature copy says in one language, besides the text (translated by the web layer)."""

    #: Above a signature block: "For the %(party)s" with the party's name in this language.
    for_party: str = "For the %(party)s"
    name: str = "Name"
    title: str = "Title"
    #: The checksum in the footer: "Text checksum (SHA-256): %(checksum)s".
    checksum: str = "Text checksum (SHA-256): %(checksum)s"


@dataclass(frozen=True)
class SignatureBlock:
    #: The party's name in the part's language.
    party: str
    name: str
    title: str


@dataclass(frozen=True)
class SignatureClause:
    kind: ClauseKind
    depth: int
    #: The clause number as core.numbering writes it (Wording.label says it in each language).
    label: str
    #: {language: (heading, body)}.
    texts: dict[str, tuple[str | None, str]]


@dataclass(frozen=True)
class SignaturePart:
    wording: Wording
    words: SignatureWords
    #: The title of the instrument in this language.
    title: str
    blocks: Sequence[SignatureBlock]


def _with_checksum(wording: Wording, words: SignatureWords, shown: str) -> Wording:
    """The part's footer: its page numbers, then the checksum of the text."""
    checksum = words.checksum % {"checksum": shown}
    return Wording(
        wording.language,
        wording.section_heading,
        header=wording.header,
        article=wording.article,
        page=f"{wording.page} · {checksum}",
        item_letters=wording.item_letters,
        item_format=wording.item_format,
        preamble_labels=wording.preamble_labels,
    )


def _signature_clause(doc: DraftDocument, cell_or_doc, clause: SignatureClause, wording: Wording) -> None:
    language = wording.language
    heading, body = clause.texts.get(language, (None, ""))
    label = wording.label(clause.label)
    add = cell_or_doc.add_paragraph

    def paragraph(kind: ClauseKind):
        made = add()
        made.paragraph_format.left_indent = Cm((0.6 if cell_or_doc is not doc.document else 1.0) * clause.depth)
        made.paragraph_format.space_after = Pt(6)
        if kind in (ClauseKind.article, ClauseKind.title):
            made.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return made

    if clause.kind is ClauseKind.title:
        _run(paragraph(ClauseKind.title), body, language, bold=True, size=14)
        return
    if clause.kind is ClauseKind.article or heading:
        head = paragraph(ClauseKind.article)
        _run(head, label + (HEADING_SEPARATOR + heading if heading else ""), language, bold=True)
        text = paragraph(ClauseKind.paragraph)
    else:
        text = paragraph(clause.kind)
        if label:
            _run(text, label + "\t", language, bold=True)
    _run(text, body, language)


def _signature_blocks(container, blocks: Sequence[SignatureBlock], words: SignatureWords, language: str) -> None:
    for block in blocks:
        heading = container.add_paragraph()
        heading.paragraph_format.space_before = Pt(24)
        heading.paragraph_format.keep_with_next = True
        _run(heading, words.for_party % {"party": block.party}, language, bold=True)
        line = container.add_paragraph()
        line.paragraph_format.space_before = Pt(24)
        line.paragraph_format.keep_with_next = True
        _run(line, "_" * 32, language)
        for label, value in ((words.name, block.name), (words.title, block.title)):
            row = container.add_paragraph()
            row.paragraph_format.keep_with_next = True
            _run(row, f"{label}: ", language, size=10)
            _run(row, value or "_" * 24, language, size=10)


def signature_docx(
    document_title: str,
    subtitle: str,
    clauses: Sequence[SignatureClause],
    parts: Sequence[SignaturePart],
    shown_checksum: str,
    *,
    columns: bool = False,
    settings: DocumentSettings | None = None,
) -> bytes:
    """The authentic texts: each language complete, with its signature blocks, one after the other; or, with
    `columns`, side by side in a two-column table (clause by clause, so that the texts stay level), the signature
    blocks under each column. The checksum of the text is in every page's footer."""
    doc = DraftDocument(document_title, subtitle, settings)
    if not columns:
        for part in parts:
            doc.language_heading(_with_checksum(part.wording, part.words, shown_checksum))
            for clause in clauses:
                _signature_clause(doc, doc.document, clause, part.wording)
            _signature_blocks(doc.document, part.blocks, part.words, part.wording.language)
        return doc.to_bytes()
    first = parts[0]
    doc.language_heading(_with_checksum(first.wording, first.words, shown_checksum))
    table = doc.document.add_table(rows=0, cols=len(parts))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    heads = table.add_row().cells
    for cell, part in zip(heads, parts, strict=True):
        cell.paragraphs[0].text = ""
        _run(cell.paragraphs[0], part.wording.section_heading, part.wording.language, bold=True)
    for clause in clauses:
        cells = table.add_row().cells
        for cell, part in zip(cells, parts, strict=True):
            cell._tc.remove(cell.paragraphs[0]._p)
            _signature_clause(doc, cell, clause, part.wording)
    cells = table.add_row().cells
    for cell, part in zip(cells, parts, strict=True):
        cell._tc.remove(cell.paragraphs[0]._p)
        _signature_blocks(cell, part.blocks, part.words, part.wording.language)
    doc.document.add_paragraph().add_run().add_break(WD_BREAK.LINE)
    return doc.to_bytes()
