"""Word documents: the draft clean, or redlined with native tracked changes, ready to circulate.

A redline is written as Word's own revision marks: inserted text inside <w:ins>, deleted text as <w:delText>
inside <w:del>, each with the party and date of the amendment that made those very words, so that Word and
LibreOffice list them as changes that can be accepted or rejected one by one. Everything that differs between
the two points is tracked, not only the words of the clauses: a clause's number ("Article 2", "3." and the tab
after it), the " — " before a heading and the heading itself, and, for a clause inserted or deleted whole, its
paragraph marks, so that accepting every change gives exactly the newer draft and rejecting every change exactly
the older one, in every language (tests/web/test_exports_docx_exact.py checks this with LibreOffice).

Each language has a part of its own (a section with its own running header), worded in that language: its
heading, the clause numbers ("Статья 2", "а)"), the dates. Pages are A4 or Letter, numbered "Page 3 of 9".

Every document names what it was made of, so that a copy edited in Word and uploaded again is matched to the
negotiation's clauses exactly, never guessed (issue #16, imports/docx_revisions.py reads them back): a Word
bookmark around the text of each clause paragraph, named after the clause's stable id, its language and whether
it is the heading paragraph (docx_revisions.bookmark_name), one around each language part's heading, and custom
document properties naming the negotiation and the point the draft was exported at. Word and LibreOffice keep
bookmarks and custom properties when they edit and save a document, and show neither in the text.

Square brackets still under negotiation (core.brackets) carry the character style "Negotiating brackets" (bold in a
thin frame, as on the pages: never colour alone), defined in the document's styles and applied to the runs that
hold them: a run is cut where a bracket starts or ends, inside tracked insertions and deletions too, so accepting
or rejecting the changes leaves the same words with the same marks. Brackets a user declared part of the wording
(clause.plain_brackets) stay plain.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Inches, Pt
from lxml import etree

from ..core.attribution import Credit, CreditedSegment
from ..core.clause_kinds import ClauseKind
from ..core.redline import Op, Redline, bracket_pieces, negotiating_brackets
from ..core.structure import EXPORT_COVER_STYLE
from ..imports.docx_revisions import (
    BASED_ON_PROPERTY,
    NEGOTIATION_PROPERTY,
    ParagraphPart,
    bookmark_name,
    part_bookmark_name,
)

LANGUAGE_TAGS = {"en": "en-GB", "ru": "ru-RU"}
#: (width, height) of the paper sizes an administrator may choose (config MOU_PAPER_SIZE).
PAPER_SIZES = {"A4": (Cm(21.0), Cm(29.7)), "Letter": (Inches(8.5), Inches(11))}
LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: The letters Russian drafting numbers sub-items with (а), б), в) ...): no ё, й, ъ, ы, ь.
CYRILLIC_LETTERS = "абвгдежзиклмнопрстуфхцчшщэюя"
HEADING_SEPARATOR = " — "
#: The character style of negotiating brackets, and the id the runs name it by.
BRACKET_STYLE = "Negotiating brackets"
BRACKET_STYLE_ID = "NegotiatingBrackets"


@dataclass(frozen=True)
class Wording:
    """How one language's part of a document speaks: given by the web layer, translated into that language."""

    language: str
    #: Above the part: "English text", "Текст на русском языке".
    section_heading: str
    #: The running header of the part's pages (negotiation, point, date).
    header: str = ""
    article: str = "Article %(number)s"
    #: "Page %(number)s of %(count)s".
    page: str = "Page %(number)s of %(count)s"
    item_letters: str = LATIN_LETTERS
    item_format: str = "({letter})"
    #: Whether preambular paragraphs carry their citation ("PP1"): English compilations do, Russian texts not.
    preamble_labels: bool = True

    def label(self, english: str | None) -> str:
        """A clause number as core.numbering writes it ("Article 3", "2.", "(b)", "PP1") in this language."""
        if not english:
            return ""
        if match := re.fullmatch(r"Article (\d+)", english):
            return self.article % {"number": match[1]}
        if match := re.fullmatch(r"\(([a-z]+)\)", english):
            letters = match[1]
            index = (len(letters) - 1) * len(LATIN_LETTERS) + LATIN_LETTERS.index(letters[0])
            alphabet = self.item_letters
            letter = alphabet[index % len(alphabet)] * (index // len(alphabet) + 1)
            return self.item_format.format(letter=letter)
        if re.fullmatch(r"PP\d+", english) and not self.preamble_labels:
            return ""
        return english


ENGLISH = Wording("en", "English text")
#: How each language numbers what English numbers "(a)" and "PP1" (Russian: "а)", and no preambular numbers).
DRAFTING_CONVENTIONS: dict[str, dict] = {
    "ru": {"item_letters": CYRILLIC_LETTERS, "item_format": "{letter})", "preamble_labels": False}
}


@dataclass(frozen=True)
class DocumentSettings:
    paper: str = "A4"
    #: When the document was made (its core properties); now when None.
    created: dt.datetime | None = None
    #: Each amendment's rationale as a Word comment on its change.
    comments: bool = True


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Revisions:
    """Word needs a unique id on every revision mark."""

    def __init__(self) -> None:
        self.next_id = 1

    def mark(self, tag: str, credit: Credit | None) -> BaseOxmlElement:
        element = OxmlElement(tag)
        element.set(qn("w:id"), str(self.next_id))
        element.set(qn("w:author"), (credit.party if credit else "") or "Unknown")
        if credit is not None and credit.when is not None:
            element.set(qn("w:date"), _iso(credit.when))
        self.next_id += 1
        return element


def _runs(
    text: str, *, deleted: bool, language: str, bold: bool = False, style: str | None = None
) -> list[BaseOxmlElement]:
    """One run per line: a line break inside clause text becomes <w:br/>, a tab <w:tab/>. `style`: the id of a
    character style for the runs."""
    runs = []
    for index, line in enumerate(text.split("\n")):
        run = OxmlElement("w:r")
        properties = OxmlElement("w:rPr")
        if style is not None:  # the schema puts the style first among a run's properties
            style_element = OxmlElement("w:rStyle")
            style_element.set(qn("w:val"), style)
            properties.append(style_element)
        if bold:
            properties.append(OxmlElement("w:b"))
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), LANGUAGE_TAGS.get(language, language))
        properties.append(lang)
        run.append(properties)
        if index:
            run.append(OxmlElement("w:br"))
        for part_index, part in enumerate(line.split("\t")):
            if part_index:
                run.append(OxmlElement("w:tab"))
            if part:
                piece = OxmlElement("w:delText" if deleted else "w:t")
                piece.set(qn("xml:space"), "preserve")
                piece.text = part
                run.append(piece)
        runs.append(run)
    return runs


def ensure_bracket_style(document) -> None:
    """Define the character style of negotiating brackets in a python-docx Document (once): bold in a thin frame,
    like the pages' .bracket, readable in black and white (a double underline would read as a tracked insertion).
    Every Word export that shows clause text uses it (`paragraph.add_run(text, BRACKET_STYLE)`)."""
    if any(style.name == BRACKET_STYLE for style in document.styles):
        return
    style = document.styles.add_style(BRACKET_STYLE, WD_STYLE_TYPE.CHARACTER)
    style.element.styleId = BRACKET_STYLE_ID  # python-docx would make it "Negotiatingbrackets"; the runs name this
    style.font.bold = True
    style.quick_style = True
    properties = style.element.get_or_add_rPr()
    border = OxmlElement("w:bdr")
    for name, value in (("val", "single"), ("sz", "4"), ("space", "0"), ("color", "auto")):
        border.set(qn(f"w:{name}"), value)
    properties.append(border)  # after <w:b/>, as the schema orders a run's properties


def add_bracketed_runs(paragraph, text: str, plain_brackets: Sequence[str] = (), **run_format) -> list:
    """A clause's words added to a python-docx paragraph, its negotiating brackets in the bracket style (the
    document must have it: ensure_bracket_style); `run_format` (bold=True, italic=True) applies to every run."""
    runs = []
    for piece, bracketed in bracket_pieces(text, negotiating_brackets(text, plain_brackets)):
        run = paragraph.add_run(piece, BRACKET_STYLE if bracketed else None)
        for name, value in run_format.items():
            setattr(run, name, value)
        runs.append(run)
    return runs


def bracketed_pieces(segments: Sequence, plain_brackets: Sequence[str] = ()) -> list[list[tuple[str, bool]]]:
    """Each segment's text (redline segments: `op`, `text`) cut at the bounds of the negotiating brackets,
    (piece, bracketed) in order: a deletion read in the old text, an insertion or unchanged words in the new (as
    the redline pages mark them)."""
    old_text = "".join(s.text for s in segments if s.op is not Op.insert)
    new_text = "".join(s.text for s in segments if s.op is not Op.delete)
    old_brackets = negotiating_brackets(old_text, plain_brackets)
    new_brackets = negotiating_brackets(new_text, plain_brackets)
    pieces: list[list[tuple[str, bool]]] = []
    old_at = new_at = 0
    for segment in segments:
        size = len(segment.text)
        if segment.op is Op.delete:
            pieces.append(bracket_pieces(old_text, old_brackets, old_at, old_at + size))
        else:
            pieces.append(bracket_pieces(new_text, new_brackets, new_at, new_at + size))
        if segment.op is not Op.insert:
            old_at += size
        if segment.op is not Op.delete:
            new_at += size
    return pieces


def _equal(text: str) -> list[CreditedSegment]:
    return [CreditedSegment(Op.equal, text)] if text else []


def _from_redline(redline: Redline, credit: Credit) -> list[CreditedSegment]:
    return [CreditedSegment(s.op, s.text, None if s.op is Op.equal else credit) for s in redline.segments]


@dataclass
class _Comments:
    """The amendments already commented on in the paragraph being written (one comment per amendment)."""

    seen: set[tuple[str, str]] = field(default_factory=set)


class DraftDocument:
    def __init__(self, title: str, subtitle: str, settings: DocumentSettings | None = None, notes: Sequence[str] = ()):
        self.settings = settings or DocumentSettings()
        self.document = Document()
        self.revisions = _Revisions()
        self.comment_count = 0
        self._sections = 0
        self._bookmarks = 0
        style = self.document.styles["Normal"]
        style.font.name = "Times New Roman"
        style.font.size = Pt(12)
        created = self.settings.created or dt.datetime.now(dt.UTC)
        properties = self.document.core_properties
        properties.title = title
        properties.subject = subtitle
        properties.author = properties.last_modified_by = "MoU Tracker"
        properties.comments = ""
        properties.created = properties.modified = created.astimezone(dt.UTC).replace(tzinfo=None)
        properties.revision = 1
        ensure_bracket_style(self.document)
        # The cover lines carry a style of their own, so that importing the export back never reads them as
        # part of the instrument (core.structure.EXPORT_COVER_STYLE).
        cover = self.document.styles.add_style(EXPORT_COVER_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        cover.base_style = style
        self.cover = cover
        heading = self.document.add_paragraph(style=cover)
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        heading.add_run(title).bold = True
        note = self.document.add_paragraph(style=cover)
        note.alignment = WD_ALIGN_PARAGRAPH.CENTER
        note.add_run(subtitle).italic = True
        for text in notes:
            self.document.add_paragraph(style=cover).add_run(text).italic = True

    # Pages -------------------------------------------------------------------------------------------------

    def _page_setup(self, section, wording: Wording) -> None:
        width, height = PAPER_SIZES.get(self.settings.paper, PAPER_SIZES["A4"])
        section.page_width, section.page_height = width, height
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)
        section.header_distance = section.footer_distance = Cm(1.25)
        header = section.header
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0]
        paragraph.text = ""
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(wording.header)
        run.italic = True
        run.font.size = Pt(9)
        footer = section.footer
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.text = ""
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        # "Page %(number)s of %(count)s" with Word's own fields in place of the numbers.
        for piece in re.split(r"(%\(number\)s|%\(count\)s)", wording.page):
            if piece == "%(number)s":
                paragraph._p.append(self._field("PAGE"))
            elif piece == "%(count)s":
                paragraph._p.append(self._field("NUMPAGES"))
            elif piece:
                paragraph.add_run(piece).font.size = Pt(9)

    @staticmethod
    def _field(instruction: str) -> BaseOxmlElement:
        field_element = OxmlElement("w:fldSimple")
        field_element.set(qn("w:instr"), f" {instruction} ")
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        run.append(text)
        field_element.append(run)
        return field_element

    def language_heading(self, text: str | Wording) -> None:
        """Start a language's part: on a new page (a section with its own running header) after the first."""
        wording = text if isinstance(text, Wording) else Wording("en", text)
        section = self.document.add_section(WD_SECTION.NEW_PAGE) if self._sections else self.document.sections[0]
        self._sections += 1
        self._page_setup(section, wording)
        paragraph = self.document.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(18)
        run = paragraph.add_run(wording.section_heading)
        run.bold = True
        self._bookmark(paragraph, part_bookmark_name(wording.language))

    def _bookmark(self, paragraph, name: str | None) -> None:
        """A bookmark around the paragraph's text (after its properties, before its mark)."""
        if name is None:
            return
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), str(self._bookmarks))
        start.set(qn("w:name"), name)
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), str(self._bookmarks))
        self._bookmarks += 1
        properties = paragraph._p.pPr
        if properties is not None:
            properties.addnext(start)
        else:
            paragraph._p.insert(0, start)
        paragraph._p.append(end)

    def identify(self, negotiation: str | None, based_on: dt.datetime | None) -> None:
        """Custom document properties: the negotiation (its slug) and the point the draft was exported at."""
        values = [(n, v) for n, v in ((NEGOTIATION_PROPERTY, negotiation), (BASED_ON_PROPERTY, based_on)) if v]
        if not values:
            return
        root = etree.Element(f"{{{_CUSTOM_NS}}}Properties", nsmap={None: _CUSTOM_NS, "vt": _VT_NS})
        for pid, (name, value) in enumerate(values, start=2):  # Word numbers custom properties from 2
            prop = etree.SubElement(root, f"{{{_CUSTOM_NS}}}property", fmtid=_CUSTOM_FMTID, pid=str(pid), name=name)
            text = value if isinstance(value, str) else value.astimezone(dt.UTC).isoformat()
            etree.SubElement(prop, f"{{{_VT_NS}}}lpwstr").text = text
        blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        package = self.document.part.package
        part = Part(PackURI("/docProps/custom.xml"), CT.OFC_CUSTOM_PROPERTIES, blob, package)
        package.relate_to(part, RT.CUSTOM_PROPERTIES)

    # Clauses -----------------------------------------------------------------------------------------------

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
        plain_brackets: Sequence[str] = (),
    ) -> None:
        """One clause in one language, its words as redlines (unchanged text when they have no changes)."""
        credit = Credit(author, when)
        self.tracked_clause(
            kind=kind,
            depth=depth,
            language=language,
            label=_equal(label),
            heading=_heading_segments(_from_redline(heading, credit)) if heading is not None else None,
            body=_from_redline(body, credit),
            plain_brackets=plain_brackets,
        )

    def tracked_clause(
        self,
        *,
        kind: ClauseKind,
        depth: int,
        language: str,
        label: Sequence[CreditedSegment],
        heading: Sequence[CreditedSegment] | None,
        body: Sequence[CreditedSegment],
        whole: tuple[Op, Credit] | None = None,
        wid: str | None = None,
        plain_brackets: Sequence[str] = (),
    ) -> None:
        """One clause in one language, every piece of it as credited segments. `label` is the number without its
        tab; `heading` the separator and heading together (None: no heading paragraph); `whole` marks a clause
        inserted or deleted whole in this language, whose paragraph marks are then tracked too; `wid`, the
        clause's stable id, names the bookmarks around its paragraphs (None: a clause without one yet). The
        negotiating brackets of the heading and the body are styled (`plain_brackets`: the clause's declared
        plain ones, left as they are)."""
        comments = _Comments()
        if kind is ClauseKind.article or heading is not None:
            head = self._paragraph(ClauseKind.article, depth)
            self._segments(head, label, language, comments, bold=True)
            self._segments(head, heading or (), language, comments, bold=True, plain_brackets=plain_brackets)
            self._mark_paragraph(head, whole)
            if wid is not None:
                self._bookmark(head, bookmark_name(wid, language, ParagraphPart.heading))
            paragraph = self._paragraph(ClauseKind.paragraph, depth)
        else:
            paragraph = self._paragraph(kind, depth)
            if any(s.text for s in label):
                self._segments(paragraph, _with_tab(label, whole), language, comments, bold=True)
        self._segments(paragraph, body, language, comments, plain_brackets=plain_brackets)
        self._mark_paragraph(paragraph, whole)
        if wid is not None:
            self._bookmark(paragraph, bookmark_name(wid, language, ParagraphPart.body))

    def _segments(
        self,
        paragraph,
        segments,
        language: str,
        comments: _Comments,
        bold: bool = False,
        plain_brackets: Sequence[str] = (),
    ) -> None:
        segments = list(segments)
        for segment, pieces in zip(segments, bracketed_pieces(segments, plain_brackets), strict=True):
            if not segment.text:
                continue
            deleted = segment.op is Op.delete
            runs = [
                run
                for text, bracketed in pieces
                for run in _runs(
                    text,
                    deleted=deleted,
                    language=language,
                    bold=bold,
                    style=BRACKET_STYLE_ID if bracketed else None,
                )
            ]
            if segment.op is Op.equal:
                for run in runs:
                    paragraph._p.append(run)
                continue
            mark = self.revisions.mark("w:ins" if segment.op is Op.insert else "w:del", segment.credit)
            for run in runs:
                mark.append(run)
            paragraph._p.append(mark)
            self._comment(paragraph, mark, segment.credit, comments)

    def _comment(self, paragraph, mark, credit: Credit | None, comments: _Comments) -> None:
        """The amendment's rationale as a comment on its first change in the paragraph."""
        if not self.settings.comments or credit is None or not credit.rationale:
            return
        key = (credit.citation, credit.rationale)
        if key in comments.seen:
            return
        comments.seen.add(key)
        text = f"{credit.citation}: {credit.rationale}" if credit.citation else credit.rationale
        author = credit.party or "Unknown"
        comment = self.document.comments.add_comment(text=text, author=author, initials=author[:4])
        if credit.when is not None:
            comment._comment_elm.set(qn("w:date"), _iso(credit.when))
        start = OxmlElement("w:commentRangeStart")
        start.set(qn("w:id"), str(comment.comment_id))
        end = OxmlElement("w:commentRangeEnd")
        end.set(qn("w:id"), str(comment.comment_id))
        mark.addprevious(start)
        mark.addnext(end)
        reference = OxmlElement("w:r")
        properties = OxmlElement("w:rPr")
        style = OxmlElement("w:rStyle")
        style.set(qn("w:val"), "CommentReference")
        properties.append(style)
        reference.append(properties)
        anchor = OxmlElement("w:commentReference")
        anchor.set(qn("w:id"), str(comment.comment_id))
        reference.append(anchor)
        end.addnext(reference)
        self.comment_count += 1

    def _mark_paragraph(self, paragraph, whole: tuple[Op, Credit] | None) -> None:
        if whole is None:
            return
        op, credit = whole
        properties = paragraph._p.get_or_add_pPr()
        run_properties = OxmlElement("w:rPr")
        run_properties.append(self.revisions.mark("w:ins" if op is Op.insert else "w:del", credit))
        properties.append(run_properties)

    def track_changes(self) -> None:
        """Open with change tracking on, so that edits made after download are tracked too."""
        settings = self.document.settings.element
        if settings.find(qn("w:trackRevisions")) is not None:
            return
        element = OxmlElement("w:trackRevisions")
        # The schema orders settings: trackRevisions comes before defaultTabStop and everything after it.
        later = settings.find(qn("w:defaultTabStop"))
        if later is not None:
            later.addprevious(element)
        else:
            settings.append(element)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()


_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
#: The property set every custom document property belongs to (ECMA-376, Part 1, 22.3.2.2).
_CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def _wid_of(item) -> str | None:
    """A draft clause's stable id (services.draft.DraftClause carries its Clause)."""
    return getattr(getattr(item, "clause", None), "wid", None)


def _plain_brackets_of(item) -> tuple[str, ...]:
    """The passages a user declared not to be negotiating brackets in a draft clause (its Clause's)."""
    return tuple(getattr(getattr(item, "clause", None), "plain_brackets", None) or ())


def _with_tab(label: Sequence[CreditedSegment], whole: tuple[Op, Credit] | None) -> list[CreditedSegment]:
    """The number and the tab after it: the tab is tracked with the number when the number comes or goes."""
    old = "".join(s.text for s in label if s.op is not Op.insert)
    new = "".join(s.text for s in label if s.op is not Op.delete)
    if whole is not None or not (old and new):
        op, credit = whole if whole is not None else (Op.insert if new else Op.delete, label[0].credit)
        return [CreditedSegment(op, old + "\t" if op is Op.delete else new + "\t", credit)]
    return [*label, CreditedSegment(Op.equal, "\t")]


def clean_draft(
    title: str,
    subtitle: str,
    clauses: Iterable,
    languages: Sequence[Wording | tuple[str, str]],
    settings: DocumentSettings | None = None,
    *,
    negotiation: str | None = None,
    based_on: dt.datetime | None = None,
) -> bytes:
    """`clauses`: DraftClause items. One part per language that has text. `negotiation` (its slug) and `based_on`
    (the moment of the draft state exported) are embedded as custom document properties."""
    doc = DraftDocument(title, subtitle, settings)
    doc.identify(negotiation, based_on)
    clauses = list(clauses)
    for wording in map(_wording, languages):
        code = wording.language
        if not any(item.body(code) for item in clauses):
            continue
        doc.language_heading(wording)
        for item in clauses:
            body = item.body(code)
            if body is None:
                continue
            heading = item.heading(code)
            doc.tracked_clause(
                kind=item.kind,
                depth=item.depth,
                language=code,
                label=_equal(wording.label(item.label)),
                heading=_equal(HEADING_SEPARATOR + heading) if heading else None,
                body=_equal(body),
                wid=_wid_of(item),
                plain_brackets=_plain_brackets_of(item),
            )
    return doc.to_bytes()


def _wording(language: Wording | tuple[str, str]) -> Wording:
    if isinstance(language, Wording):
        return language
    code, name = language
    return Wording(code, f"{name} text")


def _label_segments(row, wording: Wording, in_old: bool, in_new: bool) -> list[CreditedSegment]:
    old = wording.label(row.old_label) if in_old else ""
    new = wording.label(row.new_label) if in_new else ""
    if old == new:
        return _equal(new)
    credit = row.label_credit or row.credit
    return [s for s in (CreditedSegment(Op.delete, old, credit), CreditedSegment(Op.insert, new, credit)) if s.text]


def _heading_segments(heading: Sequence[CreditedSegment]) -> list[CreditedSegment] | None:
    """The separator and the heading: the separator comes and goes with the heading."""
    old = "".join(s.text for s in heading if s.op is not Op.insert)
    new = "".join(s.text for s in heading if s.op is not Op.delete)
    if not old and not new:
        return None
    changes = [s for s in heading if s.op is not Op.equal]
    if old and new:
        separator = CreditedSegment(Op.equal, HEADING_SEPARATOR)
    else:
        separator = CreditedSegment(Op.insert if new else Op.delete, HEADING_SEPARATOR, changes[0].credit)
    return [separator, *heading]


def redlined_draft(
    title: str,
    subtitle: str,
    rows,
    languages: Sequence[Wording | tuple[str, str]],
    settings: DocumentSettings | None = None,
    notes: Sequence[str] = (),
    *,
    negotiation: str | None = None,
    based_on: dt.datetime | None = None,
    plain_brackets: Mapping[str, Sequence[str]] | None = None,
) -> bytes:
    """`rows`: DraftRedlineRow items, each language's words credited change by change (`row.credited`).
    `negotiation` and `based_on` as for clean_draft; `based_on` is the newer point's moment, the text every
    tracked change of the redline accepted. `plain_brackets`: {clause wid: its declared plain brackets}, left
    unstyled (every other square bracket is styled as negotiating)."""
    plain_brackets = plain_brackets or {}
    doc = DraftDocument(title, subtitle, settings, notes)
    doc.track_changes()
    doc.identify(negotiation, based_on)
    rows = list(rows)
    for wording in map(_wording, languages):
        code = wording.language
        present = [(row, words) for row in rows for words in row.credited if words.language == code]
        if not present:
            continue
        doc.language_heading(wording)
        for row, words in present:
            in_old, in_new = words.in_old, words.in_new
            whole = None
            if in_old != in_new:
                op = Op.insert if in_new else Op.delete
                changes = [s.credit for s in (*words.body, *words.heading) if s.op is op and s.credit]
                credit = row.credit if op is Op.delete and row.credit else (changes[0] if changes else row.credit)
                whole = (op, credit or Credit(""))
            label = _label_segments(row, wording, in_old, in_new)
            if whole is not None:
                label = [CreditedSegment(whole[0], s.text, whole[1]) for s in label]
            heading = _heading_segments(words.heading)
            if heading is not None and whole is not None:
                heading = [CreditedSegment(whole[0], s.text, s.credit or whole[1]) for s in heading]
            doc.tracked_clause(
                kind=row.kind,
                depth=row.depth,
                language=code,
                label=label,
                heading=heading,
                body=words.body,
                whole=whole,
                wid=getattr(row, "wid", None),
                plain_brackets=tuple(plain_brackets.get(getattr(row, "wid", None) or "", ())),
            )
    return doc.to_bytes()
