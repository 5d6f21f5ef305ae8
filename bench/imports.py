"""python -m bench.imports: a 300-clause, 60,000-word draft imported from Word, English and Russian.

Builds both documents with python-docx (articles, numbered paragraphs, lettered items; numbers typed as in a
circulated draft), then times what the upload page does on a fresh database: read and recognise both files and
keep the preview (`prepare_import`), and store the draft (`confirm_import`). Prints the times and the peak memory
(tracemalloc for Python's own allocations; the process's peak resident size for everything, lxml included).
"""

from __future__ import annotations

import argparse
import io
import random
import resource
import tempfile
import time
import tracemalloc

from docx import Document
from flask_migrate import upgrade

from mou_tracker import create_app
from mou_tracker.extensions import db
from mou_tracker.models import Clause, Instrument, Party, User
from mou_tracker.services import demo, negotiations
from mou_tracker.services import imports as import_service
from mou_tracker.services.draft import remember_instrument

from .synthetic import vocabularies


def draft_document(language_words: list[str], *, articles: int, paragraphs: int, items: int, words: int, seed: int):
    """A Word draft: a title, three preambular paragraphs, the operative formula, `articles` articles each with a
    heading, an opening sentence, `paragraphs` numbered paragraphs, the first of them with `items` lettered items."""
    rng = random.Random(seed)  # noqa: S311  (reproducible text, not security)

    def sentence(count: int) -> str:
        return " ".join(rng.choice(language_words) for _ in range(count)).capitalize() + "."

    document = Document()
    document.add_paragraph("Memorandum of Understanding on a synthetic matter").runs[0].bold = True
    for _ in range(3):
        document.add_paragraph(sentence(words)[:-1] + ",")
    document.add_paragraph("Have agreed as follows:")
    for article in range(1, articles + 1):
        document.add_paragraph(f"Article {article} — {sentence(3)[:-1]}")
        document.add_paragraph(sentence(words))
        for paragraph in range(1, paragraphs + 1):
            document.add_paragraph(f"{paragraph}. {sentence(words)}")
            if paragraph == 1:
                for item in range(items):
                    document.add_paragraph(f"({'abcdefgh'[item]}) {sentence(words // 2)}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


#: 30 articles x (1 + 6 paragraphs + 3 items) + 5 = 305 clauses; about 200 words a clause: 60,000 words.
SHAPE = {"paragraphs": 6, "items": 3, "words": 230}


def draft_documents(articles: int) -> tuple[bytes, bytes]:
    """The English and the Russian Word drafts of `articles` articles (the same shape, their own words)."""
    english, russian = vocabularies()
    shape = {"articles": articles, **SHAPE}
    return draft_document(english, seed=1, **shape), draft_document(russian, seed=2, **shape)


def app_with_negotiation(url: str, *, short_title: str, slug: str, party_codes: list[str], new_parties=()):
    """A migrated app on `url` with the demo loaded and one new, empty English/Russian negotiation made by the CICA
    administrator (`party_codes`: existing parties of it besides CICA); returns (app, instrument id)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        demo.load_demo(db.session)
        admin = db.session.scalar(db.select(User).filter_by(login="cica.admin"))
        others = [db.session.scalar(db.select(Party.id).filter_by(code=code)) for code in party_codes]
        instrument = negotiations.create_negotiation(
            db.session,
            admin,
            title="Synthetic memorandum",
            short_title=short_title,
            slug=slug,
            party_ids=[admin.party_id, *others],
            new_parties=list(new_parties),
            authoritative_language="en",
            other_languages=["ru"],
            meetings=[],
        )
        db.session.commit()
        return app, instrument.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a new SQLite file)")
    args = parser.parse_args()
    en, ru = draft_documents(args.articles)
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/import-bench.sqlite3"
    app, instrument_id = app_with_negotiation(
        url,
        short_title="Synthetic import",
        slug="synthetic-import",
        party_codes=[],
        new_parties=[negotiations.NewParty("SYN", "Synthetic organisation")],
    )
    with app.app_context():
        admin = db.session.scalar(db.select(User).filter_by(login="cica.admin"))
        instrument = db.session.get(Instrument, instrument_id)
        remember_instrument(db.session, instrument)
        tracemalloc.start()
        start = time.perf_counter()
        preview = import_service.prepare_import(db.session, admin, {"en": ("en.docx", en), "ru": ("ru.docx", ru)})
        db.session.commit()
        prepared = time.perf_counter() - start
        start = time.perf_counter()
        clauses = import_service.confirm_import(db.session, admin, preview.id)
        db.session.commit()
        confirmed = time.perf_counter() - start
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        stored = db.session.scalar(
            db.select(db.func.count()).select_from(Clause).where(Clause.instrument_id == instrument.id)
        )
    words = sum(len(t.split()) for t in [p.text for p in Document(io.BytesIO(en)).paragraphs])
    print(f"database: {url.split(':', 1)[0]}")
    print(f"English document: {len(en) / 1024:.0f} KB, {words:,} words; Russian: {len(ru) / 1024:.0f} KB")
    print(f"clauses stored: {stored} ({len(clauses)} returned)")
    print(f"read + recognise + preview kept: {prepared:.2f} s; confirm (store): {confirmed:.2f} s")
    print(f"total: {prepared + confirmed:.2f} s")
    print(f"Python peak (tracemalloc): {traced_peak / 2**20:.0f} MiB")
    print(f"process peak resident size: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
