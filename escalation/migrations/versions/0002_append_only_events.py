"""The event log is append-only, enforced by the database itself.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "escalation_events is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER escalation_events_no_{action.lower()} "
                f"BEFORE {action} ON escalation_events "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION escalation_events_append_only() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER escalation_events_append_only BEFORE UPDATE OR DELETE "
        "ON escalation_events FOR EACH ROW EXECUTE FUNCTION escalation_events_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS escalation_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS escalation_events_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS escalation_events_append_only ON escalation_events")
    op.execute("DROP FUNCTION IF EXISTS escalation_events_append_only()")
