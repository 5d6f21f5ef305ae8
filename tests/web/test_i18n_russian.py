"""Russian as a Russian reader expects it: no English sentences left on Russian pages, citations declined where a
sentence needs it (or put first, in the nominative), and the redline's marks read aloud in Russian."""

from __future__ import annotations

import re

from lxml import html as lxml_html

from mou_tracker.core.redline import ENGLISH_LABELS, Redline, RedlineLabels, render_inline, render_side_by_side
from tests.conftest import wid_of
from tests.services.test_agreement import review
from tests.services.test_amendments import AMENDMENT_CLAUSE, act, amendment_id, propose

UNOCT_WORDING = "This Memorandum may be amended at any time by mutual written consent of the Participants, expressed through an exchange of letters."
CICA_WORDING = "This Memorandum may be amended at any time by mutual written consent of both Parties."


def in_russian(browser):
    browser.post("/language", {"language": "ru", "next": "/"}, token_from="/")
    return browser


def text_of(page: str, selector_xpath: str) -> str:
    return " ".join(" ".join(e.text_content().split()) for e in lxml_html.fromstring(page).xpath(selector_xpath))


def test_redline_marks_say_who_changed_what_in_the_language_given():
    redline = Redline.between("will cooperate", "shall cooperate", "UNOCT")
    assert 'title="Inserted by UNOCT"' in render_inline(redline)  # English unless told otherwise
    assert 'aria-label="change by UNOCT"' in render_inline(redline)
    russian = RedlineLabels("Исключено стороной %(party)s", "Добавлено стороной %(party)s", "правка стороны %(party)s")
    inline = render_inline(redline, russian)
    assert 'title="Исключено стороной UNOCT"' in inline and 'title="Добавлено стороной UNOCT"' in inline
    assert 'aria-label="правка стороны UNOCT"' in inline
    old, new = render_side_by_side(redline, russian)
    assert "Исключено стороной UNOCT" in old and "Добавлено стороной UNOCT" in new
    hostile = Redline.between("a", "b", '"><script>')
    assert "<script>" not in render_inline(hostile, ENGLISH_LABELS)  # the party is escaped inside the attribute too


def test_the_404_page_is_in_russian(app, demo, people):
    reader = in_russian(people["cica.negotiator"])
    response = reader.get("/clauses/no-such-clause-at-all")
    assert response.status_code == 404
    missing = reader.get("/no/such/page")
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404
    assert "<h1>Страница не найдена</h1>" in page and "По этому адресу страницы нет." in page
    assert "Not Found" not in page and "requested URL" not in page


def _adopted_over_an_outdated_one(app, people):
    """UNOCT-1 tabled; CICA-1 to the same clause adopted over it (UNOCT-1 is outdated)."""
    wid = wid_of(app, AMENDMENT_CLAUSE)
    unoct, cica = people["unoct.negotiator"], people["cica.negotiator"]
    first = amendment_id(propose(unoct, wid, UNOCT_WORDING))
    assert act(unoct, first, "table").status_code == 302
    second = amendment_id(propose(cica, wid, CICA_WORDING, rationale="Ясность."))
    assert act(cica, second, "table").status_code == 302
    return wid, first, second


def test_citations_are_declined_or_come_first(app, people):
    wid, first, second = _adopted_over_an_outdated_one(app, people)
    reader = in_russian(people["unoct.negotiator"])
    compare = reader.get(f"/compare?a={first}&b={second}").get_data(as_text=True)
    lede = text_of(compare, "//p[@class='lede']")
    assert lede.startswith("Статья 8: два предложения"), lede
    assert "к Статья" not in compare

    assert act(people["unoct.negotiator"], second, "concur").status_code == 302
    assert review(people["unoct.legal"], second).status_code == 302
    adopted = in_russian(people["cica.negotiator"]).get(f"/amendments/{second}").get_data(as_text=True)
    assert "является текстом статьи 8" in text_of(adopted, "//p[contains(@class, 'flash-success')]")
    assert "текстом Статья" not in adopted

    # The clause's history names the adopted amendment in Russian, and the marks of its redline too.
    history = reader.get(f"/clauses/{wid}?lang=en").get_data(as_text=True)  # the English text holds the change
    assert "CICA-1 принята: Ясность." in text_of(history, "//p[@class='version-reason']")
    assert " adopted: " not in history
    assert 'title="Добавлено стороной CICA"' in history and 'aria-label="правка стороны CICA"' in history
    assert "Inserted by" not in history and "change by" not in history


def test_a_new_clause_is_placed_with_declined_citations(app, people):
    reader = in_russian(people["unoct.negotiator"])
    wid = wid_of(app, AMENDMENT_CLAUSE)
    page = reader.get(f"/propose/new-clause?after={wid}").get_data(as_text=True)
    notice = text_of(page, "//p[@class='notice']")
    assert "сразу за статьёй 8" in notice, notice


def test_a_legal_review_reads_decision_then_revision(app, people):
    _wid, _first, second = _adopted_over_an_outdated_one(app, people)
    assert review(people["unoct.legal"], second).status_code == 302
    page = in_russian(people["cica.negotiator"]).get(f"/amendments/{second}").get_data(as_text=True)
    assert "Одобрено редакция" not in " ".join(page.split())
    assert re.search(r"Одобрено</span>\s*· редакция 1", page)


def test_party_names_are_not_glued_into_russian_sentences(app, people):
    _adopted_over_an_outdated_one(app, people)
    page = in_russian(people["cica.negotiator"]).get(f"/clauses/{wid_of(app, AMENDMENT_CLAUSE)}").get_data(as_text=True)
    titles = re.findall(r'class="party-tag[^"]*" title="([^"]*)"', page)
    assert titles and all(t.startswith("Предлагающая сторона: ") for t in titles)
    assert "Предложение Secretariat" not in page and "Предложение United" not in page
