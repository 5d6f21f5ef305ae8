"""citation numbers given at tabling, from a per-negotiation, per-party counter; the revision that was tabled

Revision ID: 0007_citation_numbers
Revises: 0006_languages
Create Date: 2026-11-27 03:20:00

A number given at drafting let the other party count a party's untabled drafts from the gaps, and two proposals
made at once by one party collided on it. Amendments never tabled lose their number (only their own party ever saw
it); tabled ones keep theirs, and each party's counter starts after its highest number.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_citation_numbers'
down_revision = '0006_languages'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('instrument_parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_citation_number', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tabled_seq', sa.Integer(), nullable=True))
        batch_op.alter_column('number', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint('uq_amendments_party_id_number', type_='unique')
        batch_op.create_unique_constraint(
            op.f('uq_amendments_instrument_id_party_id_number'), ['instrument_id', 'party_id', 'number']
        )

    amendments = sa.table(
        'amendments',
        sa.column('id', sa.Integer),
        sa.column('instrument_id', sa.Integer),
        sa.column('party_id', sa.Integer),
        sa.column('number', sa.Integer),
        sa.column('tabled_at', sa.DateTime(timezone=True)),
        sa.column('tabled_seq', sa.Integer),
    )
    revisions = sa.table(
        'amendment_revisions',
        sa.column('amendment_id', sa.Integer),
        sa.column('seq', sa.Integer),
        sa.column('created_at', sa.DateTime(timezone=True)),
    )
    instrument_parties = sa.table(
        'instrument_parties',
        sa.column('instrument_id', sa.Integer),
        sa.column('party_id', sa.Integer),
        sa.column('last_citation_number', sa.Integer),
    )
    op.execute(amendments.update().where(amendments.c.tabled_at.is_(None)).values(number=None))
    # The tabled revision: the last one written at or before the tabling (revisions after it were made while tabled).
    tabled_seq = (
        sa.select(sa.func.coalesce(sa.func.max(revisions.c.seq), 1))
        .where(revisions.c.amendment_id == amendments.c.id, revisions.c.created_at <= amendments.c.tabled_at)
        .scalar_subquery()
    )
    op.execute(amendments.update().where(amendments.c.tabled_at.is_not(None)).values(tabled_seq=tabled_seq))
    highest = (
        sa.select(sa.func.coalesce(sa.func.max(amendments.c.number), 0))
        .where(
            amendments.c.instrument_id == instrument_parties.c.instrument_id,
            amendments.c.party_id == instrument_parties.c.party_id,
        )
        .scalar_subquery()
    )
    op.execute(instrument_parties.update().values(last_citation_number=highest))

    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_amendments_numbered_when_tabled'), '(number IS NULL) = (tabled_at IS NULL)'
        )
        batch_op.create_check_constraint(
            op.f('ck_amendments_tabled_revision_known'), '(tabled_seq IS NULL) = (tabled_at IS NULL)'
        )


def downgrade():
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_amendments_tabled_revision_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_amendments_numbered_when_tabled'), type_='check')
    # Untabled amendments get numbers again, after the party's tabled ones, in the order they were drafted.
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT id, instrument_id, party_id FROM amendments WHERE number IS NULL ORDER BY created_at, id"
        )
    ).all()
    for amendment_id, _instrument_id, party_id in rows:
        connection.execute(
            sa.text(
                "UPDATE amendments SET number = (SELECT COALESCE(MAX(number), 0) + 1 FROM amendments "
                "WHERE party_id = :party) WHERE id = :id"
            ),
            {"party": party_id, "id": amendment_id},
        )
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_amendments_instrument_id_party_id_number'), type_='unique')
        batch_op.create_unique_constraint('uq_amendments_party_id_number', ['party_id', 'number'])
        batch_op.alter_column('number', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('tabled_seq')
    with op.batch_alter_table('instrument_parties', schema=None) as batch_op:
        batch_op.drop_column('last_citation_number')
