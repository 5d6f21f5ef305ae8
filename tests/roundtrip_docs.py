"""Word's own tracked changes, written into an exported DOCX with lxml, for the Word round-trip tests (#16).

A negotiator's legal office opens the product's clean export in Word, switches Track Changes on and edits: Word
then writes every edit into the clause's paragraph as revision marks (ECMA-376 Part 1, 17.13.5), which is what
`WordEditor` writes here:

- a word replaced: ``<w:del w:id w:author w:date><w:r><w:delText>old</w:delText></w:r></w:del>`` followed by
  ``<w:ins w:id w:author w:date><w:r><w:t>new</w:t></w:r></w:ins>``; deleted words alone, inserted words alone;
- a whole paragraph inserted after a clause (Enter at the end of the clause, then typing): the clause's own
  paragraph mark becomes the inserted one (``w:pPr/w:rPr/w:ins``) and the new paragraph's words are inserted;
- a whole paragraph deleted: its words in ``w:del`` and its mark deleted (``w:pPr/w:rPr/w:del``);
- a comment: ``w:commentRangeStart``/``w:commentRangeEnd`` around the words, a ``w:commentReference`` run after
  them, and the comment in ``word/comments.xml`` (the part, its relationship and content type added when the
  document has none).

The paragraphs are found by the bookmarks the export puts around them (exports/docx.py), read here with lxml on
their own, not with the reader under test; each edit records what a reader must find: per clause paragraph
(clause id, language, heading or body) the text before and after, without the number. `minimal_docx` builds a
small document from body XML, for the cases an export never contains (moves, nested changes, fields).

No tests here: tests/core/test_docx_revisions.py and the round-trip tests of the import use it.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from dataclasses import dataclass, field

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_BOOKMARK = re.compile(r"^mou_(?P<part>[hb])_(?P<lang>[a-z]{2,3})_(?P<wid>[A-Za-z0-9_]+)$")
HEADING_SEPARATOR = " — "
DEFAULT_DATE = "2026-11-20T09:30:00Z"

#: Words a reviser puts in, per language.
VOCABULARY = {
    "en": ["jointly", "promptly", "regional", "effective", "mutual", "relevant", "written", "further", "annual"],
    "ru": ["совместно", "незамедлительно", "региональный", "эффективно", "взаимный", "письменно", "ежегодно"],
}


@dataclass(frozen=True)
class Key:
    """A clause paragraph of an export: the clause's stable id, the language part, "heading" or "body"."""

    wid: str
    language: str
    part: str


@dataclass
class Expected:
    """What a reader must find in one clause paragraph after the edits."""

    before: str
    after: str
    #: The authors of the tracked changes in it, in order.
    authors: list[str] = field(default_factory=list)
    deleted_whole: bool = False


@dataclass(frozen=True)
class InsertedParagraph:
    #: The clause paragraph it was inserted next to: after it, or before it when `before`.
    after: Key
    text: str
    author: str
    before: bool = False


@dataclass(frozen=True)
class Comment:
    key: Key
    author: str
    date: str
    text: str
    anchored: str


@dataclass
class Edited:
    data: bytes
    #: Every clause paragraph of the export (edited or not): its text before and after.
    expected: dict[Key, Expected]
    inserted: list[InsertedParagraph]
    comments: list[Comment]

    @property
    def changed(self) -> dict[Key, Expected]:
        return {k: e for k, e in self.expected.items() if e.before != e.after or e.deleted_whole}


@dataclass
class _Paragraph:
    key: Key
    element: etree._Element
    #: The number and what follows it ("1.\t", "Article 2 — "), kept as it is.
    prefix: str
    text: str


def _text(element: etree._Element) -> str:
    pieces = []
    for node in element.iter(f"{W}t", f"{W}delText", f"{W}tab", f"{W}br"):
        if node.tag in (f"{W}t", f"{W}delText"):
            pieces.append(node.text or "")
        else:
            pieces.append("\t" if node.tag == f"{W}tab" else "\n")
    return "".join(pieces)


def _w(tag: str, **attributes: str) -> etree._Element:
    element = etree.Element(f"{W}{tag}")
    for name, value in attributes.items():
        element.set(f"{W}{name}", value)
    return element


class WordEditor:
    """An exported DOCX being edited as Word does with Track Changes on."""

    def __init__(self, data: bytes, *, date: str = DEFAULT_DATE):
        self.date = date
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.parts = {name: archive.read(name) for name in archive.namelist()}
        self.root = etree.fromstring(self.parts["word/document.xml"])
        self.next_id = 9000
        self.paragraphs: dict[Key, _Paragraph] = {}
        for p in self.root.iter(f"{W}p"):
            start = p.find(f"{W}bookmarkStart")
            match = _BOOKMARK.match(start.get(f"{W}name") or "") if start is not None else None
            if match is None:
                continue
            key = Key(match["wid"].replace("_", "-"), match["lang"], "heading" if match["part"] == "h" else "body")
            whole = _text(p)
            if key.part == "heading":
                label, separator, rest = whole.partition(HEADING_SEPARATOR)
                prefix, text = label + separator, rest
            else:
                label, tab, rest = whole.partition("\t")
                prefix, text = (label + tab, rest) if tab else ("", whole)
            self.paragraphs[key] = _Paragraph(key, p, prefix, text)
        self.expected = {key: Expected(p.text, p.text) for key, p in self.paragraphs.items()}
        self.inserted: list[InsertedParagraph] = []
        self.comments: list[Comment] = []
        #: The paragraphs whose runs write() has rewritten.
        self.written: set[Key] = set()

    # Revisions -------------------------------------------------------------------------------------------

    def _mark(self, tag: str, author: str) -> etree._Element:
        self.next_id += 1
        return _w(tag, id=str(self.next_id), author=author, date=self.date)

    @staticmethod
    def _runs(text: str, properties: etree._Element | None, *, deleted: bool = False) -> list[etree._Element]:
        runs = []
        for index, line in enumerate(text.split("\n")):
            run = _w("r")
            if properties is not None:
                run.append(etree.fromstring(etree.tostring(properties)))
            if index:
                run.append(_w("br"))
            for part_index, part in enumerate(line.split("\t")):
                if part_index:
                    run.append(_w("tab"))
                if part:
                    piece = _w("delText" if deleted else "t")
                    piece.set(XML_SPACE, "preserve")
                    piece.text = part
                    run.append(piece)
            runs.append(run)
        return runs

    def _content(self, paragraph: _Paragraph) -> tuple[etree._Element | None, etree._Element | None, int]:
        """Remove the paragraph's runs; (the number's run properties, the words' run properties, where the
        runs stood)."""
        p = paragraph.element
        runs = [child for child in p if child.tag == f"{W}r"]
        label_rpr = runs[0].find(f"{W}rPr") if runs and paragraph.prefix else None
        text_rpr = runs[-1].find(f"{W}rPr") if runs else None
        position = p.index(runs[0]) if runs else len(p) - (1 if p[-1].tag == f"{W}bookmarkEnd" else 0)
        for run in runs:
            p.remove(run)
        return label_rpr, text_rpr, position

    def write(self, key: Key, segments: list[tuple[str, str]], author: str) -> None:
        """Rewrite a clause paragraph's words as `segments` of ("equal" | "delete" | "insert", text)."""
        paragraph = self.paragraphs[key]
        before = "".join(t for op, t in segments if op != "insert")
        assert before == paragraph.text, (before, paragraph.text)
        assert not self.expected[key].authors, "one set of word changes per paragraph"
        self.written.add(key)
        label_rpr, text_rpr, position = self._content(paragraph)
        out: list[etree._Element] = []
        if paragraph.prefix:
            out += self._runs(paragraph.prefix, label_rpr)
        for op, text in segments:
            if not text:
                continue
            if op == "equal":
                out += self._runs(text, text_rpr)
                continue
            mark = self._mark("ins" if op == "insert" else "del", author)
            for run in self._runs(text, text_rpr, deleted=op == "delete"):
                mark.append(run)
            out.append(mark)
            self.expected[key].authors.append(author)
        for offset, element in enumerate(out):
            paragraph.element.insert(position + offset, element)
        after = "".join(t for op, t in segments if op != "delete")
        paragraph.text = after
        self.expected[key].after = after

    def replace(self, key: Key, old: str, new: str, author: str, occurrence: int = 0) -> None:
        """Replace words `old` (the `occurrence`-th time they stand in the paragraph) by `new` ("" deletes)."""
        text = self.paragraphs[key].text
        at = -1
        for _ in range(occurrence + 1):
            at = text.index(old, at + 1)
        self.write(
            key,
            [("equal", text[:at]), ("delete", old), ("insert", new), ("equal", text[at + len(old) :])],
            author,
        )

    def random_words(self, key: Key, rng: random.Random, author: str, share: float = 0.2) -> None:
        """Replace, delete or add random words of the paragraph: each word touched with probability `share`,
        at least one; the words around a change stay as they were (spaces included)."""
        tokens = re.findall(r"\S+|\s+", self.paragraphs[key].text)
        words = [i for i, t in enumerate(tokens) if not t.isspace()]
        chosen = {i for i in words if rng.random() < share} or {rng.choice(words)}
        vocabulary = VOCABULARY.get(key.language, VOCABULARY["en"])
        segments: list[tuple[str, str]] = []
        for index, token in enumerate(tokens):
            if index not in chosen:
                segments.append(("equal", token))
                continue
            action = rng.choice(("replace", "delete", "insert"))
            if action == "replace":
                segments += [("delete", token), ("insert", rng.choice(vocabulary))]
            elif action == "delete" and len(chosen) < len(words):
                segments.append(("delete", token))
            else:
                segments += [("equal", token), ("insert", " " + rng.choice(vocabulary))]
        self.write(key, _merged(segments), author)

    def insert_paragraph_after(self, key: Key, text: str, author: str) -> None:
        """A new paragraph after the clause paragraph, as Word writes Enter at its end and typing: the clause's
        paragraph mark is the inserted one; the new paragraph's words are inserted and it has no bookmark."""
        p = self.paragraphs[key].element
        new = etree.Element(f"{W}p")
        old_ppr = p.find(f"{W}pPr")
        if old_ppr is not None:
            new.append(etree.fromstring(etree.tostring(old_ppr)))
        else:
            old_ppr = _w("pPr")
            p.insert(0, old_ppr)
        rpr = old_ppr.find(f"{W}rPr")
        if rpr is None:
            rpr = _w("rPr")
            old_ppr.append(rpr)
        rpr.append(self._mark("ins", author))
        runs = [c for c in p if c.tag == f"{W}r"]
        mark = self._mark("ins", author)
        for run in self._runs(text, runs[-1].find(f"{W}rPr") if runs else None):
            mark.append(run)
        new.append(mark)
        p.addnext(new)
        self.inserted.append(InsertedParagraph(key, text, author))

    def insert_paragraph_before(self, key: Key, text: str, author: str) -> None:
        """A new paragraph before the clause paragraph, as Word writes typing at its start and then Enter: the new
        paragraph's words and its own mark are inserted; the clause's bookmark starts in the new paragraph (Word
        keeps text typed at a bookmark's start inside it) and ends in the clause's paragraph, as it did."""
        p = self.paragraphs[key].element
        new = etree.Element(f"{W}p")
        old_ppr = p.find(f"{W}pPr")
        ppr = etree.fromstring(etree.tostring(old_ppr)) if old_ppr is not None else _w("pPr")
        rpr = ppr.find(f"{W}rPr")
        if rpr is None:
            rpr = _w("rPr")
            ppr.append(rpr)
        rpr.append(self._mark("ins", author))
        new.append(ppr)
        start = p.find(f"{W}bookmarkStart")
        if start is not None:
            new.append(start)  # moved out of the clause's paragraph
        runs = [c for c in p if c.tag == f"{W}r"]
        mark = self._mark("ins", author)
        for run in self._runs(text, runs[-1].find(f"{W}rPr") if runs else None):
            mark.append(run)
        new.append(mark)
        p.addprevious(new)
        self.inserted.append(InsertedParagraph(key, text, author, before=True))

    def delete_paragraph(self, key: Key, author: str) -> None:
        """The whole paragraph, number and mark included, deleted."""
        paragraph = self.paragraphs[key]
        p = paragraph.element
        for run in [c for c in p if c.tag == f"{W}r"]:
            for t in run.iter(f"{W}t"):
                t.tag = f"{W}delText"
            mark = self._mark("del", author)
            run.addprevious(mark)
            mark.append(run)
        ppr = p.find(f"{W}pPr")
        if ppr is None:
            ppr = _w("pPr")
            p.insert(0, ppr)
        rpr = ppr.find(f"{W}rPr")
        if rpr is None:
            rpr = _w("rPr")
            ppr.append(rpr)
        rpr.append(self._mark("del", author))
        self.expected[key].after = ""
        self.expected[key].deleted_whole = True
        self.expected[key].authors.append(author)

    def comment(self, key: Key, text: str, author: str) -> None:
        """A comment on the clause paragraph's words (its number left out)."""
        paragraph = self.paragraphs[key]
        if key not in self.written:  # the export may write the number and the words in one run: split them
            self.write(key, [("equal", paragraph.text)], author)
        p = paragraph.element
        comment_id = str(len(self.comments))
        content = [c for c in p if c.tag in (f"{W}r", f"{W}ins", f"{W}del")]
        if paragraph.prefix:
            content = content[1:]  # write() puts the number and what follows it in a run of their own
        first, last = (content[0], content[-1]) if content else (None, None)
        start, end = _w("commentRangeStart", id=comment_id), _w("commentRangeEnd", id=comment_id)
        reference = _w("r")
        reference.append(_w("commentReference", id=comment_id))
        if first is None:
            p.append(start)
        else:
            first.addprevious(start)
        (last if last is not None else start).addnext(end)
        end.addnext(reference)
        self.comments.append(Comment(key, author, self.date, text, self.expected[key].after))

    # The package -----------------------------------------------------------------------------------------

    def _comments_part(self) -> None:
        if not self.comments:
            return
        root = etree.Element(f"{W}comments", nsmap={"w": W_NS})
        for number, comment in enumerate(self.comments):
            element = etree.SubElement(root, f"{W}comment")
            element.set(f"{W}id", str(number))
            element.set(f"{W}author", comment.author)
            element.set(f"{W}date", comment.date)
            element.set(f"{W}initials", "".join(w[0] for w in comment.author.split())[:4])
            p = etree.SubElement(element, f"{W}p")
            r = etree.SubElement(p, f"{W}r")
            t = etree.SubElement(r, f"{W}t")
            t.set(XML_SPACE, "preserve")
            t.text = comment.text
        self.parts["word/comments.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        types = self.parts["[Content_Types].xml"]
        if b"/word/comments.xml" not in types:
            self.parts["[Content_Types].xml"] = types.replace(
                b"</Types>",
                b'<Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.wordprocessingml.comments+xml"/></Types>',
            )
        rels = self.parts["word/_rels/document.xml.rels"]
        if b'Target="comments.xml"' not in rels:
            self.parts["word/_rels/document.xml.rels"] = rels.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdRoundTripComments" Type="http://schemas.openxmlformats.org/officeDocument/'
                b'2006/relationships/comments" Target="comments.xml"/></Relationships>',
            )

    def to_bytes(self) -> bytes:
        self.parts["word/document.xml"] = etree.tostring(
            self.root, xml_declaration=True, encoding="UTF-8", standalone=True
        )
        self._comments_part()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in self.parts.items():
                archive.writestr(name, content)
        return out.getvalue()

    def edited(self) -> Edited:
        return Edited(self.to_bytes(), self.expected, self.inserted, self.comments)


def _merged(segments: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Adjacent segments of the same kind as one (Word writes one revision mark for words changed together)."""
    out: list[tuple[str, str]] = []
    for op, text in segments:
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))
    return out


def random_tracked_edits(
    data: bytes,
    seed: int,
    *,
    clauses: float = 0.3,
    words: float = 0.2,
    authors: tuple[str, ...] = ("UNOCT Legal Office", "A. Lawyer"),
) -> Edited:
    """Random word edits, tracked, in a share `clauses` of the export's clause paragraphs (at least one), each
    word of those touched with probability `words`; each paragraph's edits by one of `authors`."""
    rng = random.Random(seed)
    editor = WordEditor(data)
    keys = [k for k, p in editor.paragraphs.items() if p.text.strip()]
    chosen = [k for k in keys if rng.random() < clauses] or [rng.choice(keys)]
    for key in chosen:
        editor.random_words(key, rng, rng.choice(authors), words)
    return editor.edited()


# --- small documents for the cases an export never contains -------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "{comments}</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)
_DOCUMENT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{comments}</Relationships>'
)


def minimal_docx(body: str, comments: str | None = None, extra_parts: dict[str, bytes] | None = None) -> bytes:
    """A Word document whose body is `body` (XML with the w: prefix, paragraphs and all) and, if given, whose
    word/comments.xml holds `comments` (w:comment elements)."""
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    )
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES.format(
            comments='<Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.comments+xml"/>'
            if comments is not None
            else ""
        ),
        "_rels/.rels": _ROOT_RELS,
        "word/_rels/document.xml.rels": _DOCUMENT_RELS.format(
            comments='<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/comments" Target="comments.xml"/>'
            if comments is not None
            else ""
        ),
        "word/document.xml": document,
    }
    if comments is not None:
        parts["word/comments.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:comments xmlns:w="{W_NS}">{comments}</w:comments>'
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
        for name, raw in (extra_parts or {}).items():
            archive.writestr(name, raw)
    return out.getvalue()
