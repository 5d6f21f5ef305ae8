"""clause discussion, mentions and attachments

Revision ID: 0020_discussion
Revises: 0019_deadlines
Create Date: 2026-11-27 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020_discussion'
down_revision = '0019_deadlines'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
