"""The reconciler: make Redis hold what SQL says must be delivered, and run the timers.

A periodic sweep, single-flight across replicas (a Redis lock with a lease; when
Redis is down there is nothing to repair into, so skipping is right). Each pass:

0. **Holds**: held escalations whose ``held_until`` passed (the teen went silent) are
   released and queued. The timer is the SQL column, so it survives restarts; with
   Redis down the pass is skipped and the hold is released when Redis is back.
1. **Outbox**: rows older than ``outbox_grace_s`` belong to a request that did not
   finish its enqueue (Redis down, process killed): queue them and delete the rows.
2. **Repair**: every escalation SQL marks ``delivery_pending`` that Redis holds
   neither waiting nor in flight (Redis flushed, restarted without AOF) is queued.
   A held escalation is never pending, and never queued early.
3. **SLA ladder**: unclaimed escalations whose timer ran out climb one rung
   (:mod:`escalation.sla`) and are queued for the new audience.
4. **Check-ins**: escalations recorded outside service hours are queued again when
   the next shift starts.
5. **Purge**, at most every ``purge_interval_s`` (:mod:`escalation.purge`).

Enqueueing is idempotent, so a repair that races a request's own enqueue is harmless;
a stale item (claimed meanwhile) is dropped when it is leased.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy import ColumnElement, delete, func, select, update

from common.logging import get_logger
from escalation import purge
from escalation.models import (
    WAITING,
    AlertStatus,
    Escalation,
    EscalationEvent,
    Outbox,
    PeerHarmAlert,
    RiskLevel,
    SlaStage,
)
from escalation.service import EscalationService
from escalation.sla import next_rung, sla_delay

log = get_logger("escalation.reconciler")

BATCH = 500


@dataclass
class ReconcileReport:
    ran: bool = False
    holds_released: int = 0
    outbox_drained: int = 0
    repaired: int = 0
    sla_steps: int = 0
    checkins: int = 0
    purged: bool = False


class Reconciler:
    def __init__(self, service: EscalationService) -> None:
        self.service = service
        self.settings = service.settings
        self.lock_ttl_ms = int(max(30.0, 3 * self.settings.reconcile_interval_s) * 1000)

    async def run_once(self) -> ReconcileReport:
        report = ReconcileReport()
        try:
            token = await self.service.queue.acquire_lock(self.lock_ttl_ms)
        except (RedisError, OSError) as exc:
            log.warning("reconciler.redis_unavailable", error=type(exc).__name__)
            return report
        if token is None:
            log.debug("reconciler.skipped_other_replica_running")
            return report
        try:
            report.ran = True
            report.holds_released = await self.release_holds()
            report.outbox_drained = await self.drain_outbox()
            report.repaired = await self.repair()
            report.sla_steps = await self.sla_ladder()
            report.checkins = await self.checkins()
            report.purged = await self.maybe_purge()
            await self.update_gauges()
        finally:
            try:
                await self.service.queue.release_lock(token)
            except (RedisError, OSError) as exc:
                log.warning("reconciler.unlock_failed", error=type(exc).__name__)
        if (
            report.holds_released or report.outbox_drained or report.repaired
            or report.sla_steps or report.checkins
        ):
            log.info(
                "reconciler.pass",
                holds_count=report.holds_released,
                outbox_count=report.outbox_drained,
                repaired_count=report.repaired,
                sla_count=report.sla_steps,
                checkin_count=report.checkins,
            )
        return report

    async def loop(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set; an error in one pass is logged, never fatal."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # the loop must outlive one bad pass
                log.exception("reconciler.pass_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.reconcile_interval_s)

    async def drain_outbox(self) -> int:
        service = self.service
        cutoff = service.now() - timedelta(seconds=self.settings.outbox_grace_s)
        drained = 0
        while True:
            async with service.sessions() as session:
                rows = list(
                    await session.execute(
                        select(Outbox.id, Outbox.escalation_id, Escalation.queue_score,
                               Escalation.delivery_pending, Escalation.status,
                               Escalation.held_until)
                        .join(Escalation, Escalation.id == Outbox.escalation_id)
                        .where(Outbox.created_at <= cutoff)
                        .order_by(Outbox.id)
                        .limit(BATCH)
                    )
                )
            if not rows:
                return drained
            candidates = {
                escalation_id: score
                for _, escalation_id, score, pending, status, held_until in rows
                if pending and status in {s.value for s in WAITING} and held_until is None
            }
            held = await service.queue.holds(sorted(candidates))
            for escalation_id, score in candidates.items():
                if escalation_id not in held and await service.queue.enqueue(escalation_id, score):
                    service.metrics.repairs.labels("outbox").inc()
                    log.info("reconciler.queued_from_outbox", escalation_id=escalation_id)
                    drained += 1
            async with service.write() as session:
                await session.execute(delete(Outbox).where(Outbox.id.in_([r[0] for r in rows])))
            if len(rows) < BATCH:
                return drained

    async def repair(self) -> int:
        service = self.service
        repaired = 0
        after = ""
        while True:
            async with service.sessions() as session:
                rows = list(
                    await session.execute(
                        select(Escalation.id, Escalation.queue_score)
                        .where(
                            Escalation.delivery_pending,
                            Escalation.status.in_([s.value for s in WAITING]),
                            Escalation.held_until.is_(None),
                            Escalation.id > after,
                        )
                        .order_by(Escalation.id)
                        .limit(BATCH)
                    )
                )
            if not rows:
                return repaired
            held = await service.queue.holds([r[0] for r in rows])
            for escalation_id, score in rows:
                if escalation_id not in held and await service.queue.enqueue(escalation_id, score):
                    repaired += 1
                    service.metrics.repairs.labels("missing_from_redis").inc()
                    log.info("reconciler.requeued_missing", escalation_id=escalation_id)
            after = rows[-1][0]
            if len(rows) < BATCH:
                return repaired

    async def release_holds(self) -> int:
        """Deliver the held escalations whose hold ended: the teen did not answer in time."""
        service = self.service
        now = service.now()
        async with service.sessions() as session:
            due = list(
                await session.execute(
                    select(Escalation.id, Escalation.sla_stage, Escalation.risk_level)
                    .where(
                        Escalation.status.in_([s.value for s in WAITING]),
                        Escalation.held_until <= now,
                    )
                    .order_by(Escalation.held_until)
                    .limit(BATCH)
                )
            )
        released = 0
        for escalation_id, stage, risk_text in due:
            score = await self._step(
                escalation_id,
                stage,
                values={
                    "held_until": None,
                    "delivery_pending": True,
                    # The SLA clock runs from the release (later than the hold's end
                    # only when Redis was down then).
                    "next_sla_at": now + sla_delay(RiskLevel(risk_text), self.settings),
                },
                kind="hold_expired",
                guard=(Escalation.held_until <= now,),
            )
            if score is not None:
                released += 1
                log.info("hold.expired", escalation_id=escalation_id)
                await service.enqueue_after_commit(escalation_id, score)
        return released

    async def sla_ladder(self) -> int:
        service = self.service
        now = service.now()
        async with service.sessions() as session:
            due = list(
                await session.execute(
                    select(Escalation.id, Escalation.sla_stage, Escalation.risk_level)
                    .where(
                        Escalation.status.in_([s.value for s in WAITING]),
                        Escalation.held_until.is_(None),
                        Escalation.next_sla_at <= now,
                    )
                    .order_by(Escalation.next_sla_at)
                    .limit(BATCH)
                )
            )
        steps = 0
        for escalation_id, stage, risk_text in due:
            rung = next_rung(stage)
            if rung is None:  # top of the ladder: stop the timer, keep it queued
                await self._step(escalation_id, stage, {"next_sla_at": None}, "sla_exhausted")
                continue
            next_at = None
            if rung < SlaStage.coordinator:
                next_at = now + sla_delay(RiskLevel(risk_text), self.settings)
            values: dict[str, object] = {
                "sla_stage": rung.value,
                "next_sla_at": next_at,
                "delivery_pending": True,
            }
            score = await self._step(escalation_id, stage, values, f"sla_{rung.name}")
            if score is not None:
                steps += 1
                service.metrics.sla_steps.labels(rung.name).inc()
                log.info("sla.rung", escalation_id=escalation_id, rung=rung.name)
                await service.enqueue_after_commit(escalation_id, score)
        return steps

    async def checkins(self) -> int:
        service = self.service
        now = service.now()
        async with service.sessions() as session:
            due = list(
                await session.execute(
                    select(Escalation.id, Escalation.sla_stage, Escalation.risk_level)
                    .where(
                        Escalation.status.in_([s.value for s in WAITING]),
                        Escalation.held_until.is_(None),
                        Escalation.checkin_at <= now,
                    )
                    .limit(BATCH)
                )
            )
        done = 0
        for escalation_id, stage, risk_text in due:
            score = await self._step(
                escalation_id,
                stage,
                values={
                    "checkin_at": None,
                    "delivery_pending": True,
                    "sla_stage": SlaStage.first_notice.value,
                    "next_sla_at": now + sla_delay(RiskLevel(risk_text), self.settings),
                },
                kind="checkin_due",
            )
            if score is not None:
                done += 1
                log.info("checkin.due", escalation_id=escalation_id)
                await service.enqueue_after_commit(escalation_id, score)
        return done

    async def _step(
        self,
        escalation_id: str,
        stage: int,
        values: dict[str, object],
        kind: str,
        guard: tuple[ColumnElement[bool], ...] = (Escalation.held_until.is_(None),),
    ) -> float | None:
        """One guarded update (only if unchanged since read) with its event and outbox row.

        ``guard``: more conditions; by default that it is not held (the SLA ladder and
        the check-ins wait for the hold's end).
        """
        service = self.service
        now = service.now()
        async with service.write() as session:
            result = await session.execute(
                update(Escalation)
                .where(
                    Escalation.id == escalation_id,
                    Escalation.sla_stage == stage,
                    Escalation.status.in_([s.value for s in WAITING]),
                    *guard,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) != 1:
                return None
            score = await session.scalar(
                select(Escalation.queue_score).where(Escalation.id == escalation_id)
            )
            session.add(
                EscalationEvent(
                    escalation_id=escalation_id,
                    at=now,
                    actor="system:reconciler",
                    kind=kind,
                    detail={},
                )
            )
            if values.get("delivery_pending") and score is not None:
                session.add(Outbox(escalation_id=escalation_id, queue_score=score, created_at=now))
        return score

    async def maybe_purge(self) -> bool:
        service = self.service
        now = service.now()
        last = await purge.last_run(service.sessions)
        if last is not None and now - last < timedelta(seconds=self.settings.purge_interval_s):
            return False
        await purge.purge(
            service.write, now, self.settings.retention_days, self.settings.plan_retention_days
        )
        return True

    async def update_gauges(self) -> None:
        service = self.service
        async with service.sessions() as session:
            result = await session.execute(
                select(Escalation.risk_level, func.count())
                .where(Escalation.status.in_([s.value for s in WAITING]))
                .group_by(Escalation.risk_level)
            )
            counts = {risk: int(count) for risk, count in result}
            open_alerts = await session.scalar(
                select(func.count())
                .select_from(PeerHarmAlert)
                .where(PeerHarmAlert.status == AlertStatus.open.value)
            )
        for risk in RiskLevel:
            service.metrics.queue_depth.labels(risk.value).set(counts.get(risk.value, 0))
        service.metrics.open_alerts.set(open_alerts or 0)
        waiting, inflight = await service.queue.depth()
        service.metrics.redis_depth.labels("waiting").set(waiting)
        service.metrics.redis_depth.labels("inflight").set(inflight)
