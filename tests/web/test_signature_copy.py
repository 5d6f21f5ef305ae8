"""The signature copy (#17 item 5): refused with the list of what blocks it until nothing is left to negotiate;
then the authentic texts in every language with their own clause labels, the signature blocks and the checksum of
the text in the footer, as a DOCX and a PDF; the chair's issue records the checksum and freezes the signature."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import docx as python_docx
import pypdf

from mou_tracker.core.milestones import MeetingResult, MilestoneState, Outcome
from mou_tracker.core.signature import (
    BlockerKind,
    ClauseForSignature,
    blockers,
    checksum,
    shown,
)
from mou_tracker.extensions import db
from mou_tracker.models import (
    AuditEvent,
    Clause,
    ClauseText,
    ClauseVersion,
    Instrument,
    Milestone,
    MilestoneOutcome,
    MilestoneSnapshot,
    User,
)
from mou_tracker.services.draft import current_versions
from tests.conftest import wid_of
from tests.services.test_amendments import SETTLEMENT, act, amendment_id, as_user, propose
from tests.web.test_exports_docx_exact import _libreoffice_texts, libreoffice

BASE = "/n/cica-unoct-mou"
# Core: readiness and checksum without an app -------------------------------------------------------------------


def _clause(wid="w1", citation="Article 1", agreed=True, open_amendments=0, en="Text.", ru="Текст.", plain=()):
    texts = {}
    if en is not None:
        texts["en"] = (None, en)
    if ru is not None:
        texts["ru"] = (None, ru)
    return ClauseForSignature(wid, citation, agreed, open_amendments, texts, plain)


def test_a_clean_agreed_text_in_every_language_has_no_blocker():
    assert blockers([_clause(), _clause("w2", "Article 2")], ["en", "ru"]) == []


def test_every_kind_of_blocker_is_listed_with_its_clause_language_and_words():
    found = blockers(
        [
            _clause(agreed=False, open_amendments=2),
            _clause("w2", "Article 2", en="Done at [place], on [date], [shall] [will] do.", ru=None),
            _clause("w3", "Article 3", ru="Текст ] лишний."),
            _clause("w4", "Article 4", en="paragraph 3 [of Article 2] applies.", plain=("[of Article 2]",)),
        ],
        ["en", "ru"],
        ["CICA-4"],
    )
    summary = [(b.kind, b.citation, b.language, b.count, b.details) for b in found]
    assert summary == [
        (BlockerKind.not_agreed, "Article 1", "", 1, ()),
        (BlockerKind.open_amendments, "Article 1", "", 2, ()),
        (BlockerKind.brackets, "Article 2", "en", 2, ("[shall]", "[will]")),
        (BlockerKind.placeholders, "Article 2", "en", 2, ("[place]", "[date]")),
        (BlockerKind.missing_language, "Article 2", "ru", 1, ()),
        (BlockerKind.unbalanced, "Article 3", "ru", 1, ()),
        (BlockerKind.proposed_clause, "CICA-4", "", 1, ()),
    ]


def test_the_checksum_changes_with_a_word_a_language_or_the_order_and_not_with_spacing():
    languages = ["en", "ru"]
    base = checksum([_clause(), _clause("w2", en="Other.")], languages)
    assert len(base) == 64 and base == checksum([_clause(en="Text. "), _clause("w2", en="Other.")], languages)
    assert base == checksum([_clause(en="Text.\n"), _clause("w2", en="Other.")], languages)
    assert base != checksum([_clause(en="Text!"), _clause("w2", en="Other.")], languages)
    assert base != checksum([_clause(ru="Тест."), _clause("w2", en="Other.")], languages)
    assert base != checksum([_clause("w2", en="Other."), _clause()], languages)
    assert shown(base) == " ".join([base[0:4], base[4:8], base[8:12], base[12:16]])


# The negotiation brought to its end -------------------------------------------------------------------------

FILLED = {"[place]": "Astana", "[date]": "14 March 2024", "[дата]": "14 марта 2024 года", "[место]": "Астана"}


def _fill(text: str) -> str:
    for placeholder, value in FILLED.items():
        text = text.replace(placeholder, value)
    return text


def agree_everything(app, *, meetings=("SWG",)):
    """What the negotiators and the meetings do over months, written directly: every clause gets a clean text in
    both languages (placeholders filled, a Russian text where it lacked one), then each meeting of `meetings` is
    frozen on it, endorses every clause and concludes."""
    with app.app_context():
        instrument = db.session.scalar(db.select(Instrument).filter_by(slug="cica-unoct-mou"))
        chair = db.session.scalar(db.select(User).filter_by(login="cica.chair"))
        clause_ids = list(db.session.scalars(db.select(Clause.id).where(Clause.instrument_id == instrument.id)))
        for clause_id, version in current_versions(db.session, clause_ids).items():
            if version.is_deleted:
                continue
            en, ru = version.text("en"), version.text("ru")
            cleaner = _fill(en.body)
            ru_body = _fill(ru.body) if ru else f"Русский текст положения {clause_id}."
            ru_heading = (ru.heading if ru else None) or (f"Заголовок {clause_id}" if en.heading else None)
            if cleaner == en.body and ru is not None and ru_body == ru.body:
                continue
            new = ClauseVersion(clause_id=clause_id, seq=version.seq + 1, reason="Agreed wording", created_by=chair)
            new.texts.append(
                ClauseText(language="en", heading=en.heading, body=cleaner, revised_in_seq=version.seq + 1)
            )
            new.texts.append(
                ClauseText(language="ru", heading=ru_heading, body=ru_body, revised_in_seq=version.seq + 1)
            )
            db.session.add(new)
        db.session.flush()
        live = {cid: v for cid, v in current_versions(db.session, clause_ids).items() if not v.is_deleted}
        now = dt.datetime.now(dt.UTC)
        for code in meetings:
            meeting = db.session.scalar(db.select(Milestone).filter_by(instrument_id=instrument.id, code=code))
            for clause_id, version in live.items():
                db.session.add(MilestoneSnapshot(milestone_id=meeting.id, clause_id=clause_id, version_id=version.id))
                db.session.add(
                    MilestoneOutcome(
                        milestone_id=meeting.id, clause_id=clause_id, outcome=Outcome.endorsed, recorded_by=chair
                    )
                )
            meeting.state = MilestoneState.concluded
            meeting.frozen_at = meeting.concluded_at = now
            meeting.frozen_by = meeting.concluded_by = chair
            meeting.result = MeetingResult.approved
        db.session.commit()


def _state(app):
    with app.app_context():
        return {
            "events": db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)),
            "snapshots": db.session.scalar(db.select(db.func.count()).select_from(MilestoneSnapshot)),
        }


def _text(html: str) -> str:
    import html as html_module

    return re.sub(r"\s+", " ", html_module.unescape(re.sub(r"<[^>]+>", "", html)))


def test_too_early_the_page_lists_what_blocks_it_and_the_downloads_are_refused(app, demo):
    unoct = as_user(app, demo, "unoct.negotiator")
    tabled_id = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    assert act(unoct, tabled_id, "table").status_code == 302
    cica = as_user(app, demo, "cica.negotiator")
    response = cica.get(f"{BASE}/signature-copy")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = _text(html)
    assert "The text cannot go to signature yet" in text
    for kind in ("not_agreed", "open_amendments", "placeholders", "missing_language"):
        assert f"sig-{kind}" in html, kind
    assert "[place]" in text and "[date]" in text
    assert "Article 7" in text  # the clause with the open amendment, by citation
    assert "Issue the signature copy" not in text
    before = _state(app)
    for url in ("/signature-copy.docx", "/signature-copy.pdf"):
        refused = cica.get(BASE + url)
        assert refused.status_code == 409
        assert "cannot go to signature yet" in refused.get_data(as_text=True)
    chair = as_user(app, demo, "cica.chair")
    refused = chair.post(f"{BASE}/signature-copy", {"name-CICA": "Nurlan Bekov"})
    assert refused.status_code == 409 and "matters still block it" in refused.get_data(as_text=True)
    assert _state(app) == before


def test_the_refusal_list_is_in_russian_for_a_russian_reader(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    cica.post("/language", {"language": "ru"}, token_from="/")
    html = cica.get(f"{BASE}/signature-copy").get_data(as_text=True)
    assert "Статья 9" in _text(html)


def test_once_everything_is_agreed_the_docx_holds_both_authentic_texts_with_their_own_labels(app, demo):
    agree_everything(app)
    cica = as_user(app, demo, "cica.negotiator")
    page = cica.get(f"{BASE}/signature-copy").get_data(as_text=True)
    assert "The text is ready for signature" in page and "sig-blocker" not in page
    match = re.search(r"Text checksum \(SHA-256\): ([0-9a-f ]{19})", page)
    assert match
    shown_checksum = match.group(1)
    response = cica.get(f"{BASE}/signature-copy.docx")
    assert response.status_code == 200
    document = python_docx.Document(io.BytesIO(response.data))
    paragraphs = [p.text for p in document.paragraphs]
    assert "Article 1 — Objectives of cooperation" in paragraphs
    assert "Статья 1 — Цели сотрудничества" in paragraphs
    assert not any("[" in p for p in paragraphs if not p.startswith("_"))
    assert any(p.startswith("3.\tDone at Astana, on 14 March 2024") for p in paragraphs)
    # Signature blocks for both parties, in each language, with the parties' names in that language.
    assert "For the Secretariat of the Conference on Interaction and Confidence Building Measures in Asia" in paragraphs
    assert any("Контртеррористическое управление" in p for p in paragraphs)
    # The checksum in the footer of every part.
    footers = [section.footer.paragraphs[0].text for section in document.sections]
    assert len(footers) == 2 and all(shown_checksum in footer for footer in footers)
    # Russian labels in the Russian part: no English label after its heading.
    russian = paragraphs[paragraphs.index("Статья 1 — Цели сотрудничества") :]
    assert not any(p.startswith("Article ") for p in russian)


def test_the_two_column_layout_puts_the_languages_side_by_side(app, demo):
    agree_everything(app)
    cica = as_user(app, demo, "cica.negotiator")
    document = python_docx.Document(io.BytesIO(cica.get(f"{BASE}/signature-copy.docx?layout=columns").data))
    (table,) = document.tables
    first_article = next(row for row in table.rows if row.cells[0].text.startswith("Article 1"))
    assert first_article.cells[1].text.startswith("Статья 1")
    bad = cica.get(f"{BASE}/signature-copy.docx?layout=three")
    assert bad.status_code == 400 and "Choose a layout" in bad.get_data(as_text=True)


def test_the_pdf_reads_back_with_both_languages_russian_labels_and_the_checksum(app, demo):
    agree_everything(app)
    cica = as_user(app, demo, "cica.negotiator")
    for layout in ("sequential", "columns"):
        response = cica.get(f"{BASE}/signature-copy.pdf?layout={layout}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        reader = pypdf.PdfReader(io.BytesIO(response.data))
        text = re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))
        text = re.sub(r"(\w)- (\w)", r"\1-\2", text)  # a name broken at its hyphen at the end of a line
        assert "Article 1" in text and "Статья 1" in text, layout
        assert "Done at Astana" in text and "Цели сотрудничества" in text
        assert "For the United Nations Office of Counter-Terrorism" in text
        assert re.search(r"Text checksum \(SHA-256\): [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}", text)


@libreoffice
def test_libreoffice_reads_the_signature_copy(app, demo, tmp_path):
    agree_everything(app)
    data = as_user(app, demo, "cica.negotiator").get(f"{BASE}/signature-copy.docx").data
    lines = _libreoffice_texts(tmp_path, {"signature": (data, "none")})["signature"]
    assert "Article 1 — Objectives of cooperation" in lines and "Статья 1 — Цели сотрудничества" in lines
    assert any(line.startswith("Done at Astana") or "Done at Astana" in line for line in lines)


def test_the_chair_issues_it_the_checksum_is_recorded_and_the_signature_meeting_frozen(app, demo):
    agree_everything(app, meetings=("SWG", "SOC"))
    chair = as_user(app, demo, "cica.chair")
    page = chair.get(f"{BASE}/signature-copy").get_data(as_text=True)
    assert "Issue the signature copy" in page
    response = chair.post(
        f"{BASE}/signature-copy",
        {"name-CICA": "Kairat Sarybay", "title-CICA": "Executive Director", "name-UNOCT": "  Vladimir   Voronkov "},
    )
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(kind="signature.issued"))
        assert event.private_to_party_id is None  # part of the shared record
        recorded = event.after["checksum"]
        assert len(recorded) == 64
        assert event.after["signatories"]["UNOCT"] == ["Vladimir Voronkov", ""]
        sign = db.session.scalar(db.select(Milestone).filter_by(code="SIGN"))
        assert sign.state is MilestoneState.frozen and event.after["milestone"] == "SIGN"
        frozen = set(
            db.session.scalars(db.select(MilestoneSnapshot.version_id).where(MilestoneSnapshot.milestone_id == sign.id))
        )
        assert frozen == set(event.after["versions"].values())
    page = chair.get(f"{BASE}/signature-copy").get_data(as_text=True)
    assert shown(recorded) in page and "Issued on" in page
    # The documents carry the signatories the chair entered.
    document = python_docx.Document(io.BytesIO(chair.get(f"{BASE}/signature-copy.docx").data))
    paragraphs = [p.text for p in document.paragraphs]
    assert "Name: Kairat Sarybay" in paragraphs and "Title: Executive Director" in paragraphs
    assert "Name: Vladimir Voronkov" in paragraphs
    # The other party reads the issue in the audit trail.
    audit = as_user(app, demo, "unoct.negotiator").get(f"{BASE}/audit").get_data(as_text=True)
    assert recorded in audit or "Signature copy issued" in audit


def test_when_the_meetings_do_not_allow_freezing_the_audit_event_alone_records_it(app, demo):
    agree_everything(app)  # the SOC never met: the signature meeting cannot be frozen
    chair = as_user(app, demo, "cica.chair")
    response = chair.post(f"{BASE}/signature-copy", {}, follow_redirects=True)
    assert response.status_code == 200
    assert "has not concluded yet" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent).filter_by(kind="signature.issued")).after["milestone"] is None
        assert db.session.scalar(db.select(Milestone).filter_by(code="SIGN")).state is MilestoneState.planned


def test_only_a_chair_issues_and_a_too_long_name_is_refused(app, demo):
    agree_everything(app, meetings=("SWG", "SOC"))
    before = _state(app)
    negotiator = as_user(app, demo, "unoct.negotiator")
    assert negotiator.post(f"{BASE}/signature-copy", {"name-UNOCT": "Someone"}).status_code == 403
    chair = as_user(app, demo, "cica.chair")
    refused = chair.post(f"{BASE}/signature-copy", {"name-CICA": "x" * 201})
    assert refused.status_code == 400 and "too long" in refused.get_data(as_text=True)
    assert _state(app) == before
    with app.app_context():
        assert db.session.scalar(db.select(Milestone).filter_by(code="SIGN")).state is MilestoneState.planned


def test_docx_parts_are_valid_zip_with_the_document_language_tags(app, demo):
    agree_everything(app)
    data = as_user(app, demo, "cica.negotiator").get(f"{BASE}/signature-copy.docx").data
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert 'w:val="ru-RU"' in xml and 'w:val="en-GB"' in xml
