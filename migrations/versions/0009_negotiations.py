"""several negotiations: a slug per negotiation, the users assigned to each, the negotiation of each audit event

Revision ID: 0009_negotiations
Revises: 0008_sign_in_sessions
Create Date: 2026-11-27 03:40:00

Existing negotiations get a slug from their short title. Every chair, legal reviewer and administrator is assigned
to every existing negotiation, so that nobody loses what they could read; each audit event is given the
negotiation of what it concerns (events about accounts, tokens and sign-ins belong to none).
"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0009_negotiations'
down_revision = '0008_sign_in_sessions'
branch_labels = None
depends_on = None


def _slugify(text):
    # The rule of mou_tracker.core.slugs at the time of this migration (a migration does not import the app).
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:40].rstrip("-")


def upgrade():
    connection = op.get_bind()
    with op.batch_alter_table('instruments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slug', sa.String(length=40), nullable=True))
    taken = set()
    for instrument_id, short_title in connection.execute(
        sa.text("SELECT id, short_title FROM instruments ORDER BY id")
    ).all():
        slug = _slugify(short_title) or f"negotiation-{instrument_id}"
        if len(slug) < 2 or slug in taken:
            slug = f"{slug[:30]}-{instrument_id}".strip("-")
        taken.add(slug)
        connection.execute(sa.text("UPDATE instruments SET slug = :slug WHERE id = :id"), {"slug": slug, "id": instrument_id})
    with op.batch_alter_table('instruments', schema=None) as batch_op:
        batch_op.alter_column('slug', existing_type=sa.String(length=40), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_instruments_slug'), ['slug'])
        batch_op.create_check_constraint(batch_op.f('ck_instruments_slug_not_empty'), "slug <> ''")

    op.create_table('instrument_assignments',
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_instrument_assignments_instrument_id_instruments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_instrument_assignments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('instrument_id', 'user_id', name=op.f('pk_instrument_assignments'))
    )
    with op.batch_alter_table('instrument_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instrument_assignments_user_id'), ['user_id'], unique=False)
    connection.execute(
        sa.text(
            "INSERT INTO instrument_assignments (instrument_id, user_id) "
            "SELECT instruments.id, users.id FROM instruments CROSS JOIN users WHERE users.role <> 'negotiator'"
        )
    )

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instrument_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_events_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_audit_events_instrument_id_instruments'), 'instruments', ['instrument_id'], ['id']
        )
    for subject_type, table in (("Amendment", "amendments"), ("Milestone", "milestones"), ("Clause", "clauses")):
        connection.execute(
            sa.text(
                f"UPDATE audit_events SET instrument_id = (SELECT {table}.instrument_id FROM {table} "  # noqa: S608
                f"WHERE CAST({table}.id AS VARCHAR) = audit_events.subject_id) "
                "WHERE subject_type = :subject_type"
            ),
            {"subject_type": subject_type},
        )
    connection.execute(
        sa.text(
            "UPDATE audit_events SET instrument_id = (SELECT clauses.instrument_id FROM clauses "
            "WHERE clauses.id = audit_events.clause_id) WHERE instrument_id IS NULL AND clause_id IS NOT NULL"
        )
    )
    connection.execute(
        sa.text(
            "UPDATE audit_events SET instrument_id = CAST(subject_id AS INTEGER) "
            "WHERE subject_type = 'Instrument' AND instrument_id IS NULL"
        )
    )


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_events_instrument_id_instruments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_events_instrument_id'))
        batch_op.drop_column('instrument_id')
    with op.batch_alter_table('instrument_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instrument_assignments_user_id'))
    op.drop_table('instrument_assignments')
    with op.batch_alter_table('instruments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_instruments_slug_not_empty'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_instruments_slug'), type_='unique')
        batch_op.drop_column('slug')
