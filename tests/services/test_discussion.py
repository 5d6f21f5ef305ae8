"""The discussion of a clause: shared and internal posts, mentions (and who is told), refusals that change nothing,
and internal posts that never reach the other party: not on the page, the API, the search, the notifications,
the e-mail or the audit trail."""

from __future__ import annotations

import pytest

from mou_tracker.core import discussion as rules
from mou_tracker.core.notifications import EventFacts, Person, recipients
from mou_tracker.core.roles import Role
from mou_tracker.extensions import db
from mou_tracker.models import AuditEvent, ClausePost, Notification, OutboxMessage, User
from tests.api.test_api import Client, create_token
from tests.conftest import DEMO_HOME, wid_of
from tests.services.test_amendments import SETTLEMENT, as_user
from tests.services.test_search import found, results

# Pure rules --------------------------------------------------------------------------------------------------------


def test_mentions_are_read_from_the_text_once_each_and_an_email_address_is_not_one():
    body = "@cica.legal please check, as @unoct.negotiator asked. Mail a.b@example.org; again @CICA.legal."
    assert rules.mentioned_logins(body) == ["cica.legal", "unoct.negotiator"]
    assert rules.mentioned_logins("No one here: name@cica.example.") == []


PEOPLE = [rules.Person(1, "cica.negotiator", 1), rules.Person(2, "cica.legal", 1), rules.Person(3, "unoct.legal", 2)]


def test_an_internal_post_may_name_only_the_writers_party():
    named = rules.check_mentions(["cica.legal", "unoct.legal"], PEOPLE, writer_party_id=1, internal=False)
    assert [p.login for p in named] == ["cica.legal", "unoct.legal"]
    assert rules.check_mentions(["cica.legal"], PEOPLE, writer_party_id=1, internal=True)[0].id == 2
    with pytest.raises(rules.MentionRefused, match="internal stays"):
        rules.check_mentions(["unoct.legal"], PEOPLE, writer_party_id=1, internal=True)
    with pytest.raises(rules.MentionRefused, match="Nobody signing in as"):
        rules.check_mentions(["nobody"], PEOPLE, writer_party_id=1, internal=False)
    # A writer of no party has nobody to keep an internal post with.
    with pytest.raises(rules.MentionRefused):
        rules.check_mentions(["cica.legal"], PEOPLE, writer_party_id=None, internal=True)


def test_the_mentioned_are_told_whatever_their_role_but_never_outside_a_private_event():
    people = [Person(1, Role.negotiator, 1), Person(2, Role.chair, 1), Person(3, Role.legal_reviewer, 2)]
    shared = EventFacts("mentioned", 1, None, None, mentioned_ids=frozenset({2, 3}))
    assert [p.id for p in recipients(shared, people)] == [2, 3]
    private = EventFacts("mentioned", 1, None, 1, mentioned_ids=frozenset({2, 3}))
    assert [p.id for p in recipients(private, people)] == [2]
    own = EventFacts("mentioned", 1, None, None, mentioned_ids=frozenset({1}))
    assert recipients(own, people) == []


# Through the pages -------------------------------------------------------------------------------------------------


def clause_url(app) -> str:
    return f"{DEMO_HOME}clauses/{wid_of(app, SETTLEMENT)}"


def write(browser, url: str, body: str, *, internal: bool = False):
    data = {"body": body, **({"internal": "y"} if internal else {})}
    return browser.post(f"{url}/posts", data, token_from=url)


def told(app, login: str) -> list[Notification]:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.login == login))
        return list(
            db.session.scalars(
                db.select(Notification).where(Notification.user_id == user.id, Notification.kind == "mentioned")
            )
        )


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_shared_post_is_read_by_both_parties_and_the_mentioned_are_told(app, demo):
    cica, unoct = as_user(app, demo, "cica.negotiator"), as_user(app, demo, "unoct.negotiator")
    url = clause_url(app)
    response = write(cica, url, "Could @unoct.negotiator and @unoct.legal say whether 'difference' covers disputes?")
    assert response.status_code == 302 and "#post-" in response.headers["Location"]
    page = unoct.get(url).get_data(as_text=True)
    assert "whether &#39;difference&#39; covers disputes" in page and "Discussion (1)" in page
    notes = told(app, "unoct.negotiator")
    with app.app_context():
        post_id = db.session.scalar(db.select(ClausePost.id))
    assert len(notes) == 1 and notes[0].target.endswith(f"#post-{post_id}")
    assert notes[0].params["author"] == "Aigerim Sadykova" and notes[0].target.startswith("n/cica-unoct-mou/clauses/")
    assert len(told(app, "unoct.legal")) == 1
    assert told(app, "cica.negotiator") == []  # not the writer
    assert told(app, "cica.legal") == []  # not named
    bell = unoct.get("/notifications/").get_data(as_text=True)
    assert "Aigerim Sadykova mentioned you in the discussion of" in bell


def test_an_internal_post_stays_inside_the_party_on_every_path(app, demo):
    cica, unoct = as_user(app, demo, "cica.negotiator"), as_user(app, demo, "unoct.negotiator")
    url = clause_url(app)
    secret = "Fallback position: concede arbitration if @cica.legal agrees"
    assert write(cica, url, secret, internal=True).status_code == 302
    assert secret in cica.get(url).get_data(as_text=True)
    theirs = unoct.get(url).get_data(as_text=True)
    assert "Fallback position" not in theirs and "Discussion (0)" in theirs
    # Told: the colleague named; the other party not even of the post's existence.
    assert len(told(app, "cica.legal")) == 1
    with app.app_context():
        other = db.session.scalars(db.select(Notification).join(User).where(User.party_id != 1)).all()
        assert [n for n in other if n.kind == "mentioned"] == []
        assert all("arbitration" not in m.body for m in db.session.scalars(db.select(OutboxMessage)))
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.kind == "clause.discussed"))
        assert event.private_to_party_id == 1 and "arbitration" not in event.summary
    # Search: found by its party, not by the other.
    assert found(results(cica, "arbitration")) == 1
    assert "Fallback position" not in results(unoct, "arbitration")
    # The audit trail of the other party does not show it.
    assert "Internal post" not in unoct.get(f"{DEMO_HOME}audit").get_data(as_text=True)


def test_naming_the_other_party_in_an_internal_post_is_refused_and_nothing_is_written(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    url = clause_url(app)
    events = count(app, AuditEvent)
    response = write(cica, url, "Ask @unoct.legal privately what they think.", internal=True)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "@unoct.legal is not of your party and cannot read an internal post" in page
    assert "Ask @unoct.legal privately what they think." in page  # the text is kept for the writer to correct
    assert count(app, ClausePost) == 0 and count(app, AuditEvent) == events
    assert told(app, "unoct.legal") == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Ask @no.such.person about it", "Nobody signing in as @no.such.person works on this negotiation"),
        ("", "Write the post first."),
        ("x" * 2001, "at most"),
    ],
)
def test_bad_posts_are_refused_with_a_message(app, demo, body, message):
    cica = as_user(app, demo, "cica.negotiator")
    response = write(cica, clause_url(app), body)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(app, ClausePost) == 0


def test_a_post_on_an_unknown_clause_is_not_found_and_administrators_do_not_post(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    assert cica.post(f"{DEMO_HOME}clauses/no-such-clause/posts", {"body": "Hello"}, token_from="/").status_code == 404
    admin = as_user(app, demo, "cica.admin")
    page = admin.get(clause_url(app)).get_data(as_text=True)
    assert "Discussion (0)" in page and 'name="body"' not in page
    assert write(admin, clause_url(app), "Hello").status_code == 403


def test_markup_in_a_post_is_shown_as_text(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    write(cica, clause_url(app), "<script>alert(1)</script> & more")
    page = cica.get(clause_url(app)).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


# Through the API ---------------------------------------------------------------------------------------------------


def test_the_api_lists_and_writes_posts_with_the_same_rules(app, demo):
    cica = Client(app.test_client(), create_token(as_user(app, demo, "cica.negotiator")))
    unoct = Client(app.test_client(), create_token(as_user(app, demo, "unoct.negotiator")))
    wid = wid_of(app, SETTLEMENT)
    shared = cica.call("add_post", json={"body": "Shared view, @unoct.negotiator."}, wid=wid)
    assert shared.status_code == 201, shared.get_json()
    assert shared.get_json()["mentioned"] == ["unoct.negotiator"]
    assert cica.call("add_post", json={"body": "Our fallback.", "internal": True}, wid=wid).status_code == 201
    refused = cica.call("add_post", json={"body": "Tell @unoct.legal.", "internal": True}, wid=wid)
    assert refused.status_code == 422 and "internal stays internal" in refused.get_json()["detail"]
    theirs = unoct.call("list_posts", wid=wid).get_json()
    assert [p["body"] for p in theirs["items"]] == ["Shared view, @unoct.negotiator."] and theirs["total"] == 1
    ours = cica.call("list_posts", wid=wid).get_json()
    assert [p["internal"] for p in ours["items"]] == [False, True]
    assert unoct.call("list_posts", wid="no-such-clause").status_code == 404
    assert len(told(app, "unoct.negotiator")) == 1


def test_the_draft_page_counts_the_posts_each_reader_may_read(app, demo):
    cica, unoct = as_user(app, demo, "cica.negotiator"), as_user(app, demo, "unoct.negotiator")
    assert "post-count" not in unoct.get(DEMO_HOME).get_data(as_text=True)
    url = clause_url(app)
    write(cica, url, "Shared remark.")
    write(cica, url, "Our own remark.", internal=True)
    assert "2 posts" in cica.get(DEMO_HOME).get_data(as_text=True)
    theirs = unoct.get(DEMO_HOME).get_data(as_text=True)
    assert "1 post<" in theirs and "2 posts" not in theirs
    nav = unoct.get(DEMO_HOME).get_data(as_text=True)
    assert 'href="/n/cica-unoct-mou/attachments"' in nav
