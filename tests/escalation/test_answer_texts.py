"""The teen's own words to the direct questions: encrypted, merged field by field, shown to
counsellors, purged after the retention like message text, never logged."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from common.logging import configure_logging
from escalation.settings import async_database_url, sync_database_url
from tests.escalation.conftest import Running
from tests.escalation.test_merge import detail
from tests.escalation.test_privacy import _dump

pytestmark = pytest.mark.redis

START = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
WORDS = {"has_time": "vanavond", "has_place": "op mijn kamer", "has_method": "met pillen"}
NONE = {"thoughts_of_suicide": None, "has_method": None, "has_time": None, "has_place": None}


def _raw_rows(database_url: str) -> list[tuple[str, str, str]]:
    engine = create_engine(sync_database_url(async_database_url(database_url)))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT escalation_id, question, text_enc FROM answer_texts ORDER BY question")
            ).all()
    finally:
        engine.dispose()
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_the_words_are_stored_encrypted_and_shown_to_counsellors(running: Running) -> None:
    r = await running.create(
        "a1", "imminent",
        answers={"thoughts_of_suicide": "yes", "has_time": "yes"},
        answer_texts={"thoughts_of_suicide": "  ja  ", "has_time": "vanavond"},
    )
    assert r.status_code == 201, r.text
    eid = r.json()["escalation"]["id"]
    assert "answer_texts" not in r.json()["escalation"]  # not echoed to the caller

    rows = _raw_rows(running.settings.database_url)
    assert [(e, q) for e, q, _ in rows] == [(eid, "has_time"), (eid, "thoughts_of_suicide")]
    stored = _dump(running.settings.database_url)
    assert "vanavond" not in stored
    assert all(token.startswith("gAAAA") for _, _, token in rows)  # Fernet tokens

    shown = await detail(running, eid)
    assert shown["answer_texts"] == {**NONE, "thoughts_of_suicide": "ja", "has_time": "vanavond"}
    assert shown["events"][0]["detail"]["answer_texts"] == ["has_time", "thoughts_of_suicide"]
    # The words are not in the event log, the list or a delivery.
    assert "vanavond" not in str(shown["events"])
    assert "vanavond" not in (await running.client.get("/v1/escalations")).text
    assert "vanavond" not in str(await running.lease())


async def test_no_words_given_is_null(running: Running) -> None:
    eid = (await running.create("a1", "direct")).json()["escalation"]["id"]
    assert (await detail(running, eid))["answer_texts"] is None
    assert _raw_rows(running.settings.database_url) == []


async def test_the_words_merge_question_by_question(running: Running) -> None:
    clock_now = [START]
    running.service.clock = lambda: clock_now[0]
    eid = (
        await running.create(
            "m1", "direct", answers={"thoughts_of_suicide": "yes"},
            answer_texts={"thoughts_of_suicide": "ja", "has_time": "morgen misschien"},
        )
    ).json()["escalation"]["id"]
    clock_now[0] = START + timedelta(minutes=2)
    merged = await running.create(
        "m2", "imminent",
        answers={"has_time": "yes", "has_place": "yes"},
        answer_texts={"has_time": "vanavond", "has_place": "op mijn kamer",
                      "thoughts_of_suicide": None},
    )
    assert merged.json()["merged"] is True
    shown = await detail(running, eid)
    assert shown["answer_texts"] == {
        "thoughts_of_suicide": "ja", "has_method": None, "has_time": "vanavond",
        "has_place": "op mijn kamer",
    }
    assert shown["events"][1]["detail"]["answer_texts_changed"] == ["has_place", "has_time"]

    # The same words again change nothing; a new answer to one more question is added.
    await running.create("m3", "imminent", answer_texts={"has_time": "vanavond"})
    assert (await detail(running, eid))["events"][-1]["detail"]["answer_texts_changed"] == []
    await running.create("m4", "imminent", answer_texts={"has_method": "met pillen"})
    assert (await detail(running, eid))["answer_texts"]["has_method"] == "met pillen"
    # A retried key merges nothing twice.
    await running.create("m2", "imminent", answer_texts={"has_time": "nu meteen"})
    assert (await detail(running, eid))["answer_texts"]["has_time"] == "vanavond"


async def test_the_words_are_purged_after_the_retention_like_messages(running: Running) -> None:
    await running.counsellor("anna")
    running.service.clock = lambda: START
    old = (
        await running.create("old", "imminent", teen=1, answer_texts=WORDS)
    ).json()["escalation"]["id"]
    # Still open a month later, like a message in an open conversation: the words go too.
    still_open = (
        await running.create("open", "direct", teen=2, answer_texts={"has_time": "vanavond"})
    ).json()["escalation"]["id"]
    running.service.clock = lambda: START + timedelta(days=29)
    fresh = (
        await running.create("fresh", "direct", teen=3, answer_texts={"has_place": "thuis"})
    ).json()["escalation"]["id"]
    await running.claim(old, "anna")
    await running.client.post(
        f"/v1/escalations/{old}/close", json={"outcome": "referred"},
        headers={"X-Counsellor-Id": "anna"},
    )

    running.service.clock = lambda: START + timedelta(days=31)
    assert (await running.reconciler.run_once()).purged
    assert (await detail(running, old))["answer_texts"] is None
    assert (await detail(running, still_open))["answer_texts"] is None
    assert (await detail(running, fresh))["answer_texts"] == {**NONE, "has_place": "thuis"}
    engine = create_engine(sync_database_url(async_database_url(running.settings.database_url)))
    with engine.connect() as conn:
        counted = conn.execute(text("SELECT answer_texts_deleted FROM purge_runs")).scalars().all()
    engine.dispose()
    assert counted[-1] == 4


@pytest.mark.parametrize(
    "given",
    [{"has_time": ""}, {"has_time": "   "}, {"has_time": "x" * 301}, {"has_time": 5},
     {"has_plan": "vanavond"}],
)
async def test_bad_words_are_refused_without_echo(running: Running, given: object) -> None:
    r = await running.create("bad", "direct", answer_texts=given)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"
    assert "vanavond" not in r.text and "xxx" not in r.text
    ok = await running.create("ok", "direct", answer_texts={"has_time": "x" * 300})
    assert ok.status_code == 201


async def test_the_words_never_reach_the_logs(running: Running) -> None:
    buffer = io.StringIO()
    configure_logging("DEBUG", "json", stream=buffer)
    try:
        eid = (
            await running.create("l1", "direct", answer_texts={"has_time": "vanavond"})
        ).json()["escalation"]["id"]
        await running.create("l2", "imminent", answer_texts=WORDS)
        await running.create("l3", "imminent", answer_texts={"has_time": "x" * 301})
        await running.client.get(f"/v1/escalations/{eid}")
        await running.reconciler.run_once()
    finally:
        configure_logging("INFO", "json")
    logged = buffer.getvalue()
    assert "escalation.created" in logged and "escalation.merged" in logged
    for words in ("vanavond", "op mijn kamer", "met pillen", "xxxxxxxx"):
        assert words not in logged
