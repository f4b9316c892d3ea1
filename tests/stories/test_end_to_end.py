"""The protocol end to end, with every real part but Telegram.

A ``redis-server`` and the escalation service (Python 3.11, SQLite), the Rasa action
server and the Rasa server with the trained full model, each a process on a free port
(tests/stack.py; one stack for the session: tests/stories/live.py). Messages go in as
the gateway will send them (the REST channel, one conversation per teen, the metadata of
stories/README.md); the real NLU reads them, the real policies choose, the real actions
call the real service over HTTP.

The Rasa server runs as ``make run`` starts it (``python -m stories.server``) but at
``--debug``, and every process logs JSON at DEBUG: the last test reads all four logs and
finds none of the teens' words (plain ``rasa run --debug`` prints them).
"""

from __future__ import annotations

import json

import pytest

from tests.stories.live import SENTINEL, assert_no_teen_words_in_logs, texts

pytestmark = pytest.mark.rasa


def test_a_worrying_group_message_opens_the_private_talk_and_reaches_a_counsellor(live):
    teen = 7001
    replies = live.say(teen, f"ik zie het echt niet meer zitten {SENTINEL}", "group")
    # one caring line with the private-chat button; nothing of the teen's words
    assert len(replies) == 1
    assert replies[0]["buttons"] == [{"title": "Open een privégesprek",
                                      "payload": "deeplink:private"}]
    assert SENTINEL not in replies[0]["text"] and "zitten" not in replies[0]["text"]
    escalation = live.escalation_of(teen)
    assert escalation is not None and escalation["group_ref"]
    assert escalation["risk_level"] in ("indirect", "direct")

    opening = texts(live.say(teen, "/greet"))
    assert opening[-1].endswith("Heb je eraan gedacht jezelf te doden?")
    # a "ja" to someone else in the group is no answer, and the question is not repeated
    assert live.say(teen, "ja haha zeker", "group") == []

    # answers as emoji, messages nobody can place (a rope emoji is an answer: see
    # test_no_dead_ends.py)
    method = texts(live.say(teen, "👍"))
    assert len(method) == 2 and "eerlijk" in method[0].lower()  # thanks, whatever the answer
    assert "hoe je het zou doen" in method[1] or "op welke manier" in method[1]
    again = texts(live.say(teen, "😶"))
    assert len(again) == 2 and ("hoe je het zou doen" in again[1] or "manier" in again[1])
    time_question = texts(live.say(teen, "👎🏽"))
    assert time_question and "moment" in time_question[-1]
    back = texts(live.say(teen, "..."))
    assert len(back) == 2 and "moment" in back[-1]
    place = texts(live.say(teen, "nee"))
    assert place and "plek" in place[-1]
    handoff = texts(live.say(teen, "nee"))
    assert handoff, "the handoff says what happens next"

    escalation = live.escalation_of(teen)
    assert escalation["answers"] == {"thoughts_of_suicide": "yes", "has_method": "no",
                                     "has_time": "no", "has_place": "no"}
    assert escalation["risk_level"] == "direct"
    assert escalation["held_until"] is None  # the answers released any hold


def test_a_plan_after_the_questions_raises_the_escalation_to_imminent(live):
    teen = 7002
    live.say(teen, "ik wil dood, ik kan niet meer", "group")
    live.say(teen, "/greet")
    for answer in ("ja", "nee", "nee", "nee"):
        live.say(teen, answer)
    assert live.escalation_of(teen)["risk_level"] == "direct"
    now = texts(live.say(teen, "ik heb de pillen al klaargelegd voor vanavond"))
    assert any("112" in t for t in now)
    assert live.escalation_of(teen)["risk_level"] == "imminent"
    # /stop ends the bot's private talk politely; the escalation stays
    assert texts(live.say(teen, "/stop"))
    escalation = live.escalation_of(teen)
    assert escalation["risk_level"] == "imminent" and escalation["closed_at"] is None


def test_while_a_counsellor_holds_the_conversation_the_bot_is_quiet(live):
    teen = 7003
    live.say(teen, "ik wil er gewoon niet meer zijn", "group")
    live.say(teen, "/greet")
    escalation = live.escalation_of(teen)
    live.service("PUT", "/v1/counsellors/anna", {"display_name": "Anna", "on_duty": True,
                                                 "high_risk_trained": True})
    live.service("POST", f"/v1/escalations/{escalation['id']}/claim", counsellor="anna")
    assert live.say(teen, "ja") == []
    assert live.say(teen, f"ik weet niet wat ik moet zeggen {SENTINEL}") == []
    helplines = texts(live.say(teen, "/ask_help"))  # /hulp still works
    assert any("1813" in t for t in helplines)
    live.service("POST", f"/v1/escalations/{escalation['id']}/release", counsellor="anna")
    assert live.say(teen, "hallo?") != []  # handed back: the bot speaks again


def test_distress_in_the_group_then_the_teens_own_list_kept_and_shown(live):
    teen = 7005
    replies = live.say(teen, "ik slaap al weken slecht en alles is me te veel", "group")
    assert len(replies) == 1 and replies[0]["buttons"][0]["payload"] == "deeplink:private"
    assert live.escalation_of(teen) is None  # distress once: no counsellor yet
    opening = live.say(teen, "/greet")
    assert opening[-1]["buttons"][0]["payload"] == "/affirm"  # a trusted person?
    # a yes that names the person: on the list at once, no "who is that?" after it
    activities = live.say(teen, f"ja, mijn mentor {SENTINEL}")
    assert "activity:cold_water" in {b["payload"] for b in activities[-1]["buttons"]}
    live.say(teen, "activity:cold_water")
    # something heavy while making the list: heard, a counsellor told, the list goes on
    heavy = live.say(teen, "eigenlijk wil ik er gewoon niet meer zijn")
    assert len(heavy) >= 2 and "activity:done" in {b["payload"] for b in heavy[-1]["buttons"]}
    assert live.escalation_of(teen)["risk_level"] in ("indirect", "direct")
    live.say(teen, "tekenen")  # their own idea, whatever the classifier makes of it
    reasons = live.say(teen, "activity:done")
    assert reasons[-1]["buttons"] == [{"title": "Overslaan", "payload": "plan:skip"}]
    keep = live.say(teen, "mijn hond")
    assert {b["payload"] for b in keep[-1]["buttons"]} == {"/affirm", "/deny"}
    kept = texts(live.say(teen, "/affirm"))
    assert any("/mijnlijst" in t for t in kept)  # kept, and how to see it again
    plan = live.service("POST", "/v1/safety-plans/read", {"teen_telegram_id": teen})["plan"]
    assert plan == {"activities": ["Ijskoud water drinken", "tekenen"],
                    "reasons": ["mijn hond"], "contacts": [f"mijn mentor {SENTINEL}"]}
    shown = "\n".join(texts(live.say(teen, "/my_list")))
    assert "tekenen" in shown and "mijn hond" in shown


def test_a_message_of_nothing_but_noise_in_a_group_gets_no_reply(live):
    for text in ("...", "😂😂", "wie gaat er mee naar de cinema"):
        assert live.say(7004, text, "group") == []
    assert live.escalation_of(7004) is None


def test_no_process_logs_the_teens_words(live):
    assert_no_teen_words_in_logs(live.workdir)
    logs = {p.name: p.read_text("utf-8", "replace") for p in live.workdir.glob("*.log")}
    # Rasa's own events went through our JSON chain (after Rasa's colour codes).
    records = [json.loads(line[line.index('{"event"'):]) for line in logs["rasa.log"].splitlines()
               if '{"event"' in line]
    assert any(str(r.get("logger", "")).startswith("rasa.") for r in records)
