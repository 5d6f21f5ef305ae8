"""interface language per user; the version in which each clause text was last revised

Revision ID: 0006_languages
Revises: 0005_api_tokens
Create Date: 2026-11-23 09:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_languages'
down_revision = '0005_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
        batch_op.create_check_constraint(op.f('ck_users_language_supported'), "language IN ('en', 'ru')")
    with op.batch_alter_table('clause_texts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revised_in_seq', sa.Integer(), nullable=True))
    _backfill_revised_in_seq()


def _backfill_revised_in_seq():
    """Walk every clause's versions in order: a language whose words equal its predecessor's carries the
    predecessor's number; otherwise it was revised in that version."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT v.clause_id, v.seq, t.version_id, t.language, t.heading, t.body "
        "FROM clause_texts t JOIN clause_versions v ON v.id = t.version_id ORDER BY v.clause_id, v.seq"
    )).all()
    last = {}
    for clause_id, seq, version_id, language, heading, body in rows:
        previous = last.get((clause_id, language))
        if previous and previous[1] == body and (previous[2] or None) == (heading or None):
            revised_in = previous[0]
        else:
            revised_in = seq
        last[(clause_id, language)] = (revised_in, body, heading)
        connection.execute(
            sa.text("UPDATE clause_texts SET revised_in_seq = :r WHERE version_id = :v AND language = :l"),
            {"r": revised_in, "v": version_id, "l": language},
        )


def downgrade():
    with op.batch_alter_table('clause_texts', schema=None) as batch_op:
        batch_op.drop_column('revised_in_seq')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_language_supported'), type_='check')
        batch_op.drop_column('language')
