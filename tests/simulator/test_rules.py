"""The rules that shape the design: 403 before /start, deep links, admin rights, privacy, 429."""

import pytest

from tests.simulator.client import Telegram

CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"


def test_the_bot_cannot_write_first_to_a_user_who_never_started_it(tg: Telegram):
    wout = tg.user_id("wout")
    assert tg.error("sendMessage", chat_id=wout, text="hoi") == (403, CANT_INITIATE, {})
    assert tg.http.get("/api/chats/wout/messages").json()["messages"] == []
    tg.start("wout")
    assert tg.ok("sendMessage", chat_id=wout, text="hoi")["chat"]["id"] == wout


def test_a_deep_link_opens_the_private_chat_and_delivers_start_with_the_payload(tg: Telegram):
    jana = tg.user_id("jana")
    followed = tg.http.post("/api/links/follow", json={
        "as": "jana", "url": "https://t.me/hulplijn_sim_bot?start=grp_vl-42"}).json()
    assert followed["chat_id"] == jana and followed["message"]["text"] == "/start grp_vl-42"
    message = tg.updates()[0]["message"]
    assert message["chat"]["type"] == "private" and message["chat"]["id"] == jana
    assert message["text"] == "/start grp_vl-42"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert tg.ok("sendMessage", chat_id=jana, text="Fijn dat je er bent.")  # now allowed


def test_deep_link_variants(tg: Telegram):
    def follow(url: str) -> dict:
        return tg.http.post("/api/links/follow", json={"as": "arne", "url": url})

    # A payload Telegram would refuse is dropped by the app: a bare /start.
    assert follow("https://t.me/hulplijn_sim_bot?start=no spaces!").json()["message"][
        "text"] == "/start"
    # Once started, a link without payload only opens the chat.
    assert follow("t.me/hulplijn_sim_bot").json()["message"] is None
    assert follow("tg://resolve?domain=hulplijn_sim_bot&start=abc").json()["message"][
        "text"] == "/start abc"
    assert follow("https://t.me/some_other_bot?start=abc").status_code == 400
    assert [u["message"]["text"] for u in tg.updates()] == ["/start", "/start abc"]


def test_a_url_button_with_a_deep_link_is_followed_when_pressed(tg: Telegram):
    group = tg.chat_id("vlaanderen")
    sent = tg.ok("sendMessage", chat_id=group, text="Wil je even praten?", reply_markup={
        "inline_keyboard": [[{"text": "Praat met mij",
                              "url": "https://t.me/hulplijn_sim_bot?start=help_1"}]]})
    pressed = tg.http.post(f"/api/chats/vlaanderen/messages/{sent['message_id']}/press",
                           json={"as": "lotte", "text": "Praat met mij"}).json()
    assert pressed["opened_chat_id"] == tg.user_id("lotte")
    assert tg.updates()[0]["message"]["text"] == "/start help_1"


def test_a_user_who_blocks_the_bot_gives_403_and_a_my_chat_member_update(tg: Telegram):
    tg.start("daan")
    daan = tg.user_id("daan")
    tg.http.post("/api/users/daan/block", json={"blocked": True})
    change = tg.updates()[0]["my_chat_member"]
    assert change["old_chat_member"]["status"] == "member"
    assert change["new_chat_member"]["status"] == "kicked"
    assert tg.error("sendMessage", chat_id=daan, text="hoi")[:2] == (
        403, "Forbidden: bot was blocked by the user")
    tg.say("daan", "daan", "sorry, toch wel")  # writing again restarts the bot
    kinds = [next(k for k in u if k != "update_id") for u in tg.updates()]
    assert kinds == ["my_chat_member", "message"]
    assert tg.ok("sendMessage", chat_id=daan, text="welkom terug")


def test_an_admin_bot_deletes_any_message_and_moderators_still_see_it_hidden(tg: Telegram):
    group = tg.chat_id("vlaanderen")
    said = tg.say("wout", "vlaanderen", "iets wat niet mag")
    assert tg.ok("deleteMessage", chat_id=group, message_id=said["id"]) is True
    assert all(m["id"] != said["id"] for m in tg.messages("vlaanderen", "lotte"))
    seen = next(m for m in tg.messages("vlaanderen", "els") if m["id"] == said["id"])
    assert seen["deleted"] is True and seen["text"] == "iets wat niet mag"
    assert tg.error("deleteMessage", chat_id=group, message_id=said["id"])[1] == (
        "Bad Request: message to delete not found")


def test_a_bot_that_is_not_admin_cannot_delete_others_messages(tg: Telegram):
    group = tg.chat_id("vlaanderen")
    tg.http.post("/api/chats/vlaanderen/members",
                 json={"user": "bot", "action": "demote", "by": "karin"})
    change = tg.updates()[0]["my_chat_member"]
    assert change["new_chat_member"]["status"] == "member"
    assert change["from"]["first_name"] == "Karin"
    said = tg.say("wout", "vlaanderen", "/regels")
    assert tg.error("deleteMessage", chat_id=group, message_id=said["id"])[1] == (
        "Bad Request: message can't be deleted")
    own = tg.ok("sendMessage", chat_id=group, text="x")
    assert tg.ok("deleteMessage", chat_id=group, message_id=own["message_id"]) is True
    assert tg.error("pinChatMessage", chat_id=group, message_id=said["id"])[1] == (
        "Bad Request: not enough rights to manage pinned messages in the chat")


def test_privacy_mode_a_member_bot_sees_only_commands_mentions_and_replies(tg: Telegram):
    group = tg.chat_id("nederland")
    tg.http.post("/api/chats/nederland/members", json={"user": "bot", "action": "demote"})
    tg.updates()
    own = tg.ok("sendMessage", chat_id=group, text="Hoi allemaal")
    tg.say("noor", "nederland", "gewoon een bericht")
    tg.say("noor", "nederland", "/hulp")
    tg.say("noor", "nederland", "hey @hulplijn_sim_bot")
    tg.say("noor", "nederland", "antwoord aan de bot", reply_to=own["message_id"])
    texts = [u["message"]["text"] for u in tg.updates()]
    assert texts == ["/hulp", "hey @hulplijn_sim_bot", "antwoord aan de bot"]


def test_members_joining_and_the_bot_leaving(tg: Telegram):
    group = tg.chat_id("vlaanderen")
    tg.ok("getUpdates", allowed_updates=["message", "chat_member", "my_chat_member"])
    tg.http.post("/api/chats/vlaanderen/members", json={"user": "sanne", "action": "join"})
    updates = tg.updates()
    member = next(u["chat_member"] for u in updates if "chat_member" in u)
    assert (member["old_chat_member"]["status"], member["new_chat_member"]["status"]) == (
        "left", "member")
    joined = next(u["message"] for u in updates if "message" in u)
    assert joined["new_chat_members"][0]["first_name"] == "Sanne"
    assert tg.ok("leaveChat", chat_id=group) is True
    left = tg.updates()[0]["my_chat_member"]
    assert left["new_chat_member"]["status"] == "left"
    assert tg.error("sendMessage", chat_id=group, text="x")[:2] == (
        403, "Forbidden: bot is not a member of the supergroup chat")
    tg.say("sanne", "vlaanderen", "hallo?")
    assert tg.updates() == []


def test_chat_member_updates_need_to_be_asked_for(tg: Telegram):
    tg.http.post("/api/chats/vlaanderen/members", json={"user": "noor", "action": "join"})
    kinds = [next(k for k in u if k != "update_id") for u in tg.updates()]
    assert kinds == ["message"]  # the service message only; chat_member is opt-in


def test_group_send_rate_answers_429_with_retry_after(tg: Telegram):
    group = tg.chat_id("vlaanderen")
    for number in range(20):
        tg.ok("sendMessage", chat_id=group, text=f"bericht {number}")
    code, description, parameters = tg.error("sendMessage", chat_id=group, text="één te veel")
    assert code == 429
    assert parameters["retry_after"] >= 1
    assert description == f"Too Many Requests: retry after {parameters['retry_after']}"
    # Another chat is not held back by the busy group.
    assert tg.ok("sendMessage", chat_id=tg.chat_id("staff"), text="dienst")


def test_private_chats_take_a_short_burst_then_429(tg: Telegram):
    tg.start("lotte")
    lotte = tg.user_id("lotte")
    for _ in range(3):
        tg.ok("sendMessage", chat_id=lotte, text="x")
    assert tg.error("sendMessage", chat_id=lotte, text="x")[0] == 429


@pytest.mark.parametrize(("status", "description"), [
    (500, "Internal Server Error"), (502, "Bad Gateway")])
def test_injected_server_errors(tg: Telegram, status: int, description: str):
    group = tg.chat_id("vlaanderen")
    tg.http.post("/api/faults", json={"status": status, "count": 2, "methods": ["sendMessage"]})
    assert tg.ok("getMe")  # other methods are untouched
    for _ in range(2):
        assert tg.error("sendMessage", chat_id=group, text="x")[:2] == (status, description)
    assert tg.ok("sendMessage", chat_id=group, text="x")


def test_injected_429_carries_the_chosen_retry_after(tg: Telegram):
    group = tg.chat_id("vlaanderen")
    tg.http.post("/api/faults", json={"status": 429, "retry_after": 7})
    assert tg.error("sendMessage", chat_id=group, text="x") == (
        429, "Too Many Requests: retry after 7", {"retry_after": 7})
    tg.http.post("/api/faults", json={"status": 429, "count": 5})
    tg.http.delete("/api/faults")
    assert tg.ok("sendMessage", chat_id=group, text="x")
