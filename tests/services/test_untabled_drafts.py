"""A party's wording that was never tabled reaches nobody outside that party, by any path, whatever became of it.

The scene: UNOCT drafts a change with words and a rationale nobody else has seen, adds an internal note, and
withdraws the draft without tabling it. Every CICA user then walks every page, export and API operation that
lists or shows amendments, and none of those words may appear; UNOCT itself still reads them (so the check
can fail). Citation numbers are given at tabling, so the withdrawn draft leaves no gap for CICA to count.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from mou_tracker import demo_text
from mou_tracker.extensions import db
from mou_tracker.models import Amendment, AmendmentComment, AuditEvent
from tests.api.test_api import create_token
from tests.conftest import wid_of
from tests.services.test_amendments import AMENDMENT_CLAUSE, SETTLEMENT, act, amendment_id, as_user, changes, propose

SECRET_WORDS = "by exchange of Quokkavale letters"
SECRET_RATIONALE = "Our legal office insists on Zanzibarine wording"
SECRET_NOTE = "Internal: do not concede on Tortellini"
SECRETS = (SECRET_WORDS, SECRET_RATIONALE, SECRET_NOTE, "Quokkavale", "Zanzibarine", "Tortellini")

ORIGINAL_ARTICLE_8 = "This Memorandum may be amended at any time by mutual written consent of the Participants"

CICA_USERS = ("cica.negotiator", "cica.legal", "cica.chair", "cica.admin")

#: Every page and export that lists, counts, redlines or exports amendments or the record of them.
PAGES = (
    "/amendments",
    "/amendments?state=withdrawn",
    "/amendments?party=UNOCT",
    "/amendments?party=UNOCT&state=withdrawn",
    "/exports/amendments.csv",
    "/audit",
    "/audit.csv",
    "/my-work",
    "/dashboard",
    "/redline?from=now&to=party:UNOCT",
    "/exports/redline.docx?from=now&to=party:UNOCT",
)


def _text(response) -> str:
    """What a reader of the response sees: a page, a CSV, or the XML inside a DOCX."""
    body = response.get_data()
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as docx:
            return "".join(docx.read(name).decode("utf-8", "replace") for name in docx.namelist())
    return body.decode("utf-8", "replace")


def _withdrawn_untabled(app, unoct) -> int:
    new_id = amendment_id(
        propose(
            unoct,
            wid_of(app, AMENDMENT_CLAUSE),
            f"This Memorandum may be amended {SECRET_WORDS}.",
            rationale=SECRET_RATIONALE,
        )
    )
    note = unoct.post(f"/amendments/{new_id}/comments", {"body": SECRET_NOTE}, token_from=f"/amendments/{new_id}")
    assert note.status_code == 302
    assert act(unoct, new_id, "withdraw").status_code == 302
    return new_id


@pytest.fixture
def scene(app, demo):
    unoct = as_user(app, demo, "unoct.negotiator")
    hidden = _withdrawn_untabled(app, unoct)
    return unoct, hidden


def test_the_party_itself_still_reads_its_withdrawn_draft(app, scene):
    unoct, hidden = scene
    page = unoct.get(f"/amendments/{hidden}").get_data(as_text=True)
    assert SECRET_WORDS.split()[-2] in page and SECRET_RATIONALE in page and SECRET_NOTE in page
    assert "Withdrawn" in page
    listing = unoct.get("/amendments?state=withdrawn").get_data(as_text=True)
    assert f"/amendments/{hidden}" in listing


@pytest.mark.parametrize("login", CICA_USERS)
def test_no_page_or_export_shows_the_other_party_a_draft_withdrawn_before_tabling(app, demo, scene, login):
    _, hidden = scene
    reader = as_user(app, demo, login)
    for url in (f"/amendments/{hidden}", f"/amendments/{hidden}?view=side"):
        response = reader.get(url)
        assert response.status_code == 404, url
        assert not any(secret in _text(response) for secret in SECRETS), url
    for url in PAGES:
        response = reader.get(url)
        assert response.status_code == 200, (url, response.status_code)
        text = _text(response)
        assert not any(secret in text for secret in SECRETS), url
        assert f'/amendments/{hidden}"' not in text, url


@pytest.mark.parametrize("login", CICA_USERS)
def test_search_finds_nothing_of_the_withdrawn_draft(app, demo, scene, login):
    """The search page repeats the words asked for; what it found must hold none of the draft's words."""
    unoct, hidden = scene
    reader = as_user(app, demo, login)
    for word in ("Quokkavale", "Zanzibarine", "Tortellini"):
        own = unoct.get("/search", query_string={"q": word}).get_data(as_text=True)
        assert re.search(r"[1-9]\d* results? for", own), word  # its own party finds it: the check can fail
        page = reader.get("/search", query_string={"q": word}).get_data(as_text=True)
        assert "0 results for" in page, (login, word)
        found = page.split('class="search-results"', 1)[1]
        assert not any(secret in found for secret in SECRETS), (login, word)
        assert f'/amendments/{hidden}"' not in found


def test_comparing_with_the_withdrawn_draft_is_as_hidden_as_the_draft(app, demo, scene):
    unoct, hidden = scene
    other = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    assert act(unoct, other, "table").status_code == 302
    cica = as_user(app, demo, "cica.negotiator")
    response = cica.get(f"/compare?a={other}&b={hidden}")
    assert response.status_code == 404
    assert not any(secret in _text(response) for secret in SECRETS)


def test_the_api_neither_lists_nor_returns_the_withdrawn_draft(app, demo, scene):
    unoct, hidden = scene
    cica = as_user(app, demo, "cica.negotiator")
    headers = {"Authorization": f"Bearer {create_token(cica)}"}
    listing = app.test_client().get("/api/v1/amendments?per_page=200", headers=headers)
    assert listing.status_code == 200
    assert hidden not in [item["id"] for item in listing.get_json()["items"]]
    assert not any(secret in listing.get_data(as_text=True) for secret in SECRETS)
    for query in ("?state=withdrawn", "?party=UNOCT"):
        filtered = app.test_client().get(f"/api/v1/amendments{query}", headers=headers)
        assert hidden not in [item["id"] for item in filtered.get_json()["items"]], query
    detail = app.test_client().get(f"/api/v1/amendments/{hidden}", headers=headers)
    assert detail.status_code == 404
    assert not any(secret in detail.get_data(as_text=True) for secret in SECRETS)
    audit = app.test_client().get("/api/v1/audit?per_page=200", headers=headers)
    assert audit.status_code == 200
    assert not any(secret in audit.get_data(as_text=True) for secret in SECRETS)
    # The proposer's own party reads it through the API as well.
    own = {"Authorization": f"Bearer {create_token(unoct)}"}
    assert app.test_client().get(f"/api/v1/amendments/{hidden}", headers=own).status_code == 200


@pytest.mark.parametrize("action", ["comments", "table", "withdraw", "revise", "concur", "reject", "review"])
def test_the_other_party_acting_on_an_untabled_draft_gets_the_answer_of_a_missing_one(app, demo, scene, action):
    """Commenting wrote audit events both parties read; any answer other than 404 tells that the draft exists."""
    unoct, hidden = scene
    live = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled by consultation."))
    with app.app_context():
        missing = db.session.scalar(db.select(db.func.max(Amendment.id))) + 100
        events = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
        comments = db.session.scalar(db.select(db.func.count()).select_from(AmendmentComment))
    data = {
        "body": "A comment from the other side.",
        "expected_revision": "1",
        "reason": "No.",
        "decision": "cleared",
        "rationale": "Because.",
        "body_en": "Other words.",
    }
    for login in ("cica.negotiator", "cica.legal"):
        reader = as_user(app, demo, login)
        answers = {
            target: reader.post(f"/amendments/{target}/{action}", data, token_from="/").status_code
            for target in (hidden, live, missing)
        }
        assert answers == {hidden: 404, live: 404, missing: 404}, (login, answers)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == events
        assert db.session.scalar(db.select(db.func.count()).select_from(AmendmentComment)) == comments


def test_citation_numbers_are_given_at_tabling_so_untabled_drafts_leave_no_gap(app, demo, scene):
    unoct, hidden = scene
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    with app.app_context():
        assert db.session.get(Amendment, hidden).number is None
        assert db.session.get(Amendment, draft).number is None
    own_page = unoct.get(f"/amendments/{draft}").get_data(as_text=True)
    assert f"UNOCT draft {draft}" in own_page
    assert act(unoct, draft, "table").status_code == 302
    with app.app_context():
        assert db.session.get(Amendment, draft).citation == "UNOCT-1"  # the withdrawn draft took no number
    cica = as_user(app, demo, "cica.negotiator")
    page = cica.get(f"/amendments/{draft}").get_data(as_text=True)
    assert "UNOCT-1" in page and "draft" not in page.split("<main", 1)[1].split("</h1>", 1)[0].lower()


def test_a_draft_citation_reads_in_russian_for_a_russian_reader(app, demo, scene):
    unoct, hidden = scene
    unoct.get("/")  # the withdrawal's message, said in English when it was made
    with app.app_context():
        from mou_tracker.models import User

        user = db.session.scalar(db.select(User).filter_by(login="unoct.negotiator"))
        user.language = "ru"
        db.session.commit()
    page = unoct.get(f"/amendments/{hidden}").get_data(as_text=True)
    assert f"UNOCT draft {hidden}" not in page
    assert f"UNOCT-проект-{hidden}" in page  # a code, like "UNOCT-1": Russian sentences need not decline it


def test_a_conflict_on_the_proposal_form_gives_the_typed_words_back_and_saves_nothing(app, demo, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    from mou_tracker.services import amendments as service

    unoct = as_user(app, demo, "unoct.negotiator")
    wid = wid_of(app, SETTLEMENT)

    def collides(*args, **kwargs):
        raise StaleDataError("another request updated the same row")

    monkeypatch.setattr(service, "propose_change", collides)
    words = "Any dispute will be settled by the Participants through friendly consultations."
    response = propose(unoct, wid, words, rationale="Friendlier wording.")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert words in page and "Friendlier wording." in page
    assert "nothing was saved" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Amendment)) == 0


def test_revising_a_tabled_amendment_does_not_call_it_a_private_draft(app, demo):
    unoct = as_user(app, demo, "unoct.negotiator")
    wid = wid_of(app, SETTLEMENT)
    new_id = amendment_id(propose(unoct, wid, "Any dispute will be settled amicably."))
    assert act(unoct, new_id, "table").status_code == 302
    unoct.get("/")
    form = unoct.get(f"/amendments/{new_id}/revise").get_data(as_text=True)
    assert "Any dispute will be settled amicably." in form
    response = unoct.post(
        f"/amendments/{new_id}/revise",
        {
            "body_en": "Any dispute will be settled amicably and promptly.",
            "rationale": "Speed.",
            "expected_revision": "1",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "UNOCT-1 saved: revision 2 is what the other party now reads." in page
    assert "visible to your party only" not in page


def test_the_other_party_reads_an_amendment_from_the_revision_that_was_tabled(app, demo):
    unoct = as_user(app, demo, "unoct.negotiator")
    wid = wid_of(app, AMENDMENT_CLAUSE)
    new_id = amendment_id(
        propose(unoct, wid, f"This Memorandum may be amended {SECRET_WORDS}.", rationale=SECRET_RATIONALE)
    )
    tabled_words = "This Memorandum may be amended by mutual written consent of the Participants."
    revised = unoct.post(
        f"/amendments/{new_id}/revise",
        {"heading_en": "Amendment", "body_en": tabled_words, "rationale": "Agreed wording.", "expected_revision": "1"},
    )
    assert revised.status_code == 302
    assert act(unoct, new_id, "table", revision=2).status_code == 302
    while_tabled = tabled_words + " Promptly."
    assert (
        unoct.post(
            f"/amendments/{new_id}/revise",
            {"heading_en": "Amendment", "body_en": while_tabled, "rationale": "Speed.", "expected_revision": "2"},
        ).status_code
        == 302
    )
    cica = as_user(app, demo, "cica.negotiator")
    page = cica.get(f"/amendments/{new_id}").get_data(as_text=True)
    assert "Promptly" in page and "The wording as tabled." in page  # made while tabled: part of the record
    assert not any(secret in page for secret in SECRETS)
    headers = {"Authorization": f"Bearer {create_token(cica)}"}
    detail = app.test_client().get(f"/api/v1/amendments/{new_id}", headers=headers)
    assert [r["seq"] for r in detail.get_json()["revisions"]] == [2, 3]
    assert not any(secret in detail.get_data(as_text=True) for secret in SECRETS)
    # UNOCT keeps its whole drafting history.
    own = unoct.get(f"/amendments/{new_id}").get_data(as_text=True)
    assert "Quokkavale" in own  # revision 1 against revision 2, in its revision history


# What an adoption changed, and redlines of amendments that are not current (#19) ---------------------------------


def _adopted(app, demo, words: str) -> int:
    from tests.services.test_agreement import review

    unoct = as_user(app, demo, "unoct.negotiator")
    new_id = amendment_id(propose(unoct, wid_of(app, AMENDMENT_CLAUSE), words))
    assert act(unoct, new_id, "table").status_code == 302
    assert act(as_user(app, demo, "cica.negotiator"), new_id, "concur").status_code == 302
    assert review(as_user(app, demo, "cica.legal"), new_id).status_code == 302
    return new_id


def test_an_adopted_amendment_shows_what_its_adoption_changed(app, demo):
    adopted = _adopted(app, demo, "This Memorandum may be amended by mutual written consent of the Participants.")
    page = as_user(app, demo, "cica.chair").get(f"/amendments/{adopted}").get_data(as_text=True)
    assert "Redline against version 1, which its adoption replaced" in page
    assert changes(page, "del", "UNOCT") == ["at any time"]
    assert "0 insertions" not in page or "0 deletions" not in page


def test_the_version_history_shows_each_version_as_a_redline_credited_to_its_party(app, demo):
    _adopted(app, demo, "This Memorandum may be amended by mutual written consent of the Participants.")
    chair = as_user(app, demo, "cica.chair")
    wid = wid_of(app, "This Memorandum may be amended by mutual")
    page = chair.get(f"/clauses/{wid}").get_data(as_text=True)
    history = page.split('id="history-heading"', 1)[1]
    assert changes(history, "del", "UNOCT") == ["at any time"]
    compared = chair.get(f"/clauses/{wid}?from=2&to=1").get_data(as_text=True)
    section = compared.split('id="compared-heading"', 1)[1].split("</section>", 1)[0]
    assert "Version 1 against version 2" in section
    assert "at any time" in " ".join(changes(section, "ins", "CICA") + changes(section, "ins", ""))
    assert chair.get(f"/clauses/{wid}?from=1&to=9").status_code == 404


def test_a_withdrawn_amendment_is_read_against_the_version_it_was_written_on(app, demo):
    """Read against a later version, it showed its party deleting words it never touched."""
    unoct = as_user(app, demo, "unoct.negotiator")
    wid = wid_of(app, AMENDMENT_CLAUSE)
    old = amendment_id(
        propose(
            unoct,
            wid,
            "This Memorandum may be amended at any time by mutual written consent of the Participants, by exchange of notes.",
        )
    )
    assert act(unoct, old, "table").status_code == 302
    assert act(unoct, old, "withdraw").status_code == 302
    _adopted(app, demo, "This Memorandum may be amended by mutual written consent of the Participants.")
    page = unoct.get(f"/amendments/{old}").get_data(as_text=True)
    assert "Redline against version 1, on which it was written" in page
    assert changes(page, "del", "UNOCT") == []  # against version 2 it deleted "at any time", never touched
    assert "exchange of notes" in " ".join(changes(page, "ins", "UNOCT"))


def test_an_outdated_amendment_shows_what_adopting_it_now_would_change_and_its_original_one_click_away(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    wid = wid_of(app, AMENDMENT_CLAUSE)
    outdated = amendment_id(
        propose(
            cica,
            wid,
            "This Memorandum may be amended at any time by mutual written consent of the Participants, by exchange of notes.",
        )
    )
    _adopted(app, demo, "This Memorandum may be amended by mutual written consent of the Participants.")
    page = cica.get(f"/amendments/{outdated}").get_data(as_text=True)
    assert "Outdated." in page and "what adopting it now would change" in page
    assert "at any time" in " ".join(changes(page, "ins", "CICA"))  # it would bring the deleted words back
    assert f"/amendments/{outdated}?against=written" in page
    original = cica.get(f"/amendments/{outdated}?against=written").get_data(as_text=True)
    assert "Redline against version 1, on which it was written" in original
    assert "at any time" not in " ".join(changes(original, "ins", "CICA"))
    assert "exchange of notes" in " ".join(changes(original, "ins", "CICA"))


def test_a_rebase_conflict_resolved_by_hand_makes_an_ordinary_open_amendment_again(app, demo):
    """The conflict page says "revise it by hand"; the hand revision used to stay outdated, a dead end."""
    from tests.services.test_agreement import review, state_of

    cica = as_user(app, demo, "cica.negotiator")
    wid = wid_of(app, AMENDMENT_CLAUSE)
    mine = amendment_id(propose(cica, wid, f"{ORIGINAL_ARTICLE_8.replace('at any time', 'at any moment')}."))
    assert act(cica, mine, "table").status_code == 302
    _adopted(app, demo, f"{ORIGINAL_ARTICLE_8.replace('at any time', 'whenever needed')}.")
    rebase = cica.get(f"/amendments/{mine}/rebase").get_data(as_text=True)
    assert "Conflict." in rebase and f"/amendments/{mine}/revise" in rebase

    form = cica.get(f"/amendments/{mine}/revise").get_data(as_text=True)
    assert "the clause is now at version 2, shown below" in form
    assert "whenever needed" in form  # the current text the revision is written against
    onto = re.search(r'name="onto_version_id" value="(\d+)"', form).group(1)
    words = f"{ORIGINAL_ARTICLE_8.replace('at any time', 'whenever needed, at any moment')}."
    data = {"heading_en": "Amendment", "body_en": words, "rationale": "Both.", "expected_revision": "1"}
    # Without having read the current version, the revision is refused and nothing is saved.
    refused = cica.post(f"/amendments/{mine}/revise", data)
    assert refused.status_code == 409
    assert "Read the current text, then revise the amendment against it." in refused.get_data(as_text=True)
    saved = cica.post(f"/amendments/{mine}/revise", {**data, "onto_version_id": onto})
    assert saved.status_code == 302
    page = cica.get(f"/amendments/{mine}").get_data(as_text=True)
    assert "Outdated." not in page and "Redline against the current text" in page
    assert "at any moment" in " ".join(changes(page, "ins", "CICA"))
    assert "at any time" not in " ".join(changes(page, "ins", "CICA"))  # against version 2, not version 1

    unoct = as_user(app, demo, "unoct.negotiator")
    assert "Concur for UNOCT" in unoct.get(f"/amendments/{mine}").get_data(as_text=True)
    assert act(unoct, mine, "concur", revision=2).status_code == 302
    assert review(as_user(app, demo, "unoct.legal"), mine, revision=2).status_code == 302
    assert state_of(app, mine) == "adopted"


def test_sending_the_same_proposal_twice_makes_one_amendment_and_says_which(app, demo):
    """The back button and a second submit created an identical second amendment."""
    unoct = as_user(app, demo, "unoct.negotiator")
    wid = wid_of(app, SETTLEMENT)
    first = amendment_id(propose(unoct, wid, "Any dispute will be settled amicably."))
    again = propose(unoct, wid, "Any dispute will be settled amicably.")
    assert again.status_code == 400
    assert f"Your party already proposes exactly this in UNOCT draft {first}, which is still open." in again.get_data(
        as_text=True
    )
    deletion = f"/clauses/{wid}/propose-deletion"
    assert unoct.post(deletion, {"rationale": "Not needed."}).status_code == 302
    assert unoct.post(deletion, {"rationale": "Not needed."}).status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Amendment)) == 2
    # Different words, or the same words once the first is closed, are a new proposal.
    assert propose(unoct, wid, "Any dispute will be settled by consultation.").status_code == 302
    assert act(unoct, first, "withdraw").status_code == 302
    assert propose(unoct, wid, "Any dispute will be settled amicably.").status_code == 302


def test_once_a_party_has_concurred_it_is_not_offered_to_concur_again(app, demo):
    unoct = as_user(app, demo, "unoct.negotiator")
    new_id = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    assert act(unoct, new_id, "table").status_code == 302
    cica = as_user(app, demo, "cica.negotiator")
    assert "Concur for CICA" in cica.get(f"/amendments/{new_id}").get_data(as_text=True)
    assert act(cica, new_id, "concur").status_code == 302
    page = cica.get(f"/amendments/{new_id}").get_data(as_text=True)
    assert "Concur for CICA" not in page and f"/amendments/{new_id}/reject" not in page
    assert "Your party has concurred with revision 1" in page


def test_outdated_amendments_wait_apart_from_the_review_queue_with_who_must_act(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    outdated = amendment_id(propose(cica, wid_of(app, AMENDMENT_CLAUSE), f"{ORIGINAL_ARTICLE_8}, by notes."))
    assert act(cica, outdated, "table").status_code == 302
    _adopted(app, demo, "This Memorandum may be amended by mutual written consent of the Participants.")
    legal = as_user(app, demo, "unoct.legal")
    work = legal.get("/my-work").get_data(as_text=True)
    queue, apart = work.split("Waiting for their proposers to rebase (1)", 1)
    assert f"/amendments/{outdated}" not in queue and "Your queue is empty." in queue
    assert f"/amendments/{outdated}" in apart and "CICA to rebase onto the current text" in apart
    dashboard = as_user(app, demo, "cica.chair").get("/dashboard").get_data(as_text=True)
    assert "Pending legal reviews (0)" in dashboard
    assert "Waiting for their proposers to rebase (1)" in dashboard
    listing = cica.get("/amendments?state=outdated").get_data(as_text=True)
    assert f"/amendments/{outdated}" in listing
    assert f"/amendments/{outdated}" not in cica.get("/amendments?state=adopted").get_data(as_text=True)


@pytest.fixture
def three_amendments(app, demo):
    """UNOCT's draft, UNOCT's draft withdrawn untabled, and UNOCT's tabled amendment, by id."""
    unoct = as_user(app, demo, "unoct.negotiator")
    draft = amendment_id(
        propose(unoct, wid_of(app, AMENDMENT_CLAUSE), f"This Memorandum may be amended, {SECRET_WORDS}, jointly.")
    )
    withdrawn = _withdrawn_untabled(app, unoct)
    tabled = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    assert act(unoct, tabled, "table").status_code == 302
    return {"draft": draft, "withdrawn draft": withdrawn, "tabled": tabled}


@pytest.mark.parametrize("login", [login for login, *_ in demo_text.USERS])
def test_the_api_matrix_of_untabled_and_tabled_amendments(app, demo, three_amendments, login):
    """Every user x every state an amendment reaches with or without tabling x the API's reading operations."""
    reader = as_user(app, demo, login)
    headers = {"Authorization": f"Bearer {create_token(reader)}"}
    own = login.startswith("unoct.")
    listed = {
        item["id"]
        for item in app.test_client().get("/api/v1/amendments?per_page=200", headers=headers).get_json()["items"]
    }
    audit = app.test_client().get("/api/v1/audit?per_page=200", headers=headers).get_data(as_text=True)
    for target, amendment in three_amendments.items():
        visible = own or target == "tabled"
        detail = app.test_client().get(f"/api/v1/amendments/{amendment}", headers=headers)
        assert detail.status_code == (200 if visible else 404), (login, target)
        assert (amendment in listed) is visible, (login, target)
    if not own:
        assert not any(secret in audit for secret in SECRETS)


def test_the_other_party_cannot_count_revisions_made_before_tabling_nor_date_the_drafting(app, demo):
    import csv

    unoct = as_user(app, demo, "unoct.negotiator")
    new_id = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    for seq, words in ((1, "Any dispute will be settled amicably and promptly."), (2, "Any dispute will be settled.")):
        revised = unoct.post(
            f"/amendments/{new_id}/revise",
            {
                "heading_en": "Settlement of differences",
                "body_en": words,
                "rationale": "Drafting.",
                "expected_revision": str(seq),
            },
        )
        assert revised.status_code == 302, revised.get_data(as_text=True)[:800]
    assert act(unoct, new_id, "table", revision=3).status_code == 302
    cica = as_user(app, demo, "cica.negotiator")
    (row,) = [r for r in csv.DictReader(io.StringIO(cica.get("/exports/amendments.csv").get_data(as_text=True)))]
    assert row["revisions"] == "1" and row["created_utc"] == row["tabled_utc"]
    (own,) = [r for r in csv.DictReader(io.StringIO(unoct.get("/exports/amendments.csv").get_data(as_text=True)))]
    assert own["revisions"] == "3" and own["created_utc"] < own["tabled_utc"]


def test_the_whole_draft_redline_page_links_its_word_and_pdf_versions_of_the_same_points(app, demo):
    """They were reachable only by typing their address (#19)."""
    from pypdf import PdfReader

    _adopted(app, demo, "This Memorandum may be amended by mutual written consent of the Participants.")
    chair = as_user(app, demo, "cica.chair")
    page = chair.get("/redline?from=date:2024-03-06&to=now&only=changes").get_data(as_text=True)
    docx_link = re.search(r'href="([^"]*/exports/redline\.docx\?[^"]*)"', page).group(1).replace("&amp;", "&")
    pdf_link = re.search(r'href="([^"]*/exports/redline\.pdf\?[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "from=date:2024-03-06" in docx_link.replace("%3A", ":") and "to=now" in docx_link
    word = chair.get(docx_link)
    assert word.status_code == 200 and word.data[:2] == b"PK"
    pdf = chair.get(pdf_link)
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "at any time" in text and "Changed by UNOCT" in text
    assert "Objectives of cooperation" not in text  # only the changes were asked for
