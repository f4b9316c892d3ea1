"""Error reports to Sentry, scrubbed by the same rules as the logs.

Sentry starts only when a DSN is set. It never sends default PII (IP addresses,
cookies, user objects: ``send_default_pii=False``, or its successor
``data_collection`` on SDKs that have it), never captures frame locals, request
bodies or the teen's data, and every event and breadcrumb passes :func:`before_send` /
:func:`before_breadcrumb`, which apply ``common.scrub`` to everything.

Works with sentry-sdk 1.x (the Rasa environment) and 2.x.
"""

from __future__ import annotations

from typing import Any

from common.scrub import SCRUBBED, scrub_string, scrub_value

# Parts of an event that are free text written by code (titles, exception values):
# scrubbed for ids, known values and shapes, but prose is allowed.
_TEXT_PATHS = ("message",)


def _scrub_exception(exc: dict[str, Any]) -> dict[str, Any]:
    out = dict(exc)
    if isinstance(out.get("value"), str):
        out["value"] = scrub_string(out["value"])
    frames = (out.get("stacktrace") or {}).get("frames")
    if frames:
        clean = []
        for frame in frames:
            f = {k: v for k, v in frame.items() if k != "vars"}
            # Source lines around the failing one may be literal strings; they are ours,
            # but a line can also hold an f-string being built: scrub the shapes.
            for key in ("context_line", "pre_context", "post_context"):
                if key in f:
                    f[key] = scrub_value(f[key], "stack")
            clean.append(f)
        out["stacktrace"] = {**out["stacktrace"], "frames": clean}
    return out


def before_send(event: dict[str, Any], _hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry hook: return the event with personal data removed."""
    event = dict(event)
    event.pop("user", None)
    event.pop("request", None)
    for key in _TEXT_PATHS:
        if isinstance(event.get(key), str):
            event[key] = scrub_string(event[key])
    if isinstance(event.get("logentry"), dict):
        entry = dict(event["logentry"])
        for key in ("message", "formatted"):
            if isinstance(entry.get(key), str):
                entry[key] = scrub_string(entry[key])
        if "params" in entry:
            entry["params"] = [SCRUBBED for _ in entry["params"] or ()]
        event["logentry"] = entry
    exception = event.get("exception")
    if isinstance(exception, dict) and isinstance(exception.get("values"), list):
        event["exception"] = {
            **exception,
            "values": [_scrub_exception(v) for v in exception["values"]],
        }
    for key in ("threads",):
        event.pop(key, None)
    for key in ("extra", "contexts", "tags"):
        if isinstance(event.get(key), dict):
            event[key] = scrub_value(event[key], "context")
    if isinstance(event.get("breadcrumbs"), dict):
        crumbs = event["breadcrumbs"].get("values") or []
        event["breadcrumbs"] = {"values": [before_breadcrumb(c) for c in crumbs]}
    elif isinstance(event.get("breadcrumbs"), list):
        event["breadcrumbs"] = [before_breadcrumb(c) for c in event["breadcrumbs"]]
    return event


def before_breadcrumb(crumb: dict[str, Any], _hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry hook: breadcrumbs (log lines, HTTP calls) scrubbed like log events."""
    crumb = dict(crumb)
    if isinstance(crumb.get("message"), str):
        crumb["message"] = scrub_string(crumb["message"])
    if isinstance(crumb.get("data"), dict):
        data = dict(crumb["data"])
        if isinstance(data.get("url"), str):
            data["url"] = scrub_string(data["url"])
        crumb["data"] = {k: (v if k == "url" else scrub_value(v, k)) for k, v in data.items()}
    return crumb


_OFF = {"mode": "off"}
_STRICT_DATA_COLLECTION: dict[str, Any] = {
    "user_info": False,
    "cookies": _OFF,
    "http_headers": {"request": _OFF},
    "http_bodies": [],
    "url_query_params": _OFF,
    "graphql": {"document": False, "variables": False},
    "gen_ai": {"inputs": False, "outputs": False},
    "database_query_data": False,
    "queues": False,
    "stack_frame_variables": False,
}


def _client_options(sentry_sdk: Any) -> frozenset[str]:
    """The option names this sentry-sdk version accepts (1.x and 2.x differ)."""
    import inspect

    init = sentry_sdk.consts.ClientConstructor.__init__
    return frozenset(inspect.signature(init).parameters)


def init_sentry(
    dsn: str | None,
    *,
    environment: str = "development",
    release: str | None = None,
    traces_sample_rate: float = 0.0,
) -> bool:
    """Start Sentry when ``dsn`` is set; return whether it started."""
    if not dsn:
        return False
    import sentry_sdk  # imported here: a process without a DSN does not need it

    options: dict[str, Any] = {
        "dsn": dsn,
        "environment": environment,
        "release": release,
        "before_send": before_send,
        "before_breadcrumb": before_breadcrumb,
        "traces_sample_rate": traces_sample_rate,
    }
    known = _client_options(sentry_sdk)
    # Request bodies are teen messages; the option was renamed in 1.x.
    options["max_request_body_size" if "max_request_body_size" in known else "request_bodies"] = (
        "never"
    )
    if "data_collection" in known:
        # The successor of send_default_pii=False (which newer SDKs deprecate and
        # ignore beside it): no user info, cookies, headers, bodies, query strings,
        # queries, queue payloads or frame locals.
        options["data_collection"] = _STRICT_DATA_COLLECTION
    else:
        options["send_default_pii"] = False
        # Frame locals hold message text; the option was renamed in 1.16.
        name = "include_local_variables" if "include_local_variables" in known else "with_locals"
        options[name] = False
    sentry_sdk.init(**options)
    return True
