"""Invariants that hold in the database itself, whatever code writes to it."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from mou_tracker.core.roles import Role
from mou_tracker.extensions import db
from mou_tracker.models import AuditEvent, Clause, ClauseText, ClauseVersion, User
from mou_tracker.models.immutability import ImmutableRowError


def test_a_negotiator_without_a_party_is_refused_by_the_database(session):
    session.add(User(login="x", display_name="X", password_hash="h", role=Role.negotiator, party_id=None))
    with pytest.raises(IntegrityError, match="negotiator_has_party"):
        session.flush()


def test_an_empty_clause_text_is_refused_by_the_database(app, demo, session):
    clause = session.scalar(db.select(Clause).limit(1))
    version = ClauseVersion(clause=clause, seq=99, reason="test")
    version.texts.append(ClauseText(language="en", body=""))
    session.add(version)
    with pytest.raises(IntegrityError, match="body_not_empty"):
        session.flush()


def test_a_clause_cannot_have_two_versions_with_the_same_number(app, demo, session):
    clause = session.scalar(db.select(Clause).limit(1))
    session.add(ClauseVersion(clause=clause, seq=1, reason="duplicate"))
    with pytest.raises(IntegrityError):
        session.flush()


@pytest.mark.parametrize("model", [ClauseVersion, ClauseText, AuditEvent])
def test_history_rows_can_be_neither_changed_nor_deleted(app, demo, session, model):
    row = session.scalar(db.select(model).limit(1))
    attribute = {"ClauseVersion": "reason", "ClauseText": "body", "AuditEvent": "summary"}[model.__name__]
    setattr(row, attribute, "rewritten")
    with pytest.raises(ImmutableRowError):
        session.flush()
    session.rollback()
    session.delete(session.scalar(db.select(model).limit(1)))
    with pytest.raises(ImmutableRowError):
        session.flush()


def test_timestamps_come_back_timezone_aware(app, demo, session):
    version = session.scalar(db.select(ClauseVersion).limit(1))
    session.expire_all()
    assert version.created_at.tzinfo is not None
    assert version.created_at.isoformat().startswith("2024-03-06T09:00:00")
