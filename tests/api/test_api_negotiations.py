"""The JSON API per negotiation: /api/v1/negotiations, scoped addresses, and the old addresses kept for scripts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mou_tracker.core.clause_kinds import ClauseKind
from mou_tracker.core.roles import Role
from mou_tracker.extensions import db
from mou_tracker.models import (
    Amendment,
    Clause,
    ClauseText,
    ClauseVersion,
    Instrument,
    InstrumentAssignment,
    InstrumentLanguage,
    InstrumentParty,
    Party,
    User,
)
from mou_tracker.services import api_tokens
from mou_tracker.services.users import create_user
from tests.api.test_api import API, DEMO_SLUG, Client, client, create_token
from tests.conftest import wid_of
from tests.services.test_amendments import SETTLEMENT, as_user

OTHER_SLUG = "cica-osce-mou"
OTHER_WID = "c-osce-purpose"
OTHER_BODY = "The Participants will cooperate in preventing and countering terrorism."


@pytest.fixture
def tokens(app, demo) -> dict[str, str]:
    return {
        login: create_token(as_user(app, demo, login))
        for login in ("unoct.negotiator", "cica.negotiator", "cica.legal", "cica.chair")
    }


def add_negotiation(app, *, parties: tuple[str, ...], assign: tuple[str, ...] = ()) -> None:
    """A second negotiation, built row by row as the demo loader builds one: one language, the given parties, one
    article, and the given chairs, legal reviewers or administrators assigned to it."""
    with app.app_context():
        instrument = Instrument(
            slug=OTHER_SLUG,
            title="Memorandum of Understanding between the CICA Secretariat and the OSCE",
            short_title="CICA–OSCE MoU",
        )
        instrument.languages.append(InstrumentLanguage(code="en", name="English", position=0, required=True))
        for position, code in enumerate(parties):
            party = db.session.scalar(select(Party).filter_by(code=code))
            instrument.party_links.append(InstrumentParty(party=party, position=position))
        db.session.add(instrument)
        db.session.flush()
        for login in assign:
            user = db.session.scalar(select(User).filter_by(login=login))
            db.session.add(InstrumentAssignment(instrument_id=instrument.id, user_id=user.id))
        drafter = db.session.scalar(select(User).filter_by(login="cica.negotiator"))
        clause = Clause(instrument_id=instrument.id, wid=OTHER_WID, parent_id=None, position=0, kind=ClauseKind.article)
        version = ClauseVersion(seq=1, reason="Initial draft", created_by=drafter)
        version.texts.append(ClauseText(language="en", heading="Purpose", body=OTHER_BODY, revised_in_seq=1))
        clause.versions.append(version)
        db.session.add(clause)
        db.session.commit()


def token_for_new_chair(app, assigned_to: str | None) -> str:
    """A chair assigned to one negotiation only (or to none yet), and an API token of theirs."""
    with app.app_context():
        cica = db.session.scalar(select(Party).filter_by(code="CICA"))
        chair = create_user(
            db.session,
            None,
            login="osce.chair",
            display_name="OSCE meeting chair",
            role=Role.chair,
            party_id=cica.id,
            password="a long enough password for a test",
            system=True,
        )
        if assigned_to is not None:
            instrument = db.session.scalar(select(Instrument).filter_by(slug=assigned_to))
            db.session.add(InstrumentAssignment(instrument_id=instrument.id, user_id=chair.id))
        db.session.flush()
        _, secret = api_tokens.create_token(db.session, chair, name="meeting portal", lifetime_days=30)
        db.session.commit()
    return secret


def test_the_list_names_only_the_negotiations_the_token_owner_may_open(app, tokens):
    add_negotiation(app, parties=("CICA",))
    unoct, cica = client(app, tokens, "unoct.negotiator"), client(app, tokens, "cica.negotiator")
    # A draft of UNOCT's own counts for UNOCT, not for CICA, which cannot see it.
    unoct.call("propose", json={"kind": "delete", "clause": wid_of(app, SETTLEMENT), "rationale": "Redundant."})

    listed = unoct.call("list_negotiations")
    assert listed.status_code == 200, listed.get_json()
    assert OTHER_SLUG not in {n["slug"] for n in listed.get_json()}
    demo = listed.get_json()[0]
    assert demo["slug"] == DEMO_SLUG and demo["parties"] == ["CICA", "UNOCT"]
    assert demo["title"] and demo["short_title"]
    assert {"code": "en", "name": "English", "authoritative": True} in demo["languages"]
    assert [lang["authoritative"] for lang in demo["languages"]].count(True) == 1
    assert demo["clauses"] > 10 and demo["open_amendments"] == 1
    assert demo["next_meeting"]["code"] == "SWG" and demo["next_meeting"]["date"] == "2024-03-12"

    # CICA takes part in both (and in any other the demo holds), oldest first.
    both = cica.call("list_negotiations").get_json()
    slugs = [n["slug"] for n in both]
    assert slugs[0] == DEMO_SLUG and slugs[-1] == OTHER_SLUG
    assert both[0]["open_amendments"] == 0
    assert both[-1] == {
        "slug": OTHER_SLUG,
        "title": "Memorandum of Understanding between the CICA Secretariat and the OSCE",
        "short_title": "CICA–OSCE MoU",
        "parties": ["CICA"],
        "languages": [{"code": "en", "name": "English", "authoritative": True}],
        "clauses": 1,
        "open_amendments": 0,
        "next_meeting": None,
    }
    # The demo's chair is not assigned to the new one.
    chairs = [n["slug"] for n in client(app, tokens, "cica.chair").call("list_negotiations").get_json()]
    assert DEMO_SLUG in chairs and OTHER_SLUG not in chairs
    assert app.test_client().get(f"{API}/negotiations").status_code == 401


def test_a_scoped_script_proposes_tables_and_reads_in_the_demo_negotiation(app, tokens):
    unoct, cica = client(app, tokens, "unoct.negotiator"), client(app, tokens, "cica.negotiator")
    instrument = unoct.call("get_instrument")
    assert instrument.request.path == f"{API}/negotiations/{DEMO_SLUG}/instrument"
    assert instrument.status_code == 200 and instrument.get_json()["slug"] == DEMO_SLUG
    wid = wid_of(app, SETTLEMENT)

    proposed = unoct.call("propose", json={"kind": "delete", "clause": wid, "rationale": "Redundant."})
    assert proposed.status_code == 201, proposed.get_json()
    assert proposed.request.path == f"{API}/negotiations/{DEMO_SLUG}/amendments"
    amendment_id = proposed.get_json()["id"]
    location = proposed.headers["Location"]
    assert location == f"{API}/negotiations/{DEMO_SLUG}/amendments/{amendment_id}"

    tabled = unoct.call("table", amendment_id=amendment_id, etag=proposed.headers["ETag"])
    assert tabled.status_code == 200 and tabled.get_json()["state"] == "tabled"
    read = cica.http.get(location, headers={"Authorization": f"Bearer {cica.token}"})
    assert read.status_code == 200 and read.get_json()["state"] == "tabled"
    assert read.headers["ETag"] == tabled.headers["ETag"]
    listed = cica.call("list_amendments", query={"clause": wid}).get_json()
    assert [a["id"] for a in listed["items"]] == [amendment_id]
    clause = cica.call("get_clause", wid=wid).get_json()
    assert clause["wid"] == wid
    status = cica.call("status_report").get_json()
    assert wid in {row["wid"] for row in status["clauses"]}
    assert cica.call("list_milestones").get_json()[0]["code"] == "SWG"


def test_the_old_addresses_still_work_and_point_to_the_scoped_ones(app, tokens):
    add_negotiation(app, parties=("CICA", "UNOCT"))  # younger: the old addresses keep meaning the demo
    unoct = client(app, tokens, "unoct.negotiator")
    old = unoct.call("get_instrument_legacy")
    assert old.request.path == f"{API}/instrument" and old.get_json()["slug"] == DEMO_SLUG
    proposed = unoct.call(
        "propose_legacy", json={"kind": "delete", "clause": wid_of(app, SETTLEMENT), "rationale": "Redundant."}
    )
    assert proposed.status_code == 201 and proposed.request.path == f"{API}/amendments"
    amendment_id = proposed.get_json()["id"]
    assert proposed.headers["Location"] == f"{API}/negotiations/{DEMO_SLUG}/amendments/{amendment_id}"
    assert unoct.call("get_amendment", amendment_id=amendment_id).status_code == 200
    assert unoct.call("table_legacy", amendment_id=amendment_id, etag=proposed.headers["ETag"]).status_code == 200


def test_the_old_addresses_open_the_oldest_negotiation_the_token_owner_may_open(app, tokens):
    add_negotiation(app, parties=("CICA",))
    secret = token_for_new_chair(app, assigned_to=OTHER_SLUG)
    chair = Client(app.test_client(), secret, negotiation=OTHER_SLUG)
    assert chair.call("get_instrument_legacy").get_json()["slug"] == OTHER_SLUG
    clauses = chair.call("list_clauses_legacy").get_json()
    assert [c["wid"] for c in clauses["items"]] == [OTHER_WID]
    assert chair.call("get_clause_legacy", wid=wid_of(app, SETTLEMENT)).status_code == 404
    # The demo is not theirs under any address.
    assert chair.call("get_instrument", negotiation=DEMO_SLUG).status_code == 404


def test_a_token_owner_assigned_to_no_negotiation_lists_none_and_finds_none(app, tokens):
    chair = Client(app.test_client(), token_for_new_chair(app, assigned_to=None))
    assert chair.call("list_negotiations").get_json() == []
    unknown_id = client(app, tokens, "cica.chair").call("get_amendment", amendment_id=2_000_000).get_json()
    _assert_not_found(chair.call("status_report_legacy"), like=unknown_id)
    _assert_not_found(chair.call("status_report"), like=unknown_id)


def _assert_not_found(response, *, like) -> None:
    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert set(problem) == {"type", "title", "status", "detail", "instance"}  # and nothing of the negotiation
    assert (problem["type"], problem["title"], problem["status"]) == (
        like["type"],
        like["title"],
        like["status"],
    )


def test_a_negotiation_the_token_owners_party_is_not_in_is_not_found_and_shows_nothing(app, tokens):
    add_negotiation(app, parties=("CICA",), assign=("cica.chair",))
    unoct = client(app, tokens, "unoct.negotiator")
    unknown_id = unoct.call("get_amendment", amendment_id=2_000_000).get_json()
    foreign = Client(app.test_client(), tokens["unoct.negotiator"], negotiation=OTHER_SLUG)
    nonexistent = Client(app.test_client(), tokens["unoct.negotiator"], negotiation="no-such-negotiation")
    for operation, path in [
        ("get_instrument", {}),
        ("list_clauses", {}),
        ("get_clause", {"wid": OTHER_WID}),
        ("list_amendments", {}),
        ("list_audit_events", {}),
        ("status_report", {}),
        ("list_milestones", {}),
    ]:
        refused = foreign.call(operation, **path)
        _assert_not_found(refused, like=unknown_id)
        assert OTHER_BODY not in refused.get_data(as_text=True) and "OSCE" not in refused.get_data(as_text=True)
        # Exactly what a negotiation that does not exist answers: the caller cannot tell the two apart.
        missing = nonexistent.call(operation, **path).get_json()
        assert refused.get_json()["detail"] == missing["detail"]
    # A write is refused the same way, and writes nothing.
    written = foreign.call("propose", json={"kind": "delete", "clause": OTHER_WID, "rationale": "Not ours."})
    _assert_not_found(written, like=unknown_id)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Amendment)) == 0
    # A name that cannot be a slug at all is the same 404.
    _assert_not_found(foreign.call("list_clauses", negotiation="Not A Slug"), like=unknown_id)
    # Without a valid token: 401, whether the negotiation exists or not.
    for slug in (OTHER_SLUG, "no-such-negotiation"):
        anonymous = app.test_client().get(f"{API}/negotiations/{slug}/clauses")
        assert anonymous.status_code == 401 and anonymous.mimetype == "application/problem+json"
    # The party that takes part reads it, and the assigned chair too.
    assert client(app, tokens, "cica.negotiator").call("list_clauses", negotiation=OTHER_SLUG).status_code == 200
    assert client(app, tokens, "cica.chair").call("status_report", negotiation=OTHER_SLUG).status_code == 200


def test_an_amendment_of_one_negotiation_is_not_found_under_another(app, tokens):
    add_negotiation(app, parties=("CICA", "UNOCT"), assign=("cica.legal",))
    unoct, cica = client(app, tokens, "unoct.negotiator"), client(app, tokens, "cica.negotiator")
    proposed = unoct.call("propose", json={"kind": "delete", "clause": wid_of(app, SETTLEMENT), "rationale": "x"})
    tabled = unoct.call("table", amendment_id=proposed.get_json()["id"], etag=proposed.headers["ETag"])
    amendment_id, etag = tabled.get_json()["id"], tabled.headers["ETag"]
    unknown_id = cica.call("get_amendment", amendment_id=2_000_000).get_json()

    for who in (unoct, cica):
        _assert_not_found(who.call("get_amendment", amendment_id=amendment_id, negotiation=OTHER_SLUG), like=unknown_id)
        assert who.call("list_amendments", negotiation=OTHER_SLUG).get_json()["total"] == 0
    concurred = cica.call("concur", amendment_id=amendment_id, etag=etag, negotiation=OTHER_SLUG)
    _assert_not_found(concurred, like=unknown_id)
    withdrawn = unoct.call("withdraw", amendment_id=amendment_id, etag=etag, negotiation=OTHER_SLUG)
    _assert_not_found(withdrawn, like=unknown_id)
    reviewed = client(app, tokens, "cica.legal").call(
        "review", amendment_id=amendment_id, etag=etag, json={"decision": "cleared"}, negotiation=OTHER_SLUG
    )
    _assert_not_found(reviewed, like=unknown_id)
    untouched = cica.call("get_amendment", amendment_id=amendment_id)
    assert untouched.get_json()["state"] == "tabled" and untouched.get_json()["responses"] == []
    assert untouched.headers["ETag"] == etag
    # A clause of the demo cannot be amended under the other negotiation's address either, and the other way round.
    assert unoct.call(
        "propose", negotiation=OTHER_SLUG, json={"kind": "delete", "clause": wid_of(app, SETTLEMENT), "rationale": "x"}
    ).status_code in (404, 422)
    assert unoct.call("propose", json={"kind": "delete", "clause": OTHER_WID, "rationale": "x"}).status_code in (
        404,
        422,
    )
    # Under its own address the other negotiation's clause is amended, and the amendment stays there.
    own = unoct.call("propose", negotiation=OTHER_SLUG, json={"kind": "delete", "clause": OTHER_WID, "rationale": "x"})
    assert own.status_code == 201, own.get_json()
    assert own.headers["Location"] == f"{API}/negotiations/{OTHER_SLUG}/amendments/{own.get_json()['id']}"
    assert unoct.call("get_amendment", amendment_id=own.get_json()["id"]).status_code == 404
    assert [a["id"] for a in unoct.call("list_amendments").get_json()["items"]] == [amendment_id]


def test_the_document_describes_scoped_addresses_and_marks_the_old_ones_deprecated(app):
    document = app.test_client().get(f"{API}/openapi.json").get_json()
    paths = document["paths"]
    listing = paths[f"{API}/negotiations"]["get"]
    assert listing["operationId"] == "list_negotiations" and not listing.get("deprecated")
    assert "negotiation" not in {p["name"] for p in listing["parameters"]}
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/NegotiationOut"
    }
    assert "NegotiationOut" in document["components"]["schemas"]
    assert not paths[f"{API}/openapi.json"]["get"].get("deprecated")

    scoped = paths[f"{API}/negotiations/{{negotiation}}/amendments/{{amendment_id}}"]["get"]
    assert scoped["operationId"] == "get_amendment" and not scoped.get("deprecated")
    slug = next(p for p in scoped["parameters"] if p["name"] == "negotiation")
    assert slug["in"] == "path" and slug["required"] and slug["schema"]["type"] == "string"
    old = paths[f"{API}/amendments/{{amendment_id}}"]["get"]
    assert old["operationId"] == "get_amendment_legacy" and old["deprecated"] is True
    assert "oldest negotiation the caller may open" in old["description"]
    assert "negotiation" not in {p["name"] for p in old["parameters"]}

    # Every operation of a negotiation is at both addresses; only the old one is deprecated.
    operations = {op["operationId"]: (path, op) for path, item in paths.items() for op in item.values()}
    for operation_id, (path, op) in operations.items():
        if operation_id.endswith("_legacy"):
            canonical_path, canonical = operations[operation_id.removesuffix("_legacy")]
            assert op["deprecated"] is True and not canonical.get("deprecated")
            assert canonical_path == path.replace(API, f"{API}/negotiations/{{negotiation}}", 1)
        elif operation_id not in ("openapi_document", "list_negotiations"):
            assert path.startswith(f"{API}/negotiations/{{negotiation}}/"), path
            assert f"{operation_id}_legacy" in operations


def test_a_meeting_pack_read_through_the_api_is_kept_for_its_own_negotiation(app, demo, tokens):
    """Meeting codes repeat across negotiations: a pack asked for through the API of the second negotiation must be
    kept as that negotiation's, never served to a reader of the first one's meeting of the same code."""
    from mou_tracker.models import Milestone

    add_negotiation(app, parties=("CICA", "UNOCT"), assign=("cica.chair",))
    with app.app_context():
        other = db.session.scalar(select(Instrument).filter_by(slug=OTHER_SLUG))
        db.session.add(Milestone(instrument_id=other.id, code="SOC", name="OSCE talks", body="OSCE", position=0))
        db.session.commit()
    chair = Client(app.test_client(), tokens["cica.chair"], negotiation=OTHER_SLUG)
    theirs = chair.call("export_meeting_pack_pdf", code="SOC")
    assert theirs.status_code == 200, theirs.get_data(as_text=True)[:500]
    ours = as_user(app, demo, "cica.chair").get(f"/n/{DEMO_SLUG}/meetings/SOC/pack.pdf")
    assert ours.status_code == 200 and ours.data != theirs.data
    mine = Client(app.test_client(), tokens["cica.chair"]).call("export_meeting_pack_pdf", code="SOC")
    assert mine.data == ours.data
