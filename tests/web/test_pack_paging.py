"""The meeting pack read a part at a time (issue #22): a first page with the cover, the summary and the contents
with each article's counts, then one article per page; its PDF, whole or per article, typeset once per state."""

from __future__ import annotations

import io
import re

import pytest
from lxml import html as lxml_html
from pypdf import PdfReader

from mou_tracker.web import reports as report_pages
from tests.api.test_api import Client, create_token
from tests.conftest import wid_of
from tests.services.test_agreement import NEW_WORDING
from tests.services.test_amendments import SETTLEMENT, act, amendment_id, as_user, propose
from tests.web.test_reports import known  # noqa: F401  (the fixture: a negotiation with known numbers)

PACK = "/meetings/SOC/pack"


def _contents(page: str) -> dict[str, list[str]]:
    """The contents table: {part as shown: [clauses, open proposals, open brackets, blocking items]}."""
    rows = lxml_html.fromstring(page).xpath("//table[contains(@class, 'pack-contents')]/tbody/tr")
    return {
        row.xpath("./th/a")[0].text_content().strip(): [
            " ".join(" ".join(td.itertext()).split()) for td in row.xpath("./td")
        ]
        for row in rows
    }


def _links(page: str) -> dict[str, str]:
    return {
        a.text_content().strip(): a.get("href")
        for a in lxml_html.fromstring(page).xpath("//table[contains(@class, 'pack-contents')]//a")
    }


def test_the_first_page_is_the_cover_the_summary_and_the_contents_with_each_articles_counts(app, known):  # noqa: F811
    page = known["cica.chair"].get(PACK).get_data(as_text=True)
    assert '<h1 class="doc-title">Senior Officials Committee</h1>' in page
    contents = _contents(page)
    assert list(contents) == ["Preamble"] + [f"Article {n}" for n in range(1, 10)]
    # Article 6: the reservation of Kazakhstan blocks it; Article 7: UNOCT-2 is tabled; Article 8: agreed ad ref.
    # by UNOCT-1; Article 9: "Done at [place], on [date]" holds two open brackets.
    assert contents["Article 6"] == ["1", "0", "0", "1 Reservation: Republic of Kazakhstan"]
    assert contents["Article 7"] == ["1", "1", "0", "1"]
    assert contents["Article 8"] == ["1", "0", "0", "0"]
    assert contents["Article 9"] == ["4", "0", "2", "1"]
    assert sum(int(counts[0]) for counts in contents.values()) == 31
    assert "<strong>31</strong> clauses" in page and "<strong>3</strong> clauses block the meeting" in page
    assert "2 open brackets in the draft going to the meeting." in page
    # The compilation and the redlines are the articles': none of the proposals' wording is on the first page.
    assert "Any dispute will be settled amicably." not in page and NEW_WORDING not in page
    assert 'class="table compilation"' not in page
    # Each part is linked by its stable id.
    assert _links(page)["Article 7"].endswith(f"{PACK}?article={wid_of(app, SETTLEMENT)}")
    assert _links(page)["Preamble"].endswith(f"{PACK}?article=preamble")


def test_an_article_has_its_text_its_compilation_and_its_redline(app, known):  # noqa: F811
    chair = known["cica.chair"]
    settlement = wid_of(app, SETTLEMENT)
    page = chair.get(f"{PACK}?article={settlement}").get_data(as_text=True)
    assert "<h1>Article 7: Settlement of differences</h1>" in page
    for part in ("1. The draft going to the meeting", "2. Compilation of proposals", "3. Redline: Draft frozen"):
        assert part in page
    compilation = page.split('id="part-2"')[1].split('id="part-3"')[0]
    assert "UNOCT-2" in compilation and "amicably" in compilation and "Article 7" in compilation
    assert "Article 8" not in compilation and "UNOCT-1" not in compilation  # another article's
    # Previous and next parts, and the way back to the contents.
    assert re.search(r'rel="prev" href="[^"]*\?article=[^"]+">← Previous: Article 6', page)
    assert re.search(r'rel="next" href="[^"]*\?article=[^"]+">Next: Article 8 →', page)
    assert "Part 8 of 10" in page
    # By number too: the same part.
    assert "<h1>Article 7: Settlement of differences</h1>" in chair.get(f"{PACK}?article=7").get_data(as_text=True)
    # Article 8 changed since the SWG's frozen draft: its redline says by whom.
    amended = chair.get(f"{PACK}?article=8").get_data(as_text=True).split('id="part-3"')[1]
    assert "Changed by UNOCT" in amended and "1 changed" in amended
    assert "No changes." in chair.get(f"{PACK}?article=6").get_data(as_text=True).split('id="part-3"')[1]
    preamble = chair.get(f"{PACK}?article=preamble").get_data(as_text=True)
    assert "<h1>Preamble: Title and preambular paragraphs</h1>" in preamble and 'rel="prev"' not in preamble
    assert "Меморандум о взаимопонимании" in preamble  # both languages


@pytest.mark.parametrize("asked", ["nope", "99", "Article 0", "x" * 500])
def test_an_unknown_article_is_not_found_with_a_clear_message(app, known, asked):  # noqa: F811
    response = known["cica.chair"].get(PACK, query_string={"article": asked})
    assert response.status_code == 404
    assert "This meeting pack has no such article." in response.get_data(as_text=True)
    assert known["cica.chair"].get(f"{PACK}.pdf", query_string={"article": asked}).status_code == 404


def test_a_proposed_new_clause_is_compiled_in_the_article_it_would_join(app, known):  # noqa: F811
    unoct = known["unoct.negotiator"]
    inserted = unoct.post(
        f"/propose/new-clause?parent={wid_of(app, 'Proceeding from the above objectives')}"
        f"&after={wid_of(app, 'Building the capacity of the national criminal justice')}",
        {"kind": "paragraph", "body_en": "Countering terrorist financing.", "rationale": "A sixth area."},
    )
    assert act(unoct, amendment_id(inserted), "table").status_code == 302
    chair = known["cica.chair"]
    assert _contents(chair.get(PACK).get_data(as_text=True))["Article 2"][1] == "1"
    article_2 = chair.get(f"{PACK}?article=2").get_data(as_text=True)
    assert "a new clause after Article 2(5)" in article_2 and "Countering terrorist financing." in article_2
    assert "Countering terrorist financing." not in chair.get(f"{PACK}?article=3").get_data(as_text=True)


def test_a_partys_untabled_draft_is_in_no_part_of_the_pack(app, known):  # noqa: F811
    """The CICA draft of the fixture is CICA's business: the pack compiles tabled proposals only, and the other
    party's reader never meets it, on any page of the pack or in its PDF."""
    drafted = "The Participants will consult each other every year."
    for login in ("cica.negotiator", "unoct.negotiator"):
        browser = known[login]
        first = browser.get(PACK).get_data(as_text=True)
        article_4 = browser.get(f"{PACK}?article=4").get_data(as_text=True)
        assert drafted not in first and drafted not in article_4
        assert "CICA draft" not in article_4
    pdf = known["unoct.negotiator"].get(f"{PACK}.pdf?article=4")
    assert drafted not in " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)


def test_the_pdf_is_typeset_once_per_state_and_an_articles_pdf_holds_that_article(app, demo, known, monkeypatch):  # noqa: F811
    chair = known["cica.chair"]
    typeset = []
    real = report_pages.html_to_pdf
    monkeypatch.setattr(report_pages, "html_to_pdf", lambda html: typeset.append(1) or real(html))
    whole = chair.get(f"{PACK}.pdf")
    again = chair.get(f"{PACK}.pdf")
    assert whole.data == again.data and len(typeset) == 1
    assert 'filename="CICA-UNOCT-MoU_meeting-pack_SOC.pdf"' in whole.headers["Content-Disposition"]
    # Another reader of the same visibility, role and language: the same file, not typeset again.
    assert as_user(app, demo, "cica.chair").get(f"{PACK}.pdf").data == whole.data and len(typeset) == 1

    article = chair.get(f"{PACK}.pdf?article=7")
    assert article.status_code == 200 and article.mimetype == "application/pdf" and len(typeset) == 2
    assert 'filename="CICA-UNOCT-MoU_meeting-pack_SOC_Article-7.pdf"' in article.headers["Content-Disposition"]
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(article.data)).pages]
    text = re.sub(r"\s+", " ", " ".join(pages))
    assert "Settlement of differences" in text and "UNOCT-2" in text and "amicably" in text
    assert "Privileges and immunities" not in text and "Entry into force" not in text
    assert all(f"Page {n} of {len(pages)}" in page for n, page in enumerate(pages, start=1))

    # A change anyone may see (a tabled proposal): the next PDF is typeset anew.
    drafted = amendment_id(propose(known["unoct.negotiator"], wid_of(app, "Nothing in or relating"), "Nothing."))
    act(known["unoct.negotiator"], drafted, "table")
    assert chair.get(f"{PACK}.pdf").status_code == 200 and len(typeset) == 3


def test_each_part_is_kept_and_a_repeated_view_is_not_rebuilt(app, known, monkeypatch):  # noqa: F811
    from mou_tracker.services import reports as report_service

    built = []
    real = report_service.pack_article
    monkeypatch.setattr(report_service, "pack_article", lambda *a, **k: built.append(a[3]) or real(*a, **k))
    chair, other = known["cica.chair"], known["cica.legal"]
    first = chair.get(f"{PACK}?article=7").get_data(as_text=True)
    assert chair.get(f"{PACK}?article=7").get_data(as_text=True).count("UNOCT-2") == first.count("UNOCT-2")
    assert built == ["7"]
    # Another role of the same party reads the same part (what a role may do is not in it)...
    assert other.get(f"{PACK}?article=7").get_data(as_text=True).count("UNOCT-2") == first.count("UNOCT-2")
    assert built == ["7"]
    # ...another party its own.
    known["unoct.negotiator"].get(f"{PACK}?article=7")
    assert built == ["7", "7"]


def test_the_russian_reader_reads_the_article_with_russian_numbers(app, known):  # noqa: F811
    chair = known["cica.chair"]
    chair.post("/language", {"language": "ru", "next": "/"}, token_from="/")
    page = chair.get(f"{PACK}?article=7").get_data(as_text=True)
    assert "<h1>Статья 7:" in page
    assert "Статья 7" in _contents(chair.get(PACK).get_data(as_text=True))


def test_the_api_gives_the_pack_pdf_per_article_as_documented(app, known):  # noqa: F811
    api = Client(app.test_client(), create_token(known["cica.chair"]))
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    operation = next(
        op for path, item in document["paths"].items() for op in item.values() if path.endswith("/pack.pdf")
    )
    assert any(parameter["name"] == "article" for parameter in operation["parameters"])
    article = api.call("export_meeting_pack_pdf", code="SOC", query={"article": "7"})
    assert article.status_code == 200 and article.get_data()[:5] == b"%PDF-"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(article.get_data())).pages)
    assert "Settlement of differences" in text and "Privileges and immunities" not in text
    assert api.call("export_meeting_pack_pdf", code="SOC", query={"article": "nope"}).status_code == 404


def test_a_pack_too_long_for_one_pdf_is_printed_part_by_part(app, known, monkeypatch):  # noqa: F811
    """Above MOU_PDF_MAX_PROPOSALS open proposals the whole PDF is neither offered nor typeset (a treaty's
    pack would take many minutes, beyond any request): each part's PDF still is, on the page and by the API."""
    chair = known["cica.chair"]
    typeset = []
    real = report_pages.html_to_pdf
    monkeypatch.setattr(report_pages, "html_to_pdf", lambda html: typeset.append(1) or real(html))
    first = chair.get(PACK).get_data(as_text=True)
    assert f'{PACK}.pdf"' in first  # a small pack: offered whole
    monkeypatch.setitem(app.config, "MOU_PDF_MAX_PROPOSALS", 0)  # the pack holds one or more
    page = chair.get(f"{PACK}?article=7").get_data(as_text=True)
    assert f'{PACK}.pdf"' not in page and f"{PACK}.pdf?article=" in page
    refused = chair.get(f"{PACK}.pdf")
    assert refused.status_code == 409 and typeset == []
    assert "open proposals: as one PDF it would take many minutes" in refused.get_data(as_text=True)
    assert chair.get(f"{PACK}.pdf?article=7").status_code == 200 and typeset == [1]
    api = Client(app.test_client(), create_token(chair))
    answer = api.call("export_meeting_pack_pdf", code="SOC")
    assert answer.status_code == 409 and "part by part" in answer.get_json()["detail"]
