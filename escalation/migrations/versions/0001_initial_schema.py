"""Initial schema: counsellors, escalations, their events and messages, outbox, purges.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain types: a migration must not change when the models do.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "counsellors",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(80), nullable=False),
        sa.Column("high_risk_trained", sa.Boolean(), nullable=False),
        sa.Column("on_duty", sa.Boolean(), nullable=False),
        sa.Column("coordinator", sa.Boolean(), nullable=False),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counsellors")),
    )
    op.create_table(
        "purge_runs",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        _when("ran_at"),
        _when("cutoff"),
        sa.Column("messages_deleted", sa.Integer(), nullable=False),
        sa.Column("escalations_anonymised", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purge_runs")),
    )
    op.create_table(
        "escalations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("teen_ref", sa.String(64), nullable=True),
        sa.Column("group_ref", sa.String(64), nullable=False),
        sa.Column("contact_enc", sa.Text(), nullable=True),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("risk_level", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("queue_score", sa.Float(), nullable=False),
        sa.Column("reason_codes", sa.JSON(), nullable=False),
        sa.Column("evidence_enc", sa.Text(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("delivery_pending", sa.Boolean(), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("sla_stage", sa.Integer(), nullable=False),
        _when("next_sla_at", nullable=True),
        _when("checkin_at", nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        _when("created_at"),
        _when("notified_at", nullable=True),
        _when("claimed_at", nullable=True),
        _when("closed_at", nullable=True),
        _when("purged_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["claimed_by"], ["counsellors.id"], name=op.f("fk_escalations_claimed_by_counsellors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_escalations_idempotency_key")),
    )
    op.create_index("ix_escalations_sla", "escalations", ["next_sla_at"])
    op.create_index("ix_escalations_teen", "escalations", ["teen_ref", "status"])
    op.create_index("ix_escalations_waiting", "escalations", ["status", "queue_score"])
    op.create_table(
        "conversation_messages",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("escalation_id", sa.String(36), nullable=False),
        _when("at"),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("counsellor_id", sa.String(64), nullable=True),
        sa.Column("text_enc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_conversation_messages_escalation_id_escalations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_messages")),
    )
    op.create_index("ix_conversation_messages_at", "conversation_messages", ["at"])
    op.create_index(
        "ix_conversation_messages_escalation", "conversation_messages", ["escalation_id", "id"]
    )
    op.create_table(
        "escalation_events",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("escalation_id", sa.String(36), nullable=False),
        _when("at"),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_events_escalation_id_escalations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_events")),
    )
    op.create_index(
        "ix_escalation_events_escalation", "escalation_events", ["escalation_id", "id"]
    )
    op.create_table(
        "outbox",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("escalation_id", sa.String(36), nullable=False),
        sa.Column("queue_score", sa.Float(), nullable=False),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["escalation_id"], ["escalations.id"], name=op.f("fk_outbox_escalation_id_escalations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(op.f("ix_outbox_created_at"), "outbox", ["created_at"])
    op.create_index(op.f("ix_outbox_escalation_id"), "outbox", ["escalation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_escalation_id"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_created_at"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_escalation_events_escalation", table_name="escalation_events")
    op.drop_table("escalation_events")
    op.drop_index("ix_conversation_messages_escalation", table_name="conversation_messages")
    op.drop_index("ix_conversation_messages_at", table_name="conversation_messages")
    op.drop_table("conversation_messages")
    op.drop_index("ix_escalations_waiting", table_name="escalations")
    op.drop_index("ix_escalations_teen", table_name="escalations")
    op.drop_index("ix_escalations_sla", table_name="escalations")
    op.drop_table("escalations")
    op.drop_table("purge_runs")
    op.drop_table("counsellors")
