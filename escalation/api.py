"""The HTTP API (FastAPI): ``create_app(settings)`` wires everything; routes stay thin.

Callers: the Rasa action server and the Telegram gateway, with the service token
(``Authorization: Bearer ...``). A counsellor's action is made through the gateway
and carries the counsellor's pseudonymous id in ``X-Counsellor-Id``. Errors are
``{"error": {"code": ..., "message": ..., "details": ...}}`` with a stable code.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from common.apidocs import serve_api_docs
from common.logging import get_logger
from escalation import db, schemas
from escalation.metrics import Metrics
from escalation.models import (
    ACTIVE,
    TERMINAL,
    WAITING,
    AlertStatus,
    Counsellor,
    Escalation,
    PeerHarmAlert,
    Status,
)
from escalation.queue import HandoffQueue
from escalation.reconciler import Reconciler
from escalation.service import DeliveryOut, DomainError, EscalationService, Wakeup
from escalation.settings import EscalationSettings

log = get_logger("escalation.api")

COUNSELLOR_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
READY_TIMEOUT_S = 2.0

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorResponse, "description": why}
    for code, why in (
        (400, "a rule of the request was broken"),
        (401, "no or wrong service token"),
        (403, "this counsellor may not do this"),
        (404, "no such escalation"),
        (409, "the escalation is not in a state that allows it"),
        (410, "deleted by retention"),
        (422, "the request does not match the schema"),
        (503, "SQL or Redis is unavailable"),
    )
}

PLAN_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorResponse, "description": why}
    for code, why in (
        (400, "the body could not be read"),
        (401, "no or wrong service token"),
        (404, "no_plan: this teen has no safety plan"),
        (422, "the request does not match the schema, or consent_required"),
        (503, "SQL is unavailable"),
    )
}

ALERT_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorResponse, "description": why}
    for code, why in (
        (400, "a rule of the request was broken"),
        (401, "no or wrong service token"),
        (403, "unknown_counsellor: no counsellor with the X-Counsellor-Id given"),
        (404, "alert_not_found: no such alert"),
        (409, "conflict: retry"),
        (422, "the request does not match the schema"),
        (503, "SQL is unavailable"),
    )
}

#: ``state`` of the alert list.
ALERT_STATES: dict[str, frozenset[AlertStatus]] = {
    "open": frozenset({AlertStatus.open}),
    "acknowledged": frozenset({AlertStatus.acknowledged}),
    "all": frozenset(AlertStatus),
}

#: ``state`` of the list: the statuses, and held (True only, False none, None both).
STATES: dict[str, tuple[frozenset[Status], bool | None]] = {
    "waiting": (WAITING, False),
    "held": (WAITING, True),
    "claimed": (frozenset({Status.claimed}), None),
    "active": (ACTIVE, None),
    "closed": (TERMINAL, None),
}


def _error(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status)


def escalation_out(row: Escalation, holder: Counsellor | None) -> schemas.EscalationOut:
    return schemas.EscalationOut(
        id=row.id,
        teen_ref=row.teen_ref,
        group_ref=row.group_ref,
        country=row.country,
        risk_level=row.risk_level,
        priority=row.priority,
        reason_codes=row.reason_codes,
        answers=schemas.DirectAnswers.model_validate(row.answers),
        status=row.status,
        claimed_by=(
            schemas.CounsellorRef(id=holder.id, display_name=holder.display_name)
            if holder is not None
            else None
        ),
        sla_stage=row.sla_stage,
        outcome=row.outcome,
        created_at=row.created_at,
        notified_at=row.notified_at,
        claimed_at=row.claimed_at,
        closed_at=row.closed_at,
        checkin_at=row.checkin_at,
        held_until=row.held_until,
    )


def alert_out(row: PeerHarmAlert, risk: str, chat_id: int | None) -> schemas.AlertOut:
    return schemas.AlertOut(
        id=row.id,
        kind=row.kind,
        status=row.status,
        escalation_id=row.escalation_id,
        risk_level=risk,
        group_ref=row.group_ref,
        group_chat_id=chat_id,
        count=row.count,
        first_at=row.first_at,
        last_at=row.last_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
    )


def counsellor_out(row: Counsellor) -> schemas.CounsellorOut:
    return schemas.CounsellorOut(
        id=row.id,
        display_name=row.display_name,
        high_risk_trained=row.high_risk_trained,
        on_duty=row.on_duty,
        coordinator=row.coordinator,
    )


async def _listen_wakeups(redis: Redis, channel: str, wakeup: Wakeup, stop: asyncio.Event) -> None:
    """Fire ``wakeup`` on every enqueue; reconnect after Redis errors."""
    while not stop.is_set():
        try:
            async with redis.pubsub() as pubsub:
                await pubsub.subscribe(channel)
                while not stop.is_set():
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None:
                        wakeup.fire()
        except (RedisError, OSError):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)


def redis_client(url: str) -> Redis:
    """Short timeouts and one quick retry: a dead Redis must not stall a crisis request."""
    return Redis.from_url(
        url,
        socket_connect_timeout=1.0,
        socket_timeout=2.0,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 1),
        health_check_interval=10,
    )

_bearer = HTTPBearer(auto_error=False, description="the service token")


async def service_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The caller holds the service token (compared in constant time)."""
    settings: EscalationSettings = request.app.state.settings
    token = settings.service_token.get_secret_value().encode()
    if credentials is None or not hmac.compare_digest(credentials.credentials.encode(), token):
        raise DomainError(401, "unauthorised", "a valid service token is required")
    return "service"


def get_service(request: Request) -> EscalationService:
    service: EscalationService = request.app.state.service
    return service


Caller = Annotated[str, Depends(service_caller)]
Service = Annotated[EscalationService, Depends(get_service)]
CounsellorHeader = Annotated[
    str | None,
    Header(
        alias="X-Counsellor-Id",
        pattern=COUNSELLOR_ID_PATTERN,
        description="the counsellor on whose behalf the gateway calls",
    ),
]
EscalationId = Annotated[uuid.UUID, Path(description="the escalation's id")]
AlertId = Annotated[uuid.UUID, Path(description="the alert's id")]


def create_app(settings: EscalationSettings, *, run_background: bool = True) -> FastAPI:
    """The service. ``run_background=False`` leaves the reconciler to the caller (tests)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await asyncio.to_thread(db.upgrade, settings.database_url)
        engine = db.create_engine(settings.database_url)
        read_engine = (
            db.create_engine(settings.database_url, immediate=False)
            if db.is_sqlite(settings.database_url)
            else None
        )
        redis = redis_client(settings.redis_url)
        queue = HandoffQueue(redis, settings.redis_prefix)
        service = EscalationService(settings, engine, queue, metrics, read_engine=read_engine)
        service.crash_after_commit = settings.fault_crash_after_commit
        reconciler = Reconciler(service)
        app.state.service = service
        app.state.reconciler = reconciler
        stop = asyncio.Event()
        tasks = [asyncio.create_task(_listen_wakeups(redis, queue.channel, service.wakeup, stop))]
        if run_background:
            tasks.append(asyncio.create_task(reconciler.loop(stop)))
        log.info("service.started")
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await redis.aclose()
            await service.shutdown()
            await engine.dispose()
            if read_engine is not None:
                await read_engine.dispose()

    metrics = Metrics()
    app = FastAPI(
        title="Escalation service",
        version="1.0.0",
        summary="Turns a detected crisis into a counsellor talking with the teen.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    serve_api_docs(app)
    app.state.metrics = metrics
    app.state.settings = settings
    _install_error_handlers(app)

    @app.get("/healthz", response_model=schemas.Health, tags=["health"])
    async def healthz() -> schemas.Health:
        """The process answers."""
        return schemas.Health(status="ok", checks={})

    @app.get(
        "/readyz",
        response_model=schemas.Health,
        responses={503: {"model": schemas.Health}},
        tags=["health"],
    )
    async def readyz(service: Service) -> Any:
        """Ready only when SQL and Redis both answer."""
        checks: dict[str, str] = {}

        async def sql() -> None:
            async with service.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        for name, probe in (("sql", sql), ("redis", service.queue.redis.ping)):
            try:
                await asyncio.wait_for(probe(), READY_TIMEOUT_S)
                checks[name] = "ok"
            except Exception as exc:  # any failure means not ready
                checks[name] = type(exc).__name__
        ok = all(v == "ok" for v in checks.values())
        body = schemas.Health(status="ok" if ok else "unavailable", checks=checks)
        return JSONResponse(body.model_dump(), status_code=200 if ok else 503)

    @app.get("/metrics", tags=["health"], response_class=Response)
    async def metrics_endpoint(request: Request) -> Response:
        """Prometheus metrics (no personal data)."""
        reconciler: Reconciler = request.app.state.reconciler
        with contextlib.suppress(RedisError, OSError, OperationalError):
            await reconciler.update_gauges()
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.post(
        "/v1/escalations",
        response_model=schemas.CreateResponse,
        status_code=201,
        responses={
            200: {
                "model": schemas.CreateResponse,
                "description": "seen before, or merged into the teen's active escalation",
            },
            **ERRORS,
        },
        tags=["escalations"],
    )
    async def create_escalation(
        body: schemas.EscalationCreate, caller: Caller, service: Service, response: Response
    ) -> schemas.CreateResponse:
        """Record an escalation (idempotent on ``idempotency_key``) and queue it.

        A teen has one active escalation: a signal for a teen who has one is merged into
        it (risk only rises, answers and evidence are added) and answered with 200.
        """
        outcome = await service.create(body, caller)
        if not outcome.created:
            response.status_code = 200
        return schemas.CreateResponse(
            escalation=escalation_out(outcome.escalation, outcome.counsellor),
            created=outcome.created,
            merged=outcome.merged,
            delivery=outcome.delivery,
            counsellor_available=outcome.staffing.counsellor_available,
            helplines=outcome.helplines,
            in_service_hours=outcome.staffing.in_service_hours,
            next_shift_at=outcome.staffing.next_shift_at,
        )

    @app.get(
        "/v1/escalations",
        response_model=schemas.QueueResponse,
        responses=ERRORS,
        tags=["escalations"],
    )
    async def list_escalations(
        caller: Caller,
        service: Service,
        state: Annotated[
            Literal["waiting", "held", "claimed", "active", "closed"],
            Query(description="waiting excludes held ones; active includes them"),
        ] = "waiting",
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> schemas.QueueResponse:
        """The queue, in the order counsellors take it (risk first, aged upward)."""
        statuses, held = STATES[state]
        rows = await service.list_escalations(statuses, limit, held)
        return schemas.QueueResponse(escalations=[escalation_out(e, c) for e, c in rows])

    @app.get(
        "/v1/escalations/{escalation_id}",
        response_model=schemas.EscalationDetail,
        responses=ERRORS,
        tags=["escalations"],
    )
    async def read_escalation(
        escalation_id: EscalationId, caller: Caller, service: Service
    ) -> schemas.EscalationDetail:
        """One escalation with its evidence, the teen's own words to the direct questions,
        its event log and the teen's safety plan."""
        row, holder, events = await service.get(str(escalation_id))
        base = escalation_out(row, holder)
        evidence = service.evidence(row)
        answer_texts = await service.answer_texts(row.id)
        safety_plan = await service.safety_plan_of(row)
        return schemas.EscalationDetail(
            **base.model_dump(),
            evidence=(
                [schemas.EvidenceItem.model_validate(e) for e in evidence]
                if evidence is not None
                else None
            ),
            answer_texts=answer_texts,
            events=[
                schemas.EventOut(at=e.at, actor=e.actor, kind=e.kind, detail=e.detail)
                for e in events
            ],
            safety_plan=safety_plan,
        )

    @app.post(
        "/v1/escalations/{escalation_id}/claim",
        response_model=schemas.EscalationOut,
        responses=ERRORS,
        tags=["counsellors' actions"],
    )
    async def claim(
        escalation_id: EscalationId,
        caller: Caller,
        service: Service,
        counsellor: CounsellorHeader = None,
    ) -> schemas.EscalationOut:
        """Take an escalation. Exactly one counsellor wins; the others get 409 and who has it."""
        row = await service.claim(str(escalation_id), counsellor)
        _, holder, _ = await service.get(row.id)
        return escalation_out(row, holder)

    @app.post(
        "/v1/escalations/{escalation_id}/release",
        response_model=schemas.EscalationOut,
        responses=ERRORS,
        tags=["counsellors' actions"],
    )
    async def release(
        escalation_id: EscalationId,
        caller: Caller,
        service: Service,
        counsellor: CounsellorHeader = None,
    ) -> schemas.EscalationOut:
        """Hand the escalation back to the queue (its holder or a coordinator)."""
        row = await service.release(str(escalation_id), counsellor)
        return escalation_out(row, None)

    @app.post(
        "/v1/escalations/{escalation_id}/transfer",
        response_model=schemas.EscalationOut,
        responses=ERRORS,
        tags=["counsellors' actions"],
    )
    async def transfer(
        escalation_id: EscalationId,
        body: schemas.TransferRequest,
        caller: Caller,
        service: Service,
        counsellor: CounsellorHeader = None,
    ) -> schemas.EscalationOut:
        """Give the conversation to another on-duty counsellor, with an optional note."""
        row, target = await service.transfer(
            str(escalation_id), counsellor, body.to_counsellor_id, body.note
        )
        return escalation_out(row, target)

    @app.post(
        "/v1/escalations/{escalation_id}/messages",
        response_model=schemas.MessageOut,
        status_code=201,
        responses=ERRORS,
        tags=["conversation"],
    )
    async def add_message(
        escalation_id: EscalationId,
        body: schemas.MessageCreate,
        caller: Caller,
        service: Service,
        counsellor: CounsellorHeader = None,
    ) -> schemas.MessageOut:
        """Add a message to the conversation record (kept for the retention period)."""
        message = await service.add_message(str(escalation_id), body, counsellor)
        return schemas.MessageOut(
            id=message.id,
            at=message.at,
            author=message.author,
            counsellor_id=message.counsellor_id,
            text=body.text,
        )

    @app.get(
        "/v1/escalations/{escalation_id}/messages",
        response_model=schemas.MessagesResponse,
        responses=ERRORS,
        tags=["conversation"],
    )
    async def list_messages(
        escalation_id: EscalationId, caller: Caller, service: Service
    ) -> schemas.MessagesResponse:
        """The conversation record, oldest first."""
        return schemas.MessagesResponse(messages=await service.messages(str(escalation_id)))

    @app.post(
        "/v1/escalations/{escalation_id}/close",
        response_model=schemas.EscalationOut,
        responses=ERRORS,
        tags=["counsellors' actions"],
    )
    async def close(
        escalation_id: EscalationId,
        body: schemas.CloseRequest,
        caller: Caller,
        service: Service,
        counsellor: CounsellorHeader = None,
    ) -> schemas.EscalationOut:
        """End the escalation with an outcome (holder or coordinator; anyone if unclaimed)."""
        row = await service.close(str(escalation_id), counsellor, body.outcome.value)
        return escalation_out(row, None)

    @app.get(
        "/v1/escalations/{escalation_id}/contact",
        response_model=schemas.ContactResponse,
        responses=ERRORS,
        tags=["conversation"],
    )
    async def contact(
        escalation_id: EscalationId, caller: Caller, service: Service
    ) -> schemas.ContactResponse:
        """The Telegram ids to reach the teen again (gateway only; deleted by retention)."""
        teen, group = await service.contact(str(escalation_id))
        return schemas.ContactResponse(teen_telegram_id=teen, group_chat_id=group)

    @app.put(
        "/v1/counsellors/{counsellor_id}",
        response_model=schemas.CounsellorOut,
        responses=ERRORS,
        tags=["counsellors"],
    )
    async def put_counsellor(
        counsellor_id: Annotated[str, Path(pattern=COUNSELLOR_ID_PATTERN)],
        body: schemas.CounsellorIn,
        caller: Caller,
        service: Service,
    ) -> schemas.CounsellorOut:
        """Register a counsellor or change their duty and training."""
        return counsellor_out(await service.put_counsellor(counsellor_id, body))

    @app.get(
        "/v1/counsellors",
        response_model=schemas.CounsellorsResponse,
        responses=ERRORS,
        tags=["counsellors"],
    )
    async def list_counsellors(caller: Caller, service: Service) -> schemas.CounsellorsResponse:
        """All counsellors."""
        return schemas.CounsellorsResponse(
            counsellors=[counsellor_out(c) for c in await service.counsellors()]
        )

    @app.post(
        "/v1/deliveries/lease",
        response_model=schemas.LeaseResponse,
        responses=ERRORS,
        tags=["delivery"],
    )
    async def lease(
        body: schemas.LeaseRequest, caller: Caller, service: Service
    ) -> schemas.LeaseResponse:
        """The next escalation to show counsellors; acknowledge it within ``ack_within_s``."""
        delivery = await service.next_delivery(body.wait_s)
        return schemas.LeaseResponse(delivery=_delivery_out(delivery, settings))

    @app.post(
        "/v1/deliveries/{escalation_id}/ack",
        response_model=schemas.AckResponse,
        responses=ERRORS,
        tags=["delivery"],
    )
    async def ack(
        escalation_id: EscalationId,
        body: schemas.AckRequest,
        caller: Caller,
        service: Service,
    ) -> schemas.AckResponse:
        """The delivery was shown to counsellors; it will not be delivered again."""
        stale = await service.ack(str(escalation_id), body.lease_token)
        return schemas.AckResponse(acknowledged=True, stale=stale)

    @app.post(
        "/v1/who-speaks",
        response_model=schemas.WhoSpeaksResponse,
        responses=ERRORS,
        tags=["conversation"],
    )
    async def who_speaks(
        body: schemas.WhoSpeaksRequest, caller: Caller, service: Service
    ) -> schemas.WhoSpeaksResponse:
        """Who talks to this teen now: the bot, or the counsellor who holds the escalation.

        A POST so that the Telegram id travels in the body, never in a URL or access log.
        """
        row, holder, last = await service.who_speaks(body.teen_telegram_id)
        counsellor = (
            schemas.CounsellorRef(id=holder.id, display_name=holder.display_name)
            if holder is not None and row is not None and row.status == Status.claimed
            else None
        )
        return schemas.WhoSpeaksResponse(
            speaker="counsellor" if counsellor is not None else "bot",
            counsellor=counsellor,
            escalation_id=row.id if row is not None else None,
            escalation_status=row.status if row is not None else None,
            last_outcome=last.outcome if last is not None else None,
            last_closed_at=last.closed_at if last is not None else None,
        )

    @app.post(
        "/v1/peer-harm",
        response_model=schemas.PeerHarmResponse,
        status_code=201,
        responses={
            200: {"model": schemas.PeerHarmResponse, "description": "the key was seen before"},
            **ALERT_ERRORS,
        },
        tags=["peer harm"],
    )
    async def peer_harm(
        body: schemas.PeerHarmCreate, caller: Caller, service: Service, response: Response
    ) -> schemas.PeerHarmResponse:
        """A hurtful reply in a group: whether to post the group's reminder now, and whether
        the reply targets a teen at risk (then the staff are alerted). Idempotent on the key.
        """
        outcome = await service.report_peer_harm(body)
        if not outcome.created:
            response.status_code = 200
        return schemas.PeerHarmResponse(
            created=outcome.created,
            remind=outcome.remind,
            target_at_risk=outcome.target_at_risk,
            alerted=outcome.alert_id is not None,
            alert_id=outcome.alert_id,
            alert_count=outcome.alert_count,
        )

    @app.get(
        "/v1/alerts",
        response_model=schemas.AlertsResponse,
        responses=ALERT_ERRORS,
        tags=["peer harm"],
    )
    async def list_alerts(
        caller: Caller,
        service: Service,
        state: Annotated[
            Literal["open", "acknowledged", "all"],
            Query(description="open: not yet acknowledged"),
        ] = "open",
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> schemas.AlertsResponse:
        """Staff alerts, the most recent reply first (counts and the group's chat id)."""
        rows = await service.alerts(ALERT_STATES[state], limit)
        return schemas.AlertsResponse(
            alerts=[alert_out(a, risk, service.alert_chat_id(a)) for a, risk in rows]
        )

    @app.post(
        "/v1/alerts/{alert_id}/ack",
        response_model=schemas.AlertOut,
        responses=ALERT_ERRORS,
        tags=["peer harm"],
    )
    async def ack_alert(
        alert_id: AlertId, caller: Caller, service: Service, counsellor: CounsellorHeader = None
    ) -> schemas.AlertOut:
        """The alert was shown to the staff and the group's moderators; it leaves the open
        list. Acknowledging again answers the same."""
        row, risk = await service.ack_alert(str(alert_id), counsellor)
        return alert_out(row, risk, service.alert_chat_id(row))

    @app.put(
        "/v1/safety-plans",
        response_model=schemas.SafetyPlanResponse,
        responses=PLAN_ERRORS,
        tags=["safety plans"],
    )
    async def put_safety_plan(
        body: schemas.SafetyPlanPut, caller: Caller, service: Service
    ) -> schemas.SafetyPlanResponse:
        """Keep the teen's own safety plan (with consent), replacing the one kept before."""
        plan, updated_at = await service.put_safety_plan(body)
        return schemas.SafetyPlanResponse(plan=plan, updated_at=updated_at)

    @app.post(
        "/v1/safety-plans/read",
        response_model=schemas.SafetyPlanResponse,
        responses=PLAN_ERRORS,
        tags=["safety plans"],
    )
    async def read_safety_plan(
        body: schemas.SafetyPlanRequest, caller: Caller, service: Service
    ) -> schemas.SafetyPlanResponse:
        """The teen's plan, to show it again (``/mijnlijst``); 404 ``no_plan`` if none.

        A POST, as all safety-plan calls: the Telegram id travels in the body only.
        """
        plan, updated_at = await service.read_safety_plan(body.teen_telegram_id)
        return schemas.SafetyPlanResponse(plan=plan, updated_at=updated_at)

    @app.post(
        "/v1/safety-plans/delete",
        response_model=schemas.SafetyPlanDeleted,
        responses=PLAN_ERRORS,
        tags=["safety plans"],
    )
    async def delete_safety_plan(
        body: schemas.SafetyPlanRequest, caller: Caller, service: Service
    ) -> schemas.SafetyPlanDeleted:
        """Forget the teen's plan, when the teen asks."""
        return schemas.SafetyPlanDeleted(
            deleted=await service.delete_safety_plan(body.teen_telegram_id)
        )

    return app


def _delivery_out(
    delivery: DeliveryOut | None, settings: EscalationSettings
) -> schemas.Delivery | None:
    if delivery is None:
        return None
    return schemas.Delivery(
        escalation=escalation_out(delivery.escalation, delivery.counsellor),
        lease_token=delivery.token,
        attempt=delivery.attempt,
        audience=delivery.audience,
        ack_within_s=settings.ack_timeout_s,
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Only where and why: the offending input may be a teen's text.
        problems = [
            {"loc": [str(p) for p in e.get("loc", ())], "reason": e.get("type", "invalid")}
            for e in exc.errors()
        ]
        return _error(
            422, "invalid_request", "the request does not match the schema", {"problems": problems}
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return _error(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))

    @app.exception_handler(RedisError)
    async def redis_down(_request: Request, exc: RedisError) -> JSONResponse:
        log.warning("redis.unavailable", error=type(exc).__name__)
        return _error(503, "redis_unavailable", "the handoff queue is unavailable; retry")

    @app.exception_handler(OperationalError)
    async def sql_down(_request: Request, exc: OperationalError) -> JSONResponse:
        log.error("sql.unavailable", error=type(exc).__name__)
        return _error(503, "database_unavailable", "the database is unavailable; retry")

    @app.exception_handler(PoolTimeoutError)
    async def pool_exhausted(_request: Request, exc: PoolTimeoutError) -> JSONResponse:
        log.error("sql.pool_exhausted")
        return _error(503, "database_busy", "the database is busy; retry")
