"""What goes over HTTP: request bodies and responses (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from escalation.models import AlertKind, AlertStatus, Outcome, RiskLevel, Status

# Telegram ids fit in 52 bits (users) or are -100 followed by ten digits (supergroups).
TelegramId = Annotated[int, Field(ge=-(2**53), le=2**53)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.:-]{1,64}$")]
CounsellorId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
Country = Literal["BE", "NL"]
Answer = Literal["yes", "no", "unknown"]
#: The teen's own words answering one direct question; encrypted, purged, never logged.
AnswerText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)
]
#: Chosen by the caller: the same key twice is one event (an escalation, a peer-harm report).
CallerKey = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")
]
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


class AnswerTexts(Strict):
    """The teen's own words to the direct questions ("vanavond", "op mijn kamer", "met
    pillen"); ``None`` when not given. Encrypted, purged after the retention, never logged."""

    thoughts_of_suicide: AnswerText | None = None
    has_method: AnswerText | None = None
    has_time: AnswerText | None = None
    has_place: AnswerText | None = None


class EvidenceItem(Strict):
    """One thing the detector matched: a rule or intent, and how strongly."""

    source: Literal["lexicon", "nlu", "dialogue", "counsellor", "other"]
    code: Code
    score: float | None = Field(default=None, ge=0, le=1)
    matched: str | None = Field(
        default=None, max_length=200, description="the matched words; encrypted, purged"
    )


class EscalationCreate(Strict):
    idempotency_key: CallerKey = Field(
        description="chosen by the caller, e.g. the Telegram update id of the crisis message: "
        "the same key twice makes one escalation",
    )
    teen_telegram_id: TelegramId = Field(description="stored only as a keyed hash and encrypted")
    group_chat_id: TelegramId | None = Field(
        default=None,
        description="the peer group the message came from; null or left out: the teen wrote "
        "only in the private chat with the bot",
    )
    country: Country | None = None
    risk_level: RiskLevel
    reason_codes: list[Code] = Field(default_factory=list, max_length=REASONS_MAX)
    evidence: list[EvidenceItem] = Field(default_factory=list, max_length=EVIDENCE_MAX)
    answers: DirectAnswers = Field(default_factory=DirectAnswers)
    answer_texts: AnswerTexts = Field(
        default_factory=AnswerTexts,
        description="the teen's own words to the direct questions (1-300 characters each, "
        "trimmed); encrypted, shown to counsellors, purged after the retention",
    )
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
    group_ref: str | None = Field(
        description="the group's pseudonym; null: the teen wrote only privately"
    )
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
    answer_texts: AnswerTexts | None = Field(
        description="the teen's own words to the direct questions; null when none is kept "
        "(none given, or purged after the retention)"
    )
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
    in_service_hours: bool = Field(
        description="is it now within a counsellor shift (ESCALATION_SERVICE_*)"
    )
    next_shift_at: datetime | None = Field(
        description="when no counsellor is on duty: the start of the next shift after now, in "
        "the service's time zone (during service hours that is the following shift: "
        "counsellors are expected now, and the coordinator is called by the SLA ladder); "
        "null when a counsellor is on duty, or no shift is configured"
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
    last_outcome: Outcome | None = Field(
        description="no open escalation: the outcome of the teen's escalation closed most "
        "recently, if within the last 24 hours (handed_back: the counsellor gave the talk "
        "back to the bot)"
    )
    last_closed_at: datetime | None = Field(description="when that escalation was closed")


class ContactResponse(BaseModel):
    teen_telegram_id: int
    group_chat_id: int | None = Field(
        description="null: the teen wrote only privately (no group known)"
    )


class PeerHarmCreate(Strict):
    """A hurtful reply in a group (the detector's ``peer_harm`` flag). Never any text."""

    idempotency_key: CallerKey = Field(
        description="chosen by the caller, e.g. the Telegram update id of the reply: the same "
        "key twice is one report (never counted or alerted twice)"
    )
    group_chat_id: TelegramId = Field(description="the group it was written in")
    author_telegram_id: TelegramId = Field(
        description="the teen who wrote it; stored only as a keyed hash"
    )
    target_telegram_id: TelegramId | None = Field(
        default=None,
        description="the teen the message replied to, if it was a reply; stored only as a "
        "keyed hash",
    )


class PeerHarmResponse(BaseModel):
    created: bool = Field(description="false: the key was seen before; the first answer again")
    remind: bool = Field(
        description="true for the first hurtful reply in this group within "
        "ESCALATION_PEER_HARM_WINDOW_S: post the 'how we talk here' reminder; false for the "
        "others in the window"
    )
    target_at_risk: bool = Field(
        description="the target has an active escalation (waiting, held or claimed)"
    )
    alerted: bool = Field(
        description="the staff and the group's moderators are alerted (this reply is counted "
        "on an open alert)"
    )
    alert_id: str | None = Field(description="that alert (GET /v1/alerts)")
    alert_count: int | None = Field(
        description="hurtful replies counted on that alert so far, this one included"
    )


class AlertOut(BaseModel):
    id: str
    kind: AlertKind
    status: AlertStatus
    escalation_id: str = Field(description="the escalation of the teen at risk")
    risk_level: RiskLevel = Field(description="that escalation's risk level now")
    group_ref: str
    group_chat_id: int | None = Field(
        description="the group's chat id, to link to the chat (moderators); null once purged"
    )
    count: int = Field(description="hurtful replies to the teen in that group on this alert")
    first_at: datetime
    last_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class AlertsResponse(BaseModel):
    alerts: list[AlertOut]


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, object] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str]
