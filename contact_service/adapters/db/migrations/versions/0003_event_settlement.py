"""settle attempts from the event log in batches: call_events.settled_at and its work-queue index;
drop the unused call_sid index of call_events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True))
        # Nothing looks events up by call SID (attempts are found by theirs); one index less per callback.
        batch_op.drop_index("ix_call_events_call_sid")
    # Events recorded before this revision were settled synchronously when they arrived.
    op.execute("UPDATE call_events SET settled_at = received_at")
    with op.batch_alter_table("call_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_call_events_unsettled",
            ["attempt_id"],
            unique=False,
            sqlite_where=sa.text("settled_at IS NULL"),
            postgresql_where=sa.text("settled_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("call_events", schema=None) as batch_op:
        batch_op.drop_index("ix_call_events_unsettled", sqlite_where=sa.text("settled_at IS NULL"),
                            postgresql_where=sa.text("settled_at IS NULL"))
        batch_op.drop_column("settled_at")
        batch_op.create_index("ix_call_events_call_sid", ["call_sid"], unique=False)
