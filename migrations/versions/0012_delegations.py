"""Member-State delegations, their proposals and reservations; meeting names in other languages

Revision ID: 0012_delegations
Revises: 0011_workflow_rules
Create Date: 2026-11-27 06:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_delegations'
down_revision = '0011_workflow_rules'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'delegations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instrument_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('names', sa.JSON(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("name <> ''", name=op.f('ck_delegations_name_not_empty')),
        sa.ForeignKeyConstraint(
            ['instrument_id'], ['instruments.id'], name=op.f('fk_delegations_instrument_id_instruments'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delegations')),
        sa.UniqueConstraint('instrument_id', 'name', name=op.f('uq_delegations_instrument_id_name')),
    )
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegations_instrument_id'), ['instrument_id'], unique=False)

    with op.batch_alter_table('milestone_outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delegation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_milestone_outcomes_delegation_id_delegations'), 'delegations', ['delegation_id'], ['id']
        )

    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delegation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_amendments_delegation_id_delegations'), 'delegations', ['delegation_id'], ['id']
        )

    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('names', sa.JSON(), nullable=False, server_default='{}'))


def downgrade():
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_column('names')

    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_amendments_delegation_id_delegations'), type_='foreignkey')
        batch_op.drop_column('delegation_id')

    with op.batch_alter_table('milestone_outcomes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_milestone_outcomes_delegation_id_delegations'), type_='foreignkey')
        batch_op.drop_column('delegation_id')

    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delegations_instrument_id'))

    op.drop_table('delegations')
