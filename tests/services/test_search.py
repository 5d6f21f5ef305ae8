"""Search: everything a reader may see, in every language, with stemming; nothing of another party's drafting."""

from __future__ import annotations

import re

import pytest

from mou_tracker.core import search_text
from mou_tracker.extensions import db
from mou_tracker.models import ClausePost
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


# The party filter: whose words they are -----------------------------------------------------------------------


def write_post(app, browser, body: str, *, internal: bool = False) -> None:
    """A post in the discussion of the settlement clause, written on its page as a person would."""
    url = f"{DEMO_HOME}clauses/{wid_of(app, SETTLEMENT)}"
    data = {"body": body, **({"internal": "y"} if internal else {})}
    assert browser.post(f"{url}/posts", data, token_from=url).status_code == 302


def listed(html: str) -> str:
    """The results part of a search page (the form above it repeats the query)."""
    return html.split('class="search-results"', 1)[1]


def test_the_party_filter_finds_each_partys_wordings_comments_and_clause_posts(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    unoct = as_user(app, demo, "unoct.negotiator")
    draft = amendment_id(
        propose(unoct, wid_of(app, SETTLEMENT), "Differences go to Okapian arbitration.", rationale="Okapian custom")
    )
    assert act(unoct, draft, "table").status_code == 302
    cica.post(
        f"/amendments/{draft}/comments", {"body": "CICA doubts the Okapian wording"}, token_from=f"/amendments/{draft}"
    )
    write_post(app, cica, "CICA asks for Okapian precedents")
    write_post(app, unoct, "UNOCT lists the Okapian precedents")

    by_unoct, by_cica = listed(results(cica, "okapian", party="UNOCT")), listed(results(cica, "okapian", party="CICA"))
    # UNOCT's: its amendment's wording and rationale and its post; CICA's: its comment on that amendment and its post.
    for text in ("Okapian</mark> arbitration", "<mark>Okapian</mark> custom", "UNOCT lists the"):
        assert text in by_unoct and text not in by_cica, text
    for text in ("CICA doubts the", "CICA asks for"):
        assert text in by_cica and text not in by_unoct, text
    assert found(results(unoct, "okapian", party="CICA", kind="comments")) == 2  # the comment and the post
    assert found(results(unoct, "okapian", party="UNOCT", kind="comments")) == 1  # the post
    assert found(results(unoct, "okapian", party="UNOCT", kind="amendments")) == 2  # wording and rationale


def test_an_internal_post_is_found_through_the_party_filter_by_its_party_alone(app, demo):
    from mou_tracker.extensions import db
    from mou_tracker.models import ClausePost, Party, SearchEntry

    cica = as_user(app, demo, "cica.negotiator")
    unoct = as_user(app, demo, "unoct.negotiator")
    write_post(app, cica, "Internal: our Tapirine fallback", internal=True)

    assert found(results(cica, "tapirine", party="CICA")) == 1  # its party finds it (so the checks below can fail)
    assert found(results(cica, "tapirine", party="UNOCT")) == 0
    for filters in ({"party": "CICA"}, {"party": "CICA", "kind": "comments"}, {"party": "UNOCT"}, {}):
        page = results(unoct, "tapirine", **filters)
        assert found(page) == 0, filters
        assert "Tapirine" not in listed(page), filters
    with app.app_context():
        entry = db.session.scalar(db.select(SearchEntry).where(SearchEntry.text.like("Internal: our Tapirine%")))
        post = db.session.scalar(db.select(ClausePost))
        party = db.session.scalar(db.select(Party.id).where(Party.code == "CICA"))
        assert (entry.post_id, entry.party_id, entry.private_to_party_id) == (post.id, party, party)


def _entries(app) -> list[tuple]:
    """What the index holds, entry ids aside (a rebuild numbers them anew)."""
    from mou_tracker.extensions import db
    from mou_tracker.models import SearchEntry

    with app.app_context():
        rows = db.session.execute(
            db.select(
                SearchEntry.source,
                SearchEntry.language,
                SearchEntry.text,
                SearchEntry.party_id,
                SearchEntry.post_id,
                SearchEntry.private_to_party_id,
                SearchEntry.amendment_id,
                SearchEntry.comment_id,
                SearchEntry.audit_event_id,
                SearchEntry.clause_id,
                SearchEntry.version_id,
                SearchEntry.revision_id,
                SearchEntry.stems,
                SearchEntry.written_at,
            )
        ).all()
        db.session.remove()
    return sorted(tuple(str(value) for value in row) for row in rows)


def test_the_migration_and_a_rebuild_fill_in_whose_words_each_entry_holds(app, demo):
    """Entries written before migration 0024 get the party and the post the index writes today; on SQLite the
    table is rebuilt by the migration and its full-text triggers must survive it."""
    from flask_migrate import downgrade, upgrade

    from mou_tracker.extensions import db
    from mou_tracker.services.search import rebuild

    cica = as_user(app, demo, "cica.negotiator")
    unoct = as_user(app, demo, "unoct.negotiator")
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences go to Ibexian talks.", rationale="Ibex"))
    assert act(unoct, draft, "table").status_code == 302
    cica.post(f"/amendments/{draft}/comments", {"body": "Ibexian? No."}, token_from=f"/amendments/{draft}")
    write_post(app, cica, "Ibexian talks, shared")
    write_post(app, cica, "Ibexian talks, internal", internal=True)
    write_post(app, unoct, "Ibexian talks, shared")  # the same words by the other party: each its own post
    indexed = _entries(app)
    assert sum(1 for row in indexed if row[4] != "None") == 3
    assert sum(1 for row in indexed if row[3] != "None") > 6

    with app.app_context():
        try:
            downgrade(revision="0023_stored_redlines")
            upgrade()
        finally:
            upgrade()
    assert _entries(app) == indexed
    with app.app_context():
        rebuild(db.session)
        db.session.commit()
    assert _entries(app) == indexed

    # The index still follows the writes (SQLite: the FTS5 triggers were made again).
    write_post(app, unoct, "Oryxian talks")
    assert found(results(cica, "oryxian", party="UNOCT")) == 1
    assert found(results(cica, "ibexian", party="CICA", kind="comments")) == 3  # its comment and both its posts
    assert found(results(unoct, "ibexian", party="CICA", kind="comments")) == 2  # never the internal one


def test_a_post_found_by_the_search_links_to_the_post_itself(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    write_post(app, cica, "CICA recalls the Quokkan precedent")
    page = listed(results(cica, "quokkan"))
    with app.app_context():
        post_id = db.session.scalar(db.select(ClausePost.id).where(ClausePost.body.contains("Quokkan")))
    anchor = re.search(r'href="([^"]+)"', page.split("Quokkan")[0].rsplit('class="search-result"', 1)[1])
    assert anchor and anchor.group(1).endswith(f"#post-{post_id}")
    # The clause page holds the post under that very id.
    assert f'id="post-{post_id}"' in cica.get(anchor.group(1).split("#")[0]).get_data(as_text=True)


def test_a_word_read_differently_in_each_language_is_found_in_both_newest_first_and_counted_once(
    app, demo, monkeypatch
):
    """The word "Okapines" is "okapin" to the English stemmer and stays "okapines" to the Russian one: the search
    looks for each reading in the entries of its own language, and the results of both come in one list, newest
    first, each counted once, page after page (and a page past the end still says how many there are)."""
    from mou_tracker.services import search

    query = search_text.parse_query("Okapines", ["en", "ru"])
    assert query.terms["en"] != query.terms["ru"]  # two readings: the case this test is about
    cica = as_user(app, demo, "cica.negotiator")
    unoct = as_user(app, demo, "unoct.negotiator")
    draft = amendment_id(propose(unoct, wid_of(app, SETTLEMENT), "Differences go to Okapines arbitration."))
    assert act(unoct, draft, "table").status_code == 302
    write_post(app, cica, "Делегация просит учесть прецеденты Okapines по соглашению")
    write_post(app, cica, "Внутренняя записка: позиция Okapines", internal=True)

    everything = results(cica, "okapines")
    assert found(everything) == 3
    shown = listed(everything)
    assert shown.index("позиция") < shown.index("Делегация просит") < shown.index("arbitration")  # newest first
    assert found(results(unoct, "okapines")) == 2  # CICA's internal note is CICA's alone

    monkeypatch.setattr(search, "PAGE_SIZE", 1)
    pages = [results(cica, "okapines", page=number) for number in (1, 2, 3)]
    assert [found(page) for page in pages] == [3, 3, 3]
    assert [listed(page).count('class="search-result"') for page in pages] == [1, 1, 1]
    assert "позиция" in listed(pages[0]) and "Делегация" in listed(pages[1]) and "arbitration" in listed(pages[2])
    past_the_end = results(cica, "okapines", page=7)
    assert found(past_the_end) == 3 and listed(past_the_end).count('class="search-result"') == 0


def test_the_search_leaves_the_planner_as_it_found_it(app, demo):
    """On PostgreSQL the search looks words up in the GIN index only (SET enable_seqscan = off, see
    services.search._index_only) and sets it back: later statements of the same request plan as usual."""
    from mou_tracker.extensions import db
    from mou_tracker.models import User
    from mou_tracker.services import search

    with app.app_context():
        if db.session.get_bind().dialect.name != "postgresql":
            pytest.skip("needs a database server: a PostgreSQL setting")
        reader = db.session.scalar(db.select(User).filter_by(login="cica.negotiator"))
        assert search.search(db.session, reader, search.SearchFilter(query="memorandum")).pages.total > 0
        assert db.session.scalar(db.text("SHOW enable_seqscan")) == "on"
        db.session.rollback()


@pytest.mark.parametrize("isolation", ["AUTOCOMMIT", "READ COMMITTED"])
def test_the_index_only_setting_holds_during_the_search_in_autocommit_as_in_a_transaction(app, demo, isolation):
    """Pages read in autocommit (web.read_without_a_transaction), where a SET LOCAL is ignored: the setting must
    hold during the search's statements there too, and be back to the default after them."""
    from mou_tracker.extensions import db
    from mou_tracker.services import search

    with app.app_context():
        if db.session.get_bind().dialect.name != "postgresql":
            pytest.skip("needs a database server: a PostgreSQL setting")
        db.session.connection(execution_options={"isolation_level": isolation})
        with search._index_only(db.session):
            assert db.session.scalar(db.text("SHOW enable_seqscan")) == "off"
        assert db.session.scalar(db.text("SHOW enable_seqscan")) == "on"
        # A statement that fails inside: the setting is undone all the same (by the RESET in autocommit, by the
        # rollback in a transaction), never left on the pooled connection for the next request.
        with pytest.raises(Exception, match="division by zero"), search._index_only(db.session):
            db.session.execute(db.text("SELECT 1 / 0"))
        db.session.rollback()
        db.session.connection(execution_options={"isolation_level": isolation})
        assert db.session.scalar(db.text("SHOW enable_seqscan")) == "on"
        db.session.rollback()
