"""call scripts, attempts and the call event log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('call_scripts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('human', 'voicemail')", name=op.f('ck_call_scripts_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_scripts')),
    sa.UniqueConstraint('name', name=op.f('uq_call_scripts_name'))
    )
    op.create_table('call_attempts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('phone_number_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('to_e164', sa.String(length=20), nullable=False),
    sa.Column('human_script_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('voicemail_script_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('call_sid', sa.String(length=64), nullable=True),
    sa.Column('provider_status', sa.String(length=16), nullable=True),
    sa.Column('answered_by', sa.String(length=32), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('sip_code', sa.Integer(), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dialing_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('reached', 'voicemail_left', 'no_answer', 'busy', 'failed', 'canceled')", name=op.f('ck_call_attempts_outcome')),
    sa.CheckConstraint("state IN ('planned', 'queued', 'dialing', 'placed', 'ended', 'cancelled', 'skipped')", name=op.f('ck_call_attempts_state')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_call_attempts_case_id_cases')),
    sa.ForeignKeyConstraint(['human_script_id'], ['call_scripts.id'], name=op.f('fk_call_attempts_human_script_id_call_scripts')),
    sa.ForeignKeyConstraint(['phone_number_id'], ['phone_numbers.id'], name=op.f('fk_call_attempts_phone_number_id_phone_numbers')),
    sa.ForeignKeyConstraint(['voicemail_script_id'], ['call_scripts.id'], name=op.f('fk_call_attempts_voicemail_script_id_call_scripts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_attempts')),
    sa.UniqueConstraint('call_sid', name=op.f('uq_call_attempts_call_sid'))
    )
    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_call_attempts_case_id', ['case_id'], unique=False)
        batch_op.create_index('ix_call_attempts_state', ['state'], unique=False)

    op.create_table('call_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('dedup_key', sa.String(length=200), nullable=False),
    sa.Column('attempt_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('call_sid', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('call_status', sa.String(length=16), nullable=True),
    sa.Column('answered_by', sa.String(length=32), nullable=True),
    sa.Column('digits', sa.String(length=32), nullable=True),
    sa.Column('sequence_number', sa.Integer(), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('sip_code', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=64), nullable=True),
    sa.Column('provider_timestamp', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['call_attempts.id'], name=op.f('fk_call_events_attempt_id_call_attempts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_events')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_call_events_dedup_key'))
    )
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.create_index('ix_call_events_attempt_id', ['attempt_id'], unique=False)
        batch_op.create_index('ix_call_events_call_sid', ['call_sid'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.drop_index('ix_call_events_call_sid')
        batch_op.drop_index('ix_call_events_attempt_id')

    op.drop_table('call_events')
    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_call_attempts_state')
        batch_op.drop_index('ix_call_attempts_case_id')

    op.drop_table('call_attempts')
    op.drop_table('call_scripts')
