"""The whole-draft redline on the page and in its PDF credits each change to the amendment that made those very
words (its party and date), not the whole clause to whichever amendment came last; so does a redline read
backwards (a later point against an earlier one); and a language a clause gains or loses between the two points is
shown as inserted or deleted text in that language.

Uses the `history` of tests/web/test_exports_docx_exact.py: Article 8 changed by CICA-1 ("both" for "the") and then by
UNOCT-2 ("at any time" out, the exchange of letters in), both adopted after the SWG froze its draft.
"""

from __future__ import annotations

import html
import io
import re

from babel.dates import format_date
from pypdf import PdfReader

from mou_tracker.extensions import db
from mou_tracker.models import Amendment
from tests.services.test_amendments import amendment_id, propose
from tests.web.test_exports_docx_exact import (
    _adopt,
    _redline,
    _tabled,
    history,  # noqa: F401  (the fixture)
)
from tests.web.test_exports_docx_exact import _marks as _docx_marks

MARK = re.compile(r'<(ins|del) class="rl-(?:ins|del)" data-party="([^"]*)" title="([^"]*)">(.*?)</\1>', re.S)


def _tabled_day(app, ids, citation: str, locale: str = "en") -> str:
    with app.app_context():
        return format_date(db.session.get(Amendment, ids[citation]).tabled_at, "dd MMM y", locale=locale)


def _marks(page: str, containing: str) -> dict[str, tuple[str, str, str]]:
    """The marks of the row whose text contains `containing`: {marked words: (ins/del, party, title)}."""
    rows = [row for row in page.split('<li class="clause') if containing in row]
    assert rows, f"no row contains {containing!r}"
    return {
        html.unescape(text).strip(): (tag, party, html.unescape(title))
        for tag, party, title, text in MARK.findall(rows[0])
    }


def test_each_change_on_the_redline_page_carries_its_own_amendments_party_and_date(app, history):  # noqa: F811
    ids = history["ids"]
    page = history["cica.chair"].get("/redline?from=milestone:SWG&to=now").get_data(as_text=True)
    marks = _marks(page, "exchange of letters")
    cica, unoct = _tabled_day(app, ids, "CICA-1"), _tabled_day(app, ids, "UNOCT-2")
    assert marks["both"] == ("ins", "CICA", f"Inserted by CICA, {cica}")
    assert marks["the"] == ("del", "CICA", f"Deleted by CICA, {cica}")
    assert marks["at any time"] == ("del", "UNOCT", f"Deleted by UNOCT, {unoct}")
    assert marks[", expressed through an exchange of letters"] == ("ins", "UNOCT", f"Inserted by UNOCT, {unoct}")
    # The row says both parties changed it, not the last one alone.
    row = next(row for row in page.split('<li class="clause') if "exchange of letters" in row)
    badge = re.search(r'<span class="badge[^"]*">([^<]*)</span>', row)[1]
    assert badge in ("Changed by UNOCT, CICA", "Changed by CICA, UNOCT"), badge


def test_the_redline_pdf_prints_each_changes_party_and_date(app, history):  # noqa: F811
    ids = history["ids"]
    response = history["cica.chair"].get("/exports/redline.pdf?from=milestone:SWG&to=now")
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = re.sub(r"\s+", " ", text)
    # In print there is no pointer to hover: the party and date stand beside each change of Article 8.
    article_8 = text[text.index("This Memorandum may be amended") :][:400]
    assert f"CICA, {_tabled_day(app, ids, 'CICA-1')}" in article_8, article_8
    assert f"UNOCT, {_tabled_day(app, ids, 'UNOCT-2')}" in article_8, article_8


def test_a_russian_reader_reads_the_credits_in_russian(app, history):  # noqa: F811
    ids = history["ids"]
    chair = history["cica.chair"]
    chair.post("/language", {"language": "ru", "next": "/"}, token_from="/")
    page = chair.get("/redline?from=milestone:SWG&to=now").get_data(as_text=True)
    marks = _marks(page, "exchange of letters")
    assert marks["both"][1] == "CICA"
    assert marks["both"][2].endswith(f"CICA, {_tabled_day(app, ids, 'CICA-1', 'ru')}")
    assert not marks["both"][2].startswith("Inserted")


def test_a_backwards_redline_credits_each_change_to_the_amendment_that_made_it(app, history):  # noqa: F811
    """The current draft against the SWG's (a later point first): CICA-1's and UNOCT-2's words are shown undone,
    each still credited to its own amendment, on the page and in Word."""
    ids = history["ids"]
    cica, unoct = _tabled_day(app, ids, "CICA-1"), _tabled_day(app, ids, "UNOCT-2")
    page = history["cica.chair"].get("/redline?from=now&to=milestone:SWG").get_data(as_text=True)
    marks = _marks(page, "exchange of letters")
    assert marks["both"] == ("del", "CICA", f"Deleted by CICA, {cica}")
    assert marks["the"] == ("ins", "CICA", f"Inserted by CICA, {cica}")
    assert marks["at any time"] == ("ins", "UNOCT", f"Inserted by UNOCT, {unoct}")
    assert marks[", expressed through an exchange of letters"] == ("del", "UNOCT", f"Deleted by UNOCT, {unoct}")

    data = _redline(history["cica.chair"], "now", "milestone:SWG")
    inserted = {text.strip(): (author, when) for author, when, text in _docx_marks(data, "ins")}
    deleted = {text.strip(): (author, when) for author, when, text in _docx_marks(data, "del")}
    assert deleted["both"] == ("CICA", _tabled(app, ids, "CICA-1"))
    assert inserted["the"] == ("CICA", _tabled(app, ids, "CICA-1"))
    assert inserted["at any time"] == ("UNOCT", _tabled(app, ids, "UNOCT-2"))
    assert deleted[", expressed through an exchange of letters"] == ("UNOCT", _tabled(app, ids, "UNOCT-2"))


def test_a_language_a_clause_gains_is_inserted_text_and_read_backwards_deleted_text(app, history):  # noqa: F811
    """Article 5 had no Russian text when the SWG froze the draft; CICA-4 gives it one. Forwards the Russian text
    is CICA's insertion, backwards CICA's words taken out, on the page and in Word; never left out."""
    chair = history["cica.chair"]
    page = chair.get("/redline?from=milestone:SWG&to=now").get_data(as_text=True)
    article_5 = next(row for row in page.split('<li class="clause') if "does not create any financial" in row)
    assert 'lang="ru"' not in article_5
    wid = re.search(r'href="[^"]*/clauses/([^"]+)"', article_5)[1]
    english = re.search(r'<p class="redline-body">([^<]*)</p>', article_5)[1]
    russian = "Настоящий Меморандум не создает финансовых обязательств для Участников."
    ids = dict(history["ids"])
    ids["CICA-4"] = _adopt(
        history, amendment_id(propose(history["cica.negotiator"], wid, html.unescape(english), ru=russian)), "CICA"
    )
    day = _tabled_day(app, ids, "CICA-4")
    for old, new, tag in (("milestone:SWG", "now", "ins"), ("now", "milestone:SWG", "del")):
        page = chair.get(f"/redline?from={old}&to={new}").get_data(as_text=True)
        marks = _marks(page, "does not create any financial")
        title = ("Inserted" if tag == "ins" else "Deleted") + f" by CICA, {day}"
        assert marks[russian] == (tag, "CICA", title), (old, new, marks)
        words = [(author, when, text) for author, when, text in _docx_marks(_redline(chair, old, new), tag)]
        assert ("CICA", _tabled(app, ids, "CICA-4"), russian) in [(a, w, t.strip()) for a, w, t in words], (old, new)
