"""Word round trip: where an amendment revision came from (uploaded document, its author and date)

Revision ID: 0016_roundtrip
Revises: 0015_party_names
Create Date: 2026-11-27 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_roundtrip'
down_revision = '0015_party_names'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
