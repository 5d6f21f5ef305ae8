"""reply-by dates on amendments, written-proposal deadlines on meetings, reminders sent

Revision ID: 0019_deadlines
Revises: 0018_attributions
Create Date: 2026-11-27 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0019_deadlines'
down_revision = '0018_attributions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('deadline_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('reply_by', 'proposals', name='reminder_kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('near', 'passed', name='reminder_stage', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_reminders')),
    sa.UniqueConstraint('kind', 'subject_id', 'stage', 'due', name=op.f('uq_deadline_reminders_kind_subject_id_stage_due'))
    )
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposals_deadline', sa.Date(), nullable=True))

    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_by', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('late_for_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('late_decision', sa.Enum('admitted', 'deferred', name='late_decision', native_enum=False, create_constraint=True, length=16), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_amendments_late_for_id_milestones'), 'milestones', ['late_for_id'], ['id'])


def downgrade():
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_amendments_late_for_id_milestones'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('ck_amendments_late_decision'), type_='check')
        batch_op.drop_column('late_decision')
        batch_op.drop_column('late_for_id')
        batch_op.drop_column('reply_by')

    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_column('proposals_deadline')

    op.drop_table('deadline_reminders')
