"""Prometheus metrics, in a registry of the app's own (tests build many apps).

Labels are risk levels, outcomes and kinds of repair: never ids, never text.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# From a second to an hour: the scale a counsellor's answer lives on.
_SECONDS = (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.created = Counter(
            "escalations_created", "Escalations recorded", ["risk"], registry=r
        )
        self.merges = Counter(
            "escalation_merges",
            "Signals merged into the teen's active escalation",
            ["risk_raised"],
            registry=r,
        )
        self.closed = Counter(
            "escalations_closed", "Escalations closed", ["risk", "outcome"], registry=r
        )
        self.queue_depth = Gauge(
            "escalation_queue_depth", "Unclaimed escalations per risk level", ["risk"], registry=r
        )
        self.redis_depth = Gauge(
            "escalation_redis_items", "Items Redis holds", ["state"], registry=r
        )
        self.time_to_notify = Histogram(
            "escalation_time_to_first_notification_seconds",
            "From creation to the first acknowledged delivery",
            ["risk"],
            buckets=_SECONDS,
            registry=r,
        )
        self.time_to_claim = Histogram(
            "escalation_time_to_claim_seconds",
            "From creation to the first claim",
            ["risk"],
            buckets=_SECONDS,
            registry=r,
        )
        self.redeliveries = Counter(
            "escalation_redeliveries", "Deliveries not acknowledged in time, re-queued", registry=r
        )
        self.repairs = Counter(
            "escalation_reconciler_repairs",
            "Escalations the reconciler put back on the queue",
            ["kind"],
            registry=r,
        )
        self.sla_steps = Counter(
            "escalation_sla_steps", "SLA ladder rungs climbed", ["rung"], registry=r
        )
        self.enqueue_failures = Counter(
            "escalation_enqueue_failures", "Enqueues that failed (Redis down)", registry=r
        )
        self.peer_harm_reports = Counter(
            "escalation_peer_harm_reports",
            "Hurtful replies reported in groups (remind: the group's reminder was due)",
            ["remind", "target_at_risk"],
            registry=r,
        )
        self.peer_harm_alerts = Counter(
            "escalation_peer_harm_alerts_opened",
            "Staff alerts opened for hurtful replies to a teen at risk",
            registry=r,
        )
        self.open_alerts = Gauge(
            "escalation_alerts_open", "Staff alerts not yet acknowledged", registry=r
        )
