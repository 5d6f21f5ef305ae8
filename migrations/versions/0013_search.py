"""search entries: the stems of every text, indexed by the database's own full-text search

Revision ID: 0013_search
Revises: 0012_delegations
Create Date: 2026-11-27 06:20:00

PostgreSQL: a GIN index over to_tsvector('simple', stems). SQLite: an FTS5 table reading search_entries (external
content), kept in step by triggers. Neither is part of the models (they are not tables SQLAlchemy can describe);
schema_check.FULL_TEXT_OBJECTS names them so that comparing migrations and models leaves them out.
Existing texts are indexed at the end of the upgrade (services.search.rebuild).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session



revision = '0013_search'
down_revision = '0012_delegations'
branch_labels = None
depends_on = None

SOURCES = ('clause_text', 'amendment_text', 'rationale', 'comment', 'meeting_note', 'audit')


def upgrade():
    op.create_table('search_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum(*SOURCES, name='search_source', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('clause_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('revision_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('outcome_id', sa.Integer(), nullable=True),
    sa.Column('audit_event_id', sa.Integer(), nullable=True),
    sa.Column('private_to_party_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('stems', sa.Text(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_search_entries_instrument_id_instruments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['clause_id'], ['clauses.id'], name=op.f('fk_search_entries_clause_id_clauses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['clause_versions.id'], name=op.f('fk_search_entries_version_id_clause_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendments.id'], name=op.f('fk_search_entries_amendment_id_amendments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['amendment_revisions.id'], name=op.f('fk_search_entries_revision_id_amendment_revisions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['comment_id'], ['amendment_comments.id'], name=op.f('fk_search_entries_comment_id_amendment_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outcome_id'], ['milestone_outcomes.id'], name=op.f('fk_search_entries_outcome_id_milestone_outcomes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['audit_event_id'], ['audit_events.id'], name=op.f('fk_search_entries_audit_event_id_audit_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['private_to_party_id'], ['parties.id'], name=op.f('fk_search_entries_private_to_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entries'))
    )
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_entries_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entries_amendment_id'), ['amendment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entries_outcome_id'), ['outcome_id'], unique=False)

    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute("CREATE INDEX search_entries_fulltext ON search_entries USING gin (to_tsvector('simple', stems))")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(stems, content='search_entries', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 0')"
        )
        op.execute(
            "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_entries BEGIN "
            "INSERT INTO search_fts(rowid, stems) VALUES (new.id, new.stems); END"
        )
        op.execute(
            "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_entries BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, stems) VALUES ('delete', old.id, old.stems); END"
        )
        op.execute(
            "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_entries BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, stems) VALUES ('delete', old.id, old.stems); "
            "INSERT INTO search_fts(rowid, stems) VALUES (new.id, new.stems); END"
        )

    from mou_tracker.services.search import rebuild

    session = Session(bind=bind)
    rebuild(session)
    session.flush()


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS search_entries_fulltext")
    else:
        for trigger in ('search_fts_insert', 'search_fts_delete', 'search_fts_update'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_entries_outcome_id'))
        batch_op.drop_index(batch_op.f('ix_search_entries_amendment_id'))
        batch_op.drop_index(batch_op.f('ix_search_entries_instrument_id'))
    op.drop_table('search_entries')
