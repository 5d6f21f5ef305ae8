"""Who wrote each word of a clause, and the negotiating history of a clause and of the instrument: pages, PDF,
DOCX, API, and what one party keeps to itself never reaching the other."""

from __future__ import annotations

import html
import io
import re
import time

import pytest
from docx import Document
from pypdf import PdfReader

from mou_tracker.core.milestones import Outcome
from mou_tracker.extensions import db
from mou_tracker.models import Clause, ClauseTextAttribution, ClauseVersion, User
from mou_tracker.services import meetings
from tests.api.test_api import Client, create_token
from tests.conftest import add_clause_version, wid_of
from tests.services.test_agreement import NEW_WORDING, review
from tests.services.test_amendments import AMENDMENT_CLAUSE, SETTLEMENT, act, amendment_id, propose
from tests.web.test_exports_docx_exact import _libreoffice_texts, libreoffice

#: The demo negotiation's pages (these are new: they have no address without the negotiation).
N = "/n/cica-unoct-mou"
SECRET = "Purely internal wording never tabled"
INTERNAL_NOTE = "Our line: hold firm on letters"
PUBLIC_NOTE = "We can live with letters."


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def adopted(app, people):
    """UNOCT-1 changes the amendment clause; cleared by CICA's legal reviewer, concurred, adopted (version 2), then
    endorsed at the SWG. UNOCT then drafts, revises and tables UNOCT-2 against version 2 (its first wording is
    its own), and CICA comments on it, once internally."""
    wid = wid_of(app, AMENDMENT_CLAUSE)
    first = amendment_id(propose(people["unoct.negotiator"], wid, NEW_WORDING, rationale="Letters are clearer."))
    assert act(people["unoct.negotiator"], first, "table").status_code == 302
    assert review(people["cica.legal"], first).status_code == 302
    assert act(people["cica.negotiator"], first, "concur").status_code == 302
    chair = people["cica.chair"]
    assert chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG").status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(login="cica.chair"))
        meetings.record_outcome(db.session, user, "SWG", wid, outcome=Outcome.endorsed, reserved_by="", note="")
        db.session.commit()
    second = amendment_id(propose(people["unoct.negotiator"], wid, f"{SECRET}.", rationale="First go."))
    revised = people["unoct.negotiator"].post(
        f"/amendments/{second}/revise",
        {"body_en": NEW_WORDING.replace("letters", "notes verbales"), "rationale": "Notes.", "expected_revision": "1"},
    )
    assert revised.status_code == 302
    assert act(people["unoct.negotiator"], second, "table", revision=2).status_code == 302
    cica = people["cica.negotiator"]
    cica.post(f"/amendments/{second}/comments", {"body": INTERNAL_NOTE, "internal": "y"})
    cica.post(f"/amendments/{second}/comments", {"body": PUBLIC_NOTE})
    return wid, first, second


def _runs(page: str) -> list[tuple[str, str]]:
    """[(words, label)] of a "who wrote this" view, in reading order."""
    found = re.findall(r'<mark class="word-run"[^>]*>(.*?)<sup class="run-label">\[(.*?)\]</sup>', page, flags=re.S)
    return [(words, label) for words, label in found]


def test_who_wrote_this_credits_each_word_to_its_amendment_reviewer_and_meeting(app, people, adopted):
    wid, _first, _second = adopted
    page = _text(people["cica.negotiator"].get(f"{N}/clauses/{wid}/who-wrote-this?lang=en"))
    runs = _runs(page)
    assert "".join(words for words, _ in runs) == NEW_WORDING
    labels = {label for _, label in runs}
    assert labels == {"UNOCT-1", "Version 1"}
    assert any("exchange of letters" in words and label == "UNOCT-1" for words, label in runs)
    assert any(words.startswith("This Memorandum may be amended") and label == "Version 1" for words, label in runs)
    # Details on hover and focus: the run is focusable and described by who proposed, cleared and endorsed it.
    unoct_run = re.search(r'<mark class="word-run" tabindex="0" data-seq="2" title="([^"]*)"', page)
    assert unoct_run, page
    details = unoct_run.group(1)
    assert "Daniel Moreau" in details and "cleared by Yerlan Abenov" in details and "endorsed at the SWG" in details
    assert 'aria-description="' in page
    # The runs were kept when version 2 was written: that is what the page read.
    with app.app_context():
        version = db.session.scalar(
            db.select(ClauseVersion).join(Clause).where(Clause.wid == wid, ClauseVersion.seq == 2)
        )
        kept = db.session.get(ClauseTextAttribution, (version.id, "en"))
        assert kept is not None and sum(length for length, _ in kept.runs) == len(NEW_WORDING)
        assert {seq for _, seq in kept.runs} == {1, 2}
    # The clause page leads to it.
    assert f"{N}/clauses/{wid}/who-wrote-this" in _text(people["cica.negotiator"].get(f"/clauses/{wid}"))


def test_who_wrote_this_refuses_a_deleted_clause_and_a_missing_language_clearly(app, people):
    wid = wid_of(app, SETTLEMENT)
    reader = people["cica.negotiator"]
    before = _kept(app)
    missing = reader.get(f"{N}/clauses/{wid}/who-wrote-this?lang=fr")
    assert missing.status_code == 400 and "has no text in that language; it has: en, ru" in _text_any(missing)
    add_clause_version(app, wid, "Only English now.")  # version 2 has no Russian text
    lacking = reader.get(f"{N}/clauses/{wid}/who-wrote-this?lang=ru")
    assert lacking.status_code == 400 and "Version 2 of this clause has no text in ru" in _text_any(lacking)
    add_clause_version(app, wid, None)
    deleted = reader.get(f"{N}/clauses/{wid}/who-wrote-this?lang=en")
    assert deleted.status_code == 400 and "This clause has been deleted" in _text_any(deleted)
    assert reader.get(f"{N}/clauses/no-such-clause/who-wrote-this").status_code == 404
    # Each new version's runs were written with it (English only for version 2, none for the deletion); the
    # refused readings wrote nothing.
    assert _kept(app) == before + 1


def _kept(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(ClauseTextAttribution))


def _text_any(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_api_gives_the_runs_of_a_clause(app, people, adopted):
    wid, _first, _second = adopted
    api = Client(app.test_client(), create_token(people["cica.negotiator"]))
    response = api.call("clause_attribution", wid=wid, query={"language": "en"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert "".join(run["text"] for run in body["runs"]) == NEW_WORDING
    unoct = next(run for run in body["runs"] if run["citation"] == "UNOCT-1")
    assert unoct["party"] == "UNOCT" and unoct["cleared_by"] == ["Yerlan Abenov"] and unoct["endorsed_at"] == "SWG"
    assert unoct["proposed_by"] == "Daniel Moreau" and unoct["version"] == 2
    bad = api.call("clause_attribution", wid=wid, query={"language": "fr"})
    assert bad.status_code == 422 and "has no text in that language" in bad.get_json()["detail"]


def test_clause_history_in_order_with_redlines_and_version_comparison(app, people, adopted):
    wid, _first, _second = adopted
    page = _text(people["cica.negotiator"].get(f"{N}/clauses/{wid}/history?lang=en"))
    order = [
        "Version 1: the initial text",
        "UNOCT-1 tabled",
        "Legal review of UNOCT-1 (revision 1): Cleared",
        "CICA concurred with UNOCT-1 (revision 1)",
        "Version 2: UNOCT-1 adopted",
        "SWG: Endorsed",
        "UNOCT-2 tabled",
        "Comment on UNOCT-2",
    ]
    positions = [page.index(title) for title in order]
    assert positions == sorted(positions), list(zip(order, positions, strict=True))
    assert "Yerlan Abenov (CICA)" in page and "Letters are clearer." in page
    assert re.search(r'<ins class="rl-ins" data-party="UNOCT"[^>]*>[^<]*exchange of letters', page)
    compared = _text(people["cica.negotiator"].get(f"{N}/clauses/{wid}/history?lang=en&from=1&to=2"))
    assert "Version 2 against version 1" in compared
    assert people["cica.negotiator"].get(f"{N}/clauses/{wid}/history?from=1&to=9").status_code == 404


def test_the_other_party_never_sees_an_untabled_wording_or_an_internal_note(app, people, adopted):
    wid, _first, _second = adopted
    cica, unoct = people["cica.negotiator"], people["unoct.negotiator"]
    theirs = _text(cica.get(f"{N}/clauses/{wid}/history?lang=en"))
    own = _text(unoct.get(f"{N}/clauses/{wid}/history?lang=en"))
    assert SECRET not in theirs and "drafted" not in theirs
    assert SECRET in own and "UNOCT-2 drafted (revision 1, not tabled: seen only by UNOCT)" in own
    assert INTERNAL_NOTE in theirs and PUBLIC_NOTE in theirs
    assert INTERNAL_NOTE not in own and PUBLIC_NOTE in own
    # The same in every export of the whole instrument, and for the legal reviewers and chairs of the other party.
    for reader, hidden in ((cica, SECRET), (people["cica.legal"], SECRET), (unoct, INTERNAL_NOTE)):
        assert hidden not in _text(reader.get(f"{N}/history?lang=en"))
        assert hidden not in _text(reader.get(f"{N}/history?article={wid}&lang=en"))
        assert hidden not in _pdf_text(reader.get(f"{N}/history.pdf?lang=en"))
        assert hidden not in _docx_text(reader.get(f"{N}/history.docx?lang=en"))
        assert hidden not in _docx_text(reader.get(f"{N}/clauses/{wid}/history.docx?lang=en"))
    assert SECRET in _docx_text(unoct.get(f"{N}/history.docx?lang=en"))
    assert SECRET in _text(unoct.get(f"{N}/history?article={wid}&lang=en"))


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.get_data()[:500]
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def _docx_text(response) -> str:
    assert response.status_code == 200, response.get_data()[:500]
    return "\n".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)


def test_instrument_history_page_pdf_and_docx(app, people, adopted):
    _wid, _first, _second = adopted
    reader = people["unoct.negotiator"]
    page = _text(reader.get(f"{N}/history?lang=en"))
    assert "Negotiating history of the instrument" in page and "Article 1" in page
    article = _text(reader.get(f"{N}/history?article={_wid}&lang=en"))
    assert "Negotiating history of the instrument" in article and "UNOCT-1 tabled" in article
    assert SECRET in article  # UNOCT's own untabled first wording, in its own copy
    pdf = _pdf_text(reader.get(f"{N}/history.pdf?lang=en"))
    assert "Negotiating history of the instrument" in pdf and "UNOCT-1 adopted" in pdf and "[UNOCT-1]" in pdf
    russian = _pdf_text(reader.get(f"{N}/history.pdf?lang=ru"))
    assert "Negotiating history" in russian or "История" in russian
    docx = _docx_text(reader.get(f"{N}/history.docx?lang=en"))
    assert "Who wrote this" in docx and "Version 2: UNOCT-1 adopted" in docx and "exchange of letters[UNOCT-1]" in docx


@libreoffice
def test_libreoffice_reads_the_history_docx(app, people, adopted, tmp_path):
    wid, _first, _second = adopted
    reader = people["cica.negotiator"]
    files = {
        "clause": (reader.get(f"{N}/clauses/{wid}/history.docx?lang=en").data, "none"),
        "whole": (reader.get(f"{N}/history.docx?lang=en").data, "none"),
    }
    texts = _libreoffice_texts(tmp_path, files)
    clause = "\n".join(texts["clause"])
    assert "Version 2: UNOCT-1 adopted" in clause and "UNOCT-2 tabled" in clause and SECRET not in clause
    assert "exchange of letters[UNOCT-1]" in clause
    assert "Negotiating history of the instrument" in "\n".join(texts["whole"])


def test_history_of_a_deleted_clause_is_still_readable(app, people):
    wid = wid_of(app, SETTLEMENT)
    add_clause_version(app, wid, None)
    page = _text(people["unoct.negotiator"].get(f"{N}/clauses/{wid}/history"))
    assert "Version 2: the clause deleted" in page and "Version 1: the initial text" in page
    assert "Who wrote this</h2>" not in page


def test_whole_draft_credits_are_kept_and_cheap_the_second_time(app, people, adopted):
    from mou_tracker.services import word_credits

    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(login="cica.chair"))
        started = time.perf_counter()
        first = word_credits.draft_word_credits(db.session, user, "en")
        db.session.commit()
        cold = time.perf_counter() - started
        again = word_credits.draft_word_credits(db.session, user, "en")
        assert [[r.text for r in runs] for _, runs in again] == [[r.text for r in runs] for _, runs in first]
        for item, runs in first:
            assert "".join(r.text for r in runs) == (item.body("en") or "")
    print(f"whole draft who-wrote-this, first view: {cold * 1000:.0f} ms")


def test_a_version_whose_runs_were_never_kept_is_attributed_the_same_from_its_chain(app, people, adopted):
    wid, _first, _second = adopted
    reader = people["cica.negotiator"]
    kept = _runs(_text(reader.get(f"{N}/clauses/{wid}/who-wrote-this?lang=en")))
    with app.app_context():
        ids = db.session.scalars(db.select(ClauseVersion.id).join(Clause).where(Clause.wid == wid)).all()
        db.session.execute(db.delete(ClauseTextAttribution).where(ClauseTextAttribution.version_id.in_(ids)))
        db.session.commit()
    derived = _runs(_text(reader.get(f"{N}/clauses/{wid}/who-wrote-this?lang=en")))
    assert derived == kept and len(kept) >= 2
    assert _kept_for(app, ids) == 0  # a reading writes nothing


def _kept_for(app, ids) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count())
            .select_from(ClauseTextAttribution)
            .where(ClauseTextAttribution.version_id.in_(ids))
        )


def test_the_migration_fills_in_the_runs_of_the_versions_written_before_it(app, people, adopted):
    """The same runs from the upgrade's backfill as from the hook that writes them with each version."""
    from flask_migrate import downgrade, upgrade

    def kept() -> dict:
        return {
            (row.version_id, row.language): row.runs for row in db.session.scalars(db.select(ClauseTextAttribution))
        }

    with app.app_context():
        written = kept()
        db.session.remove()
        try:
            downgrade(revision="0017_brackets")
            upgrade()
            backfilled = kept()
        finally:
            upgrade()
    assert len(written) > 60 and backfilled == written


def test_who_wrote_this_reads_a_fixed_number_of_queries_however_long_the_chain(app, people, adopted):
    from sqlalchemy import event

    from mou_tracker.services import word_credits

    wid, _first, _second = adopted

    def queries(fn) -> int:
        statements: list[str] = []

        def counted(*args):
            statements.append(args[2])

        with app.app_context():
            user = db.session.scalar(db.select(User).filter_by(login="cica.chair"))
            event.listen(db.engine, "before_cursor_execute", counted)
            try:
                fn(user)
            finally:
                event.remove(db.engine, "before_cursor_execute", counted)
        return len(statements)

    def one(user):
        return word_credits.clause_word_credits(db.session, user, wid, "en")

    def whole(user):
        return word_credits.draft_word_credits(db.session, user, "en")

    short_one, short_whole = queries(one), queries(whole)
    for n in range(3, 9):
        add_clause_version(app, wid, f"{NEW_WORDING} Addition {n}.")
    assert queries(one) == short_one and queries(whole) == short_whole
    print(f"who wrote this: {short_one} queries for one clause, {short_whole} for the whole draft")
