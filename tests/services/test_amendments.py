"""Amendments from each party: drafting in private, tabling, revising, answering, comparing, rebasing."""

from __future__ import annotations

import html as html_module
import re

import pytest

from mou_tracker.extensions import db
from mou_tracker.models import Amendment, AmendmentComment, AmendmentRevision, AuditEvent
from tests.conftest import Browser, add_clause_version, wid_of

AMENDMENT_CLAUSE = "This Memorandum may be amended at any time"
SETTLEMENT = "Any difference arising from the interpretation"


def changes(html: str, tag: str, party: str) -> list[str]:
    """The texts a party deleted (tag='del') or inserted (tag='ins') on a page, without their edge spaces."""
    pattern = rf'<{tag} class="rl-{tag}" data-party="{party}" title="[^"]*">(.*?)</{tag}>'
    return [text.strip() for text in re.findall(pattern, html, flags=re.S)]


def as_user(app, demo, login) -> Browser:
    browser = Browser(app.test_client(), demo)
    browser.sign_in(login)
    return browser


def propose(browser, wid, en, rationale="Clarity.", ru="", answers=None):
    """Fill in the proposal form as a person would: new English text, the heading left as the form shows it."""
    url = f"/clauses/{wid}/amend" + (f"?answers={answers}" if answers else "")
    data = {"body_en": en, "body_ru": ru, "rationale": rationale}
    shown = re.search(r'name="heading_en" type="text" value="([^"]*)"', browser.get(url).get_data(as_text=True))
    if shown:
        data["heading_en"] = html_module.unescape(shown.group(1))
    return browser.post(url, data)


def amendment_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/amendments/(\d+)$", response.headers["Location"]).group(1))


def act(browser, amendment, action, revision=1):
    return browser.post(
        f"/amendments/{amendment}/{action}", {"expected_revision": str(revision)}, token_from=f"/amendments/{amendment}"
    )


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture
def unoct(app, demo):
    return as_user(app, demo, "unoct.negotiator")


@pytest.fixture
def cica(app, demo):
    return as_user(app, demo, "cica.negotiator")


def test_a_proposal_is_a_private_draft_until_tabled(app, demo, unoct, cica):
    wid = wid_of(app, AMENDMENT_CLAUSE)
    new_id = amendment_id(
        propose(
            unoct,
            wid,
            "This Memorandum may be amended by mutual written consent of the Participants, through an exchange of letters.",
        )
    )
    page = unoct.get(f"/amendments/{new_id}").get_data(as_text=True)
    assert f"UNOCT draft {new_id}" in page and "Draft" in page
    assert "UNOCT-1" not in page  # numbered when tabled
    assert re.search(r"Change — <a href=\"/n/cica-unoct-mou/clauses/c-[0-9a-f]+\">Article 8</a>", page)
    assert changes(page, "del", "UNOCT") == ["at any time"]
    assert changes(page, "ins", "UNOCT") == [", through an exchange of letters"]

    # The other party cannot see it anywhere, nor learn that it exists.
    assert cica.get(f"/amendments/{new_id}").status_code == 404
    assert f"/amendments/{new_id}" not in cica.get("/amendments").get_data(as_text=True)
    assert f"/amendments/{new_id}" not in cica.get(f"/clauses/{wid}").get_data(as_text=True)
    assert "exchange of letters" not in cica.get("/redline?from=now&to=party:UNOCT").get_data(as_text=True)

    assert act(unoct, new_id, "table").status_code == 302
    clause_page = cica.get(f"/clauses/{wid}").get_data(as_text=True)
    assert "UNOCT-1" in clause_page and "exchange of letters</ins>" in clause_page
    with app.app_context():
        private = db.session.scalar(db.select(AuditEvent).filter_by(kind="amendment.proposed"))
        public = db.session.scalar(db.select(AuditEvent).filter_by(kind="amendment.tabled"))
        assert private.private_to_party_id is not None and public.private_to_party_id is None


def test_numbers_are_per_party_and_given_in_the_order_of_tabling(app, demo, unoct, cica):
    wid = wid_of(app, SETTLEMENT)
    first = amendment_id(propose(unoct, wid, "Any dispute will be settled amicably."))
    second = amendment_id(propose(unoct, wid, "Any dispute will be settled by negotiation."))
    never_tabled = amendment_id(propose(unoct, wid, "Any dispute will be settled by consultation."))
    third = amendment_id(propose(cica, wid, "Any difference will be settled amicably."))
    for browser, amendment in ((unoct, second), (cica, third), (unoct, first)):
        assert act(browser, amendment, "table").status_code == 302
    with app.app_context():
        citations = [db.session.get(Amendment, i).citation for i in (first, second, third, never_tabled)]
    assert citations == ["UNOCT-2", "UNOCT-1", "CICA-1", f"UNOCT draft {never_tabled}"]


def test_counter_proposal_and_side_by_side_comparison(app, demo, unoct, cica):
    wid = wid_of(app, AMENDMENT_CLAUSE)
    theirs = amendment_id(
        propose(unoct, wid, "This Memorandum may be amended by mutual written consent of the Participants.")
    )
    act(unoct, theirs, "table")
    page = cica.get(f"/amendments/{theirs}").get_data(as_text=True)
    assert "Counter-propose a wording" in page and "Revise" not in page
    ours = amendment_id(
        propose(
            cica,
            wid,
            "This Memorandum may be amended at any time by written consent of both Participants.",
            answers=theirs,
        )
    )
    assert "answers <a" in cica.get(f"/amendments/{ours}").get_data(as_text=True)
    act(cica, ours, "table")

    compare = unoct.get(f"/compare?a={theirs}&b={ours}").get_data(as_text=True)
    assert "UNOCT-1" in compare and "CICA-1" in compare
    # CICA's wording against UNOCT's: "at any time" comes back, "mutual" goes, attributed to CICA.
    between = compare.split("CICA-1 against UNOCT-1")[1]
    assert changes(between, "ins", "CICA") == ["at any time", "both"]
    assert changes(between, "del", "CICA") == ["mutual", "the"]


def test_counter_proposal_only_to_the_other_partys_tabled_amendment(app, demo, unoct):
    wid = wid_of(app, AMENDMENT_CLAUSE)
    own = amendment_id(propose(unoct, wid, "This Memorandum may be amended by consent."))
    response = propose(unoct, wid, "This Memorandum may be amended by written consent.", answers=own)
    assert response.status_code == 403


def test_the_other_party_cannot_revise_or_withdraw_and_nobody_proposes_for_another_party(app, demo, unoct, cica):
    wid = wid_of(app, SETTLEMENT)
    theirs = amendment_id(propose(unoct, wid, "Any dispute will be settled amicably."))
    act(unoct, theirs, "table")
    assert cica.get(f"/amendments/{theirs}/revise").status_code == 403
    assert (
        cica.post(
            f"/amendments/{theirs}/revise",
            {"body_en": "Hijacked.", "rationale": "x", "expected_revision": "1"},
            token_from=f"/amendments/{theirs}",
        ).status_code
        == 403
    )
    assert act(cica, theirs, "withdraw").status_code == 403
    with app.app_context():
        amendment = db.session.get(Amendment, theirs)
        assert amendment.state.value == "tabled" and len(amendment.revisions) == 1
    # A negotiator's amendments are always their own party's; other roles cannot propose at all.
    ours = amendment_id(propose(cica, wid, "Any difference will be settled amicably and promptly."))
    with app.app_context():
        assert db.session.get(Amendment, ours).party.code == "CICA"
    for login in ("cica.legal", "unoct.chair", "cica.admin"):
        other = as_user(app, demo, login)
        assert propose(other, wid, "Something else entirely.").status_code == 403


def test_revisions_are_kept_and_read_as_redlines_against_each_other(app, demo, unoct):
    wid = wid_of(app, SETTLEMENT)
    new_id = amendment_id(propose(unoct, wid, "Any dispute will be settled amicably."))
    response = unoct.post(
        f"/amendments/{new_id}/revise",
        {
            "body_en": "Any dispute will be settled amicably and in good faith.",
            "rationale": "Good faith.",
            "expected_revision": "1",
        },
    )
    assert response.status_code == 302
    page = unoct.get(f"/amendments/{new_id}").get_data(as_text=True)
    assert "Revision 2" in page and "Revision 1" in page
    assert "and in good faith" in changes(page, "ins", "UNOCT")
    with app.app_context():
        assert [r.seq for r in db.session.get(Amendment, new_id).revisions] == [1, 2]


def test_acting_on_a_wording_you_did_not_see_is_refused(app, demo, unoct):
    wid = wid_of(app, SETTLEMENT)
    new_id = amendment_id(propose(unoct, wid, "Any dispute will be settled amicably."))
    unoct.post(
        f"/amendments/{new_id}/revise",
        {"body_en": "Any dispute will be settled quickly.", "rationale": "Speed.", "expected_revision": "1"},
    )
    response = act(unoct, new_id, "table", revision=1)
    assert response.status_code == 409
    assert "was revised while you were reading it" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Amendment, new_id).state.value == "draft"


def test_a_withdrawn_amendment_cannot_be_tabled_or_revised(app, demo, unoct):
    wid = wid_of(app, SETTLEMENT)
    new_id = amendment_id(propose(unoct, wid, "Any dispute will be settled amicably."))
    assert act(unoct, new_id, "withdraw").status_code == 302
    response = act(unoct, new_id, "table")
    assert response.status_code == 409
    assert "An amendment that is withdrawn cannot be tabled." in response.get_data(as_text=True)
    # The page asks the service's rule (issue #21: written once), so it answers as the service does: 409 and why.
    page = unoct.get(f"/amendments/{new_id}/revise")
    assert page.status_code == 409
    assert "An amendment that is withdrawn cannot be revised." in page.get_data(as_text=True)


def test_only_the_proposing_partys_negotiators_may_revise_and_the_page_gives_the_services_reason(app, demo, unoct):
    """Who may revise was a hand-written, untranslated message on the page besides the service's own: now the page
    shows the service's refusal (one translatable message)."""
    wid = wid_of(app, SETTLEMENT)
    tabled_id = amendment_id(propose(unoct, wid, "Any dispute will be settled amicably."))
    assert act(unoct, tabled_id, "table").status_code == 302
    cica = as_user(app, demo, "cica.negotiator")
    refused = cica.get(f"/amendments/{tabled_id}/revise")
    assert refused.status_code == 403
    assert "can be revised only by the negotiators of United Nations Office of Counter-Terrorism" in (
        refused.get_data(as_text=True)
    )


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {
                "body_en": "Any difference arising from the interpretation or implementation of this Memorandum will be settled amicably through consultations between the Participants."
            },
            "identical to the current text",
        ),
        ({"body_en": "New words.", "rationale": ""}, "Say why the change is proposed."),
        ({"body_en": "x" * 20_001}, "the limit is 20,000"),
        ({"body_en": "Bad \x07 bell"}, "control character (U+0007)"),
        ({"body_en": ""}, "The English text must not be empty."),
        ({"body_en": "New words.", "heading_en": "A heading"}, None),  # a paragraph has no heading field: ignored
    ],
)
def test_bad_proposals_are_refused_with_a_message_and_store_nothing(app, demo, unoct, form, message):
    wid = wid_of(app, SETTLEMENT)
    before = count(app, Amendment)
    data = {"rationale": "Because.", "heading_en": "Settlement of differences", "body_ru": "", **form}
    response = unoct.post(f"/clauses/{wid}/amend", data)
    if message is None:
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Amendment) == before
    assert count(app, AmendmentRevision) == before


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?after=c-doesnotexist", "There is no clause with that identifier."),
        ("?parent=PARENT&after=OTHER", "the clause to insert after has another parent"),
    ],
)
def test_insertion_at_a_position_that_does_not_exist_is_refused(app, demo, unoct, query, message):
    query = query.replace("PARENT", wid_of(app, "Proceeding from the above objectives")).replace(
        "OTHER", wid_of(app, SETTLEMENT)
    )
    response = unoct.post(
        f"/propose/new-clause{query}", {"kind": "paragraph", "body_en": "New paragraph.", "rationale": "Needed."}
    )
    assert response.status_code in (400, 404)
    assert message in response.get_data(as_text=True)
    assert count(app, Amendment) == 0


def test_insertion_and_deletion_show_in_the_partys_whole_draft_redline(app, demo, unoct):
    article_2 = wid_of(app, "Proceeding from the above objectives")
    last_area = wid_of(app, "Building the capacity of the national criminal justice")
    inserted = unoct.post(
        f"/propose/new-clause?parent={article_2}&after={last_area}",
        {
            "kind": "paragraph",
            "body_en": "Countering the use of new technologies for terrorist purposes.",
            "rationale": "A sixth area.",
        },
    )
    amendment_id(inserted)
    amendment_id(
        unoct.post(
            f"/clauses/{wid_of(app, 'Nothing in or relating')}/propose-deletion", {"rationale": "Covered elsewhere."}
        )
    )
    page = unoct.get("/redline?from=now&to=party:UNOCT").get_data(as_text=True)
    assert "1 added" in page and "1 deleted" in page
    assert "Article 2(6)" in page
    assert "Countering the use of new technologies for terrorist purposes." in changes(page, "ins", "UNOCT")
    assert "Article 6 → Article" not in page  # the deleted article keeps its number on the old side
    assert "Article 7 → Article 6" in page  # the ones after it move up


def test_internal_comments_stay_inside_the_party(app, demo, unoct, cica):
    wid = wid_of(app, SETTLEMENT)
    new_id = amendment_id(propose(unoct, wid, "Any dispute will be settled amicably."))
    act(unoct, new_id, "table")
    cica.post(f"/amendments/{new_id}/comments", {"body": "Our line: accept if UNOCT drops 'dispute'.", "internal": "y"})
    cica.post(f"/amendments/{new_id}/comments", {"body": "We could accept with one change."})
    assert "Our line" in cica.get(f"/amendments/{new_id}").get_data(as_text=True)
    theirs = unoct.get(f"/amendments/{new_id}").get_data(as_text=True)
    assert "We could accept with one change." in theirs
    assert "Our line" not in theirs
    with app.app_context():
        assert count(app, AmendmentComment) == 2
        note = db.session.scalar(db.select(AuditEvent).filter_by(kind="amendment.commented").order_by(AuditEvent.id))
        assert note.private_to_party_id is not None and "Our line" not in note.summary


def test_a_new_clause_version_makes_an_amendment_outdated_and_a_clean_rebase_is_confirmed(app, demo, unoct):
    wid = wid_of(app, AMENDMENT_CLAUSE)
    new_id = amendment_id(
        propose(
            unoct,
            wid,
            "This Memorandum may be amended at any time by mutual written consent of the Participants, expressed through an exchange of letters.",
        )
    )
    add_clause_version(app, wid, "This Memorandum may be amended by mutual written consent of the Participants.")
    page = unoct.get(f"/amendments/{new_id}").get_data(as_text=True)
    assert "Outdated" in page and "Rebase onto the current text" in page
    assert "Outdated" in unoct.get(f"/clauses/{wid}").get_data(as_text=True)

    preview = unoct.get(f"/amendments/{new_id}/rebase").get_data(as_text=True)
    assert "Confirm the rebased wording" in preview
    assert changes(preview, "ins", "UNOCT") == [", expressed through an exchange of letters"]
    with app.app_context():
        assert len(db.session.get(Amendment, new_id).revisions) == 1  # a preview changes nothing
    confirm = unoct.post(
        f"/amendments/{new_id}/rebase",
        {
            "onto_version_id": re.search(r'name="onto_version_id" type="hidden" value="(\d+)"', preview).group(1),
            "expected_revision": "1",
        },
        token_from=f"/amendments/{new_id}/rebase",
    )
    assert confirm.status_code == 302
    with app.app_context():
        latest = db.session.get(Amendment, new_id).latest
        assert latest.seq == 2 and latest.base_version.seq == 2
        assert (
            latest.text("en").body
            == "This Memorandum may be amended by mutual written consent of the Participants, expressed through an exchange of letters."
        )
    assert "Outdated" not in unoct.get(f"/amendments/{new_id}").get_data(as_text=True)


def test_a_conflicting_rebase_shows_the_three_texts_and_changes_nothing(app, demo, unoct):
    wid = wid_of(app, AMENDMENT_CLAUSE)
    proposal = "This Memorandum may be amended at any time by mutual written consent of the Participants, expressed through an exchange of letters."
    new_id = amendment_id(propose(unoct, wid, proposal))
    add_clause_version(
        app, wid, "This Memorandum may be amended at any time by mutual written consent of both Parties."
    )
    page = unoct.get(f"/amendments/{new_id}/rebase").get_data(as_text=True)
    assert "Conflict." in page and "Version 1 (the base)" in page and "Version 2 (now)" in page
    assert proposal in page and "both Parties." in page
    assert "Confirm the rebased wording" not in page
    forced = unoct.post(f"/amendments/{new_id}/rebase", {"onto_version_id": "999", "expected_revision": "1"})
    assert forced.status_code == 409
    with app.app_context():
        assert len(db.session.get(Amendment, new_id).revisions) == 1


def test_rebase_onto_a_deleted_clause_is_refused_and_the_proposal_kept(app, demo, unoct):
    wid = wid_of(app, AMENDMENT_CLAUSE)
    new_id = amendment_id(propose(unoct, wid, "This Memorandum may be amended by consent."))
    add_clause_version(app, wid, None, reason="Deleted by agreement")
    assert "has been deleted from the draft" in unoct.get(f"/amendments/{new_id}/rebase").get_data(as_text=True)
    with app.app_context():
        amendment = db.session.get(Amendment, new_id)
        assert (
            amendment.state.value == "draft"
            and amendment.latest.text("en").body == "This Memorandum may be amended by consent."
        )


def test_whole_draft_redline_between_two_dates(app, demo, cica):
    import datetime as dt

    wid = wid_of(app, SETTLEMENT)
    add_clause_version(
        app,
        wid,
        "Any difference will be settled amicably.",
        login="unoct.negotiator",
        when=dt.datetime(2024, 3, 10, 15, tzinfo=dt.UTC),
    )
    page = cica.get("/redline?from=date:2024-03-07&to=date:2024-03-11").get_data(as_text=True)
    assert "1 changed" in page and "Changed by UNOCT" in page
    assert changes(page, "del", "UNOCT") == [
        "arising from the interpretation or implementation of this Memorandum",
        "through consultations between the Participants",
    ]
    from_the_form = cica.get("/redline?from=date&from_date=2024-03-07&to=date&to_date=2024-03-11").get_data(
        as_text=True
    )
    assert "1 changed" in from_the_form and "Draft at the end of 11 March 2024" in from_the_form
    same = cica.get("/redline?from=date:2024-03-07&to=date:2024-03-09").get_data(as_text=True)
    assert "0 changed" in same


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=date:2024-03-11&to=date:2024-03-07", "put the earlier point first"),
        ("from=yesterday", "Compare the current draft"),
        ("to=party:NATO", "no party with the code"),
        ("from=date:2024-02-30", "is not a date"),
    ],
)
def test_whole_draft_redline_bad_points_are_explained(app, demo, cica, query, message):
    response = cica.get(f"/redline?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_markup_in_a_proposal_is_shown_as_text_everywhere(app, demo, unoct, cica):
    wid = wid_of(app, SETTLEMENT)
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    new_id = amendment_id(propose(unoct, wid, f"Any difference {payload} will be settled.", rationale=payload))
    act(unoct, new_id, "table")
    unoct.post(f"/amendments/{new_id}/comments", {"body": payload})
    for page in (f"/amendments/{new_id}", f"/clauses/{wid}", "/redline?from=now&to=party:UNOCT", "/amendments"):
        html = cica.get(page).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in cica.get(f"/amendments/{new_id}").get_data(as_text=True)


def test_the_whole_draft_redline_starts_from_the_first_draft_or_the_last_meeting(app, demo, cica):
    page = cica.get("/redline").get_data(as_text=True)
    assert "Draft at the end of 06 March 2024 → Current draft" in page
    as_user(app, demo, "cica.chair").post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    assert "Draft frozen for the Special Working Group → Current draft" in cica.get("/redline").get_data(as_text=True)


def test_a_clause_page_offers_only_the_insertions_and_deletion_the_clause_may_take(app, demo, unoct):
    """The page reads the core's rule (`clause_kinds.structure_actions`), the one the service enforces: the title is
    neither deleted nor followed by a new clause; an article and a paragraph take sub-clauses; an item takes none."""
    from mou_tracker.demo_text import INSTRUMENT_TITLE

    def offers(body_start):
        page = unoct.get(f"/clauses/{wid_of(app, body_start)}").get_data(as_text=True)
        return {
            label
            for label in ("Propose deletion", "Propose a new clause after this one", "Propose a new sub-clause")
            if label in page
        }

    assert offers(INSTRUMENT_TITLE[:40]) == set()
    assert offers("Proceeding from the above objectives") == {
        "Propose deletion",
        "Propose a new clause after this one",
        "Propose a new sub-clause",
    }
    assert offers("Considering possible links") == {
        "Propose deletion",
        "Propose a new clause after this one",
        "Propose a new sub-clause",
    }
    assert offers("Promoting the comprehensive") == {"Propose deletion", "Propose a new clause after this one"}
