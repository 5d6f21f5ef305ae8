"""Reading the draft: every clause in order, numbered, in English or Russian, with its history."""

from __future__ import annotations

import datetime as dt
import re

from mou_tracker import demo_text
from mou_tracker.extensions import db
from mou_tracker.models import Clause, ClauseText, ClauseVersion, User


def _wid_of(app, body_start: str) -> str:
    with app.app_context():
        return db.session.scalar(
            db.select(Clause.wid)
            .join(ClauseVersion)
            .join(ClauseText)
            .where(ClauseText.language == "en", ClauseText.body.startswith(body_start))
        )


def test_draft_shows_every_clause_in_order_with_numbers_and_headings(browser):
    browser.sign_in("cica.negotiator")
    page = browser.get("/").get_data(as_text=True)
    assert "Memorandum of Understanding between the Secretariat" in page
    labels = re.findall(r'<span class="clause-label">([^<]*)</span>', page)
    assert labels[:5] == ["PP1", "PP2", "PP3", "PP4", "PP5"]
    assert [lab for lab in labels if lab.startswith("Article")] == [f"Article {n}" for n in range(1, 10)]
    assert labels[labels.index("Article 2") + 1 : labels.index("Article 3")] == ["1.", "2.", "3.", "4.", "5."]
    assert labels[labels.index("Article 1") + 1 : labels.index("Article 2")] == ["(a)", "(b)", "(c)", "(d)"]
    for heading in ("Objectives of cooperation", "Areas of cooperation", "Settlement of differences", "Amendment"):
        assert heading in page
    # Every demo clause is on the page.
    assert page.count('class="clause kind-') == _count(demo_text.DRAFT)


def _count(specs) -> int:
    return sum(1 + _count(spec["children"]) for spec in specs)


def test_russian_view_shows_russian_text_and_marks_what_has_none(browser):
    browser.sign_in("unoct.negotiator")
    page = browser.get("/?lang=ru").get_data(as_text=True)
    assert "Меморандум о взаимопонимании между Секретариатом" in page
    assert "Цели сотрудничества" in page
    assert "в рассмотрении возможных связей между терроризмом" in page
    # The final clauses have no Russian yet: shown in English, flagged.
    assert "No RU text yet" in page
    assert "Any difference arising from the interpretation" in page


def test_side_by_side_shows_both_languages(browser):
    browser.sign_in("unoct.negotiator")
    page = browser.get("/?lang=both").get_data(as_text=True)
    assert "Areas of cooperation" in page and "Направления сотрудничества" in page


def test_unknown_language_falls_back_to_english(browser):
    browser.sign_in("unoct.negotiator")
    page = browser.get("/?lang=xx<script>").get_data(as_text=True)
    assert "Objectives of cooperation" in page
    assert "<script>" not in page


def test_clause_page_shows_the_full_history(app, browser):
    wid = _wid_of(app, "Any difference arising")
    with app.app_context():
        clause = db.session.scalar(db.select(Clause).filter_by(wid=wid))
        chair = db.session.scalar(db.select(User).filter_by(login="unoct.negotiator"))
        version = ClauseVersion(
            clause=clause,
            seq=2,
            reason="Agreed at the first round <b>informal</b>",
            created_by=chair,
            created_at=dt.datetime(2024, 3, 10, 12, 0, tzinfo=dt.UTC),
        )
        version.texts.append(
            ClauseText(
                language="en", heading="Settlement of disputes", body="Any dispute <i>will</i> be settled amicably."
            )
        )
        db.session.add(version)
        db.session.commit()
    browser.sign_in("cica.chair")
    page = browser.get(f"/clauses/{wid}").get_data(as_text=True)
    assert "Article 7" in page
    assert "Version 2" in page and "Version 1" in page
    assert page.index("Version 2") < page.index("Version 1")  # newest first
    assert "Daniel Moreau" in page and "Aigerim Sadykova" in page
    assert "10 March 2024" in page and "06 March 2024" in page
    assert "NCT/CT/274" in page
    # User text is escaped, never interpreted.
    assert "&lt;b&gt;informal&lt;/b&gt;" in page and "<b>informal" not in page
    assert "&lt;i&gt;will&lt;/i&gt;" in page


def test_deleted_clause_leaves_the_draft_and_the_rest_renumber(app, browser):
    wid = _wid_of(app, "Nothing in or relating to this Memorandum")
    with app.app_context():
        clause = db.session.scalar(db.select(Clause).filter_by(wid=wid))
        db.session.add(ClauseVersion(clause=clause, seq=2, is_deleted=True, reason="Deleted by agreement"))
        db.session.commit()
    browser.sign_in("cica.chair")
    page = browser.get("/").get_data(as_text=True)
    assert "Privileges and immunities" not in page
    assert "Article 9" not in page and "Article 8" in page
    history = browser.get(f"/clauses/{wid}").get_data(as_text=True)
    assert "Deleted" in history and "Privileges and immunities" in history


def test_unknown_clause_is_a_404_page(browser):
    browser.sign_in("cica.chair")
    response = browser.get("/clauses/c-doesnotexist")
    assert response.status_code == 404
    assert "There is no clause with that identifier." in response.get_data(as_text=True)


def test_print_view_has_the_whole_draft_without_navigation(browser):
    browser.sign_in("cica.chair")
    page = browser.get("/print?lang=ru").get_data(as_text=True)
    assert "print.css" in page
    assert "Sign out" not in page
    assert "Направления сотрудничества" in page
    assert "printed" in page and "Nurlan Bekov" in page


def test_draft_before_any_instrument_says_how_to_load_one(app, anonymous):
    from mou_tracker.core.roles import Role
    from mou_tracker.services.users import create_user

    with app.app_context():
        create_user(
            db.session,
            None,
            login="solo",
            display_name="Solo",
            role=Role.chair,
            party_id=None,
            password="long-enough-passphrase",
            system=True,
        )
        db.session.commit()
    anonymous.sign_in("solo", "long-enough-passphrase")
    response = anonymous.get("/")
    assert response.status_code == 404
    assert "seed-demo" in response.get_data(as_text=True)
