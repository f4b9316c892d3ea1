"""The retention purge: delete what could identify a teen once it is old enough.

After ``ESCALATION_RETENTION_DAYS`` (30 by default):

* conversation messages (and transfer notes) older than the cutoff are deleted;
* the teen's own words answering the direct questions (``answer_texts``) given before
  the cutoff are deleted, as message text is;
* closed escalations that closed before the cutoff lose their encrypted contact,
  their encrypted evidence and their pseudonymous teen ref;
* peer-harm reports (pseudonymous author and target) older than the cutoff are
  deleted, and staff alerts whose last reply is older lose the group's encrypted chat
  id (their counts stay).

A teen's own safety plan is kept longer, for its use: it is deleted once neither
updated nor read for ``ESCALATION_PLAN_RETENTION_DAYS`` (365 by default).

What stays is anonymous: risk level, reason codes, group ref, timestamps, outcome,
alert counts, and the event log (which never holds personal data). Every run is recorded in
``purge_runs`` with its counts, so an audit can see that it ran.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.logging import get_logger
from escalation.models import (
    AnswerText,
    ConversationMessage,
    Escalation,
    PeerHarmAlert,
    PeerHarmReport,
    PurgeRun,
    SafetyPlan,
    Status,
)

log = get_logger("escalation.purge")


@dataclass(frozen=True)
class PurgeReport:
    cutoff: datetime
    messages_deleted: int
    escalations_anonymised: int
    plans_deleted: int = 0
    answer_texts_deleted: int = 0
    peer_harm_reports_deleted: int = 0
    alerts_anonymised: int = 0


async def purge(
    write: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    now: datetime,
    retention_days: int,
    plan_retention_days: int,
) -> PurgeReport:
    """Purge in one write transaction (``write()`` opens it, e.g. ``sessionmaker.begin``)."""
    cutoff = now - timedelta(days=retention_days)
    plan_cutoff = now - timedelta(days=plan_retention_days)
    async with write() as session:
        messages = await session.execute(
            delete(ConversationMessage).where(ConversationMessage.at < cutoff)
        )
        answer_texts = await session.execute(delete(AnswerText).where(AnswerText.at < cutoff))
        reports = await session.execute(
            delete(PeerHarmReport).where(PeerHarmReport.at < cutoff)
        )
        alerts = await session.execute(
            update(PeerHarmAlert)
            .where(PeerHarmAlert.last_at < cutoff, PeerHarmAlert.purged_at.is_(None))
            .values(group_chat_enc=None, purged_at=now)
            .execution_options(synchronize_session=False)
        )
        escalations = await session.execute(
            update(Escalation)
            .where(
                Escalation.status == Status.closed.value,
                Escalation.closed_at < cutoff,
                Escalation.purged_at.is_(None),
            )
            .values(contact_enc=None, evidence_enc=None, teen_ref=None, purged_at=now)
            .execution_options(synchronize_session=False)
        )
        plans = await session.execute(
            delete(SafetyPlan).where(
                SafetyPlan.updated_at < plan_cutoff,
                or_(SafetyPlan.last_read_at.is_(None), SafetyPlan.last_read_at < plan_cutoff),
            )
        )
        report = PurgeReport(
            cutoff=cutoff,
            messages_deleted=int(getattr(messages, "rowcount", 0) or 0),
            escalations_anonymised=int(getattr(escalations, "rowcount", 0) or 0),
            plans_deleted=int(getattr(plans, "rowcount", 0) or 0),
            answer_texts_deleted=int(getattr(answer_texts, "rowcount", 0) or 0),
            peer_harm_reports_deleted=int(getattr(reports, "rowcount", 0) or 0),
            alerts_anonymised=int(getattr(alerts, "rowcount", 0) or 0),
        )
        session.add(
            PurgeRun(
                ran_at=now,
                cutoff=cutoff,
                messages_deleted=report.messages_deleted,
                escalations_anonymised=report.escalations_anonymised,
                plans_deleted=report.plans_deleted,
                answer_texts_deleted=report.answer_texts_deleted,
                peer_harm_reports_deleted=report.peer_harm_reports_deleted,
                alerts_anonymised=report.alerts_anonymised,
            )
        )
    log.info(
        "purge.ran",
        messages_count=report.messages_deleted,
        escalations_count=report.escalations_anonymised,
        plans_count=report.plans_deleted,
        answer_texts_count=report.answer_texts_deleted,
        peer_harm_reports_count=report.peer_harm_reports_deleted,
        alerts_count=report.alerts_anonymised,
    )
    return report


async def last_run(sessions: async_sessionmaker[AsyncSession]) -> datetime | None:
    async with sessions() as session:
        last: datetime | None = await session.scalar(
            select(PurgeRun.ran_at).order_by(PurgeRun.id.desc()).limit(1)
        )
        return last
