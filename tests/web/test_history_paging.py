"""The instrument's negotiating history paged by article, its files made once per state of the negotiation and
kept per visibility, the whole-instrument PDF refused when too long (with the way round it), and who wrote the
whole draft, kept: pages and API alike, and a party's untabled drafts never reaching the other party by any of them."""

from __future__ import annotations

import html
import io
import re

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import event

from mou_tracker.core.redline import Op, Redline, Segment
from mou_tracker.extensions import db
from mou_tracker.models import Clause, Instrument
from mou_tracker.services import history as history_service
from mou_tracker.web.history import lean_redline
from tests.api.test_api import Client, create_token
from tests.conftest import add_clause_version
from tests.services.test_agreement import NEW_WORDING
from tests.services.test_amendments import amendment_id, propose
from tests.web.test_exports_docx_exact import _libreoffice_texts, libreoffice
from tests.web.test_history import INTERNAL_NOTE, SECRET, adopted  # noqa: F401  (the fixture)

N = "/n/cica-unoct-mou"
LATER_SECRET = "A second thought kept to ourselves"


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return html.unescape(response.get_data(as_text=True))


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.get_data()[:500]
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def _docx_text(response) -> str:
    assert response.status_code == 200, response.get_data()[:500]
    return "\n".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)


def _api(app, people, login: str) -> Client:
    return Client(app.test_client(), create_token(people[login]))


def _demo_wids(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(Clause.wid).join(Instrument).where(Instrument.slug == "cica-unoct-mou").order_by(Clause.id)
            )
        )


def _parts(api: Client, lang: str = "en") -> list[dict]:
    answer = api.call("get_history_contents", query={"lang": lang})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["parts"]


def test_the_contents_list_every_article_with_its_counts_and_a_link_per_clause(app, people, adopted):  # noqa: F811
    wid, _first, _second = adopted
    reader = people["unoct.negotiator"]
    page = _text(reader.get(f"{N}/history?lang=en"))
    assert "Negotiating history of the instrument" in page and "Article 1" in page
    # A link to every clause's own history, and to every page of the history with its PDF and Word files.
    for each in _demo_wids(app):
        assert f"/clauses/{each}/history?lang=en" in page, each
    parts = _parts(_api(app, people, "unoct.negotiator"))
    assert len(parts) > 3 and parts[0]["title"].startswith("Title")
    for part in parts:
        key = part["key"]
        assert f"{N}/history?article={key}&lang=en" in page
        assert f"history.pdf?article={key}&lang=en" in page and f"history.docx?article={key}&lang=en" in page
    # The counts: the article holding the amended clause has its two amendments and its two versions.
    holding = next(p for p in parts if wid in {c["wid"] for c in p["clauses"]})
    assert holding["article"] and holding["amendments"] == 2 and holding["versions"] >= 2
    row = re.search(rf'<tr id="part-{holding["key"]}">(.*?)</tr>', page, flags=re.S)
    assert row and re.search(r"<td>\s*2\s*</td>", row.group(1)), row
    # Every clause is on exactly one page: nothing is lost by paging.
    listed = [c["wid"] for p in parts for c in p["clauses"]]
    assert sorted(listed) == sorted(_demo_wids(app))


def test_an_article_page_holds_its_records_with_the_previous_and_next_pages(app, people, adopted):  # noqa: F811
    wid, _first, _second = adopted
    reader = people["cica.negotiator"]
    parts = _parts(_api(app, people, "cica.negotiator"))
    index = next(i for i, p in enumerate(parts) if wid in {c["wid"] for c in p["clauses"]})
    part = parts[index]
    page = _text(reader.get(f"{N}/history?article={part['key']}&lang=en"))
    assert "UNOCT-1 tabled" in page and "Version 2: UNOCT-1 adopted" in page and "SWG: Endorsed" in page
    assert re.search(r'<ins class="rl-ins" data-party="UNOCT"[^>]*>[^<]*exchange of letters', page)
    for clause in part["clauses"]:
        assert f"Stable id: {clause['wid']}" in page
    others = {c["wid"] for p in parts if p is not part for c in p["clauses"]}
    assert not any(f"Stable id: {other}<" in page for other in others)
    assert index > 0 and f'rel="prev" href="{N}/history?article={parts[index - 1]["key"]}&lang=en"' in page
    if index + 1 < len(parts):
        assert f'rel="next" href="{N}/history?article={parts[index + 1]["key"]}&lang=en"' in page
    # Any clause of the article opens the article's page; an unknown one is not found, clearly.
    assert f"Stable id: {part['key']}" in _text(reader.get(f"{N}/history?article={wid}&lang=en"))
    missing = reader.get(f"{N}/history?article=no-such-clause&lang=en")
    assert missing.status_code == 404 and "no article or clause with that identifier" in missing.get_data(as_text=True)
    assert reader.get(f"{N}/history.pdf?article=no-such-clause").status_code == 404
    assert reader.get(f"{N}/history.docx?article=no-such-clause").status_code == 404


def test_the_api_pages_the_history_as_the_page_does_and_loses_nothing(app, people, adopted):  # noqa: F811
    wid, _first, _second = adopted
    api = _api(app, people, "unoct.negotiator")
    parts = _parts(api)
    whole = api.call("get_history", query={"lang": "en"}).get_json()["clauses"]
    paged, keys = [], []
    for number, part in enumerate(parts):
        answer = api.call("get_history", query={"lang": "en", "article": part["key"]})
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        assert body["part"]["key"] == part["key"] and body["part"]["title"] == part["title"]
        assert body["previous"] == (parts[number - 1]["key"] if number else None)
        assert body["next"] == (parts[number + 1]["key"] if number + 1 < len(parts) else None)
        paged += body["clauses"]
        keys.append(part["key"])
    assert paged == whole  # the same records, clause by clause, event by event
    # The API's records carry every language's texts and redlines, as before (the pages show theirs only).
    initial = [e for c in paged for e in c["events"] if e["kind"] == "initial"]
    assert any(set(e["texts"]) == {"en", "ru"} for e in initial)
    # A clause key opens its article.
    by_clause = api.call("get_history", query={"lang": "en", "article": wid}).get_json()
    assert by_clause["part"]["key"] in keys and any(c["wid"] == wid for c in by_clause["clauses"])
    missing = api.call("get_history", query={"article": "no-such-clause"})
    assert missing.status_code == 404
    assert api.call("export_history_docx", query={"article": "no-such-clause"}).status_code == 404


def test_a_partys_untabled_drafts_stay_in_its_own_pages_and_files_however_they_are_kept(app, people, adopted):  # noqa: F811
    wid, _first, _second = adopted
    unoct, cica = people["unoct.negotiator"], people["cica.negotiator"]
    page = f"{N}/history?article={wid}&lang=en"
    files = (
        f"{N}/history.docx?article={wid}&lang=en",
        f"{N}/history.pdf?article={wid}&lang=en",
        f"{N}/history.docx?lang=en",
        f"{N}/history.pdf?lang=en",
    )

    def read(browser, url: str) -> str:
        response = browser.get(url)
        if url.split("?")[0].endswith(".pdf"):
            return _pdf_text(response)
        return _docx_text(response) if ".docx" in url else _text(response)

    # UNOCT reads (and so has kept) its own copy first: its draft is in it.
    assert SECRET in read(unoct, page) and INTERNAL_NOTE not in read(unoct, page)
    for url in files:
        assert SECRET in read(unoct, url), url
    # The other party, whatever its role, and however often it asks, never gets it; UNOCT never gets CICA's note.
    for login in ("cica.negotiator", "cica.legal", "cica.chair", "cica.negotiator"):
        for url in (page, *files):
            assert SECRET not in read(people[login], url), (login, url)
    assert INTERNAL_NOTE in read(cica, page)
    # A new untabled draft moves UNOCT's copy only: UNOCT's page and files show it at once, CICA's never do.
    drafted = amendment_id(propose(unoct, wid, f"{LATER_SECRET}.", rationale="Later."))
    assert drafted
    for url in (page, *files):
        assert LATER_SECRET in read(unoct, url), url
        assert LATER_SECRET not in read(cica, url) and SECRET not in read(cica, url), url
    # The API, both ways in.
    api = _api(app, people, "cica.legal")
    for answer in (
        api.call("get_history", query={"lang": "en", "article": wid}),
        api.call("get_history", query={"lang": "ru", "article": wid}),
        api.call("get_history_contents", query={"lang": "en"}),
    ):
        assert answer.status_code == 200 and SECRET not in answer.get_data(as_text=True)
        assert LATER_SECRET not in answer.get_data(as_text=True)
    for operation in ("export_history_docx", "export_history_pdf"):
        answer = api.call(operation, query={"lang": "en", "article": wid})
        text = _docx_text(answer) if operation.endswith("docx") else _pdf_text(answer)
        assert SECRET not in text and LATER_SECRET not in text and "UNOCT-1 tabled" in text
    own = _api(app, people, "unoct.negotiator").call("get_history", query={"lang": "en", "article": wid})
    assert LATER_SECRET in own.get_data(as_text=True)
    # The counts of the contents are the reader's own: UNOCT counts its draft, CICA does not.
    unoct_parts, cica_parts = _parts(_api(app, people, "unoct.negotiator")), _parts(api)

    def holding(parts):
        return next(p for p in parts if wid in {c["wid"] for c in p["clauses"]})

    assert holding(unoct_parts)["amendments"] == holding(cica_parts)["amendments"] + 1


def test_pages_and_files_are_made_once_per_state_of_the_negotiation(app, people, adopted, monkeypatch):  # noqa: F811
    wid, _first, second = adopted
    calls: list[str] = []
    for name in ("article_record", "instrument_record"):
        original = getattr(history_service, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(history_service, name, counted)
    reader = people["cica.negotiator"]
    urls = (
        f"{N}/history?article={wid}&lang=en",
        f"{N}/history.docx?article={wid}&lang=en",
        f"{N}/history.pdf?article={wid}&lang=en",
        f"{N}/history.docx?lang=en",
    )
    first = [reader.get(url).data for url in urls]
    assert calls == ["article_record", "article_record", "article_record", "instrument_record"]
    again = [reader.get(url).data for url in urls]
    assert calls == ["article_record", "article_record", "article_record", "instrument_record"]  # kept
    assert again[1] == first[1] and again[3] == first[3]
    # The chair's reader of the same party and role shares them; a change anyone may see makes them anew.
    reader.post(f"/amendments/{second}/comments", {"body": "A word for the record."})
    assert "A word for the record." in _text(reader.get(urls[0]))
    assert "A word for the record." in _docx_text(reader.get(urls[3]))
    assert calls.count("article_record") == 4 and calls.count("instrument_record") == 2


def test_the_whole_pdf_too_long_to_lay_out_is_refused_saying_what_to_take_instead(app, people, adopted, monkeypatch):  # noqa: F811
    wid, _first, _second = adopted
    reader = people["cica.chair"]
    api = _api(app, people, "cica.chair")
    assert reader.get(f"{N}/history.pdf?lang=en").status_code == 200  # the demo is short enough
    assert api.call("get_history_contents", query={"lang": "en"}).get_json()["whole_pdf"] is True
    monkeypatch.setitem(app.config, "MOU_HISTORY_PDF_MAX_ENTRIES", 5)
    refused = reader.get(f"{N}/history.pdf?lang=en")
    assert refused.status_code == 409
    message = html.unescape(refused.get_data(as_text=True))
    assert "too long to lay out as one PDF" in message and "the limit: 5" in message
    assert "PDF of each article" in message and "Word (DOCX)" in message
    contents = _text(reader.get(f"{N}/history?lang=en"))
    assert "too long to lay out as one PDF" in contents
    assert f'href="{N}/history.pdf?lang=en"' not in contents
    assert "history.pdf?article=" in contents and f'href="{N}/history.docx?lang=en"' in contents
    # What it offers instead works.
    assert "UNOCT-1 tabled" in _pdf_text(reader.get(f"{N}/history.pdf?article={wid}&lang=en"))
    assert "UNOCT-1 tabled" in _docx_text(reader.get(f"{N}/history.docx?lang=en"))
    # The API says the same.
    answer = api.call("export_history_pdf", query={"lang": "en"})
    assert answer.status_code == 409 and "too long to lay out as one PDF" in answer.get_json()["detail"]
    assert api.call("get_history_contents", query={"lang": "en"}).get_json()["whole_pdf"] is False
    assert api.call("export_history_pdf", query={"lang": "en", "article": wid}).status_code == 200


def test_an_article_pdf_reads_back_with_its_redlines_and_who_wrote_each_word(app, people, adopted):  # noqa: F811
    wid, _first, _second = adopted
    reader = people["cica.negotiator"]
    text = _pdf_text(reader.get(f"{N}/history.pdf?article={wid}&lang=en"))
    assert "Negotiating history of Article" in text and "UNOCT-1 tabled" in text and "[UNOCT-1]" in text
    assert "[UNOCT]" in text and "exchange of letters" in text and SECRET not in text
    title_wid = _parts(_api(app, people, "cica.negotiator"))[0]["key"]
    assert f"Stable id: {title_wid}" not in text
    russian = _pdf_text(reader.get(f"{N}/history.pdf?article={wid}&lang=ru"))
    assert "UNOCT-1" in russian


def test_the_print_redline_is_lean_and_escapes_every_word():
    redline = Redline(
        (Segment(Op.equal, "Keep <b>this</b> "), Segment(Op.delete, "old & "), Segment(Op.insert, "new\u00a0")),
        "UNOCT",
    )
    assert str(lean_redline(redline)) == (
        "Keep &lt;b&gt;this&lt;/b&gt; <del>old &amp; </del><ins>new\u00a0</ins><sup>[UNOCT]</sup>"
    )


@libreoffice
def test_libreoffice_reads_an_article_docx(app, people, adopted, tmp_path):  # noqa: F811
    wid, _first, _second = adopted
    cica = people["cica.negotiator"]
    texts = _libreoffice_texts(
        tmp_path, {"article": (cica.get(f"{N}/history.docx?article={wid}&lang=en").data, "none")}
    )
    article = "\n".join(texts["article"])
    assert "UNOCT-1 tabled" in article and "exchange of letters[UNOCT-1]" in article and SECRET not in article


def test_who_wrote_the_whole_draft_is_kept_until_the_draft_changes(app, people, adopted):  # noqa: F811
    wid, _first, _second = adopted
    reader = people["cica.negotiator"]
    page = _text(reader.get(f"{N}/who-wrote-this?lang=en"))
    assert "Who wrote this: the whole draft" in page
    assert re.search(
        r'<mark class="word-run"[^>]*>[^<]*exchange of letters[^<]*<sup class="run-label">\[UNOCT-1\]', page
    )
    assert f"/clauses/{wid}/who-wrote-this?lang=en" in page
    api = _api(app, people, "cica.negotiator")

    def attribution() -> tuple[dict, int]:
        statements: list[str] = []

        def counted(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", counted)
        try:
            answer = api.call("draft_attribution", query={"language": "en"})
        finally:
            event.remove(db.engine, "before_cursor_execute", counted)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
        return answer.get_json(), len(statements)

    with app.app_context():
        body, cold = attribution()
        again, warm = attribution()
    assert again == body and warm < cold
    clause = next(c for c in body["clauses"] if c["wid"] == wid)
    assert "".join(run["text"] for run in clause["runs"]) == NEW_WORDING
    unoct = next(run for run in clause["runs"] if run["citation"] == "UNOCT-1")
    assert unoct["cleared_by"] == ["Yerlan Abenov"] and unoct["endorsed_at"] == "SWG" and unoct["party"] == "UNOCT"
    assert len(body["clauses"]) == len([c for c in body["clauses"] if c["citation"]])
    # A new version is read at once, on the page and through the API.
    add_clause_version(app, wid, "Amended by an exchange of notes.")
    page = _text(reader.get(f"{N}/who-wrote-this?lang=en"))
    section = re.search(rf'id="who-{wid}".*?</section>', page, flags=re.S).group(0)
    words = re.findall(r'<mark class="word-run"[^>]*>(.*?)<sup class="run-label">', section, flags=re.S)
    assert "".join(words) == "Amended by an exchange of notes."
    with app.app_context():
        changed, _ = attribution()
    clause = next(c for c in changed["clauses"] if c["wid"] == wid)
    assert "".join(run["text"] for run in clause["runs"]) == "Amended by an exchange of notes."
    bad = api.call("draft_attribution", query={"language": "fr"})
    assert bad.status_code == 422 and "has no text in that language" in bad.get_json()["detail"]


@pytest.mark.parametrize("login", ["unoct.negotiator", "cica.chair"])
def test_the_contents_are_the_same_pages_for_both_parties(app, people, adopted, login):  # noqa: F811
    """The pages' bounds are counted on what both parties see alike, so that a link to a page reads the same
    clauses for everyone (and says nothing of a party's drafts)."""
    mine = [(p["key"], [c["wid"] for c in p["clauses"]]) for p in _parts(_api(app, people, login))]
    theirs = [(p["key"], [c["wid"] for c in p["clauses"]]) for p in _parts(_api(app, people, "cica.legal"))]
    assert mine == theirs


def test_a_deleted_clause_stays_in_the_history_with_the_article_it_was_deleted_from(app, people):
    from tests.conftest import wid_of
    from tests.services.test_amendments import SETTLEMENT

    api = _api(app, people, "cica.negotiator")
    before = _parts(api)
    article = next(p for p in before if p["article"] and len(p["clauses"]) > 2)
    paragraph = article["clauses"][1]["wid"]
    settlement = wid_of(app, SETTLEMENT)
    add_clause_version(app, paragraph, None)
    add_clause_version(app, settlement, None)
    after = _parts(api)
    # The deleted paragraph stays on its article's page (after the clauses still in the draft); an article deleted
    # whole goes to a page of its own at the end. Every clause is still on exactly one page.
    same = next(p for p in after if p["key"] == article["key"])
    assert same["clauses"][-1] == {"wid": paragraph, "citation": None}
    assert after[-1]["deleted"] and after[-1]["title"] == "Clauses deleted on the way"
    assert after[-1]["clauses"] == [{"wid": settlement, "citation": None}]
    assert sorted(c["wid"] for p in after for c in p["clauses"]) == sorted(_demo_wids(app))
    reader = people["cica.negotiator"]
    page = _text(reader.get(f"{N}/history?article={paragraph}&lang=en"))
    assert f"Stable id: {paragraph}" in page and "Version 2: the clause deleted" in page
    assert f"Stable id: {article['key']}" in page  # a clause of the article opens the article's page
    gone = _text(reader.get(f"{N}/history?article={settlement}&lang=en"))
    assert "Clauses deleted on the way" in gone and "Version 2: the clause deleted" in gone
    assert 'rel="next"' not in gone


def test_the_whole_history_too_long_to_wait_for_is_made_in_the_background_once(app, people, adopted, monkeypatch):  # noqa: F811
    import threading
    import time

    from mou_tracker.web import history as history_pages

    release = threading.Event()
    calls: list[int] = []
    original = history_service.instrument_record

    def slow(*args, **kwargs):  # as long as the treaty's: the reader does not wait for it
        calls.append(1)
        release.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(history_service, "instrument_record", slow)
    monkeypatch.setattr(history_pages, "WHOLE_WAIT_SECONDS", 0.2)
    cica, unoct = people["cica.negotiator"], people["unoct.negotiator"]
    first = cica.get(f"{N}/history.docx?lang=en")
    again = cica.get(f"{N}/history.docx?lang=en")
    for waiting in (first, again):
        assert waiting.status_code == 503 and waiting.headers["Retry-After"] == "60"
        assert "being made for the negotiation as it now stands" in waiting.get_data(as_text=True)
    assert calls == [1]  # made once, however many ask meanwhile
    release.set()
    for _ in range(100):
        ready = cica.get(f"{N}/history.docx?lang=en")
        if ready.status_code == 200:
            break
        time.sleep(0.2)
    text = _docx_text(ready)
    assert "UNOCT-1 tabled" in text and SECRET not in text
    assert calls == [1]
    # Made for CICA's visibility: UNOCT's own is made for UNOCT, with its draft.
    own = unoct.get(f"{N}/history.docx?lang=en")
    for _ in range(100):
        if own.status_code == 200:
            break
        time.sleep(0.2)
        own = unoct.get(f"{N}/history.docx?lang=en")
    assert SECRET in _docx_text(own) and len(calls) == 2


def test_no_more_whole_histories_are_made_at_once_than_a_worker_allows(app, people, adopted, monkeypatch):  # noqa: F811
    """A reader who moves their party's state again and again cannot start one more minutes-long build each time:
    beyond MOST_MAKING builds at once, the request is asked to come back and nothing is started."""
    from mou_tracker.web import history as history_pages

    calls: list[int] = []
    monkeypatch.setattr(history_service, "instrument_record", lambda *a, **k: calls.append(1))
    monkeypatch.setattr(history_pages, "MOST_MAKING", 0)
    answer = people["cica.negotiator"].get(f"{N}/history.docx?lang=en")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "60"
    assert calls == [] and history_pages._MAKING == {}
