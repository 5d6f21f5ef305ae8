"""index for reading a party's private audit events

Revision ID: 0021_audit_index
Revises: 0020_discussion
Create Date: 2026-11-27 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0021_audit_index'
down_revision = '0020_discussion'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
