"""English and Russian: the catalogue is complete and current, users choose their language, and a clause whose
language versions drifted apart is flagged until the other language catches up."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from mou_tracker import PROJECT_ROOT
from mou_tracker.core.languages import carried_revision, interface_language, outdated_translations
from mou_tracker.core.messages import N_, Message
from mou_tracker.core.status import ReviewDecision
from mou_tracker.extensions import db
from mou_tracker.models import Clause, User
from mou_tracker.services import agreement
from mou_tracker.services import amendments as amendment_service
from mou_tracker.services.amendments import TextInput
from tests.conftest import DEMO_HOME, Browser, wid_of

CATALOG = PROJECT_ROOT / "mou_tracker" / "translations" / "ru" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "NC_": ((1, "c"), 2),
    "_l": None,
    "lazy_gettext": None,
}


def _source_messages() -> set[str]:
    found = set()
    for method, pattern in (("python", "mou_tracker/**.py"), ("jinja2", "templates/**.html")):
        for _file, _line, message, _comments, _context in extract_from_dir(
            PROJECT_ROOT,
            method_map=[(pattern, method)],
            keywords=KEYWORDS,
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _russian_catalog():
    with CATALOG.open("rb") as fh:
        return read_po(fh, locale="ru")


def test_every_interface_string_has_a_russian_translation():
    catalog = _russian_catalog()
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id: m
        for m in catalog
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(_source_messages() - set(translated))
    assert missing == [], "translate these in messages.po (pybabel extract + update, see babel.cfg)"


def test_russian_translations_keep_every_placeholder_and_three_plural_forms():
    problems = []
    for message in _russian_catalog():
        if not message.id:
            continue
        problems += [(message.id, str(error)) for error in message.check(_russian_catalog())]
        if isinstance(message.id, tuple):
            assert len(message.string) == 3, message.id  # one, few, many
    assert problems == []


def test_compiled_catalogue_is_newer_than_its_source():
    compiled = CATALOG.with_suffix(".mo")
    assert compiled.exists() and compiled.stat().st_mtime >= CATALOG.stat().st_mtime, (
        "run: .venv/bin/pybabel compile -d mou_tracker/translations (the install step does it)"
    )


def test_messages_read_as_english_and_keep_their_template():
    step = Message(N_("%(party)s to respond"), party="CICA")
    assert step == "CICA to respond"
    assert step.template == "%(party)s to respond" and step.params == {"party": "CICA"}


def test_interface_language_falls_back_to_english():
    assert interface_language("ru") == "ru"
    assert interface_language("fr") == "en"
    assert interface_language(None) == "en"


def test_outdated_translations_compare_revisions():
    assert outdated_translations({"en": 3, "ru": 2}) == {"ru"}
    assert outdated_translations({"en": 2, "ru": 3}) == {"en"}
    assert outdated_translations({"en": 3, "ru": 3}) == set()
    assert outdated_translations({"en": 3}) == set()
    assert outdated_translations({"en": 3, "ru": None}) == set()  # no record: no false alarm


def test_carried_revision_keeps_the_number_of_unchanged_words():
    assert carried_revision("same", None, 1, "same", None, 2) == 1
    assert carried_revision("old", None, 1, "new", None, 2) == 2
    assert carried_revision("same", "Heading", 1, "same", "New heading", 2) == 2
    assert carried_revision(None, None, None, "new language", None, 3) == 3


def test_a_user_switches_to_russian_and_keeps_it(browser):
    browser.sign_in("cica.negotiator")
    page = browser.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and ">My work<" in page
    response = browser.post("/language", {"language": "ru", "next": "/meetings/"}, token_from="/")
    assert response.status_code == 302 and response.headers["Location"] == "/meetings/"
    page = browser.get("/meetings/").get_data(as_text=True)
    assert '<html lang="ru">' in page and ">Мои задачи<" in page and "<h1>Заседания</h1>" in page
    # The choice is the account's: a new session in another browser opens in Russian.
    other = Browser(browser.client.application.test_client(), browser.passwords)
    other.sign_in("cica.negotiator")
    assert '<html lang="ru">' in other.get("/").get_data(as_text=True)


def test_the_choice_made_before_signing_in_is_kept(app, demo):
    visitor = Browser(app.test_client(), demo)
    visitor.post("/language", {"language": "ru", "next": "/login"}, token_from="/login")
    assert "<h1>Войти</h1>" in visitor.get("/login").get_data(as_text=True)
    visitor.sign_in("unoct.legal")
    with app.app_context():
        assert db.session.scalar(db.select(User.language).where(User.login == "unoct.legal")) == "ru"


def test_an_unknown_language_changes_nothing(browser, app):
    browser.sign_in("cica.negotiator")
    response = browser.post("/language", {"language": "xx", "next": "https://evil.example/"}, token_from="/")
    assert response.status_code == 302 and response.headers["Location"] == DEMO_HOME  # never off-site
    with app.app_context():
        assert db.session.scalar(db.select(User.language).where(User.login == "cica.negotiator")) == "en"
    assert "That language is not available." in browser.get("/").get_data(as_text=True)


def test_russian_pages_show_russian_text_dates_and_states(browser, app):
    browser.sign_in("cica.chair")
    browser.post("/language", {"language": "ru", "next": "/"}, token_from="/")
    draft = browser.get("/").get_data(as_text=True)
    assert 'lang="ru"' in draft and "Статья 1" in draft
    assert "Укреплять в рамках своих соответствующих мандатов" in draft  # clause texts in Russian by default
    meetings = browser.get("/meetings/").get_data(as_text=True)
    assert "12 марта 2024" in meetings and "Запланировано" in meetings


def _adopt_english_only_change(app, demo, wid: str) -> None:
    with app.app_context():
        session = db.session
        unoct = session.scalar(db.select(User).where(User.login == "unoct.negotiator"))
        cica = session.scalar(db.select(User).where(User.login == "cica.negotiator"))
        legal = session.scalar(db.select(User).where(User.login == "cica.legal"))
        clause = session.scalar(db.select(Clause).where(Clause.wid == wid))
        current = clause.versions[-1]
        amendment = amendment_service.propose_change(
            session,
            unoct,
            wid,
            texts={"en": TextInput(None, current.text("en").body.replace("balanced", "gender-responsive"))},
            rationale="English first; the Russian follows.",
        )
        amendment_service.table(session, unoct, amendment.id, expected_revision=1)
        agreement.concur(session, cica, amendment.id, expected_revision=1)
        agreement.review(session, legal, amendment.id, decision=ReviewDecision.cleared, comment="", expected_revision=1)
        session.commit()


def test_an_english_only_change_flags_the_russian_until_it_is_revised(app, demo, browser):
    wid = wid_of(app, "Promoting the comprehensive and balanced implementation of the UNGCTS")
    browser.sign_in("cica.chair")
    assert "translation out of date" not in browser.get(f"/clauses/{wid}").get_data(as_text=True)
    _adopt_english_only_change(app, demo, wid)
    clause_page = browser.get(f"/clauses/{wid}").get_data(as_text=True)
    assert "RU translation out of date" in clause_page
    both = browser.get(f"/clauses/{wid}?lang=both").get_data(as_text=True)
    assert "Русский text unchanged since version 1" in both
    draft = browser.get("/").get_data(as_text=True)
    assert "1 clause with a translation out of date" in draft
    assert draft.count("RU translation out of date") == 1


def test_refusals_are_explained_in_russian(app, browser):
    wid = wid_of(app, "Promoting the comprehensive and balanced implementation of the UNGCTS")
    with app.app_context():
        clause = db.session.scalar(db.select(Clause).where(Clause.wid == wid))
        body = clause.versions[-1].text("en").body
    browser.sign_in("unoct.negotiator")
    browser.post("/language", {"language": "ru", "next": "/"}, token_from="/")
    same = browser.post(f"/clauses/{wid}/amend", {"body_en": body, "rationale": "Без изменений."})
    assert same.status_code == 400
    assert "Предлагаемый текст совпадает с действующим; изменять нечего." in same.get_data(as_text=True)
    long = browser.post(f"/clauses/{wid}/amend", {"body_en": "x", "rationale": "я" * 2001})
    assert "Поле «Обоснование» содержит 2,001 символов; допустимо не более 2,000." in long.get_data(as_text=True)
    refused = browser.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG/")
    assert refused.status_code == 403
    assert "Вести заседания может только председатель." in refused.get_data(as_text=True)
