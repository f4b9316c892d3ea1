"""One active escalation per teen, held escalations, the teens' own safety plans.

* ``escalations.held_until``: recorded, not delivered before then.
* A partial unique index: at most one escalation per ``teen_ref`` that is not closed.
  A database that already holds several for one teen keeps one (the claimed one, else
  the one counsellors would take first), raised to the highest risk and the best queue
  place of the group; the others are closed as ``duplicate`` with an event saying into
  which escalation (their evidence stays readable there).
* ``idempotency_keys``: keys of creates merged into an existing escalation.
* ``safety_plans``, and ``purge_runs.plans_deleted``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_ACTIVE = "status != 'closed'"
RANKS = {"distress": 1, "indirect": 2, "direct": 3, "imminent": 4}


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _close_duplicates() -> None:
    """Keep one active escalation per teen; close the others as duplicates of it."""
    conn = op.get_bind()
    escalations = sa.table(
        "escalations",
        sa.column("id", sa.String), sa.column("teen_ref", sa.String),
        sa.column("risk_level", sa.String), sa.column("priority", sa.Integer),
        sa.column("queue_score", sa.Float), sa.column("status", sa.String),
        sa.column("outcome", sa.String), sa.column("delivery_pending", sa.Boolean),
        sa.column("next_sla_at", sa.DateTime(timezone=True)),
        sa.column("checkin_at", sa.DateTime(timezone=True)),
        sa.column("closed_at", sa.DateTime(timezone=True)),
    )
    events = sa.table(
        "escalation_events",
        sa.column("escalation_id", sa.String), sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String), sa.column("kind", sa.String),
        sa.column("detail", sa.JSON),
    )
    teens = conn.execute(
        sa.select(escalations.c.teen_ref)
        .where(escalations.c.status != "closed", escalations.c.teen_ref.is_not(None))
        .group_by(escalations.c.teen_ref)
        .having(sa.func.count() > 1)
    ).scalars().all()
    now = datetime.now(UTC)
    if conn.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # the models store naive UTC on SQLite
    for teen_ref in teens:
        rows = conn.execute(
            sa.select(
                escalations.c.id, escalations.c.risk_level, escalations.c.priority,
                escalations.c.queue_score, escalations.c.status,
            )
            .where(escalations.c.teen_ref == teen_ref, escalations.c.status != "closed")
            .order_by(
                (escalations.c.status == "claimed").desc(),
                escalations.c.queue_score,
                escalations.c.id,
            )
        ).all()
        keeper, others = rows[0], rows[1:]
        top = max(rows, key=lambda r: RANKS.get(r.risk_level, 0))
        conn.execute(
            escalations.update()
            .where(escalations.c.id == keeper.id)
            .values(
                risk_level=top.risk_level,
                priority=max(keeper.priority, top.priority),
                queue_score=min(r.queue_score for r in rows),
            )
        )
        for row in others:
            conn.execute(
                escalations.update()
                .where(escalations.c.id == row.id)
                .values(
                    status="closed", outcome="duplicate", closed_at=now,
                    delivery_pending=False, next_sla_at=None, checkin_at=None,
                )
            )
            conn.execute(
                events.insert().values(
                    escalation_id=row.id, at=now, actor="system:migration", kind="closed",
                    detail={"outcome": "duplicate", "merged_into": keeper.id},
                )
            )


def upgrade() -> None:
    op.add_column("escalations", _when("held_until", nullable=True))
    op.create_index("ix_escalations_held", "escalations", ["held_until"])
    _close_duplicates()
    op.create_index(
        "ix_escalations_one_active_per_teen",
        "escalations",
        ["teen_ref"],
        unique=True,
        sqlite_where=sa.text(ONE_ACTIVE),
        postgresql_where=sa.text(ONE_ACTIVE),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("escalation_id", sa.String(36), nullable=False),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_idempotency_keys_escalation_id_escalations"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "safety_plans",
        sa.Column("teen_ref", sa.String(64), nullable=False),
        sa.Column("plan_enc", sa.Text(), nullable=False),
        _when("consent_at"),
        _when("created_at"),
        _when("updated_at"),
        _when("last_read_at", nullable=True),
        sa.PrimaryKeyConstraint("teen_ref", name=op.f("pk_safety_plans")),
    )
    op.add_column(
        "purge_runs",
        sa.Column("plans_deleted", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    # Escalations closed as duplicates by the upgrade stay closed.
    with op.batch_alter_table("purge_runs") as batch:
        batch.drop_column("plans_deleted")
    op.drop_table("safety_plans")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_escalations_one_active_per_teen", table_name="escalations")
    op.drop_index("ix_escalations_held", table_name="escalations")
    with op.batch_alter_table("escalations") as batch:
        batch.drop_column("held_until")
