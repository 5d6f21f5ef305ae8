"""The API does what the pages do: partial updates that keep what they leave out, redlines, comments, rebase,
exports, paging, conditional reads, a rate limit, links; and nothing of one party's drafts or internal notes
reaches the other party through any of these operations."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.api.test_api import API, DEMO_SLUG, Client, client, create_token
from tests.conftest import add_clause_version, wid_of
from tests.services.test_amendments import SETTLEMENT, as_user

from . import test_api

tokens = test_api.tokens  # the fixture: a token of each of four users of the demo

ARTICLE_2 = "Proceeding from the above objectives"
ARTICLE_2_BODY = "Proceeding from the above objectives, the CICA Secretariat and the UNOCT will cooperate as follows:"


def _propose_change(api: Client, wid: str, texts: dict, rationale: str = "Clarity."):
    response = api.call("propose", json={"kind": "change", "clause": wid, "texts": texts, "rationale": rationale})
    assert response.status_code == 201, response.get_json()
    return response


def _tabled(api: Client, wid: str, texts: dict) -> dict:
    proposed = _propose_change(api, wid, texts)
    tabled = api.call("table", amendment_id=proposed.get_json()["id"], etag=proposed.headers["ETag"])
    assert tabled.status_code == 200, tabled.get_json()
    return tabled.get_json() | {"etag": tabled.headers["ETag"]}


# The heading trap ------------------------------------------------------------------------------------------------


def test_a_change_that_sends_only_the_body_keeps_the_heading_and_null_removes_it(app, tokens):
    unoct = client(app, tokens, "unoct.negotiator")
    wid = wid_of(app, ARTICLE_2)
    kept = _propose_change(unoct, wid, {"en": {"body": ARTICLE_2_BODY}}).get_json()
    assert kept["texts"]["en"] == {"heading": "Areas of cooperation", "body": ARTICLE_2_BODY}
    # The Russian text was left out: it is not proposed to change (and the heading is not touched there either).
    redline = unoct.call("amendment_redline", amendment_id=kept["id"]).get_json()
    english = next(lang for lang in redline["languages"] if lang["language"] == "en")
    assert english["heading"]["changed"] is False and english["body"]["changed"] is True

    removed = _propose_change(unoct, wid, {"en": {"heading": None}}, "No heading.").get_json()
    assert removed["texts"]["en"]["heading"] is None
    assert removed["texts"]["en"]["body"].startswith(ARTICLE_2)  # the body was left out: unchanged
    renamed = _propose_change(unoct, wid, {"ru": {"heading": "Сферы сотрудничества"}}, "Wording.").get_json()
    assert renamed["texts"]["ru"]["heading"] == "Сферы сотрудничества"
    assert renamed["texts"]["ru"]["body"].startswith("Исходя из вышеуказанных целей")
    assert renamed["texts"]["en"]["heading"] == "Areas of cooperation"  # a required language left out: unchanged


def test_a_revision_changes_only_what_it_sends(app, tokens):
    unoct = client(app, tokens, "unoct.negotiator")
    wid = wid_of(app, ARTICLE_2)
    proposed = _propose_change(
        unoct, wid, {"en": {"body": ARTICLE_2_BODY}, "ru": {"body": "Секретариат СВМДА и КТУ ООН будут сотрудничать:"}}
    )
    amendment_id = proposed.get_json()["id"]
    only_rationale = unoct.call(
        "revise", amendment_id=amendment_id, etag=proposed.headers["ETag"], json={"rationale": "A better reason."}
    )
    assert only_rationale.status_code == 200, only_rationale.get_json()
    assert only_rationale.get_json()["texts"] == proposed.get_json()["texts"]
    assert only_rationale.get_json()["rationale"] == "A better reason."

    only_heading = unoct.call(
        "revise",
        amendment_id=amendment_id,
        etag=only_rationale.headers["ETag"],
        json={"texts": {"en": {"heading": "Cooperation"}}},
    )
    assert only_heading.status_code == 200, only_heading.get_json()
    texts = only_heading.get_json()["texts"]
    assert texts["en"] == {"heading": "Cooperation", "body": ARTICLE_2_BODY}
    assert texts["ru"] == proposed.get_json()["texts"]["ru"]  # a language left out is kept, not dropped
    assert only_heading.get_json()["rationale"] == "A better reason."

    no_heading = unoct.call(
        "revise",
        amendment_id=amendment_id,
        etag=only_heading.headers["ETag"],
        json={"texts": {"en": {"heading": None}}},
    )
    assert no_heading.status_code == 200 and no_heading.get_json()["texts"]["en"]["heading"] is None
    # A rationale or a body cannot be removed: an explicit null is refused and changes nothing.
    for body in ({"rationale": None}, {"texts": {"en": {"body": None}}}):
        refused = unoct.call("revise", amendment_id=amendment_id, etag=no_heading.headers["ETag"], json=body)
        assert refused.status_code == 422, refused.get_json()
    assert unoct.call("get_amendment", amendment_id=amendment_id).get_json()["revision"] == 4


def test_the_document_says_a_field_left_out_is_unchanged_and_gives_it_no_default(app):
    schemas = app.test_client().get(f"{API}/openapi.json").get_json()["components"]["schemas"]
    for model, fields in (("TextIn", ("heading", "body")), ("RevisionIn", ("rationale",))):
        for name in fields:
            prop = schemas[model]["properties"][name]
            assert "default" not in prop and "Left out" in prop["description"], (model, name)
        assert "required" not in schemas[model] or not set(fields) & set(schemas[model]["required"])
    assert "default" not in schemas["MilestoneEditIn"]["properties"]["date"]
    assert schemas["NewTextIn"]["required"] == ["body"]  # a new clause has nothing to keep


# Redlines --------------------------------------------------------------------------------------------------------


def test_redlines_of_an_amendment_of_two_proposals_of_two_versions_and_of_the_whole_draft(app, tokens):
    unoct, cica = client(app, tokens, "unoct.negotiator"), client(app, tokens, "cica.negotiator")
    wid = wid_of(app, SETTLEMENT)
    first = _tabled(unoct, wid, {"en": {"body": "Any dispute will be settled <b>amicably</b>."}})
    redline = cica.call("amendment_redline", amendment_id=first["id"])
    assert redline.status_code == 200, redline.get_json()
    body = redline.get_json()["languages"][0]["body"]
    assert {run["op"] for run in body["runs"]} == {"equal", "delete", "insert"}
    assert {run["party"] for run in body["runs"] if run["op"] != "equal"} == {"UNOCT"}
    assert all(run["party"] is None for run in body["runs"] if run["op"] == "equal")
    assert "".join(r["text"] for r in body["runs"] if r["op"] != "delete").endswith("<b>amicably</b>.")
    assert "&lt;b&gt;" in body["html"] and "<b>" not in body["html"] and 'class="rl-ins"' in body["html"]

    second = _tabled(cica, wid, {"en": {"body": "Any dispute will be settled by consultation."}})
    compared = unoct.call("compare_amendments", amendment_id=first["id"], other_id=second["id"]).get_json()
    assert compared["first"]["party"] == "UNOCT" and compared["second"]["party"] == "CICA"
    between = compared["between"][0]["body"]
    assert {run["party"] for run in between["runs"] if run["op"] != "equal"} == {"CICA"}

    chair = client(app, tokens, "cica.chair")
    swg = chair.call("get_milestone", code="SWG")
    assert chair.call("freeze", code="SWG", etag=swg.headers["ETag"]).status_code == 200
    add_clause_version(app, wid, "Any difference will be settled amicably by consultation.")
    versions = cica.call("clause_versions_redline", wid=wid).get_json()
    assert (versions["from_version"], versions["to_version"]) == (1, 2)
    runs = versions["languages"][0]["body"]["runs"]
    assert any(r["op"] == "insert" and "by consultation" in r["text"] and r["party"] == "CICA" for r in runs)
    assert cica.call("clause_versions_redline", wid=wid, query={"from": 1, "to": 9}).status_code == 404

    whole = cica.call("draft_redline", query={"only_changes": "true"})  # from the last meeting's draft to now
    assert whole.status_code == 200, whole.get_json()
    data = whole.get_json()
    assert data["from"]["key"] == "milestone:SWG" and data["to"]["key"] == "now"
    assert [row["wid"] for row in data["rows"]] == [wid] and data["rows"][0]["status"] == "changed"
    assert data["total"] == 1 and data["counts"]["changed"] == 1
    bad = cica.call("draft_redline", query={"from": "yesterday"})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"


# Comments, rebase ------------------------------------------------------------------------------------------------


def test_comments_are_read_and_written_and_internal_notes_stay_inside_the_party(app, tokens):
    unoct, cica = client(app, tokens, "unoct.negotiator"), client(app, tokens, "cica.negotiator")
    chair = client(app, tokens, "cica.chair")
    amendment = _tabled(unoct, wid_of(app, SETTLEMENT), {"en": {"body": "Any dispute will be settled amicably."}})
    shared = unoct.call("add_comment", amendment_id=amendment["id"], json={"body": "Shared with CICA."})
    assert shared.status_code == 201 and shared.get_json()["internal"] is False
    assert shared.headers["Location"].endswith(f"/amendments/{amendment['id']}/comments")
    internal = unoct.call("add_comment", amendment_id=amendment["id"], json={"body": "Hold firm.", "internal": True})
    assert internal.status_code == 201 and internal.get_json()["internal"] is True
    cica.call("add_comment", amendment_id=amendment["id"], json={"body": "CICA's own note.", "internal": True})

    def bodies(api):
        return [c["body"] for c in api.call("list_comments", amendment_id=amendment["id"]).get_json()["items"]]

    assert bodies(unoct) == ["Shared with CICA.", "Hold firm."]
    assert bodies(cica) == ["Shared with CICA.", "CICA's own note."]
    assert bodies(chair) == ["Shared with CICA.", "CICA's own note."]
    assert cica.call("add_comment", amendment_id=amendment["id"], json={"body": ""}).status_code == 422


def test_a_rebase_is_planned_then_confirmed(app, tokens):
    unoct = client(app, tokens, "unoct.negotiator")
    wid = wid_of(app, SETTLEMENT)
    proposed = _propose_change(
        unoct, wid, {"en": {"body": SETTLEMENT_TEXT.replace("consultations", "friendly consultations")}}
    )
    amendment_id = proposed.get_json()["id"]
    assert unoct.call("plan_rebase", amendment_id=amendment_id).status_code == 409  # nothing to rebase yet
    add_clause_version(app, wid, SETTLEMENT_TEXT.replace("Participants", "Parties"))
    plan = unoct.call("plan_rebase", amendment_id=amendment_id)
    assert plan.status_code == 200, plan.get_json()
    data = plan.get_json()
    assert data["clean"] and (data["from_version"], data["onto_version"]) == (1, 2)
    english = data["languages"][0]
    assert "friendly consultations" in english["text"] and "Parties" in english["text"]
    assert english["preview"]["body"]["changed"]
    etag = unoct.call("get_amendment", amendment_id=amendment_id).headers["ETag"]
    stale = unoct.call("confirm_rebase", amendment_id=amendment_id, etag=etag, json={"onto_version": 1})
    assert stale.status_code == 409
    confirmed = unoct.call("confirm_rebase", amendment_id=amendment_id, etag=etag, json={"onto_version": 2})
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["revision"] == 2 and confirmed.get_json()["texts"]["en"]["body"] == english["text"]
    assert confirmed.get_json()["revisions"][-1]["base_version"] == 2


SETTLEMENT_TEXT = ""  # filled from the demo below


@pytest.fixture(autouse=True)
def _settlement_text(app, demo):
    from mou_tracker.extensions import db
    from mou_tracker.models import ClauseText

    global SETTLEMENT_TEXT
    with app.app_context():
        SETTLEMENT_TEXT = db.session.scalar(
            db.select(ClauseText.body).where(ClauseText.language == "en", ClauseText.body.startswith(SETTLEMENT))
        )


# Exports ---------------------------------------------------------------------------------------------------------


def test_exports_with_a_bearer_token_and_no_draft_of_the_other_party_in_them(app, tokens):
    unoct, cica = client(app, tokens, "unoct.negotiator"), client(app, tokens, "cica.negotiator")
    draft = _propose_change(unoct, wid_of(app, SETTLEMENT), {"en": {"body": "A secret UNOCT wording."}}).get_json()
    own = unoct.call("export_amendments_csv")
    assert own.status_code == 200 and own.mimetype == "text/csv" and "attachment" in own.headers["Content-Disposition"]
    assert draft["citation"] in own.get_data(as_text=True)
    other = cica.call("export_amendments_csv").get_data(as_text=True)
    assert draft["citation"] not in other and f"draft {draft['id']}" not in other
    clauses = cica.call("export_clauses_csv")
    assert clauses.status_code == 200 and "Any difference arising" in clauses.get_data(as_text=True)
    assert "A secret UNOCT wording" not in clauses.get_data(as_text=True)

    word = cica.call("export_draft_docx")
    assert word.status_code == 200 and word.mimetype.endswith("wordprocessingml.document")
    with zipfile.ZipFile(io.BytesIO(word.get_data())) as archive:
        assert "Any difference arising" in archive.read("word/document.xml").decode()
    tracked = cica.call("export_redline_docx", query={"from": "date:2024-01-01", "to": "party:UNOCT"})
    assert tracked.status_code == 200
    with zipfile.ZipFile(io.BytesIO(tracked.get_data())) as archive:
        assert "A secret UNOCT wording" not in archive.read("word/document.xml").decode()
    assert cica.call("export_draft_docx", query={"at": "party:UNOCT"}).status_code == 422
    pdf = cica.call("export_status_pdf")
    assert pdf.status_code == 200 and pdf.get_data()[:5] == b"%PDF-"
    audit = cica.call("export_audit_csv").get_data(as_text=True)
    assert "amendment.proposed" not in audit  # UNOCT's drafting is UNOCT's business


# Visibility: the other party's drafts and internal notes, through every new operation ----------------------------


def test_no_new_operation_shows_an_untabled_draft_or_an_internal_note_to_the_other_party(app, tokens):
    unoct = client(app, tokens, "unoct.negotiator")
    wid = wid_of(app, SETTLEMENT)
    tabled = _tabled(unoct, wid, {"en": {"body": "Any dispute will be settled amicably."}})
    draft = _propose_change(unoct, wid, {"en": {"body": "An UNOCT draft nobody else may read."}}).get_json()
    note = unoct.call("add_comment", amendment_id=draft["id"], json={"body": "Drafting note.", "internal": False})
    assert note.status_code == 201 and note.get_json()["internal"] is True  # a draft's notes stay inside the party
    unoct.call("add_comment", amendment_id=tabled["id"], json={"body": "UNOCT eyes only.", "internal": True})
    reads = [
        ("amendment_redline", {"amendment_id": draft["id"]}),
        ("compare_amendments", {"amendment_id": tabled["id"], "other_id": draft["id"]}),
        ("compare_amendments", {"amendment_id": draft["id"], "other_id": tabled["id"]}),
        ("list_comments", {"amendment_id": draft["id"]}),
        ("plan_rebase", {"amendment_id": draft["id"]}),
    ]
    for login in ("cica.negotiator", "cica.legal", "cica.chair"):
        other = client(app, tokens, login)
        for operation_id, path in reads:
            response = other.call(operation_id, **path)
            assert response.status_code == 404, (login, operation_id, response.status_code)
            assert "nobody else may read" not in response.get_data(as_text=True)
        writes = [
            other.call("add_comment", amendment_id=draft["id"], json={"body": "Found it?"}),
            other.call("confirm_rebase", amendment_id=draft["id"], etag="x", json={"onto_version": 1}),
        ]
        assert [w.status_code for w in writes] == [404, 404], login
        for query in ({"to": "party:UNOCT"}, {"from": "party:UNOCT", "to": "now"}):
            whole = other.call("draft_redline", query=query | {"per_page": 200}).get_data(as_text=True)
            assert "nobody else may read" not in whole and "amicably" in whole
        comments = other.call("list_comments", amendment_id=tabled["id"]).get_data(as_text=True)
        assert "UNOCT eyes only" not in comments
        exported = other.call("export_comments_csv").get_data(as_text=True)
        assert "UNOCT eyes only" not in exported and "Drafting note" not in exported
        exported = other.call("export_amendments_csv").get_data(as_text=True)
        assert "nobody else may read" not in exported and "amicably" in exported
    # UNOCT itself reads all of it.
    for operation_id, path in reads[:4]:
        assert unoct.call(operation_id, **path).status_code == 200, operation_id


# Lists, conditional reads, rate limit, links ---------------------------------------------------------------------


def test_the_review_queue_is_paged_and_an_unknown_party_is_refused(app, tokens):
    unoct, legal = client(app, tokens, "unoct.negotiator"), client(app, tokens, "cica.legal")
    wid = wid_of(app, SETTLEMENT)
    for n in range(3):
        _tabled(unoct, wid, {"en": {"body": f"Any dispute will be settled amicably, version {n}."}})
    first = legal.call("pending_reviews", query={"per_page": 2}).get_json()
    second = legal.call("pending_reviews", query={"per_page": 2, "page": 2}).get_json()
    assert (first["total"], len(first["items"]), len(second["items"])) == (3, 2, 1)
    for operation_id in ("list_amendments", "list_audit_events", "export_audit_csv"):
        refused = unoct.call(operation_id, query={"party": "NOBODY"})
        assert refused.status_code == 422, operation_id
        assert refused.get_json()["errors"] == [{"field": "query.party", "message": "unknown party"}]
    assert unoct.call("list_amendments", query={"party": "cica"}).status_code == 200


def test_reads_carry_an_etag_and_an_unchanged_one_is_answered_304(app, tokens):
    unoct, cica = client(app, tokens, "unoct.negotiator"), client(app, tokens, "cica.negotiator")
    headers = {"Authorization": f"Bearer {cica.token}"}
    url = f"{API}/negotiations/{DEMO_SLUG}/amendments"
    first = cica.http.get(url, headers=headers)
    etag = first.headers["ETag"]
    again = cica.http.get(url, headers=headers | {"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    _tabled(unoct, wid_of(app, SETTLEMENT), {"en": {"body": "Any dispute will be settled amicably."}})
    changed = cica.http.get(url, headers=headers | {"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag and changed.get_json()["total"] == 1
    # An object's own validator is the one If-Match takes, and serves If-None-Match too.
    amendment = cica.call("list_amendments").get_json()["items"][0]["id"]
    read = cica.call("get_amendment", amendment_id=amendment)
    detail_url = f"{API}/negotiations/{DEMO_SLUG}/amendments/{amendment}"
    assert cica.http.get(detail_url, headers=headers | {"If-None-Match": read.headers["ETag"]}).status_code == 304


def test_the_api_is_rate_limited_per_token_with_retry_after(app, tokens):
    unoct, cica = client(app, tokens, "unoct.negotiator"), client(app, tokens, "cica.negotiator")
    configured = app.config.get("MOU_API_RATE_LIMIT")
    app.config["MOU_API_RATE_LIMIT"] = "3 per minute"
    try:
        answers = [unoct.call("get_instrument") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        refused = answers[-1]
        assert refused.mimetype == "application/problem+json" and 1 <= int(refused.headers["Retry-After"]) <= 60
        assert cica.call("get_instrument").status_code == 200  # another token has its own allowance
        bad = Client(app.test_client(), "mou_not-a-token")
        assert [bad.call("get_instrument").status_code for _ in range(4)] == [401, 401, 401, 429]
    finally:
        app.config["MOU_API_RATE_LIMIT"] = configured
    document = app.test_client().get(f"{API}/openapi.json").get_json()
    limited = document["paths"][f"{API}/negotiations/{{negotiation}}/instrument"]["get"]["responses"]["429"]
    assert "Retry-After" in limited["headers"]


def test_links_take_a_client_from_a_created_amendment_to_its_reads_and_writes(app, tokens):
    document = app.test_client().get(f"{API}/openapi.json").get_json()
    unoct = client(app, tokens, "unoct.negotiator")
    scoped = document["paths"][f"{API}/negotiations/{{negotiation}}/amendments"]["post"]["responses"]["201"]
    legacy = document["paths"][f"{API}/amendments"]["post"]["responses"]["201"]
    assert scoped["links"]["GetAmendment"]["operationId"] == "get_amendment"
    assert legacy["links"]["GetAmendment"]["operationId"] == "get_amendment_legacy"
    assert "negotiation" not in legacy["links"]["GetAmendment"]["parameters"]
    created = _propose_change(unoct, wid_of(app, SETTLEMENT), {"en": {"body": "Any dispute will be settled."}})
    for name, link in scoped["links"].items():
        values = {"negotiation": DEMO_SLUG}
        etag = None
        for parameter, expression in link["parameters"].items():
            if expression == "$response.body#/id":
                values[parameter] = created.get_json()["id"]
            elif expression == "$response.header.ETag":
                etag = created.headers["ETag"]
        values.pop("header.If-Match", None)
        response = unoct.call(link["operationId"], etag=etag, **values)
        assert response.status_code == 200, (name, response.get_json())
        if name == "TableAmendment":
            break  # withdrawing needs the ETag the tabling returned


def test_every_operation_has_a_documented_answer_for_too_many_requests_and_not_modified(app):
    document = app.test_client().get(f"{API}/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, op in item.items():
            if op.get("security") == []:
                continue
            assert "429" in op["responses"], (method, path)
            if method == "get":
                assert "304" in op["responses"] and "ETag" in op["responses"]["200"]["headers"], path


def test_an_export_token_reads_only_its_own_negotiation(app, demo):
    secret = create_token(as_user(app, demo, "cica.negotiator"))
    api = Client(app.test_client(), secret, negotiation="no-such-negotiation")
    assert api.call("export_clauses_csv").status_code == 404


def test_who_may_use_the_new_operations_on_a_tabled_amendment(app, tokens):
    """Reads and comments are for everyone who reads the amendment; a rebase for its own party's negotiators (here
    told there is nothing to rebase, 409), refused to everybody else (403)."""
    unoct = client(app, tokens, "unoct.negotiator")
    wid = wid_of(app, SETTLEMENT)
    tabled = _tabled(unoct, wid, {"en": {"body": "Any dispute will be settled amicably."}})
    other = _tabled(client(app, tokens, "cica.negotiator"), wid, {"en": {"body": "Any dispute will be settled."}})
    rebase_expected = {"unoct.negotiator": 409, "cica.negotiator": 403, "cica.legal": 403, "cica.chair": 403}
    for login, rebase_status in rebase_expected.items():
        api = client(app, tokens, login)
        assert api.call("amendment_redline", amendment_id=tabled["id"]).status_code == 200, login
        assert api.call("compare_amendments", amendment_id=tabled["id"], other_id=other["id"]).status_code == 200
        assert api.call("list_comments", amendment_id=tabled["id"]).status_code == 200, login
        comment = api.call("add_comment", amendment_id=tabled["id"], json={"body": f"From {login}."})
        assert comment.status_code == 201, (login, comment.get_json())
        assert api.call("plan_rebase", amendment_id=tabled["id"]).status_code == rebase_status, login
        etag = api.call("get_amendment", amendment_id=tabled["id"]).headers["ETag"]
        confirm = api.call("confirm_rebase", amendment_id=tabled["id"], etag=etag, json={"onto_version": 1})
        assert confirm.status_code == rebase_status, login
        for operation_id in ("export_clauses_csv", "export_amendments_csv", "export_comments_csv", "draft_redline"):
            assert api.call(operation_id).status_code == 200, (login, operation_id)
    assert (
        Client(app.test_client(), "mou_nobody").call("amendment_redline", amendment_id=tabled["id"]).status_code == 401
    )


def test_a_pdf_asked_again_while_nothing_changed_is_the_one_already_made(app, tokens, monkeypatch):
    from mou_tracker.web import reports as report_pages

    chair, unoct = client(app, tokens, "cica.chair"), client(app, tokens, "unoct.negotiator")
    made = []
    typeset = report_pages.dashboard_pdf
    monkeypatch.setattr(report_pages, "dashboard_pdf", lambda: made.append(1) or typeset())
    first = chair.call("export_status_pdf")
    assert first.status_code == 200 and first.get_data()[:5] == b"%PDF-"
    again = chair.call("export_status_pdf")
    assert again.get_data() == first.get_data() and len(made) == 1
    assert again.headers["Content-Disposition"] == first.headers["Content-Disposition"]
    _tabled(unoct, wid_of(app, SETTLEMENT), {"en": {"body": "Any dispute will be settled amicably."}})
    changed = chair.call("export_status_pdf")
    assert changed.status_code == 200 and len(made) == 2  # the draft changed: typeset afresh


def test_a_redline_pdf_is_kept_per_what_was_asked_and_per_party(app, tokens, monkeypatch):
    """Kept in the store of the pages' parts: asked again, the same file; another question (only the changes) or
    another party's reader (who may read other drafts), a file of its own."""
    from mou_tracker.web import reports as report_pages

    chair, unoct = client(app, tokens, "cica.chair"), client(app, tokens, "unoct.negotiator")
    made = []
    typeset = report_pages.redline_pdf
    monkeypatch.setattr(report_pages, "redline_pdf", lambda: made.append(1) or typeset())
    first = chair.call("export_redline_pdf", query={"to": "now"})
    assert first.status_code == 200 and first.get_data()[:5] == b"%PDF-"
    again = chair.call("export_redline_pdf", query={"to": "now"})
    assert again.get_data() == first.get_data() and len(made) == 1
    assert again.headers["Content-Disposition"] == first.headers["Content-Disposition"]
    assert chair.call("export_redline_pdf", query={"to": "now", "only": "changes"}).status_code == 200
    assert len(made) == 2
    assert unoct.call("export_redline_pdf", query={"to": "now"}).status_code == 200
    assert len(made) == 3
    for attempt in (1, 2):  # a refusal is told each time, never kept
        refused = chair.call("export_redline_pdf", query={"from": "milestone:NOPE", "to": "now"})
        assert refused.status_code == 422 and "no meeting with the code" in refused.get_json()["detail"]
        assert len(made) == 3 + attempt
