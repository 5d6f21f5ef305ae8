"""Bringing a Word draft into a new negotiation from the command line: dry run, import with a second language,
refusals, and the round trip of the product's own Word export."""

from __future__ import annotations

import io
from pathlib import Path

from mou_tracker import demo_text
from mou_tracker.extensions import db
from mou_tracker.models import AuditEvent, Clause, Instrument, User
from mou_tracker.services import negotiations

from .test_amendments import as_user

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def _new_negotiation(app, slug="cica-osce-mou") -> None:
    with app.app_context():
        admin = db.session.scalar(db.select(User).filter_by(login="cica.admin"))
        negotiations.create_negotiation(
            db.session,
            admin,
            title="Memorandum of Understanding between the CICA Secretariat and the OSCE Secretariat",
            short_title="CICA – OSCE MoU",
            slug=slug,
            party_ids=[admin.party_id],
            new_parties=[negotiations.NewParty("OSCE", "OSCE Secretariat")],
            authoritative_language="en",
            other_languages=["ru"],
            meetings=[],
        )
        db.session.commit()


def _tree(app, slug):
    """(kind, depth-free parent kind, heading, body) per clause in reading order, per language."""
    with app.app_context():
        instrument = db.session.scalar(db.select(Instrument).filter_by(slug=slug))
        clauses = db.session.scalars(db.select(Clause).filter_by(instrument_id=instrument.id).order_by(Clause.id))
        rows = []
        for clause in clauses:
            version = clause.versions[-1]
            texts = {t.language: (t.heading, t.body) for t in version.texts}
            rows.append((clause.kind.value, clause.parent.kind.value if clause.parent else None, texts))
        return rows


def test_a_dry_run_prints_the_tree_and_stores_nothing(app, demo):
    _new_negotiation(app)
    result = app.test_cli_runner().invoke(
        args=["import-draft", str(FIXTURES / "generated_en.docx"), "--negotiation", "cica-osce-mou", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "article [" in result.output and "Dry run: nothing was stored." in result.output
    assert _tree(app, "cica-osce-mou") == []


def test_a_word_draft_and_its_russian_version_become_the_negotiations_clauses(app, demo):
    _new_negotiation(app)
    result = app.test_cli_runner().invoke(
        args=[
            "import-draft",
            str(FIXTURES / "generated_en.docx"),
            "--negotiation",
            "cica-osce-mou",
            "--translation",
            f"ru={FIXTURES / 'russian.docx'}",
            "--as",
            "cica.admin",
        ]
    )
    assert result.exit_code == 0, result.output
    tree = _tree(app, "cica-osce-mou")
    assert tree[0][0] == "title" and any(kind == "article" for kind, _, _ in tree)
    assert all("en" in texts for _, _, texts in tree)
    # The numbers Word generated are not in the stored text: the product derives them from position.
    assert not any(texts["en"][1].startswith(("1.", "(a)", "Article")) for _, _, texts in tree)
    with app.app_context():
        event = db.session.scalar(
            db.select(AuditEvent).filter_by(kind="instrument.imported").order_by(AuditEvent.id.desc())
        )
        assert "generated_en.docx" in event.summary and len(event.after["sha256"].split()[0]) == 64
    again = app.test_cli_runner().invoke(
        args=[
            "import-draft",
            str(FIXTURES / "generated_en.docx"),
            "--negotiation",
            "cica-osce-mou",
            "--as",
            "cica.admin",
        ]
    )
    assert again.exit_code != 0 and "has a draft already" in again.output
    # Negotiators of its parties start proposing on it.
    cica = as_user(app, demo, "cica.negotiator")
    assert cica.get("/n/cica-osce-mou/").status_code == 200


def test_refused_files_store_nothing(app, demo, tmp_path):
    _new_negotiation(app)
    for name, data, message in (
        ("draft.pdf", b"%PDF-1.7 not a draft", "PDF"),
        ("draft.docx", b"PK\x03\x04 not really a zip", "Word"),
        ("draft.txt", b"Article 1\x00", "NUL"),
        ("latin1.txt", "Préambule".encode("latin-1"), "UTF-8"),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        result = app.test_cli_runner().invoke(
            args=["import-draft", str(path), "--negotiation", "cica-osce-mou", "--as", "cica.admin"]
        )
        assert result.exit_code != 0 and message.lower() in result.output.lower(), (name, result.output)
    assert _tree(app, "cica-osce-mou") == []


def test_the_products_own_word_export_imports_back_to_the_same_clauses(app, demo, tmp_path):
    chair = as_user(app, demo, "cica.chair")
    exported = chair.get(f"/n/{demo_text.SLUG}/exports/draft.docx")
    assert exported.status_code == 200
    path = tmp_path / "draft.docx"
    path.write_bytes(io.BytesIO(exported.data).getvalue())
    _new_negotiation(app, "round-trip")
    result = app.test_cli_runner().invoke(
        args=["import-draft", str(path), "--negotiation", "round-trip", "--as", "cica.admin"]
    )
    assert result.exit_code == 0, result.output
    original = [(kind, parent, texts["en"]) for kind, parent, texts in _tree(app, demo_text.SLUG)]
    imported = [(kind, parent, texts["en"]) for kind, parent, texts in _tree(app, "round-trip")]
    assert imported == original
