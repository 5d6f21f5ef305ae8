"""Several negotiations in one deployment: each user sees those they take part in, and nothing of one appears in
another, by address, list, redline or export.

The demo holds two: the CICA Secretariat–UNOCT MoU, and a smaller CICA Secretariat–SCO RATS MoU imported from
pasted text. CICA takes part in both, UNOCT in the first only; the demo's CICA chair and legal reviewer are
assigned to both, UNOCT's to the first only.
"""

from __future__ import annotations

import io

import pytest

from mou_tracker import demo_text
from mou_tracker.extensions import db
from mou_tracker.models import Amendment, Clause, ClauseText, ClauseVersion, Instrument
from mou_tracker.services import negotiations
from tests.services.test_amendments import act, amendment_id, as_user, propose

FIRST, SECOND = f"/n/{demo_text.SLUG}", f"/n/{demo_text.SECOND_SLUG}"
SECOND_WORDS = "countering the financing of terrorism"
FIRST_WORDS = "Any difference arising from the interpretation"

#: Who may open the second negotiation (CICA's party; CICA's assigned chair, legal reviewer and administrator).
OPENS_SECOND = {"cica.negotiator", "cica.legal", "cica.chair", "cica.admin"}
EVERYONE = [login for login, *_ in demo_text.USERS]


def _wid_in(app, slug: str, body_start: str) -> str:
    """The stable id of the clause of negotiation `slug` whose English text starts with `body_start`."""
    with app.app_context():
        wid = db.session.scalar(
            db.select(Clause.wid)
            .join(Instrument, Instrument.id == Clause.instrument_id)
            .join(ClauseVersion, ClauseVersion.clause_id == Clause.id)
            .join(ClauseText, ClauseText.version_id == ClauseVersion.id)
            .where(Instrument.slug == slug, ClauseText.language == "en", ClauseText.body.startswith(body_start))
            .limit(1)
        )
    assert wid, (slug, body_start)
    return wid


@pytest.mark.parametrize("login", EVERYONE)
def test_each_user_sees_only_the_negotiations_they_take_part_in(app, demo, login):
    reader = as_user(app, demo, login)
    listing = reader.get("/negotiations").get_data(as_text=True)
    assert demo_text.SHORT_TITLE in listing
    second = reader.get(f"{SECOND}/")
    if login in OPENS_SECOND:
        assert demo_text.SECOND_SHORT_TITLE in listing
        assert second.status_code == 200 and SECOND_WORDS in second.get_data(as_text=True)
        assert FIRST_WORDS not in second.get_data(as_text=True)
    else:
        assert demo_text.SECOND_SHORT_TITLE not in listing
        assert second.status_code == 404
        assert SECOND_WORDS not in second.get_data(as_text=True)
    assert reader.get("/n/no-such-negotiation/").status_code == 404


def test_nothing_of_one_negotiation_is_reached_through_the_address_of_another(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    unoct = as_user(app, demo, "unoct.negotiator")
    first_clause = _wid_in(app, demo_text.SLUG, FIRST_WORDS)
    second_clause = _wid_in(app, demo_text.SECOND_SLUG, SECOND_WORDS)
    tabled = amendment_id(propose(unoct, first_clause, "Any dispute will be settled amicably."))
    assert act(unoct, tabled, "table").status_code == 302
    # A clause, an amendment and a meeting of the first, asked for under the second: not found.
    assert cica.get(f"{SECOND}/clauses/{first_clause}").status_code == 404
    assert cica.get(f"{FIRST}/clauses/{second_clause}").status_code == 404
    assert cica.get(f"{SECOND}/amendments/{tabled}").status_code == 404
    assert cica.get(f"{FIRST}/amendments/{tabled}").status_code == 200
    assert cica.get(f"{SECOND}/meetings/SOC").status_code == 404  # the second has no SOC
    for url in ("/amendments", "/audit", "/dashboard", "/exports/amendments.csv", "/my-work", "/meetings/"):
        page = cica.get(SECOND + url)
        assert page.status_code == 200, url
        text = page.get_data(as_text=True)
        assert "UNOCT-1" not in text and "settled amicably" not in text, url
    draft = cica.get(f"{SECOND}/").get_data(as_text=True)
    assert FIRST_WORDS not in draft and SECOND_WORDS in draft
    # Proposing to a clause of the first through the second's address is refused as not found.
    refused = cica.post(f"{SECOND}/clauses/{first_clause}/amend", {"body_en": "Other words.", "rationale": "No."})
    assert refused.status_code == 404


def test_citation_numbers_are_counted_per_negotiation(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    first = amendment_id(propose(cica, _wid_in(app, demo_text.SLUG, FIRST_WORDS), "Any dispute will be settled."))
    assert act(cica, first, "table").status_code == 302
    second_clause = _wid_in(app, demo_text.SECOND_SLUG, SECOND_WORDS)
    url = f"{SECOND}/clauses/{second_clause}/amend"
    response = cica.post(url, {"body_en": "countering the financing of terrorism and of extremism.", "rationale": "X"})
    second = amendment_id(response)
    assert cica.post(f"{SECOND}/amendments/{second}/table", {"expected_revision": "1"}).status_code == 302
    with app.app_context():
        assert db.session.get(Amendment, first).citation == "CICA-1"
        assert db.session.get(Amendment, second).citation == "CICA-1"  # its own count in the second negotiation


def test_links_of_a_negotiation_page_stay_in_that_negotiation(app, demo):
    page = as_user(app, demo, "cica.chair").get(f"{SECOND}/").get_data(as_text=True)
    assert f'href="{SECOND}/amendments"' in page and f'href="{SECOND}/dashboard"' in page
    assert f'href="{FIRST}/amendments"' not in page
    assert demo_text.SECOND_SHORT_TITLE in page.split("</header>", 1)[0]  # the header names it


def test_old_addresses_open_the_oldest_negotiation_the_reader_may_open(app, demo):
    cica = as_user(app, demo, "cica.chair")
    assert FIRST_WORDS in cica.get(f"/clauses/{_wid_in(app, demo_text.SLUG, FIRST_WORDS)}").get_data(as_text=True)
    assert cica.get("/").status_code == 200


def test_old_addresses_open_the_oldest_negotiation_open_to_each_reader(app, demo):
    """Read with the reader in one statement (web.load_user): a chair taken off the first negotiation is led to
    the second by the old addresses, a reader with none open to them is told so, and the others keep the first."""
    from mou_tracker.models import InstrumentAssignment, User

    with app.app_context():
        first = db.session.scalar(db.select(Instrument.id).filter_by(slug=demo_text.SLUG))
        for login in ("cica.chair", "unoct.chair"):
            chair = db.session.scalar(db.select(User).filter_by(login=login))
            db.session.execute(
                db.delete(InstrumentAssignment).where(
                    InstrumentAssignment.user_id == chair.id, InstrumentAssignment.instrument_id == first
                )
            )
        db.session.commit()
    cica_chair = as_user(app, demo, "cica.chair").get("/").get_data(as_text=True)
    assert SECOND_WORDS in cica_chair and FIRST_WORDS not in cica_chair
    assert as_user(app, demo, "cica.chair").get(f"{FIRST}/").status_code == 404
    assert as_user(app, demo, "unoct.chair").get("/").status_code == 404  # assigned to none now
    assert FIRST_WORDS in as_user(app, demo, "unoct.negotiator").get("/").get_data(as_text=True)


@pytest.mark.parametrize("login", EVERYONE)
def test_the_negotiation_read_with_the_reader_is_the_one_the_rule_opens(app, demo, login):
    """The reader's statement (`sign_in_sessions.load`) opens, for every user and every address, exactly what
    `open_negotiation` and `first_open_to` open on their own: one rule, `negotiations.open_to`."""
    from mou_tracker.models import User
    from mou_tracker.services import sign_in_sessions

    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(login=login))
        _row, secret = sign_in_sessions.start(db.session, user, user_agent="test")
        db.session.flush()
        for slug in (demo_text.SLUG, demo_text.SECOND_SLUG, "no-such-negotiation"):
            found = sign_in_sessions.load(db.session, user.id, secret, asked=negotiations.Asked(slug))
            assert found is not None and found.user is user
            alone = negotiations._opening(db.session, user, by_slug=True, slug=slug)
            assert found.negotiation is alone, (login, slug)
            assert (alone is not None) == (
                slug == demo_text.SLUG or (slug != "no-such-negotiation" and login in OPENS_SECOND)
            )
        oldest = sign_in_sessions.load(db.session, user.id, secret, asked=negotiations.Asked(None))
        assert oldest is not None and oldest.negotiation is negotiations.first_open_to(db.session, user)
        assert oldest.negotiation is not None and oldest.negotiation.slug == demo_text.SLUG
        unasked = sign_in_sessions.load(db.session, user.id, secret)
        assert unasked is not None and unasked.negotiation is negotiations.NOT_READ
        db.session.rollback()


def test_an_administrator_opens_a_negotiation_and_bad_input_changes_nothing(app, demo):
    from mou_tracker.models import User
    from mou_tracker.services.errors import PermissionDenied, ValidationFailed

    with app.app_context():
        admin = db.session.scalar(db.select(User).filter_by(login="cica.admin"))
        cica_party = admin.party_id
        before = db.session.scalar(db.select(db.func.count()).select_from(Instrument))

        def attempt(**changes):
            arguments = {
                "title": "Memorandum of Understanding between the CICA Secretariat and the OSCE Secretariat",
                "short_title": "CICA – OSCE MoU",
                "slug": None,
                "party_ids": [cica_party],
                "new_parties": [negotiations.NewParty("OSCE", "OSCE Secretariat")],
                "authoritative_language": "en",
                "other_languages": ["ru", "kk"],
                "meetings": [negotiations.NewMeeting("SWG", "Special Working Group", "CICA SWG")],
            }
            return negotiations.create_negotiation(db.session, admin, **(arguments | changes))

        for changes, refusal in (
            ({"authoritative_language": "xx"}, ValidationFailed),
            ({"other_languages": ["en"]}, ValidationFailed),
            ({"new_parties": []}, ValidationFailed),
            ({"slug": demo_text.SLUG}, ValidationFailed),
            ({"slug": "Not A Slug!"}, ValidationFailed),
            (
                {
                    "party_ids": [],
                    "new_parties": [negotiations.NewParty("OSCE", "O"), negotiations.NewParty("EU", "E")],
                },
                PermissionDenied,
            ),
        ):
            with pytest.raises(refusal):
                attempt(**changes)
            db.session.rollback()
        assert db.session.scalar(db.select(db.func.count()).select_from(Instrument)) == before

        created = attempt()
        db.session.commit()
        assert created.slug == "cica-osce-mou"
        assert [(lang.code, lang.name, lang.required) for lang in created.languages] == [
            ("en", "English", True),
            ("ru", "Русский", False),
            ("kk", "Қазақ тілі", False),
        ]
    listing = as_user(app, demo, "cica.admin").get("/negotiations").get_data(as_text=True)
    assert "CICA – OSCE MoU" in listing
    assert "CICA – OSCE MoU" not in as_user(app, demo, "cica.chair").get("/negotiations").get_data(as_text=True)


def test_an_administrator_opens_a_negotiation_from_the_form_and_a_bad_line_keeps_the_form(app, demo):
    admin = as_user(app, demo, "unoct.admin")
    form = admin.get("/admin/negotiations/new").get_data(as_text=True)
    assert 'name="party_ids"' in form and "UNOCT – United Nations Office of Counter-Terrorism" in form
    data = {
        "title": "Memorandum of Understanding between UNOCT and the OSCE Secretariat",
        "short_title": "UNOCT – OSCE MoU",
        "party_ids": ["2"],
        "new_party_code": "OSCE",
        "new_party_name": "Secretariat of the Organization for Security and Co-operation in Europe",
        "authoritative_language": "en",
        "other_languages": "ru, fr",
        "meetings": "SWG | Special Working Group | CICA Special Working Group | 2025-02-30",
    }
    refused = admin.post("/admin/negotiations/new", data)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Meetings, line 1: 2025-02-30 is not a date (YYYY-MM-DD)." in page and "UNOCT – OSCE MoU" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Instrument)) == 2
    data["meetings"] = "EXP | Expert consultations | UNOCT and OSCE experts | 2025-02-28"
    assert admin.post("/admin/negotiations/new", data).status_code == 302
    listing = admin.get("/negotiations").get_data(as_text=True)
    assert "UNOCT – OSCE MoU" in listing and "Français" in listing
    assert admin.get("/n/unoct-osce-mou/meetings/EXP").status_code == 200
    assert "UNOCT – OSCE MoU" not in as_user(app, demo, "cica.admin").get("/negotiations").get_data(as_text=True)


def test_a_meeting_code_used_by_two_negotiations_redlines_only_its_own(app, demo):
    """Both demo negotiations have an SWG: the redline from one's SWG must not read the other's frozen draft."""
    chair = as_user(app, demo, "cica.chair")
    for prefix in (FIRST, SECOND):
        assert chair.post(f"{prefix}/meetings/SWG/freeze", {}, token_from=f"{prefix}/meetings/SWG").status_code == 302
    unoct = as_user(app, demo, "unoct.negotiator")
    for url in (
        f"{FIRST}/redline?from=milestone:SWG&to=now",
        f"{FIRST}/exports/redline.docx?from=milestone:SWG&to=now",
    ):
        response = unoct.get(url)
        assert response.status_code == 200, url
        body = response.get_data()
        if body[:2] == b"PK":
            import zipfile

            body = zipfile.ZipFile(io.BytesIO(body)).read("word/document.xml")
        assert SECOND_WORDS.encode() not in body, url


def test_account_events_stay_out_of_every_negotiations_audit_trail(app, demo):
    """They would tell who takes part in negotiations the reader cannot open."""
    from mou_tracker.core.roles import Role
    from mou_tracker.models import Party, User
    from mou_tracker.services import users

    with app.app_context():
        operator = db.session.scalar(db.select(User).filter_by(login="cica.admin"))
        rats = db.session.scalar(db.select(Party).filter_by(code="RATS"))
        operator.party_id = None  # the platform operator creates the new organisation's account
        users.create_user(
            db.session,
            operator,
            login="rats.negotiator",
            display_name="RATS Negotiator",
            role=Role.negotiator,
            party_id=rats.id,
            password="a-long-enough-password",
        )
        db.session.commit()
    unoct = as_user(app, demo, "unoct.negotiator")
    for url in (f"{FIRST}/audit", f"{FIRST}/audit.csv"):
        assert "rats.negotiator" not in unoct.get(url).get_data(as_text=True), url


def test_an_administrator_assigns_only_users_whose_accounts_they_manage(app, demo):
    from mou_tracker.models import User
    from mou_tracker.services.errors import PermissionDenied

    with app.app_context():
        admin = db.session.scalar(db.select(User).filter_by(login="cica.admin"))
        unoct_chair = db.session.scalar(db.select(User).filter_by(login="unoct.chair"))
        with pytest.raises(PermissionDenied):
            negotiations.create_negotiation(
                db.session,
                admin,
                title="A secret memorandum",
                short_title="Secret MoU",
                slug="secret-mou",
                party_ids=[admin.party_id],
                new_parties=[negotiations.NewParty("OSCE", "OSCE Secretariat")],
                authoritative_language="en",
                other_languages=[],
                meetings=[],
                assigned_user_ids=[unoct_chair.id],
            )
        db.session.rollback()
        assert db.session.scalar(db.select(Instrument).filter_by(slug="secret-mou")) is None
    huge = as_user(app, demo, "cica.admin").post(
        "/admin/negotiations/new",
        {"title": "T", "short_title": "T T", "party_ids": "99999999999999999999", "authoritative_language": "en"},
    )
    assert huge.status_code == 400


def test_an_administrator_assigns_a_chair_to_the_negotiations_they_work_on(app, demo):
    from mou_tracker.models import InstrumentAssignment, User

    with app.app_context():  # UNOCT's chair is assigned to the first negotiation only; take them off it
        chair = db.session.scalar(db.select(User).filter_by(login="unoct.chair"))
        db.session.execute(db.delete(InstrumentAssignment).where(InstrumentAssignment.user_id == chair.id))
        db.session.commit()
        chair_id, first = chair.id, db.session.scalar(db.select(Instrument.id).filter_by(slug=demo_text.SLUG))
        second = db.session.scalar(db.select(Instrument.id).filter_by(slug=demo_text.SECOND_SLUG))
    assert as_user(app, demo, "unoct.chair").get(f"{FIRST}/").status_code == 404
    admin = as_user(app, demo, "unoct.admin")
    page = admin.get(f"/admin/users/{chair_id}").get_data(as_text=True)
    assert 'name="negotiation_ids"' in page and demo_text.SHORT_TITLE in page
    assert demo_text.SECOND_SHORT_TITLE not in page  # UNOCT's administrator does not take part in it
    url = f"/admin/users/{chair_id}/negotiations"
    token = admin.token(f"/admin/users/{chair_id}")
    refused = admin.client.post(url, data={"assign-csrf_token": token, "negotiation_ids": str(second)})
    assert refused.status_code == 400 and "only to negotiations you take part in" in refused.get_data(as_text=True)
    saved = admin.client.post(url, data={"assign-csrf_token": token, "negotiation_ids": str(first)})
    assert saved.status_code == 302
    assert as_user(app, demo, "unoct.chair").get(f"{FIRST}/").status_code == 200
    assert as_user(app, demo, "cica.admin").client.post(url, data={"negotiation_ids": str(first)}).status_code in (
        400,
        403,
    )
