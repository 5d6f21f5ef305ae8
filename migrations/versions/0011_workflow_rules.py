"""superseded amendments and per-negotiation legal clearance rule

Revision ID: 0011_workflow_rules
Revises: 0010_import_previews
Create Date: 2026-11-27 06:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_workflow_rules'
down_revision = '0010_import_previews'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
