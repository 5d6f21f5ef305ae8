"""Word documents of the record: the rolling text with its brackets, and the signature copy.

Both are built on exports.docx's DraftDocument (its cover, its per-language parts with their running header and
"Page 3 of 9" footer, its paper sizes) and its Wording, so that clause numbers read as each language writes them
("Статья 2", "а)"). What is in brackets at the table is marked by the brackets themselves and by bold type for the
tags and the current words, never by colour alone, so that it reads on a black-and-white printout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
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


def _pieces(paragraph, pieces: Sequence[Piece], words: RollingWords, language: str, *, bold: bool = False) -> None:
    for piece in pieces:
        if isinstance(piece, Plain):
            _run(paragraph, piece.text, language, bold=bold)
            continue
        _run(paragraph, piece.lead + piece.gap_before, language, bold=bold)
        first = True
        if piece.current:
            _run(paragraph, f"[{piece.current}]", language, bold=True)
            first = False
        for alternative in piece.alternatives:
            if not first:
                _run(paragraph, " ", language)
            first = False
            _run(paragraph, "[", language, bold=True)
            _run(paragraph, f"{alternative.citations}:", language, bold=True, size=9)
            _run(paragraph, f" {alternative.text or words.delete}", language, italic=alternative.deletes, bold=bold)
            _run(paragraph, "]", language, bold=True)
        _run(paragraph, piece.gap_after + piece.trail, language, bold=bold)


def _clause_paragraph(doc: DraftDocument, kind: ClauseKind, depth: int):
    paragraph = doc.document.add_paragraph()
    paragraph.paragraph_format.left_indent = Cm(1.0 * depth)
    paragraph.paragraph_format.space_after = Pt(6)
    if kind in (ClauseKind.article, ClauseKind.title):
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return paragraph


def _rolling_clause(doc: DraftDocument, clause: RollingClause, wording: Wording, words: RollingWords) -> None:
    language = wording.language
    label = wording.label(clause.label)
    if clause.inserted_by is not None:
        note = _clause_paragraph(doc, ClauseKind.paragraph, clause.depth)
        _run(note, words.new_clause % {"citation": clause.inserted_by.citation}, language, italic=True, size=9)
    if clause.kind is ClauseKind.article or clause.heading is not None:
        head = _clause_paragraph(doc, ClauseKind.article, clause.depth)
        if label:
            _run(head, label, language, bold=True)
        if clause.heading is not None:
            _run(head, HEADING_SEPARATOR if label else "", language, bold=True)
            _pieces(head, clause.heading, words, language, bold=True)
        if clause.mark is not None:
            _run(head, f" ({words.mark(clause.mark.value)})", language, italic=True, size=9)
        paragraph = _clause_paragraph(doc, ClauseKind.paragraph, clause.depth)
    else:
        paragraph = _clause_paragraph(doc, clause.kind, clause.depth)
        if label:
            _run(paragraph, label + "\t", language, bold=True)
        if clause.mark is not None:
            _run(paragraph, f"({words.mark(clause.mark.value)}) ", language, italic=True, size=9)
    if not clause.body and clause.inserted_by is None:
        _run(paragraph, words.missing, language, italic=True, size=9)
    deleted = bool(clause.deleted_by)
    if deleted:
        _run(paragraph, "[", language, bold=True)
    _pieces(paragraph, clause.body, words, language)
    if deleted:
        citations = ", ".join(tag.citation for tag in clause.deleted_by)
        _run(paragraph, "] ", language, bold=True)
        _run(paragraph, f"[{words.delete_clause % {'citations': citations}}]", language, bold=True, size=9)
    if clause.without_text:
        citations = ", ".join(tag.citation for tag in clause.without_text)
        note = _clause_paragraph(doc, ClauseKind.paragraph, clause.depth)
        _run(note, words.without_text % {"citations": citations}, language, italic=True, size=9)


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
        for clause in clauses:
            _rolling_clause(doc, clause, wording, words)
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
