"""Status reports, meeting packs and exports, checked against a negotiation with known numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import pytest
from lxml import etree
from pypdf import PdfReader

from mou_tracker.extensions import db
from mou_tracker.models import Amendment
from tests.conftest import wid_of
from tests.services.test_agreement import NEW_WORDING, _record_all, review, tabled
from tests.services.test_amendments import SETTLEMENT, act, amendment_id, as_user, propose

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def known(app, demo):
    """31 clauses. After the SWG (all endorsed, one reservation) and the SOC frozen:
    - Article 8 changed by UNOCT-1 (adopted after the SWG): agreed ad ref.;
    - Article 7 under UNOCT-2 (tabled): bracketed;
    - Article 6 with a reservation by Kazakhstan at the SWG: bracketed;
    - "Done at [place], on [date]", endorsed at the SWG with the chair's confirmation over its two placeholders:
      still bracketed (#17);
    - the other 27 clauses endorsed at the SWG and unchanged: agreed."""
    people = {
        login: as_user(app, demo, login)
        for login in ("unoct.negotiator", "cica.negotiator", "cica.legal", "cica.chair")
    }
    chair = people["cica.chair"]
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    _record_all(app, "SWG")
    privileges = wid_of(app, "Nothing in or relating")
    chair.post(
        f"/meetings/SWG/outcomes/{privileges}",
        {"outcome": "reservation", "reserved_by": "Republic of Kazakhstan"},
        token_from="/meetings/SWG",
    )
    chair.post("/meetings/SWG/conclude", {"result": "recommended"}, token_from="/meetings/SWG")
    adopted = tabled(people, app)
    act(people["cica.negotiator"], adopted, "concur")
    review(people["cica.legal"], adopted)
    open_one = tabled(people, app, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably.")
    draft_only = amendment_id(
        propose(
            people["cica.negotiator"],
            wid_of(app, "The Participants will consult"),
            "The Participants will consult each other every year.",
        )
    )
    return people | {"adopted": adopted, "open": open_one, "draft": draft_only}


def test_dashboard_figures(app, known):
    page = known["cica.chair"].get("/dashboard").get_data(as_text=True)
    figures = dict((label, int(n)) for n, label in re.findall(r"<strong>(\d+)</strong> ([a-z .]+?)</span>", page))
    assert figures == {
        "agreed": 27,
        "agreed ad ref.": 1,
        "initial text": 0,
        "bracketed": 3,
        "clauses": 31,
        "open brackets in the text": 2,
    }
    assert "<strong>28</strong> of 31 clauses are out of brackets; <strong>3</strong> block the meeting." in page
    assert "2 open brackets in the text</td>" in page  # why "Done at [place], on [date]" blocks the meeting
    assert "Readiness for the Senior Officials Committee" in page
    assert "UNOCT-2</a>: CICA to respond; legal review pending" in page
    assert "Reservation by Republic of Kazakhstan" in page
    # Charts are inline SVG with a title and a text alternative; no script anywhere.
    assert (
        '<svg class="chart" role="img"' in page
        and '<desc id="overall-desc">Agreed: 27; Agreed ad ref.: 1; Initial text: 0; Bracketed: 3 (of 31)</desc>'
        in page
    )
    assert "<script" not in page.split("</head>")[1]
    assert (
        "Changed since Special Working Group" in page
        and "Article 8</a>" in page.split("Changed since Special Working Group")[1]
    )
    # Open amendments per party: drafts count only for the viewer's own party.
    assert re.search(r"<th scope=\"row\">UNOCT</th><td>1</td><td>—</td>", page)
    cica_view = known["cica.negotiator"].get("/dashboard").get_data(as_text=True)
    assert re.search(r"<th scope=\"row\">CICA</th><td>0</td><td>1</td>", cica_view)


def test_clauses_csv_parses_back_to_the_report(app, known):
    rows = list(csv.DictReader(io.StringIO(known["cica.chair"].get("/exports/clauses.csv").data.decode("utf-8-sig"))))
    assert len(rows) == 31
    by_citation = {r["citation"]: r for r in rows}
    assert by_citation["Article 8"]["status"] == "ad_referendum" and by_citation["Article 8"]["text_en"] == NEW_WORDING
    assert (
        by_citation["Article 7"]["status"] == "bracketed" and by_citation["Article 7"]["open_amendments"] == "UNOCT-2"
    )
    assert by_citation["Article 2"]["text_ru"].startswith("Исходя из вышеуказанных целей")
    assert sum(r["status"] == "agreed" for r in rows) == 27


def test_amendments_csv_lists_what_the_user_may_see(app, known):
    chair_rows = list(
        csv.DictReader(io.StringIO(known["cica.chair"].get("/exports/amendments.csv").data.decode("utf-8-sig")))
    )
    assert sorted((r["amendment"], r["state"]) for r in chair_rows) == [
        (f"CICA draft {known['draft']}", "draft"),
        ("UNOCT-1", "adopted"),
        ("UNOCT-2", "tabled"),
    ]
    unoct_rows = list(
        csv.DictReader(io.StringIO(known["unoct.negotiator"].get("/exports/amendments.csv").data.decode("utf-8-sig")))
    )
    assert f"CICA draft {known['draft']}" not in {r["amendment"] for r in unoct_rows}  # CICA's business
    assert {r["clause"] for r in unoct_rows} == {"Article 7", "Article 8"}


def _docx_xml(response) -> etree._Element:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        return etree.fromstring(archive.read("word/document.xml"))


def test_redline_docx_has_native_tracked_changes_by_party_and_date(app, known):
    root = _docx_xml(known["cica.chair"].get("/exports/redline.docx?from=milestone:SWG&to=party:UNOCT"))
    insertions = root.iter(f"{W}ins")
    found = {(e.get(f"{W}author"), "".join(e.itertext())) for e in insertions if "".join(e.itertext())}
    assert ("UNOCT", " dispute") in found or any(a == "UNOCT" and "dispute" in t for a, t in found)
    assert any(a == "UNOCT" and "expressed through an exchange of letters" in t for a, t in found)
    deletions = [(e.get(f"{W}author"), "".join(t.text for t in e.iter(f"{W}delText"))) for e in root.iter(f"{W}del")]
    assert any(a == "UNOCT" and "at any time" in t for a, t in deletions)
    with app.app_context():
        # The date each amendment was tabled: the other party never learns when the drafting began.
        proposed = {a.citation: a.tabled_at for a in db.session.scalars(db.select(Amendment))}
    dates = {e.get(f"{W}date") for e in root.iter(f"{W}ins")}
    assert proposed["UNOCT-1"].strftime("%Y-%m-%dT%H:%M:%SZ") in dates
    assert proposed["UNOCT-2"].strftime("%Y-%m-%dT%H:%M:%SZ") in dates
    text = "".join(root.itertext())
    assert "Текст на русском языке" in text or "Russian text" in text  # (the Russian part, headed in Russian)
    assert "Русский text" not in text
    assert "Исходя из вышеуказанных целей" in text  # the Russian text travels with the English


def test_clean_docx_of_a_frozen_meeting(app, known):
    root = _docx_xml(known["cica.chair"].get("/exports/draft.docx?at=milestone:SWG"))
    text = "".join(root.itertext())
    assert "This Memorandum may be amended at any time by mutual written consent" in text  # as frozen, before UNOCT-1
    assert not list(root.iter(f"{W}ins")) and not list(root.iter(f"{W}del"))
    assert "Draft frozen for the Special Working Group" in text


def test_meeting_pack_pdf_has_pages_headers_and_the_three_parts(app, known):
    response = known["cica.chair"].get("/meetings/SOC/pack.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 4
    assert all(f"Page {n} of {len(pages)}" in text for n, text in enumerate(pages, start=1))
    assert all("CICA Secretariat – UNOCT MoU" in text for text in pages[1:])  # running header, not on the cover
    whole = re.sub(r"\s+", " ", "\n".join(pages))
    for part in (
        "1. The draft going to the meeting",
        "2. Compilation of proposals",
        "3. Redline: Draft frozen for the Special Working Group",
    ):
        assert part in whole
    assert "Меморандум о взаимопонимании" in whole
    assert "UNOCT-2" in whole


def test_status_report_pdf(app, known):
    reader = PdfReader(io.BytesIO(known["cica.chair"].get("/dashboard.pdf").data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Status report" in text and "block the meeting" in text and f"of {len(reader.pages)}" in text


def _fills_and_ids(html: str) -> tuple[set[str], set[str]]:
    return set(re.findall(r'fill="url\(#([^)"]+)\)"', html)), set(re.findall(r'id="([^"]+)"', html))


def test_every_chart_fill_has_a_pattern_where_its_renderer_looks(app, known, monkeypatch):
    """Charts read in black-and-white print by their fill patterns; a missing one draws the bar blank."""
    page = known["cica.chair"].get("/dashboard").get_data(as_text=True)
    fills, ids = _fills_and_ids(page)
    assert len(fills) >= 3 and fills <= ids
    # A browser finds a pattern anywhere in the page: the page holds each once, however many charts it draws.
    assert page.count("<pattern ") == 4 and page.count('<svg class="chart"') > 5
    # A PDF renderer draws every SVG on its own: each chart of the PDF carries the patterns it uses.
    rendered = []
    from mou_tracker.web import reports as report_views

    def keep_html(html: str) -> bytes:
        rendered.append(html)
        return b"%PDF-"

    monkeypatch.setattr(report_views, "html_to_pdf", keep_html)
    assert known["cica.chair"].get("/dashboard.pdf").status_code == 200
    charts = re.findall(r"<svg.*?</svg>", rendered[0], flags=re.S)
    assert len(charts) > 5
    for chart in charts:
        fills, ids = _fills_and_ids(chart)
        assert fills <= ids, chart[:200]


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/meetings/XYZ/pack", 404, "There is no meeting with that code."),
        ("/meetings/XYZ/pack.pdf", 404, "There is no meeting with that code."),
        ("/exports/redline.docx?from=date:2024-03-20&to=date:2024-03-01", 400, "put the earlier point first"),
        ("/exports/redline.docx?from=milestone:SIGN", 400, "has not been frozen yet"),
        ("/exports/draft.docx?at=party:CICA", 400, "use the redline export"),
        ("/exports/draft.docx?at=date:2020-01-01", 400, "The draft had no clauses yet"),
    ],
)
def test_bad_export_requests_get_a_clear_message(app, demo, url, status, message):
    chair = as_user(app, demo, "cica.chair")
    response = chair.get(url)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_a_negotiated_clause_and_a_frozen_swg_end_in_a_pack_and_a_docx(app, demo):
    """The issue's 'done when': negotiate a clause, freeze the SWG, download the pack and the SWG-to-now redline."""
    people = {
        login: as_user(app, demo, login)
        for login in ("unoct.negotiator", "cica.negotiator", "cica.legal", "cica.chair")
    }
    people["cica.chair"].post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    new_id = tabled(people, app)
    act(people["cica.negotiator"], new_id, "concur")
    review(people["cica.legal"], new_id)
    assert people["cica.chair"].get("/dashboard").status_code == 200
    assert people["cica.chair"].get("/meetings/SWG/pack.pdf").mimetype == "application/pdf"
    root = _docx_xml(people["cica.chair"].get("/exports/redline.docx?from=milestone:SWG&to=now"))
    assert {e.get(f"{W}author") for e in root.iter(f"{W}ins")} == {"UNOCT"}
    assert dt.datetime.strptime(next(root.iter(f"{W}ins")).get(f"{W}date"), "%Y-%m-%dT%H:%M:%SZ")
