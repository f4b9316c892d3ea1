"""The SLA ladder and service hours, as pure functions of the settings and ``now``.

An unclaimed escalation climbs one rung each time its timer runs out:

0. first notice to the on-duty counsellors (when it is created);
1. after ``sla_urgent_s`` (imminent, direct) or ``sla_other_s`` (indirect, distress):
   re-notified to all on-duty counsellors;
2. after the same time again: raised to the on-call coordinator. The ladder ends here;
   the escalation stays at the top of the queue until someone claims it.

Service hours are when counsellors are expected on duty. Outside them an escalation
is still recorded and queued, the teen is given the lines open now, and a check-in
is scheduled for the start of the next shift.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from escalation.models import RiskLevel, SlaStage
from escalation.settings import EscalationSettings


def sla_delay(risk: RiskLevel, settings: EscalationSettings) -> timedelta:
    """How long an unclaimed escalation waits before the next rung."""
    seconds = settings.sla_urgent_s if risk.urgent else settings.sla_other_s
    return timedelta(seconds=seconds)


def next_rung(stage: int) -> SlaStage | None:
    """The rung after ``stage``; None at the top of the ladder."""
    if stage >= SlaStage.coordinator:
        return None
    return SlaStage(stage + 1)


def _shifts(now: datetime, settings: EscalationSettings) -> list[tuple[datetime, datetime]]:
    """The shifts that start from yesterday to a week ahead, as (start, end), in UTC."""
    zone = ZoneInfo(settings.service_timezone)
    local_today = now.astimezone(zone).date()
    shifts = []
    for offset in range(-1, 8):
        day = local_today + timedelta(days=offset)
        if day.weekday() not in settings.service_weekdays:
            continue
        start = datetime.combine(day, settings.service_start, zone)
        end_day = day if settings.service_end > settings.service_start else day + timedelta(1)
        end = datetime.combine(end_day, settings.service_end, zone)
        shifts.append((start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))))
    return shifts


def in_service_hours(now: datetime, settings: EscalationSettings) -> bool:
    return any(start <= now < end for start, end in _shifts(now, settings))


def next_shift_start(now: datetime, settings: EscalationSettings) -> datetime | None:
    """When the next shift starts after ``now`` (None: no service days configured)."""
    starts = [start for start, _ in _shifts(now, settings) if start > now]
    return min(starts) if starts else None
