"""Search: everything a reader may see, in every language, with stemming; nothing of another party's drafting."""

from __future__ import annotations

import re

import pytest

from mou_tracker.core import search_text
from tests.conftest import DEMO_HOME, wid_of
from tests.services.test_amendments import SETTLEMENT, act, amendment_id, as_user, propose


def results(browser, query: str, **filters) -> str:
    response = browser.get(f"{DEMO_HOME}search", query_string={"q": query, **filters})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def found(html: str) -> int:
    match = re.search(r"(\d+) results? for", html) or re.search(r"(\d+) (?:результат\w*)", html)
    assert match, html[:3000]
    return int(match.group(1))


def test_stemming_finds_every_form_in_english_and_russian():
    stored_en = search_text.stems("privileges and immunities of the United Nations", "en")
    asked_en = search_text.parse_query("immunity", ["en", "ru"])
    assert set(asked_en.terms["en"]) <= set(stored_en.split())
    stored_ru = search_text.stems("Настоящее соглашение вступает в силу", "ru")
    asked_ru = search_text.parse_query("соглашения", ["en", "ru"])
    assert set(asked_ru.terms["ru"]) <= set(stored_ru.split())


def test_query_syntax_is_read_as_words_and_stop_words_alone_are_refused():
    assert search_text.parse_query('"immunities" AND (privileges*) -x', ["en"]).typed == (
        "immunities",
        "privileges",
        "x",
    )
    assert search_text.parse_query("the and of", ["en"]).is_empty


def test_a_negotiator_finds_every_clause_that_mentions_immunities(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    html = results(cica, "immunity")
    assert found(html) >= 1
    assert "<mark>immunities</mark>" in html
    assert "Privileges and immunities" in html or "privileges and" in html


def test_russian_words_are_found_in_any_case_form(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    html = results(cica, "меморандума")  # the demo's Russian text says «Меморандум» in several forms
    assert found(html) >= 1
    assert re.search(r"<mark>[Мм]еморандум\w*</mark>", html)


def test_another_partys_untabled_draft_rationale_and_internal_note_are_never_found(app, demo):
    unoct = as_user(app, demo, "unoct.negotiator")
    cica = as_user(app, demo, "cica.negotiator")
    settlement = wid_of(app, SETTLEMENT)
    draft = amendment_id(
        propose(
            unoct,
            settlement,
            "Differences will be settled by Wombatian arbitration.",
            rationale="Our Zebrafinch position",
        )
    )
    unoct.post(
        f"/amendments/{draft}/comments",
        {"body": "Internal: hold firm on Marmoset", "internal": "y"},
        token_from=f"/amendments/{draft}",
    )
    for word in ("Wombatian", "Zebrafinch", "Marmoset"):
        assert found(results(unoct, word)) >= 1, word  # its own party finds them (so the check can fail)
        assert found(results(cica, word)) == 0, word
        assert word not in results(cica, word).split('class="search-results"', 1)[1]

    # Tabled: the other party finds the wording and the rationale, never the internal note.
    assert act(unoct, draft, "table").status_code == 302
    assert found(results(cica, "Wombatian")) >= 1
    assert found(results(cica, "Zebrafinch")) >= 1
    assert found(results(cica, "Marmoset")) == 0
    assert found(results(unoct, "Marmoset")) >= 1


def test_filters_by_kind_and_party_and_bad_input_is_answered_on_the_page(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    everything = found(results(cica, "memorandum"))
    clauses_only = found(results(cica, "memorandum", kind="clauses"))
    assert 0 < clauses_only <= everything
    assert found(results(cica, "memorandum", kind="comments")) == 0

    refused = results(cica, "the of and")
    assert "too common" in refused and 'value="the of and"' in refused
    assert "no such party" in results(cica, "memorandum", party="XYZ")
    assert "start date is after the end date" in results(
        cica, "memorandum", **{"from": "2024-03-02", "to": "2024-03-01"}
    )


@pytest.mark.parametrize("query", ["'; DROP TABLE search_entries; --", '"unbalanced', "NEAR(a b)", "*", "^x"])
def test_query_syntax_characters_never_break_the_search(app, demo, query):
    cica = as_user(app, demo, "cica.negotiator")
    response = cica.get(f"{DEMO_HOME}search", query_string={"q": query})
    assert response.status_code == 200


def test_the_index_is_kept_in_step_with_new_versions(app, demo):
    """A text written after the demo was loaded is found at once (same transaction, no rebuild)."""
    unoct = as_user(app, demo, "unoct.negotiator")
    settlement = wid_of(app, SETTLEMENT)
    draft = amendment_id(propose(unoct, settlement, "Differences will be settled by Quetzalian consultations."))
    assert found(results(unoct, "quetzalian")) == 1
    with app.app_context():
        from mou_tracker.extensions import db
        from mou_tracker.services.search import rebuild

        before = db.session.execute(db.text("select count(*) from search_entries")).scalar()
        assert rebuild(db.session) == before
        db.session.commit()
    assert found(results(unoct, "quetzalian")) == 1
    assert draft


def test_results_come_a_page_at_a_time(app, demo, monkeypatch):
    from mou_tracker.services import search

    monkeypatch.setattr(search, "PAGE_SIZE", 2)
    cica = as_user(app, demo, "cica.negotiator")
    first = results(cica, "memorandum")
    total = found(first)
    assert total > 2
    assert first.count('class="search-result"') == 2
    assert "Page 1 of" in first and 'rel="next"' in first
    last_page = -(-total // 2)
    last = cica.get(f"{DEMO_HOME}search", query_string={"q": "memorandum", "page": last_page}).get_data(as_text=True)
    assert last.count('class="search-result"') == total - 2 * (last_page - 1)


def test_texts_of_different_kinds_written_in_one_flush_are_all_indexed(app, demo):
    """One flush may carry a comment, an audit event and a meeting note together: each is indexed."""
    from mou_tracker.extensions import db
    from mou_tracker.models import Amendment, AmendmentComment, AuditEvent, SearchEntry, SearchSource, User

    unoct = as_user(app, demo, "unoct.negotiator")
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences will be settled by consultations."))
    with app.app_context():
        author = db.session.scalar(db.select(User).where(User.login == "unoct.negotiator"))
        amendment = db.session.get(Amendment, draft)
        db.session.add(
            AmendmentComment(amendment_id=draft, author=author, party_id=None, internal=False, body="Pelican note")
        )
        db.session.add(
            AuditEvent(
                instrument_id=amendment.instrument_id,
                actor=author,
                kind="amendment.commented",
                subject_type="Amendment",
                subject_id=str(draft),
                summary="Pelican event",
            )
        )
        db.session.commit()
        sources = db.session.scalars(db.select(SearchEntry.source).where(SearchEntry.text.like("Pelican%"))).all()
        assert sorted(sources) == sorted([SearchSource.comment, SearchSource.audit])
