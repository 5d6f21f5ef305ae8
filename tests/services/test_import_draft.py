"""Bringing a Word draft into a new negotiation from the command line: dry run, import with a second language,
refusals, and the round trip of the product's own Word export."""

from __future__ import annotations

import io
from pathlib import Path

from mou_tracker import demo_text
from mou_tracker.extensions import db
from mou_tracker.models import AuditEvent, Clause, Instrument, User
from mou_tracker.services import negotiations
from tests.services.test_amendments import as_user

FIXTURES = Path(__file__).parents[1] / "fixtures" / "import"


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


def _upload(browser, slug, files=None, texts=None):
    from tests.conftest import Browser  # noqa: F401  (the helper's type)

    data = {"csrf_token": browser.token(f"/n/{slug}/import/")}
    for language, (name, content) in (files or {}).items():
        data[f"file_{language}"] = (io.BytesIO(content), name)
    for language, text in (texts or {}).items():
        data[f"text_{language}"] = text
    return browser.client.post(f"/n/{slug}/import/", data=data, content_type="multipart/form-data")


def test_an_administrator_uploads_corrects_the_preview_and_confirms(app, demo):
    _new_negotiation(app)
    admin = as_user(app, demo, "cica.admin")
    assert "Import the draft" in admin.get("/negotiations").get_data(as_text=True)
    english = (FIXTURES / "generated_en.docx").read_bytes()
    russian = (FIXTURES / "russian.docx").read_bytes()
    response = _upload(admin, "cica-osce-mou", {"en": ("draft-en.docx", english), "ru": ("draft-ru.docx", russian)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    preview_url = response.headers["Location"]
    page = admin.get(preview_url).get_data(as_text=True)
    assert "Check the imported draft" in page and "draft-en.docx" in page and "Статья" not in page.split("<tbody>")[0]
    assert _tree(app, "cica-osce-mou") == []  # nothing stored before the confirmation
    # Correct one clause: the second recognised clause becomes a paragraph... refused (it has nothing to belong to),
    # and the form says why; then give the last clause another kind, which is allowed.
    token = admin.token(preview_url)
    refused = admin.client.post(
        preview_url, data={"csrf_token": token, "action": "kind", "language": "en", "index": "1", "value": "paragraph"}
    )
    assert refused.status_code == 400 and "has no clause before it that it could belong to" in refused.get_data(
        as_text=True
    )
    rows = page.count('<tr id="c-')
    changed = admin.client.post(
        preview_url,
        data={"csrf_token": token, "action": "kind", "language": "en", "index": str(rows - 1), "value": "item"},
    )
    assert changed.status_code == 302
    assert admin.client.post(preview_url, data={"csrf_token": token, "action": "confirm"}).status_code == 302
    tree = _tree(app, "cica-osce-mou")
    assert len(tree) == rows and tree[-1][0] == "item"
    assert any("ru" in texts for _, _, texts in tree)
    # The preview is gone once confirmed; importing again is refused.
    assert admin.get(preview_url).status_code == 404
    assert admin.get("/n/cica-osce-mou/import/").status_code == 409


def test_bad_uploads_are_refused_with_a_message_and_store_nothing(app, demo):
    from mou_tracker.models import ImportPreview

    _new_negotiation(app)
    admin = as_user(app, demo, "cica.admin")
    for files, texts, message in (
        ({"en": ("draft.docx", b"%PDF-1.7")}, None, "PDF"),
        ({"en": ("draft.docm", b"PK\x03\x04 broken")}, None, "draft.docm"),
        (None, {"ru": "Статья 1"}, "authoritative"),
        (None, None, "authoritative"),
    ):
        response = _upload(admin, "cica-osce-mou", files, texts)
        assert response.status_code == 400, message
        assert message in response.get_data(as_text=True), message
    too_big = _upload(admin, "cica-osce-mou", {"en": ("big.docx", b"x" * (41 * 1024 * 1024))})
    assert too_big.status_code == 413
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ImportPreview)) == 0
    assert _tree(app, "cica-osce-mou") == []
    # Only administrators import; a negotiator is refused.
    assert as_user(app, demo, "cica.negotiator").get("/n/cica-osce-mou/import/").status_code == 403


def test_pasted_text_is_imported_through_the_same_preview(app, demo):
    _new_negotiation(app)
    admin = as_user(app, demo, "cica.admin")
    response = _upload(admin, "cica-osce-mou", texts={"en": demo_text.SECOND_DRAFT_EN, "ru": demo_text.SECOND_DRAFT_RU})
    assert response.status_code == 302
    token = admin.token(response.headers["Location"])
    assert (
        admin.client.post(response.headers["Location"], data={"csrf_token": token, "action": "confirm"}).status_code
        == 302
    )
    assert [kind for kind, _, _ in _tree(app, "cica-osce-mou")] == [
        kind for kind, _, _ in _tree(app, demo_text.SECOND_SLUG)
    ]


def test_a_word_document_larger_than_an_ordinary_form_is_read(app, demo):
    """Real drafts carry logos and images: a 3 MB document must not meet the 2 MB limit of the other forms."""
    import os
    import zipfile

    _new_negotiation(app)
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(FIXTURES / "generated_en.docx") as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("word/media/logo.png", os.urandom(3 * 1024 * 1024))
    admin = as_user(app, demo, "cica.admin")
    response = _upload(admin, "cica-osce-mou", {"en": ("with-logo.docx", buffer.getvalue())})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    # Without the form's token the upload is refused like any other form.
    forged = admin.client.post(
        "/n/cica-osce-mou/import/",
        data={"file_en": (io.BytesIO(buffer.getvalue()), "x.docx")},
        content_type="multipart/form-data",
    )
    assert forged.status_code == 400


def test_a_translation_with_a_preambular_paragraph_fewer_is_never_paired_with_the_wrong_clauses():
    """Positional pairing gave each English recital the Russian of the next one when the Russian lacked one. Paired
    by place in the tree, the preamble is left without Russian and said so; the articles, which match, keep theirs."""
    from mou_tracker.imports.sources import recognise_source
    from mou_tracker.services.imports import align

    english = recognise_source(demo_text.SECOND_DRAFT_EN.encode())
    lines = demo_text.SECOND_DRAFT_RU.splitlines()
    shorter = "\n".join(line for line in lines if not line.startswith("Стремясь"))  # one recital fewer
    russian = recognise_source(shorter.encode())
    alignment = align(english, russian, "ru")
    kinds = [clause.kind.value for clause in english.clauses]
    for index, kind in enumerate(kinds):
        counterpart = alignment.counterparts[index]
        if kind == "preamble":
            assert counterpart is None
        else:
            assert counterpart is not None and russian.clauses[counterpart].kind.value == kind
    assert [str(m) for m in alignment.mismatches] == [
        "The ru version has 2 clauses of the kind “Preambular paragraph” where the authoritative text has 3 "
        "(clause 2 on): they are left without ru text."
    ]


def test_the_other_languages_structure_is_corrected_in_the_preview_until_it_pairs(app, demo):
    """A Russian text read with a recital split in two: the user joins the two halves, and the Russian preamble,
    left empty while the counts differed, is paired again."""
    _new_negotiation(app)
    admin = as_user(app, demo, "cica.admin")
    split = demo_text.SECOND_DRAFT_RU.replace("Стремясь укреплять", "Стремясь\nукреплять")
    response = _upload(admin, "cica-osce-mou", texts={"en": demo_text.SECOND_DRAFT_EN, "ru": split})
    preview_url = response.headers["Location"]
    page = admin.get(preview_url).get_data(as_text=True)
    assert "they are left without Русский text" in page
    assert 'id="ru-3"' in page  # the Russian version's own table, with the stray half as clause 4
    token = admin.token(preview_url)
    joined = admin.client.post(
        preview_url, data={"csrf_token": token, "action": "merge", "language": "ru", "index": "3", "value": ""}
    )
    assert joined.status_code == 302
    page = admin.get(preview_url).get_data(as_text=True)
    assert "left without Русский text" not in page and "Стремясь укреплять" in page
