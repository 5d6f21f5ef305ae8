"""Read a draft marked up in Akoma Ntoso 3.0 (OASIS LegalDocML) into the clause tree the product stores.

The markup already says what each part is, so no rule of core.structure has to guess it, except the one the
product has no kind for: the closing formula ("Done at ..."), which, as there, becomes the last paragraph of the
last article (`core.structure.is_closing_formula`, and the same warning).

What is read (namespace `AKN_NAMESPACE`, a root ``<akomaNtoso>`` holding a ``<bill>``, ``<act>``, ``<doc>`` or
``<statement>``):

- the title from ``<preface>``: its ``<docTitle>``, or else its ``<longTitle>``, or else its paragraphs;
- ``<preamble>``: each ``<p>``, ``<recital>``, ``<citation>`` and ``<formula>`` is a preambular paragraph (the
  formula "Have agreed as follows:" is one in this product);
- ``<body>`` / ``<mainBody>``: each ``<article>`` (its ``<heading>``; its own text from ``<intro>``, ``<content>``,
  ``<p>``), its ``<paragraph>``s, and ``<point>``s, ``<indent>``s and list items (``<list>``, ``<blockList>``,
  ``<ol>``/``<ul>``) under a paragraph or an article, which become items; grouping levels around articles
  (``<chapter>``, ``<part>``, ...) are reported and their articles read;
- ``<conclusions>``: the closing formula.

A ``<documentCollection>`` (as the product's own export with its amendments writes it) is read for the first bill,
act, doc or statement among its components; every other component (the tabled amendments, as ``<amendment>``
documents) is reported with its text, not imported: proposals are made in the product once the draft is in.
Inside the text, ``<del>`` and ``<ins>`` mark proposed changes: the draft is read as it stands before them, the
base text (the words of a ``<del>`` kept, those of an ``<ins>`` reported and not imported), so that a
consolidated version marked up with proposals imports as the text the proposals were made to.

``<num>`` is never kept: the product numbers by position. Points under a point are kept, with their numbers, in
the text of their item (the kinds stop at items), as core.structure does. Everything else that holds text
(cover page, annexes, footnotes, elements this reader does not know) is reported as a `Notice` with its text,
never silently dropped. The XML is parsed as the Word reader parses its parts (`docx_reader.parse_xml_safely`):
no document type declaration, no entity, no DTD, no network, at most `MAX_FILE_BYTES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ..core.clause_kinds import ClauseKind
from ..core.messages import N_, Message
from ..core.structure import Notice, RecognisedClause, Recognition, depths, is_closing_formula, rebuild_parents
from .docx_reader import ImportRefused, parse_xml_safely, refuse_empty_or_too_large

AKN_NAMESPACE = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
A = f"{{{AKN_NAMESPACE}}}"
#: The document types read as a draft (the others: debates, judgments, gazettes, amendments, collections).
DOCUMENT_TYPES = ("bill", "act", "doc", "statement")
#: Collections of documents: the draft is looked for among their components.
COLLECTION_TYPES = ("documentCollection", "amendmentList")

NOT_AKN = Message(
    N_(
        "The file is XML or HTML, not an Akoma Ntoso 3.0 document: import the draft as a Word document (.docx), "
        "as text, or as Akoma Ntoso 3.0 XML."
    )
)
_HOSTILE = Message(
    N_(
        "The XML file contains a document type or entity declaration, which an Akoma Ntoso document does not "
        "need; it cannot be read."
    )
)
_DAMAGED = Message(N_("The XML file is damaged (it is not well-formed XML); it cannot be read."))

#: Grouping levels above articles: reported, and the articles in them read.
_GROUPS = {
    "book",
    "chapter",
    "division",
    "hcontainer",
    "part",
    "section",
    "subchapter",
    "subdivision",
    "subpart",
    "subsection",
    "subtitle",
    "title",
    "tome",
}
#: Items: a numbered point of a list.
_ITEMS = {"point", "indent", "item", "li"}
#: Lists of items: their intro and wrap-up are text of the clause they are in.
_LISTS = {"list", "blockList", "ol", "ul"}
#: Unnumbered text divisions: text of the clause they are in, as an unnumbered paragraph of a Word draft is.
_PLAIN = {"alinea", "subparagraph", "wrapUp", "listWrapUp"}
#: Text of the clause itself.
_OWN_TEXT = {"intro", "content", "listIntroduction"}
#: Inline elements that are a line break.
_BREAKS = {"eol", "eop", "br"}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _ours(element: etree._Element) -> bool:
    return isinstance(element.tag, str) and element.tag.startswith(A)


def _clean(text: str) -> str:
    """Each line's whitespace collapsed (XML indentation), empty lines dropped."""
    return "\n".join(line for line in (" ".join(part.split()) for part in text.split("\n")) if line)


@dataclass
class _Clause:
    kind: ClauseKind
    #: The parent the markup gives (index into the clauses); checked against the product's rule at the end.
    parent: int | None
    order: int
    heading: str | None = None
    texts: list[str] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    children: int = 0

    def warn(self, message: Message) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


class _Reader:
    def __init__(self) -> None:
        self.clauses: list[_Clause] = []
        self.notices: list[Notice] = []
        #: How many elements were read, in document order: a clause's and a notice's place in the source.
        self.order = 0

    # --- text --------------------------------------------------------------------------------------------

    def text(self, element: etree._Element, *, keep_num: bool = False) -> str:
        """The text of an element, without its <num> (unless `keep_num`) and without footnotes, which are
        reported."""
        pieces: list[str] = []
        self._inline(element, pieces, keep_num=keep_num, top=True)
        return _clean("".join(pieces))

    def _inline(self, element: etree._Element, pieces: list[str], *, keep_num: bool, top: bool = False) -> None:
        if not top:
            name = _local(element)
            if name in ("authorialNote", "note") and _ours(element):
                note = self.text(element)
                near = _clean("".join(pieces))[-60:]
                self.notices.append(
                    Notice(
                        Message(N_("A footnote (on “%(near)s”) was not imported; its text is kept here."), near=near),
                        self.order,
                        note,
                    )
                )
                pieces.append(element.tail or "")
                return
            if name == "ins" and _ours(element):
                # A proposed insertion is not the draft's text: reported, the text read without it.
                self.notices.append(
                    Notice(
                        Message(
                            N_(
                                "Words marked as a proposed insertion were not imported: the draft is read as it "
                                "stands before the proposals; the words are kept here."
                            )
                        ),
                        self.order,
                        _clean("".join(element.itertext())),
                    )
                )
                pieces.append(element.tail or "")
                return
            if name == "num":  # a number is not text: dropped, or kept as a word of its own
                pieces.append(f"{''.join(element.itertext())} {element.tail or ''}" if keep_num else element.tail or "")
                return
            if name in _BREAKS:
                pieces.append("\n")
        pieces.append(element.text or "")
        for child in element:
            if isinstance(child.tag, str):
                self._inline(child, pieces, keep_num=keep_num)
            else:  # a comment or processing instruction: not text, but its tail is
                pieces.append(child.tail or "")
        if not top:
            if _local(element) in ("p", "heading", "subheading", "li", "td", "th"):
                pieces.append("\n")
            pieces.append(element.tail or "")

    def num(self, element: etree._Element) -> str:
        found = element.find(f"{A}num")
        return "" if found is None else _clean("".join(found.itertext()))

    # --- results -----------------------------------------------------------------------------------------

    def step(self) -> int:
        self.order += 1
        return self.order - 1

    def new(self, kind: ClauseKind, parent: int | None, element: etree._Element) -> int:
        self.clauses.append(_Clause(kind, parent, self.step()))
        if parent is not None:
            self.clauses[parent].children += 1
        return len(self.clauses) - 1

    def notice(self, message: Message, element: etree._Element | None = None, text: str | None = None) -> None:
        if text is None:
            text = "" if element is None else self.text(element, keep_num=True)
        self.notices.append(Notice(message, self.step(), text))

    def not_understood(self, element: etree._Element) -> None:
        if not isinstance(element.tag, str):
            return  # comments and processing instructions
        self.notice(
            Message(
                N_(
                    "“%(element)s” of the Akoma Ntoso document was not understood and was not imported; its text is "
                    "kept here."
                ),
                element=_local(element) if _ours(element) else etree.QName(element).text,
            ),
            element,
        )

    def own_text(self, clause: int, text: str) -> None:
        if text:
            self.clauses[clause].texts.append(text)

    def plain(self, clause: int, text: str) -> None:
        """Unnumbered text in a clause: its own text before its children, else joined to the clause read last,
        with the warning core.structure gives an unnumbered paragraph of a Word draft."""
        if not text:
            return
        if self.clauses[clause].children == 0:
            self.own_text(clause, text)
            return
        last = self.clauses[-1]
        last.texts.append(text)
        last.warn(Message(N_("An unnumbered paragraph of the draft was joined to this clause.")))

    # --- the parts of the document -------------------------------------------------------------------------

    def document(self, document: etree._Element) -> None:
        for part in document:
            name = _local(part) if _ours(part) else ""
            if name in ("meta", "components"):
                if name == "components" and self.text(part):
                    self.not_understood(part)
            elif name == "coverPage":
                for block in self.blocks(part):
                    self.notice(Message(N_("Text above the title was not imported.")), text=block)
            elif name == "preface":
                self.preface(part)
            elif name == "preamble":
                self.preamble(part)
            elif name in ("body", "mainBody"):
                self.body(part)
            elif name == "conclusions":
                self.conclusions(part)
            else:  # attachments and anything unknown
                self.not_understood(part)

    def blocks(self, container: etree._Element) -> list[str]:
        """The texts of the block-level children of a container (a block holding blocks is opened)."""
        texts: list[str] = []
        for child in container:
            if not isinstance(child.tag, str):
                continue
            if _ours(child) and any(
                isinstance(grandchild.tag, str) and _local(grandchild) in ("p", "blockContainer", "container")
                for grandchild in child
            ):
                texts.extend(self.blocks(child))
            else:
                text = self.text(child)
                if text:
                    texts.append(text)
        return texts

    def preface(self, preface: etree._Element) -> None:
        doc_title = next(preface.iter(f"{A}docTitle"), None)
        long_title = preface.find(f"{A}longTitle")
        if doc_title is not None:
            title = self.text(doc_title)
        elif long_title is not None:
            title = self.text(long_title)
        else:
            title = ""
        blocks = self.blocks(preface)
        index = self.new(ClauseKind.title, None, preface)
        if title:
            self.own_text(index, title)
            rest = [block for block in (b.replace(title, "", 1).strip() for b in blocks) if block]
            for block in rest:
                self.notice(Message(N_("Text of the preface other than the title was not imported.")), text=block)
        elif blocks:
            self.own_text(index, " ".join(blocks))
            if len(blocks) > 1:
                self.clauses[index].warn(
                    Message(N_("The title was joined from several lines of the draft (%(count)s)."), count=len(blocks))
                )
        else:
            self.clauses.pop()

    def preamble(self, preamble: etree._Element) -> None:
        for child in preamble:
            if not isinstance(child.tag, str):
                continue
            name = _local(child) if _ours(child) else ""
            if name in ("recitals", "citations"):
                self.preamble(child)  # their intro, recitals or citations: each a preambular paragraph
            elif name in ("container", "blockContainer"):
                self.preamble(child)
            elif name in ("p", "recital", "citation", "formula", "intro", "longTitle", "blockList"):
                text = self.text(child)
                if text:
                    self.own_text(self.new(ClauseKind.preamble, None, child), text)
            else:
                self.not_understood(child)

    def body(self, body: etree._Element) -> None:
        for child in body:
            self.body_part(child)

    def body_part(self, child: etree._Element) -> None:
        if isinstance(child.tag, str):
            name = _local(child) if _ours(child) else ""
            if name == "article":
                self.article(child)
            elif name in _GROUPS:
                label = " ".join(filter(None, [self.num(child), self.heading(child)]))
                self.notice(
                    Message(
                        N_(
                            "A grouping above the articles (%(element)s “%(label)s”) was not imported; its articles "
                            "were."
                        ),
                        element=name,
                        label=label,
                    ),
                    text=label,
                )
                for part in child:
                    if _local(part) in ("num", "heading", "subheading") and _ours(part):
                        continue
                    if _local(part) in ("intro", "wrapUp", "content") and _ours(part):
                        self.not_understood(part)
                    else:
                        self.body_part(part)
            elif name in ("paragraph", *_ITEMS, *_LISTS) and not any(
                clause.kind is ClauseKind.article for clause in self.clauses
            ):
                message = (
                    N_("A lettered item before the first article was not imported.")
                    if name in _ITEMS or name in _LISTS
                    else N_("A numbered paragraph before the first article was not imported.")
                )
                self.notice(Message(message), child)
            else:
                self.not_understood(child)

    def heading(self, element: etree._Element) -> str:
        found = element.find(f"{A}heading")
        return "" if found is None else self.text(found)

    def article(self, article: etree._Element) -> None:
        index = self.new(ClauseKind.article, None, article)
        self.clauses[index].heading = self.heading(article) or None
        self.contents(index, article, allowed=(ClauseKind.paragraph, ClauseKind.item))

    def contents(self, index: int, element: etree._Element, allowed: tuple[ClauseKind, ...]) -> None:
        """The children of an article, a paragraph or an item."""
        for child in element:
            if not isinstance(child.tag, str):
                continue
            name = _local(child) if _ours(child) else ""
            if name == "num" or (name == "heading" and self.clauses[index].kind is ClauseKind.article):
                continue
            if name in _OWN_TEXT or name == "p":
                if any(_local(c) in _LISTS or _local(c) in _ITEMS for c in child if isinstance(c.tag, str)):
                    self.contents(index, child, allowed)  # a <content> holding a <blockList>
                elif self.clauses[index].children == 0:
                    self.own_text(index, self.text(child))
                else:
                    self.plain(index, self.text(child))
            elif name in _PLAIN:
                self.plain(index, self.text(child))
            elif name == "paragraph" and ClauseKind.paragraph in allowed:
                paragraph = self.new(ClauseKind.paragraph, index, child)
                self.contents(paragraph, child, allowed=(ClauseKind.item,))
            elif name in _LISTS and ClauseKind.item in allowed:
                self.contents(index, child, allowed)
            elif name in _ITEMS and ClauseKind.item in allowed:
                item = self.new(ClauseKind.item, index, child)
                self.contents(item, child, allowed=())
            elif self.clauses[index].kind is ClauseKind.item and (name in _ITEMS or name in _LISTS):
                # A point under a point: the kinds stop at items, so it stays, numbered, in its item's text.
                holder = self.clauses[index]
                holder.texts.append(self.text(child, keep_num=True))
                holder.warn(
                    Message(N_("Sub-items such as (i), (ii) are kept with their numbers in the text of this item."))
                )
            else:
                self.not_understood(child)

    def conclusions(self, conclusions: etree._Element) -> None:
        blocks = self.blocks(conclusions)
        if not blocks:
            return
        closing = next((i for i, block in enumerate(blocks) if is_closing_formula(block)), 0)
        for block in blocks[:closing]:
            self.notice(
                Message(N_("Text of the conclusions before the closing paragraph was not imported.")), text=block
            )
        article = next(
            (i for i in range(len(self.clauses) - 1, -1, -1) if self.clauses[i].kind is ClauseKind.article), None
        )
        if article is None:
            self.notice(
                Message(N_("The closing paragraph (“Done at ...”) has no article to go in.")), text=blocks[closing]
            )
        else:
            paragraph = self.new(ClauseKind.paragraph, article, conclusions)
            self.own_text(paragraph, blocks[closing])
            self.clauses[paragraph].warn(
                Message(N_("The closing paragraph (“Done at ...”) is kept as the last paragraph of the last article."))
            )
        for block in blocks[closing + 1 :]:
            self.notice(
                Message(N_("Text after the closing paragraph (signatures, annexes) was not imported.")), text=block
            )


def _refuse_type(name: str | None) -> ImportRefused:
    return ImportRefused(
        Message(
            N_(
                "The Akoma Ntoso document is a “%(type)s”; only a bill, an act, a doc or a statement is read as "
                "a draft."
            ),
            type=name or "",
        )
    )


def _components(collection: etree._Element) -> list[etree._Element]:
    """The documents of a collection, in order (a component holding a reference, not a document, is skipped)."""
    body = collection.find(f"{A}collectionBody")
    found: list[etree._Element] = []
    for component in [] if body is None else body.findall(f"{A}component"):
        document = next((child for child in component if isinstance(child.tag, str) and _ours(child)), None)
        if document is not None:
            found.append(document)
    return found


def _document(root: etree._Element) -> tuple[etree._Element, list[etree._Element]]:
    """The bill, act or doc of an <akomaNtoso> root (in a collection: the first one among its components), and the
    other documents of the collection; refuses anything else."""
    if etree.QName(root).localname != "akomaNtoso" or etree.QName(root).namespace is None:
        raise ImportRefused(NOT_AKN)
    if root.tag != f"{A}akomaNtoso":
        raise ImportRefused(
            Message(
                N_("This is an Akoma Ntoso document of another version (%(namespace)s); only version 3.0 is read."),
                namespace=etree.QName(root).namespace or "",
            )
        )
    document = next((child for child in root if isinstance(child.tag, str)), None)
    name = None if document is None else _local(document)
    if document is not None and _ours(document) and name in COLLECTION_TYPES:
        components = _components(document)
        draft = next((c for c in components if _local(c) in DOCUMENT_TYPES), None)
        if draft is None:
            raise ImportRefused(
                Message(
                    N_(
                        "The Akoma Ntoso collection holds no bill, act, doc or statement to read as a draft (only: "
                        "%(types)s)."
                    ),
                    types=", ".join(dict.fromkeys(_local(c) for c in components)) or "—",
                )
            )
        return draft, [c for c in components if c is not draft]
    if document is None or not _ours(document) or name not in DOCUMENT_TYPES:
        raise _refuse_type(name)
    return document, []


def _proposed_words(element: etree._Element) -> str:
    """An amendment's words as it proposes them (its insertions kept, its deletions left out), for a notice."""
    pieces: list[str] = []

    def walk(node: etree._Element) -> None:
        if _local(node) in ("del", "meta"):
            pieces.append(node.tail or "")
            return
        pieces.append(node.text or "")
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
            else:
                pieces.append(child.tail or "")
        if _local(node) in ("p", "heading", "docNumber", "docProponent", "docDate"):
            pieces.append("\n" if _local(node) in ("p", "heading") else " ")
        pieces.append(node.tail or "")

    walk(element)
    return _clean("".join(pieces))


def recognise_akn(data: bytes) -> Recognition:
    """The clause tree of an Akoma Ntoso 3.0 document. Raises ImportRefused."""
    refuse_empty_or_too_large(data)
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 is parsed as it is
        # XML allows nothing before its declaration; a byte order mark and blank lines left by an editor are dropped
        data = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    root = parse_xml_safely(data, hostile=_HOSTILE, damaged=_DAMAGED)
    reader = _Reader()
    draft, others = _document(root)
    reader.document(draft)
    for other in others:
        if _local(other) == "amendment":
            number = next(other.iter(f"{A}docNumber"), None)
            reader.notice(
                Message(
                    N_(
                        "The amendment %(citation)s in the file was not imported: the draft is imported without "
                        "the proposals made to it; its words are kept here."
                    ),
                    citation=_clean("".join(number.itertext())) if number is not None else "",
                ),
                text=_proposed_words(other),
            )
        else:
            reader.not_understood(other)
    if not reader.clauses:
        raise ImportRefused(Message(N_("The document has no text.")))
    if reader.clauses[0].kind is not ClauseKind.title:
        reader.notices.insert(0, Notice(Message(N_("No title found; give the instrument its title after the import."))))

    kinds = [clause.kind for clause in reader.clauses]
    parents = rebuild_parents(kinds)  # the parent the product derives from position (core.numbering)
    for clause, parent in zip(reader.clauses, parents, strict=True):
        if parent != clause.parent:  # a point of the article after the article's paragraphs
            clause.warn(
                Message(N_("This item follows a numbered paragraph, so it is read as an item of that paragraph."))
            )
    clauses = [
        RecognisedClause(
            kind=clause.kind,
            parent=parent,
            depth=depth,
            heading=clause.heading,
            text="\n".join(clause.texts),
            source_indexes=(clause.order,),
            warnings=tuple(clause.warnings),
        )
        for clause, parent, depth in zip(reader.clauses, parents, depths(parents), strict=True)
    ]
    return Recognition(clauses, reader.notices)
