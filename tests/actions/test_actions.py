"""The custom actions against saved tracker snapshots (tests/actions/trackers/*.json).

Each test runs one action with rasa_sdk's CollectingDispatcher and asserts the exact
events it returns and the responses it asks for. The escalation service is replaced by
a recording client here; tests/actions/test_escalation_client.py talks to the real one.
"""

from __future__ import annotations

import asyncio

import pytest

pytestmark = pytest.mark.rasa


def run(action, tracker, domain):
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return events, dispatcher.messages


def slot(name, value):
    from rasa_sdk.events import SlotSet

    return SlotSet(name, value)


def responses(messages):
    return [m["response"] for m in messages]


# -- reading each message -------------------------------------------------------------

def test_group_message_sets_the_verdict(load_tracker, domain, client):
    from bot.actions.message import ActionReadMessage

    events, messages = run(ActionReadMessage(), load_tracker("group_direct"), domain)
    assert events == [
        slot("chat_type", "group"),
        slot("message_risk", "direct"),
        slot("message_public_risk", "direct"),
        slot("peer_harm", False),
        slot("method_detail", False),
        slot("conversation_risk", "direct"),
        slot("country", "BE"),
        slot("evidence", ["lexicon:suicide.want_to_die", "nlu:risk_direct"]),
    ]
    assert messages == [] and client.calls == []  # no who-speaks call for the group


def test_a_verdict_we_cannot_read_counts_as_imminent(load_tracker, domain, client):
    from bot.actions.message import ActionReadMessage

    events, _ = run(ActionReadMessage(), load_tracker("group_unreadable_verdict"), domain)
    assert slot("message_risk", "imminent") in events
    assert slot("conversation_risk", "imminent") in events


def test_private_message_keeps_the_group_risk_and_asks_who_speaks(load_tracker, domain, client):
    from bot.actions.message import ActionReadMessage

    client.speaker = "counsellor"
    events, _ = run(ActionReadMessage(), load_tracker("private_greet"), domain)
    assert events == [
        slot("chat_type", "private"),
        slot("message_risk", "none"),
        slot("message_public_risk", "none"),
        slot("peer_harm", False),
        slot("method_detail", False),
        slot("conversation_risk", "direct"),
        slot("country", "NL"),
        slot("speaker", "counsellor"),
    ]
    assert client.calls == [("who_speaks", 7001)]


def test_service_down_means_the_bot_speaks_and_the_log_says_so(load_tracker, domain, client):
    from structlog.testing import capture_logs

    from bot.actions.message import ActionReadMessage

    client.available = False
    with capture_logs() as logs:
        events, _ = run(ActionReadMessage(), load_tracker("private_greet"), domain)
    assert events[-1] == slot("speaker", "bot")
    assert logs[0] == {"event": "who_speaks_unavailable", "reason": "timeout",
                       "fallback": "bot", "log_level": "warning"}
    # the teen's words could not be kept either: said without them
    assert logs[1:] in ([], [{"event": "teen_message_not_kept", "reason": "timeout",
                              "log_level": "warning"}])


# -- the handoff after the questions ----------------------------------------------------

def test_a_plan_is_imminent_numbers_first_then_the_counsellor(load_tracker, domain, client):
    from bot.actions.handoff import ActionHandoff

    events, messages = run(ActionHandoff(), load_tracker("private_plan_yes"), domain)
    assert responses(messages) == [
        "utter_imminent_now", "utter_counsellor_coming", "utter_stay_with_you"
    ]
    assert events == [
        slot("conversation_risk", "imminent"),
        slot("escalation_id", "esc-new"),
        slot("flow_step", "stay"),
    ]
    (kind, body), = client.calls
    assert kind == "create"
    assert body["risk_level"] == "imminent" and body["country"] == "NL"
    assert body["answers"] == {"thoughts_of_suicide": "yes", "has_method": "yes"}
    assert (body["teen_telegram_id"], body["group_chat_id"]) == (7001, -1001234567890)
    assert body["evidence"] == [
        {"source": "lexicon", "code": "suicide.want_to_die"},
        {"source": "nlu", "code": "risk_direct"},
    ]
    assert body["idempotency_key"].startswith("rasa:")


def test_the_numbers_are_not_repeated_when_just_given(load_tracker, domain, client):
    from bot.actions.handoff import ActionHandoff

    tracker = load_tracker("private_plan_yes")
    tracker.events.insert(-1, {"event": "bot", "text": "[snapshot]", "timestamp": 25.0,
                               "metadata": {"utter_action": "utter_imminent_now"}})
    _, messages = run(ActionHandoff(), tracker, domain)
    assert responses(messages) == ["utter_counsellor_coming", "utter_stay_with_you"]


def test_the_same_handoff_twice_uses_the_same_key(load_tracker, domain, client):
    from bot.actions.handoff import ActionHandoff

    run(ActionHandoff(), load_tracker("private_plan_yes"), domain)
    run(ActionHandoff(), load_tracker("private_plan_yes"), domain)
    first, second = (body["idempotency_key"] for _, body in client.calls)
    assert first == second


def test_no_counsellor_online_says_so_with_the_lines_open_now(load_tracker, domain, client):
    from bot.actions.handoff import ActionHandoff

    client.counsellor_available = False
    client.next_shift_at = "2026-12-03T16:00:00+01:00"
    events, messages = run(ActionHandoff(), load_tracker("private_no_plan"), domain)
    assert responses(messages) == ["utter_no_counsellor_now"]
    assert "113" in messages[0]["helplines"]  # NL: 113 Zelfmoordpreventie
    assert messages[0]["next_shift"].endswith("om 16:00")  # when someone will read it
    assert events == [
        slot("conversation_risk", "direct"),
        slot("escalation_id", "esc-new"),
        slot("flow_step", "safety_plan"),
    ]
    assert client.calls[0][1]["risk_level"] == "direct"


def test_a_no_after_a_strong_signal_still_tells_a_counsellor(load_tracker, domain, client):
    from bot.actions.handoff import ActionHandoff

    events, messages = run(ActionHandoff(), load_tracker("private_denied"), domain)
    assert responses(messages) == ["utter_checkin_after_no", "utter_checkin_counsellor_told"]
    assert events == [
        slot("conversation_risk", "indirect"),
        slot("escalation_id", "esc-new"),
        slot("flow_step", "checkin"),
    ]
    assert client.calls[0][1]["risk_level"] == "indirect"
    assert client.calls[0][1]["answers"] == {"thoughts_of_suicide": "no"}


def test_service_down_the_teen_still_gets_the_helplines(load_tracker, domain, client):
    from structlog.testing import capture_logs

    from bot.actions.handoff import ActionHandoff

    client.available = False
    with capture_logs() as logs:
        events, messages = run(ActionHandoff(), load_tracker("private_plan_yes"), domain)
    # 112 and the 24/7 line were just given; nobody is promised
    assert responses(messages) == ["utter_imminent_now", "utter_stay_with_you"]
    pending = events[1]
    assert pending["name"] == "pending_escalations"
    assert [p["body"] for p in pending["value"]] == [client.calls[0][1]]
    assert events[2]["event"] == "reminder" and events[2]["intent"] == "EXTERNAL_retry_escalation"
    assert (events[0], events[-1]) == (slot("conversation_risk", "imminent"),
                                       slot("flow_step", "stay"))
    assert {"event": "escalation_unavailable", "reason": "timeout", "risk": "imminent",
            "will_retry": True, "log_level": "error"} in logs


def test_while_a_counsellor_holds_the_bot_is_quiet_but_escalates(load_tracker, domain, client):
    from bot.actions.handoff import ActionHandoff

    events, messages = run(ActionHandoff(), load_tracker("private_counsellor_holds"), domain)
    assert messages == []
    assert events[-1] == slot("flow_step", "stay")
    assert client.calls[0][1]["risk_level"] == "imminent"  # "ik weet het niet" to a method


def test_escalate_is_silent_and_holds_indirect_for_the_silence_time(load_tracker, domain, client):
    from bot.actions.handoff import ActionEscalate

    tracker = load_tracker("group_direct")
    tracker.slots.update({"conversation_risk": "direct", "message_risk": "direct"})
    events, messages = run(ActionEscalate(), tracker, domain)
    assert (events, messages) == ([slot("escalation_id", "esc-new")], [])
    assert client.calls[0][1]["risk_level"] == "direct"
    assert "notify_after_s" not in client.calls[0][1]  # direct: told at once

    tracker.slots.update({"conversation_risk": "indirect", "message_risk": "indirect"})
    run(ActionEscalate(), tracker, domain)
    assert client.calls[1][1]["risk_level"] == "indirect"
    assert client.calls[1][1]["notify_after_s"] == 600  # SILENCE_ESCALATE_AFTER_S default


def test_each_step_has_its_own_key_and_a_retry_the_same(load_tracker, domain, client):
    from bot.actions.handoff import ActionEscalate, ActionHandoff

    tracker = load_tracker("private_no_plan")
    run(ActionEscalate(), tracker, domain)
    run(ActionEscalate(), tracker, domain)
    run(ActionHandoff(), tracker, domain)
    escalate, again, handoff = (body["idempotency_key"] for _, body in client.calls)
    assert escalate == again  # a retried step never counts twice
    assert handoff != escalate  # the answers reach the service (merged there)


# -- in a group ---------------------------------------------------------------------------

def _group(load_tracker, risk, *, peer_harm=False, method_detail=False, said=(), now=None):
    """The group_direct snapshot with this verdict, after the bot said ``said`` (response
    names, each with its time) earlier in the session."""
    import time

    tracker = load_tracker("group_direct")
    tracker.slots.update({"chat_type": "group", "country": "BE", "message_risk": risk,
                          "conversation_risk": risk, "peer_harm": peer_harm,
                          "method_detail": method_detail})
    now = time.time() if now is None else now
    for name, seconds_ago in said:
        tracker.events.insert(3, {"event": "bot", "timestamp": now - seconds_ago,
                                  "metadata": {"utter_action": name}})
    return tracker


def _verdict(risk):
    return {"intent": {"name": "neutral"}, "crisis": {"risk": risk}}


@pytest.mark.parametrize(("risk", "said", "escalated", "held"), [
    ("none", [], False, False),
    ("distress", ["utter_group_distress"], False, False),
    ("indirect", ["utter_group_reach_out"], True, True),
    ("direct", ["utter_group_reach_out"], True, False),
    ("imminent", ["utter_group_imminent"], True, False),
])
def test_group_reply_per_level(load_tracker, domain, client, risk, said, escalated, held):
    from bot.actions.group import ActionGroupReply

    events, messages = run(ActionGroupReply(), _group(load_tracker, risk), domain)
    assert responses(messages) == said
    assert events[0] == slot("group_said", said)
    assert (events[1:] == [slot("escalation_id", "esc-new")]) is escalated
    if escalated:
        body = client.calls[0][1]
        assert body["risk_level"] == risk and ("notify_after_s" in body) is held
    else:
        assert client.calls == []


def test_group_reply_is_said_once_per_session_and_again_when_the_level_rises(
    load_tracker, domain, client
):
    from bot.actions.group import ActionGroupReply

    again = _group(load_tracker, "distress", said=[("utter_group_distress", 60)])
    assert run(ActionGroupReply(), again, domain)[1] == []
    risen = _group(load_tracker, "indirect", said=[("utter_group_distress", 60)])
    assert responses(run(ActionGroupReply(), risen, domain)[1]) == ["utter_group_reach_out"]
    direct = _group(load_tracker, "direct", said=[("utter_group_reach_out", 60)])
    events, messages = run(ActionGroupReply(), direct, domain)
    assert messages == [] and events[1] == slot("escalation_id", "esc-new")  # told, quietly


def test_group_imminent_is_repeated_only_after_five_minutes(load_tracker, domain, client):
    from bot.actions.group import ActionGroupReply

    recent = _group(load_tracker, "imminent", said=[("utter_group_imminent", 120)])
    assert run(ActionGroupReply(), recent, domain)[1] == []
    older = _group(load_tracker, "imminent", said=[("utter_group_imminent", 400)])
    assert responses(run(ActionGroupReply(), older, domain)[1]) == ["utter_group_imminent"]


def test_distress_that_recurs_is_escalated_once_at_distress(load_tracker, domain, client):
    from bot.actions.group import ActionGroupReply

    tracker = _group(load_tracker, "distress", said=[("utter_group_distress", 60)])
    tracker.events = [e for e in tracker.events if e["event"] != "user"]
    for n in range(2):
        tracker.events.append({"event": "user", "timestamp": 40.0 + n,
                               "parse_data": _verdict("distress")})
    assert run(ActionGroupReply(), tracker, domain)[0] == [slot("group_said", [])]
    tracker.events.append({"event": "user", "timestamp": 50.0, "parse_data": _verdict("distress")})
    events, _ = run(ActionGroupReply(), tracker, domain)
    assert events == [slot("group_said", []), slot("escalation_id", "esc-new")]
    body = client.calls[0][1]
    assert body["risk_level"] == "distress" and "notify_after_s" not in body


def test_peer_harm_how_we_talk_and_a_private_word(load_tracker, domain, client):
    from bot.actions.group import ActionGroupReply

    events, messages = run(ActionGroupReply(), _group(load_tracker, "none", peer_harm=True), domain)
    assert responses(messages) == ["utter_group_how_we_talk", "utter_peer_harm_private_note"]
    assert events == [slot("group_said", responses(messages))]
    (kind, body), = client.calls  # the service decides per group, and about the target
    assert kind == "peer_harm" and body["group_chat_id"] == -1001234567890
    assert body["author_telegram_id"] == 7001 and "target_telegram_id" not in body
    # the author's own risk decides; no lecture for a teen in crisis
    _, messages = run(ActionGroupReply(), _group(load_tracker, "direct", peer_harm=True), domain)
    assert responses(messages) == ["utter_group_reach_out"]


def test_peer_harm_one_reminder_per_group_in_the_window(load_tracker, domain, client):
    """Another teen's hurtful reply got the group's reminder a moment ago: this one gets
    only the private word (whose own window is per author)."""
    from bot.actions.group import ActionGroupReply

    client.peer_answer = {"remind": False, "target_at_risk": False, "alerted": False}
    _, messages = run(ActionGroupReply(), _group(load_tracker, "none", peer_harm=True), domain)
    assert responses(messages) == ["utter_peer_harm_private_note"]
    # the same author again within the window: not even the private word again
    tracker = _group(load_tracker, "none", peer_harm=True,
                     said=[("utter_peer_harm_private_note", 30)])
    _, messages = run(ActionGroupReply(), tracker, domain)
    assert messages == []


def test_peer_harm_against_a_teen_at_risk_alerts_the_moderators(load_tracker, domain, client):
    from bot.actions.group import MODERATORS_ALERT, ActionGroupReply

    client.peer_answer = {"remind": True, "target_at_risk": True, "alerted": True,
                          "alert_id": "al-1", "alert_count": 2}
    tracker = _group(load_tracker, "none", peer_harm=True)
    tracker.latest_message["metadata"]["reply_to_telegram_id"] = 7002
    _, messages = run(ActionGroupReply(), tracker, domain)
    # counts and which alert (the gateway edits one message per alert): no quotes
    assert messages[0]["custom"] == {"moderation": {**MODERATORS_ALERT["moderation"],
                                                    "alert_id": "al-1", "count": 2}}
    assert responses(messages[1:]) == ["utter_group_how_we_talk", "utter_peer_harm_private_note"]
    assert client.calls[0][1]["target_telegram_id"] == 7002
    assert "text" not in client.calls[0][1]


def test_peer_harm_with_the_service_down_reminds_at_most_once_per_window(
    load_tracker, domain, client
):
    from bot.actions.group import ActionGroupReply

    client.available = False
    _, messages = run(ActionGroupReply(), _group(load_tracker, "none", peer_harm=True), domain)
    assert responses(messages) == ["utter_group_how_we_talk", "utter_peer_harm_private_note"]
    tracker = _group(load_tracker, "none", peer_harm=True,
                     said=[("utter_group_how_we_talk", 30), ("utter_peer_harm_private_note", 30)])
    _, messages = run(ActionGroupReply(), tracker, domain)
    assert messages == []


def test_a_crisis_the_public_level_softens_still_escalates(load_tracker, domain, client):
    """The care level sees a crisis the precision filter does not: the group gets the
    warm line with the private-chat button, the counsellor is told at the care level."""
    from bot.actions.group import ActionGroupReply

    tracker = _group(load_tracker, "direct")
    tracker.slots["message_public_risk"] = "none"
    events, messages = run(ActionGroupReply(), tracker, domain)
    assert responses(messages) == ["utter_group_distress"]
    assert client.calls[0][1]["risk_level"] == "direct"
    assert events[-1] == slot("escalation_id", "esc-new")
    # imminent at the care level: the numbers, whatever the public level says
    tracker = _group(load_tracker, "imminent")
    tracker.slots["message_public_risk"] = "distress"
    _, messages = run(ActionGroupReply(), tracker, domain)
    assert responses(messages) == ["utter_group_imminent"]


def test_method_detail_is_hidden_and_the_author_gets_a_kind_note(load_tracker, domain, client):
    from bot.actions.group import MODERATION_HIDE, ActionGroupReply

    events, messages = run(
        ActionGroupReply(), _group(load_tracker, "none", method_detail=True), domain
    )
    assert messages[0]["custom"] == MODERATION_HIDE
    assert responses(messages[1:]) == ["utter_safe_wording_note"]
    assert events == [slot("group_said", ["utter_safe_wording_note"])]
    # the author's own crisis: hidden, but no note on wording; the protocol takes over
    _, messages = run(
        ActionGroupReply(), _group(load_tracker, "imminent", method_detail=True), domain
    )
    assert messages[0]["custom"] == MODERATION_HIDE
    assert responses(messages[1:]) == ["utter_group_imminent"]


def test_group_reply_when_the_service_is_down_still_says_it(load_tracker, domain, client):
    from bot.actions.group import ActionGroupReply

    client.available = False
    events, messages = run(ActionGroupReply(), _group(load_tracker, "direct"), domain)
    # nobody could be told: 112 and the 24/7 line at once, and the retry is kept
    assert responses(messages) == ["utter_group_reach_out", "utter_group_lines_now"]
    assert events[0] == slot("group_said", ["utter_group_reach_out"])
    assert events[1]["name"] == "pending_escalations"
    assert events[1]["value"][0]["body"]["risk_level"] == "direct"
    assert events[2]["event"] == "reminder"


# -- the forms ---------------------------------------------------------------------------

def _required(form, tracker, domain):
    from rasa_sdk.executor import CollectingDispatcher

    return asyncio.run(form.required_slots(
        ["thoughts", "has_method", "has_time", "has_place"], CollectingDispatcher(), tracker, domain
    ))


def test_questions_stop_at_a_no_and_at_the_first_sign_of_a_plan(load_tracker, domain):
    from bot.actions.forms import ValidateDirectQuestionsForm

    form = ValidateDirectQuestionsForm()
    assert _required(form, load_tracker("private_denied"), domain) == ["thoughts"]
    assert _required(form, load_tracker("private_plan_yes"), domain) == ["thoughts", "has_method"]
    assert _required(form, load_tracker("private_no_plan"), domain) == [
        "thoughts", "has_method", "has_time", "has_place"
    ]


def test_thanks_for_honesty_whatever_the_answer(load_tracker, domain, client):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateDirectQuestionsForm

    for answer in ("yes", "no", "unknown"):
        dispatcher = CollectingDispatcher()
        result = asyncio.run(ValidateDirectQuestionsForm().validate_thoughts(
            answer, dispatcher, load_tracker("private_no_plan"), domain
        ))
        assert result == {"thoughts": answer, "escalation_id": "esc-new"}
        assert responses(dispatcher.messages) == ["utter_thanks_honesty"]
    # each answer reached the escalation as it was given
    assert [body["answers"]["thoughts_of_suicide"] for _, body in client.calls] == [
        "yes", "no", "unknown"]


def test_an_answer_typed_in_the_group_is_not_taken(load_tracker, domain, client):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateDirectQuestionsForm

    dispatcher = CollectingDispatcher()
    result = asyncio.run(ValidateDirectQuestionsForm().validate_thoughts(
        "yes", dispatcher, load_tracker("group_answer_in_form"), domain
    ))
    assert result == {"thoughts": None} and dispatcher.messages == []
    assert client.calls == []


@pytest.mark.parametrize(
    ("typed", "expected", "said"),
    [
        ("activity:warm_shower",
         {"activity_choice": None, "activities": ["cold_water", "tekenen", "warm_shower"]},
         ["utter_activity_added"]),
        ("  met de hond   wandelen ",
         {"activity_choice": None, "activities": ["cold_water", "tekenen", "met de hond wandelen"]},
         ["utter_activity_added"]),
        ("activity:cold_water",  # already on the list
         {"activity_choice": None, "activities": ["cold_water", "tekenen"]},
         ["utter_activity_added"]),
        ("activity:done", {"activity_choice": "done", "activities": ["cold_water", "tekenen"]}, []),
        ("Klaar!", {"activity_choice": "done", "activities": ["cold_water", "tekenen"]}, []),
        ("nee", {"activity_choice": "done", "activities": ["cold_water", "tekenen"]}, []),
        ("activity:not_a_button", {"activity_choice": None}, []),
    ],
)
def test_the_teen_picks_their_own_activities(load_tracker, domain, typed, expected, said):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateSafetyPlanForm

    dispatcher = CollectingDispatcher()
    result = ValidateSafetyPlanForm().validate_activity_choice(
        typed, dispatcher, load_tracker("private_activities"), domain
    )
    assert result == expected
    assert responses(dispatcher.messages) == said


def test_five_activities_complete_the_list(load_tracker, domain):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateSafetyPlanForm

    tracker = load_tracker("private_activities")
    tracker.slots["activities"] = ["cold_water", "tekenen", "new_dance", "warm_shower"]
    result = ValidateSafetyPlanForm().validate_activity_choice(
        "activity:text_friends", CollectingDispatcher(), tracker, domain
    )
    assert result == {"activity_choice": "done", "activities": [
        "cold_water", "tekenen", "new_dance", "warm_shower", "text_friends"]}


def test_trusted_contact_and_a_gentle_word_about_means(load_tracker, domain):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateSafetyPlanForm

    dispatcher = CollectingDispatcher()
    result = ValidateSafetyPlanForm().validate_trusted_contact(
        "no", dispatcher, load_tracker("private_activities"), domain
    )
    assert result == {"trusted_contact": "no"}
    assert responses(dispatcher.messages) == ["utter_trusted_contact_no", "utter_reduce_means"]


def test_the_list_is_shown_with_the_button_labels_and_not_kept_without_a_yes(
    load_tracker, domain, client
):
    from bot.actions.forms import ActionSavePlan

    events, messages = run(ActionSavePlan(), load_tracker("private_activities"), domain)
    assert events == [slot("flow_step", "safety_plan")]
    assert responses(messages) == ["utter_plan_activities", "utter_plan_not_kept"]
    assert messages[0]["activity_list"] == "• Ijskoud water drinken\n• tekenen"
    assert client.calls == []


def test_the_list_is_kept_with_consent(load_tracker, domain, client):
    from bot.actions.forms import ActionSavePlan

    tracker = load_tracker("private_activities")
    tracker.slots.update({"keep_plan": "yes", "reasons_to_live": ["mijn hond"],
                          "contacts": ["mijn tante", "Noor"]})
    _, messages = run(ActionSavePlan(), tracker, domain)
    assert responses(messages) == [
        "utter_plan_activities", "utter_plan_reasons", "utter_plan_contacts", "utter_plan_kept"
    ]
    assert messages[2]["contact_list"] == "• mijn tante\n• Noor"
    assert client.calls == [("save_plan", {
        "activities": ["Ijskoud water drinken", "tekenen"], "reasons": ["mijn hond"],
        "contacts": ["mijn tante", "Noor"],
    })]
    client.available = False
    _, messages = run(ActionSavePlan(), tracker, domain)
    assert responses(messages)[-1] == "utter_plan_save_failed"  # honest, list still shown


def test_names_and_reasons_in_the_teens_own_words(load_tracker, domain):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateSafetyPlanForm

    form, tracker, said = ValidateSafetyPlanForm(), load_tracker("private_activities"), (
        CollectingDispatcher()
    )
    assert form.validate_contact_names("mijn tante, Noor\nmijn tante", said, tracker, domain) == {
        "contact_names": "given", "contacts": ["mijn tante", "Noor"]}
    assert form.validate_contact_names("plan:skip", said, tracker, domain) == {
        "contact_names": "skipped", "contacts": []}
    assert form.validate_reasons("Overslaan", said, tracker, domain) == {
        "reasons": "skipped", "reasons_to_live": []}
    long = "x" * 500
    assert form.validate_reasons(long, said, tracker, domain)["reasons_to_live"] == ["x" * 200]
    assert form.validate_keep_plan("yes", said, tracker, domain) == {"keep_plan": "yes"}
    assert said.messages == []


def test_names_are_asked_only_after_a_yes_to_a_trusted_person(load_tracker, domain):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateSafetyPlanForm

    slots = ["trusted_contact", "contact_names", "activity_choice", "reasons", "keep_plan"]
    tracker = load_tracker("private_activities")
    for answer, expected in (("yes", slots), ("no", [s for s in slots if s != "contact_names"])):
        tracker.slots["trusted_contact"] = answer
        assert asyncio.run(ValidateSafetyPlanForm().required_slots(
            slots, CollectingDispatcher(), tracker, domain)) == expected


def test_a_group_message_never_fills_a_private_answer(load_tracker, domain):
    from bot.actions.forms import ActionValidateSlotMappings

    tracker = load_tracker("group_answer_in_form")
    tracker.events.append({"event": "slot", "name": "thoughts", "value": "yes", "timestamp": 99.0})
    tracker.slots["thoughts"] = "yes"
    events, messages = run(ActionValidateSlotMappings(), tracker, domain)
    assert (events, messages) == ([slot("thoughts", None)], [])
    private = load_tracker("private_no_plan")
    assert run(ActionValidateSlotMappings(), private, domain) == ([], [])


def test_a_counsellor_who_takes_over_closes_the_form_quietly(load_tracker, domain):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import (
        ASK_ACTIONS,
        ActionCounsellorTookOver,
        ActionValidateSlotMappings,
        ValidateSafetyPlanForm,
    )

    # the answer a message would give is refused: it is for the counsellor
    tracker = load_tracker("private_no_plan")
    tracker.slots["speaker"] = "counsellor"
    tracker.events.append({"event": "slot", "name": "thoughts", "value": "yes", "timestamp": 99.0})
    tracker.slots["thoughts"] = "yes"
    assert run(ActionValidateSlotMappings(), tracker, domain) == ([slot("thoughts", None)], [])
    # no question asked, no free text taken as an answer
    ask = next(a() for a in ASK_ACTIONS
               if a().name() == "action_ask_direct_questions_form_thoughts")
    assert run(ask, tracker, domain) == ([], [])
    typed = _answer(load_tracker, "tekenen")
    typed.slots["speaker"] = "counsellor"
    assert asyncio.run(ValidateSafetyPlanForm().extract_activity_choice(
        CollectingDispatcher(), typed, domain)) == {}
    # the form closes and the protocol counts as done
    assert run(ActionCounsellorTookOver(), tracker, domain) == ([
        {"event": "active_loop", "timestamp": None, "name": None},
        slot("requested_slot", None), slot("flow_step", "stay"),
    ], [])


# -- /mijnlijst ---------------------------------------------------------------------------

def test_my_list_shows_the_kept_list(load_tracker, domain, client):
    from bot.actions.plan import ActionShowPlan

    client.plan = {"activities": ["tekenen"], "reasons": [], "contacts": ["Noor"]}
    events, messages = run(ActionShowPlan(), load_tracker("private_greet"), domain)
    assert events == [slot("plan_state", "shown")]
    assert responses(messages) == ["utter_plan_activities", "utter_plan_contacts",
                                   "utter_my_plan_footer"]
    assert client.calls == [("read_plan", 7001)]


def test_my_list_none_yet_offers_one_in_private_only(load_tracker, domain, client):
    from bot.actions.plan import ActionShowPlan

    tracker = load_tracker("private_greet")
    tracker.slots.update({"chat_type": "private", "speaker": "bot"})
    events, messages = run(ActionShowPlan(), tracker, domain)
    assert (events, responses(messages)) == ([slot("plan_state", "none")],
                                             ["utter_no_plan_make_one"])
    tracker.slots["chat_type"] = "group"
    assert responses(run(ActionShowPlan(), tracker, domain)[1]) == ["utter_no_plan_yet"]


def test_my_list_service_down_and_forget(load_tracker, domain, client):
    from bot.actions.plan import ActionForgetPlan, ActionShowPlan

    events, messages = run(ActionForgetPlan(), load_tracker("private_greet"), domain)
    assert (events, responses(messages)) == ([slot("plan_state", None)], ["utter_plan_forgotten"])
    assert client.calls == [("delete_plan", 7001)]
    client.available = False
    assert run(ActionShowPlan(), load_tracker("private_greet"), domain) == (
        [slot("plan_state", "unavailable")], [{**_message("utter_plan_unavailable")}])
    assert responses(run(ActionForgetPlan(), load_tracker("private_greet"), domain)[1]) == [
        "utter_plan_unavailable"]


def _message(response):
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(response=response)
    return dispatcher.messages[0]


# -- helplines and /stop ---------------------------------------------------------------

def test_helplines_in_private_for_the_teens_country(load_tracker, domain):
    from bot.actions.helpline_offers import ActionHelplines

    events, messages = run(ActionHelplines(), load_tracker("private_no_plan"), domain)
    assert events == [] and responses(messages) == ["utter_helplines"]
    assert "113" in messages[0]["helplines"] and "1813" not in messages[0]["helplines"]


def test_helplines_in_the_group_use_the_group_response(load_tracker, domain):
    from bot.actions.helpline_offers import ActionHelplines

    tracker = load_tracker("group_direct")
    tracker.slots.update({"chat_type": "group", "country": "BE"})
    _, messages = run(ActionHelplines(), tracker, domain)
    assert responses(messages) == ["utter_group_helplines"]
    assert "1813" in messages[0]["helplines"]


def test_helplines_file_broken_gives_the_fixed_numbers(load_tracker, domain, monkeypatch, tmp_path):
    import dataclasses

    import bot.actions as package
    from bot.actions.helpline_offers import ActionHelplines

    broken = tmp_path / "broken.yaml"
    broken.write_text("helplines: [oops", encoding="utf-8")
    monkeypatch.setattr(package, "settings", dataclasses.replace(package.settings,
                                                                 helplines_file=broken))
    _, messages = run(ActionHelplines(), load_tracker("private_no_plan"), domain)
    assert responses(messages) == ["utter_helplines_unavailable"]


def test_stop_ends_politely_and_escalates_a_worry_nobody_was_told(load_tracker, domain, client):
    from rasa_sdk.events import ActiveLoop

    from bot.actions.stop import FORM_SLOTS, ActionStopPrivate

    events, messages = run(ActionStopPrivate(), load_tracker("private_denied"), domain)
    assert responses(messages) == ["utter_stop_private"]
    assert events == [
        ActiveLoop(None), slot("requested_slot", None),
        *(slot(name, None) for name in FORM_SLOTS),
        slot("escalation_id", "esc-new"),
        slot("flow_step", "checkin"),
    ]
    assert client.calls[0][1]["risk_level"] == "indirect"


def test_a_forms_question_is_not_asked_again_after_a_group_message(load_tracker, domain):
    from bot.actions.forms import ASK_ACTIONS

    name = "action_ask_direct_questions_form_thoughts"
    ask = next(a() for a in ASK_ACTIONS if a().name() == name)
    assert run(ask, load_tracker("group_answer_in_form"), domain) == ([], [])
    _, messages = run(ask, load_tracker("private_no_plan"), domain)
    assert responses(messages) == ["utter_ask_direct_questions_form_thoughts"]
    import yaml

    from tests.actions.conftest import DOMAIN_DIR

    names = {a().name() for a in ASK_ACTIONS}
    base = yaml.safe_load((DOMAIN_DIR / "base.yml").read_text("utf-8"))
    assert names == {a for a in base["actions"] if a.startswith("action_ask_")}
    for name in names:  # every one asks a question the domain has
        assert "utter" + name[len("action"):] in domain["responses"]


def _answer(load_tracker, text, intent="neutral", confidence=0.9, risk="none", after=()):
    tracker = load_tracker("private_activities")
    tracker.latest_message = {**tracker.latest_message, "text": text,
                              "intent": {"name": intent, "confidence": confidence},
                              "crisis": {"risk": risk}}
    # What Rasa's form adds to the copy of the tracker it validates on
    # (rasa/core/actions/forms.py, _temporary_tracker): its slot and its own action.
    tracker.events += [
        {"event": "slot", "name": "requested_slot", "value": tracker.slots["requested_slot"]},
        {"event": "action", "name": "safety_plan_form"},
        *after,
    ]
    return tracker


@pytest.mark.parametrize(("text", "intent", "confidence", "taken"), [
    ("activity:cold_water", "stop", 0.42, True),  # a button the classifier misreads
    ("muziek luisteren", "peer_harm", 0.54, True),  # a short answer misread
    ("mijn vrienden", "risk_distress", 0.40, True),
    ("/stop", "stop", 1.0, False),  # commands go to their rules
    ("stop maar", "stop", 0.93, False),
    ("/mijnlijst", "my_list", 1.0, False),
])
def test_free_text_answers_are_read_whatever_the_intent(
    load_tracker, domain, client, text, intent, confidence, taken
):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateSafetyPlanForm

    dispatcher = CollectingDispatcher()
    tracker = _answer(load_tracker, text, intent, confidence)
    got = asyncio.run(ValidateSafetyPlanForm().extract_activity_choice(dispatcher, tracker, domain))
    assert got == ({"activity_choice": text} if taken else {})
    # only the requested question is answered
    assert asyncio.run(ValidateSafetyPlanForm().extract_reasons(dispatcher, tracker, domain)) == {}
    assert dispatcher.messages == [] and client.calls == []


def test_a_yes_no_question_answered_otherwise_is_asked_again_kindly(load_tracker, domain):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateSafetyPlanForm

    form = ValidateSafetyPlanForm()
    for slot in ("trusted_contact", "keep_plan"):
        tracker = _answer(load_tracker, "hmm moeilijke vraag", intent="neutral")
        tracker.slots.update({"requested_slot": slot, slot: None})
        dispatcher = CollectingDispatcher()
        extract = getattr(form, f"extract_{slot}")
        assert asyncio.run(extract(dispatcher, tracker, domain)) == {slot: None}
        assert responses(dispatcher.messages) == ["utter_back_to_question"]
        # an answer the buttons or the classifier gave, or a heavy message: left alone
        tracker.slots[slot] = "yes"
        assert asyncio.run(extract(CollectingDispatcher(), tracker, domain)) == {}
        heavy = _answer(load_tracker, "zwaar", intent="risk_direct", risk="direct")
        heavy.slots.update({"requested_slot": slot, slot: None})
        assert asyncio.run(extract(CollectingDispatcher(), heavy, domain)) == {}


def test_a_heavy_message_is_no_answer_it_is_heard_and_told(load_tracker, domain, client):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateSafetyPlanForm

    form = ValidateSafetyPlanForm()
    for risk, said in (("direct", "utter_heard_you"), ("imminent", "utter_imminent_now")):
        dispatcher = CollectingDispatcher()
        tracker = _answer(load_tracker, "(zwaar bericht)", "neutral", 0.9, risk)
        got = asyncio.run(form.extract_activity_choice(dispatcher, tracker, domain))
        assert got == {"activity_choice": None, "escalation_id": "esc-new"}
        assert responses(dispatcher.messages) == [said]
        assert client.calls[-1][1]["risk_level"] == risk


def test_an_old_message_is_not_taken_again_after_the_bot_spoke(load_tracker, domain, client):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateSafetyPlanForm

    after_reask = _answer(load_tracker, "tekenen", after=[
        {"event": "bot", "timestamp": 31.0, "metadata": {"utter_action": "utter_back_to_question"}},
    ])
    assert asyncio.run(ValidateSafetyPlanForm().extract_activity_choice(
        CollectingDispatcher(), after_reask, domain)) == {}
    fresh = _answer(load_tracker, "tekenen", after=[
        {"event": "action", "name": "action_extract_slots", "timestamp": 31.0},
        {"event": "slot", "name": "chat_type", "value": "private", "timestamp": 31.0},
    ])
    assert asyncio.run(ValidateSafetyPlanForm().extract_activity_choice(
        CollectingDispatcher(), fresh, domain)) == {"activity_choice": "tekenen"}


# -- issue 12: every crisis reaches a human; written answers; no dead ends ---------------

def _private(load_tracker, text, *, intent="neutral", requested=None, group=True, slots=None):
    """The private_no_plan snapshot with a fresh private message ``text`` (the form open at
    ``requested``); ``group=False``: a teen who never wrote in a group."""
    tracker = load_tracker("private_no_plan")
    if not group:
        for event in tracker.events:
            (event.get("metadata") or {}).pop("group_chat_id", None)
    message = {"intent": {"name": intent, "confidence": 0.5}, "entities": [], "text": text,
               "metadata": {"chat_type": "private", "country": "NL", "teen_telegram_id": 7001}}
    tracker.latest_message = message
    tracker.events.append({"event": "user", "text": text, "parse_data": message,
                           "metadata": message["metadata"], "timestamp": 40.0})
    tracker.slots.update({"requested_slot": requested, **(slots or {})})
    if requested:
        for name in ("thoughts", "has_method", "has_time", "has_place"):
            tracker.slots[name] = None
        tracker.slots["thoughts"] = "yes" if requested != "thoughts" else None
        tracker.active_loop = {"name": "direct_questions_form"}
    return tracker


def test_a_teen_who_only_writes_privately_is_escalated_at_imminent(load_tracker, domain, client):
    from bot.actions.handoff import ActionHandoff

    tracker = _private(load_tracker, "ja", group=False, slots={"has_method": "yes"})
    events, messages = run(ActionHandoff(), tracker, domain)
    (kind, body), = client.calls
    assert kind == "create" and body["risk_level"] == "imminent"
    assert body["teen_telegram_id"] == 7001 and "group_chat_id" not in body
    assert slot("escalation_id", "esc-new") in events
    assert responses(messages)[0] == "utter_imminent_now"


@pytest.mark.parametrize(("slot_name", "typed", "value"), [
    ("has_time", "vanavond", "yes"),
    ("has_place", "op mijn kamer", "yes"),
    ("has_method", "met pillen", "yes"),
    ("has_place", "thuis denk ik", "yes"),
    ("has_time", "nee", "no"),
    ("has_method", "nee, nog niet", "no"),
    ("has_place", "nergens", "no"),
    ("has_time", "weet ik niet", "unknown"),
    ("has_method", "geen idee", "unknown"),
    ("has_time", "...", None),          # no answer: the question again, kindly
    ("thoughts", "hoe bedoel je?", None),  # the first question: left to the classifier
    ("thoughts", "nee", "no"),
])
def test_written_answers_to_the_direct_questions(slot_name, typed, value):
    from bot.actions.forms import written_answer

    assert written_answer(slot_name, typed) == value


@pytest.mark.parametrize(("requested", "typed"), [
    ("has_time", "vanavond"), ("has_place", "op mijn kamer"), ("has_method", "met pillen"),
])
def test_a_written_answer_is_a_yes_and_reaches_the_counsellor_in_the_teens_words(
    load_tracker, domain, client, requested, typed
):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateDirectQuestionsForm

    tracker = _private(load_tracker, typed, intent="greet", requested=requested)
    dispatcher = CollectingDispatcher()
    form = ValidateDirectQuestionsForm()
    extracted = asyncio.run(getattr(form, f"extract_{requested}")(dispatcher, tracker, domain))
    field = {"has_method": "has_method", "has_time": "has_time", "has_place": "has_place"}
    assert extracted == {requested: "yes", "answer_texts": {field[requested]: typed}}
    tracker.slots.update(extracted)
    validated = asyncio.run(getattr(form, f"validate_{requested}")(
        "yes", dispatcher, tracker, domain))
    assert validated == {requested: "yes", "escalation_id": "esc-new"}
    (_kind, body), = client.calls  # as it is given, before the form ends
    assert body["risk_level"] == "imminent"
    assert body["answers"][requested] == "yes"
    assert body["answer_texts"] == {requested: typed}


def test_an_answer_after_ja_reaches_the_escalation_even_if_the_teen_stops(
    load_tracker, domain, client
):
    """A teen who answers "ja" and then goes silent: the counsellor has that answer."""
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateDirectQuestionsForm

    tracker = _private(load_tracker, "ja", intent="affirm", requested="thoughts")
    asyncio.run(ValidateDirectQuestionsForm().validate_thoughts(
        "yes", CollectingDispatcher(), tracker, domain))
    (_kind, body), = client.calls
    assert body["answers"] == {"thoughts_of_suicide": "yes"}
    assert body["risk_level"] == "direct" and "notify_after_s" not in body


def test_the_kind_word_is_left_out_for_a_written_answer(load_tracker, domain, client):
    from bot.actions.forms import ActionBackToQuestion

    _, messages = run(ActionBackToQuestion(),
                      _private(load_tracker, "vanavond", requested="has_time"), domain)
    assert messages == []  # the form takes "vanavond" as the answer
    _, messages = run(ActionBackToQuestion(),
                      _private(load_tracker, "vanavond", requested="thoughts"), domain)
    assert responses(messages) == ["utter_back_to_question"]
    _, messages = run(ActionBackToQuestion(),
                      _private(load_tracker, "...", requested="has_time"), domain)
    assert responses(messages) == ["utter_back_to_question"]


def test_an_answer_that_cannot_be_recorded_gives_the_lines_and_is_retried(
    load_tracker, domain, client
):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateDirectQuestionsForm
    from bot.actions.handoff import ActionRetryEscalations
    from bot.actions.message import ActionReadMessage

    client.available = False
    tracker = _private(load_tracker, "ja", intent="affirm", requested="thoughts")
    dispatcher = CollectingDispatcher()
    out = asyncio.run(ValidateDirectQuestionsForm().validate_thoughts(
        "yes", dispatcher, tracker, domain))
    assert responses(dispatcher.messages) == ["utter_thanks_honesty", "utter_lines_now"]
    pending = out["pending_escalations"]
    assert [p["body"]["answers"] for p in pending] == [{"thoughts_of_suicide": "yes"}]
    # the next question schedules the retry reminder (a validation cannot)
    from bot.actions.forms import ASK_ACTIONS

    ask = next(a for a in ASK_ACTIONS if a().name().endswith("has_method"))()
    tracker.slots["pending_escalations"] = pending
    events, _ = run(ask, tracker, domain)
    assert [e["event"] for e in events] == ["reminder"]
    # the service is back: the reminder sends it, with the same key
    client.available = True
    events, messages = run(ActionRetryEscalations(), tracker, domain)
    assert messages == []
    assert events == [slot("escalation_id", "esc-new"), slot("pending_escalations", None)]
    keys = {body["idempotency_key"] for kind, body in client.calls if kind == "create"}
    assert len(keys) == 1  # the retry can never make a second escalation
    # or the teen's next message sends it
    client.calls.clear()
    events, _ = run(ActionReadMessage(), tracker, domain)
    assert slot("pending_escalations", None) in events
    assert [kind for kind, _ in client.calls] == ["who_speaks", "create"]


def test_still_down_the_retry_keeps_it_and_backs_off(load_tracker, domain, client):
    from bot.actions.handoff import ActionRetryEscalations

    client.available = False
    tracker = _private(load_tracker, "ja")
    body = {"idempotency_key": "rasa:abc", "teen_telegram_id": 7001, "risk_level": "direct"}
    tracker.slots["pending_escalations"] = [{"body": body, "attempts": 3}]
    events, _ = run(ActionRetryEscalations(), tracker, domain)
    assert events[0] == slot("pending_escalations", [{"body": body, "attempts": 4}])
    # one reminder per teen (Rasa keys its jobs by the name alone)
    assert events[1]["event"] == "reminder"
    assert events[1]["name"] == f"retry_escalation:{tracker.sender_id}"


def test_a_teens_next_message_retries_but_never_schedules(load_tracker, domain, client):
    """action_read_message is a slot mapping: Rasa refuses anything but slots from it."""
    from bot.actions.message import ActionReadMessage

    client.available = False
    tracker = _private(load_tracker, "hallo?")
    body = {"idempotency_key": "rasa:abc", "teen_telegram_id": 7001, "risk_level": "direct"}
    tracker.slots["pending_escalations"] = [{"body": body, "attempts": 1}]
    events, _ = run(ActionReadMessage(), tracker, domain)
    assert {e["event"] for e in events} == {"slot"}
    assert slot("pending_escalations", [{"body": body, "attempts": 2}]) in events


def test_the_retry_reminder_is_never_an_answer(load_tracker, domain, client):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateDirectQuestionsForm

    tracker = _private(load_tracker, "EXTERNAL: EXTERNAL_retry_escalation",
                       intent="EXTERNAL_retry_escalation", requested="has_method")
    extracted = asyncio.run(ValidateDirectQuestionsForm().extract_has_method(
        CollectingDispatcher(), tracker, domain))
    assert extracted == {}


def test_every_message_has_its_own_key_and_a_retry_the_same(load_tracker):
    """A new disclosure after a closed escalation must not reuse the closed one's key."""
    from bot.actions.conversation import idempotency_key

    first = _private(load_tracker, "ik wil dood")
    again = _private(load_tracker, "ik wil dood")
    assert idempotency_key(first, "direct", "escalate") == idempotency_key(
        again, "direct", "escalate")
    later = _private(load_tracker, "ik wil nog altijd dood")
    later.events[-1]["timestamp"] = 99.0
    assert idempotency_key(later, "direct", "escalate") != idempotency_key(
        first, "direct", "escalate")
    later.events[-1]["metadata"]["update_id"] = 555
    assert idempotency_key(later, "direct", "escalate").startswith("rasa:")


def test_the_next_shift_as_a_teen_reads_it():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.actions.handoff import shift_text

    brussels = ZoneInfo("Europe/Brussels")
    three_am = datetime(2026, 12, 2, 3, 0, tzinfo=brussels)  # a Wednesday
    assert shift_text("2026-12-02T16:00:00+01:00", three_am) == "vandaag om 16:00"
    assert shift_text("2026-12-03T16:00:00+01:00", three_am) == "morgen om 16:00"
    assert shift_text("2026-12-07T16:00:00+01:00", three_am) == "maandag om 16:00"
    assert shift_text(None, three_am) is None and shift_text("nonsense", three_am) is None


def test_no_counsellor_during_the_hours_never_invents_one(load_tracker, domain, client):
    from bot.actions.handoff import ActionHandoff

    client.counsellor_available = False  # in the service hours, nobody free
    _, messages = run(ActionHandoff(), load_tracker("private_no_plan"), domain)
    assert responses(messages) == ["utter_no_counsellor_yet"]
    assert "113" in messages[0]["helplines"]


def test_after_a_counsellor_hands_back_the_questions_do_not_start_again(
    load_tracker, domain, client
):
    from bot.actions.message import ActionReadMessage

    tracker = _private(load_tracker, "hallo?")
    tracker.slots.update({"speaker": "counsellor", "flow_step": None})
    events, _ = run(ActionReadMessage(), tracker, domain)
    assert slot("speaker", "bot") in events and slot("flow_step", "stay") in events
    # the counsellor closed it as handed back before the teen wrote again
    tracker.slots.update({"speaker": "bot"})
    client.last_outcome = "handed_back"
    events, _ = run(ActionReadMessage(), tracker, domain)
    assert slot("flow_step", "stay") in events
    # a teen nobody has talked with yet starts normally
    client.last_outcome = None
    events, _ = run(ActionReadMessage(), tracker, domain)
    assert slot("flow_step", "stay") not in events


def test_after_a_tap_only_a_short_question_not_the_whole_keyboard(load_tracker, domain, client):
    from bot.actions.forms import ASK_ACTIONS

    ask = next(a for a in ASK_ACTIONS if a().name().endswith("activity_choice"))()
    tracker = load_tracker("private_activities")
    tracker.slots["activities"] = []
    _, first = run(ask, tracker, domain)
    tracker.slots["activities"] = ["cold_water"]
    _, again = run(ask, tracker, domain)
    assert responses(first) == ["utter_ask_safety_plan_form_activity_choice"]
    assert responses(again) == ["utter_ask_activity_more"]
    buttons = domain["responses"]["utter_ask_activity_more"][0]["buttons"]
    assert [b["payload"] for b in buttons] == ["activity:done"]


@pytest.mark.parametrize(("typed", "value"), [
    ("nee, ik heb geen plan", "no"), ("ik denk het niet", "no"), ("nope", "no"),
    ("nee, maar wel een touw", "yes"), ("nee wel morgen", "yes"), ("misschien", "unknown"),
])
def test_only_a_clear_no_is_a_no(typed, value):
    from bot.actions.forms import written_answer

    assert written_answer("has_method", typed) == value


def test_the_retry_reminder_does_not_ask_the_question_again(load_tracker, domain, client):
    from bot.actions.forms import ASK_ACTIONS

    ask = next(a for a in ASK_ACTIONS if a().name().endswith("has_method"))()
    tracker = _private(load_tracker, "/EXTERNAL_retry_escalation",
                       intent="EXTERNAL_retry_escalation", requested="has_method")
    events, messages = run(ask, tracker, domain)
    assert (events, messages) == ([], [])


def test_answer_texts_are_sent_as_the_service_takes_them(load_tracker, domain, client):
    from bot.actions.handoff import escalation_body

    tracker = _private(load_tracker, "x", slots={"answer_texts": {
        "has_time": "  vanavond\n  laat ", "has_place": "   ", "has_method": "x" * 900,
        "not_a_question": "y"}})
    body = escalation_body(tracker, "imminent", "handoff")
    assert body["answer_texts"] == {"has_time": "vanavond laat", "has_method": "x" * 300}


@pytest.mark.parametrize("form_name", ["direct_questions_form", "safety_plan_form"])
def test_a_form_rejects_a_message_for_the_counsellor(load_tracker, domain, client, form_name):
    """"ja" while a counsellor holds: not an answer to the bot's form, which closes by
    its rule instead of waiting behind the counsellor."""
    from rasa_sdk.events import ActionExecutionRejected

    from bot.actions.forms import ValidateDirectQuestionsForm, ValidateSafetyPlanForm

    form = (ValidateDirectQuestionsForm if form_name == "direct_questions_form"
            else ValidateSafetyPlanForm)()
    tracker = _private(load_tracker, "ja", intent="affirm", requested="thoughts",
                       slots={"speaker": "counsellor"})
    events, messages = run(form, tracker, domain)
    assert (events, messages) == ([ActionExecutionRejected(form_name)], [])
    assert client.calls == []
    # a plan posted in the group while a private question waits: the group's rules run
    group = _private(load_tracker, "(een plan)", intent="risk_imminent", requested="has_method")
    group.latest_message["metadata"]["chat_type"] = "group"
    events, messages = run(form, group, domain)
    assert (events, messages) == ([ActionExecutionRejected(form_name)], [])
    # back after the group's reply (the rule's own actions ran): not rejected again, or
    # the form would stay interrupted and miss the teen's next private answer
    group.events.append({"event": "action", "name": "action_group_reply"})
    events, _ = run(form, group, domain)
    assert ActionExecutionRejected(form_name) not in events


def test_the_action_server_registers_every_action():
    """What `python -m rasa_sdk --actions bot.actions` does first (a class it cannot name
    stops the whole server)."""
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("bot.actions")
    names = set(executor.actions)
    assert {"action_back_to_question", "action_retry_escalations",
            "validate_direct_questions_form", "validate_safety_plan_form"} <= names


def test_what_the_teen_writes_after_an_escalation_is_kept_for_the_counsellor(
    load_tracker, domain, client
):
    from bot.actions.message import ActionReadMessage

    tracker = _private(load_tracker, "bij het spoor", slots={"escalation_id": "esc-9"})
    run(ActionReadMessage(), tracker, domain)
    assert ("add_message", ("esc-9", "teen", "bij het spoor")) in client.calls
    # commands are not the teen's words; no escalation, nothing kept
    client.calls.clear()
    run(ActionReadMessage(), _private(load_tracker, "/ask_help",
                                      slots={"escalation_id": "esc-9"}), domain)
    run(ActionReadMessage(), _private(load_tracker, "bij het spoor"), domain)
    assert [kind for kind, _ in client.calls] == ["who_speaks", "who_speaks"]


@pytest.mark.parametrize(("typed", "intent", "expected"), [
    ("mn zus denk ik", "nlu_fallback",
     {"trusted_contact": "yes", "contact_names": "mn zus denk ik"}),
    ("Sanne", "deny", {"trusted_contact": "yes", "contact_names": "Sanne"}),
    ("ja, mijn mentor", "affirm", {"trusted_contact": "yes", "contact_names": "mijn mentor"}),
    ("ja", "affirm", {"trusted_contact": "yes"}),
    ("nee niemand", "deny", {"trusted_contact": "no"}),
    ("weet ik niet", "unsure", {"trusted_contact": "unknown"}),
])
def test_a_trusted_person_in_the_teens_own_words(load_tracker, domain, client, typed, intent,
                                                 expected):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateSafetyPlanForm

    tracker = _private(load_tracker, typed, intent=intent)
    tracker.slots.update({"requested_slot": "trusted_contact", "trusted_contact": None})
    tracker.active_loop = {"name": "safety_plan_form"}
    extracted = asyncio.run(ValidateSafetyPlanForm().extract_trusted_contact(
        CollectingDispatcher(), tracker, domain))
    assert extracted == expected
