"""SQL tables of the escalation service: the source of truth.

Tables that hold personal data say so in ``info={"personal": ...}``: what is personal,
and how retention treats it (``escalation.privacy.purge`` reads the same markers).
Telegram ids are never stored: ``teen_ref`` and ``group_ref`` are keyed hashes, and
what is needed to reach the teen again is Fernet-encrypted in ``contact_enc``.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (naive) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RiskLevel(enum.StrEnum):
    """Risk levels that escalate (``none`` never does), lowest first."""

    distress = "distress"
    indirect = "indirect"
    direct = "direct"
    imminent = "imminent"

    @property
    def rank(self) -> int:
        """1 (distress) .. 4 (imminent): the queue's priority."""
        return list(RiskLevel).index(self) + 1

    @property
    def urgent(self) -> bool:
        return self in (RiskLevel.imminent, RiskLevel.direct)


class Status(enum.StrEnum):
    """Where an escalation stands; see escalation/README.md for the transitions."""

    queued = "queued"  # recorded, waiting to be shown to counsellors
    notified = "notified"  # shown to counsellors (a delivery acknowledged), not claimed
    claimed = "claimed"  # a named counsellor holds the conversation
    closed = "closed"  # ended with an outcome


#: Not yet held by anyone: a counsellor may claim these.
WAITING = frozenset({Status.queued, Status.notified})
#: Not closed.
ACTIVE = frozenset({Status.queued, Status.notified, Status.claimed})
TERMINAL = frozenset({Status.closed})

#: At most one active escalation per teen (a partial unique index on ``teen_ref``):
#: a second signal is merged into it (``escalation.service``), never a second row.
ONE_ACTIVE_PER_TEEN = text("status != 'closed'")


class Outcome(enum.StrEnum):
    safe_plan = "safe_plan"  # talked through, a safety plan or next step agreed
    referred = "referred"  # handed to a helpline, GP, or professional
    emergency_services = "emergency_services"  # 112 or a crisis team involved
    no_contact = "no_contact"  # the teen did not answer
    false_alarm = "false_alarm"  # not a crisis after all
    duplicate = "duplicate"  # another escalation covers it
    handed_back = "handed_back"  # back to the bot by the counsellor's decision


class SlaStage(enum.IntEnum):
    first_notice = 0
    renotified = 1  # re-notified to all on-duty counsellors
    coordinator = 2  # raised to the on-call coordinator


class Counsellor(Base):
    __tablename__ = "counsellors"
    __table_args__ = ({"info": {"personal": "display_name: kept while the counsellor works"}},)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # pseudonymous
    display_name: Mapped[str] = mapped_column(String(80))
    high_risk_trained: Mapped[bool] = mapped_column(Boolean, default=False)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    coordinator: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_waiting", "status", "queue_score"),
        Index("ix_escalations_teen", "teen_ref", "status"),
        Index("ix_escalations_sla", "next_sla_at"),
        Index("ix_escalations_held", "held_until"),
        Index(
            "ix_escalations_one_active_per_teen",
            "teen_ref",
            unique=True,
            sqlite_where=ONE_ACTIVE_PER_TEEN,
            postgresql_where=ONE_ACTIVE_PER_TEEN,
        ),
        {
            "info": {
                "personal": "contact_enc, evidence_enc: deleted by the purge; teen_ref "
                "(pseudonymous) cleared when a closed escalation passes retention"
            }
        },
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    teen_ref: Mapped[str | None] = mapped_column(String(64))  # HMAC-SHA256 hex
    group_ref: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 hex
    contact_enc: Mapped[str | None] = mapped_column(Text)  # Fernet token
    country: Mapped[str] = mapped_column(String(2))
    risk_level: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer)  # RiskLevel.rank
    queue_score: Mapped[float] = mapped_column(Float)  # lower is served first (see queue)
    reason_codes: Mapped[list[str]] = mapped_column(JSON)
    evidence_enc: Mapped[str | None] = mapped_column(Text)  # Fernet token of a JSON list
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    delivery_pending: Mapped[bool] = mapped_column(Boolean)  # Redis should hold it
    claimed_by: Mapped[str | None] = mapped_column(ForeignKey("counsellors.id"))
    sla_stage: Mapped[int] = mapped_column(Integer, default=0)
    next_sla_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Recorded but not delivered before this ("escalate if the teen goes silent"); the
    # reconciler releases it. While set, delivery_pending is false.
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IdempotencyKey(Base):
    """Keys of creates that were merged into an existing escalation.

    A new escalation's own key is ``escalations.idempotency_key``; a key whose signal was
    merged is recorded here, so that its retry answers the same escalation and merges
    nothing twice. Keys are chosen by the callers and hold no personal data.
    """

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    escalation_id: Mapped[str] = mapped_column(ForeignKey("escalations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SafetyPlan(Base):
    """A teen's own safety plan (activities, reasons to live, contacts), kept with consent."""

    __tablename__ = "safety_plans"
    __table_args__ = (
        {
            "info": {
                "personal": "plan_enc: deleted when the teen asks, or by the purge once neither "
                "updated nor read for ESCALATION_PLAN_RETENTION_DAYS; teen_ref (pseudonymous)"
            }
        },
    )

    teen_ref: Mapped[str] = mapped_column(String(64), primary_key=True)  # HMAC-SHA256 hex
    plan_enc: Mapped[str] = mapped_column(Text)  # Fernet token of a JSON object
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EscalationEvent(Base):
    """Append-only: every state change, who made it and when. Never personal data."""

    __tablename__ = "escalation_events"
    __table_args__ = (Index("ix_escalation_events_escalation", "escalation_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    escalation_id: Mapped[str] = mapped_column(ForeignKey("escalations.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))  # "service", "counsellor:<id>", "system:..."
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class ConversationMessage(Base):
    __tablename__ = "conversation_messages"
    __table_args__ = (
        Index("ix_conversation_messages_escalation", "escalation_id", "id"),
        Index("ix_conversation_messages_at", "at"),
        {"info": {"personal": "text_enc: the whole row is deleted after retention"}},
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    escalation_id: Mapped[str] = mapped_column(ForeignKey("escalations.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    author: Mapped[str] = mapped_column(String(16))  # teen, counsellor, bot, note
    counsellor_id: Mapped[str | None] = mapped_column(String(64))
    text_enc: Mapped[str] = mapped_column(Text)  # Fernet token


class Outbox(Base):
    """Escalations to put on the Redis queue; written in the same transaction as the change."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    escalation_id: Mapped[str] = mapped_column(ForeignKey("escalations.id"), index=True)
    queue_score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class PurgeRun(Base):
    """That the retention purge ran, and what it removed (counts only)."""

    __tablename__ = "purge_runs"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cutoff: Mapped[datetime] = mapped_column(UTCDateTime())
    messages_deleted: Mapped[int] = mapped_column(Integer)
    escalations_anonymised: Mapped[int] = mapped_column(Integer)
    plans_deleted: Mapped[int] = mapped_column(Integer, server_default="0")
