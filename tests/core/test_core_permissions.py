from dataclasses import dataclass

import pytest

from mou_tracker.core import permissions
from mou_tracker.core.roles import Role


@dataclass
class Person:
    id: int
    role: Role
    party_id: int | None = 1
    active: bool = True


@pytest.mark.parametrize("role", list(Role))
def test_every_active_user_reads_the_draft_and_nobody_else(role):
    assert permissions.can_read_draft(Person(1, role))
    assert not permissions.can_read_draft(Person(1, role, active=False))
    assert not permissions.can_read_draft(None)


@pytest.mark.parametrize("role", list(Role))
def test_only_active_administrators_manage_users(role):
    assert permissions.can_manage_users(Person(1, role)) is (role is Role.administrator)
    assert not permissions.can_manage_users(Person(1, role, active=False))


def test_an_administrator_cannot_lock_themselves_out_but_may_change_others():
    admin = Person(1, Role.administrator)
    other = Person(2, Role.administrator)
    assert permissions.is_self_lockout(admin, admin, new_role=Role.chair, new_active=True)
    assert permissions.is_self_lockout(admin, admin, new_role=Role.administrator, new_active=False)
    assert not permissions.is_self_lockout(admin, admin, new_role=Role.administrator, new_active=True)
    assert not permissions.is_self_lockout(admin, other, new_role=Role.chair, new_active=False)


def test_only_negotiators_need_a_party():
    assert [r for r in Role if r.needs_party] == [Role.negotiator]
