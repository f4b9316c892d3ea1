"""A teen who writes only privately, the teen's own words, peer harm in a group.

* ``escalations.group_ref`` nullable: a teen who wrote only in the private chat with the
  bot is escalated without a group.
* ``answer_texts``: the teen's own words answering the direct questions (encrypted).
* ``peer_harm_groups`` (the reminder window, and the per-group lock),
  ``peer_harm_alerts`` (staff alerts, counts only) and ``peer_harm_reports`` (each
  hurtful reply by its idempotency key, pseudonymous refs only).
* ``purge_runs``: ``answer_texts_deleted``, ``peer_harm_reports_deleted``,
  ``alerts_anonymised``.

The downgrade gives escalations without a group the ``group_ref`` ``'private'`` (not a
hash of any chat), so that the column can be NOT NULL again; their contact keeps no
group, and revision 0003's ``/contact`` cannot answer for them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What a downgrade writes in ``group_ref`` for an escalation that has no group.
NO_GROUP = "private"


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _count(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("escalations") as batch:
        batch.alter_column("group_ref", existing_type=sa.String(64), nullable=True)
    op.create_table(
        "answer_texts",
        sa.Column("escalation_id", sa.String(36), nullable=False),
        sa.Column("question", sa.String(32), nullable=False),
        sa.Column("text_enc", sa.Text(), nullable=False),
        _when("at"),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_answer_texts_escalation_id_escalations"),
        ),
        sa.PrimaryKeyConstraint("escalation_id", "question", name=op.f("pk_answer_texts")),
    )
    op.create_index("ix_answer_texts_at", "answer_texts", ["at"])
    op.create_table(
        "peer_harm_groups",
        sa.Column("group_ref", sa.String(64), nullable=False),
        _when("reminded_at", nullable=True),
        sa.PrimaryKeyConstraint("group_ref", name=op.f("pk_peer_harm_groups")),
    )
    op.create_table(
        "peer_harm_alerts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("escalation_id", sa.String(36), nullable=False),
        sa.Column("group_ref", sa.String(64), nullable=False),
        sa.Column("group_chat_enc", sa.Text(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        _when("first_at"),
        _when("last_at"),
        sa.Column("status", sa.String(16), nullable=False),
        _when("acknowledged_at", nullable=True),
        sa.Column("acknowledged_by", sa.String(80), nullable=True),
        _when("purged_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_peer_harm_alerts_escalation_id_escalations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_harm_alerts")),
    )
    op.create_index("ix_peer_harm_alerts_status", "peer_harm_alerts", ["status", "last_at"])
    op.create_index(
        "ix_peer_harm_alerts_escalation", "peer_harm_alerts", ["escalation_id", "group_ref"]
    )
    op.create_table(
        "peer_harm_reports",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("group_ref", sa.String(64), nullable=False),
        sa.Column("author_ref", sa.String(64), nullable=False),
        sa.Column("target_ref", sa.String(64), nullable=True),
        _when("at"),
        sa.Column("remind", sa.Boolean(), nullable=False),
        sa.Column("target_at_risk", sa.Boolean(), nullable=False),
        sa.Column("alert_id", sa.String(36), nullable=True),
        sa.Column("alert_count", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["peer_harm_alerts.id"],
            name=op.f("fk_peer_harm_reports_alert_id_peer_harm_alerts"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_peer_harm_reports")),
    )
    op.create_index("ix_peer_harm_reports_at", "peer_harm_reports", ["at"])
    with op.batch_alter_table("purge_runs") as batch:
        batch.add_column(_count("answer_texts_deleted"))
        batch.add_column(_count("peer_harm_reports_deleted"))
        batch.add_column(_count("alerts_anonymised"))


def downgrade() -> None:
    with op.batch_alter_table("purge_runs") as batch:
        batch.drop_column("alerts_anonymised")
        batch.drop_column("peer_harm_reports_deleted")
        batch.drop_column("answer_texts_deleted")
    op.drop_table("peer_harm_reports")
    op.drop_table("peer_harm_alerts")
    op.drop_table("peer_harm_groups")
    op.drop_table("answer_texts")
    op.execute(
        sa.text("UPDATE escalations SET group_ref = :none WHERE group_ref IS NULL").bindparams(
            none=NO_GROUP
        )
    )
    with op.batch_alter_table("escalations") as batch:
        batch.alter_column("group_ref", existing_type=sa.String(64), nullable=False)
