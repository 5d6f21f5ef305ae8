"""Reading a Word draft (imports.docx_reader): Word's generated numbering, formatting, notices, hostile files.

The fixtures were made by LibreOffice from the HTML next to them (tests/fixtures/import/make_fixtures.py), so
their numbers are real Word list numbering, not text. No app, no LibreOffice needed here.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from mou_tracker.core.clause_kinds import ClauseKind
from mou_tracker.imports.docx_reader import (
    MAX_UNCOMPRESSED_BYTES,
    ImportRefused,
    read_docx,
    recognise_docx,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "import"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.docx").read_bytes()


def repack(data: bytes, changes: dict[str, bytes | None], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The package with parts replaced, added, or (None) removed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", compression) as target:
        for entry in source.infolist():
            if entry.filename not in changes:
                target.writestr(entry.filename, source.read(entry))
        for name, content in changes.items():
            if content is not None:
                target.writestr(name, content)
    return out.getvalue()


def part(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode("utf-8")


def with_document(xml: str, base: str = "generated_en") -> bytes:
    return repack(fixture(base), {"word/document.xml": xml.encode("utf-8")})


# --- numbering, formatting, structure --------------------------------------------------------------------------


def test_generated_numbers_are_resolved_with_restarts_per_level():
    reading = read_docx(fixture("generated_en"))
    labels = [(p.number_label, p.level) for p in reading.paragraphs if p.number_label]
    assert labels == [
        ("Article 1", 0),
        ("1.", 1),
        ("2.", 1),
        ("(a)", 2),
        ("(b)", 2),
        ("(i)", 3),
        ("(ii)", 3),
        ("(c)", 2),
        ("Article 2", 0),
        ("1.", 1),  # restarted under the next article
        ("2.", 1),
        ("Article 3", 0),
    ]
    # The numbers are not in the text: Word generates them.
    assert not any(p.text.startswith(("Article", "1.", "(a)")) for p in reading.paragraphs)
    title = reading.paragraphs[0]
    assert (title.bold, title.centred) == (True, True)
    assert reading.paragraphs[5].text == "Objectives of cooperation"
    assert (reading.paragraphs[5].bold, reading.paragraphs[5].centred) == (True, True)
    assert not reading.paragraphs[1].bold


def test_generated_fixture_is_recognised():
    result = recognise_docx(fixture("generated_en"))
    tree = [(c.kind.value, c.depth, c.heading, c.text[:40]) for c in result.clauses]
    assert tree == [
        ("title", 0, None, "Memorandum of Understanding between the "),
        ("preamble", 0, None, "The Secretariat of the Conference on Int"),
        ("preamble", 0, None, "Recalling that in the 2002 Almaty Act, t"),
        ("preamble", 0, None, "Reaffirming the key significance of UNSC"),
        ("preamble", 0, None, "Have agreed as follows:"),
        ("article", 0, "Objectives of cooperation", "The Participants will cooperate with the"),
        ("paragraph", 1, None, "Strengthening cooperation and capacity i"),
        ("paragraph", 1, None, "Promoting, in the CICA region:"),
        ("item", 2, None, "the implementation of the UNGCTS;"),
        ("item", 2, None, "the relevant resolutions of the UN Gener"),
        ("item", 2, None, "the relevant resolutions of the Security"),
        ("article", 0, "Areas of cooperation", "The CICA Secretariat and the UNOCT will "),
        ("paragraph", 1, None, "Addressing problems and threats in the f"),
        ("paragraph", 1, None, "Building the capacity of the national cr"),
        ("article", 0, "Financial arrangements", "This Memorandum does not create any fina"),
        ("paragraph", 1, None, "Done at Astana, on [date], in two origin"),
    ]
    sub_items = result.clauses[9]
    assert sub_items.text.endswith("in particular:\n(i) resolution 60/288;\n(ii) its biennial reviews;")
    messages = [str(n.message) for n in result.notices]
    assert messages[0].startswith("A table (starting “For the CICA Secretariat”) was read as text")
    assert [n.text for n in result.notices[1:]] == [
        "For the CICA Secretariat",
        "For the United Nations Office of Counter-Terrorism",
    ]


def test_typed_headings_on_the_next_line_and_a_table_inside_an_article():
    result = recognise_docx(fixture("typed_en"))
    articles = [(c.heading, c.text) for c in result.clauses if c.kind is ClauseKind.article]
    assert articles == [
        ("Objectives", "The Participants will cooperate with the following objectives:"),
        ("Consultations", "The Participants will consult each other at least once a year."),
        ("Amendment", "This Memorandum may be amended at any time by mutual written consent of the Participants."),
    ]
    title = result.clauses[0]
    assert title.text == "MEMORANDUM OF UNDERSTANDING between the CICA Secretariat and UNOCT"
    items = [c for c in result.clauses if c.kind is ClauseKind.item]
    assert [result.clauses[c.parent].heading for c in items] == ["Objectives", "Objectives"]
    # The table's cells joined the paragraph before it, with a warning and a notice.
    focal = next(c for c in result.clauses if c.text.startswith("Each Participant"))
    assert focal.text == "Each Participant will designate a focal point.\nFocal point\nAddress\nCICA\nAstana"
    assert focal.warnings
    assert any("table" in str(n.message) for n in result.notices)
    assert result.clauses[-1].text == "Signed in Astana on [date]."


def test_russian_draft_with_word_numbering():
    reading = read_docx(fixture("russian"))
    assert [p.number_label for p in reading.paragraphs if p.number_label] == ["Статья 1", "1.", "а)", "б)", "Статья 2"]
    result = recognise_docx(fixture("russian"))
    assert [(c.kind.value, c.heading) for c in result.clauses] == [
        ("title", None),
        ("preamble", None),
        ("preamble", None),
        ("preamble", None),
        ("article", "Цели сотрудничества"),
        ("paragraph", None),
        ("item", None),
        ("item", None),
        ("article", "Формы сотрудничества"),
        ("paragraph", None),
    ]
    assert result.clauses[3].text == "договорились о нижеследующем:"
    assert result.clauses[6].text == "укреплять потенциал;"
    assert result.clauses[-1].text.startswith("Совершено в городе Астане")


def test_style_numbering_start_values_and_heading_styles():
    """Numbering that comes from the paragraph's style, a list starting at 3, and Heading N styles."""
    data = fixture("generated_en")
    styles = part(data, "word/styles.xml").replace(
        "</w:styles>",
        '<w:style w:type="paragraph" w:styleId="ArticleHeading"><w:name w:val="Heading 2"/>'
        '<w:pPr><w:numPr><w:numId w:val="77"/></w:numPr><w:jc w:val="center"/></w:pPr><w:rPr><w:b/></w:rPr>'
        "</w:style></w:styles>",
    )
    numbering = part(data, "word/numbering.xml").replace(
        "</w:numbering>",
        '<w:abstractNum w:abstractNumId="77"><w:lvl w:ilvl="0"><w:start w:val="3"/><w:numFmt w:val="upperRoman"/>'
        '<w:lvlText w:val="ARTICLE %1"/></w:lvl></w:abstractNum>'
        '<w:num w:numId="77"><w:abstractNumId w:val="77"/></w:num></w:numbering>',
    )
    body = (
        '<w:p><w:pPr><w:pStyle w:val="ArticleHeading"/></w:pPr><w:r><w:t>Objectives</w:t></w:r></w:p>'
        "<w:p><w:r><w:t>Text.</w:t></w:r></w:p>"
        '<w:p><w:pPr><w:pStyle w:val="ArticleHeading"/></w:pPr><w:r><w:t>Areas</w:t></w:r></w:p>'
    )
    document = re.sub(r"<w:body>.*</w:body>", f"<w:body>{body}</w:body>", part(data, "word/document.xml"), flags=re.S)
    reading = read_docx(
        repack(
            data,
            {
                "word/styles.xml": styles.encode(),
                "word/numbering.xml": numbering.encode(),
                "word/document.xml": document.encode(),
            },
        )
    )
    assert [(p.number_label, p.heading_level, p.bold, p.centred, p.style) for p in reading.paragraphs] == [
        ("ARTICLE III", 2, True, True, "Heading 2"),
        (None, None, False, False, reading.paragraphs[1].style),
        ("ARTICLE IV", 2, True, True, "Heading 2"),
    ]
    assert reading.paragraphs[1].style != "Heading 2"


def test_tracked_changes_are_read_as_accepted_and_reported():
    data = fixture("generated_en")
    document = part(data, "word/document.xml")
    original = "<w:t>Reaffirming the key significance of UNSC Resolution 1373,</w:t>"
    assert original in document
    document = document.replace(
        original,
        '<w:t xml:space="preserve">Reaffirming </w:t></w:r>'
        '<w:del w:id="90" w:author="UNOCT"><w:r><w:delText xml:space="preserve">the importance </w:delText></w:r></w:del>'
        '<w:ins w:id="91" w:author="UNOCT"><w:r><w:t xml:space="preserve">the key significance </w:t></w:r></w:ins>'
        "<w:r><w:t>of UNSC Resolution 1373,</w:t>",
    )
    reading = read_docx(with_document(document))
    assert "Reaffirming the key significance of UNSC Resolution 1373," in [p.text for p in reading.paragraphs]
    assert "unresolved tracked changes" in reading.notices[0].message


def test_a_deleted_paragraph_mark_joins_the_paragraph_to_the_next():
    data = fixture("generated_en")
    document = part(data, "word/document.xml").replace(
        "<w:t>Reaffirming the key significance of UNSC Resolution 1373,</w:t></w:r></w:p>",
        '<w:t xml:space="preserve">Reaffirming the key significance of UNSC Resolution 1373, and </w:t></w:r></w:p>',
    )
    marked = '<w:rPr></w:rPr></w:pPr><w:r><w:rPr></w:rPr><w:t xml:space="preserve">Reaffirming'
    assert marked in document
    document = document.replace(
        marked, marked.replace("<w:rPr></w:rPr>", '<w:rPr><w:del w:id="5" w:author="CICA"/></w:rPr>', 1)
    )
    reading = read_docx(with_document(document))
    texts = [p.text for p in reading.paragraphs]
    assert "Reaffirming the key significance of UNSC Resolution 1373, and Have agreed as follows:" in texts


def test_footnotes_comments_and_images_are_reported_with_their_text():
    data = fixture("generated_en")
    document = part(data, "word/document.xml").replace(
        "<w:t>Reaffirming the key significance of UNSC Resolution 1373,</w:t></w:r>",
        "<w:t>Reaffirming the key significance of UNSC Resolution 1373,</w:t></w:r>"
        '<w:r><w:footnoteReference w:id="2"/></w:r><w:r><w:commentReference w:id="0"/></w:r>'
        "<w:r><w:drawing/></w:r>",
    )
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    footnotes = f'<w:footnotes {w}><w:footnote w:id="2"><w:p><w:r><w:t>S/RES/1373 (2001).</w:t></w:r></w:p></w:footnote></w:footnotes>'
    comments = (
        f'<w:comments {w}><w:comment w:id="0"><w:p><w:r><w:t>Check the year.</w:t></w:r></w:p></w:comment></w:comments>'
    )
    reading = read_docx(
        repack(
            data,
            {
                "word/document.xml": document.encode(),
                "word/footnotes.xml": footnotes.encode(),
                "word/comments.xml": comments.encode(),
            },
        )
    )
    notes = [(str(n.message).split(" (")[0], n.text) for n in reading.notices if n.source_index == 3]
    assert notes == [
        ("A footnote", "S/RES/1373 (2001)."),
        ("A comment", "Check the year."),
        ("An image, text box or embedded object", ""),
    ]
    assert reading.paragraphs[3].text == "Reaffirming the key significance of UNSC Resolution 1373,"


# --- refused files -----------------------------------------------------------------------------------------------


def refused(data: bytes) -> str:
    with pytest.raises(ImportRefused) as caught:
        read_docx(data)
    message = caught.value.message
    assert message.template  # a Message the web layer can translate
    return str(message)


def plain_zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_files_that_are_not_word_documents_are_refused():
    assert "empty" in refused(b"")
    assert "PDF" in refused(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert "not a Word document" in refused(b"Memorandum of Understanding, plain text")
    assert "not a Word document" in refused(plain_zip({"notes.txt": b"hello", "image.png": b"\x89PNG"}))
    assert "not a Word document" in refused(fixture("generated_en")[:2000])  # truncated
    odt_like = plain_zip({"[Content_Types].xml": b"<Types/>", "content.xml": b"<office/>"})
    assert "not a Word document" in refused(odt_like)


def test_ole_files_are_refused_as_encrypted_or_old_word():
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    encrypted = header + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 512
    assert "password" in refused(encrypted)
    assert ".doc" in refused(header + "WordDocument".encode("utf-16-le"))


def test_macro_enabled_documents_are_refused():
    data = fixture("generated_en")
    assert "macros" in refused(repack(data, {"word/vbaProject.bin": b"\x00" * 100}))
    types = part(data, "[Content_Types].xml").replace(
        "wordprocessingml.document.main+xml", "ms-word.document.macroEnabled.main+xml"
    )
    assert "macroEnabled" in types
    assert "macros" in refused(repack(data, {"[Content_Types].xml": types.encode()}))


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    out = io.BytesIO(repack(fixture("generated_en"), {}))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive, archive.open("word/media/image1.png", "w") as f:
        chunk = b"\x00" * (1024 * 1024)
        for _ in range(200):  # 200 MB of zeros, streamed: never held in memory
            f.write(chunk)
    bomb = out.getvalue()
    assert len(bomb) < 1024 * 1024
    assert f"more than {MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB" in refused(bomb)
    # Below the total cap, but compressed a thousand times: refused for its ratio.
    small_bomb = repack(fixture("generated_en"), {"word/document.xml": b"<" + b" " * (20 * 1024 * 1024) + b"/>"})
    assert "zip bomb" in refused(small_bomb)


def test_too_many_parts_are_refused():
    entries = {f"word/media/{i}.png": b"" for i in range(1_001)}
    data = repack(fixture("generated_en"), entries, compression=zipfile.ZIP_STORED)
    assert "too many" in refused(data)


def test_xml_with_entities_is_refused():
    document = part(fixture("generated_en"), "word/document.xml")
    declaration, rest = document.split("?>", 1)
    external = f'{declaration}?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + rest.replace(
        "Have agreed as follows:", "&xxe;"
    )
    assert "document type declaration" in refused(with_document(external))
    laughs = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    billion = f'{declaration}?><!DOCTYPE w:document [<!ENTITY lol0 "lol">{laughs}]>' + rest.replace(
        "Have agreed as follows:", "&lol9;"
    )
    assert "document type declaration" in refused(with_document(billion))
    # The same in UTF-16, which a byte scan for "<!DOCTYPE" does not see: lxml stops the expansion, and the
    # parsed tree is checked for a declaration too.
    for xml in (billion, f'{declaration}?><!DOCTYPE w:document [<!ENTITY one "1">]>{rest}'):
        utf16 = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
        assert "document type declaration" in refused(repack(fixture("generated_en"), {"word/document.xml": utf16}))


def test_damaged_xml_and_empty_documents_are_refused():
    assert "damaged" in refused(with_document("<w:document><w:body><w:p>"))
    empty = re.sub(
        r"<w:body>.*</w:body>",
        "<w:body><w:p/><w:p><w:r><w:t>   </w:t></w:r></w:p></w:body>",
        part(fixture("generated_en"), "word/document.xml"),
        flags=re.S,
    )
    assert "no text" in refused(with_document(empty))


def test_a_treaty_sized_draft_written_with_python_docx():
    """300 clauses (30 articles of 9 paragraphs), typed numbers, bold centred article lines."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = Document()
    document.add_paragraph().add_run("Memorandum of Understanding").bold = True
    document.add_paragraph("Recalling the Almaty Act,")
    document.add_paragraph("Have agreed as follows:")
    sentence = "The Participants will cooperate within their respective mandates. " * 20
    for article in range(1, 31):
        head = document.add_paragraph()
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        head.add_run(f"Article {article}").bold = True
        document.add_paragraph().add_run(f"Heading {article}").bold = True
        document.add_paragraph(sentence)
        for number in range(1, 10):
            document.add_paragraph(f"{number}.\t{sentence}")
    out = io.BytesIO()
    document.save(out)
    result = recognise_docx(out.getvalue())
    kinds = [c.kind for c in result.clauses]
    assert kinds.count(ClauseKind.article) == 30
    assert kinds.count(ClauseKind.paragraph) == 270
    assert result.clauses[-1].text == sentence.strip()
    assert result.clauses[3].heading == "Heading 1"
    assert not result.notices


def test_the_products_own_word_export_reads_back_into_the_same_tree():
    """Export the demo draft as this product writes it (typed labels, "PP1", "Article 1 — Heading"), read it
    back: the same kinds, headings and texts; the export's own header lines are reported, not imported."""
    from mou_tracker.core.numbering import ClauseNode, number_clauses
    from mou_tracker.core.redline import Redline
    from mou_tracker.demo_text import DRAFT
    from mou_tracker.exports.docx import DraftDocument

    flat, nodes = [], []
    for position, clause in enumerate(DRAFT):
        flat.append((clause, 0))
        nodes.append(ClauseNode(len(flat) - 1, None, position, ClauseKind(clause["kind"])))
        parent = len(flat) - 1
        for child_position, child in enumerate(clause["children"]):
            flat.append((child, 1))
            nodes.append(ClauseNode(len(flat) - 1, parent, child_position, ClauseKind(child["kind"])))
    labels = {n.id: n.label for n in number_clauses(nodes)}
    document = DraftDocument("CICA Secretariat – UNOCT MoU", "Clean draft, 12 March 2024")
    document.language_heading("English text")
    for index, (clause, depth) in enumerate(flat):
        heading = clause["heading"]
        document.clause(
            kind=ClauseKind(clause["kind"]),
            depth=depth,
            label=labels[index],
            language="en",
            heading=Redline.between(heading, heading) if heading else None,
            body=Redline.between(clause["en"], clause["en"]),
        )
    result = recognise_docx(document.to_bytes())
    assert [(c.kind.value, c.heading, c.text) for c in result.clauses] == [
        (clause["kind"], clause["heading"], clause["en"]) for clause, _depth in flat
    ]
    assert [n.text for n in result.notices] == [
        "CICA Secretariat – UNOCT MoU",
        "Clean draft, 12 March 2024",
        "English text",
    ]
