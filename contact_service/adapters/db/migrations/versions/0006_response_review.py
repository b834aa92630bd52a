"""response review: responses can be withdrawn; a callback from a number matching several cases waits for a
supervisor's resolution (its candidate cases are kept)

Reports that matched several cases before this revision already marked every one of them responded; they are
recorded as resolved that way (by "migration-0006", at the time they were received), so the review queue
holds only reports that recorded nothing. A supervisor can still withdraw any of those responses.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PENDING = "match_status = 'ambiguous' AND resolved_at IS NULL"


def upgrade() -> None:
    op.create_table('inbound_callback_matches',
    sa.Column('inbound_callback_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_inbound_callback_matches_case_id_cases')),
    sa.ForeignKeyConstraint(['inbound_callback_id'], ['inbound_callbacks.id'], name=op.f('fk_inbound_callback_matches_inbound_callback_id_inbound_callbacks')),
    sa.PrimaryKeyConstraint('inbound_callback_id', 'case_id', name=op.f('pk_inbound_callback_matches'))
    )
    with op.batch_alter_table('inbound_callbacks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolved_by', sa.String(length=100), nullable=True))
    op.create_index('ix_inbound_callbacks_pending', 'inbound_callbacks', ['id'], unique=False, sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING))
    with op.batch_alter_table('case_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by', sa.String(length=100), nullable=True))
    # The cases each earlier report matched are the cases it recorded responses on.
    op.execute("""
        INSERT INTO inbound_callback_matches (inbound_callback_id, case_id)
        SELECT DISTINCT inbound_callback_id, case_id FROM case_responses WHERE inbound_callback_id IS NOT NULL
    """)
    op.execute("""
        UPDATE inbound_callbacks SET resolved_at = received_at, resolved_by = 'migration-0006'
        WHERE match_status = 'ambiguous'
    """)


def downgrade() -> None:
    with op.batch_alter_table('case_responses', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_by')
        batch_op.drop_column('withdrawn_at')
    op.drop_index('ix_inbound_callbacks_pending', table_name='inbound_callbacks', sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING))
    with op.batch_alter_table('inbound_callbacks', schema=None) as batch_op:
        batch_op.drop_column('resolved_by')
        batch_op.drop_column('resolved_at')
    op.drop_table('inbound_callback_matches')
