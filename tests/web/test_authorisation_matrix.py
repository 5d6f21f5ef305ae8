"""Every route x every role and anonymous x own party and other party, each with its expected result.

The rules below are the specification. The test reads the app's URL map: a route that has no rule here fails,
so nothing can be added without saying who may use it.

A refused request must change nothing: all refusals are checked first against one database, which must be
untouched afterwards. Each allowed state-changing request then runs on a freshly restored copy of it.
"""

from __future__ import annotations

import io

import pytest

from mou_tracker import demo_text
from mou_tracker.extensions import db, limiter
from mou_tracker.models import Amendment, AuditEvent, Delegation, Milestone, User
from mou_tracker.services import backup
from tests.conftest import Browser, _wipe, wid_of
from tests.services.test_agreement import tabled
from tests.services.test_amendments import SETTLEMENT, act, amendment_id, propose

ROLES = ("negotiator", "legal_reviewer", "chair", "administrator")
PARTIES = ("CICA", "UNOCT")
VIEWERS = ["anonymous"] + [f"{role}@{party}" for role in ROLES for party in PARTIES]
LOGIN = {f"{role}@{party}": login for login, _, role, party in demo_text.USERS}

# Expected outcomes
OK, FORBIDDEN, HIDDEN, SIGN_IN = "ok", "403", "404", "sign in"


def _role(viewer):
    return viewer.split("@")[0]


def _party(viewer):
    return viewer.split("@")[1]


def everyone(viewer, target):
    return OK


def role_only(*roles, result=OK):
    """Those roles pass the permission check (and get `result`); everybody else is refused."""
    return lambda viewer, target: result if _role(viewer) in roles else FORBIDDEN


#: The UNOCT amendments of the scene. The first two were never tabled: UNOCT's own business, whatever their state.
DRAFT, WITHDRAWN_DRAFT, TABLED = "draft", "withdrawn draft", "tabled"
NEVER_TABLED = (DRAFT, WITHDRAWN_DRAFT)


def amendment_rule(
    *,
    own_negotiator=FORBIDDEN,
    other_negotiator=FORBIDDEN,
    reviewer=FORBIDDEN,
    others=FORBIDDEN,
    withdrawn_own_negotiator=None,
    own_untabled=None,
):
    """For the UNOCT amendments of the scene: a draft, a draft withdrawn without being tabled, a tabled one.
    `withdrawn_own_negotiator` is what UNOCT's negotiator gets on the withdrawn draft, when it differs;
    `own_untabled` what anyone of UNOCT gets on a never-tabled one, when it differs (an answer its state refuses)."""

    def rule(viewer, target):
        own = _party(viewer) == "UNOCT"
        if target in NEVER_TABLED and not own:
            return HIDDEN  # the other party must not learn that the draft exists, nor read it once withdrawn
        if target in NEVER_TABLED and own_untabled is not None:
            return own_untabled
        role = _role(viewer)
        if target == WITHDRAWN_DRAFT and role == "negotiator" and withdrawn_own_negotiator is not None:
            return withdrawn_own_negotiator
        if role == "negotiator":
            return own_negotiator if own else other_negotiator
        if role == "legal_reviewer":
            return reviewer
        return others

    return rule


def own_party_administrator(viewer, target):
    """The account of the scene (and the one it creates) is UNOCT's: UNOCT's administrator manages it, CICA's not."""
    return OK if viewer == "administrator@UNOCT" else FORBIDDEN


#: endpoint -> (targets, rule). Targets: None for routes about no amendment, else ("draft", "tabled").
GET_RULES = {
    "auth.login": (None, lambda viewer, target: OK if viewer == "anonymous" else "redirect"),
    "draft.index": (None, everyone),
    "draft.print_view": (None, everyone),
    "draft.clause": (None, everyone),
    # Who wrote each word, and the negotiating history: every reader, each seeing only what is theirs to see
    # (tests/web/test_history.py checks that a party's untabled wording and internal notes stay inside the party).
    "history.who_wrote": (None, everyone),
    "history.draft_who_wrote": (None, everyone),
    "history.clause_history": (None, everyone),
    "history.clause_history_pdf": (None, everyone),
    "history.clause_history_docx": (None, everyone),
    "history.instrument_history": (None, everyone),
    "history.instrument_history_pdf": (None, everyone),
    "history.instrument_history_docx": (None, everyone),
    "amendments.index": (None, everyone),
    "amendments.show": (
        (DRAFT, WITHDRAWN_DRAFT, TABLED),
        amendment_rule(own_negotiator=OK, other_negotiator=OK, reviewer=OK, others=OK),
    ),
    # Comparing with another party's draft is as hidden as the draft itself.
    "amendments.compare": (
        (DRAFT, WITHDRAWN_DRAFT, TABLED),
        amendment_rule(own_negotiator=OK, other_negotiator=OK, reviewer=OK, others=OK),
    ),
    "amendments.whole_draft": (None, everyone),
    "amendments.propose_change": (None, role_only("negotiator")),
    "amendments.propose_deletion": (None, role_only("negotiator")),
    "amendments.propose_insertion": (None, role_only("negotiator")),
    "amendments.revise": (
        (DRAFT, WITHDRAWN_DRAFT, TABLED),
        # Revising a withdrawn amendment: the state refuses it (the same answer as the service gives a POST).
        amendment_rule(own_negotiator=OK, withdrawn_own_negotiator="409"),
    ),
    # Allowed, but nothing to rebase.
    "amendments.rebase": ((DRAFT, WITHDRAWN_DRAFT, TABLED), amendment_rule(own_negotiator="409")),
    "meetings.index": (None, everyone),
    "meetings.show": (None, everyone),
    "meetings.print_view": (None, everyone),
    "meetings.delegations": (None, everyone),
    "reports.dashboard": (None, everyone),
    "reports.dashboard_pdf": (None, everyone),
    "reports.meeting_pack": (None, everyone),
    "reports.meeting_pack_pdf": (None, everyone),
    "reports.clauses_csv": (None, everyone),
    "reports.amendments_csv": (None, everyone),
    "reports.comments_csv": (None, everyone),
    "reports.draft_docx": (None, everyone),
    "reports.redline_docx": (None, everyone),
    "reports.redline_pdf": (None, everyone),
    "work.audit": (None, everyone),
    "work.audit_csv": (None, everyone),
    "work.search_page": (None, everyone),
    "work.akoma_ntoso": (None, everyone),
    "work.my_work_page": (None, everyone),
    # The rolling text shows tabled proposals only: every reader (tests/web/test_rolling_text.py checks that no
    # untabled draft appears). The demo is far from signature: the signature copy page lists what blocks it, and
    # its documents are refused to everyone (409).
    "record.rolling_text": (None, everyone),
    "record.rolling_text_docx": (None, everyone),
    "record.rolling_text_pdf": (None, everyone),
    "record.signature_copy": (None, everyone),
    "record.signature_copy_docx": (None, lambda viewer, target: "409"),
    "record.signature_copy_pdf": (None, lambda viewer, target: "409"),
    "admin.users": (None, role_only("administrator")),
    "admin.create_user": (None, role_only("administrator")),
    "admin.edit_user": (None, own_party_administrator),
    "admin.create_negotiation": (None, role_only("administrator")),
    "admin.negotiation_settings": (None, role_only("administrator")),
    # The demo negotiation has its draft: administrators are told an import would overwrite it (409).
    "imports.upload": (None, role_only("administrator", result="409")),
    "imports.preview": (None, role_only("administrator", result=HIDDEN)),  # no preview 1 exists
    # A marked-up Word document: negotiators upload for their own party; a preview is only its uploader's.
    "roundtrip.upload": (None, role_only("negotiator")),
    "roundtrip.preview": (None, role_only("negotiator", result=HIDDEN)),  # no preview 1 exists
    "account.overview": (None, everyone),
    "account.tokens": (None, everyone),
    "notifications.index": (None, everyone),
    "notifications.outbox": (None, role_only("administrator")),
    "health": (None, lambda viewer, target: OK),
    "negotiations.index": (None, everyone),
    "discussion.attachments": (None, everyone),
    # No attachment 1 exists: everyone gets the same 404 (web.discussion; visibility in tests/services/test_attachments.py).
    "discussion.download": (None, lambda viewer, target: HIDDEN),
}

POST_RULES = {
    "account.tokens": (None, everyone),
    # Token 1 does not exist: everyone gets the same 404 (a user can only revoke a token of their own).
    "account.revoke": (None, lambda viewer, target: HIDDEN),
    "auth.login": (None, lambda viewer, target: OK),
    "auth.logout": (None, everyone),
    # Anyone may choose the interface language, before signing in too.
    "auth.set_language": (None, lambda viewer, target: OK),
    "amendments.propose_change": (None, role_only("negotiator")),
    "amendments.propose_deletion": (None, role_only("negotiator")),
    "amendments.propose_insertion": (None, role_only("negotiator")),
    "amendments.revise": (
        (DRAFT, WITHDRAWN_DRAFT, TABLED),
        # Revising a withdrawn amendment: the state refuses it (the same answer as the service gives a POST).
        amendment_rule(own_negotiator=OK, withdrawn_own_negotiator="409"),
    ),
    "amendments.table": ((DRAFT, WITHDRAWN_DRAFT), amendment_rule(own_negotiator=OK, withdrawn_own_negotiator="409")),
    "amendments.withdraw": (
        (DRAFT, WITHDRAWN_DRAFT, TABLED),
        amendment_rule(own_negotiator=OK, withdrawn_own_negotiator="409"),
    ),
    "amendments.comment": (
        (DRAFT, WITHDRAWN_DRAFT, TABLED),
        amendment_rule(own_negotiator=OK, other_negotiator=OK, reviewer=OK, others=OK),
    ),
    # On its own untabled amendment, UNOCT is told the state refuses it (409); CICA that it does not exist.
    "amendments.concur": (
        (DRAFT, WITHDRAWN_DRAFT, TABLED),
        amendment_rule(other_negotiator=OK, own_untabled="409"),
    ),
    "amendments.reject": (
        (DRAFT, WITHDRAWN_DRAFT, TABLED),
        amendment_rule(other_negotiator=OK, own_untabled="409"),
    ),
    # UNOCT's own legal reviewer is told its state refuses a review; its other roles that they do not review.
    "amendments.review": (
        (DRAFT, WITHDRAWN_DRAFT, TABLED),
        lambda viewer, target: (
            "409"
            if target in NEVER_TABLED and viewer == "legal_reviewer@UNOCT"
            else amendment_rule(reviewer=OK)(viewer, target)
        ),
    ),
    "amendments.rebase": ((TABLED,), amendment_rule(own_negotiator="409")),
    "meetings.freeze": (None, role_only("chair", result="409")),  # the SOC waits for the SWG to conclude
    "meetings.record_outcome": (None, role_only("chair")),
    "meetings.record_outcomes": (None, role_only("chair")),
    # Which square brackets of a clause are not negotiating brackets: those who read the text at the table (#17).
    "draft.plain_brackets": (None, role_only("negotiator", "chair")),
    "meetings.add_delegation": (None, role_only("chair", "administrator")),
    "meetings.enter_proposal": (None, role_only("chair")),
    # Outcomes are still missing: the refusal is shown on the meeting page the chair came from.
    "meetings.conclude": (None, role_only("chair")),
    "meetings.edit": (None, role_only("chair")),
    # Deadlines (web/deadlines.py): the chair sets a meeting's; the proposing party's negotiators an amendment's
    # reply-by date (on an untabled one, the refusal is shown on its page: a redirect).
    "deadlines.proposals_deadline": (None, role_only("chair")),
    "deadlines.reply_by": ((DRAFT, WITHDRAWN_DRAFT, TABLED), amendment_rule(own_negotiator=OK)),
    # Only a chair decides on a late proposal (asked before the amendment is read); another party's untabled
    # draft stays hidden from chairs too. Nothing here was late: the refusal is shown on the page (a redirect).
    "deadlines.decide_late": (
        (DRAFT, WITHDRAWN_DRAFT, TABLED),
        lambda viewer, target: (
            FORBIDDEN
            if _role(viewer) != "chair"
            else HIDDEN
            if target in NEVER_TABLED and _party(viewer) != "UNOCT"
            else OK
        ),
    ),
    "admin.create_user": (None, own_party_administrator),
    "admin.edit_user": (None, own_party_administrator),
    "admin.create_negotiation": (None, role_only("administrator")),
    "admin.negotiation_settings": (None, role_only("administrator")),
    "imports.upload": (None, role_only("administrator", result="409")),
    "imports.preview": (None, role_only("administrator", result=HIDDEN)),
    # The matrix sends no file: the form comes back with its error (400), nothing read or written.
    "roundtrip.upload": (None, role_only("negotiator")),
    "roundtrip.preview": (None, role_only("negotiator", result=HIDDEN)),
    "admin.reset_password": (None, own_party_administrator),
    "admin.assign_negotiations": (None, own_party_administrator),
    "account.change_password": (None, everyone),  # the matrix posts no passwords: 400, refused by the form
    "account.sign_out_everywhere": (None, everyone),
    # Only one's own notifications: the condition names the user, so there is nothing of others to reach.
    "notifications.mark_read": (None, everyone),
    "notifications.settings": (None, everyone),  # the matrix posts no choice: 400, refused by the form
    # Only a chair issues the signature copy; the demo is not ready for it (409, nothing written).
    "record.issue_signature_copy": (None, role_only("chair", result="409")),
    # Everyone who works on the negotiation writes in a clause's discussion and attaches documents; administrators
    # have no say in it.
    "discussion.post": (None, role_only("negotiator", "legal_reviewer", "chair")),
    "discussion.attach": (None, role_only("negotiator", "legal_reviewer", "chair")),
    "discussion.remove_attachment": (None, lambda viewer, target: HIDDEN),  # no attachment 1 exists
}


def test_every_route_has_a_rule(app):
    routes = {(method, rule.endpoint) for rule in app.url_map.iter_rules() for method in rule.methods & {"GET", "POST"}}
    # The JSON API authenticates by token, not session: tests/api/test_api.py covers its authorisation.
    routes = {r for r in routes if r[1] != "static" and not r[1].startswith("api.")}
    # A negotiation's pages answer at /n/<slug>/... and at their old addresses: the same views, the same rules.
    routes = {(method, endpoint.replace("_legacy.", ".")) for method, endpoint in routes}
    ruled = {("GET", e) for e in GET_RULES} | {("POST", e) for e in POST_RULES}
    assert routes - ruled == set(), "routes without an authorisation rule"
    assert ruled - routes == set(), "rules for routes that do not exist"


@pytest.fixture
def scene(app, demo):
    people = {login: Browser(app.test_client(), demo) for login in LOGIN.values()}
    for login, browser in people.items():
        browser.sign_in(login)
    tabled_id = tabled(people, app, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably.")
    draft_id = amendment_id(
        propose(
            people["unoct.negotiator"],
            wid_of(app, "This Memorandum may be amended"),
            "This Memorandum may be amended by consent.",
        )
    )
    withdrawn_id = amendment_id(
        propose(
            people["unoct.negotiator"],
            wid_of(app, "Nothing in or relating"),
            "Nothing in this Memorandum waives any privilege.",
        )
    )
    assert act(people["unoct.negotiator"], withdrawn_id, "withdraw").status_code == 302
    people["cica.chair"].post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    with app.app_context():
        ids = {
            "draft": draft_id,
            "withdrawn draft": withdrawn_id,
            "tabled": tabled_id,
            "wid": wid_of(app, SETTLEMENT),
            "article_2": wid_of(app, "Proceeding from the above objectives"),
            "last_area": wid_of(app, "Building the capacity"),
            "user": db.session.scalar(db.select(User.id).filter_by(login="unoct.legal")),
            "meeting_version": db.session.scalar(
                db.select(Milestone.lock_version).filter_by(code="SWG").order_by(Milestone.id).limit(1)
            ),
            "delegation": db.session.scalar(db.select(Delegation.id).filter_by(name="Republic of Kazakhstan")),
        }
        snapshot = backup.export_negotiation(db.session)
    return people, ids, snapshot


def _request(browser, method, endpoint, target, ids, demo, *, prefix=""):
    amendment = ids.get(target) if target else ids["tabled"]
    urls = {
        "auth.login": "/login",
        "auth.logout": "/logout",
        "auth.set_language": "/language",
        "draft.index": "/",
        "draft.print_view": "/print",
        "draft.clause": f"/clauses/{ids['wid']}",
        "history.who_wrote": f"/n/cica-unoct-mou/clauses/{ids['wid']}/who-wrote-this",
        "history.draft_who_wrote": "/n/cica-unoct-mou/who-wrote-this",
        "history.clause_history": f"/n/cica-unoct-mou/clauses/{ids['wid']}/history",
        "history.clause_history_pdf": f"/n/cica-unoct-mou/clauses/{ids['wid']}/history.pdf",
        "history.clause_history_docx": f"/n/cica-unoct-mou/clauses/{ids['wid']}/history.docx",
        "history.instrument_history": "/n/cica-unoct-mou/history",
        "history.instrument_history_pdf": "/n/cica-unoct-mou/history.pdf",
        "history.instrument_history_docx": "/n/cica-unoct-mou/history.docx",
        "amendments.index": "/amendments",
        "amendments.show": f"/amendments/{amendment}",
        "amendments.compare": "/compare",
        "amendments.whole_draft": "/redline?from=milestone:SWG&to=now",
        "amendments.propose_change": f"/clauses/{ids['wid']}/amend",
        "amendments.propose_deletion": f"/clauses/{ids['wid']}/propose-deletion",
        "amendments.propose_insertion": f"/propose/new-clause?parent={ids['article_2']}&after={ids['last_area']}",
        "amendments.revise": f"/amendments/{amendment}/revise",
        "amendments.rebase": f"/amendments/{amendment}/rebase",
        "amendments.table": f"/amendments/{amendment}/table",
        "amendments.withdraw": f"/amendments/{amendment}/withdraw",
        "amendments.comment": f"/amendments/{amendment}/comments",
        "amendments.concur": f"/amendments/{amendment}/concur",
        "amendments.reject": f"/amendments/{amendment}/reject",
        "amendments.review": f"/amendments/{amendment}/review",
        "meetings.index": "/meetings/",
        "meetings.show": "/meetings/SWG",
        "meetings.print_view": "/meetings/SWG/print",
        "meetings.freeze": "/meetings/SOC/freeze",
        "meetings.record_outcome": f"/meetings/SWG/outcomes/{ids['wid']}",
        "meetings.record_outcomes": "/meetings/SWG/outcomes",
        "draft.plain_brackets": f"/clauses/{ids['wid']}/brackets",
        "meetings.delegations": "/meetings/delegations",
        "meetings.add_delegation": "/meetings/delegations",
        "meetings.enter_proposal": "/meetings/delegations/proposals",
        "meetings.conclude": "/meetings/SWG/conclude",
        "meetings.edit": "/meetings/SOC/edit",
        "deadlines.proposals_deadline": "/n/cica-unoct-mou/meetings/SOC/proposals-deadline",
        "deadlines.reply_by": f"/n/cica-unoct-mou/amendments/{amendment}/reply-by",
        "deadlines.decide_late": f"/n/cica-unoct-mou/amendments/{amendment}/late",
        "reports.dashboard": "/dashboard",
        "reports.dashboard_pdf": "/dashboard.pdf",
        "reports.meeting_pack": "/meetings/SWG/pack",
        "reports.meeting_pack_pdf": "/meetings/SWG/pack.pdf",
        "reports.clauses_csv": "/exports/clauses.csv",
        "reports.amendments_csv": "/exports/amendments.csv",
        "reports.comments_csv": "/exports/comments.csv",
        "reports.draft_docx": "/exports/draft.docx",
        "reports.redline_docx": "/exports/redline.docx?from=milestone:SWG&to=now",
        "reports.redline_pdf": "/exports/redline.pdf?from=milestone:SWG&to=now",
        "work.audit": "/audit",
        "work.audit_csv": "/audit.csv",
        "work.search_page": "/search?q=memorandum",
        "work.akoma_ntoso": "/exports/akoma-ntoso.xml?language=ru",
        "work.my_work_page": "/my-work",
        "admin.users": "/admin/users",
        "admin.create_user": "/admin/users/new",
        "admin.edit_user": f"/admin/users/{ids['user']}",
        "admin.reset_password": f"/admin/users/{ids['user']}/password",
        "account.tokens": "/account/tokens",
        "account.overview": "/account/",
        "account.change_password": "/account/password",
        "account.sign_out_everywhere": "/account/sign-out-everywhere",
        "notifications.index": "/notifications/",
        "notifications.outbox": "/notifications/outbox",
        "notifications.mark_read": "/notifications/read",
        "notifications.settings": "/notifications/settings",
        "health": "/health",
        "negotiations.index": "/negotiations",
        "admin.create_negotiation": "/admin/negotiations/new",
        "admin.negotiation_settings": "/admin/negotiations/cica-unoct-mou/settings",
        "imports.upload": "/n/cica-unoct-mou/import/",
        "admin.assign_negotiations": f"/admin/users/{ids['user']}/negotiations",
        "imports.preview": "/n/cica-unoct-mou/import/1",
        "roundtrip.upload": "/n/cica-unoct-mou/word-changes/",
        "roundtrip.preview": "/n/cica-unoct-mou/word-changes/1",
        "account.revoke": "/account/tokens/1/revoke",
        "record.rolling_text": "/n/cica-unoct-mou/rolling-text?language=ru",
        "record.rolling_text_docx": "/n/cica-unoct-mou/rolling-text.docx",
        "record.rolling_text_pdf": "/n/cica-unoct-mou/rolling-text.pdf?language=en",
        "record.signature_copy": "/n/cica-unoct-mou/signature-copy",
        "record.issue_signature_copy": "/n/cica-unoct-mou/signature-copy",
        "record.signature_copy_docx": "/n/cica-unoct-mou/signature-copy.docx",
        "record.signature_copy_pdf": "/n/cica-unoct-mou/signature-copy.pdf",
        "discussion.post": f"/n/cica-unoct-mou/clauses/{ids['wid']}/posts",
        "discussion.attachments": "/n/cica-unoct-mou/attachments",
        "discussion.attach": "/n/cica-unoct-mou/attachments",
        "discussion.download": "/n/cica-unoct-mou/attachments/1",
        "discussion.remove_attachment": "/n/cica-unoct-mou/attachments/1/delete",
    }
    url = urls[endpoint]
    if endpoint == "amendments.compare":
        url = f"/compare?a={ids['tabled']}&b={amendment}"
    url = prefix + url if not url.startswith("/n/") else url
    if method == "GET":
        return browser.client.get(url)
    forms = {
        "auth.login": {"login": "cica.chair", "password": demo["cica.chair"]},
        "amendments.propose_change": {
            "heading_en": "Settlement of differences",
            "body_en": "Any difference will be settled by consultation.",
            "rationale": "Simpler.",
        },
        "amendments.propose_deletion": {"rationale": "Not needed."},
        "amendments.propose_insertion": {
            "kind": "paragraph",
            "body_en": "Countering terrorist use of new technologies.",
            "rationale": "A sixth area.",
        },
        "amendments.revise": {
            "heading_en": "Amendment" if target == "draft" else "Settlement of differences",
            "body_en": "Revised words for the clause.",
            "rationale": "Better.",
            "expected_revision": "1",
        },
        "amendments.comment": {"body": "A comment."},
        "discussion.post": {"body": "A post."},
        "discussion.attach": {"target": "negotiation", "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "note.pdf")},
        "account.tokens": {"name": "registry sync", "lifetime_days": "90"},
        "amendments.reject": {"reason": "Not acceptable.", "expected_revision": "1"},
        "amendments.review": {"decision": "cleared", "comment": "", "expected_revision": "1"},
        "amendments.rebase": {"onto_version_id": "1", "expected_revision": "1"},
        "meetings.record_outcome": {"outcome": "endorsed"},
        "meetings.record_outcomes": {
            "meeting_version": str(ids["meeting_version"]),
            f"outcome-{ids['wid']}": "endorsed",
        },
        "meetings.add_delegation": {"name": "Kingdom of Cambodia"},
        "draft.plain_brackets": {"listed": "[of Article 2]"},
        "meetings.enter_proposal": {
            "delegation_id": str(ids["delegation"]),
            "wid": ids["wid"],
            "body_en": "Any dispute will be settled through consultations.",
            "rationale": "Proposed from the floor.",
        },
        "meetings.conclude": {"result": "recommended"},
        "meetings.edit": {"name": "Senior Officials Committee"},
        "deadlines.proposals_deadline": {"proposals_deadline": "2024-03-01"},
        "deadlines.reply_by": {"reply_by": "2099-12-31"},
        "deadlines.decide_late": {"decision": "admitted"},
        "admin.create_user": {
            "login": "new.person",
            "display_name": "New Person",
            "role": "chair",
            "party_id": "2",  # UNOCT, the party of the scene's account
            "password": "a-long-passphrase",
            "confirm": "a-long-passphrase",
        },
        "admin.edit_user": {"display_name": "Priya Raman", "role": "legal_reviewer", "party_id": "2", "active": "y"},
        "admin.create_negotiation": {
            "title": "Memorandum of Understanding on a second matter",
            "short_title": "Second matter",
            "party_ids": ["1", "2"],
            "authoritative_language": "en",
            "meetings": "SWG | Special Working Group | CICA SWG | 2025-01-15",
        },
        "admin.negotiation_settings": {"clearance_rule": "any_reviewer"},
        "admin.reset_password": {
            "reset-password": "another-long-passphrase",
            "reset-confirm": "another-long-passphrase",
        },
    }
    data = {"expected_revision": "1", **forms.get(endpoint, {})}
    data["csrf_token"] = browser.token("/login" if endpoint == "auth.login" else "/")
    return browser.client.post(url, data=data)


def _classify(response) -> str:
    status = response.status_code
    assert status < 500, response.get_data(as_text=True)[:500]
    if status == 302 and response.headers["Location"].startswith("/login?next="):
        return SIGN_IN
    return {403: FORBIDDEN, 404: HIDDEN, 409: "409"}.get(status, OK)


def _cases(rules):
    for endpoint, (targets, rule) in rules.items():
        for target in targets or (None,):
            for viewer in VIEWERS:
                public = endpoint in ("auth.login", "auth.set_language", "health")
                expected = SIGN_IN if viewer == "anonymous" and not public else rule(viewer, target)
                yield endpoint, target, viewer, expected


def _browser(app, people, demo, viewer):
    return Browser(app.test_client(), demo) if viewer == "anonymous" else people[LOGIN[viewer]]


def test_get_matrix(app, demo, scene):
    people, ids, _ = scene
    checked = 0
    for endpoint, target, viewer, expected in _cases(GET_RULES):
        browser = _browser(app, people, demo, viewer)
        response = _request(browser, "GET", endpoint, target, ids, demo)
        actual = _classify(response)
        if expected == "redirect":
            assert response.status_code == 302, (endpoint, viewer)
        else:
            assert actual == expected, (endpoint, target, viewer, actual, expected)
        checked += 1
    assert checked == sum(len(t or (None,)) for t, _ in GET_RULES.values()) * len(VIEWERS)


def _fingerprint(app):
    with app.app_context():
        return (
            db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)),
            tuple(db.session.scalars(db.select(Amendment.state).order_by(Amendment.id))),
        )


def test_post_matrix(app, demo, scene):
    people, ids, snapshot = scene
    cases = list(_cases(POST_RULES))
    refused = [c for c in cases if c[3] in (FORBIDDEN, HIDDEN, SIGN_IN)]
    allowed = [c for c in cases if c not in refused]
    before = _fingerprint(app)
    for endpoint, target, viewer, expected in refused:
        limiter.reset()
        actual = _classify(_request(_browser(app, people, demo, viewer), "POST", endpoint, target, ids, demo))
        assert actual == expected, (endpoint, target, viewer, actual, expected)
    assert _fingerprint(app) == before  # no refusal changed anything
    for endpoint, target, viewer, expected in allowed:
        limiter.reset()  # the matrix signs in far more often than any person would
        _wipe(app)
        with app.app_context():
            backup.import_negotiation(db.session, snapshot)
            db.session.commit()
        browser = Browser(app.test_client(), demo)
        if viewer != "anonymous":
            browser.sign_in(LOGIN[viewer])
        actual = _classify(_request(browser, "POST", endpoint, target, ids, demo))
        assert actual == expected, (endpoint, target, viewer, actual, expected)
    assert len(refused) + len(allowed) == sum(len(t or (None,)) for t, _ in POST_RULES.values()) * len(VIEWERS)


#: The pages of a negotiation (answering under /n/<slug>/), by their blueprints.
NEGOTIATION_BLUEPRINTS = ("draft", "amendments", "meetings", "work", "reports")


def test_every_page_of_a_negotiation_the_viewer_takes_no_part_in_is_not_found(app, demo, scene):
    """The second demo negotiation (CICA with SCO RATS): UNOCT's users, and CICA's users not assigned to it, get
    404 on every page, export and action of it, whatever the page would show; nothing is written."""
    from mou_tracker.models import InstrumentAssignment

    people, ids, _ = scene
    with app.app_context():  # CICA's chair is taken off the second negotiation: assignment, not party, decides
        chair = db.session.scalar(db.select(User).filter_by(login="cica.chair"))
        db.session.execute(db.delete(InstrumentAssignment).where(InstrumentAssignment.user_id == chair.id))
        db.session.commit()
    outsiders = [v for v in VIEWERS if v.endswith("@UNOCT")] + ["chair@CICA"]
    before = _fingerprint(app)
    checked = 0
    for rules, method in ((GET_RULES, "GET"), (POST_RULES, "POST")):
        for endpoint, (targets, _rule) in rules.items():
            if endpoint.split(".")[0] not in NEGOTIATION_BLUEPRINTS:
                continue
            for target in targets or (None,):
                for viewer in outsiders:
                    limiter.reset()
                    response = _request(
                        people[LOGIN[viewer]], method, endpoint, target, ids, demo, prefix="/n/cica-rats-mou"
                    )
                    assert response.status_code == 404, (method, endpoint, target, viewer, response.status_code)
                    checked += 1
    assert checked > 300 and _fingerprint(app) == before
