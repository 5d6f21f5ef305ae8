"""an index for the state stamp: a negotiation's newest public event and a party's newest private event in it

Revision ID: 0026_stamp_index
Revises: 0025_outbox_later
Create Date: 2026-11-27 17:40:00

The status pages are kept per state (web/page_cache); the state is read on every view of every status page, and is
now scoped to the negotiation read and to what a page shows of a party's private business
(services.reports.state_stamp). Its newest-event lookups walked the primary key back from the newest event of any
negotiation; next to a busier negotiation that walk passed the other's events first. With (instrument_id,
private_to_party_id, id) each lookup is one probe of the index.
"""

from alembic import op

revision = "0026_stamp_index"
down_revision = "0025_outbox_later"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_audit_events_stamp", "audit_events", ["instrument_id", "private_to_party_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_stamp", table_name="audit_events")
