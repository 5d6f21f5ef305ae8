"""Square brackets in the product (#17, item 1): a clause whose text holds brackets is Bracketed whatever its
amendments say; the chair confirms endorsing one; the dashboard and the meeting pack count them; every view marks
them (not by colour alone); a negotiator declares a bracket that is part of the wording; a party's draft never
counts for the other party."""

from __future__ import annotations

import io
import re
import zipfile

from lxml import html as lxml_html
from pypdf import PdfReader

from mou_tracker.core.status import BracketMovement, bracket_movement, open_bracket_count, read_clause_texts
from mou_tracker.extensions import db
from mou_tracker.models import AuditEvent, Clause, Instrument, MilestoneOutcome, User
from mou_tracker.services import standing as standing_service
from tests.api.test_api import Client, create_token
from tests.conftest import add_clause_version, wid_of
from tests.services.test_agreement import review, tabled
from tests.services.test_amendments import SETTLEMENT, act, amendment_id, propose

SIGNATURE = "Done at [place]"
CITATION_CLAUSE = "The Participants will consult"


def _status(app, wid: str):
    with app.app_context():
        chair = db.session.scalar(db.select(User).filter_by(login="cica.chair"))
        instrument = db.session.scalar(db.select(Instrument).filter_by(slug="cica-unoct-mou"))
        clause = db.session.scalar(db.select(Clause).filter_by(wid=wid))
        standing = standing_service.standings(db.session, chair, instrument)[clause.id]
        return standing.status.value, standing.open_brackets


def _form_values(browser, url: str) -> dict[str, str]:
    """The whole-meeting form's fields as the page fills them."""
    page = browser.get(url).get_data(as_text=True)
    form = lxml_html.fromstring(page).get_element_by_id("record-outcomes").find(".//form")
    values = {}
    for element in form.iter("input", "select"):
        name = element.get("name")
        if not name or element.get("type") in ("submit", "checkbox"):
            continue
        if element.tag == "select":
            chosen = element.xpath("./option[@selected]")
            values[name] = chosen[0].get("value") if chosen else element.xpath("./option")[0].get("value")
        else:
            values[name] = element.get("value") or ""
    return values


def test_the_count_is_the_most_bracketed_language_and_movement_compares_per_clause():
    english = read_clause_texts(["Done at [place], on [date]", "[shall][will]"])
    russian = read_clause_texts(["Совершено в [место]"])
    assert open_bracket_count([english, russian]) == 3  # two placeholders and one group of alternatives
    assert open_bracket_count([read_clause_texts(["paragraph 3 [of Article 2]"], ["[of Article 2]"])]) == 0
    assert open_bracket_count([read_clause_texts(["The [Participants will"])]) == 1  # unbalanced counts
    assert bracket_movement({1: 2, 2: 1, 3: 1}, {1: 2, 2: 0, 4: 3}) == BracketMovement(now=5, opened=3, closed=2)


def test_the_signature_clause_is_bracketed_counted_and_marked_everywhere(app, people):
    wid = wid_of(app, SIGNATURE)
    assert _status(app, wid) == ("bracketed", 2)
    chair = people["cica.chair"]
    dashboard = chair.get("/dashboard").get_data(as_text=True)
    assert "<strong>2</strong> open brackets in the text" in dashboard
    assert "2 open brackets in the text</td>" in dashboard  # why it blocks the meeting
    # The clause page: each bracket in its own marked span, announced, the brackets themselves kept.
    page = chair.get(f"/clauses/{wid}").get_data(as_text=True)
    marked = '<span class="bracket"><span class="visually-hidden">bracketed: </span>[place]</span>'
    assert marked in page and "[date]</span>" in page
    assert "2 open brackets: the clause stays Bracketed" in page
    # The draft and the print view share the one macro.
    assert marked in chair.get("/").get_data(as_text=True)
    assert marked in chair.get("/print").get_data(as_text=True)
    # The API carries the count.
    api = Client(app.test_client(), create_token(chair))
    row = next(c for c in api.call("list_clauses", query={"per_page": 200}).get_json()["items"] if c["wid"] == wid)
    assert row["open_brackets"] == 2 and row["status"] == "bracketed"
    # The DOCX keeps the brackets in its text.
    with zipfile.ZipFile(io.BytesIO(chair.get("/exports/draft.docx").data)) as docx:
        assert "Done at [place], on [date]" in re.sub(r"<[^>]+>", "", docx.read("word/document.xml").decode())


def test_user_text_in_brackets_is_escaped(app, people):
    wid = wid_of(app, SETTLEMENT)
    add_clause_version(app, wid, 'Any difference [<script>alert("x")</script>] will be settled.')
    page = people["cica.chair"].get(f"/clauses/{wid}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "[&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;]</span>" in page


def test_the_chair_confirms_endorsing_a_bracketed_clause_and_it_stays_bracketed(app, people):
    chair = people["cica.chair"]
    signature = wid_of(app, SIGNATURE)
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    values = _form_values(chair, "/meetings/SWG")
    assert values[f"outcome-{signature}"] == "deferred"  # proposed as deferred: it is in brackets
    values[f"outcome-{signature}"] = "endorsed"

    refused = chair.post("/meetings/SWG/outcomes", values, token_from="/meetings/SWG")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    warning = lxml_html.fromstring(page).get_element_by_id("brackets-warning")
    assert "Article 9" in warning.text_content() and "2 open brackets" in warning.text_content()
    assert warning.xpath(".//input[@type='checkbox'][@name='confirm_brackets']")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(MilestoneOutcome)) == 0  # nothing recorded

    confirmed = chair.post("/meetings/SWG/outcomes", values | {"confirm_brackets": "yes"}, token_from="/meetings/SWG")
    assert confirmed.status_code == 302
    with app.app_context():
        clause_id = db.session.scalar(db.select(Clause.id).filter_by(wid=signature))
        event = db.session.scalars(
            db.select(AuditEvent).filter_by(kind="milestone.outcome_recorded", clause_id=clause_id)
        ).one()
        assert event.after["confirmed_over_brackets"] == 2 and "confirmed by the chair" in event.summary
    assert (
        chair.post("/meetings/SWG/conclude", {"result": "recommended"}, token_from="/meetings/SWG").status_code == 302
    )
    # Endorsed, yet Bracketed while the brackets remain; a clause endorsed without brackets is Agreed.
    assert _status(app, signature) == ("bracketed", 2)
    assert _status(app, wid_of(app, CITATION_CLAUSE))[0] == "agreed"


def test_an_adopted_amendment_with_brackets_is_bracketed_and_the_reports_count_what_it_opened(app, people):
    chair = people["cica.chair"]
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    values = _form_values(chair, "/meetings/SWG")
    assert chair.post("/meetings/SWG/outcomes", values, token_from="/meetings/SWG").status_code == 302
    chair.post("/meetings/SWG/conclude", {"result": "recommended"}, token_from="/meetings/SWG")
    settlement = wid_of(app, SETTLEMENT)
    adopted = tabled(people, app, settlement, "Any dispute [shall][will] be settled by consultations.")
    act(people["cica.negotiator"], adopted, "concur")
    review(people["cica.legal"], adopted)
    # Both parties agreed and legal review cleared it, but the text holds alternatives: not agreed ad ref.
    assert _status(app, settlement) == ("bracketed", 1)

    dashboard = chair.get("/dashboard").get_data(as_text=True)
    assert (
        "Square brackets since the draft frozen for the Special Working Group: 1 opened, 0 closed; 3 open now."
        in dashboard
    )
    article = lxml_html.fromstring(dashboard).xpath(
        "//table[contains(@class,'by-article')]//tr[th[contains(., 'Article 9')]]"
    )
    assert article and article[0].xpath("./td[@class='col-brackets']")[0].text == "2"
    pack = chair.get("/meetings/SOC/pack").get_data(as_text=True)
    assert "3 open brackets in the draft going to the meeting." in pack
    assert "Since the draft frozen for the Special Working Group: 1 opened, 0 closed." in pack
    settlement_part = chair.get("/meetings/SOC/pack?article=7").get_data(as_text=True)  # the pack is read by article
    assert '<span class="bracket"><span class="visually-hidden">bracketed: </span>[shall]</span>' in settlement_part
    pdf = chair.get("/meetings/SOC/pack.pdf")
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages))
    squeezed = text.replace(" ", "")
    assert "[shall][will]" in squeezed and "Doneat[place],on[date]" in squeezed  # the brackets stay in the text
    assert "bracketed:" not in text  # the screen-reader words are the page's, not the PDF's


def test_a_declared_bracket_is_plain_text_until_undone_and_a_stale_one_is_ignored(app, people):
    wid = wid_of(app, CITATION_CLAUSE)
    add_clause_version(app, wid, "The Participants will consult as provided in paragraph 3 [of Article 2].")
    assert _status(app, wid) == ("bracketed", 1)
    negotiator = people["cica.negotiator"]
    page = negotiator.get(f"/clauses/{wid}").get_data(as_text=True)
    assert 'name="plain" value="[of Article 2]"' in page and "not a negotiating bracket" in page

    # A legal reviewer may not declare; nothing changes.
    refused = people["cica.legal"].post(
        f"/clauses/{wid}/brackets",
        {"listed": "[of Article 2]", "plain": "[of Article 2]"},
        token_from=f"/clauses/{wid}",
    )
    assert refused.status_code == 403 and _status(app, wid) == ("bracketed", 1)

    declared = negotiator.post(
        f"/clauses/{wid}/brackets",
        {"listed": "[of Article 2]", "plain": "[of Article 2]"},
        token_from=f"/clauses/{wid}",
    )
    assert declared.status_code == 302
    assert _status(app, wid) == ("initial", 0)
    page = negotiator.get(f"/clauses/{wid}").get_data(as_text=True)
    assert "No negotiating bracket is left in the text." in page and "[of Article 2]</span>" not in page
    with app.app_context():
        kinds = [e.kind for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
        assert kinds[-1] == "clause.bracket_declared_plain"

    # The text changes and the passage goes: the declaration is ignored, and the page says so.
    add_clause_version(app, wid, "The Participants will consult each other.")
    page = negotiator.get(f"/clauses/{wid}").get_data(as_text=True)
    assert "declared, but no longer in the text: ignored." in page
    # The text comes back with the passage: the declaration holds again. Then it is undone (untick and save).
    add_clause_version(app, wid, "The Participants will consult as provided in paragraph 3 [of Article 2].")
    assert _status(app, wid) == ("initial", 0)
    undone = negotiator.post(f"/clauses/{wid}/brackets", {"listed": "[of Article 2]"}, token_from=f"/clauses/{wid}")
    assert undone.status_code == 302 and _status(app, wid) == ("bracketed", 1)
    with app.app_context():
        assert db.session.scalar(db.select(Clause).filter_by(wid=wid)).plain_brackets == []
        kinds = [e.kind for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
        assert kinds[-1] == "clause.bracket_declared_negotiating"
    # A bracket to declare that is not in the text (a form shown before the text changed) is refused, and says so.
    add_clause_version(app, wid, "The Participants will consult each other.")
    refused = negotiator.post(
        f"/clauses/{wid}/brackets",
        {"listed": "[of Article 2]", "plain": "[of Article 2]"},
        token_from=f"/clauses/{wid}",
        follow_redirects=True,
    )
    assert "That bracket is no longer in the text of the clause; nothing was changed." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(Clause).filter_by(wid=wid)).plain_brackets == []


def test_unbalanced_brackets_are_reported_and_the_clause_is_bracketed(app, people):
    wid = wid_of(app, SETTLEMENT)
    add_clause_version(app, wid, "Any difference [arising from the interpretation will be settled.")
    assert _status(app, wid) == ("bracketed", 1)
    page = people["unoct.negotiator"].get(f"/clauses/{wid}").get_data(as_text=True)
    problems = lxml_html.fromstring(page).get_element_by_id("bracket-problems").text_content()
    assert "do not pair up" in problems and 'The "[" at character 16 is never closed.' in problems


def test_a_partys_untabled_draft_with_brackets_is_never_counted_or_shown_to_the_other_party(app, people):
    wid = wid_of(app, SETTLEMENT)
    draft = amendment_id(propose(people["unoct.negotiator"], wid, "Any dispute [secretly][quietly] settled."))
    assert draft
    for login in ("cica.negotiator", "unoct.negotiator", "cica.chair"):
        dashboard = people[login].get("/dashboard").get_data(as_text=True)
        assert "<strong>2</strong> open brackets in the text" in dashboard, login  # only the signature clause
    page = people["cica.negotiator"].get(f"/clauses/{wid}").get_data(as_text=True)
    assert "secretly" not in page
    assert "secretly" not in people["cica.chair"].get("/meetings/SOC/pack").get_data(as_text=True)
    assert _status(app, wid) == ("initial", 0)
