"""e-mails rendered by the outbox worker, not by the action: notifications say whether to mail them at once

Tabling an amendment (or any action that tells people) used to render each e-mail, in each recipient's language,
and write it to the outbox in the same request. Now the request only marks each notification whose recipient takes
e-mail at once (`notifications.mail_at_once`), and the worker (`flask send-mail`) renders it from the notification
row, in the recipient's language at sending time, into the outbox, where retries and failures stay as they were.
A partial index keeps the worker's look-up to the notifications still waiting.

Existing rows need no conversion: a notification already mailed at once has its `mailed_at` and its rendered
message in the outbox (sent, or still to be sent as it is); one waiting for a digest, or of a user who takes no
e-mail, has `mail_at_once` false, the column's default.

Revision ID: 0025_outbox_later
Revises: 0024_search_authors
Create Date: 2026-11-27 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_outbox_later"
down_revision = "0024_search_authors"
branch_labels = None
depends_on = None

WAITING = "mail_at_once AND mailed_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mail_at_once", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(
        "ix_notifications_to_mail",
        "notifications",
        ["id"],
        unique=False,
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )


def downgrade() -> None:
    # Notifications still waiting for the worker are rendered nowhere after a downgrade: they stay on the
    # notifications page, unmailed (the earlier code wrote the e-mail with the action).
    op.drop_index("ix_notifications_to_mail", table_name="notifications")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("mail_at_once")
