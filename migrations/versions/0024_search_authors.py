"""search entries say whose words they are (party_id) and which clause post they read (post_id)

Revision ID: 0024_search_authors
Revises: 0023_stored_redlines
Create Date: 2026-11-27 13:20:00

The search's party filter looked for the author through subqueries on amendments, audit events and amendment
comments, and so never found a post in a clause's discussion (its entry named no author). Each entry now carries the
party of whoever wrote it: the amendment's party for its wordings and rationales, the writer's party for a comment
or a post, the actor's for an audit event (None for clause texts and meeting notes); and a post's entry names the
post, so that it goes with it. Existing entries are filled in here, in SQL (posts are found by their clause, body
and time, the way their entries were written).

SQLite rebuilds the table to add the foreign keys (batch mode), which drops the FTS5 triggers of 0013_search: they
are made again afterwards; the FTS5 index itself reads rows by id, which the copy keeps.
"""
from alembic import op
import sqlalchemy as sa


revision = '0024_search_authors'
down_revision = '0023_stored_redlines'
branch_labels = None
depends_on = None

_TRIGGERS = {
    'search_fts_insert': (
        "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_entries BEGIN "
        "INSERT INTO search_fts(rowid, stems) VALUES (new.id, new.stems); END"
    ),
    'search_fts_delete': (
        "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_entries BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, stems) VALUES ('delete', old.id, old.stems); END"
    ),
    'search_fts_update': (
        "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_entries BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, stems) VALUES ('delete', old.id, old.stems); "
        "INSERT INTO search_fts(rowid, stems) VALUES (new.id, new.stems); END"
    ),
}

# A post's entry: a comment that is on no amendment. The first pass matches it exactly as it was written (same
# clause, body and time); the second catches an entry whose time differs. An internal entry only ever matches a
# post of the party it is private to.
_POST_OF_ENTRY = (
    "UPDATE search_entries SET post_id = ("
    " SELECT p.id FROM clause_posts p"
    " WHERE p.clause_id = search_entries.clause_id AND p.body = search_entries.text{time}"
    " AND (search_entries.private_to_party_id IS NULL OR p.party_id = search_entries.private_to_party_id)"
    # A shared entry reads a shared post, an internal one an internal post (the same words may be both).
    " AND p.internal = (search_entries.private_to_party_id IS NOT NULL)"
    " ORDER BY p.id LIMIT 1)"
    " WHERE source = 'comment' AND comment_id IS NULL AND amendment_id IS NULL AND post_id IS NULL"
)

_PARTY_OF_ENTRY = (
    "UPDATE search_entries SET party_id = ("
    " SELECT a.party_id FROM amendments a WHERE a.id = search_entries.amendment_id)"
    " WHERE source IN ('amendment_text', 'rationale')",
    "UPDATE search_entries SET party_id = ("
    " SELECT c.party_id FROM amendment_comments c WHERE c.id = search_entries.comment_id)"
    " WHERE comment_id IS NOT NULL",
    "UPDATE search_entries SET party_id = ("
    " SELECT p.party_id FROM clause_posts p WHERE p.id = search_entries.post_id)"
    " WHERE post_id IS NOT NULL",
    "UPDATE search_entries SET party_id = ("
    " SELECT u.party_id FROM audit_events e JOIN users u ON u.id = e.actor_id"
    " WHERE e.id = search_entries.audit_event_id)"
    " WHERE audit_event_id IS NOT NULL",
)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def _drop_triggers() -> None:
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _create_triggers() -> None:
    for statement in _TRIGGERS.values():
        op.execute(statement)


def upgrade():
    sqlite = _sqlite()
    if sqlite:
        _drop_triggers()
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('party_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_search_entries_party_id'), ['party_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_search_entries_post_id_clause_posts'), 'clause_posts', ['post_id'], ['id'],
            ondelete='CASCADE',
        )
        batch_op.create_foreign_key(batch_op.f('fk_search_entries_party_id_parties'), 'parties', ['party_id'], ['id'])
    # The stems do not change, so the FTS5 index needs no update while its triggers are away.
    op.execute(_POST_OF_ENTRY.format(time=" AND p.created_at = search_entries.written_at"))
    op.execute(_POST_OF_ENTRY.format(time=""))
    for statement in _PARTY_OF_ENTRY:
        op.execute(statement)
    if sqlite:
        _create_triggers()


def downgrade():
    sqlite = _sqlite()
    if sqlite:
        _drop_triggers()
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_search_entries_party_id_parties'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_search_entries_post_id_clause_posts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_search_entries_party_id'))
        batch_op.drop_column('party_id')
        batch_op.drop_column('post_id')
    if sqlite:
        _create_triggers()
