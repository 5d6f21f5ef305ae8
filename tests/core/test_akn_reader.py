"""Reading a draft in Akoma Ntoso 3.0 XML (imports.akn_reader), and telling it from other files (imports.sources).

The fixture (tests/fixtures/import/mou.akn.xml) is written by hand and valid against the OASIS schema, a copy of
which is in tests/fixtures/akoma-ntoso/ (from ../shared/standards/akoma-ntoso, with the xml.xsd it imports). No
app needed.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from lxml import etree

from mou_tracker.core.clause_kinds import ClauseKind
from mou_tracker.core.structure import is_closing_formula, is_operative_formula
from mou_tracker.demo_text import DRAFT
from mou_tracker.imports.akn_reader import AKN_NAMESPACE, NOT_AKN, recognise_akn
from mou_tracker.imports.docx_reader import MAX_FILE_BYTES, ImportRefused
from mou_tracker.imports.sources import recognise_source

FIXTURES = Path(__file__).parents[1] / "fixtures"
MOU = FIXTURES / "import" / "mou.akn.xml"
A = f"{{{AKN_NAMESPACE}}}"
CLOSING_WARNING = "The closing paragraph (“Done at ...”) is kept as the last paragraph of the last article."


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(FIXTURES / "akoma-ntoso" / "akomantoso30.xsd")))


def akn(body: str, *, preface: str = "", preamble: str = "", conclusions: str = "", kind: str = "act") -> bytes:
    """A minimal AKN document (without meta: the reader ignores it) around the given parts."""
    parts = [
        f"<preface>{preface}</preface>" if preface else "",
        f"<preamble>{preamble}</preamble>" if preamble else "",
        f"<body>{body}</body>",
        f"<conclusions>{conclusions}</conclusions>" if conclusions else "",
    ]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<akomaNtoso xmlns="{AKN_NAMESPACE}"><{kind}>{"".join(parts)}'
        f"</{kind}></akomaNtoso>"
    ).encode()


def shape(recognition) -> list[tuple[str, str | None, str]]:
    return [(c.kind.value, c.heading, c.text) for c in recognition.clauses]


# --- the fixture -----------------------------------------------------------------------------------------------


def test_fixture_is_valid_akoma_ntoso(schema):
    schema.assertValid(etree.parse(str(MOU)))


def test_fixture_is_recognised():
    recognition = recognise_akn(MOU.read_bytes())
    clauses = recognition.clauses
    assert [(c.kind.value, c.parent, c.depth) for c in clauses] == [
        ("title", None, 0),
        ("preamble", None, 0),
        ("preamble", None, 0),
        ("preamble", None, 0),
        ("preamble", None, 0),
        ("article", None, 0),
        ("item", 5, 1),
        ("item", 5, 1),
        ("article", None, 0),
        ("paragraph", 8, 1),
        ("paragraph", 8, 1),
        ("item", 10, 2),
        ("item", 10, 2),
        ("article", None, 0),
        ("paragraph", 13, 1),
        ("paragraph", 13, 1),
        ("paragraph", 13, 1),
    ]
    assert clauses[0].text == (
        "Memorandum of Understanding between the CICA Secretariat and the United Nations Office of Counter-Terrorism"
    )
    assert clauses[2].text == "Recalling the 2002 Almaty Act, the founding document of CICA,"
    assert clauses[3].text.endswith("UNGCTS & its adoption in 2022,")  # an entity of XML itself, read
    assert clauses[4].text == "Have agreed as follows:"
    assert [c.heading for c in clauses if c.kind is ClauseKind.article] == [
        "Objectives",
        "Areas of cooperation",
        "Entry into force",
    ]
    # the article's own text (its intro); no number is kept anywhere
    assert clauses[5].text == "The Participants will cooperate with the following objectives:"
    assert clauses[6].text == "Strengthening cooperation in preventing and combating terrorism;"
    assert clauses[8].text == ""
    assert clauses[10].text == "They will organise, in particular:"  # the paragraph's intro
    assert clauses[12].text == "workshops and seminars."  # inline markup read as text
    assert not any(c.text.startswith(("Article", "(a)", "1.")) for c in clauses)
    closing = clauses[16]
    assert closing.text.startswith("Done at Astana, on 6 March 2024")
    assert [str(w) for w in closing.warnings] == [CLOSING_WARNING]
    assert all(not c.warnings for c in clauses[:16])
    # the signature block after "Done at" is reported, with its text
    assert [(str(n.message), n.text) for n in recognition.notices] == [
        ("Text after the closing paragraph (signatures, annexes) was not imported.", "For the CICA Secretariat")
    ]
    # in source order
    orders = [c.source_indexes[0] for c in clauses]
    assert orders == sorted(orders)


def test_fixture_through_recognise_source():
    data = MOU.read_bytes()
    expected = shape(recognise_akn(data))
    assert shape(recognise_source(data)) == expected
    assert shape(recognise_source(b"\xef\xbb\xbf \n" + data)) == expected  # a BOM and blank space first
    # no declaration, a prefixed root
    prefixed = akn("<article><heading>One</heading><content><p>Text.</p></content></article>").decode()
    prefixed = prefixed.split("\n", 1)[1].replace("<", "<akn:").replace("<akn:/", "</akn:")
    prefixed = prefixed.replace(f'xmlns="{AKN_NAMESPACE}"', f'xmlns:akn="{AKN_NAMESPACE}"')
    assert shape(recognise_source(prefixed.encode())) == [("article", "One", "Text.")]
    # UTF-16 with a byte order mark
    utf16 = MOU.read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert shape(recognise_source(utf16)) == expected


# --- what the markup holds beyond the product's kinds ------------------------------------------------------------


def test_groupings_footnotes_sub_points_and_unknown_elements_are_reported_not_lost():
    data = akn(
        """
        <chapter eId="chp_1"><num>I</num><heading>General</heading>
          <article eId="art_1"><num>1</num><heading>Scope</heading>
            <content><p>It applies<authorialNote eId="n1"><p>Note text.</p></authorialNote> here.</p></content>
          </article>
        </chapter>
        <article eId="art_2"><heading>Forms</heading>
          <intro><p>Through:</p></intro>
          <point><num>(a)</num><content><p>meetings;</p></content>
            <list><point><num>(i)</num><content><p>annual;</p></content></point></list>
          </point>
          <wrapUp><p>as agreed.</p></wrapUp>
          <tblock><p>A table block</p></tblock>
        </article>
        """,
        preface="<p>DRAFT</p><p><docTitle>Memorandum of Understanding</docTitle></p>",
    )
    recognition = recognise_akn(data)
    assert shape(recognition) == [
        ("title", None, "Memorandum of Understanding"),
        ("article", "Scope", "It applies here."),
        ("article", "Forms", "Through:"),
        ("item", None, "meetings;\n(i) annual;\nas agreed."),
    ]
    item = recognition.clauses[3]
    assert [str(w) for w in item.warnings] == [
        "Sub-items such as (i), (ii) are kept with their numbers in the text of this item.",
        "An unnumbered paragraph of the draft was joined to this clause.",
    ]
    notices = [(str(n.message), n.text) for n in recognition.notices]
    assert ("Text of the preface other than the title was not imported.", "DRAFT") in notices
    assert (
        "A grouping above the articles (chapter “I General”) was not imported; its articles were.",
        "I General",
    ) in notices
    assert ("A footnote (on “It applies”) was not imported; its text is kept here.", "Note text.") in notices
    assert (
        "“tblock” of the Akoma Ntoso document was not understood and was not imported; its text is kept here.",
        "A table block",
    ) in notices


def test_points_of_an_article_after_its_paragraphs_follow_the_products_rule():
    data = akn(
        """<article><heading>H</heading>
             <paragraph><content><p>One.</p></content></paragraph>
             <point><content><p>a point</p></content></point>
           </article>"""
    )
    recognition = recognise_akn(data)
    assert [(c.kind.value, c.parent) for c in recognition.clauses] == [
        ("article", None),
        ("paragraph", 0),
        ("item", 1),
    ]
    assert recognition.clauses[2].warnings
    assert str(recognition.notices[0].message).startswith("No title found")


def test_closing_without_an_article_and_text_before_it_are_reported():
    recognition = recognise_akn(
        akn("", preamble="<p>Recalling,</p>", conclusions="<p>Annex list</p><p>Done at Astana.</p>")
    )
    assert shape(recognition) == [("preamble", None, "Recalling,")]
    assert [(str(n.message), n.text) for n in recognition.notices][1:] == [
        ("Text of the conclusions before the closing paragraph was not imported.", "Annex list"),
        ("The closing paragraph (“Done at ...”) has no article to go in.", "Done at Astana."),
    ]


# --- refusals -------------------------------------------------------------------------------------------------

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE akomaNtoso [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><act><body>
<article><content><p>&secret;</p></content></article></body></act></akomaNtoso>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><act><body>
<article><content><p>&lol2;</p></content></article></body></act></akomaNtoso>"""


@pytest.mark.parametrize("data", [EXTERNAL_ENTITY, BILLION_LAUGHS, EXTERNAL_ENTITY.decode().encode("utf-16")])
def test_document_type_and_entities_are_refused(data):
    for read in (recognise_akn, recognise_source):
        with pytest.raises(ImportRefused) as refused:
            read(data)
        assert "document type or entity declaration" in str(refused.value.message)


def test_doctype_alone_is_refused():
    data = MOU.read_bytes().replace(b"<akomaNtoso ", b"<!DOCTYPE akomaNtoso>\n<akomaNtoso ", 1)
    with pytest.raises(ImportRefused, match="document type"):
        recognise_source(data)


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><note><to>Tove</to></note>',
        b"<html><body><p>Article 1</p></body></html>",
        b"<!DOCTYPE html>\n<html><p>x</p></html>",
        b'<?xml version="1.0"?><akomaNtoso><act><body/></act></akomaNtoso>',  # no namespace
    ],
)
def test_other_xml_and_html_are_refused(data):
    with pytest.raises(ImportRefused) as refused:
        recognise_source(data)
    assert refused.value.message == NOT_AKN


def test_non_akn_xml_is_refused_with_the_clear_message():
    with pytest.raises(ImportRefused) as refused:
        recognise_akn(b'<?xml version="1.0"?><note><to>Tove</to></note>')
    assert refused.value.message == NOT_AKN


def test_other_version_other_type_damaged_and_too_big_are_refused():
    with pytest.raises(ImportRefused, match="another version"):
        recognise_akn(b'<akomaNtoso xmlns="http://www.akomantoso.org/2.0"><act/></akomaNtoso>')
    with pytest.raises(ImportRefused, match="“debate”"):
        recognise_akn(akn("", kind="debate"))
    with pytest.raises(ImportRefused, match="not well-formed"):
        recognise_akn(MOU.read_bytes()[:-40])
    with pytest.raises(ImportRefused, match="has no text"):
        recognise_akn(akn(""))
    with pytest.raises(ImportRefused, match="the limit is"):
        recognise_akn(b"<?xml" + b" " * MAX_FILE_BYTES)


def test_plain_text_is_still_text():
    recognition = recognise_source(b"Memorandum of Understanding\n\nArticle 1 Scope\n\nText < more.")
    assert [c.kind for c in recognition.clauses][:2] == [ClauseKind.title, ClauseKind.article]


# --- a round trip of the demo draft ------------------------------------------------------------------------------


def build_akn(draft: list[dict]) -> bytes:
    """An AKN <act> of a draft in demo_text's shape (valid against the schema): the title in the preface, the
    preamble (the operative formula as the enacting formula), articles with paragraphs and points, and the
    closing formula in the conclusions."""
    meta = etree.parse(str(MOU)).getroot().find(f"{A}doc/{A}meta")
    root = etree.Element(f"{A}akomaNtoso", nsmap={None: AKN_NAMESPACE})
    act = etree.SubElement(root, f"{A}act", name="memorandumOfUnderstanding")
    act.append(copy.deepcopy(meta))
    preface = etree.SubElement(act, f"{A}preface")
    preamble = etree.SubElement(act, f"{A}preamble")
    body = etree.SubElement(act, f"{A}body")
    conclusions = None

    def paragraphs(parent: etree._Element, text: str) -> None:
        for line in text.split("\n"):
            etree.SubElement(parent, f"{A}p").text = line

    def sub(parent: etree._Element, tag: str, number: str, **attrs: str) -> etree._Element:
        element = etree.SubElement(parent, f"{A}{tag}", **attrs)
        etree.SubElement(element, f"{A}num").text = number
        return element

    recitals = None
    for clause in draft:
        if clause["kind"] == "title":
            long_title = etree.SubElement(preface, f"{A}longTitle")
            etree.SubElement(etree.SubElement(long_title, f"{A}p"), f"{A}docTitle").text = clause["en"]
        elif clause["kind"] == "preamble" and is_operative_formula(clause["en"]):
            paragraphs(etree.SubElement(preamble, f"{A}formula", name="enactingFormula"), clause["en"])
        elif clause["kind"] == "preamble" and len(preamble) == 0:
            paragraphs(preamble, clause["en"])
        elif clause["kind"] == "preamble":
            if recitals is None:
                recitals = etree.SubElement(preamble, f"{A}recitals")
            paragraphs(etree.SubElement(recitals, f"{A}recital"), clause["en"])
        else:
            number = len(body) + 1
            article = sub(body, "article", f"Article {number}", eId=f"art_{number}")
            etree.SubElement(article, f"{A}heading").text = clause["heading"]
            children = [c for c in clause["children"] if not is_closing_formula(c["en"])]
            closing = [c for c in clause["children"] if is_closing_formula(c["en"])]
            if closing:
                conclusions = closing[0]["en"]
            if not children:
                paragraphs(etree.SubElement(article, f"{A}content"), clause["en"])
                continue
            paragraphs(etree.SubElement(article, f"{A}intro"), clause["en"])
            for position, child in enumerate(children, 1):
                tag = "paragraph" if child["kind"] == "paragraph" else "point"
                label = f"{position}." if tag == "paragraph" else f"({chr(96 + position)})"
                element = sub(article, tag, label)
                paragraphs(etree.SubElement(element, f"{A}content"), child["en"])
    if conclusions is not None:
        paragraphs(etree.SubElement(act, f"{A}conclusions"), conclusions)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def flatten(draft: list[dict]) -> list[tuple[str, str | None, str]]:
    out = []
    for clause in draft:
        out.append((clause["kind"], clause["heading"], clause["en"]))
        out.extend(flatten(clause["children"]))
    return out


def test_round_trip_of_the_demo_draft(schema):
    data = build_akn(DRAFT)
    schema.assertValid(etree.fromstring(data).getroottree())
    recognition = recognise_akn(data)
    assert shape(recognition) == flatten(DRAFT)
    assert not recognition.notices
    assert recognise_source(data).clauses == recognition.clauses
    # the structure too: items of Article 1 sit under the article, paragraphs under theirs
    kinds = [
        (c.kind.value, recognition.clauses[c.parent].kind.value if c.parent is not None else None)
        for c in recognition.clauses
    ]
    assert ("item", "article") in kinds and ("paragraph", "article") in kinds
    assert [str(w) for c in recognition.clauses for w in c.warnings] == [CLOSING_WARNING]


def test_a_paragraph_outside_any_article_is_reported():
    recognition = recognise_akn(
        akn(
            "<paragraph><num>1.</num><content><p>Loose.</p></content></paragraph><article><heading>H</heading></article>"
        )
    )
    assert shape(recognition) == [("article", "H", "")]
    assert [(str(n.message), n.text) for n in recognition.notices][1:] == [
        ("A numbered paragraph before the first article was not imported.", "1. Loose.")
    ]


# --- proposals in the file: <ins>/<del> and the export's amendment documents -----------------------------------


def test_marked_insertions_are_left_out_and_marked_deletions_kept_the_base_text_is_read():
    recognition = recognise_akn(
        akn(
            "<article><num>Article 1</num><heading>Scope<ins> and aims</ins></heading><content>"
            "<p>The Participants <del>may</del><ins>shall</ins> cooperate<ins> closely</ins>.</p></content></article>"
        )
    )
    assert shape(recognition) == [("article", "Scope", "The Participants may cooperate.")]
    assert [(str(n.message), n.text) for n in recognition.notices][1:] == [
        (INSERTED_NOTICE, "and aims"),
        (INSERTED_NOTICE, "shall"),
        (INSERTED_NOTICE, "closely"),
    ]


INSERTED_NOTICE = (
    "Words marked as a proposed insertion were not imported: the draft is read as it stands before the proposals; "
    "the words are kept here."
)


def _export_of_the_demo_draft(amendments: list, shown: str = "tabled") -> tuple[bytes, dict]:
    """The product's own export (exports.akn) of the demo draft in English, without an app."""
    import datetime as dt

    from mou_tracker.exports import akn as export

    flat: list = []

    def walk(clauses: list[dict], depth: int) -> None:
        for position, clause in enumerate(clauses, start=1):
            kind = ClauseKind(clause["kind"])
            label = {ClauseKind.article: f"Article {position}", ClauseKind.paragraph: f"{position}."}.get(
                kind, f"({chr(96 + position)})"
            )
            flat.append(
                export.AknClause(
                    wid=f"w{len(flat) + 1}",
                    kind=kind,
                    depth=depth,
                    label=label,
                    heading=clause["heading"],
                    body=clause["en"],
                )
            )
            walk(clause["children"], depth + 1)

    walk(DRAFT, 0)
    day = dt.date(2024, 3, 1)
    document = export.AknDocument(
        slug="demo",
        title="MoU",
        language="en",
        first_draft=day,
        as_of=day,
        generated_at=dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC),
        parties=[("CICA", "CICA Secretariat"), ("UNOCT", "UNOCT")],
        clauses=export.tree(flat),
        adoptions=[],
        meetings=[],
        amendments_shown=export.AmendmentsShown(shown),
        amendments=amendments,
    )
    return export.expression(document), {c.wid: c for c in flat}


def _amendment(citation: str, kind: str, wid: str | None, current, proposed, target: str = "Article 1"):
    """An amendment as services.record gives it: its changes against the current words, diffed by the engine."""
    import datetime as dt

    from mou_tracker.core.redline import diff_tokens
    from mou_tracker.core.workflow import AmendmentKind
    from mou_tracker.exports import akn as export

    (heading, body), (new_heading, new_body) = current, proposed
    return export.AknAmendment(
        citation=citation,
        party=citation.split("-")[0],
        kind=AmendmentKind(kind),
        tabled=dt.date(2024, 3, 2),
        revised=dt.date(2024, 3, 3),
        clause_wid=wid,
        target=target,
        heading=diff_tokens(heading or "", new_heading or "") if heading or new_heading else None,
        body=None if new_body is None and kind != "delete" else diff_tokens(body or "", new_body or ""),
        rationale="Because.\nAnd more.",
        without_wording="No wording in this language.",
    )


def test_the_exports_amendments_are_valid_and_the_draft_reads_back_without_them(schema):
    from mou_tracker.exports import akn as export

    _data, clauses = _export_of_the_demo_draft([])
    article = next(c for c in clauses.values() if c.kind is ClauseKind.article and c.heading)
    old = (article.heading, "First line.\nSecond line stays.")
    amendments = [
        _amendment(
            "UNOCT-1", "change", article.wid, old, (article.heading + " and aims", "First words.\nSecond line stays.")
        ),
        _amendment("CICA-1", "change", article.wid, old, (None, None)),  # no words in this language
        _amendment("CICA-2", "delete", article.wid, old, (None, None)),
        _amendment("UNOCT-2", "insert", article.wid, (None, None), (None, "A new paragraph."), "A new clause after"),
    ]
    data, _clauses = _export_of_the_demo_draft(amendments)
    root = etree.fromstring(data)
    schema.assertValid(root.getroottree())
    alone, _clauses = _export_of_the_demo_draft([], shown="none")
    schema.assertValid(etree.fromstring(alone).getroottree())
    # The act is the same in both files, and reads back as the same clauses; each amendment is reported.
    recognition = recognise_akn(data)
    assert recognition.clauses == recognise_akn(alone).clauses
    reported = [str(n.message) for n in recognition.notices]
    assert [m for m in reported if m.startswith("The amendment ")] == [
        f"The amendment {c} in the file was not imported: the draft is imported without the proposals made to it; "
        "its words are kept here."
        for c in ("UNOCT-1", "CICA-1", "CICA-2", "UNOCT-2")
    ]
    notice = next(n for n in recognition.notices if "UNOCT-1" in str(n.message))
    assert "First words." in notice.text and "First line." not in notice.text  # as proposed
    documents = root.findall(f"{A}documentCollection/{A}collectionBody/{A}component/{A}amendment")
    unoct1, cica1, cica2, unoct2 = documents
    content = unoct1.find(f".//{A}amendmentContent/{A}blockContainer")
    assert [etree.QName(e).localname for e in content] == ["heading", "p", "p"]
    assert [(m.text, m.get("refersTo")) for m in content.find(f"{A}heading")] == [(" and aims", "#unoct #unoct-1")]
    assert content[1].text == "First "
    assert [(etree.QName(m).localname, m.text, m.tail) for m in content[1]] == [
        ("del", "line", None),
        ("ins", "words", "."),
    ]
    assert content[2].text == "Second line stays." and len(content[2]) == 0
    assert [p.text for p in cica1.find(f".//{A}amendmentContent/{A}blockContainer")] == ["No wording in this language."]
    struck = cica2.find(f".//{A}amendmentContent/{A}blockContainer")
    assert {etree.QName(m).localname for p in struck for m in p} == {"del"}
    assert unoct2.find(f".//{A}textualMod").get("type") == "insertion"
    assert [p.text for p in unoct1.find(f".//{A}amendmentJustification")] == ["Because.", "And more."]
    # A reference the schema cannot check: every refersTo names an element of the file's references.
    ids = {e.get("eId") for e in root.iter() if etree.QName(e).localname.startswith("TLC")}
    for mark in root.iter(f"{A}ins", f"{A}del"):
        assert {r.removeprefix("#") for r in mark.get("refersTo").split()} <= ids
    assert export.AmendmentsShown("none") is export.AmendmentsShown.none


def test_a_collection_without_a_draft_is_refused_clearly():
    collection = (
        f'<akomaNtoso xmlns="{AKN_NAMESPACE}"><documentCollection><collectionBody><component><amendment>'
        "<amendmentBody><amendmentContent><p>x</p></amendmentContent></amendmentBody></amendment></component>"
        "</collectionBody></documentCollection></akomaNtoso>"
    ).encode()
    with pytest.raises(ImportRefused, match="holds no bill, act, doc or statement"):
        recognise_akn(collection)
