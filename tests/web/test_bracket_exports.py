"""Square brackets shown distinctly in redlines and exports (issue #17, item 1: "not by colour alone").

A reader notices: in a redline on a page, in English and in Russian, every negotiating bracket is marked (a frame
and weight, announced to a screen reader in the reader's language), inside insertions and deletions too; a bracket
the negotiators declared part of the wording is not; the Word exports give the bracketed words the character style
"Negotiating brackets" (bold in a frame), which LibreOffice reads back, while accepting or rejecting every tracked
change still gives exactly the two drafts; the PDFs keep the brackets in their text.
"""

from __future__ import annotations

import html as html_module
import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from lxml import etree
from lxml import html as lxml_html
from pypdf import PdfReader

from mou_tracker.core.attribution import CreditedSegment
from mou_tracker.core.redline import Op
from mou_tracker.exports.docx import (
    BRACKET_STYLE,
    BRACKET_STYLE_ID,
    add_bracketed_runs,
    bracketed_pieces,
    ensure_bracket_style,
)
from tests.conftest import DEMO_HOME, add_clause_version, wid_of
from tests.services.test_agreement import review
from tests.services.test_amendments import act, amendment_id, propose
from tests.web.test_exports_docx_exact import (
    _clean,
    _instrument_part,
    _libreoffice_texts,
    _redline,
    libreoffice,
    resolved_paragraphs,
)
from tests.web.test_i18n_russian import in_russian

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SIGNATURE = "Done at [place]"
CITATION_CLAUSE = "The Participants will consult"
#: Article 3 (Forms of cooperation), in English and Russian; the alternatives a delegation puts to its verb.
FORMS = "The Participants will implement this Memorandum"
ENGLISH = "The Participants [shall][will] implement this Memorandum through, inter alia:"
RUSSIAN = "Участники [обязуются][будут] осуществлять настоящий Меморандум, в частности, посредством:"


def _propose_both(browser, wid: str, en: str, ru: str) -> int:
    """The proposal form filled in as a person would: new English and Russian words, the headings as shown."""
    url = f"/clauses/{wid}/amend"
    form = browser.get(url).get_data(as_text=True)
    data = {"body_en": en, "body_ru": ru, "rationale": "Alternatives for the table."}
    for name in ("heading_en", "heading_ru"):
        shown = re.search(rf'name="{name}" type="text" value="([^"]*)"', form)
        if shown:
            data[name] = html_module.unescape(shown.group(1))
    return amendment_id(browser.post(url, data))


def _marked(element) -> list[str]:
    """The visible text of each outermost marked bracket span under `element`, in order (the screen-reader words
    left out)."""
    pieces = []
    for span in element.xpath(".//span[contains(concat(' ', @class, ' '), ' bracket ')]"):
        if span.xpath("ancestor::span[contains(concat(' ', @class, ' '), ' bracket ')]"):
            continue
        copy = lxml_html.fromstring(lxml_html.tostring(span, encoding="unicode"))
        for hidden in copy.xpath(".//span[@class='visually-hidden']"):
            hidden.drop_tree()
        pieces.append(copy.text_content())
    return pieces


def _redline_bodies(page: str, language: str) -> list:
    return lxml_html.fromstring(page).xpath(f"//div[@class='redline'][@lang='{language}']//p[@class='redline-body']")


@pytest.fixture
def alternatives(app, people):
    """UNOCT tables "[shall][will]" for Article 3, in English and in Russian."""
    wid = wid_of(app, FORMS)
    proposed = _propose_both(people["unoct.negotiator"], wid, ENGLISH, RUSSIAN)
    assert act(people["unoct.negotiator"], proposed, "table").status_code == 302
    return wid, proposed


def test_a_redline_marks_each_bracket_on_the_page_in_english_and_russian(app, people, alternatives):
    wid, proposed = alternatives
    reader = people["cica.negotiator"]
    for url in (f"/amendments/{proposed}", f"/amendments/{proposed}?view=side", f"/clauses/{wid}?lang=both"):
        page = reader.get(url).get_data(as_text=True)
        for language, expected in (("en", "[shall][will]"), ("ru", "[обязуются][будут]")):
            bodies = _redline_bodies(page, language)
            assert bodies, (url, language)
            # Every character of both alternatives is marked, whether the diff cut them or not.
            assert any("".join(_marked(body)) == expected for body in bodies), (url, language)
            inserted = [p for body in bodies for ins in body.xpath(".//ins") for p in _marked(ins)]
            assert inserted, (url, language)  # the marks stand inside the insertion, underlined with it
    page = reader.get(f"/amendments/{proposed}").get_data(as_text=True)
    assert '<span class="visually-hidden">bracketed: </span>' in page
    # In Russian, a screen reader says so in Russian; the marks are the same.
    page = in_russian(reader).get(f"/amendments/{proposed}").get_data(as_text=True)
    assert '<span class="visually-hidden">в скобках: </span>' in page
    assert any("".join(_marked(body)) == "[обязуются][будут]" for body in _redline_bodies(page, "ru"))


def test_the_whole_draft_redline_marks_brackets_in_changes_credited_to_their_amendments(app, people, alternatives):
    chair = people["cica.chair"]
    page = chair.get("/redline?from=now&to=party:UNOCT").get_data(as_text=True)
    assert any("".join(_marked(body)) == "[shall][will]" for body in _redline_bodies(page, "en"))
    assert any("".join(_marked(body)) == "[обязуются][будут]" for body in _redline_bodies(page, "ru"))


def test_a_declared_plain_bracket_is_not_marked_in_the_clause_pages_redlines(app, people):
    wid = wid_of(app, CITATION_CLAUSE)
    add_clause_version(app, wid, "The Participants will consult as provided in paragraph 3 [of Article 2].")
    negotiator = people["cica.negotiator"]
    declared = negotiator.post(
        f"/clauses/{wid}/brackets",
        {"listed": "[of Article 2]", "plain": "[of Article 2]"},
        token_from=f"/clauses/{wid}",
    )
    assert declared.status_code == 302
    proposed = amendment_id(
        propose(
            people["unoct.negotiator"],
            wid,
            "The Participants will [promptly] consult as provided in paragraph 3 [of Article 2].",
        )
    )
    assert act(people["unoct.negotiator"], proposed, "table").status_code == 302
    page = negotiator.get(f"/clauses/{wid}").get_data(as_text=True)
    amendments = lxml_html.fromstring(page).get_element_by_id("amendments")
    bodies = amendments.xpath(".//div[@class='redline'][@lang='en']//p[@class='redline-body']")
    assert bodies and all(_marked(body) == ["[promptly]"] for body in bodies)
    assert "[of Article 2]" in bodies[0].text_content()  # shown, as plain text
    # The version history's redline (the version that brought the citation in) leaves it plain too.
    history = lxml_html.fromstring(page).xpath("//ol[@class='versions']//p[@class='redline-body']")
    assert any("[of Article 2]" in body.text_content() for body in history)
    assert not any(piece for body in history for piece in _marked(body))
    # The amendment's own page and the whole-draft redline (page and Word) leave it plain as well.
    for url in (f"/amendments/{proposed}", f"/amendments/{proposed}?view=side", "/redline?from=now&to=party:UNOCT"):
        bodies = _redline_bodies(negotiator.get(url).get_data(as_text=True), "en")
        shown = [body for body in bodies if "[of Article 2]" in body.text_content()]
        marked = [piece for body in shown for piece in _marked(body)]
        assert shown and "[promptly]" in marked and not any("of Article 2" in piece for piece in marked), url
    word = negotiator.get("/exports/redline.docx?from=now&to=party:UNOCT")
    assert word.status_code == 200
    styled = [text for text, _change in _styled_pieces(word.data)]
    assert "[promptly]" in "".join(styled) and "of Article 2" not in "".join(styled)


# Word -----------------------------------------------------------------------------------------------------------


def _xml(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return etree.fromstring(package.read(name))


def _styled_pieces(data: bytes) -> list[tuple[str, str]]:
    """(text, "ins"/"del"/"") of each run carrying the bracket style, in document order."""
    pieces = []
    for run in _xml(data, "word/document.xml").iter(f"{W}r"):
        style = run.find(f"{W}rPr/{W}rStyle")
        if style is None or style.get(f"{W}val") != BRACKET_STYLE_ID:
            continue
        change = next((a.tag[len(W) :] for a in run.iterancestors() if a.tag in (f"{W}ins", f"{W}del")), "")
        text = "".join(t.text or "" for t in run.iter(f"{W}t", f"{W}delText"))
        pieces.append((text, change))
    return pieces


def test_the_shared_word_helpers_style_the_brackets_of_any_document():
    """For the other Word exports (the rolling text, the history): one style, added once, and runs cut at the
    brackets, the declared plain ones left as they are."""
    document = Document()
    ensure_bracket_style(document)
    ensure_bracket_style(document)  # a second time changes nothing
    assert sum(1 for style in document.styles if style.name == BRACKET_STYLE) == 1
    paragraph = document.add_paragraph()
    runs = add_bracketed_runs(paragraph, "Done at [place], under paragraph 3 [of Article 2]", ["[of Article 2]"])
    assert [(run.text, run.style.name if run.style.name == BRACKET_STYLE else None) for run in runs] == [
        ("Done at ", None),
        ("[place]", BRACKET_STYLE),
        (", under paragraph 3 [of Article 2]", None),
    ]
    pieces = bracketed_pieces([CreditedSegment(Op.equal, "[pla"), CreditedSegment(Op.insert, "ce]")])
    assert pieces == [[("[pla", True)], [("ce]", True)]]


@pytest.fixture
def adopted(app, people):
    """The SWG frozen; then "[shall][will]" adopted into Article 3 (UNOCT, concurred by CICA, cleared by CICA's
    legal reviewer); then UNOCT tables a change inside the signature clause's "[place]" bracket."""
    chair = people["cica.chair"]
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    unoct = people["unoct.negotiator"]
    first = _propose_both(unoct, wid_of(app, FORMS), ENGLISH, RUSSIAN)
    assert act(unoct, first, "table").status_code == 302
    assert act(people["cica.negotiator"], first, "concur").status_code == 302
    assert review(people["cica.legal"], first).status_code == 302
    signature = wid_of(app, SIGNATURE)
    second = amendment_id(
        propose(
            unoct,
            signature,
            "Done at [place of signature], on [date], in two originals in the English and Russian languages, both "
            "texts being equally authentic.",
        )
    )
    assert act(unoct, second, "table").status_code == 302
    return chair


def test_word_exports_give_the_bracketed_words_the_bracket_style(app, adopted):
    chair = adopted
    clean = _clean(chair, "now")
    styles = _xml(clean, "word/styles.xml")
    style = styles.find(f"{W}style[@{W}styleId='{BRACKET_STYLE_ID}']")
    assert style is not None and style.get(f"{W}type") == "character"
    assert style.find(f"{W}name").get(f"{W}val") == BRACKET_STYLE
    assert style.find(f"{W}rPr/{W}b") is not None and style.find(f"{W}rPr/{W}bdr") is not None  # not colour
    texts = [text for text, _ in _styled_pieces(clean)]
    for expected in ("[shall]", "[will]", "[place]", "[date]", "[обязуются]", "[будут]"):
        assert expected in texts, (expected, texts)
    assert all(text.startswith("[") and text.endswith("]") for text in texts)  # whole brackets, nothing more

    # The redline since the SWG: the alternatives inserted around the word that stays ("will", "будут"): every
    # piece of both brackets styled, the inserted ones inside the insertion.
    since = _styled_pieces(_redline(chair, "milestone:SWG", "now"))
    kept = "".join(text for text, change in since if change != "del")
    assert "[shall][will]" in kept and "[обязуются][будут]" in kept
    assert any(change == "ins" and "[shall]" in text for text, change in since)
    # UNOCT's open change inside "[place]": the bracket is cut by the change and each piece is styled, inside the
    # tracked insertion too; what stays out of brackets is not styled.
    party = _styled_pieces(_redline(chair, "now", "party:UNOCT"))
    pieces_of_place = [piece for piece in party if "place" in piece[0] or piece[0] in ("]", " of signature")]
    assert "".join(text for text, _ in pieces_of_place).startswith("[place")
    assert any(change == "ins" for _, change in pieces_of_place)
    assert "".join(text for text, change in pieces_of_place if change != "del") == "[place of signature]"


def test_the_history_word_file_styles_the_brackets_in_who_wrote_this_and_in_each_redline(app, adopted):
    chair = adopted
    for language, expected in (("en", "[shall][will]"), ("ru", "[обязуются][будут]")):
        word = chair.get(f"{DEMO_HOME}clauses/{wid_of(app, FORMS)}/history.docx?lang={language}")
        assert word.status_code == 200, word.get_data(as_text=True)[-3000:]
        pieces = _styled_pieces(word.data)
        styled = "".join(text for text, _change in pieces)
        # Who wrote this (the runs of the adopted text), the tabled wording and its redline: each time styled.
        assert styled.count(expected) >= 2, (language, styled)
        assert all(text.startswith("[") or text.endswith("]") or "[" not in text for text, _ in pieces)


def test_a_declared_plain_bracket_is_not_styled_in_the_clean_word_export(app, people):
    wid = wid_of(app, CITATION_CLAUSE)
    add_clause_version(app, wid, "The Participants will consult as provided in paragraph 3 [of Article 2].")
    negotiator = people["cica.negotiator"]
    texts = [text for text, _ in _styled_pieces(_clean(negotiator, "now"))]
    assert "[of Article 2]" in texts
    negotiator.post(
        f"/clauses/{wid}/brackets",
        {"listed": "[of Article 2]", "plain": "[of Article 2]"},
        token_from=f"/clauses/{wid}",
    )
    texts = [text for text, _ in _styled_pieces(_clean(negotiator, "now"))]
    assert "[of Article 2]" not in texts and "[place]" in texts


def _libreoffice_flat(tmp_path: Path, data: bytes, name: str) -> etree._Element:
    """The DOCX as LibreOffice reads it, saved in its own flat format (FODT)."""
    source = tmp_path / f"{name}.docx"
    source.write_bytes(data)
    profile = tmp_path / f"profile-{name}"
    done = subprocess.run(  # noqa: S603 -- fixed arguments
        [  # noqa: S607 -- soffice from the PATH, as a person runs it
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "fodt",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return etree.parse(str(tmp_path / f"{name}.fodt")).getroot()


ODF_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def _spans_in_style(root: etree._Element, display_name: str) -> list[str]:
    """The text of every span LibreOffice put in the character style `display_name` (directly or through an
    automatic style based on it)."""
    named = {
        s.get(f"{ODF_STYLE}name")
        for s in root.iter(f"{ODF_STYLE}style")
        if s.get(f"{ODF_STYLE}family") == "text"
        and display_name in (s.get(f"{ODF_STYLE}display-name"), s.get(f"{ODF_STYLE}name"))
    }
    assert named, f"LibreOffice knows no character style {display_name!r}"
    based = {
        s.get(f"{ODF_STYLE}name")
        for s in root.iter(f"{ODF_STYLE}style")
        if s.get(f"{ODF_STYLE}parent-style-name") in named
    }
    return [
        "".join(span.itertext())
        for span in root.iter(f"{ODF_TEXT}span")
        if span.get(f"{ODF_TEXT}style-name") in named | based
    ]


@libreoffice
def test_libreoffice_reads_the_bracket_style_and_accept_reject_give_the_same_texts(app, adopted, tmp_path):
    chair = adopted
    clean_now = _clean(chair, "now")
    flat = _libreoffice_flat(tmp_path, clean_now, "clean")
    styled = _spans_in_style(flat, BRACKET_STYLE)
    for expected in ("[shall]", "[will]", "[place]", "[date]", "[обязуются]", "[будут]"):
        assert any(expected in span for span in styled), (expected, styled)
    assert all(span.startswith("[") and span.endswith("]") for span in styled), styled  # nothing else styled
    # The bracket style is bold in a frame as LibreOffice reads it, not a colour.
    style = next(
        s
        for s in flat.iter(f"{ODF_STYLE}style")
        if BRACKET_STYLE in (s.get(f"{ODF_STYLE}display-name"), s.get(f"{ODF_STYLE}name"))
    )
    properties = style.find(f"{ODF_STYLE}text-properties")
    assert properties.get("{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}font-weight") == "bold"
    # (a character border: "fo:border" in ODF, "loext:border" as LibreOffice 7 writes it)
    borders = [value for name, value in properties.attrib.items() if etree.QName(name).localname == "border"]
    assert any("solid" in value for value in borders), properties.attrib

    # Accept all and reject all, by LibreOffice, give exactly the clean drafts, in both languages.
    since = _redline(chair, "milestone:SWG", "now")
    party = _redline(chair, "now", "party:UNOCT")
    texts = _libreoffice_texts(
        tmp_path,
        {
            "clean_swg": (_clean(chair, "milestone:SWG"), "none"),
            "clean_now": (clean_now, "none"),
            "since.accept": (since, "accept"),
            "since.reject": (since, "reject"),
            "party.reject": (party, "reject"),
            "party.accept": (party, "accept"),
        },
    )
    texts = {name: _instrument_part(lines, "English text") for name, lines in texts.items()}
    assert any("[shall][will]" in line for line in texts["clean_now"])
    assert any("[обязуются][будут]" in line for line in texts["clean_now"])
    assert texts["since.accept"] == texts["clean_now"] and texts["since.reject"] == texts["clean_swg"]
    assert texts["party.reject"] == texts["clean_now"]
    assert any("Done at [place of signature], on [date]" in line for line in texts["party.accept"])
    # The XML reading agrees (the same rules, without LibreOffice).
    assert _instrument_part(resolved_paragraphs(since, accept=True), "English text") == _instrument_part(
        resolved_paragraphs(clean_now, accept=True), "English text"
    )


# PDF ------------------------------------------------------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def test_the_pdfs_keep_the_brackets_and_not_the_screen_reader_words(app, adopted):
    chair = adopted
    for url, expected in (
        # A redline reads "[shall][" (inserted), "will" (kept), "]" (inserted), each change tagged with its party.
        ("/exports/redline.pdf?from=milestone:SWG&to=now", "[shall]["),
        (f"/n/cica-unoct-mou/clauses/{wid_of(app, FORMS)}/history.pdf?lang=en", "[shall]["),
        # The meeting pack holds the current text as well.
        ("/meetings/SOC/pack.pdf", "[shall][will]"),
    ):
        response = chair.get(url)
        assert response.status_code == 200, url
        text = _pdf_text(response.data)
        assert expected in text.replace(" ", ""), url
        assert "bracketed:" not in text, url
    # The page a PDF is made from marks them (the same templates and style sheet).
    page = chair.get("/redline?from=milestone:SWG&to=now").get_data(as_text=True)
    assert any("".join(_marked(body)) == "[shall][will]" for body in _redline_bodies(page, "en"))
