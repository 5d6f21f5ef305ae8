"""A write rebuilds only the kept parts whose readers' view it changes (issue #22).

Each kept status page says which of its reader's party's private business its part shows (`reports.Private`): a
party's internal draft, saved every few seconds, must not rebuild the pages that show none of it, nor the pages of
another negotiation; but a page that shows the party's drafts, internal notes, posts or documents must never be
served without the newest of them. Each page is checked both ways: whether the write rebuilt its part (counted at
the store), and whether what it served afterwards is what a fresh build shows.
"""

from __future__ import annotations

import difflib
import re

import pytest

from mou_tracker.core.clause_kinds import ClauseKind
from mou_tracker.extensions import db
from mou_tracker.models import Clause, ClauseText, ClauseVersion, Instrument, User
from mou_tracker.services import negotiations
from mou_tracker.web import page_cache
from tests.conftest import DEMO_HOME, wid_of
from tests.services.test_agreement import tabled
from tests.services.test_amendments import act, amendment_id, as_user, propose
from tests.services.test_attachments import PDF, attach

CONSULT = "The Participants will consult"
DRAFTED = "The Participants will consult every year."  # shown as a redline of the clause
NOTE = "Our line: hold firm on the annual consultation."
POST = "Internal: we accept the settlement clause as it stands."
DOCUMENT = "cica-talking-points.pdf"

#: Every kept page of the negotiation (a name for the test, its address).
PAGES = {
    "draft": "",
    "dashboard": "dashboard",
    "pack": "meetings/SWG/pack",
    "pack article": "meetings/SWG/pack?article=2",
    "history": "history",
    "history article": "history?article={consult}",
    "who wrote": "who-wrote-this",
    "rolling text": "rolling-text",
}
#: The pages whose part shows nothing of a party's drafts: a CICA draft rebuilds none of them.
DRAFT_BLIND = ("draft", "dashboard", "pack", "pack article", "who wrote", "rolling text")
#: The pages whose part is kept per role (the others show every role the same: one part per visibility).
KEPT_PER_ROLE = ("history", "history article")

TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')
AS_OF = re.compile(r"As of [^<]+<")
#: Times of day: a part says when it was built (the rolling text; a meeting pack whose draft is not frozen yet), and
#: a fresh build may be a minute later. (What a stale part would miss is more than a time.)
BUILT_AT = re.compile(r"\d\d:\d\d UTC")
FLASH = re.compile(r'<div class="flash flash-success" role="status">[^<]*</div>')
SPACE = re.compile(r"\s+")


def _address(app, page: str) -> str:
    return DEMO_HOME + PAGES[page].format(consult=wid_of(app, CONSULT))


def _shown(response) -> str:
    """The page as its reader sees it, without its form token (signed with the time, so it differs per view), the
    times its part was built (a fresh build is later: the minute may differ) and the message left by the reader's
    last action."""
    assert response.status_code == 200, response.status_code
    page = TOKEN.sub(r'\1…"', response.get_data(as_text=True))
    return SPACE.sub(" ", FLASH.sub("", BUILT_AT.sub("…:… UTC", AS_OF.sub("As of …<", page))))


class Builds:
    """The parts built while it counts, by page name and visibility: what `page_cache.kept_part` puts in the store."""

    def __init__(self, app, monkeypatch):
        with app.app_context():
            store = page_cache.store()
        self.keys: list[str] = []
        put = store.put

        def counted(key, kind, part):
            self.keys.append(key)
            return put(key, kind, part)

        monkeypatch.setattr(store, "put", counted)

    def of(self, prefix: str, visibility: str) -> int:
        return sum(1 for key in self.keys if key.startswith(prefix + "|") and f"|{visibility}|" in key)

    def clear(self) -> None:
        self.keys.clear()


def _kept_names(app) -> dict[str, str]:
    """The name each page's part is kept under (the page of `page_cache.kept_part`), for `Builds.of`."""
    with app.app_context():
        instrument = db.session.scalar(db.select(Instrument).filter_by(slug="cica-unoct-mou"))
        return {
            "draft": "draft:en",
            "dashboard": "dashboard",
            "pack": f"pack:{instrument.id}:SWG",
            "pack article": f"pack:{instrument.id}:SWG:2",
            "history": f"history:{instrument.slug}:en:",
            "history article": f"history:{instrument.slug}:en:{wid_of(app, CONSULT)}",
            "who wrote": f"history-who:{instrument.slug}:en",
            "rolling text": f"rolling:{instrument.id}:en",
        }


def _party_id(app, login: str) -> str:
    with app.app_context():
        return f"party-{db.session.scalar(db.select(User.party_id).filter_by(login=login))}"


def _views(app, browsers) -> dict[tuple[str, str], str]:
    return {
        (who, page): _shown(browser.get(_address(app, page))) for who, browser in browsers.items() for page in PAGES
    }


def _fresh(app, browsers) -> dict[tuple[str, str], str]:
    """The same views with nothing kept: every part built anew from the database as it now stands."""
    with app.app_context():
        page_cache.clear()
    return _views(app, browsers)


def _as_fresh(app, browsers, served: dict[tuple[str, str], str]) -> None:
    """Every view served is what a fresh build shows now: no kept part was older than the database."""
    fresh = _fresh(app, browsers)
    stale = {
        key: "\n".join(
            difflib.unified_diff(
                view.replace("> <", ">\n<").splitlines(), fresh[key].replace("> <", ">\n<").splitlines(), n=0
            )
        )[:3000]
        for key, view in served.items()
        if view != fresh[key]
    }
    assert not stale, stale


# What each page shows of a party's private business, and what rebuilds it -------------------------------------


def test_a_partys_draft_rebuilds_only_the_pages_that_show_its_drafts_and_tabling_rebuilds_everyones(
    app, demo, monkeypatch
):
    cica, unoct = as_user(app, demo, "cica.negotiator"), as_user(app, demo, "unoct.negotiator")
    cica_chair = as_user(app, demo, "cica.chair")
    browsers = {"cica": cica, "cica chair": cica_chair, "unoct": unoct}
    names, builds = _kept_names(app), Builds(app, monkeypatch)
    before = _views(app, browsers)
    cica_party, unoct_party = _party_id(app, "cica.negotiator"), _party_id(app, "unoct.negotiator")

    builds.clear()
    drafted = amendment_id(propose(cica, wid_of(app, CONSULT), DRAFTED))
    after = _views(app, browsers)
    # The pages that show no draft are served as they were kept, to CICA too: nothing rebuilt.
    for page in DRAFT_BLIND:
        assert builds.of(names[page], cica_party) == 0, page
        assert builds.of(names[page], unoct_party) == 0, page
    for page in DRAFT_BLIND:
        if page != "dashboard":
            assert after[("cica", page)] == before[("cica", page)], page
    # The dashboard counts CICA's draft at once, for every CICA reader, around its kept part; UNOCT's is unchanged.
    for who in ("cica", "cica chair"):
        assert re.search(r'<th scope="row">CICA</th><td>0</td><td>1</td>', after[(who, "dashboard")]), who
    assert after[("unoct", "dashboard")] == before[("unoct", "dashboard")]
    # The history shows CICA its own draft at once (rebuilt once per role: the negotiator's, the chair's), and UNOCT
    # nothing.
    assert builds.of(names["history article"], cica_party) == 2
    for who in ("cica", "cica chair"):
        assert "CICA draft 1 drafted" in after[(who, "history article")], who
    assert all("CICA draft 1" not in view for (who, _page), view in after.items() if who == "unoct")
    assert builds.of(names["history"], unoct_party) == builds.of(names["history article"], unoct_party) == 0
    _as_fresh(app, browsers, after)  # nothing served was older than the database

    # Tabling is everyone's business: every page of every party is built again, once per visibility (CICA's
    # negotiator and chair share one part) but for the pages kept per role.
    _views(app, browsers)  # kept again
    builds.clear()
    assert act(cica, drafted, "table").status_code == 302
    tabled_views = _views(app, browsers)
    for page in PAGES:
        for party, roles in ((cica_party, 2 if page in KEPT_PER_ROLE else 1), (unoct_party, 1)):
            assert builds.of(names[page], party) == roles, (page, party)
    assert re.search(r'<th scope="row">CICA</th><td>1</td>', tabled_views[("unoct", "dashboard")])
    assert "CICA-1" in tabled_views[("unoct", "history article")]
    assert tabled_views[("unoct", "pack")] != before[("unoct", "pack")]
    _as_fresh(app, browsers, tabled_views)


def _amendment_to_consult(app, people) -> int:
    return tabled(people, app, wid_of(app, CONSULT), "The Participants will consult at least once a year.")


def _internal_note(app, people, amendment: int) -> None:
    page = f"/amendments/{amendment}"
    response = people["cica.negotiator"].post(f"{page}/comments", {"body": NOTE, "internal": "y"}, token_from=page)
    assert response.status_code == 302


def _internal_post(app, people, _amendment: int) -> None:
    url = f"{DEMO_HOME}clauses/{wid_of(app, CONSULT)}"
    response = people["cica.negotiator"].post(f"{url}/posts", {"body": POST, "internal": "y"}, token_from=url)
    assert response.status_code == 302


def _internal_document(app, people, _amendment: int) -> None:
    back = f"{DEMO_HOME}meetings/SWG"
    assert (
        attach(people["cica.negotiator"], "meeting", "SWG", PDF, DOCUMENT, internal=True, back=back).status_code == 302
    )


#: A party's private business other than a draft: how it is written, and the page that must show it to the party
#: at once. Every page must then be what a fresh build shows, to either party.
PRIVATE_BUSINESS = {
    "internal note": (_internal_note, "history article"),
    "internal post": (_internal_post, "draft"),
    "internal document": (_internal_document, "pack"),
}


@pytest.mark.parametrize("business", PRIVATE_BUSINESS)
def test_a_page_that_shows_a_partys_private_business_shows_it_at_once_and_only_to_that_party(app, demo, business):
    write, page = PRIVATE_BUSINESS[business]
    people = {login: as_user(app, demo, login) for login in ("cica.negotiator", "unoct.negotiator")}
    browsers = {"cica": people["cica.negotiator"], "unoct": people["unoct.negotiator"]}
    amendment = _amendment_to_consult(app, people)  # tabled: a public change, before the pages are kept
    before = _views(app, browsers)
    write(app, people, amendment)
    after = _views(app, browsers)
    assert after[("cica", page)] != before[("cica", page)]
    assert after[("unoct", page)] == before[("unoct", page)]
    for (who, name), view in after.items():
        if who == "unoct":
            assert NOTE not in view and POST not in view and DOCUMENT not in view, name
    if business != "internal post":  # a post is counted on the draft, read on the clause's page
        assert (NOTE if business == "internal note" else DOCUMENT) in after[("cica", page)]
    _as_fresh(app, browsers, after)


# Another negotiation ----------------------------------------------------------------------------------------------


def _write_in_another_negotiation(app) -> None:
    """An administrator opens a second negotiation and its first clause is written (a row with no event, as a
    restored backup has): neither is anything a reader of the demo negotiation sees."""
    with app.app_context():
        admin = db.session.scalar(db.select(User).filter_by(login="cica.admin"))
        other = negotiations.create_negotiation(
            db.session,
            admin,
            title="A memorandum on something else",
            short_title="Other MoU",
            slug="other-mou",
            party_ids=[admin.party_id],
            new_parties=[negotiations.NewParty("OSCE", "OSCE Secretariat")],
            authoritative_language="en",
            other_languages=[],
            meetings=[],
        )
        clause = Clause(instrument_id=other.id, wid="other-art-1", position=0, kind=ClauseKind.article)
        clause.versions.append(
            ClauseVersion(seq=1, reason="Initial draft", texts=[ClauseText(language="en", body="Other words.")])
        )
        db.session.add(clause)
        db.session.commit()


def test_a_write_in_another_negotiation_leaves_this_ones_kept_parts(app, demo, monkeypatch):
    cica, unoct = as_user(app, demo, "cica.negotiator"), as_user(app, demo, "unoct.negotiator")
    browsers = {"cica": cica, "unoct": unoct}
    builds = Builds(app, monkeypatch)
    before = _views(app, browsers)
    builds.clear()
    _write_in_another_negotiation(app)
    assert _views(app, browsers) == before
    assert builds.keys == []
    # A write in this one still rebuilds them.
    tabled({"unoct.negotiator": unoct}, app, wid_of(app, CONSULT), DRAFTED)
    assert _views(app, browsers) != before and len(builds.keys) == len(PAGES) * len(browsers)
