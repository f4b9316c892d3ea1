"""Forum topics in the staff supergroup: create, post, close, and Telegram's topic quirks."""

from tests.simulator.client import Telegram


def test_the_seeded_staff_group_has_a_topic(tg: Telegram):
    staff = next(c for c in tg.world()["chats"] if c["key"] == "staff")
    assert staff["is_forum"] is True
    assert [t["name"] for t in staff["topics"]] == ["Dienstoverdracht"]


def test_create_a_topic_post_in_it_and_receive_counsellor_replies(tg: Telegram):
    staff = tg.chat_id("staff")
    topic = tg.ok("createForumTopic", chat_id=staff, name="Tiener 7f3a", icon_color=0xFB6F5F)
    thread = topic["message_thread_id"]
    assert topic == {"message_thread_id": thread, "name": "Tiener 7f3a", "icon_color": 0xFB6F5F}
    created = tg.updates()
    assert created == []  # the bot's own service message is no update for the bot
    sent = tg.ok("sendMessage", chat_id=staff, message_thread_id=thread,
                 text="Nieuwe escalatie", reply_markup={"inline_keyboard": [
                     [{"text": "Ik neem het op", "callback_data": "claim:7f3a"}]]})
    assert sent["message_thread_id"] == thread and sent["is_topic_message"] is True
    # Telegram's quirk: a topic message replies to the topic's first (service) message.
    assert sent["reply_to_message"]["message_id"] == thread
    assert sent["reply_to_message"]["forum_topic_created"]["name"] == "Tiener 7f3a"
    tg.say("els", "staff", "Ik neem het over", thread_id=thread)
    message = tg.updates()[0]["message"]
    assert message["message_thread_id"] == thread and message["is_topic_message"] is True
    assert message["from"]["first_name"] == "Els"
    in_topic = tg.messages("staff", "els", thread=thread)
    assert [m["text"] for m in in_topic][-2:] == ["Nieuwe escalatie", "Ik neem het over"]


def test_topic_errors_and_closing(tg: Telegram):
    staff, group = tg.chat_id("staff"), tg.chat_id("vlaanderen")
    assert tg.error("createForumTopic", chat_id=group, name="x")[1] == (
        "Bad Request: the chat is not a forum")
    assert tg.error("sendMessage", chat_id=staff, message_thread_id=999, text="x")[1] == (
        "Bad Request: message thread not found")
    thread = tg.ok("createForumTopic", chat_id=staff, name="Tiener 1")["message_thread_id"]
    assert tg.ok("closeForumTopic", chat_id=staff, message_thread_id=thread) is True
    assert tg.error("closeForumTopic", chat_id=staff, message_thread_id=thread)[1] == (
        "Bad Request: TOPIC_NOT_MODIFIED")
    topics = next(c for c in tg.world()["chats"] if c["key"] == "staff")["topics"]
    assert next(t for t in topics if t["thread_id"] == thread)["closed"] is True
    # A counsellor who is not an admin cannot write in a closed topic.
    tg.http.post("/api/chats/staff/members", json={"user": "pieter", "action": "demote",
                                                    "by": "karin"})
    refused = tg.http.post("/api/chats/staff/messages",
                           json={"as": "pieter", "text": "x", "thread_id": thread})
    assert refused.status_code == 403
    assert tg.ok("reopenForumTopic", chat_id=staff, message_thread_id=thread) is True
    assert tg.say("pieter", "staff", "weer open", thread_id=thread)["thread_id"] == thread
    assert tg.ok("editForumTopic", chat_id=staff, message_thread_id=thread,
                 name="Tiener 1 (Pieter)") is True
