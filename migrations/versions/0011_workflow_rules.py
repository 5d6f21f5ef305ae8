"""superseded amendments and per-negotiation legal clearance rule

Revision ID: 0011_workflow_rules
Revises: 0010_import_previews
Create Date: 2026-11-27 06:00:00

An amendment answered by a counter-proposal that is adopted closes as "superseded": the amendment_state CHECK
constraint takes the new state. Each negotiation says whose legal clearance adoption needs; every existing
negotiation keeps the rule it had ("any_reviewer": any legal reviewer's clearance is enough).
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_workflow_rules'
down_revision = '0010_import_previews'
branch_labels = None
depends_on = None

_OLD_STATES = ('draft', 'tabled', 'adopted', 'rejected', 'withdrawn')
_NEW_STATES = _OLD_STATES + ('superseded',)
_RULES = ('any_reviewer', 'per_party')


def _states(values):
    return sa.Enum(*values, name='amendment_state', native_enum=False, create_constraint=True, length=20)


def _set_states(old, new):
    # The CHECK constraint named by the enum (ck_amendments_amendment_state) is dropped and made again with the
    # new list; on SQLite the batch recreates the table.
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.alter_column('state', existing_type=_states(old), type_=_states(new), existing_nullable=False)


def upgrade():
    _set_states(_OLD_STATES, _NEW_STATES)
    with op.batch_alter_table('instruments', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'clearance_rule',
                sa.Enum(*_RULES, name='clearance_rule', native_enum=False, create_constraint=True, length=20),
                server_default='any_reviewer',
                nullable=False,
            )
        )


def downgrade():
    connection = op.get_bind()
    with op.batch_alter_table('instruments', schema=None) as batch_op:
        # The column's CHECK constraint goes first: SQLite's batch would copy it onto the table without the column.
        batch_op.drop_constraint(op.f('ck_instruments_clearance_rule'), type_='check')
        batch_op.drop_column('clearance_rule')
    # A superseded amendment was still tabled when its answer was adopted: before this revision it stayed open.
    connection.execute(sa.text("UPDATE amendments SET state = 'tabled', closed_at = NULL WHERE state = 'superseded'"))
    _set_states(_NEW_STATES, _OLD_STATES)
