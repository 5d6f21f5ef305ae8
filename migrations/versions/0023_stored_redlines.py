"""redlines kept once computed, named by a digest of the two texts

Revision ID: 0023_stored_redlines
Revises: 0022_search_vector
Create Date: 2026-11-27 13:20:00

The rows are derived from the texts (core.stored_redline, the redline engine): new revisions and versions get
theirs when they are written (models.stored_redlines); the upgrade fills them for what was written before: each
revision against the version it was written on and against the revision before it, each version against the one
before it, each open amendment against its clause's current version, and the versions frozen for the meetings
against each other and against the current version. One diff per pair and language (heading and body): at the
benchmark's treaty size (5,000 amendments, 900 versions, 3 meetings) about 12,000 diffs, about a minute on the
2-core machine class; the demo's, under a second. A pair it leaves out is diffed when a page shows it, as before.
"""
from alembic import op
import sqlalchemy as sa


revision = '0023_stored_redlines'
down_revision = '0022_search_vector'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stored_redlines',
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('segments', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('digest', name=op.f('pk_stored_redlines')),
    )
    _backfill()


def _words(bind, table, key):
    """{owner id: {language: (heading, body)}} of clause_texts or amendment_texts."""
    texts = sa.table(table, sa.column(key), sa.column('language'), sa.column('heading'), sa.column('body'))
    out = {}
    for owner, language, heading, body in bind.execute(
        sa.select(texts.c[key], texts.c.language, texts.c.heading, texts.c.body)
    ):
        out.setdefault(owner, {})[language] = (heading, body)
    return out


def _pairs(old, new):
    for language, (heading, body) in new.items():
        old_heading, old_body = old.get(language, (None, None))
        yield old_heading or '', heading or ''
        yield old_body or '', body or ''


def _backfill():
    from mou_tracker.core import stored_redline
    from mou_tracker.core.redline import diff_tokens
    from mou_tracker.core.workflow import OPEN_STATES

    bind = op.get_bind()
    versions = sa.table(
        'clause_versions', sa.column('id'), sa.column('clause_id'), sa.column('seq'), sa.column('is_deleted')
    )
    amendments = sa.table('amendments', sa.column('id'), sa.column('clause_id'), sa.column('kind'), sa.column('state'))
    revisions = sa.table(
        'amendment_revisions',
        sa.column('id'),
        sa.column('amendment_id'),
        sa.column('seq'),
        sa.column('base_version_id'),
    )
    snapshots = sa.table('milestone_snapshots', sa.column('clause_id'), sa.column('version_id'))
    table = sa.table('stored_redlines', sa.column('digest'), sa.column('segments', sa.JSON()))
    version_words = _words(bind, 'clause_texts', 'version_id')
    revision_words = _words(bind, 'amendment_texts', 'revision_id')

    open_states = {state.name for state in OPEN_STATES}  # enums are stored by name

    def pairs():
        current = {}  # clause id: its latest version id (None when deleted)
        previous = {}  # clause id: {language: words} of the version before
        for version_id, clause_id, is_deleted in bind.execute(
            sa.select(versions.c.id, versions.c.clause_id, versions.c.is_deleted).order_by(
                versions.c.clause_id, versions.c.seq
            )
        ).all():
            words = {} if is_deleted else version_words.get(version_id, {})
            if not is_deleted:
                yield from _pairs(previous.get(clause_id, {}), words)
            previous[clause_id] = words
            current[clause_id] = None if is_deleted else version_id
        last_revision = {}  # amendment id: (revision id, base version id)
        for revision_id, amendment_id, base_id, kind, state, clause_id in bind.execute(
            sa.select(
                revisions.c.id,
                revisions.c.amendment_id,
                revisions.c.base_version_id,
                amendments.c.kind,
                amendments.c.state,
                amendments.c.clause_id,
            )
            .join(amendments, amendments.c.id == revisions.c.amendment_id)
            .order_by(revisions.c.amendment_id, revisions.c.seq)
        ).all():
            if kind == 'delete':
                continue
            words = revision_words.get(revision_id, {})
            if kind == 'change' and base_id is not None:
                yield from _pairs(version_words.get(base_id, {}), words)
            before = last_revision.get(amendment_id)
            if before is not None:
                yield from _pairs(revision_words.get(before[0], {}), words)
            last_revision[amendment_id] = (revision_id, base_id, kind, state, clause_id)
        # An open amendment written on an earlier version reads against the current one.
        for revision_id, base_id, kind, state, clause_id in last_revision.values():
            latest = current.get(clause_id)
            if kind == 'change' and state in open_states and latest not in (None, base_id):
                yield from _pairs(version_words.get(latest, {}), revision_words.get(revision_id, {}))
        # The meetings' drafts against each other and against the current draft, the older version first.
        frozen = {}
        for clause_id, version_id in bind.execute(sa.select(snapshots.c.clause_id, snapshots.c.version_id)).all():
            frozen.setdefault(clause_id, set()).add(version_id)
        for clause_id, ids in frozen.items():
            ordered = sorted(ids | ({current[clause_id]} if current.get(clause_id) else set()))
            for n, older in enumerate(ordered):
                for newer in ordered[n + 1 :]:
                    yield from _pairs(version_words.get(older, {}), version_words.get(newer, {}))

    seen = set()
    rows = []
    for old, new in pairs():
        if stored_redline.is_trivial(old, new):
            continue
        key = stored_redline.digest(old, new)
        if key in seen:
            continue
        seen.add(key)
        rows.append({'digest': key, 'segments': stored_redline.encode(diff_tokens(old, new))})
        if len(rows) >= 1000:
            op.bulk_insert(table, rows)
            rows = []
    if rows:
        op.bulk_insert(table, rows)


def downgrade():
    op.drop_table('stored_redlines')
