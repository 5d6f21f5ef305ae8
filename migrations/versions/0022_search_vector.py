"""full-text search on PostgreSQL reads a stored tsvector instead of computing one per row

Revision ID: 0022_search_vector
Revises: 0021_audit_index
Create Date: 2026-11-27 11:00:00

The GIN index of 0013_search was on the expression to_tsvector('simple', stems): the index finds the candidate
rows, but PostgreSQL then computes the expression again for every row to recheck it (most of a search's time at
treaty scale: about 0.2 ms a row, a second for a common word). A generated column keeps the vector with the row.
SQLite's FTS5 table is not concerned.
"""
from alembic import op


revision = '0022_search_vector'
down_revision = '0021_audit_index'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP INDEX IF EXISTS search_entries_fulltext")
    op.execute(
        "ALTER TABLE search_entries ADD COLUMN search_entries_fulltext_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', stems)) STORED"
    )
    op.execute("CREATE INDEX search_entries_fulltext ON search_entries USING gin (search_entries_fulltext_vector)")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP INDEX IF EXISTS search_entries_fulltext")
    op.execute("ALTER TABLE search_entries DROP COLUMN search_entries_fulltext_vector")
    op.execute("CREATE INDEX search_entries_fulltext ON search_entries USING gin (to_tsvector('simple', stems))")
