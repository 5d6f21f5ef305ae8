"""Hostile and malformed input: every route, several users, never a 500; user text never becomes markup."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from mou_tracker.extensions import db
from mou_tracker.models import AuditEvent
from tests.conftest import wid_of
from tests.services.test_agreement import _record_all, review, tabled
from tests.services.test_amendments import SETTLEMENT, act, as_user

#: What attackers try: tags, event handlers, javascript: URLs, SVG, broken entities, Unicode tricks, formulas.
XSS = [
    '<script>alert("mou")</script>',
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "&lt;script&gt;&amp;#x3C;b",
    "\u202eevil\u202c <b>bold</b>",
    '=HYPERLINK("http://x","y")',
]
MARKUP = re.compile(r"<script>alert|<img src=x|<svg/onload|<b>bold", re.I)

MALFORMED_VALUES = [
    "",
    "x" * 100_000,  # well past every field's limit
    "bad\x00nul",
    "%FF%FE%C3%28",  # sent as raw bytes: not valid UTF-8
    "-1",
    "99999999999999999999",
    "date:2024-99-99",
    "milestone:",
    "party:<script>",
    "../../etc/passwd",
]


def _urls(app, ids: dict[str, str]) -> list[tuple[str, str]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            path = rule.rule
            for name, value in ids.items():
                path = path.replace(f"<{name}>", value).replace(f"<int:{name}>", value)
            urls.append((method, path))
    return urls


@pytest.fixture
def scene(app, demo):
    people = {
        login: as_user(app, demo, login)
        for login in ("unoct.negotiator", "cica.negotiator", "cica.legal", "cica.chair", "cica.admin")
    }
    amendment = tabled(people, app, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably.")
    return people, amendment


@pytest.mark.parametrize("value", MALFORMED_VALUES, ids=range(len(MALFORMED_VALUES)))
def test_every_route_answers_malformed_input_without_a_500(app, scene, value):
    people, amendment = scene
    with app.app_context():
        ids = {"wid": wid_of(app, SETTLEMENT), "code": "SWG", "amendment_id": str(amendment), "user_id": "1"}
    fields = [
        "login",
        "password",
        "body_en",
        "body_ru",
        "heading_en",
        "rationale",
        "reason",
        "comment",
        "decision",
        "expected_revision",
        "onto_version_id",
        "outcome",
        "reserved_by",
        "note",
        "result",
        "name",
        "date",
        "display_name",
        "role",
        "party_id",
        "kind",
        "internal",
        "confirm",
        "reset-password",
        "reset-confirm",
    ]
    queries = [
        "lang",
        "from",
        "to",
        "from_date",
        "to_date",
        "at",
        "a",
        "b",
        "state",
        "party",
        "clause",
        "user",
        "kind",
        "only",
        "next",
        "answers",
        "parent",
        "after",
        "view",
    ]
    raw = value.startswith("%FF")  # percent-encoded bytes go on the wire as they are
    for login in ("unoct.negotiator", "cica.admin"):
        browser = people[login]
        token = browser.token("/")
        for method, url in _urls(app, ids) + _urls(app, {**ids, "wid": value[:50] or "x", "code": value[:50] or "x"}):
            if method == "GET":
                query = "&".join(f"{q}={value}" for q in queries) if raw else {q: value for q in queries}
                response = browser.client.get(url, query_string=query)
            elif raw:
                body = f"csrf_token={token}&" + "&".join(f"{f}={value}" for f in fields)
                response = browser.client.post(url, data=body, content_type="application/x-www-form-urlencoded")
            else:
                response = browser.client.post(url, data={"csrf_token": token, **{f: value for f in fields}})
            assert response.status_code < 500, (login, method, url, response.status_code)


def test_unknown_and_out_of_range_ids_are_404(app, scene):
    people, _ = scene
    for url in (
        "/amendments/0",
        "/amendments/99999999999999999999",
        "/admin/users/-5",
        "/meetings/%FF",
    ):
        assert people["cica.admin"].get(url).status_code == 404, url
    nul = people["cica.admin"].get("/clauses/%00")
    assert nul.status_code == 400 and "NUL character" in nul.get_data(as_text=True)


def test_a_huge_form_is_refused_and_nothing_is_stored(app, scene):
    people, _ = scene
    before = _events(app)
    response = people["unoct.negotiator"].post(
        f"/clauses/{wid_of(app, SETTLEMENT)}/amend", {"body_en": "x" * 3_000_000, "rationale": "Big."}
    )
    assert response.status_code == 413
    assert _events(app) == before


def _events(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))


def test_hostile_text_in_every_field_is_shown_as_text_on_every_page_and_export(app, demo):
    people = {
        login: as_user(app, demo, login)
        for login in ("unoct.negotiator", "cica.negotiator", "cica.legal", "unoct.legal", "cica.chair", "cica.admin")
    }
    payload = " ".join(XSS)
    wid = wid_of(app, SETTLEMENT)
    amendment = tabled(people, app, wid, f"Any dispute {payload} will be settled amicably.")
    people["unoct.negotiator"].post(
        f"/amendments/{amendment}/revise",
        {
            "heading_en": f"Settlement {payload}",
            "body_en": f"Any dispute {payload} will be settled.",
            "rationale": payload,
            "expected_revision": "1",
        },
    )
    people["cica.negotiator"].post(f"/amendments/{amendment}/comments", {"body": payload})
    review(people["cica.legal"], amendment, decision="changes_requested", comment=payload, revision=2)
    review(people["unoct.legal"], amendment, decision="cleared", revision=2)
    act(people["cica.negotiator"], amendment, "concur", revision=2)  # adopted: the payload is now clause text
    rejected = tabled(people, app, wid_of(app, "Nothing in or relating"), f"Nothing waives immunity {payload}.")
    people["cica.negotiator"].post(
        f"/amendments/{rejected}/reject",
        {"reason": payload, "expected_revision": "1"},
        token_from=f"/amendments/{rejected}",
    )
    chair = people["cica.chair"]
    chair.post("/meetings/SWG/freeze", {}, token_from="/meetings/SWG")
    _record_all(app, "SWG")
    chair.post(
        f"/meetings/SWG/outcomes/{wid}",
        {"outcome": "reservation", "reserved_by": payload[:190], "note": payload},
        token_from="/meetings/SWG",
    )
    chair.post("/meetings/SWG/conclude", {"result": "recommended", "note": payload}, token_from="/meetings/SWG")
    chair.post("/meetings/SOC/edit", {"name": f"SOC {XSS[0]}"}, token_from="/meetings/SOC")
    with app.app_context():
        from mou_tracker.models import User

        target = db.session.scalar(db.select(User).filter_by(login="cica.chair"))  # an account of cica.admin's party
    people["cica.admin"].post(
        f"/admin/users/{target.id}",
        {"display_name": f"Chair {XSS[1]}", "role": "chair", "party_id": str(target.party_id), "active": "y"},
    )

    pages = [
        "/",
        "/?lang=both",
        "/print",
        f"/clauses/{wid}",
        "/amendments",
        f"/amendments/{amendment}",
        f"/amendments/{amendment}?view=side",
        f"/amendments/{rejected}",
        "/redline?from=date:2024-03-06&to=now",
        "/meetings/",
        "/meetings/SWG",
        "/meetings/SOC",
        "/meetings/SWG/print",
        "/meetings/SWG/pack",
        "/dashboard",
        "/audit",
        "/my-work",
        "/admin/users",
        f"/admin/users/{target.id}",
    ]
    seen_escaped = 0
    for login in ("cica.admin", "unoct.negotiator"):
        for page in pages:
            response = people[login].get(page)
            if response.status_code == 403:
                continue
            html = response.get_data(as_text=True)
            assert response.status_code == 200, (login, page)
            assert not MARKUP.search(html), (login, page, MARKUP.search(html))
            seen_escaped += "&lt;script&gt;alert(" in html
    assert seen_escaped >= 12  # the text is shown (escaped), not dropped

    rows = list(csv.reader(io.StringIO(chair.get("/exports/clauses.csv").get_data(as_text=True))))
    assert any("<script>" in cell for row in rows for cell in row)  # CSV carries the words as they are...
    audit = chair.get("/audit.csv").get_data(as_text=True)
    assert "\n=" not in audit and ",=" not in audit  # ...but never as a formula
    with zipfile.ZipFile(io.BytesIO(chair.get("/exports/draft.docx").data)) as archive:
        document = archive.read("word/document.xml").decode()
    assert "&lt;script&gt;" in document and "<script>" not in document
    pdf = chair.get("/meetings/SWG/pack.pdf")
    assert pdf.status_code == 200
