"""The clause page is a kept part (web/page_cache.py, issue #22): shared by the readers of one party and role, it
must never carry one party's private business to the other, nor one reader's own bits (form tokens, single-use
nonces, their own attachments' buttons) to another, and after a change the next view shows it."""

from __future__ import annotations

import re

from mou_tracker.core.roles import Role
from mou_tracker.extensions import db
from mou_tracker.models import User
from mou_tracker.services import users as user_service
from tests.conftest import DEMO_HOME, add_clause_version, wid_of
from tests.services.test_amendments import act, amendment_id, as_user, propose

CONSULT = "The Participants will consult"
DRAFTED = "The Participants will consult quinquennially."
NEW_WORD = "quinquennially"  # a redline shows the new word apart from the words it keeps
BRACKETED = "The Participants will consult as provided in paragraph 3 [of Article 2]."
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NONCE = re.compile(r'name="form_nonce"[^>]*value="([^"]+)"')


def _page(browser, wid: str, query: str = "") -> str:
    response = browser.get(f"{DEMO_HOME}clauses/{wid}{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _second_cica_negotiator(app) -> None:
    with app.app_context():
        cica = db.session.scalar(db.select(User).filter_by(login="cica.negotiator"))
        user_service.create_user(
            db.session,
            None,
            login="cica.negotiator2",
            display_name="Asel Nurlanova",
            role=Role.negotiator,
            party_id=cica.party_id,
            password="second-negotiator-passphrase",
            system=True,
        )
        db.session.commit()


def test_a_part_kept_for_cica_never_reaches_unoct(app, demo):
    cica, unoct = as_user(app, demo, "cica.negotiator"), as_user(app, demo, "unoct.negotiator")
    wid = wid_of(app, CONSULT)
    propose(cica, wid, DRAFTED)
    posted = cica.post(
        f"{DEMO_HOME}clauses/{wid}/posts",
        {"body": "Our fallback: every two years.", "internal": "y"},
        token_from=f"{DEMO_HOME}clauses/{wid}",
    )
    assert posted.status_code == 302
    seen = _page(cica, wid)  # kept for CICA's negotiators first
    assert NEW_WORD in seen and "Our fallback: every two years." in seen
    for reader in (unoct, as_user(app, demo, "unoct.chair")):
        page = _page(reader, wid)
        assert NEW_WORD not in page and "Our fallback" not in page and "CICA-" not in page
    # The same with the words side by side (a part of its own).
    assert NEW_WORD in _page(cica, wid, "?lang=both")
    assert NEW_WORD not in _page(unoct, wid, "?lang=both")


def test_readers_of_one_party_and_role_share_the_part_but_not_their_own_bits(app, demo):
    _second_cica_negotiator(app)
    wid = wid_of(app, CONSULT)
    first = as_user(app, demo, "cica.negotiator")
    second = as_user(app, demo, "cica.negotiator")
    second.sign_out()
    assert second.sign_in("cica.negotiator2", "second-negotiator-passphrase").status_code == 302
    uploaded = first.post(
        f"{DEMO_HOME}attachments",
        {"target": "clause", "key": wid, "file": (_png(), "position.png"), "description": "Our position"},
        token_from=f"{DEMO_HOME}clauses/{wid}",
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[:500]
    mine, theirs = _page(first, wid), _page(second, wid)
    assert "position.png" in mine and "position.png" in theirs
    # The uploader alone may remove it; the other negotiator of the same party is not offered the button.
    assert "/delete" in mine and "/delete" not in theirs
    # Each page carries its reader's own session token, and every view its own single-use nonces.
    assert set(TOKEN.findall(mine)).isdisjoint(TOKEN.findall(theirs))
    assert set(NONCE.findall(mine)).isdisjoint(NONCE.findall(_page(first, wid)))
    # Who may be mentioned is everyone but the reader.
    assert "@cica.negotiator2" in mine and "@cica.negotiator2" not in theirs
    assert "@cica.negotiator<" in theirs and "@cica.negotiator<" not in mine


def _png() -> object:
    import io
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    raw += chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    return io.BytesIO(raw)


def test_after_a_change_the_next_view_shows_it(app, demo):
    cica, unoct = as_user(app, demo, "cica.negotiator"), as_user(app, demo, "unoct.negotiator")
    wid = wid_of(app, CONSULT)
    assert NEW_WORD not in _page(cica, wid) and NEW_WORD not in _page(unoct, wid)  # both kept
    drafted = amendment_id(propose(cica, wid, DRAFTED))
    assert NEW_WORD in _page(cica, wid)  # the party's own draft, at once
    assert NEW_WORD not in _page(unoct, wid)
    act(cica, drafted, "table")
    assert NEW_WORD in _page(unoct, wid)  # tabled: every party's page
    add_clause_version(app, wid, "The Participants will consult each other annually.")
    assert "consult each other annually" in _page(unoct, wid)
    # The discussion: an internal post shows at once to its party, never to the other.
    posted = cica.post(
        f"{DEMO_HOME}clauses/{wid}/posts",
        {"body": "Hold firm.", "internal": "y"},
        token_from=f"{DEMO_HOME}clauses/{wid}",
    )
    assert posted.status_code == 302
    assert "Hold firm." in _page(cica, wid) and "Hold firm." in _page(as_user(app, demo, "cica.chair"), wid)
    assert "Hold firm." not in _page(unoct, wid)


def test_a_second_reader_of_the_same_party_and_role_is_served_the_kept_part(app, demo, monkeypatch):
    from mou_tracker.web import draft

    built = []
    real = draft._clause_part
    monkeypatch.setattr(draft, "_clause_part", lambda *args, **kwargs: built.append(args[0]) or real(*args, **kwargs))
    wid = wid_of(app, CONSULT)
    _page(as_user(app, demo, "cica.chair"), wid)
    _page(as_user(app, demo, "cica.chair"), wid)
    assert built == [wid]
    _page(as_user(app, demo, "unoct.chair"), wid)  # another party: a part of its own
    assert built == [wid, wid]


def test_the_bracket_declarations_work_from_a_kept_page(app, demo):
    wid = wid_of(app, CONSULT)
    add_clause_version(app, wid, BRACKETED)
    chair, negotiator = as_user(app, demo, "cica.chair"), as_user(app, demo, "cica.negotiator")
    first = _page(negotiator, wid)
    assert "Save the declarations" in _page(chair, wid) and "Save the declarations" in first
    # The form sits in the shared part; its token and nonce, given to it by the page around it, are this view's.
    assert re.search(r'<input[^>]*name="csrf_token"[^>]*form="bracket-declarations"', first) or re.search(
        r'<input[^>]*form="bracket-declarations"[^>]*name="csrf_token"', first
    )
    token, nonce = TOKEN.search(first)[1], NONCE.search(first)[1]
    declared = negotiator.post(
        f"{DEMO_HOME}clauses/{wid}/brackets",
        {"listed": "[of Article 2]", "plain": "[of Article 2]", "csrf_token": token, "form_nonce": nonce},
    )
    assert declared.status_code == 302
    page = _page(negotiator, wid)
    assert "No negotiating bracket is left in the text." in page
    assert "No negotiating bracket is left in the text." in _page(chair, wid)
    # A legal reviewer is not offered the form, and gets no token for it.
    legal = _page(as_user(app, demo, "cica.legal"), wid)
    assert "Save the declarations" not in legal and 'form="bracket-declarations"' not in legal


def test_a_comparison_of_two_versions_is_shown_to_who_asked_for_it(app, demo):
    wid = wid_of(app, CONSULT)
    add_clause_version(app, wid, "The Participants will consult each other annually.")
    chair = as_user(app, demo, "cica.chair")
    plain = _page(chair, wid)
    compared = _page(chair, wid, "?from=1&to=2")
    assert 'id="compared-heading"' in compared and 'id="compared-heading"' not in plain
    assert 'id="compared-heading"' not in _page(chair, wid)  # the comparison was not kept as the page


def test_a_post_refused_comes_back_with_what_was_typed(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    wid = wid_of(app, CONSULT)
    _page(cica, wid)  # the part is kept
    refused = cica.post(
        f"{DEMO_HOME}clauses/{wid}/posts", {"body": "Ask @nobody.here about it"}, token_from=f"{DEMO_HOME}clauses/{wid}"
    )
    assert refused.status_code == 400
    assert "Ask @nobody.here about it" in refused.get_data(as_text=True)
    assert "Ask @nobody.here about it" not in _page(cica, wid)
    assert "Ask @nobody.here" not in _page(as_user(app, demo, "cica.chair"), wid)


def test_while_the_part_is_rebuilt_after_a_change_others_read_the_previous_state_told_so(app, demo, monkeypatch):
    """A negotiator drafts while their party reads the clause: one request rebuilds the part, the others get the
    state of a moment ago with a notice (never another party's part), and the new state at their next view."""
    import threading

    from mou_tracker.web import page_cache

    cica, chair = as_user(app, demo, "cica.negotiator"), as_user(app, demo, "cica.chair")
    builder, other = as_user(app, demo, "cica.chair"), as_user(app, demo, "cica.chair")
    wid = wid_of(app, CONSULT)
    assert NEW_WORD not in _page(chair, wid)  # kept: the state before
    propose(cica, wid, DRAFTED)
    started, release = threading.Event(), threading.Event()
    keep = page_cache.KeptPart.of

    def slow_build(part):
        started.set()
        assert release.wait(20)
        return keep(part)

    monkeypatch.setattr(page_cache.KeptPart, "of", staticmethod(slow_build))
    built = {}
    thread = threading.Thread(target=lambda: built.update(page=_page(builder, wid)))
    thread.start()
    assert started.wait(20)
    try:
        meanwhile = other.get(f"{DEMO_HOME}clauses/{wid}")
    finally:
        release.set()
        thread.join()
    page = meanwhile.get_data(as_text=True)
    assert meanwhile.status_code == 200 and "being brought up to date" in page and NEW_WORD not in page
    assert "no-store" in meanwhile.headers["Cache-Control"]
    assert NEW_WORD in built["page"] and "being brought up to date" not in built["page"]
    after = _page(other, wid)
    assert NEW_WORD in after and "being brought up to date" not in after
