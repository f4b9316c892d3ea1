"""SQL tables of the escalation service: the source of truth.

Tables that hold personal data say so in ``info={"personal": ...}``: what is personal,
and how retention treats it (``escalation.privacy.purge`` reads the same markers).
Telegram ids are never stored: ``teen_ref``, ``group_ref`` (and the peer-harm
``author_ref`` / ``target_ref``) are keyed hashes, and what is needed to reach the teen
again, or to link to a group's chat, is Fernet-encrypted (``contact_enc``,
``group_chat_enc``).
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


class AlertStatus(enum.StrEnum):
    """Where a staff alert stands: open until someone on the staff side acknowledges it."""

    open = "open"
    acknowledged = "acknowledged"


class AlertKind(enum.StrEnum):
    peer_harm = "peer_harm"  # hurtful replies in a group to a teen with an active escalation


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
                "(pseudonymous) cleared when a closed escalation passes retention; group_ref "
                "(pseudonymous, of a group chat, null for a teen who wrote only privately) "
                "kept as a statistic"
            }
        },
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    teen_ref: Mapped[str | None] = mapped_column(String(64))  # HMAC-SHA256 hex
    # HMAC-SHA256 hex; None: the teen wrote only in the private chat with the bot (a
    # later group signal fills it in).
    group_ref: Mapped[str | None] = mapped_column(String(64))
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


class AnswerText(Base):
    """The teen's own words answering one direct question ("vanavond", "op mijn kamer").

    One row per escalation and question; a newer answer replaces the text and its ``at``.
    Deleted by the purge once ``at`` is older than the retention, as message text is.
    """

    __tablename__ = "answer_texts"
    __table_args__ = (
        Index("ix_answer_texts_at", "at"),
        {"info": {"personal": "text_enc: the whole row is deleted after retention"}},
    )

    escalation_id: Mapped[str] = mapped_column(ForeignKey("escalations.id"), primary_key=True)
    question: Mapped[str] = mapped_column(String(32), primary_key=True)  # a DirectAnswers name
    text_enc: Mapped[str] = mapped_column(Text)  # Fernet token
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class PeerHarmGroup(Base):
    """A group that had a hurtful reply: when it was last reminded how we talk here.

    Its row is also the lock that serialises the peer-harm reports of one group (``SELECT
    ... FOR UPDATE``), so that two concurrent reports cannot both be the reminder.
    """

    __tablename__ = "peer_harm_groups"

    group_ref: Mapped[str] = mapped_column(String(64), primary_key=True)  # HMAC-SHA256 hex
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PeerHarmAlert(Base):
    """A staff alert: hurtful replies in one group to a teen with an active escalation.

    Counts only, never text. Further replies to the same teen in the same group while
    the alert is open and the replies keep coming within the window raise ``count``.
    """

    __tablename__ = "peer_harm_alerts"
    __table_args__ = (
        Index("ix_peer_harm_alerts_status", "status", "last_at"),
        Index("ix_peer_harm_alerts_escalation", "escalation_id", "group_ref"),
        {
            "info": {
                "personal": "group_chat_enc: the group's chat id (for a link to the chat), "
                "deleted by the purge once the last reply is older than the retention"
            }
        },
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # AlertKind
    escalation_id: Mapped[str] = mapped_column(ForeignKey("escalations.id"))
    group_ref: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 hex
    group_chat_enc: Mapped[str | None] = mapped_column(Text)  # Fernet token
    count: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))  # AlertStatus
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(80))  # "service", "counsellor:<id>"
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PeerHarmReport(Base):
    """One hurtful reply reported by the bot, by its idempotency key, with the answer given.

    A retry of the key answers the same (nothing counted twice). The refs are pseudonymous;
    the row is deleted after the retention.
    """

    __tablename__ = "peer_harm_reports"
    __table_args__ = (
        Index("ix_peer_harm_reports_at", "at"),
        {
            "info": {
                "personal": "author_ref, target_ref (pseudonymous): the whole row is deleted "
                "after retention"
            }
        },
    )

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    group_ref: Mapped[str] = mapped_column(String(64))
    author_ref: Mapped[str] = mapped_column(String(64))
    target_ref: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    remind: Mapped[bool] = mapped_column(Boolean)
    target_at_risk: Mapped[bool] = mapped_column(Boolean)
    alert_id: Mapped[str | None] = mapped_column(ForeignKey("peer_harm_alerts.id"))
    alert_count: Mapped[int | None] = mapped_column(Integer)


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
    answer_texts_deleted: Mapped[int] = mapped_column(Integer, server_default="0")
    peer_harm_reports_deleted: Mapped[int] = mapped_column(Integer, server_default="0")
    alerts_anonymised: Mapped[int] = mapped_column(Integer, server_default="0")
