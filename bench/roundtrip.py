"""python -m bench.roundtrip: a 300-clause draft exported to Word, 5% of its words changed as tracked
changes, uploaded back (issue #16).

Imports a 305-clause, 60,000-word draft in English and Russian (bench.imports builds it), exports it as the
product's clean DOCX (clause bookmarks, negotiation property), replaces one word in twenty of every clause's text
with a tracked deletion and insertion (written with lxml as Word writes them), then times what the upload page
does: read the document, match it to the clauses and keep the preview (`services.roundtrip.prepare`), and create
every proposed amendment as a draft (`services.roundtrip.confirm`).
"""

from __future__ import annotations

import argparse
import io
import random
import re
import tempfile
import time
import zipfile

from lxml import etree

from mou_tracker.core import roundtrip as core
from mou_tracker.exports import docx as docx_export
from mou_tracker.extensions import db
from mou_tracker.imports.docx_revisions import read_revised_docx
from mou_tracker.imports.sources import recognise_source
from mou_tracker.models import Instrument, User
from mou_tracker.services import imports as import_service
from mou_tracker.services import roundtrip
from mou_tracker.services.draft import draft_as_of, remember_instrument

from .imports import app_with_negotiation, draft_documents

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def mark_up(data: bytes, share: float, seed: int = 16) -> tuple[bytes, int, int]:
    """The document with about `share` of the words of every clause text replaced as tracked changes. Returns the
    document, the number of words changed and the number of clause paragraphs touched."""
    rng = random.Random(seed)  # noqa: S311  (reproducible edits, not security)
    source = zipfile.ZipFile(io.BytesIO(data))
    root = etree.fromstring(source.read("word/document.xml"))
    changed = touched = 0
    ident = 100_000
    for start in root.iter(_w("bookmarkStart")):
        if not re.match(r"^mou_b_", start.get(_w("name")) or ""):
            continue
        paragraph = start.getparent()
        hit = False
        for run in list(paragraph.iter(_w("r"))):
            if run.getparent().tag != _w("p"):
                continue  # the label's run inside a revision mark, or a run already rewritten
            texts = run.findall(_w("t"))
            if len(texts) != 1 or not texts[0].text:
                continue
            words = re.split(r"(\s+)", texts[0].text)
            pieces: list[tuple[str, str]] = []  # ("=", text) / ("-", old) / ("+", new)
            for word in words:
                if word.strip() and word.isalpha() and rng.random() < share:
                    pieces += [("-", word), ("+", word[::-1])]
                    changed += 1
                    hit = True
                elif pieces and pieces[-1][0] == "=":
                    pieces[-1] = ("=", pieces[-1][1] + word)
                else:
                    pieces.append(("=", word))
            if not any(kind != "=" for kind, _ in pieces):
                continue
            properties = run.find(_w("rPr"))
            for kind, text in pieces:
                new_run = etree.Element(_w("r"))
                if properties is not None:
                    new_run.append(etree.fromstring(etree.tostring(properties)))
                piece = etree.SubElement(new_run, _w("delText" if kind == "-" else "t"))
                piece.set(_XML_SPACE, "preserve")
                piece.text = text
                if kind == "=":
                    run.addprevious(new_run)
                    continue
                mark = etree.Element(_w("del" if kind == "-" else "ins"))
                mark.set(_w("id"), str(ident))
                mark.set(_w("author"), "Office of Legal Affairs")
                mark.set(_w("date"), "2026-11-20T10:00:00Z")
                ident += 1
                mark.append(new_run)
                run.addprevious(mark)
            paragraph.remove(run)
        touched += hit
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "word/document.xml":
                content = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(item, content)
    return out.getvalue(), changed, touched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--share", type=float, default=0.05, help="Share of the words changed (default 5%%)")
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a new SQLite file)")
    args = parser.parse_args()
    en, ru = draft_documents(args.articles)
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/roundtrip-bench.sqlite3"
    app, instrument_id = app_with_negotiation(
        url, short_title="Synthetic round trip", slug="synthetic-roundtrip", party_codes=["UNOCT"]
    )
    with app.app_context():
        admin = db.session.scalar(db.select(User).filter_by(login="cica.admin"))
        negotiator = db.session.scalar(db.select(User).filter_by(login="unoct.negotiator"))
        instrument = db.session.get(Instrument, instrument_id)
        remember_instrument(db.session, instrument)
        import_service.import_draft(
            db.session,
            admin,
            {"en": recognise_source(en), "ru": recognise_source(ru)},
            source="bench",
            sha256="-",
        )
        db.session.commit()
        clauses = draft_as_of(db.session, negotiator, instrument)
        exported = docx_export.clean_draft(
            instrument.title,
            "Current draft",
            clauses,
            [
                docx_export.ENGLISH,
                docx_export.Wording("ru", "Текст на русском языке", **docx_export.DRAFTING_CONVENTIONS["ru"]),
            ],
            negotiation=instrument.slug,
        )
        marked, changed, touched = mark_up(exported, args.share)
        # The parts on their own (CPU time as well: the machine may be shared), then the whole upload.
        cpu, start = time.process_time(), time.perf_counter()
        document = read_revised_docx(marked)
        reading_times = (time.perf_counter() - start, time.process_time() - cpu)
        base = roundtrip._base_clauses(db.session, None)
        cpu, start = time.process_time(), time.perf_counter()
        core.read_changes(document, base, ["en", "ru"], required=["en"])
        matching_times = (time.perf_counter() - start, time.process_time() - cpu)
        cpu, start = time.process_time(), time.perf_counter()
        preview = roundtrip.prepare(db.session, negotiator, name="marked-up.docx", data=marked)
        db.session.commit()
        prepared, prepared_cpu = time.perf_counter() - start, time.process_time() - cpu
        reading = roundtrip.read_preview(db.session, negotiator, preview.id)
        cpu, start = time.process_time(), time.perf_counter()
        made = roundtrip.confirm(db.session, negotiator, preview.id, [item.number for item in reading.items])
        db.session.commit()
        confirmed, confirmed_cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"database: {url.split(':', 1)[0]}")
    print(f"clauses: {len(clauses)}; document: {len(marked) / 1024:.0f} KB")
    print(f"words changed as tracked changes: {changed:,} in {touched} clause paragraphs (both languages)")
    print(f"amendments previewed: {len(reading.items)}; not taken: {len(reading.unmatched)}")
    print(f"reading the document (imports.docx_revisions): {reading_times[0]:.2f} s (CPU {reading_times[1]:.2f} s)")
    print(f"matching to the clauses (core.roundtrip): {matching_times[0]:.2f} s (CPU {matching_times[1]:.2f} s)")
    print(f"upload as the page does it, read + match + preview kept: {prepared:.2f} s (CPU {prepared_cpu:.2f} s)")
    print(
        f"confirm ({len(made)} draft amendments with their audit events and search entries): {confirmed:.2f} s "
        f"(CPU {confirmed_cpu:.2f} s)"
    )


if __name__ == "__main__":
    main()
