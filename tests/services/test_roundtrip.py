"""Word round trip (issue #16): a negotiator downloads the draft as DOCX, the legal office edits it with tracked
changes and comments (or retypes it clean), the negotiator uploads it, checks the preview and gets exactly those
changes as the party's internal draft amendments."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
import re
import zipfile

import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from sqlalchemy import select

from mou_tracker.extensions import db
from mou_tracker.imports.docx_revisions import ParagraphPart, bookmark_name
from mou_tracker.models import (
    Amendment,
    AmendmentComment,
    AuditEvent,
    Notification,
    RoundtripPreview,
)
from mou_tracker.services import amendments as amendment_service
from tests.conftest import DEMO_HOME, add_clause_version, wid_of
from tests.services.test_amendments import AMENDMENT_CLAUSE, SETTLEMENT, act, as_user

UPLOAD = f"{DEMO_HOME}word-changes/"
EXPORT = f"{DEMO_HOME}exports/draft.docx"
WHEN = dt.datetime(2026, 11, 20, 14, 30, tzinfo=dt.UTC)
LEGAL = "UNOCT Office of Legal Affairs"


# Editing a document as Word does --------------------------------------------------------------------------------


def _paragraph(document, wid: str, language: str = "en", part=ParagraphPart.body):
    name = bookmark_name(wid, language, part)
    for mark in document.element.body.iter(qn("w:bookmarkStart")):
        if mark.get(qn("w:name")) == name:
            return mark.getparent()
    raise AssertionError(f"no paragraph bookmarked {name}")


def _mark(tag: str, author: str, ident: int):
    element = OxmlElement(tag)
    element.set(qn("w:id"), str(ident))
    element.set(qn("w:author"), author)
    element.set(qn("w:date"), WHEN.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return element


def _run(template, text: str, *, deleted: bool = False):
    run = copy.deepcopy(template)
    for child in list(run):
        if child.tag != qn("w:rPr"):
            run.remove(child)
    piece = OxmlElement("w:delText" if deleted else "w:t")
    piece.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    piece.text = text
    run.append(piece)
    return run


def tracked(
    data: bytes,
    edits: list[tuple[str, str, str, str]],
    comments: list[tuple[str, str, str]] = (),
    *,
    author: str = LEGAL,
) -> bytes:
    """Replace words as Word does with track changes on: (wid, language, old words, new words) each becomes a
    <w:del> and a <w:ins> in the clause's paragraph; (wid, language, text) adds a Word comment on the paragraph."""
    document = Document(io.BytesIO(data))
    ident = 9000
    for wid, language, old, new in edits:
        paragraph = _paragraph(document, wid, language)
        run = next(r for r in paragraph.iter(qn("w:r")) if old in "".join(t.text or "" for t in r.iter(qn("w:t"))))
        text = "".join(t.text or "" for t in run.iter(qn("w:t")))
        start = text.index(old)
        pieces = []
        if text[:start]:
            pieces.append(_run(run, text[:start]))
        deletion = _mark("w:del", author, ident)
        deletion.append(_run(run, old, deleted=True))
        insertion = _mark("w:ins", author, ident + 1)
        insertion.append(_run(run, new))
        pieces += [deletion, insertion]
        if text[start + len(old) :]:
            pieces.append(_run(run, text[start + len(old) :]))
        ident += 2
        for piece in pieces:
            run.addprevious(piece)
        run.getparent().remove(run)
    for wid, language, text in comments:
        paragraph = _paragraph(document, wid, language)
        comment = document.comments.add_comment(text=text, author=author, initials="OLA")
        comment._comment_elm.set(qn("w:date"), WHEN.strftime("%Y-%m-%dT%H:%M:%SZ"))
        start = OxmlElement("w:commentRangeStart")
        start.set(qn("w:id"), str(comment.comment_id))
        end = OxmlElement("w:commentRangeEnd")
        end.set(qn("w:id"), str(comment.comment_id))
        runs = list(paragraph.iter(qn("w:r")))
        runs[0].addprevious(start)
        paragraph.append(end)
        reference = OxmlElement("w:r")
        anchor = OxmlElement("w:commentReference")
        anchor.set(qn("w:id"), str(comment.comment_id))
        reference.append(anchor)
        paragraph.append(reference)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def retyped(data: bytes, replacements: dict[str, str], *, keep_identity: bool = False) -> bytes:
    """The document retyped clean: no bookmarks, no document properties of the product, words replaced. With
    `keep_identity`: the export itself edited with Track Changes off (bookmarks and properties stay)."""
    document = Document(io.BytesIO(data))
    body = document.element.body
    for tag in ("w:bookmarkStart", "w:bookmarkEnd"):
        for mark in list(body.iter(qn(tag))) if not keep_identity else []:
            mark.getparent().remove(mark)
    for piece in body.iter(qn("w:t")):
        for old, new in replacements.items():
            if piece.text and old in piece.text:
                piece.text = piece.text.replace(old, new)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue() if keep_identity else _without_part(out.getvalue(), "docProps/custom.xml")


def _without_part(data: bytes, name: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename == name:
                continue
            content = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                content = re.sub(rb'<Override PartName="/docProps/custom.xml"[^>]*/>', b"", content)
            if item.filename == "_rels/.rels":
                content = re.sub(rb'<Relationship [^>]*Target="docProps/custom.xml"[^>]*/>', b"", content)
            target.writestr(item, content)
    return out.getvalue()


def _with_negotiation(data: bytes, slug: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/custom.xml":
                content = content.replace(b"cica-unoct-mou", slug.encode())
            target.writestr(item, content)
    return out.getvalue()


# Helpers -------------------------------------------------------------------------------------------------------


@pytest.fixture
def unoct(app, demo):
    return as_user(app, demo, "unoct.negotiator")


@pytest.fixture
def cica(app, demo):
    return as_user(app, demo, "cica.negotiator")


def upload(browser, data: bytes, *, name="draft-OLA.docx", point="now", date=""):
    return browser.post(
        UPLOAD,
        {"document": (io.BytesIO(data), name), "point": point, "date": date},
        token_from=UPLOAD,
        content_type="multipart/form-data",
    )


def preview_url(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert re.search(r"/word-changes/\d+$", response.headers["Location"])
    return response.headers["Location"]


def confirm(browser, url: str, items: list[int]):
    return browser.post(url, {"item": [str(i) for i in items]}, token_from=url)


def body_of(app, wid: str, language: str = "en") -> str:
    with app.app_context():
        from mou_tracker.models import Clause
        from mou_tracker.services.draft import current_versions

        clause = db.session.scalar(select(Clause).where(Clause.wid == wid))
        return current_versions(db.session, [clause.id])[clause.id].text(language).body


def unoct_drafts(app) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(Amendment).order_by(Amendment.id)).all()
        return [
            {
                "id": a.id,
                "party": a.party.code,
                "state": a.state.value,
                "kind": a.kind.value,
                "wid": a.clause.wid if a.clause else None,
                "texts": {t.language: t.body for t in a.latest.texts},
                "file": a.latest.source_file,
                "sha256": a.latest.source_sha256,
                "author": a.latest.source_author,
                "date": a.latest.source_date,
                "base": a.latest.base_version.seq if a.latest.base_version else None,
                "comments": [
                    (c.internal, c.party.code if c.party else None, c.body)
                    for c in db.session.scalars(select(AmendmentComment).where(AmendmentComment.amendment_id == a.id))
                ],
            }
            for a in rows
        ]


# The story -----------------------------------------------------------------------------------------------------


def test_tracked_changes_and_comments_become_the_uploaders_party_drafts(app, unoct, cica):
    amendment_wid, settlement_wid = wid_of(app, AMENDMENT_CLAUSE), wid_of(app, SETTLEMENT)
    exported = unoct.get(EXPORT)
    assert exported.status_code == 200
    # The legal office's changes are credited to it, whatever it calls itself: even a name of the other party
    # never makes the amendments the other party's.
    data = tracked(
        exported.data,
        [
            (amendment_wid, "en", "at any time", "by mutual written consent"),
            (settlement_wid, "en", "difference", "dispute"),
        ],
        [(amendment_wid, "en", "Consent must be written."), (settlement_wid, "en", "Align with Article 9.")],
    )
    url = preview_url(upload(unoct, data))
    page = unoct.get(url).get_data(as_text=True)
    assert "Amendment 1" in page and "Amendment 2" in page and "Amendment 3" not in page
    assert "Consent must be written." in page and "Align with Article 9." in page
    assert LEGAL in page
    assert 'name="item" value="1" checked' in page  # ticked by default
    assert '<del class="rl-del"' in page and "by mutual written consent" in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Amendment)) == 0  # nothing written yet

    response = confirm(unoct, url, [1, 2])
    assert response.status_code == 302
    assert "/amendments?" in response.headers["Location"] and "party=UNOCT" in response.headers["Location"]
    listing = unoct.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 draft amendments of UNOCT created from draft-OLA.docx" in listing

    made = sorted(unoct_drafts(app), key=lambda a: a["wid"] != amendment_wid)
    assert {(a["party"], a["state"], a["kind"], a["wid"]) for a in made} == {
        ("UNOCT", "draft", "change", amendment_wid),
        ("UNOCT", "draft", "change", settlement_wid),
    }
    assert made[0]["texts"]["en"] == body_of(app, amendment_wid).replace("at any time", "by mutual written consent")
    assert made[1]["texts"]["en"] == body_of(app, settlement_wid).replace("difference", "dispute")
    assert made[0]["file"] == "draft-OLA.docx" and made[0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert made[0]["author"] == LEGAL and made[0]["date"] == WHEN
    assert made[0]["comments"] == [
        (True, "UNOCT", f"{LEGAL}, 20 November 2026 (Word comment in draft-OLA.docx): Consent must be written.")
    ]
    assert made[1]["comments"][0][2].endswith("Align with Article 9.")
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "amendments.read_from_document"))
        assert hashlib.sha256(data).hexdigest() in event.summary and "draft-OLA.docx" in event.summary
        assert event.private_to_party_id is not None
        assert db.session.scalar(select(db.func.count()).select_from(RoundtripPreview)) == 0

    # Ready to table as usual.
    page = unoct.get(f"{DEMO_HOME}amendments/{made[0]['id']}").get_data(as_text=True)
    assert "Consent must be written." in page

    # The other party sees nothing of them: not the list, not the pages, not search, not notifications.
    assert "by mutual written consent" not in cica.get(f"{DEMO_HOME}amendments").get_data(as_text=True)
    assert cica.get(f"{DEMO_HOME}amendments/{made[0]['id']}").status_code == 404
    assert "by mutual written consent" not in cica.get(f"{DEMO_HOME}search?q=mutual+written+consent").get_data(
        as_text=True
    )
    assert "Consent must be written" not in cica.get(f"{DEMO_HOME}search?q=Consent+written").get_data(as_text=True)
    with app.app_context():
        from mou_tracker.models import User

        cica_user = db.session.scalar(select(User).where(User.login == "cica.negotiator"))
        notes = db.session.scalars(select(Notification).where(Notification.user_id == cica_user.id)).all()
        assert not [n for n in notes if "UNOCT" in str(n.params)]
    # Nor the preview, whoever asks for it.
    assert cica.get(url).status_code in (403, 404)

    # Tabled, the amendment is the other party's to read; where its words came from stays UNOCT's record.
    ours = unoct.get(f"{DEMO_HOME}amendments/{made[0]['id']}").get_data(as_text=True)
    assert f"From the document of {LEGAL}" in ours and "draft-OLA.docx" in ours
    assert act(unoct, made[0]["id"], "table").status_code == 302
    theirs = cica.get(f"{DEMO_HOME}amendments/{made[0]['id']}")
    assert theirs.status_code == 200 and "by mutual written consent" in theirs.get_data(as_text=True)
    assert "draft-OLA.docx" not in theirs.get_data(as_text=True) and LEGAL not in theirs.get_data(as_text=True)
    assert "Consent must be written." not in theirs.get_data(as_text=True)  # an internal comment


def test_untick_one_and_only_the_ticked_are_created(app, unoct):
    amendment_wid, settlement_wid = wid_of(app, AMENDMENT_CLAUSE), wid_of(app, SETTLEMENT)
    data = tracked(
        unoct.get(EXPORT).data,
        [(amendment_wid, "en", "at any time", "at no time"), (settlement_wid, "en", "difference", "dispute")],
    )
    url = preview_url(upload(unoct, data))
    # The settlement clause comes first in the document.
    assert 'name="item" value="1" checked' in unoct.get(url).get_data(as_text=True)
    assert confirm(unoct, url, [1]).status_code == 302
    assert [a["wid"] for a in unoct_drafts(app)] == [settlement_wid]


def test_a_clean_retyped_version_is_compared_with_the_draft(app, unoct):
    amendment_wid = wid_of(app, AMENDMENT_CLAUSE)
    data = retyped(unoct.get(EXPORT).data, {"may be amended at any time": "may be amended only in writing"})
    url = preview_url(upload(unoct, data, name="retyped.docx"))
    page = unoct.get(url).get_data(as_text=True)
    assert "comparison with the draft" in page
    assert confirm(unoct, url, [1]).status_code == 302
    (made,) = unoct_drafts(app)
    assert made["wid"] == amendment_wid and made["party"] == "UNOCT"
    assert made["texts"]["en"] == body_of(app, amendment_wid).replace("at any time", "only in writing")
    assert made["author"] is None and made["file"] == "retyped.docx"


def test_nothing_changed_is_said_and_nothing_is_created(app, unoct):
    url = preview_url(upload(unoct, unoct.get(EXPORT).data))
    page = unoct.get(url).get_data(as_text=True)
    assert "Nothing changed: the document proposes no change to the draft." in page
    assert 'name="item"' not in page
    assert confirm(unoct, url, []).status_code == 400
    assert unoct_drafts(app) == []


def test_another_negotiations_document_is_refused(app, unoct):
    data = _with_negotiation(unoct.get(EXPORT).data, "other-mou")
    response = upload(unoct, data)
    assert response.status_code == 400
    assert "exported from another negotiation (other-mou)" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(RoundtripPreview)) == 0


def test_a_file_that_is_not_a_word_document_is_refused_clearly(app, unoct):
    response = upload(unoct, b"not a zip at all", name="notes.docx")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "notes.docx:" in page and 'id="error-summary"' in page


def test_a_stale_preview_is_refused(app, unoct):
    amendment_wid = wid_of(app, AMENDMENT_CLAUSE)
    data = tracked(unoct.get(EXPORT).data, [(amendment_wid, "en", "at any time", "at no time")])
    url = preview_url(upload(unoct, data))
    add_clause_version(app, wid_of(app, SETTLEMENT), "Any dispute shall be settled amicably.")
    assert "The draft has changed since this document was read" in unoct.get(url).get_data(as_text=True)
    response = confirm(unoct, url, [1])
    assert response.status_code == 409
    assert "Upload the document again" in response.get_data(as_text=True)
    assert unoct_drafts(app) == []


def test_a_document_made_from_an_older_text_gives_an_outdated_amendment(app, unoct):
    amendment_wid = wid_of(app, AMENDMENT_CLAUSE)
    old_export = unoct.get(EXPORT).data
    old_text = body_of(app, amendment_wid)
    add_clause_version(app, amendment_wid, old_text.replace("This Memorandum", "The present Memorandum"))
    data = tracked(old_export, [(amendment_wid, "en", "at any time", "at no time")])
    url = preview_url(upload(unoct, data))
    assert "made from an older text of this clause" in unoct.get(url).get_data(as_text=True)
    assert confirm(unoct, url, [1]).status_code == 302
    (made,) = unoct_drafts(app)
    assert made["base"] == 1 and made["texts"]["en"] == old_text.replace("at any time", "at no time")
    listing = unoct.get(f"{DEMO_HOME}amendments?state=outdated").get_data(as_text=True)
    assert f"/amendments/{made['id']}" in listing
    # The existing rebase takes over: the change reapplied onto the new text.
    with app.app_context():
        from mou_tracker.models import User

        actor = db.session.scalar(select(User).where(User.login == "unoct.negotiator"))
        plan = amendment_service.plan_rebase(db.session, actor, made["id"])
        assert plan.clean and "The present Memorandum may be amended at no time" in plan.results["en"].text


def test_only_negotiators_upload_and_a_preview_is_its_uploaders(app, demo, unoct, cica):
    for login in ("cica.chair", "cica.legal"):
        assert as_user(app, demo, login).get(UPLOAD).status_code == 403
    url = preview_url(
        upload(unoct, tracked(unoct.get(EXPORT).data, [(wid_of(app, SETTLEMENT), "en", "difference", "dispute")]))
    )
    assert cica.get(url).status_code == 404
    assert cica.post(url, {"item": ["1"]}, token_from=f"{DEMO_HOME}amendments").status_code in (400, 404)
    assert unoct_drafts(app) == []


def test_a_form_without_its_token_changes_nothing(app, unoct):
    url = preview_url(
        upload(unoct, tracked(unoct.get(EXPORT).data, [(wid_of(app, SETTLEMENT), "en", "difference", "dispute")]))
    )
    response = unoct.client.post(url, data={"item": ["1"]})
    assert response.status_code == 400
    assert unoct_drafts(app) == []


# The API and the command line ----------------------------------------------------------------------------------


def test_the_api_previews_and_confirms_and_the_other_party_reads_nothing(app, demo, unoct):
    from tests.api.test_api import API, Client, create_token

    amendment_wid = wid_of(app, AMENDMENT_CLAUSE)
    data = tracked(
        unoct.get(EXPORT).data,
        [(amendment_wid, "en", "at any time", "by exchange of notes")],
        [(amendment_wid, "en", "As agreed with the capital.")],
    )
    ours = Client(app.test_client(), create_token(unoct))
    theirs = Client(app.test_client(), create_token(as_user(app, demo, "cica.negotiator")))
    response = ours.http.post(
        f"{API}/negotiations/cica-unoct-mou/word-changes",
        data={"file": (io.BytesIO(data), "ola.docx")},
        headers={"Authorization": f"Bearer {ours.token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    preview = response.get_json()
    assert preview["tracked"] and not preview["nothing_changed"] and not preview["stale"]
    (item,) = preview["amendments"]
    assert item["clause"] == amendment_wid and item["source"] == "tracked"
    assert item["texts"]["en"]["body"] == body_of(app, amendment_wid).replace("at any time", "by exchange of notes")
    assert item["comments"][0]["text"] == "As agreed with the capital." and item["credits"][0]["author"] == LEGAL
    assert theirs.call("get_word_changes", preview_id=preview["id"]).status_code == 404
    assert theirs.call("confirm_word_changes", preview_id=preview["id"], json={"amendments": [1]}).status_code == 404

    created = ours.call("confirm_word_changes", preview_id=preview["id"], json={"amendments": [1]})
    assert created.status_code == 201, created.get_data(as_text=True)
    (new_id,) = created.get_json()["amendments"]
    assert [a["party"] for a in unoct_drafts(app)] == ["UNOCT"]
    assert theirs.call("get_amendment", amendment_id=new_id).status_code == 404
    listed = theirs.call("list_amendments").get_json()["items"]
    assert new_id not in [a["id"] for a in listed]
    # Confirmed once: the preview is gone.
    assert ours.call("confirm_word_changes", preview_id=preview["id"], json={"amendments": [1]}).status_code == 404


def test_the_api_refuses_a_reviewer_and_a_body_without_a_file(app, demo, unoct):
    from tests.api.test_api import API, create_token

    token = create_token(as_user(app, demo, "cica.legal"))
    response = app.test_client().post(
        f"{API}/negotiations/cica-unoct-mou/word-changes",
        data={"file": (io.BytesIO(unoct.get(EXPORT).data), "x.docx")},
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    own = create_token(unoct)
    response = app.test_client().post(
        f"{API}/negotiations/cica-unoct-mou/word-changes",
        data={"other": "x"},
        headers={"Authorization": f"Bearer {own}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422


def test_the_command_line_prints_the_preview_and_creates_with_yes(app, unoct, tmp_path):
    amendment_wid = wid_of(app, AMENDMENT_CLAUSE)
    path = tmp_path / "ola.docx"
    path.write_bytes(tracked(unoct.get(EXPORT).data, [(amendment_wid, "en", "at any time", "at no time")]))
    runner = app.test_cli_runner()
    arguments = ["import-changes", "--negotiation", "cica-unoct-mou", "--login", "unoct.negotiator", str(path)]
    result = runner.invoke(args=arguments)
    assert result.exit_code == 0, result.output
    assert "1 change Article 8" in result.output and "at no time" in result.output
    assert "Nothing was stored" in result.output
    assert unoct_drafts(app) == []
    result = runner.invoke(args=[*arguments, "--yes"])
    assert result.exit_code == 0, result.output
    assert "Created 1 draft amendments of UNOCT" in result.output
    assert [(a["party"], a["wid"], a["file"]) for a in unoct_drafts(app)] == [("UNOCT", amendment_wid, "ola.docx")]
    refused = runner.invoke(
        args=["import-changes", "--negotiation", "cica-unoct-mou", "--login", "cica.chair", str(path)]
    )
    assert refused.exit_code != 0 and "Only a negotiator" in refused.output


# Real LibreOffice edits, and random ones ------------------------------------------------------------------------

FIXTURES = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures" / "roundtrip"


@pytest.mark.parametrize("name", ["libreoffice_tracked.docx", "libreoffice_clean.docx"])
def test_a_document_edited_in_libreoffice_gives_exactly_its_edits(app, unoct, name):
    """tests/make_roundtrip_fixtures.py (EDITS, COMMENTS) says what LibreOffice did. The fixtures were exported from
    another copy of the demo (other clause ids): they are matched by their words, never by guess."""
    data = (FIXTURES / name).read_bytes()
    url = preview_url(upload(unoct, data, name=name))
    assert confirm(unoct, url, list(range(1, 7))).status_code == 302
    made = {(a["kind"], a["wid"]): a for a in unoct_drafts(app)}
    assert all(a["party"] == "UNOCT" and a["state"] == "draft" for a in made.values())
    assert len(made) == 6
    consult, amendment_wid = wid_of(app, "The Participants will consult each other"), wid_of(app, AMENDMENT_CLAUSE)
    assert made[("change", consult)]["texts"]["en"] == body_of(app, consult).replace("once a year", "twice a year")
    assert made[("change", amendment_wid)]["texts"]["en"] == (
        "This Memorandum may be amended by mutual written consent of the Participants. "
        "Any amendment will take effect on the date of the last signature."
    )
    objectives = wid_of(app, "The Participants will cooperate with the following objectives")
    assert made[("change", objectives)]["texts"]["ru"] == "Участники сотрудничают в следующих целях:"
    assert ("delete", wid_of(app, "Either Participant may terminate")) in made
    (new,) = [a for (kind, _), a in made.items() if kind == "insert"]
    assert new["texts"] == {"en": "Each Participant will bear the costs of its own participation in the consultations."}
    with app.app_context():
        heading = (
            db.session.scalar(select(Amendment).where(Amendment.clause.has(wid=wid_of(app, SETTLEMENT))))
            .latest.text("en")
            .heading
        )
    assert heading == "Settlement of disputes"
    if name == "libreoffice_tracked.docx":
        assert made[("change", consult)]["author"] == "UNOCT Legal Office"
        assert made[("change", consult)]["comments"][0][2].endswith("Our capital asks for two consultations a year.")
        assert new["author"] == "A. Lawyer"
    else:
        assert all(a["author"] is None and not a["comments"] for a in made.values())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_tracked_word_edits_come_back_word_for_word(app, unoct, seed):
    """Property: export, random tracked word edits in random clauses (both languages, headings too), upload and
    confirm: the amendments equal the edits, clause by clause and word by word, and nothing else is proposed."""
    from tests.roundtrip_docs import random_tracked_edits

    edited = random_tracked_edits(unoct.get(EXPORT).data, seed, clauses=0.25, words=0.15)
    changed = edited.changed
    url = preview_url(upload(unoct, edited.data, name=f"random-{seed}.docx"))
    count = len({key.wid for key in changed})
    with app.app_context():
        (preview,) = db.session.scalars(select(RoundtripPreview)).all()
        assert len(preview.payload["proposals"]) == count and preview.payload["unmatched"] == []
    assert confirm(unoct, url, list(range(1, count + 1))).status_code == 302
    with app.app_context():
        amendments = {a.clause.wid: a for a in db.session.scalars(select(Amendment))}
        assert set(amendments) == {key.wid for key in changed}
        for key, expected in changed.items():
            text = amendments[key.wid].latest.text(key.language)
            got = text.heading if key.part == "heading" else text.body
            assert (got or "").split() == expected.after.split(), (key, expected)
        # The languages and parts not edited are proposed as they stand.
        for wid, amendment in amendments.items():
            base = amendment.latest.base_version
            for text in amendment.latest.texts:
                for part in ("heading", "body"):
                    if not any(k.wid == wid and k.language == text.language and k.part == part for k in changed):
                        now = base.text(text.language)
                        assert getattr(text, part) == getattr(now, part), (wid, text.language, part)


def test_the_same_document_confirmed_twice_makes_nothing_the_second_time(app, unoct):
    data = tracked(unoct.get(EXPORT).data, [(wid_of(app, SETTLEMENT), "en", "difference", "dispute")])
    assert confirm(unoct, preview_url(upload(unoct, data)), [1]).status_code == 302
    again = confirm(unoct, preview_url(upload(unoct, data)), [1])
    assert again.status_code == 400
    assert "Your party already proposes exactly this" in again.get_data(as_text=True)
    assert 'id="error-summary"' in again.get_data(as_text=True)
    assert len(unoct_drafts(app)) == 1


def test_the_api_refuses_another_negotiations_document(app, unoct):
    from tests.api.test_api import API, create_token

    token = create_token(unoct)
    response = app.test_client().post(
        f"{API}/negotiations/cica-unoct-mou/word-changes",
        data={"file": (io.BytesIO(_with_negotiation(unoct.get(EXPORT).data, "other-mou")), "x.docx")},
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "another negotiation" in response.get_json()["detail"]


def test_a_preview_left_a_day_unconfirmed_is_dropped_at_the_next_upload(app, unoct):
    data = tracked(unoct.get(EXPORT).data, [(wid_of(app, SETTLEMENT), "en", "difference", "dispute")])
    old, kept = preview_url(upload(unoct, data)), preview_url(upload(unoct, data))
    with app.app_context():
        preview = db.session.get(RoundtripPreview, int(old.rsplit("/", 1)[1]))
        preview.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
        db.session.commit()
    assert unoct.get(old).status_code == 200  # kept until the next upload
    preview_url(upload(unoct, data))
    assert unoct.get(old).status_code == 404 and unoct.get(kept).status_code == 200


def test_a_clean_copy_of_an_export_is_compared_with_the_draft_as_exported(app, unoct):
    """Edited with Track Changes off after the draft moved on: what changed since the export is not proposed back."""
    amendment_wid, settlement_wid = wid_of(app, AMENDMENT_CLAUSE), wid_of(app, SETTLEMENT)
    exported = unoct.get(EXPORT).data
    adopted = body_of(app, settlement_wid).replace("amicably", "amicably and promptly")
    add_clause_version(app, settlement_wid, adopted, when=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5))
    data = retyped(exported, {"may be amended at any time": "may be amended in writing"}, keep_identity=True)
    url = preview_url(upload(unoct, data, name="typed-over.docx"))
    assert confirm(unoct, url, [1]).status_code == 302
    (made,) = unoct_drafts(app)
    assert made["wid"] == amendment_wid and made["base"] == 1
    assert body_of(app, settlement_wid) == adopted
