"""The API of the record (#21): deadlines, brackets declared not negotiating, the rolling text, the signature copy
and the negotiating history, each for the right role only, refused with problem details otherwise, and nothing a
party keeps to itself (an untabled draft, an internal comment) reaching the other party through any of them."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pypdf

from mou_tracker.extensions import db
from mou_tracker.models import AuditEvent, Clause, Instrument
from tests.api.test_api import API, DEMO_SLUG, client
from tests.api.test_api_complete import _propose_change, _tabled
from tests.conftest import add_clause_version, wid_of
from tests.services.test_amendments import AMENDMENT_CLAUSE, SETTLEMENT
from tests.services.test_deadlines import _meeting
from tests.web.test_signature_copy import agree_everything

from . import test_api

tokens = test_api.tokens  # the fixture: a token of each of four users of the demo

SECRET = "An UNOCT draft nobody else may read"
INTERNAL = "UNOCT eyes only"
CITATION_CLAUSE = "The Participants will consult"
PROBLEM = "application/problem+json"


def _refused(response, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == PROBLEM and response.get_json()["status"] == status


def _docx_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype.endswith("wordprocessingml.document")
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        return archive.read("word/document.xml").decode()


def _pdf_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.get_data()[:5] == b"%PDF-"
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.get_data())).pages)


def _audit_kinds(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEvent.kind).order_by(AuditEvent.id)))


# Every operation is in the document ------------------------------------------------------------------------------


def test_the_record_operations_are_documented_under_the_negotiation(app):
    document = app.test_client().get(f"{API}/openapi.json").get_json()
    found = {
        op["operationId"]: (method, path)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if path.startswith(f"{API}/negotiations/{{negotiation}}/")
    }
    for operation_id in (
        "set_reply_by",
        "decide_late",
        "set_proposals_deadline",
        "get_brackets",
        "set_plain_brackets",
        "get_rolling_text",
        "export_rolling_text_docx",
        "export_rolling_text_pdf",
        "get_signature_copy",
        "issue_signature_copy",
        "export_signature_copy_docx",
        "export_signature_copy_pdf",
        "get_clause_history",
        "get_history",
        "export_clause_history_pdf",
        "export_clause_history_docx",
        "export_history_pdf",
        "export_history_docx",
    ):
        assert operation_id in found, operation_id
    issue = document["paths"][f"{API}/negotiations/{{negotiation}}/signature-copy"]["post"]
    assert {"409", "412", "428"} <= set(issue["responses"])


# Deadlines -------------------------------------------------------------------------------------------------------


def test_the_proposer_sets_the_reply_by_date_and_nobody_else(app, tokens):
    unoct, cica = client(app, tokens, "unoct.negotiator"), client(app, tokens, "cica.negotiator")
    amendment = _tabled(unoct, wid_of(app, SETTLEMENT), {"en": {"body": "Any dispute will be settled amicably."}})
    day = (dt.date.today() + dt.timedelta(days=20)).isoformat()

    _refused(unoct.call("set_reply_by", amendment_id=amendment["id"], json={"reply_by": day}), 428)
    etag = cica.call("get_amendment", amendment_id=amendment["id"]).headers["ETag"]
    _refused(cica.call("set_reply_by", amendment_id=amendment["id"], etag=etag, json={"reply_by": day}), 403)
    for wrong in ("2020-01-01", "1 March", 20240301):  # in the past, not a date, not a string
        refused = unoct.call("set_reply_by", amendment_id=amendment["id"], etag=etag, json={"reply_by": wrong})
        _refused(refused, 422)
    assert "amendment.reply_by_set" not in _audit_kinds(app)

    answer = unoct.call("set_reply_by", amendment_id=amendment["id"], etag=etag, json={"reply_by": day})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["reply_by"] == day and answer.get_json()["citation"] == amendment["citation"]
    assert answer.headers["ETag"] != etag
    _refused(unoct.call("set_reply_by", amendment_id=amendment["id"], etag=etag, json={"reply_by": None}), 412)
    cleared = unoct.call(
        "set_reply_by", amendment_id=amendment["id"], etag=answer.headers["ETag"], json={"reply_by": None}
    )
    assert cleared.status_code == 200 and cleared.get_json()["reply_by"] is None
    assert _audit_kinds(app).count("amendment.reply_by_set") == 2


def test_the_chair_sets_a_meetings_deadline_and_decides_on_a_late_proposal(app, tokens):
    chair, unoct = client(app, tokens, "cica.chair"), client(app, tokens, "unoct.negotiator")
    cica = client(app, tokens, "cica.negotiator")
    on_time = _tabled(unoct, wid_of(app, AMENDMENT_CLAUSE), {"en": {"body": "This Memorandum may be amended."}})

    swg = chair.call("get_milestone", code="SWG").headers["ETag"]
    deadline = {"proposals_deadline": "2024-03-01"}
    _refused(cica.call("set_proposals_deadline", code="SWG", etag=swg, json=deadline), 403)
    after_the_meeting = {"proposals_deadline": "2024-03-13"}  # the SWG meets on 12 March 2024
    _refused(chair.call("set_proposals_deadline", code="SWG", etag=swg, json=after_the_meeting), 422)
    _refused(chair.call("set_proposals_deadline", code="NOPE", etag=swg, json=deadline), 404)
    set_ = chair.call("set_proposals_deadline", code="SWG", etag=swg, json=deadline)
    assert set_.status_code == 200, set_.get_json()
    assert set_.get_json()["proposals_deadline"] == "2024-03-01" and set_.get_json()["late"] == []
    assert set_.headers["ETag"] != swg
    assert _meeting(app, "SWG").proposals_deadline == dt.date(2024, 3, 1)

    late = _tabled(unoct, wid_of(app, SETTLEMENT), {"en": {"body": "Any dispute will be settled amicably."}})
    etag = chair.call("get_amendment", amendment_id=late["id"]).headers["ETag"]
    _refused(cica.call("decide_late", amendment_id=late["id"], etag=etag, json={"decision": "admitted"}), 403)
    _refused(chair.call("decide_late", amendment_id=late["id"], etag=etag, json={"decision": "maybe"}), 422)
    decided = chair.call("decide_late", amendment_id=late["id"], etag=etag, json={"decision": "deferred"})
    assert decided.status_code == 200, decided.get_json()
    assert (decided.get_json()["late_for"], decided.get_json()["late_decision"]) == ("SWG", "deferred")
    on_time_etag = chair.call("get_amendment", amendment_id=on_time["id"]).headers["ETag"]
    nothing = chair.call("decide_late", amendment_id=on_time["id"], etag=on_time_etag, json={"decision": "admitted"})
    _refused(nothing, 409)  # tabled in time: nothing to decide

    again = chair.call("get_milestone", code="SWG").headers["ETag"]
    listed = chair.call("set_proposals_deadline", code="SWG", etag=again, json=deadline).get_json()["late"]
    assert [(x["citation"], x["late_decision"]) for x in listed] == [(late["citation"], "deferred")]


# Brackets --------------------------------------------------------------------------------------------------------


def test_a_negotiator_declares_a_bracket_plain_and_undoes_it_a_legal_reviewer_may_not(app, tokens):
    negotiator, legal = client(app, tokens, "cica.negotiator"), client(app, tokens, "cica.legal")
    wid = wid_of(app, CITATION_CLAUSE)
    add_clause_version(app, wid, "The Participants will consult as provided in paragraph 3 [of Article 2].")
    read = legal.call("get_brackets", wid=wid)
    assert read.status_code == 200, read.get_json()
    assert read.get_json()["passages"] == [{"text": "[of Article 2]", "plain": False}]
    assert read.get_json()["open_brackets"] == 1
    _refused(legal.call("get_brackets", wid="no-such-clause"), 404)

    passage = {"plain": ["[of Article 2]"]}
    _refused(legal.call("set_plain_brackets", wid=wid, json=passage), 403)
    _refused(negotiator.call("set_plain_brackets", wid=wid, json=passage | {"negotiating": ["[of Article 2]"]}), 422)
    assert "clause.bracket_declared_plain" not in _audit_kinds(app)

    declared = negotiator.call("set_plain_brackets", wid=wid, json=passage)
    assert declared.status_code == 200, declared.get_json()
    assert declared.get_json()["changed"] == 1
    assert declared.get_json()["brackets"]["passages"] == [{"text": "[of Article 2]", "plain": True}]
    assert declared.get_json()["brackets"]["open_brackets"] == 0
    assert negotiator.call("set_plain_brackets", wid=wid, json=passage).get_json()["changed"] == 0

    undone = negotiator.call("set_plain_brackets", wid=wid, json={"negotiating": ["[of Article 2]"]})
    assert undone.status_code == 200 and undone.get_json()["changed"] == 1
    assert undone.get_json()["brackets"]["open_brackets"] == 1
    assert _audit_kinds(app)[-1] == "clause.bracket_declared_negotiating"

    add_clause_version(app, wid, "The Participants will consult each other.")  # the passage is gone
    _refused(negotiator.call("set_plain_brackets", wid=wid, json=passage), 422)
    with app.app_context():
        declared = (
            db.select(Clause.plain_brackets).join(Instrument).where(Clause.wid == wid, Instrument.slug == DEMO_SLUG)
        )
        assert db.session.scalar(declared) == []


# Rolling text ----------------------------------------------------------------------------------------------------


def _pieces(rolling: dict, language: str, wid: str) -> list[dict]:
    part = next(p for p in rolling["languages"] if p["language"] == language)
    return next(c for c in part["clauses"] if c["key"] == wid)["body"]


def test_the_rolling_text_brackets_tabled_proposals_only_in_json_word_and_pdf(app, tokens):
    unoct, cica = client(app, tokens, "unoct.negotiator"), client(app, tokens, "cica.negotiator")
    wid = wid_of(app, SETTLEMENT)
    tabled = _tabled(unoct, wid, {"en": {"body": "Any dispute will be settled forthwith."}})
    _propose_change(unoct, wid_of(app, AMENDMENT_CLAUSE), {"en": {"body": f"{SECRET}."}})

    for api in (cica, unoct):  # the text at the table: no untabled draft, not even the drafting party's own
        answer = api.call("get_rolling_text")
        assert answer.status_code == 200, answer.get_json()
        rolling = answer.get_json()
        assert [p["language"] for p in rolling["languages"]] == ["en", "ru"]
        assert SECRET not in answer.get_data(as_text=True)
    english = cica.call("get_rolling_text", query={"language": "en"}).get_json()
    assert [p["language"] for p in english["languages"]] == ["en"]
    bracketed = [p for p in _pieces(english, "en", wid) if p["kind"] == "bracketed"]
    assert bracketed and any(
        alt["proposed_by"] == [{"citation": tabled["citation"], "party": "UNOCT"}]
        for piece in bracketed
        for alt in piece["alternatives"]
    )
    assert "forthwith" in " ".join(alt["text"] for piece in bracketed for alt in piece["alternatives"])
    _refused(cica.call("get_rolling_text", query={"language": "fr"}), 422)

    word = _docx_text(cica.call("export_rolling_text_docx", query={"language": "en"}))
    assert "forthwith" in word and SECRET not in word and tabled["citation"] in word
    _refused(cica.call("export_rolling_text_docx", query={"language": "fr"}), 422)
    pdf = _pdf_text(cica.call("export_rolling_text_pdf", query={"language": "en"}))
    assert "forthwith" in pdf and SECRET not in pdf


# Signature copy --------------------------------------------------------------------------------------------------


def test_too_early_the_signature_copy_lists_its_blockers_and_cannot_be_issued_or_downloaded(app, tokens):
    chair = client(app, tokens, "cica.chair")
    answer = chair.call("get_signature_copy")
    assert answer.status_code == 200, answer.get_json()
    state = answer.get_json()
    assert state["ready"] is False and state["checksum"] is None and state["issued"] is None
    kinds = {b["kind"] for b in state["blockers"]}
    assert "placeholders" in kinds and all(b["label"] for b in state["blockers"])
    _refused(chair.call("issue_signature_copy", etag=answer.headers["ETag"], json={}), 409)
    _refused(chair.call("export_signature_copy_docx"), 409)
    _refused(chair.call("export_signature_copy_pdf"), 409)
    assert "signature.issued" not in _audit_kinds(app)


def test_the_chair_issues_the_signature_copy_of_the_text_read_and_downloads_it(app, tokens):
    agree_everything(app, meetings=("SWG", "SOC"))
    chair, legal = client(app, tokens, "cica.chair"), client(app, tokens, "cica.legal")
    read = legal.call("get_signature_copy")
    state = read.get_json()
    assert state["ready"] is True and state["blockers"] == [] and len(state["checksum"]) == 64
    assert state["shown_checksum"] and state["checksum"].startswith(state["shown_checksum"].replace(" ", "")[:8])
    etag = read.headers["ETag"]
    signatories = {"signatories": {"CICA": {"name": "Kairat Sarybay", "title": "Executive Director"}}}

    _refused(legal.call("issue_signature_copy", etag=etag, json=signatories), 403)
    _refused(chair.call("issue_signature_copy", json=signatories), 428)
    _refused(chair.call("issue_signature_copy", etag='"signature-0"', json=signatories), 412)
    unknown = chair.call("issue_signature_copy", etag=etag, json={"signatories": {"XX": {"name": "Nobody"}}})
    _refused(unknown, 422)
    assert unknown.get_json()["errors"] == [{"field": "signatories.XX", "message": "unknown party"}]
    too_long = {"signatories": {"CICA": {"name": "N" * 201}}}
    _refused(chair.call("issue_signature_copy", etag=etag, json=too_long), 422)
    assert "signature.issued" not in _audit_kinds(app)

    issued = chair.call("issue_signature_copy", etag=etag, json=signatories)
    assert issued.status_code == 200, issued.get_json()
    assert issued.get_json()["checksum"] == state["checksum"] and issued.get_json()["frozen"] == "SIGN"
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(kind="signature.issued"))
        assert event.after["checksum"] == state["checksum"]
        assert event.after["signatories"]["CICA"] == ["Kairat Sarybay", "Executive Director"]
    after = client(app, tokens, "unoct.negotiator").call("get_signature_copy").get_json()
    assert after["issued"]["for_this_text"] is True and after["issued"]["checksum"] == state["checksum"]
    assert {"party": "CICA", "name": "Kairat Sarybay", "title": "Executive Director"} in after["signatories"]

    word = _docx_text(legal.call("export_signature_copy_docx", query={"layout": "columns"}))
    assert "Kairat Sarybay" in word
    assert legal.call("export_signature_copy_docx", query={"layout": "diagonal"}).status_code == 400
    pdf = _pdf_text(legal.call("export_signature_copy_pdf"))
    assert state["shown_checksum"] in pdf


# Negotiating history, and what the other party never reads -------------------------------------------------------


def test_the_history_of_a_clause_and_of_the_instrument_keeps_a_partys_own_to_itself(app, tokens):
    unoct = client(app, tokens, "unoct.negotiator")
    wid = wid_of(app, SETTLEMENT)
    tabled = _tabled(unoct, wid, {"en": {"body": "Any dispute will be settled amicably."}})
    draft = _propose_change(unoct, wid, {"en": {"body": f"{SECRET}."}}).get_json()
    note = unoct.call("add_comment", amendment_id=tabled["id"], json={"body": INTERNAL, "internal": True})
    assert note.status_code == 201

    own = unoct.call("get_clause_history", wid=wid)
    assert own.status_code == 200, own.get_json()
    record = own.get_json()["clauses"][0]
    assert record["wid"] == wid and own.get_json()["language"] == "en"
    assert any(e["amendment_id"] == draft["id"] and e["internal"] for e in record["events"])
    assert SECRET in own.get_data(as_text=True) and INTERNAL in own.get_data(as_text=True)
    assert any(e["kind"] == "tabled" and e["amendment_id"] == tabled["id"] for e in record["events"])

    for login in ("cica.negotiator", "cica.legal", "cica.chair"):
        other = client(app, tokens, login)
        reads = [
            other.call("get_clause_history", wid=wid),
            other.call("get_history"),
            other.call("get_history", query={"lang": "ru"}),
        ]
        for answer in reads:
            assert answer.status_code == 200, (login, answer.get_json())
            text = answer.get_data(as_text=True)
            assert SECRET not in text and INTERNAL not in text and f"draft {draft['id']}" not in text, login
            assert tabled["citation"] in text, login  # the shared record is there
        events = reads[0].get_json()["clauses"][0]["events"]
        assert not any(e["internal"] for e in events) and draft["id"] not in {e["amendment_id"] for e in events}
    cica = client(app, tokens, "cica.negotiator")
    for answer in (cica.call("export_clause_history_docx", wid=wid), cica.call("export_history_docx")):
        word = _docx_text(answer)
        assert SECRET not in word and INTERNAL not in word and "amicably" in word
    pdf = _pdf_text(cica.call("export_clause_history_pdf", wid=wid))
    assert SECRET not in pdf and INTERNAL not in pdf and "amicably" in pdf
    assert SECRET in _docx_text(unoct.call("export_clause_history_docx", wid=wid))
    pdf = _pdf_text(cica.call("export_history_pdf", query={"lang": "en"}))
    assert SECRET not in pdf and "amicably" in pdf

    _refused(cica.call("get_clause_history", wid="no-such-clause"), 404)
    _refused(cica.call("export_clause_history_pdf", wid="no-such-clause"), 404)
    _refused(cica.call("get_history", query={"lang": "fr"}), 422)
    assert cica.call("get_history", query={"lang": "EN"}).status_code == 400  # not a language code
