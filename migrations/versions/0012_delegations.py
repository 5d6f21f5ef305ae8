"""Member-State delegations, their proposals and reservations

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
    pass


def downgrade():
    pass
