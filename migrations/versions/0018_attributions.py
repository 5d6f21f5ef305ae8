"""who wrote each word, kept per clause version

Revision ID: 0018_attributions
Revises: 0017_brackets
Create Date: 2026-11-27 09:30:00

The rows are derived from the clause versions (core.attribution, the redline engine): new versions get theirs
when they are written (models.attributions); the upgrade fills them for every version written before, clause by
clause, one diff per version and language.
"""
from alembic import op
import sqlalchemy as sa


revision = '0018_attributions'
down_revision = '0017_brackets'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'clause_text_attributions',
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('runs', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ['version_id'], ['clause_versions.id'],
            name=op.f('fk_clause_text_attributions_version_id_clause_versions'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('version_id', 'language', name=op.f('pk_clause_text_attributions')),
    )
    _backfill()


def _backfill():
    from mou_tracker.core import attribution

    bind = op.get_bind()
    versions = sa.table(
        'clause_versions', sa.column('id'), sa.column('clause_id'), sa.column('seq'), sa.column('is_deleted')
    )
    texts = sa.table('clause_texts', sa.column('version_id'), sa.column('language'), sa.column('body'))
    table = sa.table('clause_text_attributions', sa.column('version_id'), sa.column('language'), sa.column('runs', sa.JSON()))
    words = {}
    for version_id, language, body in bind.execute(sa.select(texts.c.version_id, texts.c.language, texts.c.body)):
        words.setdefault(version_id, {})[language] = body
    rows = []
    previous = {}  # clause id: {language: (text, runs)}
    for version_id, clause_id, seq, is_deleted in bind.execute(
        sa.select(versions.c.id, versions.c.clause_id, versions.c.seq, versions.c.is_deleted).order_by(
            versions.c.clause_id, versions.c.seq
        )
    ):
        if is_deleted:
            previous[clause_id] = {}
            continue
        current = {}
        for language, body in (words.get(version_id) or {}).items():
            before = previous.get(clause_id, {}).get(language)
            runs = (
                attribution.runs_of_first(body, seq)
                if before is None
                else attribution.next_runs(before[0], before[1], body, seq)
            )
            current[language] = (body, runs)
            rows.append({'version_id': version_id, 'language': language, 'runs': attribution.runs_to_json(runs)})
        previous[clause_id] = current
        if len(rows) >= 1000:
            op.bulk_insert(table, rows)
            rows = []
    if rows:
        op.bulk_insert(table, rows)


def downgrade():
    op.drop_table('clause_text_attributions')
