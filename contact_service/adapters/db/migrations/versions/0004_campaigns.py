"""campaigns, campaign cases, scheduling of call attempts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('selection', sa.Text(), nullable=False),
    sa.Column('human_script_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('voicemail_script_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('calls_per_second', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('retry_minutes', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('launched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cases_selected', sa.Integer(), nullable=False),
    sa.Column('cases_planned', sa.Integer(), nullable=False),
    sa.Column('cases_skipped', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'running', 'paused', 'cancelled', 'completed')", name=op.f('ck_campaigns_status')),
    sa.CheckConstraint('calls_per_second > 0', name=op.f('ck_campaigns_calls_per_second_positive')),
    sa.CheckConstraint('max_attempts > 0', name=op.f('ck_campaigns_max_attempts_positive')),
    sa.ForeignKeyConstraint(['human_script_id'], ['call_scripts.id'], name=op.f('fk_campaigns_human_script_id_call_scripts')),
    sa.ForeignKeyConstraint(['voicemail_script_id'], ['call_scripts.id'], name=op.f('fk_campaigns_voicemail_script_id_call_scripts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('name', name=op.f('uq_campaigns_name'))
    )
    op.create_table('campaign_cases',
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('skip_reason', sa.String(length=32), nullable=True),
    sa.Column('attempts_made', sa.Integer(), nullable=False),
    sa.Column('last_outcome', sa.String(length=16), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('active', 'skipped', 'reached', 'voicemail_left', 'exhausted', 'bad_number', 'cancelled', 'responded')", name=op.f('ck_campaign_cases_state')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_cases_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_campaign_cases_case_id_cases')),
    sa.PrimaryKeyConstraint('campaign_id', 'case_id', name=op.f('pk_campaign_cases'))
    )
    with op.batch_alter_table('campaign_cases', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_cases_case_id', ['case_id'], unique=False)

    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('attempt_number', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('dial_claim', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('skip_reason', sa.String(length=32), nullable=True))
        batch_op.drop_index(batch_op.f('ix_call_attempts_case_id'))
        batch_op.drop_index(batch_op.f('ix_call_attempts_state'))
        batch_op.create_index('ix_call_attempts_case_dialing', ['case_id', 'dialing_at'], unique=False)
        batch_op.create_index('ix_call_attempts_due', ['due_at'], unique=False, sqlite_where=sa.text("state = 'planned'"), postgresql_where=sa.text("state = 'planned'"))
        batch_op.create_index('ix_call_attempts_in_flight', ['state', 'campaign_id'], unique=False, sqlite_where=sa.text("state IN ('queued', 'dialing', 'placed')"), postgresql_where=sa.text("state IN ('queued', 'dialing', 'placed')"))
        batch_op.create_unique_constraint('uq_call_attempts_campaign_case_number', ['campaign_id', 'case_id', 'attempt_number'])
        batch_op.create_foreign_key(batch_op.f('fk_call_attempts_campaign_id_campaigns'), 'campaigns', ['campaign_id'], ['id'])

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('last_attempt_at')

    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_call_attempts_campaign_id_campaigns'), type_='foreignkey')
        batch_op.drop_constraint('uq_call_attempts_campaign_case_number', type_='unique')
        batch_op.drop_index('ix_call_attempts_in_flight', sqlite_where=sa.text("state IN ('queued', 'dialing', 'placed')"), postgresql_where=sa.text("state IN ('queued', 'dialing', 'placed')"))
        batch_op.drop_index('ix_call_attempts_due', sqlite_where=sa.text("state = 'planned'"), postgresql_where=sa.text("state = 'planned'"))
        batch_op.drop_index('ix_call_attempts_case_dialing')
        batch_op.create_index(batch_op.f('ix_call_attempts_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_attempts_case_id'), ['case_id'], unique=False)
        batch_op.drop_column('skip_reason')
        batch_op.drop_column('dial_claim')
        batch_op.drop_column('queued_at')
        batch_op.drop_column('due_at')
        batch_op.drop_column('attempt_number')
        batch_op.drop_column('campaign_id')

    with op.batch_alter_table('campaign_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_cases_case_id')

    op.drop_table('campaign_cases')
    op.drop_table('campaigns')
