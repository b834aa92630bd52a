"""escalation: responses, inbound callback reports, call lists and entries, API tokens, the append-only
audit trail; enforcement history on cases

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_tokens',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('operator', 'representative', 'supervisor', 'viewer')", name=op.f('ck_api_tokens_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_table('audit_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('subject_type', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=True),
    sa.Column('case_id', sa.BigInteger(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_records'))
    )
    op.create_index('ix_audit_records_subject', 'audit_records', ['subject_type', 'subject_id'], unique=False)
    op.create_table('call_lists',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('segment', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.CheckConstraint("segment IN ('individual', 'business', 'estate', 'high_dollar', 'representative_on_file', 'bad_number')", name=op.f('ck_call_lists_segment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_lists')),
    sa.UniqueConstraint('segment', name=op.f('uq_call_lists_segment'))
    )
    op.create_table('inbound_callbacks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('dedup_key', sa.String(length=200), nullable=False),
    sa.Column('caller_raw', sa.String(length=64), nullable=False),
    sa.Column('caller_e164', sa.String(length=20), nullable=True),
    sa.Column('called_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('match_status', sa.String(length=16), nullable=False),
    sa.Column('cases_matched', sa.Integer(), nullable=False),
    sa.CheckConstraint("match_status IN ('matched', 'ambiguous', 'unmatched', 'invalid_number')", name=op.f('ck_inbound_callbacks_match_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_callbacks')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_inbound_callbacks_dedup_key'))
    )
    op.create_table('call_list_assignments',
    sa.Column('call_list_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('representative', sa.String(length=100), nullable=False),
    sa.Column('assigned_by', sa.String(length=100), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_list_id'], ['call_lists.id'], name=op.f('fk_call_list_assignments_call_list_id_call_lists')),
    sa.PrimaryKeyConstraint('call_list_id', 'representative', name=op.f('pk_call_list_assignments'))
    )
    op.create_table('call_list_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('call_list_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('balance_cents', sa.BigInteger(), nullable=False),
    sa.Column('csed_on', sa.Date(), nullable=False),
    sa.Column('last_contact_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ever_reached', sa.Boolean(), nullable=False),
    sa.Column('listed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('callback_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disposition', sa.String(length=32), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("disposition IS NULL OR disposition IN ('payment_arranged', 'installment_agreement', 'offer_referral', 'dispute', 'callback_scheduled', 'not_reached', 'wrong_number', 'representative_contacted')", name=op.f('ck_call_list_entries_disposition')),
    sa.CheckConstraint("reason IN ('attempts_exhausted', 'voicemail_no_callback', 'reached_no_callback', 'representative_on_file', 'bad_number', 'wrong_number')", name=op.f('ck_call_list_entries_reason')),
    sa.CheckConstraint("status IN ('open', 'claimed', 'closed')", name=op.f('ck_call_list_entries_status')),
    sa.ForeignKeyConstraint(['call_list_id'], ['call_lists.id'], name=op.f('fk_call_list_entries_call_list_id_call_lists')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_call_list_entries_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_call_list_entries_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_list_entries'))
    )
    op.create_index('ix_call_list_entries_callbacks', 'call_list_entries', ['call_list_id', 'callback_at'], unique=False, sqlite_where=sa.text("status = 'open' AND callback_at IS NOT NULL"), postgresql_where=sa.text("status = 'open' AND callback_at IS NOT NULL"))
    op.create_index('ix_call_list_entries_claims', 'call_list_entries', ['claim_expires_at'], unique=False, sqlite_where=sa.text("status = 'claimed'"), postgresql_where=sa.text("status = 'claimed'"))
    op.create_index('ix_call_list_entries_priority', 'call_list_entries', ['call_list_id', 'ever_reached', sa.literal_column('balance_cents DESC'), 'csed_on', 'last_contact_at', 'id'], unique=False, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
    op.create_index('uq_call_list_entries_open_case', 'call_list_entries', ['case_id'], unique=True, sqlite_where=sa.text("status <> 'closed'"), postgresql_where=sa.text("status <> 'closed'"))
    op.create_table('case_responses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('inbound_callback_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.CheckConstraint("kind IN ('callback', 'payment', 'installment_agreement', 'offer_in_compromise', 'dispute', 'reached_by_representative')", name=op.f('ck_case_responses_kind')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_responses_case_id_cases')),
    sa.ForeignKeyConstraint(['inbound_callback_id'], ['inbound_callbacks.id'], name=op.f('fk_case_responses_inbound_callback_id_inbound_callbacks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_responses'))
    )
    op.create_index('ix_case_responses_case_id', 'case_responses', ['case_id', 'responded_at'], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_response_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cdp_hearing_pending', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('lien_filed_cdp_exhausted', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('levy_made', sa.Boolean(), server_default=sa.false(), nullable=False))
    _seed_call_lists()
    _make_audit_append_only()


SEGMENTS = {
    "individual": "Individuals",
    "business": "Businesses",
    "estate": "Estates",
    "high_dollar": "High dollar (Revenue Officer referral)",
    "representative_on_file": "Representative on file (contact the representative)",
    "bad_number": "Bad number (research)",
}


def _seed_call_lists() -> None:
    lists = sa.table("call_lists", sa.column("segment", sa.String), sa.column("title", sa.String))
    op.bulk_insert(lists, [{"segment": segment, "title": title} for segment, title in SEGMENTS.items()])


def _make_audit_append_only() -> None:
    """Refuse UPDATE and DELETE on audit_records in the database itself, whoever asks."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit_records is append-only'; END $$
        """)
        op.execute("""
            CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records
            FOR EACH ROW EXECUTE FUNCTION audit_records_append_only()
        """)
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_records_no_{verb.lower()} BEFORE {verb} ON audit_records
                BEGIN SELECT RAISE(ABORT, 'audit_records is append-only'); END
            """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_records_append_only ON audit_records")
        op.execute("DROP FUNCTION IF EXISTS audit_records_append_only()")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column('levy_made')
        batch_op.drop_column('lien_filed_cdp_exhausted')
        batch_op.drop_column('cdp_hearing_pending')
        batch_op.drop_column('last_response_at')
    op.drop_index('ix_case_responses_case_id', table_name='case_responses')
    op.drop_table('case_responses')
    op.drop_index('uq_call_list_entries_open_case', table_name='call_list_entries', sqlite_where=sa.text("status <> 'closed'"), postgresql_where=sa.text("status <> 'closed'"))
    op.drop_index('ix_call_list_entries_priority', table_name='call_list_entries', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
    op.drop_index('ix_call_list_entries_callbacks', table_name='call_list_entries')
    op.drop_index('ix_call_list_entries_claims', table_name='call_list_entries', sqlite_where=sa.text("status = 'claimed'"), postgresql_where=sa.text("status = 'claimed'"))
    op.drop_table('call_list_entries')
    op.drop_table('call_list_assignments')
    op.drop_table('inbound_callbacks')
    op.drop_table('call_lists')
    op.drop_index('ix_audit_records_subject', table_name='audit_records')
    op.drop_table('audit_records')
    op.drop_table('api_tokens')
