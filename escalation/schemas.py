"""What goes over HTTP: request bodies and responses (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from escalation.models import Outcome, RiskLevel, Status

# Telegram ids fit in 52 bits (users) or are -100 followed by ten digits (supergroups).
TelegramId = Annotated[int, Field(ge=-(2**53), le=2**53)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.:-]{1,64}$")]
CounsellorId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
Country = Literal["BE", "NL"]
Answer = Literal["yes", "no", "unknown"]
#: An escalation keeps at most this many reason codes and evidence items (a merge too).
REASONS_MAX = 32
EVIDENCE_MAX = 32


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DirectAnswers(Strict):
    """The teen's answers to the direct questions; ``None`` when not asked yet."""

    thoughts_of_suicide: Answer | None = None
    has_method: Answer | None = None
    has_time: Answer | None = None
    has_place: Answer | None = None


class EvidenceItem(Strict):
    """One thing the detector matched: a rule or intent, and how strongly."""

    source: Literal["lexicon", "nlu", "dialogue", "counsellor", "other"]
    code: Code
    score: float | None = Field(default=None, ge=0, le=1)
    matched: str | None = Field(
        default=None, max_length=200, description="the matched words; encrypted, purged"
    )


class EscalationCreate(Strict):
    idempotency_key: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="chosen by the caller, e.g. the Telegram update id of the crisis message: "
        "the same key twice makes one escalation",
    )
    teen_telegram_id: TelegramId = Field(description="stored only as a keyed hash and encrypted")
    group_chat_id: TelegramId = Field(description="the peer group the message came from")
    country: Country | None = None
    risk_level: RiskLevel
    reason_codes: list[Code] = Field(default_factory=list, max_length=REASONS_MAX)
    evidence: list[EvidenceItem] = Field(default_factory=list, max_length=EVIDENCE_MAX)
    answers: DirectAnswers = Field(default_factory=DirectAnswers)
    notify_after_s: int = Field(
        default=0,
        ge=0,
        le=86400,
        description="more than 0: recorded now, held, and delivered to counsellors only "
        "after this many seconds (unless a later signal for the teen releases it)",
    )


class CounsellorRef(BaseModel):
    id: str
    display_name: str


class HelplineChannelOut(BaseModel):
    kind: str
    address: str
    open_now: bool
    always_open: bool


class HelplineOut(BaseModel):
    id: str
    name: str
    always_open: bool
    channels: list[HelplineChannelOut]


class EscalationOut(BaseModel):
    id: str
    teen_ref: str | None
    group_ref: str
    country: str
    risk_level: RiskLevel
    priority: int
    reason_codes: list[str]
    answers: DirectAnswers
    status: Status
    claimed_by: CounsellorRef | None
    sla_stage: int
    outcome: Outcome | None
    created_at: datetime
    notified_at: datetime | None
    claimed_at: datetime | None
    closed_at: datetime | None
    checkin_at: datetime | None
    held_until: datetime | None = Field(
        description="held: not delivered to counsellors before this (they may still claim it)"
    )


class EventOut(BaseModel):
    at: datetime
    actor: str
    kind: str
    detail: dict[str, object]


Activity = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Contact = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class SafetyPlan(Strict):
    """The teen's own list: what to do when it gets hard, reasons to live, whom to contact."""

    activities: list[Activity] = Field(default_factory=list, max_length=10)
    reasons: list[Reason] = Field(default_factory=list, max_length=10)
    contacts: list[Contact] = Field(default_factory=list, max_length=10)


class SafetyPlanPut(SafetyPlan):
    teen_telegram_id: TelegramId
    consent: StrictBool = Field(
        description="the teen agreed that the plan is kept; anything but true is refused "
        "(422 consent_required)"
    )


class SafetyPlanRequest(Strict):
    teen_telegram_id: TelegramId


class SafetyPlanResponse(BaseModel):
    plan: SafetyPlan
    updated_at: datetime


class SafetyPlanDeleted(BaseModel):
    deleted: bool = Field(description="false: there was no plan")


class EscalationDetail(EscalationOut):
    evidence: list[EvidenceItem] | None
    events: list[EventOut]
    safety_plan: SafetyPlan | None = Field(description="the teen's own safety plan, if kept")


class CreateResponse(BaseModel):
    escalation: EscalationOut
    created: bool = Field(
        description="false: the idempotency key was seen before, or the signal was merged"
    )
    merged: bool = Field(
        default=False,
        description="true: merged into the teen's active escalation (the one answered)",
    )
    delivery: Literal["queued", "queued_later", "held", "not_needed"] = Field(
        description="queued_later: recorded, Redis unavailable; the reconciler queues it. "
        "held: recorded, delivered when the hold ends"
    )
    counsellor_available: bool = Field(description="is any counsellor on duty now")
    helplines: list[HelplineOut] = Field(
        description="when no counsellor is on duty: the lines open now, to show the teen"
    )


class QueueResponse(BaseModel):
    escalations: list[EscalationOut]


class ClaimRequest(Strict):
    pass


class TransferRequest(Strict):
    to_counsellor_id: CounsellorId
    note: str | None = Field(default=None, max_length=2000)


class MessageCreate(Strict):
    author: Literal["teen", "counsellor", "bot"]
    text: str = Field(min_length=1, max_length=4096)


class MessageOut(BaseModel):
    id: int
    at: datetime
    author: str
    counsellor_id: str | None
    text: str


class MessagesResponse(BaseModel):
    messages: list[MessageOut]


class CloseRequest(Strict):
    outcome: Outcome


class CounsellorIn(Strict):
    display_name: str = Field(min_length=1, max_length=80)
    high_risk_trained: bool = False
    on_duty: bool = False
    coordinator: bool = False


class CounsellorOut(BaseModel):
    id: str
    display_name: str
    high_risk_trained: bool
    on_duty: bool
    coordinator: bool


class CounsellorsResponse(BaseModel):
    counsellors: list[CounsellorOut]


class LeaseRequest(Strict):
    wait_s: float = Field(default=0, ge=0, le=30, description="long-poll up to this long")


class Delivery(BaseModel):
    escalation: EscalationOut
    lease_token: str
    attempt: int = Field(description="1 on first delivery; more when re-delivered")
    audience: Literal["on_duty", "all_on_duty", "coordinator"]
    ack_within_s: float


class LeaseResponse(BaseModel):
    delivery: Delivery | None


class AckRequest(Strict):
    lease_token: str = Field(min_length=1, max_length=100)


class AckResponse(BaseModel):
    acknowledged: bool
    stale: bool = Field(description="true: claimed or closed meanwhile; nothing to show")


class WhoSpeaksRequest(Strict):
    teen_telegram_id: TelegramId


class WhoSpeaksResponse(BaseModel):
    speaker: Literal["bot", "counsellor"]
    counsellor: CounsellorRef | None
    escalation_id: str | None = Field(description="the teen's open escalation, if any")
    escalation_status: Status | None


class ContactResponse(BaseModel):
    teen_telegram_id: int
    group_chat_id: int


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, object] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str]
