"""cases, taxpayers, phones, holds, import runs

Revision ID: 0001
Revises: 
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source_name', sa.String(length=500), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_imported', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    op.create_table('taxpayers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('external_ref', sa.String(length=64), nullable=False),
    sa.Column('taxpayer_type', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('tin_last4', sa.String(length=4), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("taxpayer_type IN ('individual', 'business', 'estate')", name=op.f('ck_taxpayers_taxpayer_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_taxpayers')),
    sa.UniqueConstraint('external_ref', name=op.f('uq_taxpayers_external_ref'))
    )
    op.create_table('cases',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_number', sa.String(length=64), nullable=False),
    sa.Column('taxpayer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('balance_cents', sa.BigInteger(), nullable=False),
    sa.Column('notice_stage', sa.String(length=8), nullable=False),
    sa.Column('last_notice_on', sa.Date(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('csed_on', sa.Date(), nullable=False),
    sa.Column('poa_on_file', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("notice_stage IN ('CP14', 'CP501', 'CP503', 'CP504', 'LT11')", name=op.f('ck_cases_notice_stage')),
    sa.CheckConstraint('balance_cents >= 0', name=op.f('ck_cases_balance_not_negative')),
    sa.ForeignKeyConstraint(['taxpayer_id'], ['taxpayers.id'], name=op.f('fk_cases_taxpayer_id_taxpayers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('case_number', name=op.f('uq_cases_case_number'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_taxpayer_id', ['taxpayer_id'], unique=False)

    op.create_table('phone_numbers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('taxpayer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('e164', sa.String(length=20), nullable=False),
    sa.Column('zones', sa.Text(), nullable=False),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('bad_reason', sa.String(length=200), nullable=True),
    sa.Column('marked_bad_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'bad')", name=op.f('ck_phone_numbers_status')),
    sa.ForeignKeyConstraint(['taxpayer_id'], ['taxpayers.id'], name=op.f('fk_phone_numbers_taxpayer_id_taxpayers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_numbers')),
    sa.UniqueConstraint('taxpayer_id', 'e164', name='uq_phone_numbers_taxpayer_e164')
    )
    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.create_index('ix_phone_numbers_e164', ['e164'], unique=False)

    op.create_table('case_holds',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('hold', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("hold IN ('bankruptcy', 'deceased', 'identity_theft', 'disaster', 'combat_zone', 'cnc', 'ia_pending', 'oic_pending', 'ia_active', 'csed_expired', 'opt_out', 'bad_number')", name=op.f('ck_case_holds_hold')),
    sa.CheckConstraint("source IN ('import', 'operator', 'system')", name=op.f('ck_case_holds_source')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_holds_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_holds'))
    )
    with op.batch_alter_table('case_holds', schema=None) as batch_op:
        batch_op.create_index('uq_case_holds_active', ['case_id', 'hold'], unique=True, sqlite_where=sa.text('released_at IS NULL'), postgresql_where=sa.text('released_at IS NULL'))



def downgrade() -> None:
    with op.batch_alter_table('case_holds', schema=None) as batch_op:
        batch_op.drop_index('uq_case_holds_active', sqlite_where=sa.text('released_at IS NULL'), postgresql_where=sa.text('released_at IS NULL'))

    op.drop_table('case_holds')
    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.drop_index('ix_phone_numbers_e164')

    op.drop_table('phone_numbers')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_taxpayer_id')

    op.drop_table('cases')
    op.drop_table('taxpayers')
    op.drop_table('import_runs')
