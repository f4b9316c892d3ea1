"""The actions' HTTP client against the real escalation service.

The service runs as a subprocess from the Python 3.11 environment
(``.venv/bin/python -m escalation serve``) on SQLite in a temporary folder, with a
``redis-server`` of its own on a free port (tests/stack.py); both are stopped after
the module.
Skipped (failed under CI=true) when the 3.11 environment or redis-server is missing.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import pytest

from tests import stack

pytestmark = pytest.mark.rasa

TOKEN = stack.SERVICE_TOKEN


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("escalation")
    try:
        with stack.redis(workdir) as redis_url, stack.escalation_service(
            workdir, redis_url, LOG_LEVEL="WARNING"
        ) as base:
            yield base
    except stack.StackError as error:
        stack.unavailable(f"escalation service: {error}")


def _call(base: str, method: str, path: str, body: dict | None = None, **headers: str) -> dict:
    request = urllib.request.Request(  # noqa: S310 (the test's own loopback service)
        base + path, method=method, data=json.dumps(body or {}).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json",
                 **headers},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return json.loads(response.read())


def _body(key: str, teen: int) -> dict:
    return {
        "idempotency_key": key, "teen_telegram_id": teen, "group_chat_id": -1001234567890,
        "country": "BE", "risk_level": "imminent", "reason_codes": ["dialogue.imminent"],
        "evidence": [{"source": "lexicon", "code": "suicide.want_to_die"}],
        "answers": {"thoughts_of_suicide": "yes", "has_method": "yes"},
    }


def test_create_is_idempotent_and_honest_about_counsellors(service):
    from bot.actions.escalation_client import EscalationClient

    client = EscalationClient(service, TOKEN, 5)
    first = asyncio.run(client.create(_body("rasa:test-1", 9001)))
    again = asyncio.run(client.create(_body("rasa:test-1", 9001)))
    assert first["created"] is True and again["created"] is False
    assert first["escalation"]["id"] == again["escalation"]["id"]
    assert first["escalation"]["answers"]["has_method"] == "yes"
    assert first["counsellor_available"] is False  # nobody registered yet
    assert first["helplines"]  # the lines open now, to show the teen


def test_who_speaks_follows_the_claim(service):
    from bot.actions.escalation_client import EscalationClient

    client = EscalationClient(service, TOKEN, 5)
    assert asyncio.run(client.who_speaks(9002))["speaker"] == "bot"
    _call(service, "PUT", "/v1/counsellors/c-1",
          {"display_name": "An", "on_duty": True, "high_risk_trained": True})
    created = asyncio.run(client.create(_body("rasa:test-2", 9002)))
    assert created["counsellor_available"] is True
    _call(service, "POST", f"/v1/escalations/{created['escalation']['id']}/claim", {},
          **{"X-Counsellor-Id": "c-1"})
    answer = asyncio.run(client.who_speaks(9002))
    assert answer["speaker"] == "counsellor"
    assert answer["escalation_id"] == created["escalation"]["id"]
    asyncio.run(client.add_message(created["escalation"]["id"], "antwoorden: ja, ja"))


def test_a_wrong_token_is_an_error_not_a_crash(service):
    from bot.actions.escalation_client import EscalationClient, EscalationUnavailable

    with pytest.raises(EscalationUnavailable) as raised:
        asyncio.run(EscalationClient(service, "not-the-token", 5).who_speaks(9003))
    assert raised.value.reason == "http_401"


def test_a_service_that_is_not_there_fails_fast():
    from bot.actions.escalation_client import EscalationClient, EscalationUnavailable

    started = time.monotonic()
    with pytest.raises(EscalationUnavailable):
        nowhere = f"http://127.0.0.1:{stack.free_port()}"
        asyncio.run(EscalationClient(nowhere, TOKEN, 1).who_speaks(1))
    assert time.monotonic() - started < 2


def _indirect(key: str, teen: int, **extra) -> dict:
    return {**_body(key, teen), "risk_level": "indirect", "answers": {}, **extra}


def test_a_held_escalation_is_released_by_the_answers_and_merged(service):
    from bot.actions.escalation_client import EscalationClient

    client = EscalationClient(service, TOKEN, 5)
    held = asyncio.run(client.create(_indirect("rasa:test-hold", 9004, notify_after_s=600)))
    assert held["created"] is True and held["delivery"] == "held"
    escalation_id = held["escalation"]["id"]
    assert held["escalation"]["held_until"] is not None
    waiting = _call(service, "GET", "/v1/escalations?state=waiting")["escalations"]
    assert escalation_id not in {e["id"] for e in waiting}  # counsellors not told yet
    # the answers arrive (the handoff's own key): merged, risk raised, told at once
    answers = {**_body("rasa:test-hold-answers", 9004), "risk_level": "direct",
               "answers": {"thoughts_of_suicide": "yes", "has_method": "no"}}
    merged = asyncio.run(client.create(answers))
    assert (merged["created"], merged["merged"]) == (False, True)
    assert merged["escalation"]["id"] == escalation_id
    detail = _call(service, "GET", f"/v1/escalations/{escalation_id}")
    assert detail["risk_level"] == "direct" and detail["held_until"] is None
    assert detail["answers"]["thoughts_of_suicide"] == "yes"
    waiting = _call(service, "GET", "/v1/escalations?state=waiting")["escalations"]
    assert escalation_id in {e["id"] for e in waiting}


def test_the_teens_list_is_kept_read_and_forgotten(service):
    from bot.actions.escalation_client import EscalationClient

    client = EscalationClient(service, TOKEN, 5)
    assert asyncio.run(client.read_plan(9005)) is None
    plan = {"activities": ["Lang en warm douchen", "tekenen"], "reasons": ["mijn hond"],
            "contacts": ["mijn tante"]}
    asyncio.run(client.save_plan(9005, plan))
    assert asyncio.run(client.read_plan(9005))["plan"] == plan
    assert asyncio.run(client.delete_plan(9005)) == {"deleted": True}
    assert asyncio.run(client.read_plan(9005)) is None
    assert asyncio.run(client.delete_plan(9005)) == {"deleted": False}


def test_the_actions_keep_and_show_the_list_through_the_real_service(
    service, load_tracker, domain
):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.escalation_client import EscalationClient, set_client
    from bot.actions.forms import ActionSavePlan
    from bot.actions.group import ActionGroupReply
    from bot.actions.plan import ActionShowPlan

    set_client(EscalationClient(service, TOKEN, 5))
    try:
        def run(action, tracker):
            dispatcher = CollectingDispatcher()
            events = asyncio.run(action.run(dispatcher, tracker, domain))
            return events, [m.get("response") for m in dispatcher.messages]

        kept = load_tracker("private_activities")
        kept.slots.update({"keep_plan": "yes", "reasons_to_live": ["mijn hond"]})
        assert run(ActionSavePlan(), kept)[1][-1] == "utter_plan_kept"
        events, said = run(ActionShowPlan(), load_tracker("private_activities"))
        assert said == ["utter_plan_activities", "utter_plan_reasons", "utter_my_plan_footer"]
        assert events[-1]["value"] == "shown"

        group = load_tracker("group_direct")
        group.slots.update({"chat_type": "group", "message_risk": "indirect",
                            "conversation_risk": "indirect"})
        events, said = run(ActionGroupReply(), group)
        assert said == ["utter_group_reach_out"]
        escalation = _call(service, "GET", f"/v1/escalations/{events[-1]['value']}")
        assert escalation["risk_level"] == "indirect" and escalation["held_until"] is not None
    finally:
        set_client(None)


def test_a_service_that_hangs_is_unavailable_not_a_crash():
    """A service that takes the connection and never answers (overloaded, stopped with
    SIGSTOP): the client gives up after its timeout with EscalationUnavailable, so the
    action gives the teen the numbers (on Python 3.10 asyncio's TimeoutError is not the
    builtin one: it once escaped and the teen got nothing)."""
    import socket

    from bot.actions.escalation_client import EscalationClient, EscalationUnavailable

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts into the backlog, never answers
    try:
        client = EscalationClient(f"http://127.0.0.1:{listener.getsockname()[1]}", TOKEN, 0.5)
        with pytest.raises(EscalationUnavailable) as caught:
            asyncio.run(client.who_speaks(7001))
        assert caught.value.reason == "timeout"
    finally:
        listener.close()
