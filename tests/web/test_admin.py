"""Administrators manage the accounts of their own party in the web UI; the platform operator (an administrator of
no party) manages every account; everybody else is refused; bad input and refusals store nothing."""

from __future__ import annotations

import pytest

from mou_tracker.core.roles import Role
from mou_tracker.extensions import db
from mou_tracker.models import AuditEvent, Party, User
from mou_tracker.services import users as user_service
from tests.conftest import Browser

OPERATOR = "platform.operator"
OPERATOR_PASSWORD = "operator-passphrase-2024"


def _user(app, login):
    with app.app_context():
        return db.session.scalar(db.select(User).filter_by(login=login))


def _party_id(app, code):
    with app.app_context():
        return db.session.scalar(db.select(Party.id).filter_by(code=code))


def _count_users(app):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(User))


def _everything(app):
    """Every account as stored, and the number of audit events: a refusal must leave both as they were."""
    with app.app_context():
        accounts = db.session.execute(
            db.select(
                User.login,
                User.display_name,
                User.role,
                User.party_id,
                User.active,
                User.password_hash,
                User.session_version,
                User.lock_version,
            ).order_by(User.id)
        ).all()
        return accounts, db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))


@pytest.fixture
def operator(app, browser) -> Browser:
    """A platform operator: an administrator of no party, signed in."""
    with app.app_context():
        user_service.create_user(
            db.session,
            None,
            login=OPERATOR,
            display_name="Platform Operator",
            role=Role.administrator,
            party_id=None,
            password=OPERATOR_PASSWORD,
            system=True,
        )
        db.session.commit()
    signed_in = Browser(app.test_client(), {**browser.passwords, OPERATOR: OPERATOR_PASSWORD})
    signed_in.sign_in(OPERATOR)
    return signed_in


@pytest.mark.parametrize("login", ["cica.negotiator", "unoct.legal", "cica.chair"])
def test_non_administrators_are_refused(browser, login):
    browser.sign_in(login)
    assert browser.get("/admin/users").status_code == 403
    assert browser.get("/admin/users/new").status_code == 403
    assert "Users</a>" not in browser.get("/").get_data(as_text=True)


def test_administrator_creates_a_negotiator_who_can_sign_in(app, browser):
    browser.sign_in("cica.admin")
    response = browser.post(
        "/admin/users/new",
        {
            "login": "kz.delegate",
            "display_name": "Asel Omarova",
            "role": "negotiator",
            "party_id": str(_party_id(app, "CICA")),
            "password": "correct horse battery",
            "confirm": "correct horse battery",
        },
    )
    assert response.status_code == 302
    listing = browser.get("/admin/users").get_data(as_text=True)
    assert "kz.delegate" in listing and "Asel Omarova" in listing
    newcomer = Browser(app.test_client())
    newcomer.sign_in("kz.delegate", "correct horse battery")
    assert "Asel Omarova" in newcomer.get("/").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(
            db.select(AuditEvent).filter_by(kind="user.created", subject_id=str(_user(app, "kz.delegate").id))
        )
        assert event.actor.login == "cica.admin"


BASE = {
    "login": "new.user",
    "display_name": "New User",
    "role": "chair",
    "party_id": "",
    "password": "a-long-passphrase",
    "confirm": "a-long-passphrase",
}


BASE_FOR_PARTY = {**BASE, "role": "legal_reviewer"}  # completed with the administrator's party


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"role": "negotiator"}, "A negotiator must belong to a party."),
        ({"login": "cica.chair"}, "That login is already taken."),
        ({"login": "Bad Login!"}, "The login must be 2 to 64 characters"),
        ({"password": "short", "confirm": "short"}, "at least 12 characters"),
        ({"password": "new.user-is-me", "confirm": "new.user-is-me"}, "must not contain the login"),
        ({"confirm": "something-else"}, "The passwords differ."),
        ({"display_name": ""}, "This field is required."),
        ({"display_name": "x" * 121}, "Field cannot be longer than 120 characters."),
        ({"display_name": "Bad\x07name"}, "control character"),
        ({"role": "emperor"}, "Not a valid choice"),
        ({"party_id": "99999"}, "That party does not exist."),
        ({"party_id": "abc"}, "Invalid Choice"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(app, operator, changes, message):
    before = _everything(app)
    response = operator.post("/admin/users/new", {**BASE, **changes})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _everything(app) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"login": "cica.chair"}, "That login is already taken."),
        ({"password": "short", "confirm": "short"}, "at least 12 characters"),
    ],
)
def test_a_party_administrator_gets_the_same_messages_for_bad_input(app, browser, changes, message):
    browser.sign_in("cica.admin")
    before = _everything(app)
    response = browser.post("/admin/users/new", {**BASE_FOR_PARTY, "party_id": str(_party_id(app, "CICA")), **changes})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _everything(app) == before


def test_operator_changes_role_and_party_and_the_audit_has_before_and_after(app, operator):
    target = _user(app, "cica.legal")
    response = operator.post(
        f"/admin/users/{target.id}",
        {
            "display_name": "Yerlan Abenov",
            "role": "negotiator",
            "party_id": str(_party_id(app, "UNOCT")),
            "active": "y",
        },
    )
    assert response.status_code == 302
    changed = _user(app, "cica.legal")
    assert changed.role.value == "negotiator"
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(kind="user.updated"))
        assert event.before["role"] == "legal_reviewer" and event.after["role"] == "negotiator"
        assert event.before["party"] == "CICA" and event.after["party"] == "UNOCT"


def test_administrator_changes_role_within_their_party(app, browser):
    browser.sign_in("cica.admin")
    target = _user(app, "cica.legal")
    response = browser.post(
        f"/admin/users/{target.id}",
        {"display_name": "Yerlan Abenov", "role": "chair", "party_id": str(target.party_id), "active": "y"},
    )
    assert response.status_code == 302
    assert _user(app, "cica.legal").role.value == "chair"


def test_deactivating_a_user_ends_their_session(app, browser):
    from mou_tracker.models import SignInSession

    victim = Browser(app.test_client(), browser.passwords)
    victim.sign_in("cica.negotiator")
    browser.sign_in("cica.admin")
    target = _user(app, "cica.negotiator")
    response = browser.post(
        f"/admin/users/{target.id}",
        {"display_name": target.display_name, "role": "negotiator", "party_id": str(target.party_id)},
    )
    assert response.status_code == 302
    assert _user(app, "cica.negotiator").active is False
    assert victim.get("/").status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(db.select(db.func.count()).select_from(SignInSession).filter_by(user_id=target.id)) == 0
        )
        event = db.session.scalar(db.select(AuditEvent).filter_by(kind="user.updated"))
        assert "1 open session(s) ended" in event.summary


def test_administrator_cannot_demote_or_deactivate_themselves(app, browser):
    browser.sign_in("cica.admin")
    me = _user(app, "cica.admin")
    response = browser.post(
        f"/admin/users/{me.id}",
        {"display_name": me.display_name, "role": "chair", "party_id": str(me.party_id), "active": "y"},
    )
    assert response.status_code == 400
    assert "cannot remove your own administrator rights" in response.get_data(as_text=True)
    assert _user(app, "cica.admin").role.value == "administrator"


def test_password_reset_lets_the_user_in_with_the_new_password_only(app, browser):
    browser.sign_in("cica.admin")
    target = _user(app, "cica.chair")
    response = browser.post(
        f"/admin/users/{target.id}/password",
        {"reset-password": "fresh-passphrase-2024", "reset-confirm": "fresh-passphrase-2024"},
        token_from=f"/admin/users/{target.id}",
    )
    assert response.status_code == 302
    old = Browser(app.test_client())
    assert old.post("/login", {"login": "cica.chair", "password": browser.passwords["cica.chair"]}).status_code == 401
    Browser(app.test_client()).sign_in("cica.chair", "fresh-passphrase-2024")
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent).filter_by(kind="user.password_reset")) is not None


def test_weak_reset_password_is_refused(app, browser):
    browser.sign_in("cica.admin")
    target = _user(app, "cica.chair")
    before = target.password_hash
    response = browser.post(
        f"/admin/users/{target.id}/password",
        {"reset-password": "short", "reset-confirm": "short"},
        token_from=f"/admin/users/{target.id}",
    )
    assert response.status_code == 400
    assert "at least 12 characters" in response.get_data(as_text=True)
    assert _user(app, "cica.chair").password_hash == before


def test_unknown_user_is_a_404(browser):
    browser.sign_in("cica.admin")
    assert browser.get("/admin/users/99999").status_code == 404


# Administrators stay within their party (issue #23) -------------------------------------------------------------


def _account_form(app, login, **changes):
    user = _user(app, login)
    form = {
        "display_name": user.display_name,
        "role": user.role.value,
        "party_id": str(user.party_id or ""),
        "active": "y",
    }
    return user, {**form, **changes}


def test_administrator_cannot_move_themselves_to_the_other_party(app, browser):
    browser.sign_in("cica.admin")
    before = _everything(app)
    me, form = _account_form(app, "cica.admin", party_id=str(_party_id(app, "UNOCT")))
    response = browser.post(f"/admin/users/{me.id}", form)
    assert response.status_code == 403
    assert "cannot change your own role or party" in response.get_data(as_text=True)
    assert _everything(app) == before
    # Nor to no party at all, which would make them the platform operator.
    response = browser.post(f"/admin/users/{me.id}", {**form, "party_id": ""}, token_from=f"/admin/users/{me.id}")
    assert response.status_code == 403
    assert _everything(app) == before


def test_operator_cannot_give_themselves_a_party_either(app, operator):
    before = _everything(app)
    me, form = _account_form(app, OPERATOR, party_id=str(_party_id(app, "CICA")))
    response = operator.post(f"/admin/users/{me.id}", form)
    assert response.status_code == 403
    assert _everything(app) == before


@pytest.mark.parametrize("party", ["UNOCT", ""])
def test_administrator_cannot_create_an_account_of_another_party_or_of_none(app, browser, party):
    browser.sign_in("cica.admin")
    before = _everything(app)
    response = browser.post(
        "/admin/users/new",
        {**BASE, "role": "negotiator", "party_id": str(_party_id(app, party)) if party else ""},
        token_from="/admin/users/new",
    )
    assert response.status_code == 403
    assert "your own party only" in response.get_data(as_text=True)
    assert _everything(app) == before


def test_the_forms_offer_an_administrator_only_their_own_party(app, browser, operator):
    browser.sign_in("cica.admin")
    cica, unoct = _party_id(app, "CICA"), _party_id(app, "UNOCT")
    for page in ("/admin/users/new", f"/admin/users/{_user(app, 'cica.legal').id}"):
        html = browser.get(page).get_data(as_text=True)
        assert f'<option value="{cica}"' in html or f'<option selected value="{cica}"' in html
        assert f'<option value="{unoct}"' not in html and f'<option selected value="{unoct}"' not in html
        assert "— none —" not in html
    html = operator.get("/admin/users/new").get_data(as_text=True)
    assert f'value="{cica}"' in html and f'value="{unoct}"' in html and "— none —" in html


def test_an_administrators_list_shows_their_partys_accounts_and_the_operators_shows_all(app, browser, operator):
    browser.sign_in("cica.admin")
    listing = browser.get("/admin/users").get_data(as_text=True)
    assert "cica.legal" in listing and "cica.negotiator" in listing
    assert "unoct." not in listing and OPERATOR not in listing
    everyone = operator.get("/admin/users").get_data(as_text=True)
    assert all(login in everyone for login in ("cica.admin", "unoct.negotiator", "unoct.admin", OPERATOR))


def test_administrator_cannot_touch_an_account_of_the_other_party_even_by_posting_directly(app, browser):
    victim = Browser(app.test_client(), browser.passwords)
    victim.sign_in("unoct.negotiator")
    browser.sign_in("cica.admin")
    target, form = _account_form(app, "unoct.negotiator")
    before = _everything(app)
    token = browser.token("/admin/users")  # any page of the administrator's carries a CSRF token
    assert browser.get(f"/admin/users/{target.id}").status_code == 403
    attempts = [
        (f"/admin/users/{target.id}", {**form, "display_name": "Renamed"}),  # edit
        (f"/admin/users/{target.id}", {**form, "active": ""}),  # deactivate
        (f"/admin/users/{target.id}", {**form, "party_id": str(_party_id(app, "CICA"))}),  # pull into CICA
        (
            f"/admin/users/{target.id}/password",
            {"reset-password": "taken-over-passphrase", "reset-confirm": "taken-over-passphrase"},
        ),
    ]
    for url, data in attempts:
        response = browser.client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 403, url
        assert "your own party only" in response.get_data(as_text=True)
    assert _everything(app) == before
    assert victim.get("/").status_code == 200  # their session was not ended either


def test_administrator_cannot_send_an_account_of_their_party_to_the_other_party(app, browser):
    browser.sign_in("cica.admin")
    before = _everything(app)
    target, form = _account_form(app, "cica.negotiator", party_id=str(_party_id(app, "UNOCT")))
    response = browser.post(f"/admin/users/{target.id}", form)
    assert response.status_code == 403
    assert _everything(app) == before


def test_operator_manages_accounts_of_every_party(app, operator):
    unoct = _party_id(app, "UNOCT")
    created = operator.post(
        "/admin/users/new",
        {**BASE, "login": "unoct.delegate", "role": "negotiator", "party_id": str(unoct)},
    )
    assert created.status_code == 302
    assert _user(app, "unoct.delegate").party_id == unoct
    target, form = _account_form(app, "unoct.negotiator", display_name="Daniel J. Moreau")
    assert operator.post(f"/admin/users/{target.id}", form).status_code == 302
    assert _user(app, "unoct.negotiator").display_name == "Daniel J. Moreau"
    reset = operator.post(
        f"/admin/users/{target.id}/password",
        {"reset-password": "operator-set-passphrase", "reset-confirm": "operator-set-passphrase"},
        token_from=f"/admin/users/{target.id}",
    )
    assert reset.status_code == 302
    assert operator.post(f"/admin/users/{target.id}", {**form, "active": ""}).status_code == 302
    assert _user(app, "unoct.negotiator").active is False


def test_operator_reads_no_partys_drafts(app, operator, browser):
    from tests.conftest import wid_of
    from tests.services.test_amendments import SETTLEMENT, amendment_id, propose

    browser.sign_in("unoct.negotiator")
    draft = amendment_id(propose(browser, wid_of(app, SETTLEMENT), "Any dispute will be settled amicably."))
    assert browser.get(f"/amendments/{draft}").status_code == 200
    assert operator.get(f"/amendments/{draft}").status_code == 404
