"""The JSON API: tokens, the OpenAPI document, problem details, ETags, pagination, and a whole negotiation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from mou_tracker.extensions import db
from mou_tracker.models import Amendment, ApiToken, AuditEvent
from tests.conftest import Browser, wid_of
from tests.services.test_amendments import AMENDMENT_CLAUSE, SETTLEMENT, as_user, propose

API = "/api/v1"
DEMO_SLUG = "cica-unoct-mou"
SECRET = re.compile(r'id="new-token"[^>]*value="(mou_[^"]+)"')


def create_token(browser: Browser, name: str = "registry sync", days: str = "90") -> str:
    response = browser.post("/account/tokens", {"name": name, "lifetime_days": days})
    assert response.status_code == 200, response.get_data(as_text=True)
    return SECRET.search(response.get_data(as_text=True)).group(1)


class Client:
    """An API client that knows only the OpenAPI document and a token, as an integrator's script would. Calls name
    the demo negotiation unless they say `negotiation=`."""

    def __init__(self, test_client, token: str, negotiation: str = DEMO_SLUG):
        self.http = test_client
        self.token = token
        self.negotiation = negotiation
        document = test_client.get(f"{API}/openapi.json").get_json()
        self.operations = {
            op["operationId"]: (method.upper(), path)
            for path, item in document["paths"].items()
            for method, op in item.items()
        }

    def call(self, operation_id: str, *, json=None, etag: str | None = None, query=None, **path):
        method, template = self.operations[operation_id]
        path.setdefault("negotiation", self.negotiation)
        url = template.format(**path)
        headers = {"Authorization": f"Bearer {self.token}"}
        if etag:
            headers["If-Match"] = etag
        return self.http.open(url, method=method, json=json, headers=headers, query_string=query)


@pytest.fixture
def tokens(app, demo) -> dict[str, str]:
    return {
        login: create_token(as_user(app, demo, login))
        for login in ("unoct.negotiator", "cica.negotiator", "cica.legal", "cica.chair")
    }


def client(app, tokens, login) -> Client:
    return Client(app.test_client(), tokens[login])


def test_a_script_runs_a_clause_from_proposal_to_agreement_with_only_the_document_and_tokens(app, tokens):
    unoct, cica, legal = (client(app, tokens, who) for who in ("unoct.negotiator", "cica.negotiator", "cica.legal"))
    clauses = unoct.call("list_clauses", query={"per_page": 200}).get_json()["items"]
    target = next(c for c in clauses if c["texts"]["en"]["body"].startswith(AMENDMENT_CLAUSE))

    proposed = unoct.call(
        "propose",
        json={
            "kind": "change",
            "clause": target["wid"],
            "texts": {"en": {"body": "This Memorandum may be amended by written agreement of the Participants."}},
            "rationale": "Amendments must be in writing.",
        },
    )
    assert proposed.status_code == 201
    amendment = proposed.get_json()
    assert amendment["citation"] == f"UNOCT draft {amendment['id']}" and amendment["state"] == "draft"
    assert proposed.headers["Location"] == f"{API}/negotiations/{DEMO_SLUG}/amendments/{amendment['id']}"
    # Still a draft: the other party cannot see it.
    assert cica.call("get_amendment", amendment_id=amendment["id"]).status_code == 404

    tabled = unoct.call("table", amendment_id=amendment["id"], etag=proposed.headers["ETag"])
    assert tabled.status_code == 200 and tabled.get_json()["state"] == "tabled"
    seen = cica.call("get_amendment", amendment_id=amendment["id"])
    concurred = cica.call("concur", amendment_id=amendment["id"], etag=seen.headers["ETag"])
    assert concurred.status_code == 200 and concurred.get_json()["responses"][0]["party"] == "CICA"
    cleared = legal.call(
        "review", amendment_id=amendment["id"], etag=concurred.headers["ETag"], json={"decision": "cleared"}
    )
    assert cleared.status_code == 200 and cleared.get_json()["state"] == "adopted"

    clause = cica.call("get_clause", wid=target["wid"]).get_json()
    assert clause["versions"][0]["texts"]["en"]["body"].startswith("This Memorandum may be amended by written")
    assert clause["versions"][0]["amendment_id"] == amendment["id"]
    status = cica.call("status_report").get_json()
    row = next(c for c in status["clauses"] if c["wid"] == target["wid"])
    assert row["status"] == "ad_referendum"
    trail = cica.call("list_audit_events", query={"clause": target["wid"]}).get_json()
    assert {"amendment.adopted", "amendment.concurred"} <= {e["kind"] for e in trail["items"]}


def test_every_api_route_is_in_the_document_and_every_documented_operation_exists(app):
    document = app.test_client().get(f"{API}/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    documented = {
        (method.upper(), re.sub(r"\{\w+\}", "{}", path)) for path, item in document["paths"].items() for method in item
    }
    routed = {
        (method, re.sub(r"<(?:\w+:)?\w+>", "{}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routed == documented
    for path, item in document["paths"].items():
        for op in item.values():
            for ref in re.findall(r'"\$ref": "#/components/schemas/(\w+)"', str(op).replace("'", '"')):
                assert ref in document["components"]["schemas"], (path, ref)


def test_tokens_are_shown_once_stored_as_a_digest_and_revocable(app, demo):
    negotiator = as_user(app, demo, "unoct.negotiator")
    secret = create_token(negotiator, "meeting portal")
    page = negotiator.get("/account/tokens").get_data(as_text=True)
    assert "meeting portal" in page and secret not in page  # the list shows only the beginning
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert secret not in (stored.digest, stored.prefix) and secret.startswith(stored.prefix)
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "token.created")) is not None
        token_id = stored.id
    api = Client(app.test_client(), secret)
    assert api.call("get_instrument").status_code == 200

    # Another user cannot revoke it; its owner can, and it stops working at once.
    other = as_user(app, demo, "unoct.legal")
    assert other.post(f"/account/tokens/{token_id}/revoke", token_from="/account/tokens").status_code == 404
    assert api.call("get_instrument").status_code == 200
    negotiator.post(f"/account/tokens/{token_id}/revoke", token_from="/account/tokens")
    refused = api.call("get_instrument")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_stops_working_when_its_owner_is_deactivated(app, demo):
    secret = create_token(as_user(app, demo, "cica.negotiator"))
    api = Client(app.test_client(), secret)
    assert api.call("get_instrument").status_code == 200
    with app.app_context():
        from mou_tracker.models import User

        user = db.session.scalar(select(User).where(User.login == "cica.negotiator"))
        user.active = False
        db.session.commit()
    assert api.call("get_instrument").status_code == 401


@pytest.mark.parametrize("bad", ["", "a" * 40, "x" * 30])
def test_a_token_form_with_a_bad_name_or_lifetime_is_refused_and_creates_nothing(app, demo, bad):
    negotiator = as_user(app, demo, "unoct.negotiator")
    response = negotiator.post("/account/tokens", {"name": bad or "   ", "lifetime_days": "7" if bad else "90"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ApiToken)) == 0


def test_the_session_cookie_is_not_enough_for_the_api(app, demo, tokens):
    signed_in = as_user(app, demo, "unoct.negotiator")
    wid = wid_of(app, SETTLEMENT)
    body = {"kind": "delete", "clause": wid, "rationale": "Redundant."}
    assert signed_in.client.post(f"{API}/amendments", json=body).status_code == 401
    assert signed_in.client.get(f"{API}/amendments").status_code == 401
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Amendment)) == 0


def test_errors_are_problem_details_with_a_stable_shape(app, tokens):
    api = client(app, tokens, "unoct.negotiator")
    cases = [
        (api.http.get(f"{API}/amendments"), 401),
        (api.call("get_amendment", amendment_id=2_000_000), 404),
        (api.call("list_amendments", query={"state": "pending"}), 400),
        (api.call("list_amendments", query={"since": "2024-03-14", "until": "2024-03-12"}), 422),
        (api.call("propose", json={"kind": "change", "clause": "nope"}), 422),
        (api.http.post(f"{API}/amendments", data="kind=change", headers={"Authorization": f"Bearer {api.token}"}), 415),
        (api.http.delete(f"{API}/instrument", headers={"Authorization": f"Bearer {api.token}"}), 405),
        (api.http.get(f"{API}/no-such-thing", headers={"Authorization": f"Bearer {api.token}"}), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, response.get_data(as_text=True)
        assert response.mimetype == "application/problem+json"
        problem = response.get_json()
        assert {"type", "title", "status", "detail", "instance"} <= problem.keys()
        assert problem["status"] == status and problem["type"].startswith(f"{API}/problems/")
    invalid = api.call("propose", json={"kind": "change", "clause": "nope"}).get_json()
    assert {e["field"].split(".")[-1] for e in invalid["errors"]} >= {"texts", "rationale"}


def test_service_rules_answer_in_the_api_exactly_as_in_the_web(app, tokens):
    unoct, cica = client(app, tokens, "unoct.negotiator"), client(app, tokens, "cica.negotiator")
    wid = wid_of(app, SETTLEMENT)
    same = unoct.call(
        "propose", json={"kind": "change", "clause": wid, "texts": {"en": {"body": "   "}}, "rationale": "x"}
    )
    assert same.status_code == 422
    created = unoct.call("propose", json={"kind": "delete", "clause": wid, "rationale": "Redundant."})
    tabled = unoct.call("table", amendment_id=created.get_json()["id"], etag=created.headers["ETag"])
    # A negotiator cannot review; the proposing party cannot concur with itself.
    legal_only = cica.call(
        "review", amendment_id=created.get_json()["id"], etag=tabled.headers["ETag"], json={"decision": "cleared"}
    )
    assert legal_only.status_code == 403
    own = unoct.call("concur", amendment_id=created.get_json()["id"], etag=tabled.headers["ETag"])
    assert own.status_code == 403


def test_writes_need_the_current_etag_and_a_stale_one_changes_nothing(app, tokens):
    unoct, cica = client(app, tokens, "unoct.negotiator"), client(app, tokens, "cica.negotiator")
    wid = wid_of(app, SETTLEMENT)
    created = unoct.call("propose", json={"kind": "delete", "clause": wid, "rationale": "Redundant."})
    amendment_id, first_etag = created.get_json()["id"], created.headers["ETag"]
    assert unoct.call("table", amendment_id=amendment_id).status_code == 428
    tabled = unoct.call("table", amendment_id=amendment_id, etag=first_etag)
    assert tabled.headers["ETag"] != first_etag
    # Someone read the amendment before it was revised; their concurrence would approve words they never saw.
    stale = cica.call("get_amendment", amendment_id=amendment_id).headers["ETag"]
    revised = unoct.call(
        "revise", amendment_id=amendment_id, etag=tabled.headers["ETag"], json={"rationale": "Redundant with Art. 6."}
    )
    assert revised.status_code == 200 and revised.get_json()["revision"] == 2
    refused = cica.call("concur", amendment_id=amendment_id, etag=stale)
    assert refused.status_code == 412 and refused.headers["ETag"] == revised.headers["ETag"]
    assert cica.call("get_amendment", amendment_id=amendment_id).get_json()["responses"] == []
    assert cica.call("concur", amendment_id=amendment_id, etag=revised.headers["ETag"]).status_code == 200


def test_lists_are_paginated_and_filtered(app, demo, tokens):
    negotiator = as_user(app, demo, "unoct.negotiator")
    for n in range(3):
        propose(negotiator, wid_of(app, SETTLEMENT), f"Any dispute will be settled amicably, version {n}.")
    propose(negotiator, wid_of(app, AMENDMENT_CLAUSE), "This Memorandum may be amended in writing.")
    unoct, cica = client(app, tokens, "unoct.negotiator"), client(app, tokens, "cica.negotiator")
    first = unoct.call("list_amendments", query={"per_page": 3}).get_json()
    second = unoct.call("list_amendments", query={"per_page": 3, "page": 2}).get_json()
    assert first["total"] == 4 and len(first["items"]) == 3 and len(second["items"]) == 1
    assert not {a["id"] for a in first["items"]} & {a["id"] for a in second["items"]}
    on_settlement = unoct.call("list_amendments", query={"clause": wid_of(app, SETTLEMENT)}).get_json()
    assert on_settlement["total"] == 3
    assert unoct.call("list_amendments", query={"party": "CICA"}).get_json()["total"] == 0
    assert unoct.call("list_amendments", query={"state": "tabled"}).get_json()["total"] == 0
    assert unoct.call("list_amendments", query={"until": "2024-01-01"}).get_json()["total"] == 0
    # Drafts stay inside their party, in lists as everywhere.
    assert cica.call("list_amendments").get_json()["total"] == 0
    clauses = unoct.call("list_clauses", query={"kind": "article", "per_page": 2}).get_json()
    assert clauses["total"] > 2 and {c["kind"] for c in clauses["items"]} == {"article"}


def test_a_chair_runs_a_meeting_through_the_api(app, tokens):
    chair = client(app, tokens, "cica.chair")
    swg = chair.call("get_milestone", code="SWG")
    frozen = chair.call("freeze", code="SWG", etag=swg.headers["ETag"])
    assert frozen.status_code == 200 and frozen.get_json()["state"] == "frozen"
    etag = frozen.headers["ETag"]
    confirmed = []
    for clause in frozen.get_json()["snapshot"]:
        wid = clause["clause_wid"]
        recorded = chair.call("record_outcome", code="SWG", wid=wid, etag=etag, json={"outcome": "endorsed"})
        if recorded.status_code == 422:  # "Done at [place], on [date]": the chair confirms endorsing it (#17)
            assert "still holds 2 open square brackets" in recorded.get_json()["detail"]
            endorse = {"outcome": "endorsed", "confirm_brackets": True}
            recorded = chair.call("record_outcome", code="SWG", wid=wid, etag=etag, json=endorse)
            confirmed.append(wid)
        assert recorded.status_code == 200, recorded.get_json()
        etag = recorded.headers["ETag"]
    assert len(confirmed) == 1
    concluded = chair.call("conclude", code="SWG", etag=etag, json={"result": "recommended"})
    assert concluded.status_code == 200, concluded.get_json()
    assert concluded.get_json()["state"] == "concluded"
    negotiator = client(app, tokens, "unoct.negotiator")
    soc = negotiator.call("get_milestone", code="SOC")
    assert negotiator.call("freeze", code="SOC", etag=soc.headers["ETag"]).status_code == 403


def test_unstorable_characters_are_refused_without_a_server_error(app, tokens):
    api = client(app, tokens, "unoct.negotiator")
    for bad in ("\x00", "\ud800"):
        response = api.call("propose", json={"kind": "delete", "clause": "c-" + bad, "rationale": "x" + bad})
        assert response.status_code == 422


def test_a_value_of_the_wrong_json_type_is_refused_not_read_as_something_else(app, tokens):
    chair = client(app, tokens, "cica.chair")
    swg = chair.call("get_milestone", code="SWG")
    # Read loosely, 0.0 would be a Unix timestamp (1 January 1970) and "2024" a number of days.
    for date in (0.0, 20240312, True):
        response = chair.call(
            "edit_milestone", code="SWG", etag=swg.headers["ETag"], json={"name": "SWG", "date": date}
        )
        assert response.status_code == 422, response.get_json()
        assert [e["field"] for e in response.get_json()["errors"]] == ["date"]
    unchanged = chair.call("get_milestone", code="SWG")
    assert unchanged.get_json()["date"] == swg.get_json()["date"] == "2024-03-12"
    assert unchanged.headers["ETag"] == swg.headers["ETag"]
    api = client(app, tokens, "unoct.negotiator")
    wid = wid_of(app, SETTLEMENT)
    as_number = api.call("propose", json={"kind": "delete", "clause": wid, "rationale": "Redundant.", "texts": 5})
    assert as_number.status_code == 422
    renamed = chair.call(
        "edit_milestone", code="SWG", etag=swg.headers["ETag"], json={"name": "SWG", "date": "2024-03-13"}
    )
    assert renamed.status_code == 200 and renamed.get_json()["date"] == "2024-03-13"


def test_a_milestone_patch_changes_only_the_fields_it_sends(app, tokens):
    chair = client(app, tokens, "cica.chair")
    swg = chair.call("get_milestone", code="SWG")
    assert swg.get_json()["date"] == "2024-03-12"
    renamed = chair.call("edit_milestone", code="SWG", etag=swg.headers["ETag"], json={"name": "SWG (resumed)"})
    assert renamed.status_code == 200, renamed.get_json()
    assert renamed.get_json()["name"] == "SWG (resumed)" and renamed.get_json()["date"] == "2024-03-12"
    redated = chair.call("edit_milestone", code="SWG", etag=renamed.headers["ETag"], json={"date": "2024-03-11"})
    assert redated.status_code == 200, redated.get_json()
    assert redated.get_json()["name"] == "SWG (resumed)" and redated.get_json()["date"] == "2024-03-11"
    # A name cannot be removed; an explicit null for it is refused, and changes nothing.
    nameless = chair.call("edit_milestone", code="SWG", etag=redated.headers["ETag"], json={"name": None})
    assert nameless.status_code == 422 and [e["field"] for e in nameless.get_json()["errors"]] == ["name"]
    # The date can: only an explicit null removes it.
    undated = chair.call("edit_milestone", code="SWG", etag=redated.headers["ETag"], json={"date": None})
    assert undated.status_code == 200, undated.get_json()
    assert undated.get_json()["name"] == "SWG (resumed)" and undated.get_json()["date"] is None
    assert chair.call("get_milestone", code="SWG").get_json()["date"] is None
    with app.app_context():
        edits = db.session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "milestone.edited").order_by(AuditEvent.id)
        ).all()
        assert [(e.after["name"], e.after["date"]) for e in edits] == [
            ("SWG (resumed)", "2024-03-12"),
            ("SWG (resumed)", "2024-03-11"),
            ("SWG (resumed)", None),
        ]
