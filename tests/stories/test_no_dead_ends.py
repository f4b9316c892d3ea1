"""Issue 12 end to end: every crisis reaches a human, wherever it was said; no dead ends.

Through the session's live stack (tests/stories/live.py: the real Rasa server with the
trained full model, the action server, the escalation service, Redis), as a teen and a
counsellor would go: the fail-safe reading decides care, a teen who only writes privately
is escalated, written answers to the direct questions count, the escalation service
going down costs the teen nothing, nobody on duty is said honestly, a counsellor's hand
back does not restart the questions, and one reminder per group for hurtful replies.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.stories.live import SENTINEL, assert_no_teen_words_in_logs, texts

pytestmark = pytest.mark.rasa

DIRECT_QUESTION = "jezelf te doden"
DOMAIN = Path(__file__).resolve().parents[2] / "stories" / "domain"
GROUP_REMINDERS = {
    v["text"] for v in yaml.safe_load((DOMAIN / "group.yml").read_text("utf-8"))["responses"][
        "utter_group_how_we_talk"]
}


def joined(replies: list[dict]) -> str:
    return "\n".join(texts(replies))


def open_private(live, teen: int, crisis: str) -> list[dict]:
    """A crisis in the group, then the private chat opened by the button."""
    group = live.say(teen, crisis, "group")
    assert group, "the group line with the private-chat button"
    opening = live.say(teen, "/greet")
    assert DIRECT_QUESTION in joined(opening)
    return opening


# -- one fail-safe reading decides care -----------------------------------------------------

@pytest.mark.parametrize(("teen", "crisis"), [
    (7201, "ik zit hier met een mes in mijn hand"),
    (7202, "ik sta met het mes in mijn hand in de badkamer"),
])
def test_a_teen_holding_a_knife_gets_112_and_a_counsellor(live, teen, crisis):
    replies = live.say(teen, crisis, "group")
    assert "112" in joined(replies) and "1813" in joined(replies)
    assert live.escalation_of(teen)["risk_level"] == "imminent"


def test_a_flemish_wish_not_to_live_is_asked_about_and_escalated(live):
    teen = 7203
    replies = live.say(teen, "'k wil nie mi leven", "group")
    assert replies and replies[0]["buttons"][0]["payload"] == "deeplink:private"
    escalation = live.escalation_of(teen)
    assert escalation is not None and escalation["risk_level"] in ("indirect", "direct")
    assert DIRECT_QUESTION in joined(live.say(teen, "/greet"))


# -- every crisis reaches a human, wherever it was said ---------------------------------------

def test_a_teen_who_only_writes_privately_is_escalated(live):
    teen = 7210
    assert live.say(teen, "/greet")  # opened the bot directly, never wrote in a group
    opening = live.say(teen, f"ik wil niet meer leven {SENTINEL}")
    assert DIRECT_QUESTION in joined(opening)
    escalation = live.escalation_of(teen)
    assert escalation is not None and escalation["group_ref"] is None
    assert escalation["risk_level"] in ("direct", "imminent")
    method = live.say(teen, "ja")
    assert "eerlijk" in joined(method).lower()
    plan = live.say(teen, "met pillen")
    assert "112" in joined(plan)
    escalation = live.escalation_of(teen)
    assert escalation["risk_level"] == "imminent"
    assert escalation["answers"]["has_method"] == "yes"
    assert escalation["answer_texts"]["has_method"] == "met pillen"


# -- the direct questions understand written answers ----------------------------------------

@pytest.mark.parametrize(("teen", "answers", "slot", "written"), [
    (7220, ["ja", "nee", "vanavond"], "has_time", "vanavond"),
    (7221, ["ja", "nee", "nee", "op mijn kamer"], "has_place", "op mijn kamer"),
    (7222, ["ja", "🪢"], "has_method", "🪢"),
])
def test_a_written_answer_is_an_answer(live, teen, answers, slot, written):
    open_private(live, teen, "ik wil dood, ik kan niet meer")
    for answer in answers[:-1]:
        assert live.say(teen, answer)
    last = live.say(teen, answers[-1])
    # a plan: the numbers at once, not the question again
    assert "112" in joined(last) and "gedachten" not in joined(last)
    escalation = live.escalation_of(teen)
    assert escalation["risk_level"] == "imminent" and escalation["answers"][slot] == "yes"
    assert escalation["answer_texts"][slot] == written
    assert escalation["held_until"] is None


def test_a_teen_who_stops_after_ja_leaves_the_counsellor_that_answer(live):
    teen = 7223
    open_private(live, teen, "ik zie het echt niet meer zitten")
    assert live.say(teen, "ja")  # and then nothing more
    escalation = live.escalation_of(teen)
    assert escalation["answers"]["thoughts_of_suicide"] == "yes"
    assert escalation["answer_texts"]["thoughts_of_suicide"] == "ja"
    assert escalation["held_until"] is None  # told at once, not after the silence
    assert escalation["risk_level"] in ("direct", "imminent")


def test_a_plan_posted_in_the_group_while_a_question_waits_is_heard(live):
    """The private question waits for an answer; the teen posts a plan in the group: the
    group gets the numbers (and the message hidden), the counsellor the plan."""
    teen = 7224
    open_private(live, teen, "ik wil dood")
    assert live.say(teen, "ja")  # the method question now waits in private
    group = live.say(teen, "ik heb de pillen al gekocht, vanavond neem ik ze allemaal", "group")
    assert "112" in joined(group)
    assert {"moderation": {"action": "hide", "reason": "method_detail"}} in [
        r.get("custom") for r in group]
    assert live.escalation_of(teen)["risk_level"] == "imminent"


# -- a counsellor hands back -----------------------------------------------------------------

def test_after_a_counsellor_hands_back_the_talk_goes_on(live):
    teen = 7230
    open_private(live, teen, "ik wil dood")
    live.service("PUT", "/v1/counsellors/bram", {"display_name": "Bram", "on_duty": True,
                                                 "high_risk_trained": True})
    escalation = live.escalation_of(teen)
    live.service("POST", f"/v1/escalations/{escalation['id']}/claim", counsellor="bram")
    assert live.say(teen, "ja") == []  # the counsellor holds the talk: the bot is quiet
    live.service("POST", f"/v1/escalations/{escalation['id']}/close",
                 {"outcome": "handed_back"}, counsellor="bram")
    after = live.say(teen, "hoi, ben je er nog?")
    assert after, "the bot answers after the hand back"
    assert DIRECT_QUESTION not in joined(after)  # not from the first question again
    assert "112" in joined(after)
    # something heavy again after the hand back: a counsellor is told again
    assert live.say(teen, "maar eigenlijk wil ik nog altijd dood")
    again = live.escalation_of(teen)
    assert again is not None and again["id"] != escalation["id"]
    assert again["closed_at"] is None
    live.service("PUT", "/v1/counsellors/bram", {"display_name": "Bram", "on_duty": False,
                                                 "high_risk_trained": True})


# -- peer harm: one reminder per group, the staff alerted --------------------------------------

def test_three_hurtful_replies_in_a_minute_get_one_reminder(live):
    target = 7240
    live.say(target, "ik wil er niet meer zijn", "group")
    assert live.escalation_of(target) is not None
    reminders, counts = [], []
    for author in (7241, 7242, 7243):
        replies = live.say(author, "doe het dan gewoon, kys", "group",
                           reply_to_telegram_id=target)
        reminders += [r for r in replies if r.get("text") in GROUP_REMINDERS]
        # the moderators are alerted (a payload for the gateway; never a quote)
        alerts = [r["custom"]["moderation"] for r in replies
                  if (r.get("custom") or {}).get("moderation", {}).get("action")
                  == "alert_moderators"]
        assert len(alerts) == 1 and alerts[0]["reason"] == "peer_harm_at_risk"
        counts.append(alerts[0]["count"])
    assert len(reminders) == 1
    assert counts == [1, 2, 3]  # one alert for the episode, its count going up
    alerts = live.service("GET", "/v1/alerts")["alerts"]
    mine = [a for a in alerts if a["escalation_id"] == live.escalation_of(target)["id"]]
    assert len(mine) == 1 and mine[0]["count"] == 3
    # the teen at risk's own talk goes on untouched
    assert DIRECT_QUESTION in joined(live.say(target, "/greet"))


# -- the escalation service down: the numbers now, the escalation later ------------------------

def test_service_down_the_teen_gets_the_numbers_and_the_escalation_lands_later(live):
    group_teen, private_teen, silent_group_teen = 7250, 7251, 7252
    live.stop_service()
    try:
        group = live.say(group_teen, "ik wil dood", "group")
        assert "1813" in joined(group) and "112" in joined(group)
        assert live.say(silent_group_teen, "ik wil er niet meer zijn, echt niet", "group")
        live.say(private_teen, "/greet")
        private = live.say(private_teen, "ik wil niet meer leven")
        assert "112" in joined(private) and "1813" in joined(private)
        assert "komt zo" not in joined(private)  # nobody is promised
    finally:
        live.start_service()
    # the teen's next message sends it ...
    live.say(group_teen, "/greet")
    assert live.escalation_of(group_teen)["risk_level"] in ("direct", "imminent")
    # ... and a teen who says nothing more is sent by the reminder (30 s after the try)
    # (one reminder per teen: each teen's retry lands, not only the last one scheduled)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and None in (
        live.escalation_of(private_teen), live.escalation_of(silent_group_teen)
    ):
        time.sleep(2)
    escalation = live.escalation_of(private_teen)
    assert escalation is not None and escalation["group_ref"] is None
    assert live.escalation_of(silent_group_teen) is not None


# -- nobody on duty, outside the shift ---------------------------------------------------------

def test_outside_the_shift_the_bot_says_when_someone_reads_it(live):
    teen = 7260
    brussels = datetime.now(ZoneInfo("Europe/Brussels"))
    start = (brussels + timedelta(hours=2)).strftime("%H:%M")
    end = (brussels + timedelta(hours=3)).strftime("%H:%M")
    for person in live.service("GET", "/v1/counsellors")["counsellors"]:
        if person["on_duty"]:
            live.service("PUT", f"/v1/counsellors/{person['id']}",
                         {"display_name": person["display_name"], "on_duty": False,
                          "high_risk_trained": person["high_risk_trained"]})
    live.stop_service()
    live.start_service(ESCALATION_SERVICE_START=start, ESCALATION_SERVICE_END=end)
    try:
        open_private(live, teen, "ik wil dood")
        for answer in ("ja", "nee", "nee"):
            live.say(teen, answer)
        handoff = joined(live.say(teen, "nee"))
        assert f"om {start}" in handoff  # when the next counsellor starts
        assert "112" in handoff and "1813" in handoff  # and the 24/7 line meanwhile
        assert "komt zo" not in handoff
    finally:
        live.stop_service()
        live.start_service()


def test_no_process_logs_these_teens_words(live):
    assert_no_teen_words_in_logs(live.workdir)
