"""Attachments: the type read from the content (never the name), the size limit, the download headers, internal
attachments that the other party never reaches, removal by the uploader, both stores, and the API. Done when the
note verbale is attached to the SWG."""

from __future__ import annotations

import hashlib
import io
import os
import time
import zipfile
from pathlib import Path

import docx
import pytest

from mou_tracker.core import sniffing
from mou_tracker.extensions import db
from mou_tracker.models import AttachedTo, Attachment, AttachmentStore, AuditEvent, User
from mou_tracker.services import attachments as attachment_service
from tests.api.test_api import Client, create_token
from tests.conftest import DEMO_HOME, wid_of
from tests.services.test_amendments import SETTLEMENT, act, amendment_id, as_user, propose

# Files ------------------------------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"This program cannot be run in DOS mode"


def word_document() -> bytes:
    document = docx.Document()
    document.add_paragraph("Note verbale No. 12/2025")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def package(entries: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, content) in enumerate(entries):
            compression = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), content, compress_type=compression)
    return buffer.getvalue()


def content_types(main: str) -> bytes:
    return (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/main" ContentType="{main}"/></Types>'
    ).encode()


XLSX = package(
    [
        (
            "[Content_Types].xml",
            content_types("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
        ),
        ("xl/workbook.xml", b"<workbook/>"),
    ]
)
ODT = package(
    [("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<office:document-content/>")],
    stored_first=True,
)
MACRO_DOCX = package(
    [
        ("[Content_Types].xml", content_types("application/vnd.ms-word.document.macroEnabled.main+xml")),
        ("word/document.xml", b"<w:document/>"),
        ("word/vbaProject.bin", b"\x00" * 10),
    ]
)
PLAIN_ZIP = package([("readme.txt", b"hello")])
ODS = package(
    [("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", b"<x/>")], stored_first=True
)


def zip_bomb() -> bytes:
    return package(
        [
            ("[Content_Types].xml", content_types("x")),
            ("word/document.xml", b"\x00" * (8 * 1024 * 1024)),
        ]
    )


# The pure sniffing --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (ODT, "application/vnd.oasis.opendocument.text"),
    ],
)
def test_each_accepted_type_is_read_from_its_content(data, media_type):
    assert sniffing.sniff(data).media_type == media_type


def test_a_real_word_document_is_recognised():
    assert sniffing.sniff(word_document()) is sniffing.DOCX


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (EXE, "a program, not a document"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "a program, not a document"),
        (b"#!/bin/sh\nrm -rf /\n", "a program, not a document"),
        (b"<html><script>alert(1)</script></html>", "not one of the accepted documents"),
        (PLAIN_ZIP, "not one of the accepted documents"),
        (ODS, "not one of the accepted documents"),
        (MACRO_DOCX, "contains macros"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Office 97-2003"),
        (b"PK\x03\x04 not really a zip", "not one of the accepted documents"),
    ],
)
def test_what_is_not_an_accepted_document_is_refused_whatever_its_name(data, message):
    with pytest.raises(sniffing.FileRefused) as refused:
        sniffing.sniff(data)
    assert message in refused.value.message.template


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    with pytest.raises(sniffing.FileRefused, match="zip bomb"):
        sniffing.sniff(zip_bomb())


def test_size_limits_and_names():
    sniffing.check_size(1, 1)
    with pytest.raises(sniffing.FileRefused, match="empty"):
        sniffing.check_size(0, 10)
    with pytest.raises(sniffing.FileRefused, match="limit"):
        sniffing.check_size(11, 10)
    with pytest.raises(sniffing.FileRefused) as refused:
        sniffing.check_size(21 * 1024 * 1024, sniffing.DEFAULT_MAX_BYTES)
    assert refused.value.message.params == {"size": "21.0", "limit": "20"}
    assert sniffing.clean_filename("C:\\Users\\me\\Note verbale.pdf", sniffing.PDF) == "Note verbale.pdf"
    assert sniffing.clean_filename("../../etc/passwd", sniffing.PDF) == "passwd.pdf"
    assert sniffing.clean_filename("opinion.pdf", sniffing.DOCX) == "opinion.pdf.docx"
    assert sniffing.clean_filename("photo.JPEG", sniffing.JPEG) == "photo.JPEG"
    assert sniffing.clean_filename("\x00\n", sniffing.PNG) == "document.png"
    assert sniffing.clean_filename("Нота.pdf", sniffing.PDF) == "Нота.pdf"


# Through the pages -------------------------------------------------------------------------------------------------


def attach(browser, kind: str, key, data: bytes, name: str, *, internal=False, description="", back=None):
    form = {
        "target": kind,
        "key": "" if key is None else str(key),
        "description": description,
        "file": (io.BytesIO(data), name),
        **({"internal": "y"} if internal else {}),
    }
    form["csrf_token"] = browser.token(back or f"{DEMO_HOME}attachments")
    return browser.client.post(f"{DEMO_HOME}attachments", data=form, content_type="multipart/form-data")


def only_attachment(app) -> Attachment:
    with app.app_context():
        return db.session.scalars(db.select(Attachment)).one()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_the_note_verbale_is_attached_to_the_swg_and_listed_on_its_page_and_pack(app, demo):
    unoct, cica_chair = as_user(app, demo, "unoct.negotiator"), as_user(app, demo, "cica.chair")
    meeting = f"{DEMO_HOME}meetings/SWG"
    name = "Нота вербальная 12.pdf"
    response = attach(unoct, "meeting", "SWG", PDF, name, description="Note verbale of 12 March", back=meeting)
    assert response.status_code == 302 and response.headers["Location"].endswith("/meetings/SWG#attachments")
    stored = only_attachment(app)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest() and stored.media_type == "application/pdf"
    assert stored.store is AttachmentStore.db and stored.size_bytes == len(PDF)
    page = cica_chair.get(meeting).get_data(as_text=True)
    assert name in page and "Note verbale of 12 March" in page
    pack = cica_chair.get(f"{meeting}/pack").get_data(as_text=True)
    assert "Documents attached to the meeting" in pack and name in pack
    download = cica_chair.get(f"{DEMO_HOME}attachments/{stored.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%D0%9D%D0%BE%D1%82%D0%B0%20" in disposition  # RFC 6266 / 5987, the Russian name
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.kind == "attachment.added"))
        assert event.private_to_party_id is None and event.after["sha256"] == stored.sha256


def test_an_executable_renamed_pdf_is_refused_and_nothing_is_stored(app, demo):
    unoct = as_user(app, demo, "unoct.negotiator")
    events = count(app, AuditEvent)
    response = attach(unoct, "negotiation", None, EXE, "note_verbale.pdf")
    assert response.status_code == 302
    page = unoct.get(response.headers["Location"]).get_data(as_text=True)
    assert "note_verbale.pdf was not attached: This file is a program, not a document" in page
    assert count(app, Attachment) == 0 and count(app, AuditEvent) == events


def test_a_file_over_the_limit_is_refused_and_a_far_larger_request_is_not_even_read(app, demo):
    unoct = as_user(app, demo, "unoct.negotiator")
    app.config["MOU_ATTACHMENT_MAX_BYTES"] = 1024
    try:
        response = attach(unoct, "negotiation", None, PDF + b" " * 2048, "big.pdf")
        page = unoct.get(response.headers["Location"]).get_data(as_text=True)
        assert "big.pdf was not attached: The file is 2.1 KB; the limit is 1 KB." in page
        huge = attach(unoct, "negotiation", None, PDF + b" " * (200 * 1024), "huge.pdf")
        assert huge.status_code == 413
    finally:
        app.config["MOU_ATTACHMENT_MAX_BYTES"] = 20 * 1024 * 1024
    assert count(app, Attachment) == 0


def test_an_internal_attachment_never_reaches_the_other_party(app, demo):
    cica, unoct = as_user(app, demo, "cica.negotiator"), as_user(app, demo, "unoct.negotiator")
    clause = f"{DEMO_HOME}clauses/{wid_of(app, SETTLEMENT)}"
    assert (
        attach(
            cica, "clause", wid_of(app, SETTLEMENT), word_document(), "Legal opinion.docx", internal=True, back=clause
        ).status_code
        == 302
    )
    stored = only_attachment(app)
    assert stored.internal and stored.media_type == sniffing.DOCX.media_type
    assert "Legal opinion.docx" in cica.get(clause).get_data(as_text=True)
    assert "Legal opinion.docx" not in unoct.get(clause).get_data(as_text=True)
    assert "Legal opinion.docx" not in unoct.get(f"{DEMO_HOME}attachments").get_data(as_text=True)
    assert unoct.get(f"{DEMO_HOME}attachments/{stored.id}").status_code == 404
    assert "Legal opinion" not in unoct.get(f"{DEMO_HOME}audit").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.kind == "attachment.added"))
        assert event.private_to_party_id == stored.party_id


def test_on_an_untabled_amendment_an_attachment_is_internal_and_the_other_party_finds_nothing(app, demo):
    unoct, cica = as_user(app, demo, "unoct.negotiator"), as_user(app, demo, "cica.negotiator")
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    page = f"{DEMO_HOME}amendments/{draft}"
    assert attach(unoct, "amendment", draft, PNG, "map.png", back=page).status_code == 302
    assert only_attachment(app).internal  # asked shared, kept internal: the draft is UNOCT's business
    act(unoct, draft, "table")
    assert "map.png" not in cica.get(page).get_data(as_text=True)
    assert "map.png" in unoct.get(page).get_data(as_text=True)
    # Attaching to the other party's untabled draft: not found, as the draft itself.
    other = amendment_id(propose(unoct, wid_of(app, "This Memorandum may be amended"), "By consent."))
    response = attach(cica, "amendment", other, PDF, "x.pdf")
    assert response.status_code == 404 and count(app, Attachment) == 1


def test_only_the_uploader_removes_an_attachment_and_it_is_audited(app, demo):
    unoct, colleague = as_user(app, demo, "unoct.negotiator"), as_user(app, demo, "unoct.legal")
    attach(unoct, "negotiation", None, JPEG, "photo.jpg")
    stored = only_attachment(app)
    url = f"{DEMO_HOME}attachments/{stored.id}/delete"
    assert colleague.post(url, {}, token_from=f"{DEMO_HOME}attachments").status_code == 403
    assert count(app, Attachment) == 1
    assert unoct.post(url, {}, token_from=f"{DEMO_HOME}attachments").status_code == 302
    assert count(app, Attachment) == 0
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.kind == "attachment.removed"))
        assert event.before["sha256"] == stored.sha256


def test_removing_an_amendments_attachment_goes_back_to_the_amendment(app, demo):
    """The uploader lands where the document was, not on the negotiation's list of documents."""
    unoct = as_user(app, demo, "unoct.negotiator")
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    attach(unoct, "amendment", draft, JPEG, "annex.jpg", back=f"/amendments/{draft}")
    stored = only_attachment(app)
    removed = unoct.post(f"{DEMO_HOME}attachments/{stored.id}/delete", {}, token_from=f"/amendments/{draft}")
    assert removed.status_code == 302 and removed.location.endswith(f"/amendments/{draft}#attachments")


def test_the_files_store_keeps_the_bytes_under_their_digest(app, demo, tmp_path):
    unoct = as_user(app, demo, "unoct.negotiator")
    app.config.update(MOU_ATTACHMENT_STORE="files", MOU_ATTACHMENT_DIR=str(tmp_path))
    try:
        attach(unoct, "negotiation", None, ODT, "concept paper.odt")
        stored = only_attachment(app)
        path = Path(tmp_path) / stored.sha256[:2] / stored.sha256
        assert stored.store is AttachmentStore.files and path.read_bytes() == ODT
        with app.app_context():
            assert db.session.scalar(db.select(Attachment.content)) is None
        assert unoct.get(f"{DEMO_HOME}attachments/{stored.id}").data == ODT
        path.write_bytes(b"tampered")
        damaged = unoct.get(f"{DEMO_HOME}attachments/{stored.id}")
        assert damaged.status_code == 409 and "missing or damaged" in damaged.get_data(as_text=True)
        unoct.post(f"{DEMO_HOME}attachments/{stored.id}/delete", {}, token_from=f"{DEMO_HOME}attachments")
        assert not path.exists()
    finally:
        app.config.update(MOU_ATTACHMENT_STORE="db", MOU_ATTACHMENT_DIR=None)


# Through the API ---------------------------------------------------------------------------------------------------


def test_the_api_uploads_lists_downloads_and_removes(app, demo):
    unoct = Client(app.test_client(), create_token(as_user(app, demo, "unoct.negotiator")))
    cica = Client(app.test_client(), create_token(as_user(app, demo, "cica.negotiator")))
    document = unoct.http.get("/api/v1/openapi.json").get_json()
    upload_op = document["paths"]["/api/v1/negotiations/{negotiation}/attachments"]["post"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
    headers = {"Authorization": f"Bearer {unoct.token}"}
    url = "/api/v1/negotiations/cica-unoct-mou/attachments"

    def upload(data, name, **fields):
        return unoct.http.post(
            url, data={"file": (io.BytesIO(data), name), **fields}, headers=headers, content_type="multipart/form-data"
        )

    created = upload(PDF, "note.pdf", on="meeting", key="SWG", description="Note verbale")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["meeting"] == "SWG" and body["sha256"] == hashlib.sha256(PDF).hexdigest()
    refused = upload(EXE, "note.pdf", on="meeting", key="SWG")
    assert refused.status_code == 422 and "a program, not a document" in refused.get_json()["detail"]
    assert upload(PDF, "x.pdf", on="meeting", key="NOPE").status_code == 404
    assert upload(PDF, "x.pdf", internal="maybe").status_code == 422
    internal = upload(PNG, "ours.png", internal="true").get_json()
    listed = cica.call("list_attachments", query={"on": "meeting", "key": "SWG"}).get_json()
    assert [item["filename"] for item in listed["items"]] == ["note.pdf"]
    assert cica.call("list_attachments").get_json()["total"] == 0  # UNOCT's internal image is not counted
    download = cica.call("download_attachment", attachment_id=body["id"])
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff" and download.mimetype == "application/pdf"
    assert cica.call("download_attachment", attachment_id=internal["id"]).status_code == 404
    assert cica.call("delete_attachment", attachment_id=body["id"]).status_code == 403
    assert unoct.call("delete_attachment", attachment_id=body["id"]).status_code == 204
    assert count(app, Attachment) == 1


def test_a_backup_carries_posts_and_attachments_and_restores_them_byte_for_byte(app, demo):
    import json

    from mou_tracker.models import ClausePost
    from mou_tracker.services import backup
    from tests.conftest import _wipe
    from tests.services.test_discussion import write

    unoct = as_user(app, demo, "unoct.negotiator")
    attach(unoct, "meeting", "SWG", PDF, "note.pdf")
    assert (
        write(unoct, f"{DEMO_HOME}clauses/{wid_of(app, SETTLEMENT)}", "See the note, @cica.negotiator.").status_code
        == 302
    )
    with app.app_context():
        document = json.loads(json.dumps(backup.export_negotiation(db.session)))
    _wipe(app)
    with app.app_context():
        backup.import_negotiation(db.session, document)
        db.session.commit()
        restored = db.session.scalars(db.select(Attachment)).one()
        assert (
            db.session.scalar(db.select(Attachment.content)) == PDF
            and restored.sha256 == hashlib.sha256(PDF).hexdigest()
        )
        assert db.session.scalar(db.select(ClausePost.body)) == "See the note, @cica.negotiator."
    broken = json.loads(json.dumps(document))
    broken["tables"]["attachments"][0]["content"] = "not base64!"
    _wipe(app)
    with app.app_context(), pytest.raises(Exception, match="base64"):
        backup.import_negotiation(db.session, broken)


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"target": "meeting", "key": ""}, 302),  # no file chosen: back with a message
        ({"target": "amendment", "key": "abc"}, 302),
        ({"target": "planet", "key": "x"}, 400),
        ({"target": "clause", "key": "no-such-clause", "file": (PDF, "a.pdf")}, 404),
        ({"target": "amendment", "key": "99999", "file": (PDF, "a.pdf")}, 404),
        ({"target": "meeting", "key": "SWG", "file": (b"", "empty.pdf")}, 302),
    ],
)
def test_odd_upload_forms_are_answered_without_an_error_and_store_nothing(app, demo, fields, status):
    unoct = as_user(app, demo, "unoct.negotiator")

    def form():
        sent = {key: value for key, value in fields.items() if key != "file"}
        if "file" in fields:
            sent["file"] = (io.BytesIO(fields["file"][0]), fields["file"][1])
        return sent

    sent = {**form(), "csrf_token": unoct.token(f"{DEMO_HOME}attachments")}
    response = unoct.client.post(f"{DEMO_HOME}attachments", data=sent, content_type="multipart/form-data")
    assert response.status_code == status
    assert count(app, Attachment) == 0
    without_token = unoct.client.post(f"{DEMO_HOME}attachments", data=form(), content_type="multipart/form-data")
    assert without_token.status_code == 400


# The files store: shared files, a removal racing an upload, orphans -------------------------------------------------


def files_storage(tmp_path) -> attachment_service.Storage:
    return attachment_service.Storage(AttachmentStore.files, sniffing.DEFAULT_MAX_BYTES, Path(tmp_path))


def user_in(session, login: str) -> User:
    return session.scalar(db.select(User).where(User.login == login))


def stored_file(tmp_path, data: bytes) -> Path:
    digest = hashlib.sha256(data).hexdigest()
    return Path(tmp_path) / digest[:2] / digest


def test_removing_one_of_two_identical_documents_keeps_the_others_file(app, demo, tmp_path):
    """Two attachments of the same bytes share one file: it goes with the last of them, not the first."""
    unoct, cica = as_user(app, demo, "unoct.negotiator"), as_user(app, demo, "cica.negotiator")
    app.config.update(MOU_ATTACHMENT_STORE="files", MOU_ATTACHMENT_DIR=str(tmp_path))
    try:
        attach(unoct, "negotiation", None, PDF, "note.pdf")
        attach(cica, "meeting", "SWG", PDF, "the same note.pdf")
        with app.app_context():
            ours, theirs = db.session.scalars(db.select(Attachment).order_by(Attachment.id)).all()
        path = stored_file(tmp_path, PDF)
        unoct.post(f"{DEMO_HOME}attachments/{ours.id}/delete", {}, token_from=f"{DEMO_HOME}attachments")
        assert count(app, Attachment) == 1 and path.read_bytes() == PDF
        assert cica.get(f"{DEMO_HOME}attachments/{theirs.id}").data == PDF
        cica.post(f"{DEMO_HOME}attachments/{theirs.id}/delete", {}, token_from=f"{DEMO_HOME}attachments")
        assert count(app, Attachment) == 0 and not path.exists()
    finally:
        app.config.update(MOU_ATTACHMENT_STORE="db", MOU_ATTACHMENT_DIR=None)


def test_a_removal_while_the_same_bytes_are_uploaded_never_loses_the_new_attachments_file(
    app, demo, tmp_path, monkeypatch
):
    """The race: the new upload finds the file already there; before its row commits, the only other attachment
    of those bytes is removed in another request, which sees no other row and deletes the file. Once the upload
    commits, its document must still be readable."""
    from sqlalchemy.orm import Session

    storage = files_storage(tmp_path)
    negotiation = attachment_service.Target(AttachedTo.negotiation)
    with app.app_context():
        unoct = user_in(db.session, "unoct.negotiator")
        first = attachment_service.upload(
            db.session, unoct, negotiation, "note.pdf", PDF, internal=False, storage=storage
        )
        db.session.commit()
        first_id = first.id
        db.session.expunge_all()  # as a new request would: SQLite may give the next row the removed one's id
        write = attachment_service._write_file

        def then_the_first_is_removed(storage_, digest, data):
            write(storage_, digest, data)
            with Session(db.engine) as other:  # another request, its own transaction
                attachment_service.remove(other, user_in(other, "unoct.negotiator"), first_id, storage)
                other.commit()
                attachment_service.forget_file(other, storage, digest)

        monkeypatch.setattr(attachment_service, "_write_file", then_the_first_is_removed)
        cica = user_in(db.session, "cica.negotiator")
        second = attachment_service.upload(
            db.session, cica, negotiation, "copy.pdf", PDF, internal=False, storage=storage
        )
        monkeypatch.undo()
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 1
        assert stored_file(tmp_path, PDF).read_bytes() == PDF
        assert attachment_service.content(db.session, cica, second.id, storage)[1] == PDF


def test_a_rolled_back_upload_leaves_no_file_after_the_clean_up(app, demo, tmp_path):
    storage = files_storage(tmp_path)
    with app.app_context():
        unoct = user_in(db.session, "unoct.negotiator")
        attachment_service.upload(
            db.session,
            unoct,
            attachment_service.Target(AttachedTo.negotiation),
            "c.odt",
            ODT,
            internal=False,
            storage=storage,
        )
        db.session.rollback()  # the transaction failed after the file was written
        path = stored_file(tmp_path, ODT)
        assert path.exists()
        young = attachment_service.remove_orphan_files(db.session, storage)
        assert path.exists() and young.removed == [] and young.too_young == 1  # it may be an upload under way
        later = attachment_service.remove_orphan_files(db.session, storage, now=time.time() + 3601)
        assert later.removed == [path.name] and later.bytes_freed == len(ODT) and not path.exists()
        db.session.commit()  # a later commit of the same session does not bring the rolled-back file back
        assert not path.exists()


def test_the_clean_up_never_removes_a_file_an_attachment_needs(app, demo, tmp_path):
    """Run as an operator would, from the command line, when every file is hours old: the orphan and a half-written
    temporary file go, the attached documents' files stay and read back."""
    storage = files_storage(tmp_path)
    app.config.update(MOU_ATTACHMENT_STORE="files", MOU_ATTACHMENT_DIR=str(tmp_path))
    try:
        with app.app_context():
            unoct = user_in(db.session, "unoct.negotiator")
            negotiation = attachment_service.Target(AttachedTo.negotiation)
            kept = [
                attachment_service.upload(
                    db.session, unoct, negotiation, name, data, internal=internal, storage=storage
                )
                for name, data, internal in (("n.pdf", PDF, False), ("m.png", PNG, True))
            ]
            db.session.commit()
            kept_ids = [attachment.id for attachment in kept]
            attachment_service.upload(db.session, unoct, negotiation, "x.jpg", JPEG, internal=False, storage=storage)
            db.session.rollback()
        temporary = stored_file(tmp_path, PDF).parent / ".upload-dead"
        temporary.write_bytes(b"half")
        hours_ago = time.time() - 3 * 3600
        for path in Path(tmp_path).glob("*/*"):
            os.utime(path, (hours_ago, hours_ago))
        result = app.test_cli_runner().invoke(args=["prune-attachment-files"])
        assert result.exit_code == 0, result.output
        assert "Removed 1 orphan file(s)" in result.output
        assert not stored_file(tmp_path, JPEG).exists() and not temporary.exists()
        assert stored_file(tmp_path, PDF).read_bytes() == PDF and stored_file(tmp_path, PNG).read_bytes() == PNG
        with app.app_context():
            unoct = user_in(db.session, "unoct.negotiator")
            for attachment_id, data in zip(kept_ids, (PDF, PNG), strict=True):
                assert attachment_service.content(db.session, unoct, attachment_id, storage)[1] == data
        refused = app.test_cli_runner().invoke(args=["prune-attachment-files", "--older-than-minutes", "5"])
        assert refused.exit_code != 0  # younger files may belong to an upload not yet committed
    finally:
        app.config.update(MOU_ATTACHMENT_STORE="db", MOU_ATTACHMENT_DIR=None)
