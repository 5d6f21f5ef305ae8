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
    pass


def downgrade():
    pass
