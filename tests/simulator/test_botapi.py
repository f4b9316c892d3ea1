"""The Bot API's methods answer with Telegram's shapes, over JSON, form and query bodies."""

import asyncio

import httpx

from tests.simulator.client import Telegram


async def wait_until_polling(client: httpx.AsyncClient, deadline_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    while not (await client.get("/api/bot")).json()["polling"]:
        assert loop.time() < deadline, "the getUpdates call never started waiting"
        await asyncio.sleep(0.01)


def test_get_me_describes_the_bot_and_a_wrong_token_is_unauthorized(tg: Telegram):
    me = tg.ok("getMe")
    assert me["is_bot"] is True and me["username"] == "hulplijn_sim_bot"
    assert me["id"] == int(tg.token.split(":")[0])
    assert me["can_read_all_group_messages"] is False  # privacy mode, as by default
    response = tg.http.post("/bot123:wrong/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_unknown_methods_are_not_found_and_names_ignore_case(tg: Telegram):
    assert tg.error("sendTelepathy") == (404, "Not Found", {})
    response = tg.http.get(f"/bot{tg.token}/GETME")
    assert response.json()["result"]["username"] == "hulplijn_sim_bot"


def test_form_and_query_bodies_are_coerced_like_telegram_does(tg: Telegram):
    tg.start("lotte")
    lotte = tg.user_id("lotte")
    keyboard = '{"inline_keyboard": [[{"text": "Ja", "callback_data": "yes"}]]}'
    form = tg.http.post(f"/bot{tg.token}/sendMessage",
                        data={"chat_id": str(lotte), "text": "<b>Hoi</b>", "parse_mode": "HTML",
                              "reply_markup": keyboard})
    result = form.json()["result"]
    assert result["text"] == "Hoi"
    assert result["entities"] == [{"type": "bold", "offset": 0, "length": 3}]
    assert result["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"
    query = tg.http.get(f"/bot{tg.token}/sendMessage", params={"chat_id": lotte, "text": "x"})
    assert query.json()["result"]["chat"] == {"id": lotte, "type": "private",
                                               "first_name": "Lotte", "username": "lotte_vdb"}


def test_a_group_message_arrives_as_an_update_with_entities_and_is_confirmed_by_offset(
    tg: Telegram,
):
    group = tg.chat_id("vlaanderen")
    tg.say("wout", "vlaanderen", "/help@hulplijn_sim_bot hoi")
    updates = tg.ok("getUpdates")
    assert len(updates) == 1
    message = updates[0]["message"]
    assert message["chat"] == {"id": group, "type": "supergroup",
                               "title": "Praatgroep Vlaanderen"}
    assert message["from"]["first_name"] == "Wout" and message["from"]["is_bot"] is False
    assert message["text"] == "/help@hulplijn_sim_bot hoi"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 22}]
    # Not confirmed yet: asked again, it comes again; with the next offset it is gone.
    assert tg.ok("getUpdates")[0]["update_id"] == updates[0]["update_id"]
    assert tg.ok("getUpdates", offset=updates[0]["update_id"] + 1) == []


def test_allowed_updates_filters_and_persists_between_calls(tg: Telegram):
    tg.ok("getUpdates", allowed_updates=["callback_query"])
    tg.say("wout", "vlaanderen", "dit komt niet aan")
    assert tg.ok("getUpdates") == []  # the filter from the previous call still holds
    tg.ok("getUpdates", allowed_updates=[])  # empty list: back to the default set
    tg.say("wout", "vlaanderen", "dit wel")
    assert [u["message"]["text"] for u in tg.updates()] == ["dit wel"]


async def test_long_polling_returns_as_soon_as_an_update_arrives(tg: Telegram):
    async with httpx.AsyncClient(base_url=tg.running.url, timeout=30) as client:
        poll = asyncio.create_task(
            client.post(f"/bot{tg.token}/getUpdates", json={"timeout": 20})
        )
        # Wait until the poll is registered, then write: the poll must carry the message.
        await wait_until_polling(client)
        await client.post("/api/chats/nederland/messages", json={"as": "daan", "text": "hoi"})
        response = await asyncio.wait_for(poll, 25)
    assert [u["message"]["text"] for u in response.json()["result"]] == ["hoi"]


async def test_a_second_poller_terminates_the_first_with_409(tg: Telegram):
    async with httpx.AsyncClient(base_url=tg.running.url, timeout=30) as client:
        first = asyncio.create_task(
            client.post(f"/bot{tg.token}/getUpdates", json={"timeout": 20})
        )
        await wait_until_polling(client)
        second = await client.post(f"/bot{tg.token}/getUpdates", json={"timeout": 0})
        answer = await asyncio.wait_for(first, 25)
    assert second.json()["ok"] is True
    assert answer.status_code == 409
    assert answer.json()["description"].startswith("Conflict: terminated by other getUpdates")


def test_send_message_with_keyboards_reply_and_parse_modes(tg: Telegram):
    group = tg.chat_id("vlaanderen")
    asked = tg.say("jana", "vlaanderen", "is hier iemand?")
    markup = {"inline_keyboard": [
        [{"text": "Praat privé", "url": "https://t.me/hulplijn_sim_bot?start=g1"}],
        [{"text": "Oké", "callback_data": "ok"}],
    ]}
    sent = tg.ok("sendMessage", chat_id=group, text="Hallo *Jana*\\!", parse_mode="MarkdownV2",
                 reply_markup=markup, reply_parameters={"message_id": asked["id"]})
    assert sent["text"] == "Hallo Jana!"
    assert sent["entities"] == [{"type": "bold", "offset": 6, "length": 4}]
    assert sent["reply_markup"] == markup
    assert sent["reply_to_message"]["message_id"] == asked["id"]
    assert sent["reply_to_message"]["text"] == "is hier iemand?"
    assert sent["from"]["is_bot"] is True
    # The people see the message with its buttons.
    seen = tg.messages("vlaanderen", "jana")[-1]
    assert seen["buttons"] == markup["inline_keyboard"] and seen["reply_to"] == asked["id"]


def test_send_message_refuses_what_telegram_refuses(tg: Telegram):
    group = tg.chat_id("vlaanderen")
    assert tg.error("sendMessage", chat_id=group, text="  ")[:2] == (
        400, "Bad Request: message text is empty")
    assert tg.error("sendMessage", chat_id=group, text="x" * 4097)[1] == (
        "Bad Request: message is too long")
    assert tg.error("sendMessage", chat_id=group, text="1.5", parse_mode="MarkdownV2")[1] == (
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
        "with the preceding '\\'")
    assert tg.error("sendMessage", chat_id=group, text="<div>x</div>", parse_mode="HTML")[1] \
        .startswith('Bad Request: can\'t parse entities: Unsupported start tag "div"')
    too_long = {"inline_keyboard": [[{"text": "x", "callback_data": "d" * 65}]]}
    assert tg.error("sendMessage", chat_id=group, text="x", reply_markup=too_long)[1] == (
        "Bad Request: BUTTON_DATA_INVALID")
    plain = {"inline_keyboard": [[{"text": "x"}]]}
    assert "Text buttons are unallowed" in tg.error(
        "sendMessage", chat_id=group, text="x", reply_markup=plain)[1]
    assert tg.error("sendMessage", chat_id=-100999, text="x")[:2] == (
        400, "Bad Request: chat not found")
    assert tg.error("sendMessage", chat_id=group, text="x",
                    reply_parameters={"message_id": 9999})[1] == (
        "Bad Request: message to be replied not found")
    ok = tg.ok("sendMessage", chat_id=group, text="x",
               reply_parameters={"message_id": 9999, "allow_sending_without_reply": True})
    assert "reply_to_message" not in ok


def test_a_reply_keyboard_is_shown_to_the_user_until_removed(tg: Telegram):
    tg.start("noor")
    noor = tg.user_id("noor")
    tg.ok("sendMessage", chat_id=noor, text="Gaat het?",
          reply_markup={"keyboard": [["Ja", "Nee"]], "one_time_keyboard": True})
    view = tg.http.get("/api/chats/noor/messages", params={"as": "noor"}).json()
    assert [b["text"] for b in view["keyboard"]["keyboard"][0]] == ["Ja", "Nee"]
    tg.say("noor", "noor", "Ja")
    view = tg.http.get("/api/chats/noor/messages", params={"as": "noor"}).json()
    assert view["keyboard"] is None  # one-time keyboards fold away after an answer


def test_callback_query_is_delivered_answered_once_and_the_message_edited(tg: Telegram):
    tg.start("lotte")
    lotte = tg.user_id("lotte")
    sent = tg.ok("sendMessage", chat_id=lotte, text="Wil je praten?",
                 reply_markup={"inline_keyboard": [[{"text": "Ja", "callback_data": "talk:yes"},
                                                    {"text": "Nee", "callback_data": "talk:no"}]]})
    pressed = tg.http.post(f"/api/chats/lotte/messages/{sent['message_id']}/press",
                           json={"as": "lotte", "text": "Ja"}).json()
    query = tg.updates()[0]["callback_query"]
    assert query["id"] == pressed["callback_query_id"]
    assert query["data"] == "talk:yes" and query["from"]["id"] == lotte
    assert query["message"]["message_id"] == sent["message_id"] and query["chat_instance"]
    assert tg.ok("answerCallbackQuery", callback_query_id=query["id"], text="Top") is True
    assert tg.error("answerCallbackQuery", callback_query_id=query["id"])[1] == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid")
    answer = tg.http.get(f"/api/callbacks/{query['id']}").json()
    assert answer["answered"] is True and answer["answer"]["text"] == "Top"
    edited = tg.ok("editMessageText", chat_id=lotte, message_id=sent["message_id"],
                   text="Fijn, ik zoek iemand voor je.")
    assert edited["text"] == "Fijn, ik zoek iemand voor je." and "edit_date" in edited
    assert "reply_markup" not in edited  # without reply_markup the keyboard goes
    assert tg.error("editMessageText", chat_id=lotte, message_id=sent["message_id"],
                    text="Fijn, ik zoek iemand voor je.")[1].startswith(
        "Bad Request: message is not modified")
    markup = {"inline_keyboard": [[{"text": "Stop", "callback_data": "stop"}]]}
    assert tg.ok("editMessageReplyMarkup", chat_id=lotte, message_id=sent["message_id"],
                 reply_markup=markup)["reply_markup"] == markup
    assert tg.updates() == []  # a bot's own edits are not updates


def test_the_bot_cannot_edit_a_users_message_but_users_edits_reach_the_bot(tg: Telegram):
    said = tg.say("arne", "vlaanderen", "hallo")
    group = tg.chat_id("vlaanderen")
    tg.updates()
    assert tg.error("editMessageText", chat_id=group, message_id=said["id"], text="x")[1] == (
        "Bad Request: message can't be edited")
    assert tg.error("editMessageText", chat_id=group, message_id=4242, text="x")[1] == (
        "Bad Request: message to edit not found")
    response = tg.http.patch(f"/api/chats/vlaanderen/messages/{said['id']}",
                             json={"as": "arne", "text": "hallo allemaal"})
    assert response.json()["edited"] is True
    edited = tg.updates()[0]["edited_message"]
    assert edited["text"] == "hallo allemaal" and edited["message_id"] == said["id"]
    assert "edit_date" in edited


def test_a_forwarded_message_carries_its_origin(tg: Telegram):
    said = tg.say("jana", "vlaanderen", "kijk hier eens naar")
    tg.updates()
    forwarded = tg.http.post(f"/api/chats/vlaanderen/messages/{said['id']}/forward",
                             json={"as": "lotte", "to": "lotte"}).json()
    assert forwarded["forwarded_from"] == "Jana"
    message = tg.updates()[0]["message"]
    assert message["forward_origin"]["type"] == "user"
    assert message["forward_origin"]["sender_user"]["first_name"] == "Jana"
    assert message["text"] == "kijk hier eens naar" and message["from"]["first_name"] == "Lotte"


def test_photo_and_sticker_placeholders_have_telegrams_shapes(tg: Telegram):
    tg.say("sanne", "nederland", "", kind="photo", caption="mijn kat")
    tg.http.post("/api/chats/nederland/messages",
                 json={"as": "sanne", "kind": "sticker", "caption": "😢"})
    photo, sticker = (u["message"] for u in tg.updates())
    assert photo["caption"] == "mijn kat" and photo["photo"][0]["file_id"]
    assert {"width", "height", "file_unique_id"} <= set(photo["photo"][-1])
    assert sticker["sticker"]["emoji"] == "😢" and sticker["sticker"]["type"] == "regular"


def test_get_chat_and_chat_member_give_full_shapes(tg: Telegram):
    group = tg.chat_id("vlaanderen")
    chat = tg.ok("getChat", chat_id=group)
    assert chat["title"] == "Praatgroep Vlaanderen" and chat["type"] == "supergroup"
    assert {"accent_color_id", "max_reaction_count", "accepted_gift_types"} <= set(chat)
    bot = tg.ok("getChatMember", chat_id=group, user_id=int(tg.token.split(":")[0]))
    assert bot["status"] == "administrator" and bot["can_delete_messages"] is True
    assert tg.ok("getChatMember", chat_id=group, user_id=tg.user_id("wout"))["status"] == (
        "member")
    assert tg.ok("getChatMember", chat_id=group, user_id=tg.user_id("sanne"))["status"] == (
        "left")
    assert tg.ok("getChatMember", chat_id=group, user_id=tg.user_id("karin"))["status"] == (
        "creator")
    admins = tg.ok("getChatAdministrators", chat_id=group)
    assert {a["user"]["first_name"] for a in admins} == {"Karin", "Els", "Pieter", "Hulplijn"}
    assert tg.ok("getChatMemberCount", chat_id=group) == 8


def test_pin_and_chat_action(tg: Telegram):
    group = tg.chat_id("nederland")
    sent = tg.ok("sendMessage", chat_id=group, text="Welkom! Lees de regels.")
    assert tg.ok("pinChatMessage", chat_id=group, message_id=sent["message_id"]) is True
    view = tg.http.get("/api/chats/nederland/messages").json()
    assert view["pinned"] == sent["message_id"]
    assert view["messages"][-1]["service"] == "Hulplijn heeft een bericht vastgezet"
    assert tg.ok("sendChatAction", chat_id=group, action="typing") is True
    chat = next(c for c in tg.http.get("/api/chats").json() if c["id"] == group)
    assert chat["chat_action"] == "typing"
    assert tg.error("sendChatAction", chat_id=group, action="dancing")[1] == (
        "Bad Request: wrong parameter action in request")


def test_my_commands_are_kept(tg: Telegram):
    commands = [{"command": "help", "description": "Hulp"}]
    assert tg.ok("setMyCommands", commands=commands) is True
    assert tg.ok("getMyCommands") == commands


def test_the_calls_log_records_every_call_with_its_outcome(tg: Telegram):
    tg.ok("getMe")
    tg.error("sendMessage", chat_id=1, text="x")
    calls = tg.http.get("/api/calls").json()
    assert [(c["method"], c["ok"], c["error_code"]) for c in calls[-2:]] == [
        ("getMe", True, None), ("sendMessage", False, 400)]
    assert tg.http.get("/api/calls", params={"method": "getMe"}).json()[0]["method"] == "getMe"
