"""The API of everyday work: notifications (list, unread, paging, mark read) and search, with the pages' rules:
only one's own notifications, and nothing another party keeps to itself found or told."""

from __future__ import annotations

from mou_tracker.extensions import db
from mou_tracker.models import Notification, User
from tests.api.test_api import API, Client, create_token
from tests.conftest import wid_of
from tests.services.test_amendments import AMENDMENT_CLAUSE, SETTLEMENT, act, amendment_id, as_user, propose


def _client(app, demo, login: str) -> tuple[Client, object]:
    browser = as_user(app, demo, login)
    return Client(app.test_client(), create_token(browser)), browser


def test_the_other_party_reads_its_notifications_page_by_page_and_marks_them_read(app, demo):
    api, _ = _client(app, demo, "cica.negotiator")
    unoct = as_user(app, demo, "unoct.negotiator")
    tabled = []
    for wid, words in (
        (wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."),
        (wid_of(app, AMENDMENT_CLAUSE), "This Memorandum may be amended in writing."),
        (wid_of(app, "Nothing in or relating"), "Nothing herein waives any immunity."),
    ):
        new_id = amendment_id(propose(unoct, wid, words))
        assert act(unoct, new_id, "table").status_code == 302
        tabled.append(new_id)

    first = api.call("list_notifications", query={"per_page": 2}).get_json()
    assert (first["total"], first["page"], len(first["items"])) == (3, 1, 2)
    newest = first["items"][0]
    assert newest["kind"] == "amendment.tabled"
    assert newest["text"] == "UNOCT tabled UNOCT-3: your party may respond"
    assert newest["target"] == f"/n/cica-unoct-mou/amendments/{tabled[2]}" and newest["link"].endswith(newest["target"])
    assert newest["read_at"] is None
    second = api.call("list_notifications", query={"per_page": 2, "page": 2}).get_json()
    assert [n["id"] for n in second["items"]] not in ([n["id"] for n in first["items"]],) and len(second["items"]) == 1

    marked = api.call("mark_notification_read", notification_id=newest["id"])
    assert (marked.status_code, marked.get_json()) == (200, {"marked": 1})
    assert api.call("mark_notification_read", notification_id=newest["id"]).get_json() == {"marked": 0}
    unread = api.call("list_notifications", query={"unread": "true"}).get_json()
    assert unread["total"] == 2 and newest["id"] not in {n["id"] for n in unread["items"]}
    assert api.call("mark_all_notifications_read").get_json() == {"marked": 2}
    assert api.call("list_notifications", query={"unread": "true"}).get_json()["total"] == 0


def test_another_users_notification_is_not_found_and_stays_unread(app, demo):
    unoct = as_user(app, demo, "unoct.negotiator")
    new_id = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    assert act(unoct, new_id, "table").status_code == 302
    with app.app_context():
        theirs = db.session.scalar(db.select(Notification.id).join(User).where(User.login == "cica.negotiator"))
    legal, _ = _client(app, demo, "cica.legal")
    refused = legal.call("mark_notification_read", notification_id=theirs)
    assert refused.status_code == 404
    assert legal.call("list_notifications").get_json()["total"] == 0
    with app.app_context():
        assert db.session.get(Notification, theirs).read_at is None


def test_the_notifications_speak_the_readers_language(app, demo):
    api, browser = _client(app, demo, "cica.negotiator")
    browser.post("/language", {"language": "ru", "next": "/"}, token_from="/")
    unoct = as_user(app, demo, "unoct.negotiator")
    new_id = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    act(unoct, new_id, "table")
    assert "Сторона UNOCT внесла поправку UNOCT-1" in api.call("list_notifications").get_json()["items"][0]["text"]


def test_search_finds_what_the_page_finds_and_never_the_other_partys_draft(app, demo):
    unoct = as_user(app, demo, "unoct.negotiator")
    api_cica, _ = _client(app, demo, "cica.negotiator")
    api_unoct = Client(app.test_client(), create_token(unoct))
    tabled = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Disputes go to the Kestrelwood panel."))
    assert act(unoct, tabled, "table").status_code == 302
    draft = amendment_id(propose(unoct, wid_of(app, AMENDMENT_CLAUSE), "Amended only after Kestrelwood review."))

    mine = api_unoct.call("search", query={"q": "Kestrelwood"}).get_json()
    found = {hit["amendment_id"] for hit in mine["items"]}
    assert {tabled, draft} <= found
    theirs = api_cica.call("search", query={"q": "Kestrelwood"}).get_json()
    assert tabled in {hit["amendment_id"] for hit in theirs["items"]}
    assert draft not in {hit["amendment_id"] for hit in theirs["items"]}
    assert all(hit["amendment"] != f"UNOCT draft {draft}" for hit in theirs["items"])
    hit = next(h for h in theirs["items"] if h["amendment_id"] == tabled and h["source"] == "amendment_text")
    assert hit["amendment"] == "UNOCT-1" and hit["clause"] == wid_of(app, SETTLEMENT)
    assert hit["kind"] == "amendments"
    assert any(part["match"] and part["text"] == "Kestrelwood" for part in hit["snippet"])

    # The page's filters: by kind and by party; a page at a time.
    only_rationales = api_cica.call("search", query={"q": "Kestrelwood", "kind": "clauses"}).get_json()
    assert only_rationales["total"] == 0
    by_cica = api_cica.call("search", query={"q": "Kestrelwood", "party": "CICA"}).get_json()
    assert by_cica["total"] == 0
    paged = api_unoct.call("search", query={"q": "Kestrelwood", "per_page": 1}).get_json()
    assert (paged["per_page"], len(paged["items"])) == (1, 1) and paged["total"] == mine["total"]


def test_bad_searches_are_answered_clearly(app, demo):
    api, _ = _client(app, demo, "cica.negotiator")
    stop_words = api.call("search", query={"q": "the of and"})
    assert stop_words.status_code == 422
    assert "too common" in stop_words.get_json()["detail"]
    syntax = api.call("search", query={"q": 'immunities" OR (NEAR* -'})
    assert syntax.status_code == 200
    for wrong in ({"q": ""}, {"q": "x", "kind": "everything"}, {"q": "x", "since": "2026-02-30"}):
        refused = api.call("search", query=wrong)  # a malformed query string, as for every list operation
        assert refused.status_code == 400, wrong
        assert refused.get_json()["errors"], wrong  # which field, and why


def test_the_operations_are_in_the_openapi_document(app):
    document = app.test_client().get(f"{API}/openapi.json").get_json()
    operations = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert {"list_notifications", "mark_notification_read", "mark_all_notifications_read", "search"} <= operations
    assert "/api/v1/negotiations/{negotiation}/search" in document["paths"]
    assert "/api/v1/negotiations/{negotiation}/notifications" in document["paths"]
