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
        slot("peer_harm", False),
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
        slot("peer_harm", False),
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
    assert logs == [{"event": "who_speaks_unavailable", "reason": "timeout", "fallback": "bot",
                     "log_level": "warning"}]


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
    events, messages = run(ActionHandoff(), load_tracker("private_no_plan"), domain)
    assert responses(messages) == ["utter_no_counsellor_now"]
    assert "113" in messages[0]["helplines"]  # NL: 113 Zelfmoordpreventie
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
    assert responses(messages) == ["utter_imminent_now", "utter_helplines", "utter_stay_with_you"]
    assert "112" in messages[1]["helplines"]
    assert events == [slot("conversation_risk", "imminent"), slot("flow_step", "stay")]
    assert {"event": "escalation_unavailable", "reason": "timeout", "risk": "imminent",
            "log_level": "error"} in logs


def test_while_a_counsellor_holds_the_bot_is_quiet_but_escalates(load_tracker, domain, client):
    from bot.actions.handoff import ActionHandoff

    events, messages = run(ActionHandoff(), load_tracker("private_counsellor_holds"), domain)
    assert messages == []
    assert events[-1] == slot("flow_step", "stay")
    assert client.calls[0][1]["risk_level"] == "imminent"  # "ik weet het niet" to a method


def test_escalate_from_the_group_is_silent(load_tracker, domain, client):
    from bot.actions.handoff import ActionEscalate

    tracker = load_tracker("group_direct")
    tracker.slots.update({"conversation_risk": "direct", "message_risk": "direct"})
    events, messages = run(ActionEscalate(), tracker, domain)
    assert (events, messages) == ([slot("escalation_id", "esc-new")], [])
    assert client.calls[0][1]["risk_level"] == "direct"


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


def test_thanks_for_honesty_whatever_the_answer(load_tracker, domain):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateDirectQuestionsForm

    for answer in ("yes", "no", "unknown"):
        dispatcher = CollectingDispatcher()
        result = ValidateDirectQuestionsForm().validate_thoughts(
            answer, dispatcher, load_tracker("private_no_plan"), domain
        )
        assert result == {"thoughts": answer}
        assert responses(dispatcher.messages) == ["utter_thanks_honesty"]


def test_an_answer_typed_in_the_group_is_not_taken(load_tracker, domain):
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.forms import ValidateDirectQuestionsForm

    dispatcher = CollectingDispatcher()
    result = ValidateDirectQuestionsForm().validate_thoughts(
        "yes", dispatcher, load_tracker("group_answer_in_form"), domain
    )
    assert result == {"thoughts": None} and dispatcher.messages == []


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


def test_the_list_is_shown_with_the_button_labels(load_tracker, domain):
    from bot.actions.forms import ActionSavePlan

    events, messages = run(ActionSavePlan(), load_tracker("private_activities"), domain)
    assert events == [slot("flow_step", "safety_plan")]
    assert responses(messages) == ["utter_plan_done"]
    assert messages[0]["activity_list"] == "• Ijskoud water drinken\n• tekenen"


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
