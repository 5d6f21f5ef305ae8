"""Long lists (amendments, a reviewer's queue, a chair's pending reviews) are shown a page at a time, in order,
with the size of the whole list, and links that keep the reader's filters."""

from __future__ import annotations

import html
import re

from mou_tracker.core.roles import Role
from mou_tracker.extensions import db
from mou_tracker.models import User
from mou_tracker.services import audit_trail, my_work, reports
from mou_tracker.web import amendments as amendment_pages
from tests.conftest import assign_to_demo, wid_of
from tests.services.test_agreement import tabled
from tests.services.test_amendments import AMENDMENT_CLAUSE, SETTLEMENT, as_user

CLAUSES = (AMENDMENT_CLAUSE, SETTLEMENT, "Either Participant may terminate")


def _three_tabled(app, demo, who="unoct.negotiator") -> list[int]:
    people = {who: as_user(app, demo, who)}
    return [
        tabled(people, app, wid_of(app, start), f"{start} — wording {n}.", who=who) for n, start in enumerate(CLAUSES)
    ]


def _links(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'<a rel="(?:prev|next)" href="([^"]+)"', page)]


def test_the_amendments_list_pages_newest_first_and_keeps_its_filters(app, demo, monkeypatch):
    monkeypatch.setattr(amendment_pages, "AMENDMENTS_PER_PAGE", 2)
    oldest, middle, newest = _three_tabled(app, demo)
    reader = as_user(app, demo, "cica.negotiator")

    first = reader.get("/amendments?state=tabled&party=UNOCT").get_data(as_text=True)
    assert first.index(f"/amendments/{newest}") < first.index(f"/amendments/{middle}")
    assert f'/amendments/{oldest}"' not in first
    assert "1–2 of 3, newest first." in first and "Page 1 of 2" in first
    (following,) = _links(first)
    assert "state=tabled" in following and "party=UNOCT" in following and "page=2" in following

    second = reader.get(following).get_data(as_text=True)
    assert f"/amendments/{oldest}" in second and f'/amendments/{newest}"' not in second
    assert "3–3 of 3" in second and _links(second) == [following.replace("page=2", "page=1")]


def test_a_page_past_the_end_or_a_garbled_page_number_still_helps_the_reader(app, demo, monkeypatch):
    monkeypatch.setattr(amendment_pages, "AMENDMENTS_PER_PAGE", 2)
    _, _, newest = _three_tabled(app, demo)
    reader = as_user(app, demo, "cica.negotiator")
    stale = reader.get("/amendments?state=tabled&page=40")
    assert stale.status_code == 200
    assert "No amendments match." in stale.get_data(as_text=True)
    assert any("page=2" in link for link in _links(stale.get_data(as_text=True)))
    garbled = reader.get("/amendments?state=tabled&page=%27%3Bdrop")
    assert garbled.status_code == 200 and f"/amendments/{newest}" in garbled.get_data(as_text=True)


def test_a_reviewers_queue_pages_oldest_first_and_counts_the_whole_queue(app, demo, monkeypatch):
    monkeypatch.setattr(my_work, "REVIEWS_PER_PAGE", 2)
    reviewer = as_user(app, demo, "cica.legal")
    waiting = int(
        re.search(r"Awaiting your legal review \((\d+)\)", reviewer.get("/my-work").get_data(as_text=True))[1]
    )
    _three_tabled(app, demo)

    pages, seen = [], []
    url = "/my-work"
    while url:
        page = reviewer.get(url).get_data(as_text=True)
        pages.append(page)
        seen += [int(n) for n in re.findall(r'<li><a href="[^"]*/amendments/(\d+)">', page)]
        url = next((link for link in _links(page) if link.endswith(f"page={len(pages) + 1}")), None)
    assert f"Awaiting your legal review ({waiting + 3})" in pages[0]
    assert len(pages) == -(-(waiting + 3) // 2) and len(seen) == len(set(seen)) == waiting + 3
    assert "Showing 1–2." in pages[0]


def test_nobody_finds_in_their_review_queue_an_amendment_they_wrote(app, demo):
    (mine,) = _three_tabled(app, demo, who="cica.negotiator")[:1]
    theirs = _three_tabled(app, demo)[0]
    # The negotiator who wrote one becomes a legal reviewer of the same party.
    with app.app_context():
        author = db.session.scalar(db.select(User).filter_by(login="cica.negotiator"))
        author.role = Role.legal_reviewer
        assign_to_demo("cica.negotiator")
        db.session.commit()
    queue = as_user(app, demo, "cica.negotiator").get("/my-work").get_data(as_text=True)
    assert f'/amendments/{mine}"' not in queue and f'/amendments/{theirs}"' in queue
    assert f'/amendments/{mine}"' in as_user(app, demo, "unoct.legal").get("/my-work").get_data(as_text=True)


def test_the_dashboard_lists_the_longest_waiting_reviews_and_counts_them_all(app, demo, monkeypatch):
    monkeypatch.setattr(reports, "LONGEST_WAITING", 2)
    chair = as_user(app, demo, "cica.chair")
    before = int(re.search(r"Pending legal reviews \((\d+)\)", chair.get("/dashboard").get_data(as_text=True))[1])
    oldest, middle, newest = _three_tabled(app, demo)
    page = chair.get("/dashboard").get_data(as_text=True)
    section = page[page.index("Pending legal reviews") : page.index('id="since-heading"')]
    assert f"Pending legal reviews ({before + 3})" in section and "The 2 waiting longest." in section
    assert len(re.findall(r'href="[^"]*/amendments/\d+"', section)) == 2
    assert before == 0  # the demo has no pending review, so the two listed are the first two tabled here
    assert f'/amendments/{oldest}"' in section and f'/amendments/{middle}"' in section
    assert f'/amendments/{newest}"' not in section


def test_the_audit_trail_pages_every_event_newest_first_and_keeps_its_filters(app, demo, monkeypatch):
    """It used to show the first 200 events and no more; every event is now one page away, the CSV holds all."""
    monkeypatch.setattr(audit_trail, "PAGE_SIZE", 2)
    _three_tabled(app, demo)
    reader = as_user(app, demo, "cica.negotiator")

    first = reader.get("/audit?kind=amendment.tabled").get_data(as_text=True)
    assert "1–2 of 3, newest first." in first
    assert first.index(f"UNOCT-{3}") < first.index(f"UNOCT-{2}") and "UNOCT-1 " not in first
    (following,) = _links(first)
    assert "kind=amendment.tabled" in following and "page=2" in following
    second = reader.get(following).get_data(as_text=True)
    assert "3–3 of 3" in second and "UNOCT-1" in second and "UNOCT-3" not in second

    every = reader.get("/audit.csv?kind=amendment.tabled").get_data(as_text=True)
    assert all(f"UNOCT-{n}" in every for n in (1, 2, 3))
