"""Every HTML, JSON and CSV answer goes out compressed when the browser accepts it; Word and PDF files do not (they
are compressed archives already); a conditional read and a write naming an ETag work compressed too."""

from __future__ import annotations

import gzip

import brotli

from tests.api.test_api import Client, create_token
from tests.services.test_amendments import AMENDMENT_CLAUSE, as_user
from tests.web.test_page_cache import _same_page

REDLINE = "/redline?from=date:2024-03-06&to=now"
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}


def test_the_whole_draft_redline_goes_out_compressed_and_reads_the_same(app, demo):
    chair = as_user(app, demo, "cica.chair")
    plain = chair.get(REDLINE)
    zipped = chair.get(REDLINE, headers={"Accept-Encoding": "gzip"})
    brotlied = chair.get(REDLINE, headers=BROWSER)
    assert plain.status_code == zipped.status_code == brotlied.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip" and brotlied.headers["Content-Encoding"] == "br"
    assert (
        _same_page(gzip.decompress(zipped.data))
        == _same_page(plain.data)
        == _same_page(brotli.decompress(brotlied.data))
    )
    assert len(zipped.data) < len(plain.data) / 3
    assert "Accept-Encoding" in zipped.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]


def test_every_main_page_and_csv_is_compressed_for_a_browser(app, demo):
    chair = as_user(app, demo, "cica.chair")
    pages = ("/", "/dashboard", "/amendments", "/audit", "/meetings/SWG/pack", "/exports/clauses.csv")
    for page in (*pages, "/exports/akoma-ntoso.xml"):
        response = chair.get(page, headers=BROWSER)
        assert response.status_code == 200, page
        assert response.headers.get("Content-Encoding") in ("gzip", "br"), page


def test_word_and_pdf_files_are_not_compressed_again(app, demo):
    chair = as_user(app, demo, "cica.chair")
    docx = chair.get("/exports/draft.docx", headers=BROWSER)
    assert docx.status_code == 200 and "Content-Encoding" not in docx.headers
    assert docx.data[:2] == b"PK"  # the Word file itself, as Word opens it


def test_a_short_answer_is_sent_as_it_is(app, demo):
    response = app.test_client().get("/health", headers=BROWSER)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers


def _long_proposal(unoct: Client):
    clauses = unoct.call("list_clauses", query={"per_page": 200}).get_json()["items"]
    target = next(c for c in clauses if c["texts"]["en"]["body"].startswith(AMENDMENT_CLAUSE))
    body = "This Memorandum may be amended by written agreement of the Participants. " * 30
    proposed = unoct.call(
        "propose",
        json={"kind": "change", "clause": target["wid"], "texts": {"en": {"body": body}}, "rationale": "In writing."},
    )
    assert proposed.status_code == 201
    return proposed.get_json()["id"]


def test_an_etag_read_compressed_still_guards_a_write_and_a_conditional_read(app, demo):
    unoct = Client(app.test_client(), create_token(as_user(app, demo, "unoct.negotiator")))
    amendment_id = _long_proposal(unoct)
    url = unoct.operations["get_amendment"][1].format(negotiation=unoct.negotiation, amendment_id=amendment_id)
    auth = {"Authorization": f"Bearer {unoct.token}"}
    read = unoct.http.get(url, headers={**auth, "Accept-Encoding": "gzip"})
    assert read.headers["Content-Encoding"] == "gzip"
    etag = read.headers["ETag"]
    assert etag.endswith(':gzip"') and not etag.startswith("W/")  # its own strong validator per coding

    # Reading again with it: nothing changed, nothing sent.
    again = unoct.http.get(url, headers={**auth, "Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""

    # Writing with it: it names the state the client read, so the write goes through.
    tabled = unoct.call("table", amendment_id=amendment_id, etag=etag)
    assert tabled.status_code == 200, tabled.get_json()
    # Now stale: the same ETag is refused, compressed or not.
    assert unoct.call("table", amendment_id=amendment_id, etag=etag).status_code == 412
