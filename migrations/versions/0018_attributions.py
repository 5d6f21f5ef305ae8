"""who wrote each word, kept per clause version

Revision ID: 0018_attributions
Revises: 0017_brackets
Create Date: 2026-11-27 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018_attributions'
down_revision = '0017_brackets'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
