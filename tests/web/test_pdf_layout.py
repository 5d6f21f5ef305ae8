"""The PDFs fit the paper and speak the reader's language (issue #20, items 6 and 7)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from mou_tracker.exports.pdf import page_counter, paper_size
from mou_tracker.extensions import db
from mou_tracker.models import User
from tests.conftest import wid_of
from tests.services.test_amendments import act, amendment_id, as_user
from tests.web.test_reports import known  # noqa: F401  (the fixture: a negotiation with known numbers)

MM = 72 / 25.4  # PDF points per millimetre


def speaks(app, login: str, language: str) -> None:
    with app.app_context():
        db.session.scalar(db.select(User).filter_by(login=login)).language = language
        db.session.commit()


def _glyph_widths(font) -> tuple[dict[int, float], float]:
    """{glyph id: advance in thousandths of an em} of a WeasyPrint (Type0, Identity-H) font, and the default."""
    descendant = font["/DescendantFonts"][0].get_object()
    widths: dict[int, float] = {}
    spec = list(descendant.get("/W", []))
    i = 0
    while i < len(spec):
        first, rest = int(spec[i]), spec[i + 1]
        if isinstance(rest, list):
            widths.update({first + n: float(w) for n, w in enumerate(rest)})
            i += 2
        else:
            widths.update({g: float(spec[i + 2]) for g in range(first, int(rest) + 1)})
            i += 3
    return widths, float(descendant.get("/DW", 1000))


def _times(m, n) -> list[float]:
    """The product of two PDF matrices [a b c d e f] (m applied first)."""
    return [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]


def text_runs(data: bytes) -> list[tuple[int, float, float, float]]:
    """Every run of text drawn on every page: (page number, page width, x where it starts, x where it ends),
    measured from the glyph advances of the embedded fonts (points, from the left edge of the page). Text inside
    form XObjects (WeasyPrint draws SVG charts so) is placed with the form's matrix and the one it was drawn with:
    pypdf visits a form with its own coordinates."""
    reader = PdfReader(io.BytesIO(data))
    runs = []
    for number, page in enumerate(reader.pages, start=1):
        width = float(page.mediabox.width)
        # One entry per form being drawn: (the matrix from its space to the page's, its resources).
        forms = [([1.0, 0.0, 0.0, 1.0, 0.0, 0.0], page["/Resources"])]
        state = {"font": None, "size": 0.0}

        def before(operator, operands, cm, tm, state=state, forms=forms, number=number, width=width):
            outer, resources = forms[-1]
            if operator == b"Do":
                form = resources["/XObject"][operands[0]].get_object()
                matrix = [float(v) for v in form.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                forms.append((_times(_times(matrix, cm), outer), form.get("/Resources", resources)))
                return
            if operator == b"Tf":
                font = resources["/Font"][operands[0]].get_object()
                state["font"], state["size"] = _glyph_widths(font), float(operands[1])
            if operator not in (b"Tj", b"TJ") or state["font"] is None:
                return
            glyphs, default = state["font"]
            advance = 0.0
            for part in operands[0] if operator == b"TJ" else [operands[0]]:
                if isinstance(part, bytes):
                    ids = [int.from_bytes(part[i : i + 2], "big") for i in range(0, len(part), 2)]
                    advance += sum(glyphs.get(g, default) for g in ids) / 1000 * state["size"]
                else:
                    advance -= float(part) / 1000 * state["size"]
            placed = _times(_times([float(v) for v in tm], [float(v) for v in cm]), outer)
            start, end = placed[4], placed[4] + advance * placed[0]
            runs.append((number, width, min(start, end), max(start, end)))

        def after(operator, operands, cm, tm, forms=forms):
            if operator == b"Do":
                forms.pop()

        page.extract_text(visitor_operand_before=before, visitor_operand_after=after)
    return runs


def text_outside_margins(data: bytes, margin_mm: float = 16) -> list[tuple[int, float, float]]:
    """The runs of text that start before the left margin or end past the right one: (page, start mm, end mm)."""
    margin = margin_mm * MM - 1  # a glyph's side bearing may reach a hair into the margin
    return [
        (page, round(start / MM, 1), round(end / MM, 1))
        for page, width, start, end in text_runs(data)
        if start < margin or end > width - margin
    ]


NEW_CLAUSE = "Countering the use of new technologies for terrorist purposes."


@pytest.fixture
def with_insertion(app, known):  # noqa: F811
    """The known negotiation, and a new paragraph UNOCT has tabled at the end of Article 2."""
    unoct = known["unoct.negotiator"]
    inserted = unoct.post(
        f"/propose/new-clause?parent={wid_of(app, 'Proceeding from the above objectives')}"
        f"&after={wid_of(app, 'Building the capacity of the national criminal justice')}",
        {"kind": "paragraph", "body_en": NEW_CLAUSE, "rationale": "A sixth area."},
    )
    assert act(unoct, amendment_id(inserted), "table").status_code == 302
    return known


def pdf_of(browser, url: str) -> tuple[bytes, list[str]]:
    response = browser.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.get_data()[:300]
    # Words hyphenated at a line end ("Under‐ standing") are read whole again.
    pages = [
        re.sub(r"\s+", " ", re.sub(r"\u2010\s+", "", page.extract_text()))
        for page in PdfReader(io.BytesIO(response.data)).pages
    ]
    return response.data, pages


def test_the_english_pack_and_status_report_fit_a4_and_the_pack_compiles_a_proposed_new_clause(app, with_insertion):
    chair = with_insertion["cica.chair"]
    pack, pages = pdf_of(chair, "/meetings/SOC/pack.pdf")
    assert text_outside_margins(pack) == []
    assert all(f"Page {n} of {len(pages)}" in text for n, text in enumerate(pages, start=1))
    # Headings are in capitals (CSS): compare without case.
    compilation = " ".join(pages).split("2. Compilation of proposals")[-1].split("3. Redline")[0].lower()
    # The tabled insertion has its row, at its place: after Article 2(5), before Article 3.
    assert "a new clause after article 2(5)" in compilation and "unoct-3" in compilation
    new_row = compilation.index("a new clause after article 2(5)")
    assert (
        compilation.index("article 2(5)")
        < new_row
        < compilation.index(NEW_CLAUSE.lower())
        < compilation.index("article 3 ")
    )
    report, _pages = pdf_of(chair, "/dashboard.pdf")
    assert text_outside_margins(report) == []
    page = chair.get("/meetings/SOC/pack?article=2").get_data(as_text=True)  # the pack is read by article
    assert "a new clause after Article 2(5)" in page and NEW_CLAUSE in page


def test_the_russian_pack_and_status_report_fit_the_page_and_speak_russian(app, with_insertion):
    speaks(app, "cica.chair", "ru")
    chair = with_insertion["cica.chair"]
    pack, pages = pdf_of(chair, "/meetings/SOC/pack.pdf")
    # The Status column was cut off on pages 9 to 21 of 22: nothing may start or end outside the margins.
    assert text_outside_margins(pack) == []
    assert all(f"Страница {n} из {len(pages)}" in text for n, text in enumerate(pages, start=1))
    assert not any("Page " in text for text in pages)
    cover = pages[0]
    assert "Комитет старших должностных лиц" in cover and "14 марта 2024 г." in cover
    assert "Меморандум о взаимопонимании" in cover and "Senior Officials Committee" not in cover
    # The running header: the negotiation, what the document is (for which meeting) and the date, in Russian.
    assert all("CICA Secretariat – UNOCT MoU" in text for text in pages[1:])
    assert all("Материалы к заседанию: Комитет старших должностных лиц" in text for text in pages[1:])
    assert all(re.search(r"· \d{1,2} [а-я]+ \d{4} г\.", text) for text in pages[1:])
    english_month = re.compile(
        r"(?i)\b(january|february|march|april|may|june|july|august|september|october"
        r"|november|december)\b"
    )
    assert not english_month.search(cover)  # the clauses' English texts keep their own dates
    disposition = chair.get("/meetings/SOC/pack.pdf").headers["Content-Disposition"]
    assert 'filename="CICA-UNOCT-MoU_meeting-pack_SOC.pdf"' in disposition

    report, report_pages = pdf_of(chair, "/dashboard.pdf")
    assert text_outside_margins(report) == []
    whole = " ".join(report_pages)
    assert "Меморандум о взаимопонимании" in report_pages[0]
    # Article headings in Russian where the negotiation has them (English where it has none).
    # (the row headings are in capitals: compared without case)
    assert "цели сотрудничества" in whole.lower() and "objectives of cooperation" not in whole.lower()
    assert f"Страница 1 из {len(report_pages)}" in report_pages[0]
    disposition = chair.get("/dashboard.pdf").headers["Content-Disposition"]
    assert re.search(r'filename="CICA-UNOCT-MoU_status-report_\d{4}-\d{2}-\d{2}\.pdf"', disposition)


def test_a_redline_from_a_day_is_dated_in_the_readers_language(app, demo):
    """Before any meeting the pack's redline starts from the initial draft's day: "01 march 2024" in Russian."""
    chair = as_user(app, demo, "cica.chair")
    assert "Draft at the end of 6 March 2024 →" in chair.get("/meetings/SWG/pack").get_data(as_text=True)
    speaks(app, "cica.chair", "ru")
    page = chair.get("/meetings/SWG/pack").get_data(as_text=True)
    assert "Проект на конец дня 6 марта 2024\u202fг. →" in page  # Russian writes "г." after a narrow space


def test_letter_paper_when_configured(app, known, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "MOU_PAPER_SIZE", "Letter")
    data, _pages = pdf_of(known["cica.chair"], "/dashboard.pdf")
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    assert text_outside_margins(data) == []


def test_the_page_counter_follows_the_catalogue_word_order_and_never_breaks_out_of_css():
    assert page_counter("Страница %(number)s из %(count)s") == '"Страница " counter(page) " из " counter(pages)'
    assert page_counter("%(count)s: %(number)s") == 'counter(pages) ": " counter(page)'
    assert page_counter('Page %(number)s "</style>') == '"Page " counter(page) " \\22 \\3c /style\\3e "'
    assert paper_size("letter") == "Letter" and paper_size("") == "A4" and paper_size("A3; x") == "A4"
