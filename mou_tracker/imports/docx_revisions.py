"""Read a marked-up Word document back: each paragraph's text before and after its tracked changes, who made
each change, the comments anchored in it, and, when the document is one of the product's own exports, which
clause and language each paragraph stands for (issue #16, the Word round trip).

The file passes the same checks as an imported draft first (docx_reader: size, zip bombs, macros, no document
type declaration, no entities); nothing here parses a part docx_reader has not vetted the package of.

What is read, as Word and LibreOffice write it:

- ``w:ins`` (inserted runs), ``w:del`` with ``w:delText`` (deleted runs), ``w:moveFrom``/``w:moveTo`` (moved
  text: read as a deletion and an insertion, kinds `moved_from`/`moved_to`), nested in any order (a ``w:del`` by
  one author inside a ``w:ins`` by another: words inserted, then deleted again, are in neither text);
- a paragraph mark inserted or deleted (``w:pPr/w:rPr/w:ins|w:del``): the paragraph, or the one after it, is a
  whole new paragraph or a whole deleted one; a mark change that only splits or joins paragraphs (a change
  running across two clauses) is left split between the two and reported as a notice, never merged into one;
- field results are text, field instructions (``w:instrText``) are not; comments (``word/comments.xml``) with
  their author, date, text and the words they are anchored on (``w:commentRangeStart``/``End``).

`before` is the text with every change rejected, `after` with every change accepted; both exclude the
paragraph's number (the label) and the tab after it, and for a heading paragraph also the " — " between the
number and the heading, so that both are exactly the clause's stored body or heading when nothing changed.

The product's own exports (exports/docx.py) carry a Word bookmark around the text of each clause paragraph:
``mou_<h|b>_<language>_<wid>``, ``h`` for an article's heading paragraph and ``b`` for its text, the clause's
stable id with each "-" written "_" (bookmark names are letters, digits and "_", at most 40 characters, and
begin with a letter; `bookmark_name` below is the one place that spells them), and ``mou_p_<language>`` around
each language part's heading. The export's custom document properties name the negotiation
(`NEGOTIATION_PROPERTY`) and the point the draft was exported at (`BASED_ON_PROPERTY`).
"""

from __future__ import annotations

import datetime as dt
import enum
import io
import re
import zipfile
from dataclasses import dataclass, field

from lxml import etree

from ..core.messages import N_, Message
from ..core.structure import EXPORT_COVER_STYLE
from .docx_reader import (
    _DAMAGED,
    _HOSTILE_XML,
    _ZIP_ERRORS,
    ImportRefused,
    W,
    _Numbering,
    _read_entry,
    _Styles,
    open_docx,
    parse_xml_safely,
)

_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_VT = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"

#: The custom document properties the product's exports carry (docProps/custom.xml).
NEGOTIATION_PROPERTY = "MoU Tracker negotiation"
BASED_ON_PROPERTY = "MoU Tracker based on"

_BOOKMARK = re.compile(r"^mou_(?P<part>[hb])_(?P<lang>[a-z]{2,3})_(?P<wid>[A-Za-z0-9_]+)$")
_PART_BOOKMARK = re.compile(r"^mou_p_(?P<lang>[a-z]{2,3})$")
_WID = re.compile(r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
#: Word refuses (and drops) a bookmark name longer than this.
MAX_BOOKMARK_NAME = 40
_HEADING_SEPARATOR = " — "


class ChangeKind(enum.StrEnum):
    inserted = "inserted"
    deleted = "deleted"
    moved_from = "moved_from"
    moved_to = "moved_to"


class ParagraphPart(enum.StrEnum):
    """An article's heading paragraph ("Article 2 — Scope") or a clause's text."""

    heading = "heading"
    body = "body"


@dataclass(frozen=True)
class TrackedChange:
    kind: ChangeKind
    author: str
    date: dt.datetime | None
    #: The words inserted, deleted or moved ("\n" for a paragraph mark inserted or deleted on its own).
    text: str


@dataclass(frozen=True)
class DocumentComment:
    author: str
    date: dt.datetime | None
    text: str
    #: The words of the document the comment is anchored on ("" for a comment on a point).
    anchored: str


@dataclass(frozen=True)
class RevisedParagraph:
    #: Order in the document body: the paragraph's position in `RevisedDocument.paragraphs`.
    index: int
    #: The clause id the product's own export embedded (a bookmark); None otherwise, and for a new paragraph.
    clause_wid: str | None
    #: The language part of the export it stands in (None: not an export of the product).
    language: str | None
    part: ParagraphPart
    #: The number as displayed ("1.", "(a)", "Article 2"), from the text or Word's list numbering.
    label: str
    #: The text with every tracked change rejected (insertions dropped, deletions kept); no label.
    before: str
    #: The text with every tracked change accepted; no label.
    after: str
    #: The paragraph itself is a tracked insertion (a proposed new clause).
    inserted_whole: bool
    #: The whole paragraph is a tracked deletion (a proposed deletion).
    deleted_whole: bool
    changes: tuple[TrackedChange, ...]
    #: Word comments anchored in this paragraph (a comment over several paragraphs: where it begins).
    comments: tuple[DocumentComment, ...]

    @property
    def changed(self) -> bool:
        return self.before != self.after or self.inserted_whole or self.deleted_whole


@dataclass(frozen=True)
class RevisedDocument:
    paragraphs: tuple[RevisedParagraph, ...]
    #: The document holds at least one tracked change.
    tracked: bool
    #: The negotiation slug the product's export embedded (custom document property).
    negotiation: str | None
    #: The point the export embedded (ISO timestamp of the draft state exported).
    based_on: str | None
    #: Things the user must be told (a change spanning two paragraphs, ...).
    notices: tuple[Message, ...]


def bookmark_name(wid: str, language: str, part: ParagraphPart) -> str | None:
    """The bookmark an export puts around a clause paragraph; None when the id or language cannot be spelt in a
    bookmark name (the paragraph is then matched by its structure and words, as any document's)."""
    if not _WID.match(wid) or not _LANGUAGE.match(language):
        return None
    name = f"mou_{'h' if part is ParagraphPart.heading else 'b'}_{language}_{wid.replace('-', '_')}"
    return name if len(name) <= MAX_BOOKMARK_NAME else None


def part_bookmark_name(language: str) -> str | None:
    """The bookmark around a language part's heading ("English text")."""
    return f"mou_p_{language}" if _LANGUAGE.match(language) else None


# --- reading --------------------------------------------------------------------------------------------------


def read_revised_docx(data: bytes) -> RevisedDocument:
    """Every paragraph of a .docx with its tracked changes and comments. Raises ImportRefused."""
    opened = open_docx(data)
    custom = _custom_properties(data)
    walker = _Walker(
        styles=opened.styles, numbering=opened.numbering, comments=_comments(opened.parts.get("word/comments.xml"))
    )
    walker.block(opened.body, ())
    paragraphs, notices = _finish(walker)
    if not paragraphs:
        raise ImportRefused(Message(N_("The document has no text.")))
    return RevisedDocument(
        paragraphs=tuple(paragraphs),
        tracked=walker.tracked,
        negotiation=custom.get(NEGOTIATION_PROPERTY),
        based_on=custom.get(BASED_ON_PROPERTY),
        notices=tuple(notices),
    )


def _parse(content: bytes) -> etree._Element:
    return parse_xml_safely(content, hostile=_HOSTILE_XML, damaged=_DAMAGED)


def _custom_properties(data: bytes) -> dict[str, str]:
    """The custom document properties (name → text); the package was vetted by _open_package already."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entry = next((e for e in archive.infolist() if e.filename == "docProps/custom.xml"), None)
    except _ZIP_ERRORS as error:
        raise ImportRefused(_DAMAGED) from error
    if entry is None:
        return {}
    root = _parse(_read_entry(archive, entry))
    found: dict[str, str] = {}
    for prop in root.iter(f"{_CUSTOM}property"):
        name = prop.get("name")
        value = next(iter(prop), None)
        if name and value is not None and value.text is not None:
            found[name] = value.text.strip()
    return found


def _date(value: str | None) -> dt.datetime | None:
    """A revision's or comment's date; Word writes UTC with "Z", some writers local time without a zone (read as
    UTC: there is nothing better to read it as)."""
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _text_of(element: etree._Element) -> str:
    """The visible text of a comment (its paragraphs one per line)."""
    lines = []
    for p in element.iter(f"{W}p"):
        pieces = []
        for node in p.iter(f"{W}t", f"{W}tab", f"{W}br"):
            if node.tag == f"{W}t":
                pieces.append(node.text or "")
            else:
                pieces.append("\t" if node.tag == f"{W}tab" else "\n")
        lines.append("".join(pieces))
    return "\n".join(lines).strip()


@dataclass
class _Comment:
    author: str
    date: dt.datetime | None
    text: str


def _comments(content: bytes | None) -> dict[str, _Comment]:
    if content is None:
        return {}
    root = _parse(content)
    return {
        element.get(f"{W}id") or "": _Comment(
            author=element.get(f"{W}author") or "", date=_date(element.get(f"{W}date")), text=_text_of(element)
        )
        for element in root.iter(f"{W}comment")
    }


_MARK_KINDS = {
    f"{W}ins": ChangeKind.inserted,
    f"{W}del": ChangeKind.deleted,
    f"{W}moveFrom": ChangeKind.moved_from,
    f"{W}moveTo": ChangeKind.moved_to,
}
_ADDS = {ChangeKind.inserted, ChangeKind.moved_to}


@dataclass(eq=False)
class _Mark:
    """One revision element (w:ins, w:del, ...)."""

    kind: ChangeKind
    author: str
    date: dt.datetime | None

    @classmethod
    def of(cls, element: etree._Element) -> _Mark:
        return cls(_MARK_KINDS[element.tag], element.get(f"{W}author") or "", _date(element.get(f"{W}date")))

    @property
    def adds(self) -> bool:
        return self.kind in _ADDS


@dataclass
class _Piece:
    text: str
    marks: tuple[_Mark, ...]

    @property
    def in_before(self) -> bool:
        return not any(m.adds for m in self.marks)

    @property
    def in_after(self) -> bool:
        return all(m.adds for m in self.marks)


@dataclass
class _Paragraph:
    pieces: list[_Piece] = field(default_factory=list)
    #: The paragraph mark's own revision (inserted or deleted), if any.
    mark: _Mark | None = None
    wid: str | None = None
    #: The clause id came from a bookmark left open by an earlier paragraph (one starting here wins).
    carried: bool = False
    language: str | None = None
    part: ParagraphPart | None = None
    #: The export's furniture (cover lines, a language part's heading): not part of the instrument.
    furniture: bool = False
    numbered: str | None = None
    heading_style: bool = False
    comments: list[str] = field(default_factory=list)
    #: Set by _attribute_marks: the mark change attributed to this paragraph (a whole insertion or deletion),
    #: and whether its own mark change was attributed to the next paragraph instead.
    whole: _Mark | None = None
    mark_given: bool = False

    def before(self) -> str:
        return "".join(p.text for p in self.pieces if p.in_before)

    def after(self) -> str:
        return "".join(p.text for p in self.pieces if p.in_after)

    def all_added(self) -> bool:
        return not self.before() and bool(self.after())

    def all_removed(self) -> bool:
        return not self.after() and bool(self.before())


#: Inline elements whose text is never the document's words: properties, field instructions, the fallback copy
#: of alternate content, footnote and comment references, drawings (a text box's paragraphs are not clauses).
_SKIPPED = {
    f"{W}pPr",
    f"{W}rPr",
    f"{W}instrText",
    f"{W}delInstrText",
    f"{_MC}Fallback",
    f"{W}drawing",
    f"{W}pict",
    f"{W}object",
    f"{W}footnoteReference",
    f"{W}endnoteReference",
    f"{W}fldData",
}


class _Walker:
    def __init__(self, *, styles: _Styles, numbering: _Numbering, comments: dict[str, _Comment]):
        self.styles = styles
        self.numbering = numbering
        self.comment_texts = comments
        self.paragraphs: list[_Paragraph] = []
        self.tracked = False
        #: Bookmarks of the product open now (id → (wid, language, part)), and the language part read now.
        self.open: dict[str, tuple[str, str, ParagraphPart]] = {}
        self.language: str | None = None
        #: Comments whose range is open now: id → the pieces anchored so far.
        self.anchoring: dict[str, list[_Piece]] = {}
        self.anchored: dict[str, list[_Piece]] = {}
        self.current: _Paragraph | None = None
        #: Comments whose range begins between paragraphs, for the next paragraph.
        self.pending_comments: list[str] = []
        #: The complex fields open now, innermost last: True while in a field's instructions (between its
        #: fldChar begin and separate), False in its result (between separate and end). Fields nest.
        self.fields: list[bool] = []

    # Blocks ----------------------------------------------------------------------------------------------

    def block(self, container: etree._Element, marks: tuple[_Mark, ...]) -> None:
        for child in container:
            tag = child.tag
            if tag == f"{W}p":
                self.paragraph(child, marks)
            elif tag == f"{W}tbl":
                for row in child.iterchildren(f"{W}tr"):  # a nested table's rows are read with its cell
                    for cell in row.iterchildren(f"{W}tc"):
                        self.block(cell, marks)
            elif tag in _MARK_KINDS:
                self.tracked = True
                self.block(child, (*marks, _Mark.of(child)))
            elif tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}smartTag"):
                self.block(child, marks)
            else:
                self.point(child, marks)

    def point(self, element: etree._Element, marks: tuple[_Mark, ...]) -> None:
        """Elements that mark a point, wherever they stand (LibreOffice puts bookmarks between paragraphs)."""
        tag = element.tag
        if tag == f"{W}bookmarkStart":
            name = element.get(f"{W}name") or ""
            if match := _BOOKMARK.match(name):
                wid = match["wid"].replace("_", "-")
                part = ParagraphPart.heading if match["part"] == "h" else ParagraphPart.body
                self.open[element.get(f"{W}id") or name] = (wid, match["lang"], part)
                self.language = match["lang"]
                if self.current is not None and (self.current.wid is None or self.current.carried):
                    self.current.wid, self.current.language, self.current.part = wid, match["lang"], part
                    self.current.carried = False
            elif match := _PART_BOOKMARK.match(name):
                self.language = match["lang"]
                if self.current is not None:
                    self.current.furniture = True
                    self.current.language = self.language
        elif tag == f"{W}bookmarkEnd":
            self.open.pop(element.get(f"{W}id") or "", None)
        elif tag == f"{W}commentRangeStart":
            key = element.get(f"{W}id") or ""
            self.anchoring[key] = self.anchored.setdefault(key, [])
            if self.current is None:  # between paragraphs: the comment belongs to the next one
                self.pending_comments.append(key)
            elif key not in self.current.comments:
                self.current.comments.append(key)
        elif tag == f"{W}commentRangeEnd":
            self.anchoring.pop(element.get(f"{W}id") or "", None)
        elif tag == f"{W}commentReference":
            key = element.get(f"{W}id") or ""
            if self.current is not None and key not in self.anchored:
                self.anchored[key] = []
                self.current.comments.append(key)

    # Paragraphs ------------------------------------------------------------------------------------------

    def paragraph(self, p: etree._Element, marks: tuple[_Mark, ...]) -> None:
        paragraph = _Paragraph(language=self.language)
        if self.open:
            wid, language, part = next(reversed(self.open.values()))
            paragraph.wid, paragraph.language, paragraph.part = wid, language, part
            paragraph.carried = True
        self.current = paragraph
        paragraph.comments, self.pending_comments = self.pending_comments, []
        ppr = p.find(f"{W}pPr")
        style_id = None if ppr is None else (ppr.find(f"{W}pStyle"))
        style = None if style_id is None else style_id.get(f"{W}val")
        names = [s.name for s in self.styles.chain(style)]
        paragraph.furniture = EXPORT_COVER_STYLE in names
        paragraph.heading_style = any(re.match(r"^(?:heading|заголовок)\s*\d$", n.strip(), re.I) for n in names)
        rpr = None if ppr is None else ppr.find(f"{W}rPr")
        if rpr is not None:
            for tag in _MARK_KINDS:
                element = rpr.find(tag)
                if element is not None:
                    paragraph.mark = _Mark.of(element)
                    self.tracked = True
                    break
        self.inline(p, marks, paragraph)
        for pieces in self.anchoring.values():  # a comment over several paragraphs: one line each
            pieces.append(_Piece("\n", ()))
        num_id, ilvl = self.numbering_of(ppr, style)
        if num_id is not None and num_id != "0":
            paragraph.numbered = self.numbering.label(num_id, ilvl)
        self.paragraphs.append(paragraph)
        self.current = None

    def numbering_of(self, ppr: etree._Element | None, style_id: str | None) -> tuple[str | None, int]:
        numpr = None if ppr is None else ppr.find(f"{W}numPr")
        num = None if numpr is None else numpr.find(f"{W}numId")
        lvl = None if numpr is None else numpr.find(f"{W}ilvl")
        num_id = num.get(f"{W}val") if num is not None else self.styles.first(style_id, "num_id")
        try:
            ilvl = int(lvl.get(f"{W}val") or 0) if lvl is not None else int(self.styles.first(style_id, "ilvl") or 0)  # type: ignore[call-overload]
        except ValueError:
            ilvl = 0
        return (str(num_id) if num_id is not None else None), ilvl

    def add(self, paragraph: _Paragraph, text: str, marks: tuple[_Mark, ...]) -> None:
        if not text or any(self.fields):
            return
        piece = _Piece(text, marks)
        paragraph.pieces.append(piece)
        for pieces in self.anchoring.values():
            pieces.append(piece)

    def inline(self, element: etree._Element, marks: tuple[_Mark, ...], paragraph: _Paragraph) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIPPED:
                continue
            if tag in _MARK_KINDS:
                self.tracked = True
                self.inline(child, (*marks, _Mark.of(child)), paragraph)
            elif tag in (f"{W}t", f"{W}delText"):
                self.add(paragraph, child.text or "", marks)
            elif tag == f"{W}tab":
                self.add(paragraph, "\t", marks)
            elif tag in (f"{W}br", f"{W}cr"):
                self.add(paragraph, "\n", marks)
            elif tag == f"{W}noBreakHyphen":
                self.add(paragraph, "-", marks)
            elif tag == f"{W}fldChar":
                kind = child.get(f"{W}fldCharType")
                if kind == "begin":
                    self.fields.append(True)
                elif kind == "separate" and self.fields:
                    self.fields[-1] = False
                elif kind == "end" and self.fields:
                    self.fields.pop()
            elif tag in (
                f"{W}bookmarkStart",
                f"{W}bookmarkEnd",
                f"{W}commentRangeStart",
                f"{W}commentRangeEnd",
                f"{W}commentReference",
            ):
                self.point(child, marks)
            else:  # runs, hyperlinks, smart tags, content controls, simple fields, alternate content
                self.inline(child, marks, paragraph)


# --- putting it together ----------------------------------------------------------------------------------------

_EXCERPT = 50


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


def _attribute_marks(paragraphs: list[_Paragraph]) -> list[Message]:
    """Decide, for each paragraph mark inserted or deleted, which paragraph came or went whole; a mark change
    that only splits or joins paragraphs is reported."""
    notices: list[Message] = []
    for index, paragraph in enumerate(paragraphs):
        mark = paragraph.mark
        following = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
        if mark is None:
            continue
        if mark.adds:
            if paragraph.all_added() or (not paragraph.before() and not paragraph.after()):
                paragraph.whole = paragraph.whole or mark
            elif following is not None and following.all_added():
                following.whole = following.whole or mark
                paragraph.mark_given = True
            else:
                notices.append(
                    Message(
                        N_(
                            "A tracked change splits a paragraph in two (“%(first)s” / “%(second)s”); each part is "
                            "read on its own."
                        ),
                        first=_excerpt(paragraph.after()),
                        second=_excerpt(following.after() if following else ""),
                    )
                )
        elif paragraph.all_removed():
            paragraph.whole = paragraph.whole or mark
        elif following is not None and following.all_removed() and following.mark is None:
            following.whole = mark
            paragraph.mark_given = True
        elif paragraph.before() or paragraph.after():
            notices.append(
                Message(
                    N_(
                        "A tracked change runs across two paragraphs (“%(first)s” and “%(second)s”); it was split "
                        "between them, and each part is read with its own paragraph."
                    ),
                    first=_excerpt(paragraph.before()),
                    second=_excerpt(following.before() if following else ""),
                )
            )
    return notices


@dataclass(eq=False)
class _Found:
    """A change being collected: its mark, its words, the last piece it has, the marks around it."""

    mark: _Mark
    texts: list[str]
    last: int
    context: tuple[_Mark, ...]


def _changes(paragraph: _Paragraph) -> tuple[TrackedChange, ...]:
    """The paragraph's changes in order, one per revision element; runs of the same change that a writer split
    into several elements next to each other (LibreOffice does, at each formatting boundary) are joined again,
    when they are alike (kind, author, date) and stand inside the same other changes."""
    found: list[_Found] = []
    by_mark: dict[int, _Found] = {}
    for number, piece in enumerate(paragraph.pieces):
        for depth, mark in enumerate(piece.marks):
            entry = by_mark.get(id(mark))
            if entry is None:
                context = piece.marks[:depth]
                alike = (mark.kind, mark.author, mark.date)
                entry = next(
                    (
                        e
                        for e in reversed(found)
                        if e.last == number - 1
                        and e.context == context
                        and (e.mark.kind, e.mark.author, e.mark.date) == alike
                    ),
                    None,
                )
                if entry is None:
                    entry = _Found(mark, [], number, context)
                    found.append(entry)
                by_mark[id(mark)] = entry
            entry.texts.append(piece.text)
            entry.last = number
    changes = [TrackedChange(e.mark.kind, e.mark.author, e.mark.date, "".join(e.texts)) for e in found]
    own = paragraph.whole or (None if paragraph.mark_given else paragraph.mark)
    if own is not None and not changes:
        changes.append(TrackedChange(own.kind, own.author, own.date, "\n"))
    return tuple(changes)


_ARTICLE = re.compile(r"^(?:article|art\.|статья|ст\.)\s*(?:\d{1,3}|[ivxlc]{1,7})\b\.?", re.I)
_NUMBER = re.compile(
    r"^(?:\d{1,3}(?:\.\d{1,3})*\.?|\d{1,3}\)|\((?:[a-z]{1,4}|[а-я]{1,2})\)|(?:[a-z]{1,2}|[а-я]{1,2})\)|PP\d{1,3})(?=\s)"
)
_SEPARATOR = re.compile(r"^[\s.:—–\-]+")


def _split_label(text: str, part: ParagraphPart, exported: bool) -> tuple[str, str]:
    """(label, the rest) of a paragraph's text. In an export the number is exactly what the export wrote: before
    the tab of a numbered paragraph (when what stands there is shaped as a number: a clause's own text may hold a
    tab), before the " — " of a heading paragraph; elsewhere it is recognised by its shape."""
    if part is ParagraphPart.heading:
        if exported:
            label, _separator, rest = text.partition(_HEADING_SEPARATOR)
            return label.strip(), rest
        match = _ARTICLE.match(text.strip())
        if match is None:
            return "", text.strip()
        return match.group(0), _SEPARATOR.sub("", text.strip()[match.end() :])
    label, tab, rest = text.partition("\t")
    if tab and 0 < len(label) <= 24 and (_NUMBER.match(label + " ") or _ARTICLE.match(label)):
        return label, rest
    if not exported:
        match = _NUMBER.match(text)
        if match is not None:
            return match.group(0), text[match.end() :].lstrip()
    return "", text


def _finish(walker: _Walker) -> tuple[list[RevisedParagraph], list[Message]]:
    paragraphs = walker.paragraphs
    notices = _attribute_marks(paragraphs)
    exported = any(p.wid is not None for p in paragraphs)
    out: list[RevisedParagraph] = []
    language: str | None = None
    for paragraph in paragraphs:
        if paragraph.furniture:
            language = paragraph.language or language
            continue
        before, after = paragraph.before(), paragraph.after()
        if paragraph.wid is not None:
            language = paragraph.language
        inserted = paragraph.whole is not None and paragraph.whole.adds
        deleted = paragraph.whole is not None and not paragraph.whole.adds
        if exported and paragraph.wid is None and not before and after:
            inserted = True  # a paragraph the export did not write, all of it tracked as inserted
        comments = tuple(
            DocumentComment(
                author=walker.comment_texts[key].author if key in walker.comment_texts else "",
                date=walker.comment_texts[key].date if key in walker.comment_texts else None,
                text=walker.comment_texts[key].text if key in walker.comment_texts else "",
                anchored=_anchored(walker.anchored.get(key, [])),
            )
            for key in paragraph.comments
        )
        if not before.strip() and not after.strip() and not comments:
            continue
        if paragraph.part is not None:
            part = paragraph.part
        elif paragraph.heading_style or (_ARTICLE.match((after or before).strip()) and "\t" not in (after or before)):
            part = ParagraphPart.heading
        else:
            part = ParagraphPart.body
        # A new paragraph is no clause of the export, even where Word carried the bookmark into it; a paragraph
        # moved whole keeps its clause's id, if it took the bookmark along.
        moved = paragraph.whole is not None and paragraph.whole.kind is ChangeKind.moved_to
        wid = None if inserted and not moved else paragraph.wid
        # The export wrote the number exactly; anything else (a new paragraph too) was typed by a person.
        label_before, rest_before = _split_label(before, part, wid is not None)
        label_after, rest_after = _split_label(after, part, wid is not None)
        label = paragraph.numbered or label_before or label_after
        out.append(
            RevisedParagraph(
                index=len(out),
                clause_wid=wid,
                language=paragraph.language if paragraph.language is not None else language,
                part=part,
                label=label,
                before=rest_before if before else "",
                after=rest_after if after else "",
                inserted_whole=inserted,
                deleted_whole=deleted,
                changes=_changes(paragraph),
                comments=comments,
            )
        )
    attached = {key for paragraph in paragraphs if not paragraph.furniture for key in paragraph.comments}
    for key, comment in walker.comment_texts.items():
        if key not in attached:  # on the cover, in a header, or nowhere: said, not dropped silently
            notices.append(
                Message(
                    N_("A comment by %(author)s (“%(text)s”) is not on the text of a clause; it was not read."),
                    author=comment.author,
                    text=_excerpt(comment.text),
                )
            )
    return out, notices


def _anchored(pieces: list[_Piece]) -> str:
    """The words a comment is anchored on, as the document reads with its changes accepted (or, when all of
    them are deleted words, as it read before)."""
    after = "".join(p.text for p in pieces if p.in_after)
    return (after if after.strip() else "".join(p.text for p in pieces if p.in_before)).strip()
