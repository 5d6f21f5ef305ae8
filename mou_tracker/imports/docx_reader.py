"""Read an uploaded Word document (.docx) into `SourceParagraph`s, refusing hostile or unreadable files.

A .docx is a ZIP archive of XML parts. Everything here is checked before anything is parsed:

- the content, not the name: a ZIP with ``[Content_Types].xml`` and ``word/document.xml``; a PDF, an old
  ``.doc``, a password-protected document (both are OLE compound files) or any other ZIP is refused;
- no macros (``vbaProject.bin``, the ``macroEnabled`` content type of ``.docm``);
- size: at most `MAX_FILE_BYTES` uploaded, `MAX_ENTRIES` parts, `MAX_UNCOMPRESSED_BYTES` unpacked, and no
  part above `RATIO_CHECKED_ABOVE` bytes compressed more than `MAX_COMPRESSION_RATIO` times (a zip bomb);
  each part is read with a cap, so a ZIP that lies about its sizes still cannot unpack further;
- XML: no document type declaration (Word never writes one; it is how entity attacks such as "billion laughs"
  and external entities begin), and the parser resolves no entity, loads no DTD and uses no network
  (python-docx's own parser sets only ``resolve_entities=False``, and python-docx opens the ZIP with no caps,
  so it is not used here).

Word's list numbering is resolved (DESIGN.md, "Known traps"): "Article 1", "1." and "(a)" are often not in the
paragraph's text but generated from ``w:numPr`` and ``word/numbering.xml``; each paragraph gets the number
Word would show as its `number_label`. Counters run per abstract numbering definition, a higher level
restarts the lower ones, and a list instance with a ``startOverride`` restarts where it is first used.

Tracked changes are read as if all were accepted (insertions kept, deletions dropped), with a notice;
tables are read as text, cell by cell, with a notice; footnotes, comments, images and text boxes are
reported as notices (with the footnote or comment text), never silently lost.
"""

from __future__ import annotations

import io
import lzma
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from lxml import etree

from ..core.messages import N_, Message
from ..core.structure import Notice, Recognition, SourceParagraph, recognise

#: The largest upload read, in bytes (a 300-clause treaty in Word is well under 1 MB).
MAX_FILE_BYTES = 20 * 1024 * 1024
#: The most the parts of one document may unpack to, in total.
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
#: A Word document has a few dozen parts; images add one each.
MAX_ENTRIES = 1_000
#: Word's XML compresses 5-20 times; a run of zeros a thousand times. Checked on parts above 1 MB.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE = 1024 * 1024

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptionInfo".encode("utf-16-le")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False
)
_HEADING_STYLE = re.compile(r"^(?:heading|заголовок)\s*(\d)$", re.I)
_TRUE = {"1", "true", "on"}
_FALSE = {"0", "false", "off", "none"}


class ImportRefused(Exception):
    """The file cannot be imported; `message` says why, in words the web layer translates."""

    def __init__(self, message: Message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DocxReading:
    paragraphs: list[SourceParagraph]
    notices: list[Notice]


@dataclass(frozen=True)
class OpenedDocx:
    """A Word package that passed the checks (size, zip bombs, macros, entities), with what every reader needs."""

    parts: dict[str, bytes]
    body: etree._Element
    styles: _Styles
    numbering: _Numbering


def open_docx(data: bytes) -> OpenedDocx:
    """Check a .docx and open its body, styles and numbering (the draft import and the Word round trip read the
    same way). Raises ImportRefused."""
    parts = _open_package(data)
    document = _parse(parts["word/document.xml"])
    body = document.find(f"{W}body")
    if body is None and str(document.tag).startswith("{http://purl.oclc.org/ooxml/"):
        raise ImportRefused(_STRICT)
    if body is None:
        raise ImportRefused(Message(N_("The document is damaged: it has no body text.")))
    return OpenedDocx(
        parts,
        body,
        _Styles(_parse(parts["word/styles.xml"]) if "word/styles.xml" in parts else None),
        _Numbering(_parse(parts["word/numbering.xml"]) if "word/numbering.xml" in parts else None),
    )


def read_docx(data: bytes) -> DocxReading:
    """The paragraphs of a .docx in reading order, with the numbers Word generates. Raises ImportRefused."""
    opened = open_docx(data)
    reader = _Reader(
        styles=opened.styles,
        numbering=opened.numbering,
        footnotes=_notes(opened.parts.get("word/footnotes.xml"), "footnote"),
        comments=_notes(opened.parts.get("word/comments.xml"), "comment"),
        endnotes=_notes(opened.parts.get("word/endnotes.xml"), "endnote"),
    )
    reader.block(opened.body)
    if reader.carried.strip():  # the last paragraph's mark was deleted: nothing follows to join
        reader.paragraphs.append(SourceParagraph(reader.carried.strip()))
    if not any(p.text.strip() for p in reader.paragraphs):
        raise ImportRefused(Message(N_("The document has no text.")))
    if reader.tracked_changes:
        reader.notices.insert(
            0,
            Notice(
                Message(N_("The document has unresolved tracked changes; it was read as if all of them were accepted."))
            ),
        )
    return DocxReading(reader.paragraphs, reader.notices)


def recognise_docx(data: bytes) -> Recognition:
    """Read a .docx and recognise its clause tree; the reader's notices come first."""
    reading = read_docx(data)
    return recognise(reading.paragraphs, reading.notices)


# --- the package ---------------------------------------------------------------------------------------------

#: What zipfile raises on a corrupt, encrypted, or unsupported archive or member.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    OSError,
    ValueError,
    EOFError,
    RuntimeError,
    NotImplementedError,
)

_PARTS_READ = (
    "word/document.xml",
    "word/styles.xml",
    "word/numbering.xml",
    "word/footnotes.xml",
    "word/comments.xml",
    "word/endnotes.xml",
)


def refuse_empty_or_too_large(data: bytes) -> None:
    """Every reader's first check, before anything is parsed."""
    if not data.strip():
        raise ImportRefused(Message(N_("The file is empty.")))
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefused(
            Message(
                N_("The file is %(size)s MB; the limit is %(limit)s MB."),
                size=f"{len(data) / 1024 / 1024:.1f}",
                limit=MAX_FILE_BYTES // 1024 // 1024,
            )
        )


def _open_package(data: bytes) -> dict[str, bytes]:
    refuse_empty_or_too_large(data)
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise ImportRefused(
                Message(N_("The document is protected by a password; remove the password in Word and upload it again."))
            )
        raise ImportRefused(
            Message(N_("This is an old Word 97-2003 (.doc) file; open it in Word, save it as .docx and upload that."))
        )
    if data.lstrip()[:5] == b"%PDF-":
        raise ImportRefused(Message(N_("This is a PDF file, not a Word document; upload the draft as .docx.")))
    not_word = Message(N_("This file is not a Word document (.docx)."))
    if not data.startswith(b"PK"):
        raise ImportRefused(not_word)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except _ZIP_ERRORS as error:
        raise ImportRefused(not_word) from error
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise ImportRefused(not_word)
    if len(entries) > MAX_ENTRIES:
        raise ImportRefused(
            Message(N_("The file has %(count)s parts, too many for a Word document."), count=len(entries))
        )
    if any(name.lower().endswith(("vbaproject.bin", "vbadata.xml")) for name in names):
        raise ImportRefused(_MACROS)
    if sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED_BYTES:
        raise ImportRefused(_TOO_BIG)
    for entry in entries:
        if entry.file_size > RATIO_CHECKED_ABOVE and entry.file_size > MAX_COMPRESSION_RATIO * max(
            entry.compress_size, 1
        ):
            raise ImportRefused(
                Message(N_("The document is compressed suspiciously well (a “zip bomb”); it cannot be read."))
            )
    by_name = {entry.filename: entry for entry in entries}
    content_types = _read_entry(archive, by_name["[Content_Types].xml"])
    if b"macroenabled" in content_types.lower():
        raise ImportRefused(_MACROS)
    _parse(content_types)  # the content types are XML too; refuse them if hostile
    return {name: _read_entry(archive, by_name[name]) for name in _PARTS_READ if name in by_name}


_STRICT = Message(N_("The document is saved as “Strict Open XML”; save it in Word as a Word Document (.docx)."))
_MACROS = Message(
    N_("The document contains macros (.docm); save it in Word as a plain Word document (.docx) and upload that.")
)
_TOO_BIG = Message(
    N_("The document unpacks to more than %(limit)s MB; it cannot be read."),
    limit=MAX_UNCOMPRESSED_BYTES // 1024 // 1024,
)
_DAMAGED = Message(N_("The document is damaged: part of it cannot be read."))


def _read_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    """One part, never more than its declared size nor the cap, whatever the archive claims."""
    limit = min(entry.file_size, MAX_UNCOMPRESSED_BYTES)
    try:
        with archive.open(entry) as stream:
            content = stream.read(limit + 1)
    except _ZIP_ERRORS as error:  # a corrupt, encrypted or oddly compressed part
        raise ImportRefused(_DAMAGED) from error
    if len(content) > limit:
        raise ImportRefused(_TOO_BIG)
    return content


def parse_xml_safely(content: bytes, *, hostile: Message, damaged: Message) -> etree._Element:
    """Parse XML that may be hostile: refused (`hostile`) if it declares a document type or entities, refused
    (`damaged`) if it is not well-formed; no entity is resolved, no DTD loaded, no network used. Shared by the
    readers of XML formats (this one, akn_reader)."""
    if _DTD.search(content):
        raise ImportRefused(hostile)
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as error:
        raise ImportRefused(hostile if "entity" in str(error).lower() else damaged) from error
    if root.getroottree().docinfo.doctype:  # a declaration the byte scan missed (another encoding)
        raise ImportRefused(hostile)
    return root


def _parse(content: bytes) -> etree._Element:
    return parse_xml_safely(content, hostile=_HOSTILE_XML, damaged=_DAMAGED)


_HOSTILE_XML = Message(
    N_("The document contains an XML document type declaration, which Word never writes; it cannot be read.")
)


# --- styles and numbering ------------------------------------------------------------------------------------


def _attr(element: etree._Element | None, name: str = "val") -> str | None:
    return None if element is None else element.get(f"{W}{name}")


def _on(element: etree._Element | None) -> bool | None:
    """A toggle property (<w:b/>, <w:b w:val="0"/>): True, False, or None when absent."""
    if element is None:
        return None
    return (_attr(element) or "true").lower() not in _FALSE


@dataclass
class _Style:
    name: str = ""
    based_on: str | None = None
    bold: bool | None = None
    centred: bool | None = None
    num_id: str | None = None
    ilvl: int | None = None
    outline: int | None = None


class _Styles:
    def __init__(self, root: etree._Element | None):
        self.styles: dict[str, _Style] = {}
        self.default_paragraph: str | None = None
        for element in [] if root is None else root.iter(f"{W}style"):
            style_id = _attr(element, "styleId") or ""
            ppr, rpr = element.find(f"{W}pPr"), element.find(f"{W}rPr")
            numpr = None if ppr is None else ppr.find(f"{W}numPr")
            outline = None if ppr is None else _attr(ppr.find(f"{W}outlineLvl"))
            self.styles[style_id] = _Style(
                name=_attr(element.find(f"{W}name")) or style_id,
                based_on=_attr(element.find(f"{W}basedOn")),
                bold=None if rpr is None else _on(rpr.find(f"{W}b")),
                centred=None if ppr is None else _centred(ppr),
                num_id=None if numpr is None else _attr(numpr.find(f"{W}numId")),
                ilvl=None if numpr is None else _int(_attr(numpr.find(f"{W}ilvl"))),
                outline=_int(outline),
            )
            if _attr(element, "type") == "paragraph" and (_attr(element, "default") or "") in _TRUE:
                self.default_paragraph = style_id

    def chain(self, style_id: str | None) -> list[_Style]:
        """The style and those it is based on, nearest first (a loop in a hostile file is cut)."""
        found: list[_Style] = []
        seen: set[str] = set()
        current = style_id if style_id is not None else self.default_paragraph
        while current is not None and current not in seen and current in self.styles and len(found) < 20:
            seen.add(current)
            found.append(self.styles[current])
            current = self.styles[current].based_on
        return found

    def first(self, style_id: str | None, name: str) -> object:
        return next((getattr(s, name) for s in self.chain(style_id) if getattr(s, name) is not None), None)


def _centred(ppr: etree._Element) -> bool | None:
    jc = _attr(ppr.find(f"{W}jc"))
    return None if jc is None else jc == "center"


def _int(value: str | None) -> int | None:
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1


@dataclass
class _Num:
    abstract: str
    start_overrides: dict[int, int] = field(default_factory=dict)
    levels: dict[int, _Level] = field(default_factory=dict)


def _level(element: etree._Element) -> _Level:
    start = _int(_attr(element.find(f"{W}start")))
    return _Level(
        fmt=_attr(element.find(f"{W}numFmt")) or "decimal",
        text=_attr(element.find(f"{W}lvlText")) or "",
        start=1 if start is None else start,
    )


class _Numbering:
    """Word's list numbering: which number a paragraph with (numId, ilvl) shows."""

    def __init__(self, root: etree._Element | None):
        self.abstracts: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, _Num] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.used: set[str] = set()
        if root is None:
            return
        for abstract in root.iter(f"{W}abstractNum"):
            self.abstracts[_attr(abstract, "abstractNumId") or ""] = {
                _int(_attr(lvl, "ilvl")) or 0: _level(lvl) for lvl in abstract.iter(f"{W}lvl")
            }
        for num in root.iter(f"{W}num"):
            entry = _Num(_attr(num.find(f"{W}abstractNumId")) or "")
            for override in num.iter(f"{W}lvlOverride"):
                ilvl = _int(_attr(override, "ilvl")) or 0
                start = _int(_attr(override.find(f"{W}startOverride")))
                if start is not None:
                    entry.start_overrides[ilvl] = start
                lvl = override.find(f"{W}lvl")
                if lvl is not None:
                    entry.levels[ilvl] = _level(lvl)
            self.nums[_attr(num, "numId") or ""] = entry

    def level(self, num: _Num, ilvl: int) -> _Level:
        return num.levels.get(ilvl) or self.abstracts.get(num.abstract, {}).get(ilvl) or _Level()

    def label(self, num_id: str, ilvl: int) -> str | None:
        """Advance the list and return the number shown ("1.", "(a)", "Article 3", "•"); None for none."""
        num = self.nums.get(num_id)
        if num is None or not 0 <= ilvl <= 8 or (num.abstract not in self.abstracts and not num.levels):
            return None
        counters = self.counters.setdefault(num.abstract, {})
        if num_id not in self.used:
            self.used.add(num_id)
            for restarted in num.start_overrides:
                counters.pop(restarted, None)
        this = self.level(num, ilvl)
        if ilvl in counters:
            counters[ilvl] += 1
        else:
            counters[ilvl] = num.start_overrides.get(ilvl, this.start)
        for deeper in [key for key in counters if key > ilvl]:
            del counters[deeper]
        if this.fmt == "none":
            return None
        if this.fmt == "bullet":
            return "•"

        def number(match: re.Match[str]) -> str:
            at = int(match.group(1)) - 1
            level = self.level(num, at)
            return _format(counters.get(at, level.start), level.fmt)

        label = re.sub(r"%([1-9])", number, this.text).strip()
        return label or None


_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_RUSSIAN = "абвгдежзиклмнопрстуфхцчшщэюя"


def _format(value: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = _LETTERS[(value - 1) % 26] * ((value - 1) // 26 + 1) if value > 0 else "0"
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("russianLower", "russianUpper"):
        letter = _RUSSIAN[(value - 1) % len(_RUSSIAN)] if value > 0 else "0"
        return letter.upper() if fmt == "russianUpper" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(value)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)


def _roman(value: int) -> str:
    if not 0 < value < 4000:
        return str(value)
    out = []
    for amount, digits in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        count, value = divmod(value, amount)
        out.append(digits * count)
    return "".join(out)


def _notes(content: bytes | None, kind: str) -> dict[str, str]:
    """Footnote or comment id → its text."""
    if content is None:
        return {}
    root = _parse(content)
    return {
        _attr(note, "id") or "": " ".join(
            "".join(t.text or "" for t in p.iter(f"{W}t")) for p in note.iter(f"{W}p")
        ).strip()
        for note in root.iter(f"{W}{kind}")
    }


# --- the body ------------------------------------------------------------------------------------------------

#: Parts of a paragraph whose text is not read: deleted text (tracked changes), field codes, the fallback copy
#: of alternate content, and the properties.
_SKIPPED = {f"{W}del", f"{W}moveFrom", f"{W}instrText", f"{W}delText", f"{_MC}Fallback", f"{W}pPr", f"{W}rPr"}
_TRACKED = {f"{W}ins", f"{W}del", f"{W}moveFrom", f"{W}moveTo"}
_OBJECTS = {f"{W}drawing", f"{W}pict", f"{W}object"}
_EXCERPT = 60


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


class _Reader:
    def __init__(self, *, styles: _Styles, numbering: _Numbering, footnotes: dict, comments: dict, endnotes: dict):
        self.styles = styles
        self.endnotes = endnotes
        self.numbering = numbering
        self.footnotes = footnotes
        self.comments = comments
        self.paragraphs: list[SourceParagraph] = []
        self.notices: list[Notice] = []
        self.tracked_changes = False
        #: The text of a paragraph whose mark was deleted (a tracked change): it joins the next one.
        self.carried = ""

    def block(self, container: etree._Element) -> None:
        for child in container:
            if child.tag == f"{W}p":
                self.paragraph(child)
            elif child.tag == f"{W}tbl":
                self.table(child)
            elif child.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}ins", f"{W}moveTo"):
                self.tracked_changes |= child.tag in _TRACKED
                self.block(child)
            elif child.tag in (f"{W}del", f"{W}moveFrom"):
                self.tracked_changes = True
            elif child.tag == f"{W}altChunk":
                self.notices.append(
                    Notice(
                        Message(N_("A document embedded in the draft (another file's text) was not imported.")),
                        len(self.paragraphs),
                    )
                )

    def table(self, table: etree._Element) -> None:
        first = len(self.paragraphs)
        for row in table.iter(f"{W}tr"):
            if row.getparent() is not table:
                continue  # a nested table's rows are read with its cell
            for cell in row.iter(f"{W}tc"):
                if cell.getparent() is row:
                    self.block(cell)
        start = next((p.text for p in self.paragraphs[first:] if p.text.strip()), "")
        self.notices.append(
            Notice(
                Message(
                    N_("A table (starting “%(start)s”) was read as text, one paragraph per cell paragraph."),
                    start=_excerpt(start),
                ),
                first,
            )
        )

    def paragraph(self, p: etree._Element) -> None:
        ppr = p.find(f"{W}pPr")
        style_id = _attr(None if ppr is None else ppr.find(f"{W}pStyle"))
        chain_bold = self.styles.first(style_id, "bold")
        pieces: list[str] = []
        runs_bold: list[bool] = []
        found: list[tuple[str, str]] = []
        self.inline(p, pieces, runs_bold, bool(chain_bold), found)
        text = self.carried + "".join(pieces)
        self.carried = ""
        mark = None if ppr is None else ppr.find(f"{W}rPr")
        if mark is not None and (mark.find(f"{W}ins") is not None or mark.find(f"{W}del") is not None):
            self.tracked_changes = True
            if mark.find(f"{W}del") is not None:
                self.carried = text
                return
        index = len(self.paragraphs)
        near = _excerpt(text)
        for kind, key in found:
            self.notices.append(self.object_notice(kind, key, near, index))

        num_id, ilvl = self.numbering_of(ppr, style_id)
        label = self.numbering.label(num_id, ilvl) if num_id not in (None, "0") else None
        style_name = self.styles.styles[style_id].name if style_id in self.styles.styles else None
        centred = _centred(ppr) if ppr is not None else None
        if centred is None:
            centred = bool(self.styles.first(style_id, "centred"))
        self.paragraphs.append(
            SourceParagraph(
                text=text.strip(),
                number_label=label,
                level=ilvl if label is not None else None,
                style=style_name,
                bold=bool(runs_bold) and all(runs_bold),
                centred=centred,
                heading_level=self.heading_level(ppr, style_id, style_name),
            )
        )

    def inline(self, element, pieces: list[str], runs_bold: list[bool], style_bold: bool, found: list) -> None:
        """The visible text of a paragraph (or part of it), as if every tracked change were accepted."""
        for child in element:
            tag = child.tag
            if tag in _TRACKED:
                self.tracked_changes = True
            if tag in _SKIPPED:
                continue
            if tag == f"{W}r":
                before = len(pieces)
                self.inline(child, pieces, runs_bold, style_bold, found)
                if "".join(pieces[before:]).strip():
                    runs_bold.append(self.run_bold(child, style_bold))
            elif tag == f"{W}t":
                pieces.append(child.text or "")
            elif tag == f"{W}tab":
                pieces.append("\t")
            elif tag in (f"{W}br", f"{W}cr"):
                pieces.append("\n")
            elif tag == f"{W}noBreakHyphen":
                pieces.append("-")
            elif tag in _OBJECTS:
                found.append(("object", ""))
            elif tag == f"{W}footnoteReference":
                found.append(("footnote", _attr(child, "id") or ""))
            elif tag == f"{W}endnoteReference":
                found.append(("endnote", _attr(child, "id") or ""))
            elif tag == f"{W}commentReference":
                found.append(("comment", _attr(child, "id") or ""))
            elif isinstance(tag, str):
                self.inline(child, pieces, runs_bold, style_bold, found)

    def run_bold(self, run: etree._Element, style_bold: bool) -> bool:
        rpr = run.find(f"{W}rPr")
        if rpr is not None:
            direct = _on(rpr.find(f"{W}b"))
            if direct is not None:
                return direct
            run_style = _attr(rpr.find(f"{W}rStyle"))
            if run_style is not None:
                by_style = self.styles.first(run_style, "bold")
                if by_style is not None:
                    return bool(by_style)
        return style_bold

    def numbering_of(self, ppr, style_id: str | None) -> tuple[str | None, int]:
        numpr = None if ppr is None else ppr.find(f"{W}numPr")
        num_id = None if numpr is None else _attr(numpr.find(f"{W}numId"))
        ilvl = None if numpr is None else _int(_attr(numpr.find(f"{W}ilvl")))
        if num_id is None:
            num_id = self.styles.first(style_id, "num_id")  # type: ignore[assignment]
        if ilvl is None:
            ilvl = self.styles.first(style_id, "ilvl") or 0  # type: ignore[assignment]
        return num_id, int(ilvl)  # type: ignore[arg-type]

    def heading_level(self, ppr, style_id: str | None, style_name: str | None) -> int | None:
        for style in self.styles.chain(style_id):
            match = _HEADING_STYLE.match(style.name.strip())
            if match:
                return int(match.group(1))
        outline = None if ppr is None else _int(_attr(ppr.find(f"{W}outlineLvl")))
        if outline is None:
            outline = self.styles.first(style_id, "outline")  # type: ignore[assignment]
        return outline + 1 if outline is not None and 0 <= outline < 9 else None

    def object_notice(self, kind: str, key: str, near: str, index: int) -> Notice:
        if kind in ("footnote", "endnote"):
            return Notice(
                Message(N_("A footnote (on “%(near)s”) was not imported; its text is kept here."), near=near),
                index,
                (self.footnotes if kind == "footnote" else self.endnotes).get(key, ""),
            )
        if kind == "comment":
            return Notice(
                Message(N_("A comment (on “%(near)s”) was not imported; its text is kept here."), near=near),
                index,
                self.comments.get(key, ""),
            )
        return Notice(
            Message(N_("An image, text box or embedded object (near “%(near)s”) was not imported."), near=near),
            index,
        )
