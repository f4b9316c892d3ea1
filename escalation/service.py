"""What the escalation service does, independent of HTTP.

Every state change is one SQL transaction that updates the escalation, appends to
the event log and, when the change needs a delivery, writes an outbox row. Redis
is touched only after the commit; when it fails, the outbox row stays and the
reconciler (:mod:`escalation.reconciler`) queues the escalation later. The claim is
one conditional ``UPDATE ... WHERE status IN (waiting)``: the database decides who
wins, on SQLite and on PostgreSQL alike.

A teen has at most one active escalation (a partial unique index on ``teen_ref``):
a second signal is merged into it (:meth:`EscalationService.create`); when two
creates for one teen race, the database refuses the second insert and it is retried
as a merge. A teen who wrote only in the private chat has no group (``group_ref``
None) until a signal from a group fills it in.

Peer harm (:meth:`EscalationService.report_peer_harm`): one transaction per hurtful
reply, serialised per group by a lock on the group's row, decides the group's reminder
and, when the reply's target has an active escalation, counts it on a staff alert.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from redis.exceptions import RedisError
from sqlalchemy import Connection, Table, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import helplines
from common.logging import get_logger
from common.scrub import sensitive
from escalation import db, schemas
from escalation.metrics import Metrics
from escalation.models import (
    ACTIVE,
    WAITING,
    AlertKind,
    AlertStatus,
    AnswerText,
    ConversationMessage,
    Counsellor,
    Escalation,
    EscalationEvent,
    IdempotencyKey,
    Outbox,
    PeerHarmAlert,
    PeerHarmGroup,
    PeerHarmReport,
    RiskLevel,
    SafetyPlan,
    SlaStage,
    Status,
)
from escalation.privacy import Privacy
from escalation.queue import HandoffQueue, queue_score
from escalation.settings import EscalationSettings
from escalation.sla import in_service_hours, next_shift_start, sla_delay

log = get_logger("escalation.service")

T = TypeVar("T")

ESCALATIONS = cast(Table, Escalation.__table__)
EVENTS = cast(Table, EscalationEvent.__table__)
OUTBOX = cast(Table, Outbox.__table__)
IDEMPOTENCY_KEYS = cast(Table, IdempotencyKey.__table__)
ANSWER_TEXTS = cast(Table, AnswerText.__table__)

#: A create that loses a race for the teen's one active escalation is retried as a
#: merge; each retry sees the winner's commit, so a few attempts always suffice.
MERGE_ATTEMPTS = 5

#: How stale "is a counsellor on duty" may be when an escalation is created. Another
#: replica's duty change is seen within this; this replica's at once.
ON_DUTY_CACHE_S = 1.0

#: ``who-speaks`` tells the outcome of an escalation closed at most this long ago (after a
#: hand-back the bot carries on where the talk was, rather than starting again).
LAST_OUTCOME_WITHIN = timedelta(hours=24)

AUDIENCE = {
    SlaStage.first_notice: "on_duty",
    SlaStage.renotified: "all_on_duty",
    SlaStage.coordinator: "coordinator",
}


class DomainError(Exception):
    """A refusal with a stable code; the API turns it into a JSON error."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def not_found(escalation_id: str) -> DomainError:
    return DomainError(404, "escalation_not_found", "no escalation with this id")


@dataclass(frozen=True)
class Staffing:
    """Whether a human can answer now, and if not, when one is expected."""

    counsellor_available: bool
    in_service_hours: bool
    #: No one on duty: the next shift's start after now (service time zone); else None.
    next_shift_at: datetime | None


@dataclass
class CreateOutcome:
    escalation: Escalation
    counsellor: Counsellor | None
    created: bool
    delivery: str
    staffing: Staffing
    helplines: list[schemas.HelplineOut] = field(default_factory=list)
    merged: bool = False


@dataclass(frozen=True)
class LastClosed:
    """The teen's escalation closed most recently (within ``LAST_OUTCOME_WITHIN``)."""

    outcome: str
    closed_at: datetime


@dataclass(frozen=True)
class PeerHarmOutcome:
    created: bool  # False: the key was seen before (the first answer, repeated)
    remind: bool
    target_at_risk: bool
    alert_id: str | None
    alert_count: int | None
    escalation_id: str | None = None
    released_score: float | None = None  # the target's hold was released: queue this


@dataclass(frozen=True)
class _PeerHarmRefs:
    """A peer-harm report's pseudonyms, and the group's chat id encrypted (for the alert)."""

    group: str
    author: str
    target: str | None
    chat_enc: str


@dataclass
class _Written:
    """What the create's slow path did: ``created``, ``seen`` (the key) or ``merged``."""

    kind: str
    escalation_id: str
    merged: bool = False  # seen: the key's signal had been merged
    enqueue_score: float | None = None  # queue (or re-score) this after the commit
    risk_raised: bool = False


@dataclass
class _Created:
    """The rows of a new escalation, ready to insert (Core: column name -> value)."""

    escalation: dict[str, Any]
    events: list[dict[str, Any]]
    outbox: dict[str, Any] | None  # None while held: nothing to deliver yet
    answer_texts: list[dict[str, Any]] = field(default_factory=list)


def union_capped(old: list[Any], new: list[Any], cap: int) -> list[Any]:
    """``old`` then what ``new`` adds, without repeats; beyond ``cap`` the oldest go."""
    out = list(old)
    for item in new:
        if item not in out:
            out.append(item)
    return out[-cap:]


@dataclass
class DeliveryOut:
    escalation: Escalation
    counsellor: Counsellor | None
    token: str
    attempt: int
    audience: str


class Wakeup:
    """Wakes long-polling deliveries when something is queued (Redis pub/sub)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


def utcnow() -> datetime:
    return datetime.now(UTC)


class EscalationService:
    def __init__(
        self,
        settings: EscalationSettings,
        engine: AsyncEngine,
        queue: HandoffQueue,
        metrics: Metrics | None = None,
        clock: Callable[[], datetime] = utcnow,
        read_engine: AsyncEngine | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        #: Reads. On SQLite a second engine whose transactions do not take the write lock.
        self.sessions = async_sessionmaker(read_engine or engine, expire_on_commit=False)
        self._writes = async_sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer at a time: queue this process's writers here instead of
        # letting them poll the file lock (busy_timeout sleeps). Other processes still
        # wait through busy_timeout.
        self._write_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        self._writer_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sql-writer")
        self._sqlite_writer = (
            db.create_sync_sqlite_engine(engine.url.render_as_string(hide_password=False))
            if engine.dialect.name == "sqlite"
            else None
        )
        self.queue = queue
        self.metrics = metrics or Metrics()
        self.clock = clock
        self.privacy = Privacy(settings.hmac_key.get_secret_value(), settings.fernet_key_bytes)
        self.wakeup = Wakeup()
        self._on_duty_cache: tuple[float, bool] = (-ON_DUTY_CACHE_S, False)
        self._helplines: helplines.HelplineDirectory | None = None  # HELPLINES_FILE, loaded once
        self.crash_after_commit = False  # fault tests only: SIGKILL between commit and enqueue

    # -- helpers -----------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One write transaction, committed on exit (rolled back on error)."""
        if self._write_lock is None:
            async with self._writes.begin() as session:
                yield session
            return
        async with self._write_lock, self._writes.begin() as session:
            yield session

    def now(self) -> datetime:
        return self.clock()

    def _event(
        self, escalation_id: str, actor: str, kind: str, now: datetime, **detail: Any
    ) -> EscalationEvent:
        return EscalationEvent(
            escalation_id=escalation_id, at=now, actor=actor, kind=kind, detail=detail
        )

    @staticmethod
    def _event_row(
        escalation_id: str, actor: str, kind: str, now: datetime, **detail: Any
    ) -> dict[str, Any]:
        return {
            "escalation_id": escalation_id, "at": now, "actor": actor, "kind": kind,
            "detail": detail,
        }

    async def _load(self, session: AsyncSession, escalation_id: str) -> Escalation:
        row = await session.get(Escalation, escalation_id)
        if row is None:
            raise not_found(escalation_id)
        return row

    async def _counsellor(self, session: AsyncSession, counsellor_id: str | None) -> Counsellor:
        if counsellor_id is None:
            raise DomainError(
                400, "counsellor_required", "this action needs the X-Counsellor-Id header"
            )
        row = await session.get(Counsellor, counsellor_id)
        if row is None:
            raise DomainError(403, "unknown_counsellor", "no counsellor with this id")
        return row

    async def _holder(self, session: AsyncSession, row: Escalation) -> Counsellor | None:
        if row.claimed_by is None:
            return None
        return await session.get(Counsellor, row.claimed_by)

    async def enqueue_after_commit(
        self, escalation_id: str, score: float, *, rescore: bool = False
    ) -> bool:
        """Put a committed change on the queue; False if Redis failed.

        ``rescore``: the risk rose, move the item to ``score`` even if it waits already.
        The change's outbox row stays either way: the reconciler deletes it in a batch
        once Redis holds the escalation (one transaction less on the crisis path).
        """
        if self.crash_after_commit:
            os.kill(os.getpid(), signal.SIGKILL)
        try:
            if rescore:
                await self.queue.rescore(escalation_id, score)
            else:
                await self.queue.enqueue(escalation_id, score)
        except (RedisError, OSError) as exc:
            self.metrics.enqueue_failures.inc()
            log.warning("enqueue.failed", escalation_id=escalation_id, error=type(exc).__name__)
            return False
        return True

    async def _forget(self, escalation_id: str) -> None:
        """Best effort: nothing left to deliver. A leftover is dropped at lease time."""
        try:
            await self.queue.remove(escalation_id)
        except (RedisError, OSError) as exc:
            log.warning("dequeue.failed", escalation_id=escalation_id, error=type(exc).__name__)

    def helplines_now(self, country: str, risk: RiskLevel) -> list[schemas.HelplineOut]:
        """The lines open now, best first, for a teen no counsellor can answer yet."""
        now = self.now()
        try:
            if self._helplines is None:
                self._helplines = helplines.load_directory(self.settings.helplines_file)
            offers = helplines.helplines_for(country, risk.value, now, self._helplines)
        except (helplines.UnknownCountryError, helplines.HelplineDataError, OSError) as exc:
            log.error("helplines.unavailable", error=type(exc).__name__)
            return []
        out = []
        for offer in offers:
            if not offer.is_open:
                continue
            channels = [
                schemas.HelplineChannelOut(
                    kind=s.channel.kind,
                    address=s.channel.address,
                    open_now=s.is_open,
                    always_open=s.channel.always_open,
                )
                for s in offer.channels
            ]
            out.append(
                schemas.HelplineOut(
                    id=offer.helpline.id,
                    name=offer.helpline.name,
                    always_open=offer.helpline.always_open,
                    channels=channels,
                )
            )
        return out

    # -- create and read ---------------------------------------------------------

    async def counsellor_on_duty(self) -> bool:
        """Is anyone on duty? Read at most once per second (and after a change here)."""
        cached_at, value = self._on_duty_cache
        if time.monotonic() - cached_at < ON_DUTY_CACHE_S:
            return value
        async with self.sessions() as session:
            found = await session.scalar(
                select(Counsellor.id).where(Counsellor.on_duty).limit(1)
            )
        self._on_duty_cache = (time.monotonic(), found is not None)
        return found is not None

    async def staffing(self, now: datetime) -> Staffing:
        """Is a counsellor on duty, is it service hours, and when the next shift starts."""
        available = await self.counsellor_on_duty()
        next_shift = None
        if not available:
            start = next_shift_start(now, self.settings)
            if start is not None:
                next_shift = start.astimezone(ZoneInfo(self.settings.service_timezone))
        return Staffing(
            counsellor_available=available,
            in_service_hours=in_service_hours(now, self.settings),
            next_shift_at=next_shift,
        )

    async def create(self, data: schemas.EscalationCreate, actor: str) -> CreateOutcome:
        """Record an escalation, or merge the signal into the teen's active one.

        The crisis path is one insert transaction. When it is refused (the key was seen,
        or the teen has an active escalation, perhaps committed a moment ago by a
        concurrent create), the slow path decides: the same key answers its escalation,
        an active escalation takes the merge, and if that was closed meanwhile a new
        escalation is recorded after all.
        """
        now = self.now()
        risk = RiskLevel(data.risk_level)
        country = data.country or self.settings.default_country
        score = queue_score(now.timestamp(), risk, self.settings.aging_step_s)
        escalation_id = str(uuid.uuid4())
        held_until = (
            now + timedelta(seconds=data.notify_after_s) if data.notify_after_s > 0 else None
        )
        ids = [data.teen_telegram_id] + (
            [data.group_chat_id] if data.group_chat_id is not None else []
        )
        texts = data.answer_texts.model_dump(exclude_none=True)
        with sensitive(*ids, *texts.values()):
            teen_ref = self.privacy.ref("teen", data.teen_telegram_id)
            contact = self.privacy.encrypt_json(
                {"teen": data.teen_telegram_id, "group": data.group_chat_id}
            )
            evidence = (
                self.privacy.encrypt_json([e.model_dump(mode="json") for e in data.evidence])
                if data.evidence
                else None
            )
            answer_texts = [
                {
                    "escalation_id": escalation_id,
                    "question": question,
                    "text_enc": self.privacy.encrypt_text(text),
                    "at": now,
                }
                for question, text in texts.items()
            ]
        row = Escalation(
            id=escalation_id,
            idempotency_key=data.idempotency_key,
            teen_ref=teen_ref,
            group_ref=(
                self.privacy.ref("group", data.group_chat_id)
                if data.group_chat_id is not None
                else None
            ),
            contact_enc=contact,
            country=country,
            risk_level=risk.value,
            priority=risk.rank,
            queue_score=score,
            reason_codes=list(data.reason_codes),
            evidence_enc=evidence,
            answers=data.answers.model_dump(mode="json"),
            status=Status.queued.value,
            # Held: Redis should not hold it yet; the SLA clock starts when the hold ends.
            delivery_pending=held_until is None,
            sla_stage=SlaStage.first_notice.value,
            next_sla_at=(held_until or now) + sla_delay(risk, self.settings),
            held_until=held_until,
            created_at=now,
        )
        # Read outside the write transaction: SQLite writers queue behind each other,
        # so the write lock is held only for the inserts.
        staffing = await self.staffing(now)
        if not staffing.counsellor_available and not staffing.in_service_hours:
            row.checkin_at = next_shift_start(now, self.settings)
        created = _Created(
            escalation={c.key: getattr(row, c.key) for c in ESCALATIONS.columns},
            events=self._created_events(row, actor, now, sorted(texts)),
            outbox=(
                {"escalation_id": escalation_id, "queue_score": score, "created_at": now}
                if held_until is None
                else None
            ),
            answer_texts=answer_texts,
        )
        try:
            inserted = await self._insert_created(data.idempotency_key, created)
        except IntegrityError:
            inserted = False
        if not inserted:
            return await self._merge_or_create(data, created, actor, staffing)
        return await self._created(row, staffing)

    def _created_events(
        self, row: Escalation, actor: str, now: datetime, answer_texts: list[str]
    ) -> list[dict[str, Any]]:
        detail: dict[str, Any] = {"risk": row.risk_level, "priority": row.priority}
        if row.group_ref is None:
            detail["private_only"] = True
        if answer_texts:
            detail["answer_texts"] = answer_texts  # which questions; never the words
        if row.held_until is not None:
            detail["held_until"] = row.held_until.isoformat()
        events = [self._event_row(row.id, actor, "created", now, **detail)]
        if row.checkin_at is not None:
            events.append(
                self._event_row(
                    row.id, actor, "checkin_scheduled", now, at=row.checkin_at.isoformat()
                )
            )
        return events

    async def _created(self, row: Escalation, staffing: Staffing) -> CreateOutcome:
        """After a new escalation's commit: metrics, the log line, the enqueue."""
        risk = RiskLevel(row.risk_level)
        self.metrics.created.labels(risk.value).inc()
        log.info(
            "escalation.created",
            escalation_id=row.id,
            risk=risk.value,
            held=row.held_until is not None,
        )
        if row.held_until is not None:
            delivery = "held"
        else:
            queued = await self.enqueue_after_commit(row.id, row.queue_score)
            delivery = "queued" if queued else "queued_later"
        return CreateOutcome(
            escalation=row,
            counsellor=None,
            created=True,
            delivery=delivery,
            staffing=staffing,
            helplines=(
                [] if staffing.counsellor_available else self.helplines_now(row.country, risk)
            ),
        )

    async def _insert_created(self, idempotency_key: str, created: _Created) -> bool:
        """The crisis path's one transaction: the escalation, its events, its outbox row.

        False, with nothing written, when the key was merged into another escalation
        before. Core inserts (the ORM's unit of work costs more than the statements). On
        SQLite the whole transaction runs in the writer thread with the blocking driver:
        one hand-over between threads instead of about fifteen through aiosqlite.
        """

        def insert_all(conn: Connection) -> bool:
            merged_before = conn.execute(
                select(IDEMPOTENCY_KEYS.c.escalation_id).where(
                    IDEMPOTENCY_KEYS.c.key == idempotency_key
                )
            ).first()
            if merged_before is not None:
                return False
            conn.execute(insert(ESCALATIONS).values(created.escalation))
            conn.execute(insert(EVENTS), created.events)
            if created.answer_texts:
                conn.execute(insert(ANSWER_TEXTS), created.answer_texts)
            if created.outbox is not None:
                conn.execute(insert(OUTBOX).values(created.outbox))
            return True

        return await self.run_write(insert_all)

    async def run_write(self, work: Callable[[Connection], T]) -> T:
        """Run ``work(connection)`` as one write transaction, committed when it returns.

        On SQLite, in the writer thread with the blocking driver (one hand-over between
        threads for the whole transaction); on PostgreSQL, on the asyncio driver.
        """
        if self._sqlite_writer is not None and self._write_lock is not None:
            writer = self._sqlite_writer

            def in_thread() -> T:
                with writer.begin() as conn:
                    return work(conn)

            async with self._write_lock:
                return await asyncio.get_running_loop().run_in_executor(
                    self._writer_thread, in_thread
                )
        async with self.engine.begin() as conn:
            return await conn.run_sync(work)

    async def shutdown(self) -> None:
        """Release the writer thread and its connection (the app's lifespan calls this)."""
        if self._sqlite_writer is not None:
            self._sqlite_writer.dispose()
        self._writer_thread.shutdown(wait=True)

    async def _merge_or_create(
        self,
        data: schemas.EscalationCreate,
        created: _Created,
        actor: str,
        staffing: Staffing,
    ) -> CreateOutcome:
        """The create's slow path, retried when a concurrent create wins a race."""
        for _ in range(MERGE_ATTEMPTS):
            try:
                written = await self._merge_once(data, created, actor)
            except IntegrityError:
                continue  # another create for this teen or key committed first
            break
        else:
            raise DomainError(409, "conflict", "the escalation could not be recorded")
        if written.kind == "created":
            async with self.sessions() as session:
                row = await self._load(session, written.escalation_id)
            return await self._created(row, staffing)
        delivery = None
        if written.kind == "merged":
            self.metrics.merges.labels(str(written.risk_raised).lower()).inc()
            log.info(
                "escalation.merged",
                escalation_id=written.escalation_id,
                risk_raised=written.risk_raised,
            )
            if written.enqueue_score is not None:
                queued = await self.enqueue_after_commit(
                    written.escalation_id, written.enqueue_score, rescore=True
                )
                delivery = "queued" if queued else "queued_later"
        else:
            log.info("escalation.duplicate_key", escalation_id=written.escalation_id)
        async with self.sessions() as session:
            row = await self._load(session, written.escalation_id)
            holder = await self._holder(session, row)
        return CreateOutcome(
            escalation=row,
            counsellor=holder,
            created=False,
            delivery=delivery or self._delivery_state(row),
            staffing=staffing,
            helplines=(
                []
                if staffing.counsellor_available
                else self.helplines_now(row.country, RiskLevel(row.risk_level))
            ),
            merged=written.kind == "merged" or written.merged,
        )

    @staticmethod
    def _delivery_state(row: Escalation) -> str:
        """How an existing escalation stands with delivery, for a create's answer."""
        if row.status in {s.value for s in WAITING} and row.held_until is not None:
            return "held"
        return "queued" if row.delivery_pending else "not_needed"

    async def _merge_once(
        self, data: schemas.EscalationCreate, created: _Created, actor: str
    ) -> _Written:
        """One transaction: the key seen before, else a merge, else a new escalation."""
        key = data.idempotency_key
        teen_ref = created.escalation["teen_ref"]
        now = self.now()
        async with self.write() as session:
            own = await session.scalar(
                select(Escalation.id).where(Escalation.idempotency_key == key)
            )
            if own is not None:
                return _Written("seen", own)
            merged_before = await session.get(IdempotencyKey, key)
            if merged_before is not None:
                return _Written("seen", merged_before.escalation_id, merged=True)
            # Locked until the commit: concurrent merges into it take turns (PostgreSQL;
            # SQLite has one writer anyway and ignores FOR UPDATE).
            row = await session.scalar(
                select(Escalation)
                .where(Escalation.teen_ref == teen_ref, Escalation.status != Status.closed.value)
                .with_for_update()
            )
            if row is None:  # closed since the first attempt: a new escalation after all
                await session.execute(insert(ESCALATIONS).values(created.escalation))
                await session.execute(insert(EVENTS), created.events)
                if created.answer_texts:
                    await session.execute(insert(ANSWER_TEXTS), created.answer_texts)
                if created.outbox is not None:
                    await session.execute(insert(OUTBOX).values(created.outbox))
                return _Written("created", created.escalation["id"])
            written = await self._merge_into(session, row, data, actor, now)
            session.add(IdempotencyKey(key=key, escalation_id=row.id, created_at=now))
        return written

    async def _merge_into(
        self,
        session: AsyncSession,
        row: Escalation,
        data: schemas.EscalationCreate,
        actor: str,
        now: datetime,
    ) -> _Written:
        """Merge a new signal into the teen's active (locked) escalation ``row``.

        Risk only rises; answers and the teen's own words are overwritten field by field
        by the new non-null ones; evidence and reason codes are added to; an unknown group
        is filled in (a known one is kept: the escalation stays with its first group). A
        hold is only ever released or shortened. A risk raised while waiting is delivered
        again, at the new place.
        """
        old_risk = RiskLevel(row.risk_level)
        new_risk = RiskLevel(data.risk_level)
        risk = max(old_risk, new_risk, key=lambda r: r.rank)
        raised = risk is not old_risk
        if raised:
            row.risk_level = risk.value
            row.priority = risk.rank
            # The queue's ageing still counts from when the escalation was created.
            row.queue_score = queue_score(
                row.created_at.timestamp(), risk, self.settings.aging_step_s
            )

        new_answers = data.answers.model_dump(mode="json")
        changed = [
            name
            for name, value in new_answers.items()
            if value is not None and row.answers.get(name) != value
        ]
        if changed:
            row.answers = {**row.answers, **{name: new_answers[name] for name in changed}}
        texts_changed = await self._merge_answer_texts(session, row.id, data.answer_texts, now)
        group_added = False
        if row.group_ref is None and data.group_chat_id is not None:
            # The teen wrote privately first; now a group is known: link it, so that a
            # counsellor sees it and the gateway can reach the teen there too.
            group_added = True
            with sensitive(data.teen_telegram_id, data.group_chat_id):
                row.group_ref = self.privacy.ref("group", data.group_chat_id)
                contact = (
                    self.privacy.decrypt_json(row.contact_enc)
                    if row.contact_enc is not None
                    else {"teen": data.teen_telegram_id}
                )
                row.contact_enc = self.privacy.encrypt_json(
                    {**contact, "group": data.group_chat_id}
                )
        reasons = union_capped(row.reason_codes, list(data.reason_codes), schemas.REASONS_MAX)
        reasons_added = len(set(reasons) - set(row.reason_codes))
        if reasons != row.reason_codes:
            row.reason_codes = reasons
        evidence_added = 0
        if data.evidence:
            with sensitive(*(e.matched for e in data.evidence)):
                old = self.evidence(row) or []
                evidence = union_capped(
                    old, [e.model_dump(mode="json") for e in data.evidence], schemas.EVIDENCE_MAX
                )
                evidence_added = len([e for e in evidence if e not in old])
                if evidence_added:
                    row.evidence_enc = self.privacy.encrypt_json(evidence)

        waiting = row.status in {s.value for s in WAITING}
        hold_events: list[tuple[str, dict[str, Any]]] = []
        if waiting and row.held_until is not None:
            if data.notify_after_s == 0:
                row.held_until = None
                hold_events.append(("hold_released", {}))
            elif now + timedelta(seconds=data.notify_after_s) < row.held_until:
                row.held_until = now + timedelta(seconds=data.notify_after_s)
                hold_events.append(("hold_shortened", {"held_until": row.held_until.isoformat()}))
        released = bool(hold_events) and row.held_until is None
        deliver = waiting and row.held_until is None and (raised or released)
        if waiting and (raised or hold_events) and row.next_sla_at is not None:
            deadline = (row.held_until or now) + sla_delay(risk, self.settings)
            row.next_sla_at = min(row.next_sla_at, deadline)
        if deliver:
            row.delivery_pending = True
            session.add(
                Outbox(escalation_id=row.id, queue_score=row.queue_score, created_at=now)
            )

        merged_detail: dict[str, Any] = {
            "risk_from": old_risk.value, "risk_to": risk.value, "answers_changed": changed,
            "answer_texts_changed": texts_changed, "reason_codes_added": reasons_added,
            "evidence_added": evidence_added,
        }
        if group_added:
            merged_detail["group_added"] = True
        session.add(self._event(row.id, actor, "merged", now, **merged_detail))
        if raised:
            session.add(
                self._event(
                    row.id, actor, "risk_raised", now,
                    risk_from=old_risk.value, risk_to=risk.value, priority=risk.rank,
                )
            )
        for kind, detail in hold_events:
            session.add(self._event(row.id, actor, kind, now, **detail))
        return _Written(
            "merged",
            row.id,
            enqueue_score=row.queue_score if deliver else None,
            risk_raised=raised,
        )

    async def _merge_answer_texts(
        self,
        session: AsyncSession,
        escalation_id: str,
        given: schemas.AnswerTexts,
        now: datetime,
    ) -> list[str]:
        """Replace the kept words, question by question, with the new non-null ones.

        Returns the questions whose words changed (names only: they go in the event log).
        """
        texts = given.model_dump(exclude_none=True)
        if not texts:
            return []
        changed = []
        with sensitive(*texts.values()):
            kept = {
                r.question: r
                for r in await session.scalars(
                    select(AnswerText).where(AnswerText.escalation_id == escalation_id)
                )
            }
            for question, text in sorted(texts.items()):
                old = kept.get(question)
                if old is None:
                    session.add(
                        AnswerText(
                            escalation_id=escalation_id, question=question,
                            text_enc=self.privacy.encrypt_text(text), at=now,
                        )
                    )
                elif self.privacy.decrypt_text(old.text_enc) != text:
                    old.text_enc = self.privacy.encrypt_text(text)
                    old.at = now
                else:
                    continue
                changed.append(question)
        return changed

    async def answer_texts(self, escalation_id: str) -> schemas.AnswerTexts | None:
        """The teen's own words kept for this escalation; None when none is kept."""
        async with self.sessions() as session:
            rows = list(
                await session.scalars(
                    select(AnswerText).where(AnswerText.escalation_id == escalation_id)
                )
            )
        if not rows:
            return None
        return schemas.AnswerTexts.model_validate(
            {r.question: self.privacy.decrypt_text(r.text_enc) for r in rows}
        )

    async def get(self, escalation_id: str) -> tuple[Escalation, Counsellor | None, list[Any]]:
        async with self.sessions() as session:
            row = await self._load(session, escalation_id)
            holder = await self._holder(session, row)
            events = list(
                await session.scalars(
                    select(EscalationEvent)
                    .where(EscalationEvent.escalation_id == escalation_id)
                    .order_by(EscalationEvent.id)
                )
            )
        return row, holder, events

    def evidence(self, row: Escalation) -> list[dict[str, Any]] | None:
        if row.evidence_enc is None:
            return None
        value = self.privacy.decrypt_json(row.evidence_enc)
        return value if isinstance(value, list) else None

    async def list_escalations(
        self, statuses: frozenset[Status], limit: int, held: bool | None = None
    ) -> list[tuple[Escalation, Counsellor | None]]:
        """Escalations in ``statuses``, in the order counsellors take them.

        ``held``: True only held ones, False none, None both.
        """
        query = (
            select(Escalation, Counsellor)
            .outerjoin(Counsellor, Counsellor.id == Escalation.claimed_by)
            .where(Escalation.status.in_([s.value for s in statuses]))
        )
        if held is not None:
            query = query.where(
                Escalation.held_until.is_not(None) if held else Escalation.held_until.is_(None)
            )
        async with self.sessions() as session:
            result = await session.execute(
                query.order_by(Escalation.queue_score, Escalation.id).limit(limit)
            )
            return [(e, c) for e, c in result]

    async def contact(self, escalation_id: str) -> tuple[int, int | None]:
        """The teen's Telegram id, and the group's chat id (None: private only)."""
        async with self.sessions() as session:
            row = await self._load(session, escalation_id)
        if row.contact_enc is None:
            raise DomainError(410, "contact_purged", "the contact was deleted by retention")
        value = self.privacy.decrypt_json(row.contact_enc)
        group = value.get("group")
        return int(value["teen"]), int(group) if group is not None else None

    # -- counsellors' actions ----------------------------------------------------

    async def claim(self, escalation_id: str, counsellor_id: str | None) -> Escalation:
        now = self.now()
        async with self.write() as session:
            counsellor = await self._counsellor(session, counsellor_id)
            if not counsellor.on_duty:
                raise DomainError(403, "not_on_duty", "only an on-duty counsellor can claim")
            result = await session.execute(
                update(Escalation)
                .where(
                    Escalation.id == escalation_id,
                    Escalation.status.in_([s.value for s in WAITING]),
                )
                .values(
                    status=Status.claimed.value,
                    claimed_by=counsellor.id,
                    # The first claim's time: time-to-claim statistics are about it.
                    claimed_at=func.coalesce(Escalation.claimed_at, now),
                    delivery_pending=False,
                    next_sla_at=None,
                    checkin_at=None,
                    held_until=None,  # a counsellor took it before the hold ended
                )
                .execution_options(synchronize_session=False)
            )
            won = getattr(result, "rowcount", 0) == 1
            if won:
                actor = f"counsellor:{counsellor.id}"
                session.add(self._event(escalation_id, actor, "claimed", now))
        if not won:
            async with self.sessions() as session:
                row = await self._load(session, escalation_id)
                holder = await self._holder(session, row)
            if row.status == Status.claimed.value and holder is not None:
                raise DomainError(
                    409,
                    "already_claimed",
                    "another counsellor has this escalation",
                    {"claimed_by": {"id": holder.id, "display_name": holder.display_name}},
                )
            raise DomainError(409, "not_claimable", f"the escalation is {row.status}")
        async with self.sessions() as session:
            row = await self._load(session, escalation_id)
        if row.claimed_at == now:  # the first claim
            self.metrics.time_to_claim.labels(row.risk_level).observe(
                max(0.0, (now - row.created_at).total_seconds())
            )
        log.info("escalation.claimed", escalation_id=escalation_id)
        await self._forget(escalation_id)
        return row

    async def release(self, escalation_id: str, counsellor_id: str | None) -> Escalation:
        """Hand an escalation back to the queue (the claimer, or a coordinator)."""
        now = self.now()
        async with self.write() as session:
            counsellor = await self._counsellor(session, counsellor_id)
            row = await self._load(session, escalation_id)
            self._require_holder(row, counsellor)
            risk = RiskLevel(row.risk_level)
            await self._update_if_unchanged(
                session,
                row,
                "not_held",
                status=Status.queued.value,
                claimed_by=None,
                delivery_pending=True,
                sla_stage=SlaStage.first_notice.value,
                next_sla_at=now + sla_delay(risk, self.settings),
            )
            session.add(
                self._event(escalation_id, f"counsellor:{counsellor.id}", "released", now)
            )
            session.add(
                Outbox(escalation_id=escalation_id, queue_score=row.queue_score, created_at=now)
            )
        await self.enqueue_after_commit(escalation_id, row.queue_score)
        async with self.sessions() as session:
            return await self._load(session, escalation_id)

    async def _update_if_unchanged(
        self, session: AsyncSession, row: Escalation, code: str, **values: object
    ) -> None:
        """Write ``values`` only if status and holder are still as ``row`` was loaded.

        The compare-and-set that makes concurrent release/transfer/close safe: a
        second writer finds nothing to update and gets 409 ``code``.
        """
        holder = (
            Escalation.claimed_by == row.claimed_by
            if row.claimed_by is not None
            else Escalation.claimed_by.is_(None)
        )
        result = await session.execute(
            update(Escalation)
            .where(Escalation.id == row.id, Escalation.status == row.status, holder)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            raise DomainError(409, code, "the escalation changed meanwhile; reload it")

    def _require_holder(self, row: Escalation, counsellor: Counsellor) -> None:
        if row.status != Status.claimed.value:
            raise DomainError(409, "not_claimed", f"the escalation is {row.status}")
        if row.claimed_by != counsellor.id and not counsellor.coordinator:
            raise DomainError(
                403, "not_holder", "only the counsellor who holds it (or a coordinator) can"
            )

    async def transfer(
        self, escalation_id: str, counsellor_id: str | None, to_id: str, note: str | None
    ) -> tuple[Escalation, Counsellor]:
        now = self.now()
        async with self.write() as session:
            counsellor = await self._counsellor(session, counsellor_id)
            row = await self._load(session, escalation_id)
            self._require_holder(row, counsellor)
            target = await session.get(Counsellor, to_id)
            if target is None:
                raise DomainError(404, "unknown_target", "no counsellor with the target id")
            if not target.on_duty:
                raise DomainError(409, "target_not_on_duty", "the target counsellor is off duty")
            if target.id == row.claimed_by:
                raise DomainError(409, "same_counsellor", "the target already holds it")
            await self._update_if_unchanged(session, row, "not_held", claimed_by=target.id)
            session.add(
                self._event(
                    escalation_id,
                    f"counsellor:{counsellor.id}",
                    "transferred",
                    now,
                    from_counsellor=row.claimed_by,
                    to_counsellor=target.id,
                    with_note=note is not None,
                )
            )
            if note:
                with sensitive(note):
                    session.add(
                        ConversationMessage(
                            escalation_id=escalation_id,
                            at=now,
                            author="note",
                            counsellor_id=counsellor.id,
                            text_enc=self.privacy.encrypt_text(note),
                        )
                    )
        async with self.sessions() as session:
            return await self._load(session, escalation_id), target

    async def add_message(
        self, escalation_id: str, data: schemas.MessageCreate, counsellor_id: str | None
    ) -> ConversationMessage:
        now = self.now()
        with sensitive(data.text):
            async with self.write() as session:
                row = await self._load(session, escalation_id)
                if row.status not in {s.value for s in ACTIVE}:
                    raise DomainError(409, "closed", "the escalation is closed")
                author_id = None
                if data.author == "counsellor":
                    counsellor = await self._counsellor(session, counsellor_id)
                    if row.claimed_by != counsellor.id:
                        raise DomainError(
                            403, "not_holder", "only the counsellor who holds it can write"
                        )
                    author_id = counsellor.id
                message = ConversationMessage(
                    escalation_id=escalation_id,
                    at=now,
                    author=data.author,
                    counsellor_id=author_id,
                    text_enc=self.privacy.encrypt_text(data.text),
                )
                session.add(message)
                await session.flush()
                session.add(
                    self._event(
                        escalation_id,
                        f"counsellor:{author_id}" if author_id else "service",
                        "message",
                        now,
                        author=data.author,
                    )
                )
        return message

    async def messages(self, escalation_id: str) -> list[schemas.MessageOut]:
        async with self.sessions() as session:
            await self._load(session, escalation_id)
            rows = list(
                await session.scalars(
                    select(ConversationMessage)
                    .where(ConversationMessage.escalation_id == escalation_id)
                    .order_by(ConversationMessage.id)
                )
            )
        return [
            schemas.MessageOut(
                id=m.id,
                at=m.at,
                author=m.author,
                counsellor_id=m.counsellor_id,
                text=self.privacy.decrypt_text(m.text_enc),
            )
            for m in rows
        ]

    async def close(
        self, escalation_id: str, counsellor_id: str | None, outcome: str
    ) -> Escalation:
        now = self.now()
        async with self.write() as session:
            counsellor = await self._counsellor(session, counsellor_id)
            row = await self._load(session, escalation_id)
            if row.status == Status.closed.value:
                raise DomainError(409, "closed", "the escalation is already closed")
            if row.status == Status.claimed.value:
                self._require_holder(row, counsellor)
            await self._update_if_unchanged(
                session,
                row,
                "conflict",
                status=Status.closed.value,
                outcome=outcome,
                closed_at=now,
                delivery_pending=False,
                next_sla_at=None,
                checkin_at=None,
                held_until=None,
            )
            session.add(
                self._event(
                    escalation_id, f"counsellor:{counsellor.id}", "closed", now, outcome=outcome
                )
            )
        self.metrics.closed.labels(row.risk_level, outcome).inc()
        await self._forget(escalation_id)
        async with self.sessions() as session:
            return await self._load(session, escalation_id)

    # -- counsellors -----------------------------------------------------------------

    async def put_counsellor(self, counsellor_id: str, data: schemas.CounsellorIn) -> Counsellor:
        now = self.now()
        async with self.write() as session:
            row = await session.get(Counsellor, counsellor_id)
            if row is None:
                row = Counsellor(id=counsellor_id, updated_at=now, **data.model_dump())
                session.add(row)
            else:
                for key, value in data.model_dump().items():
                    setattr(row, key, value)
                row.updated_at = now
        self._on_duty_cache = (-ON_DUTY_CACHE_S, False)
        return row

    async def counsellors(self) -> list[Counsellor]:
        async with self.sessions() as session:
            return list(await session.scalars(select(Counsellor).order_by(Counsellor.id)))

    # -- delivery ---------------------------------------------------------------------

    async def next_delivery(self, wait_s: float) -> DeliveryOut | None:
        """Lease the best waiting escalation; check SQL first, so nothing stale is sent."""
        deadline = time.monotonic() + wait_s
        lease_ms = int(self.settings.ack_timeout_s * 1000)
        while True:
            result = await self.queue.lease(int(self.now().timestamp() * 1000), lease_ms)
            if result.redelivered:
                self.metrics.redeliveries.inc(result.redelivered)
                log.info("delivery.expired_requeued", count=result.redelivered)
            lease = result.lease
            if lease is not None:
                async with self.sessions() as session:
                    row = await session.get(Escalation, lease.escalation_id)
                    holder = await self._holder(session, row) if row is not None else None
                if (
                    row is None
                    or row.status not in {s.value for s in WAITING}
                    or not row.delivery_pending
                ):
                    # Claimed, closed or already shown while this item waited in Redis.
                    log.info("delivery.dropped_stale", escalation_id=lease.escalation_id)
                    await self.queue.ack(lease.escalation_id, lease.token)
                    continue
                stage = SlaStage(row.sla_stage)
                return DeliveryOut(
                    escalation=row,
                    counsellor=holder,
                    # What was shown: the acknowledgement compares it with SQL then.
                    token=f"{lease.token}.{stage.value}.{row.priority}",
                    attempt=lease.attempt,
                    audience=AUDIENCE[stage],
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            await self.wakeup.wait(min(remaining, 0.5))

    async def ack(self, escalation_id: str, token: str) -> bool:
        """Acknowledge a delivery; returns whether it was stale (nothing to show)."""
        # "<redis token>.<rung>.<priority>"; tokens of the release before have no priority.
        redis_token, stage_text, priority_text = [*token.split(".", 2), "", ""][:3]
        if not (
            redis_token
            and stage_text.isascii() and stage_text.isdigit()
            and priority_text.isascii() and (priority_text.isdigit() or not priority_text)
        ):
            raise DomainError(400, "bad_lease_token", "not a lease token from this service")
        if not await self.queue.ack(escalation_id, redis_token):
            async with self.sessions() as session:
                current = await self._load(session, escalation_id)
            if current.status not in {s.value for s in WAITING}:
                return True  # claimed or closed meanwhile: nothing to show
            raise DomainError(
                409, "lease_expired", "the delivery expired and may have been re-delivered"
            )
        now = self.now()
        stage = int(stage_text)
        priority = int(priority_text) if priority_text else None

        def record(conn: Connection) -> tuple[str, Any] | None:
            """('requeue', score), ('first', row) or ('again', row); None when stale."""
            row = conn.execute(
                select(
                    Escalation.status, Escalation.sla_stage, Escalation.queue_score,
                    Escalation.notified_at, Escalation.created_at, Escalation.risk_level,
                    Escalation.priority,
                ).where(Escalation.id == escalation_id)
            ).one_or_none()
            if row is None or row.status not in {s.value for s in WAITING}:
                return None
            if row.sla_stage != stage or priority not in (None, row.priority):
                # The ladder climbed, or the risk rose (a merge), while this delivery was
                # out: deliver the new state too.
                conn.execute(
                    insert(OUTBOX).values(
                        escalation_id=escalation_id, queue_score=row.queue_score, created_at=now
                    )
                )
                return ("requeue", row.queue_score)
            conn.execute(
                update(ESCALATIONS)
                .where(ESCALATIONS.c.id == escalation_id)
                .values(
                    status=Status.notified.value,
                    notified_at=func.coalesce(ESCALATIONS.c.notified_at, now),
                    delivery_pending=False,
                )
            )
            audience = AUDIENCE[SlaStage(stage)]
            conn.execute(
                insert(EVENTS).values(
                    self._event_row(escalation_id, "service", "notified", now, audience=audience)
                )
            )
            return ("first" if row.notified_at is None else "again", row)

        outcome = await self.run_write(record)
        if outcome is None:
            return True
        kind, value = outcome
        if kind == "requeue":
            await self.enqueue_after_commit(escalation_id, float(value))
        elif kind == "first":
            self.metrics.time_to_notify.labels(value.risk_level).observe(
                max(0.0, (now - value.created_at).total_seconds())
            )
        return False

    # -- safety plans -------------------------------------------------------------------

    def _plan_ref(self, teen_telegram_id: int) -> str:
        with sensitive(teen_telegram_id):
            return self.privacy.ref("teen", teen_telegram_id)

    def _plan(self, row: SafetyPlan) -> schemas.SafetyPlan:
        return schemas.SafetyPlan.model_validate(self.privacy.decrypt_json(row.plan_enc))

    async def put_safety_plan(
        self, data: schemas.SafetyPlanPut
    ) -> tuple[schemas.SafetyPlan, datetime]:
        """Keep (or replace) the teen's own safety plan; only with the teen's consent."""
        if data.consent is not True:
            raise DomainError(
                422, "consent_required", "a safety plan is kept only with the teen's consent"
            )
        now = self.now()
        plan = schemas.SafetyPlan(
            activities=data.activities, reasons=data.reasons, contacts=data.contacts
        )
        teen_ref = self._plan_ref(data.teen_telegram_id)
        with sensitive(*data.activities, *data.reasons, *data.contacts):
            plan_enc = self.privacy.encrypt_json(plan.model_dump(mode="json"))
        for attempt in range(2):
            try:
                async with self.write() as session:
                    row = await session.get(SafetyPlan, teen_ref)
                    if row is None:
                        session.add(
                            SafetyPlan(
                                teen_ref=teen_ref, plan_enc=plan_enc, consent_at=now,
                                created_at=now, updated_at=now,
                            )
                        )
                    else:
                        row.plan_enc = plan_enc
                        row.consent_at = now
                        row.updated_at = now
                break
            except IntegrityError:
                if attempt:  # a concurrent first save won: the second try replaces it
                    raise
        log.info(
            "safety_plan.saved",
            activities_count=len(plan.activities),
            reasons_count=len(plan.reasons),
            contacts_count=len(plan.contacts),
        )
        return plan, now

    async def read_safety_plan(
        self, teen_telegram_id: int
    ) -> tuple[schemas.SafetyPlan, datetime]:
        """The teen's plan (for /mijnlijst); reading it counts as use for retention."""
        teen_ref = self._plan_ref(teen_telegram_id)
        now = self.now()
        async with self.write() as session:
            row = await session.get(SafetyPlan, teen_ref)
            if row is None:
                raise DomainError(404, "no_plan", "this teen has no safety plan")
            row.last_read_at = now
        return self._plan(row), row.updated_at

    async def delete_safety_plan(self, teen_telegram_id: int) -> bool:
        """Forget the teen's plan (the teen asked); False when there was none."""
        teen_ref = self._plan_ref(teen_telegram_id)
        async with self.write() as session:
            result = await session.execute(
                delete(SafetyPlan).where(SafetyPlan.teen_ref == teen_ref)
            )
        deleted = getattr(result, "rowcount", 0) == 1
        log.info("safety_plan.deleted", deleted=deleted)
        return deleted

    async def safety_plan_of(self, row: Escalation) -> schemas.SafetyPlan | None:
        """The plan of the escalation's teen, for the counsellor (not counted as use)."""
        if row.teen_ref is None:
            return None
        async with self.sessions() as session:
            plan = await session.get(SafetyPlan, row.teen_ref)
        return self._plan(plan) if plan is not None else None

    # -- who speaks ---------------------------------------------------------------------

    async def who_speaks(
        self, teen_telegram_id: int
    ) -> tuple[Escalation | None, Counsellor | None, LastClosed | None]:
        """The teen's open escalation (claimed first, then newest) and who holds it.

        With none open: the escalation closed most recently, if within
        ``LAST_OUTCOME_WITHIN`` (its outcome tells the bot how the counsellor left it).
        """
        with sensitive(teen_telegram_id):
            teen_ref = self.privacy.ref("teen", teen_telegram_id)
        since = self.now() - LAST_OUTCOME_WITHIN
        async with self.sessions() as session:
            rows = list(
                await session.scalars(
                    select(Escalation)
                    .where(
                        Escalation.teen_ref == teen_ref,
                        Escalation.status.in_([s.value for s in ACTIVE]),
                    )
                    .order_by(Escalation.created_at.desc())
                )
            )
            claimed = [r for r in rows if r.status == Status.claimed.value]
            row = claimed[0] if claimed else (rows[0] if rows else None)
            holder = await self._holder(session, row) if row is not None else None
            last = None
            if row is None:
                found = (
                    await session.execute(
                        select(Escalation.outcome, Escalation.closed_at)
                        .where(
                            Escalation.teen_ref == teen_ref,
                            Escalation.status == Status.closed.value,
                            Escalation.closed_at >= since,
                        )
                        .order_by(Escalation.closed_at.desc(), Escalation.id.desc())
                        .limit(1)
                    )
                ).first()
                if found is not None and found.outcome is not None:
                    last = LastClosed(outcome=found.outcome, closed_at=found.closed_at)
        return row, holder, last

    # -- peer harm ------------------------------------------------------------------------

    async def report_peer_harm(self, data: schemas.PeerHarmCreate) -> PeerHarmOutcome:
        """Record a hurtful reply in a group; decide the reminder; alert if the target is at risk.

        One transaction, serialised per group by a lock on its ``peer_harm_groups`` row:
        the first report in a window gets ``remind``, the others not, however many run at
        once. When the reply's target has an active escalation, the reply is counted on the
        open alert for that escalation in that group (a new alert when there is none, or
        its last reply is older than the window, or it was acknowledged), the escalation
        gets a ``peer_harm_reply`` event and a hold on it is released. Idempotent on the
        key: a retry answers what the first call answered.
        """
        now = self.now()
        ids = [data.group_chat_id, data.author_telegram_id]
        if data.target_telegram_id is not None:
            ids.append(data.target_telegram_id)
        with sensitive(*ids):
            refs = _PeerHarmRefs(
                group=self.privacy.ref("group", data.group_chat_id),
                author=self.privacy.ref("teen", data.author_telegram_id),
                target=(
                    self.privacy.ref("teen", data.target_telegram_id)
                    if data.target_telegram_id is not None
                    else None
                ),
                chat_enc=self.privacy.encrypt_json(data.group_chat_id),
            )
        for _ in range(MERGE_ATTEMPTS):
            try:
                outcome = await self._peer_harm_once(data.idempotency_key, refs, now)
            except IntegrityError:
                continue  # the same key committed by a concurrent call: answer as it did
            break
        else:
            raise DomainError(409, "conflict", "the report could not be recorded")
        if not outcome.created:
            log.info("peer_harm.duplicate_key", alert_id=outcome.alert_id)
            return outcome
        self.metrics.peer_harm_reports.labels(
            str(outcome.remind).lower(), str(outcome.target_at_risk).lower()
        ).inc()
        if outcome.alert_count == 1:
            self.metrics.peer_harm_alerts.inc()
        log.info(
            "peer_harm.reported",
            remind=outcome.remind,
            target_at_risk=outcome.target_at_risk,
            alert_id=outcome.alert_id,
            alert_count=outcome.alert_count,
            escalation_id=outcome.escalation_id,
            hold_released=outcome.released_score is not None,
        )
        if outcome.escalation_id is not None and outcome.released_score is not None:
            await self.enqueue_after_commit(outcome.escalation_id, outcome.released_score)
        return outcome

    async def _peer_harm_once(
        self, key: str, refs: _PeerHarmRefs, now: datetime
    ) -> PeerHarmOutcome:
        window = timedelta(seconds=self.settings.peer_harm_window_s)
        # ON CONFLICT is dialect syntax; both databases have it.
        upsert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        async with self.write() as session:
            await session.execute(
                upsert(PeerHarmGroup)
                .values(group_ref=refs.group, reminded_at=None)
                .on_conflict_do_nothing(index_elements=["group_ref"])
            )
            # The group's lock, held until the commit (SQLite: one writer anyway).
            group = await session.scalar(
                select(PeerHarmGroup)
                .where(PeerHarmGroup.group_ref == refs.group)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            assert group is not None
            # Read after the lock: a concurrent call with this key has committed by now.
            seen = await session.get(PeerHarmReport, key, populate_existing=True)
            if seen is not None:
                return PeerHarmOutcome(
                    created=False, remind=seen.remind, target_at_risk=seen.target_at_risk,
                    alert_id=seen.alert_id, alert_count=seen.alert_count,
                )
            remind = group.reminded_at is None or group.reminded_at <= now - window
            if remind:
                group.reminded_at = now
            escalation = None
            if refs.target is not None:
                escalation = await session.scalar(
                    select(Escalation)
                    .where(
                        Escalation.teen_ref == refs.target,
                        Escalation.status != Status.closed.value,
                    )
                    .with_for_update()
                )
            alert = None
            released_score = None
            if escalation is not None:
                alert, released_score = await self._count_on_alert(
                    session, escalation, refs, now, window
                )
            session.add(
                PeerHarmReport(
                    key=key, group_ref=refs.group, author_ref=refs.author,
                    target_ref=refs.target, at=now, remind=remind,
                    target_at_risk=escalation is not None,
                    alert_id=alert.id if alert is not None else None,
                    alert_count=alert.count if alert is not None else None,
                )
            )
        return PeerHarmOutcome(
            created=True,
            remind=remind,
            target_at_risk=escalation is not None,
            alert_id=alert.id if alert is not None else None,
            alert_count=alert.count if alert is not None else None,
            escalation_id=escalation.id if escalation is not None else None,
            released_score=released_score,
        )

    async def _count_on_alert(
        self,
        session: AsyncSession,
        escalation: Escalation,
        refs: _PeerHarmRefs,
        now: datetime,
        window: timedelta,
    ) -> tuple[PeerHarmAlert, float | None]:
        """Count the reply on the target's open alert for this group (or open one); release
        a hold on the target's escalation. Returns the alert and, if released, the score."""
        alert = await session.scalar(
            select(PeerHarmAlert)
            .where(
                PeerHarmAlert.escalation_id == escalation.id,
                PeerHarmAlert.group_ref == refs.group,
                PeerHarmAlert.status == AlertStatus.open.value,
                PeerHarmAlert.last_at > now - window,
            )
            .order_by(PeerHarmAlert.last_at.desc())
            .limit(1)
        )
        if alert is None:
            alert = PeerHarmAlert(
                id=str(uuid.uuid4()), kind=AlertKind.peer_harm.value,
                escalation_id=escalation.id, group_ref=refs.group,
                group_chat_enc=refs.chat_enc, count=1, first_at=now, last_at=now,
                status=AlertStatus.open.value,
            )
            session.add(alert)
            await session.flush()  # before the report that refers to it
        else:
            alert.count += 1
            alert.last_at = now
        session.add(
            self._event(
                escalation.id, "service", "peer_harm_reply", now,
                alert_id=alert.id, count=alert.count,
            )
        )
        released_score = None
        if escalation.status in {s.value for s in WAITING} and escalation.held_until is not None:
            # Someone egging on a teen at risk: counsellors are told now, not after the hold.
            escalation.held_until = None
            escalation.delivery_pending = True
            escalation.next_sla_at = now + sla_delay(
                RiskLevel(escalation.risk_level), self.settings
            )
            session.add(
                Outbox(escalation_id=escalation.id, queue_score=escalation.queue_score,
                       created_at=now)
            )
            session.add(
                self._event(escalation.id, "service", "hold_released", now, reason="peer_harm")
            )
            released_score = escalation.queue_score
        return alert, released_score

    async def alerts(
        self, statuses: frozenset[AlertStatus], limit: int
    ) -> list[tuple[PeerHarmAlert, str]]:
        """Alerts in ``statuses``, most recent reply first, with their escalation's risk."""
        async with self.sessions() as session:
            result = await session.execute(
                select(PeerHarmAlert, Escalation.risk_level)
                .join(Escalation, Escalation.id == PeerHarmAlert.escalation_id)
                .where(PeerHarmAlert.status.in_([s.value for s in statuses]))
                .order_by(PeerHarmAlert.last_at.desc(), PeerHarmAlert.id)
                .limit(limit)
            )
            return [(alert, risk) for alert, risk in result]

    def alert_chat_id(self, alert: PeerHarmAlert) -> int | None:
        """The group's chat id, for a link to the chat; None once purged."""
        if alert.group_chat_enc is None:
            return None
        return int(self.privacy.decrypt_json(alert.group_chat_enc))

    async def ack_alert(
        self, alert_id: str, counsellor_id: str | None
    ) -> tuple[PeerHarmAlert, str]:
        """Acknowledge an alert (the staff side has it); acknowledging again changes nothing."""
        now = self.now()
        async with self.write() as session:
            actor = "service"
            if counsellor_id is not None:
                actor = f"counsellor:{(await self._counsellor(session, counsellor_id)).id}"
            alert = await session.get(PeerHarmAlert, alert_id)
            if alert is None:
                raise DomainError(404, "alert_not_found", "no alert with this id")
            if alert.status == AlertStatus.open.value:
                alert.status = AlertStatus.acknowledged.value
                alert.acknowledged_at = now
                alert.acknowledged_by = actor
                session.add(
                    self._event(
                        alert.escalation_id, actor, "alert_acknowledged", now,
                        alert_id=alert.id, count=alert.count,
                    )
                )
                log.info("alert.acknowledged", alert_id=alert.id)
            risk = await session.scalar(
                select(Escalation.risk_level).where(Escalation.id == alert.escalation_id)
            )
        return alert, str(risk)
