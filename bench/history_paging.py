"""The instrument's negotiating history paged by article, its kept files, and who wrote the whole draft, at a
synthetic size (issue #17, Speed): times for BENCHMARKS.md.

    .venv/bin/python -m bench.history_paging [SIZE] [DATABASE_URL] [ARTICLES]

Builds the synthetic negotiation (bench/synthetic.py) into the given database (by default a new SQLite file), then
times through the app, signed in as CICA's chair: the history's contents page, ARTICLES article pages (3 by
default; each first view, then a kept view), their PDF and DOCX, who wrote the whole draft (page and API, first and
kept), the whole instrument's DOCX (first, kept) and PDF (refused when too long, else made), and WeasyPrint alone
on the articles' HTML to find how many entries of the record a PDF request can lay out.
"""

from __future__ import annotations

import re
import sys
import time

from mou_tracker.extensions import db
from mou_tracker.web import page_cache

from . import synthetic


def _get(client, url: str, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    response = client.get(url, **kwargs)
    return (time.perf_counter() - start) * 1000, response


def main(size: str = "treaty", url: str | None = None, articles: str = "3", pdfs: str = "yes") -> None:
    """`url` naming a database this benchmark built before is used as it is (nothing built); `pdfs` "no" leaves
    out the PDFs (WeasyPrint takes minutes on a loaded machine)."""
    app = synthetic.app_with_size(size, url, "history.sqlite3")
    client = synthetic.signed_in_client(app)
    base = f"/n/synthetic-{size}"

    ms, response = _get(client, f"{base}/history?lang=en")
    keys = list(dict.fromkeys(re.findall(r"history\?article=([\w-]+)&amp;lang=en", response.get_data(as_text=True))))
    print(f"contents page: first {ms:.0f} ms, {len(response.data) / 1024:.0f} KB, {len(keys)} pages")
    ms, response = _get(client, f"{base}/history?lang=en")
    print(f"contents page: kept {ms:.0f} ms")
    # Articles from the middle of the draft (the first pages are the title and the preamble).
    chosen = [keys[len(keys) // 2 + n] for n in range(int(articles))] + [keys[0]]
    pdf_rates = []
    for key in chosen:
        ms, response = _get(client, f"{base}/history?article={key}&lang=en")
        size_kb = len(response.data) / 1024
        kept, _ = _get(client, f"{base}/history?article={key}&lang=en")
        entries = re.search(r"Versions: (\d+) · amendments: (\d+)", response.get_data(as_text=True))
        count = int(entries.group(1)) + int(entries.group(2)) if entries else 0
        pdf_ms, pdf = _get(client, f"{base}/history.pdf?article={key}&lang=en") if pdfs == "yes" else (0, response)
        docx_ms, docx = _get(client, f"{base}/history.docx?article={key}&lang=en")
        print(
            f"page {key} ({count} entries): first {ms:.0f} ms ({size_kb:.0f} KB), kept {kept:.0f} ms; "
            f"PDF {pdf_ms:.0f} ms ({len(pdf.data) / 1024:.0f} KB, {pdf.status_code}); "
            f"DOCX {docx_ms:.0f} ms ({len(docx.data) / 1024:.0f} KB)"
        )
        if count:
            pdf_rates.append(pdf_ms / count)

    if pdfs != "yes":
        _rest(client, base, size)
        return
    # WeasyPrint alone on several articles' print HTML at once: is its time linear in the record's length?
    with app.test_request_context():
        from flask_login import login_user

        from mou_tracker.models import User
        from mou_tracker.services import history as history_service
        from mou_tracker.services.draft import current_instrument
        from mou_tracker.services.negotiations import open_negotiation
        from mou_tracker.web.history import _pdf_bytes

        user = db.session.scalar(db.select(User).filter_by(login="cica.chair"))
        login_user(user)
        open_negotiation(db.session, user, f"synthetic-{size}")
        records, entries = [], 0
        for key in keys[len(keys) // 2 : len(keys) // 2 + 8]:
            page_record = history_service.article_record(db.session, user, "en", key)
            records += page_record.records
            entries += page_record.section.entries
        start = time.perf_counter()
        body = _pdf_bytes("bench", current_instrument(db.session), "en", records)
        ms = (time.perf_counter() - start) * 1000
        print(f"PDF of 8 articles ({entries} entries): {ms / 1000:.1f} s, {len(body) / 1024:.0f} KB")
        pdf_rates.append(ms / max(entries, 1))

    rate = max(pdf_rates) if pdf_rates else 0
    print(f"PDF: up to {rate:.0f} ms per entry: 60 s lays out about {60_000 / rate:.0f} entries" if rate else "")
    _rest(client, base, size)
    with app.app_context():
        page_cache.clear()


def _rest(client, base: str, size: str) -> None:
    """Who wrote the whole draft (page, API), and the whole instrument's PDF and DOCX."""
    ms, response = _get(client, f"{base}/who-wrote-this?lang=en")
    kept, _ = _get(client, f"{base}/who-wrote-this?lang=en")
    print(
        f"who wrote the whole draft, page: first {ms:.0f} ms ({len(response.data) / 1024:.0f} KB), kept {kept:.0f} ms"
    )
    form = client.get("/account/tokens").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    made = client.post("/account/tokens", data={"name": "bench", "lifetime_days": "90", "csrf_token": token})
    secret = re.search(r'id="new-token"[^>]*value="(mou_[^"]+)"', made.get_data(as_text=True)).group(1)
    api = f"/api/v1/negotiations/synthetic-{size}/attribution?language=en"
    headers = {"Authorization": f"Bearer {secret}"}
    ms, response = _get(client, api, headers=headers)
    kept, _ = _get(client, api, headers=headers)
    print(f"  the same through the API: first {ms:.0f} ms ({len(response.data) / 1024:.0f} KB), kept {kept:.0f} ms")
    ms, response = _get(client, f"{base}/history.pdf?lang=en")
    print(f"whole PDF: {response.status_code} in {ms:.0f} ms ({len(response.data) / 1024:.0f} KB)")
    # The whole DOCX is made in the background once a request has waited 20 s for it: ask until it is there.
    started = time.perf_counter()
    ms, response = _get(client, f"{base}/history.docx?lang=en")
    print(f"whole DOCX, first request: {response.status_code} in {ms / 1000:.1f} s")
    while response.status_code == 503:
        time.sleep(5)
        ms, response = _get(client, f"{base}/history.docx?lang=en")
    made = time.perf_counter() - started
    kept, _ = _get(client, f"{base}/history.docx?lang=en")
    print(f"whole DOCX: ready after {made:.1f} s ({len(response.data) / 1024:.0f} KB), kept {kept:.0f} ms")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  (a text stream)
    main(*sys.argv[1:])
