// The simulator's page: a client of the scripting API (/api), refreshed by server-sent events.
"use strict";

const state = { world: null, me: null, chatId: null, thread: null, replyTo: null,
                editing: null, forwarding: null, chats: [] };
const $ = (id) => document.getElementById(id);
const ROLES = { teen: "Tieners", counsellor: "Hulpverleners", coordinator: "Coördinator" };

async function api(method, path, body) {
  const response = await fetch(path, {
    method, headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) { toast(data.detail || `Fout ${response.status}`); throw new Error(data.detail); }
  return data;
}

function toast(text, long) {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, long ? 5000 : 2500);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "onclick") node.addEventListener("click", value);
    else if (key === "html") node.innerHTML = value;  // only server-escaped HTML
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

async function loadWorld() {
  state.world = await api("GET", "/api/world");
  const select = $("persona");
  select.replaceChildren();
  for (const [role, label] of Object.entries(ROLES)) {
    const group = el("optgroup", { label });
    for (const user of state.world.users.filter((u) => u.role === role)) {
      group.append(el("option", { value: user.key }, user.name));
    }
    select.append(group);
  }
  const wanted = new URLSearchParams(location.search).get("als");
  select.value = wanted || state.world.users[0].key;
  await choosePersona(select.value);
}

async function choosePersona(key) {
  state.me = state.world.users.find((u) => u.key === key);
  state.chatId = null; state.thread = null;
  resetMode();
  await loadChats();
  const first = state.chats.find((c) => c.type !== "private") || state.chats[0];
  if (first) await openChat(first.id, null);
}

async function loadChats() {
  state.chats = await api("GET", `/api/chats?as=${state.me.key}`);
  const list = $("chats");
  list.replaceChildren();
  for (const chat of state.chats) {
    const title = chat.type === "private" ? `${state.world.bot.first_name} (bot)` : chat.title;
    const active = chat.id === state.chatId && state.thread === null;
    list.append(el("li", {}, el("button", {
      class: active ? "active" : "", "data-chat": chat.key, type: "button",
      onclick: () => openChat(chat.id, null),
    }, el("span", { class: "name" }, chat.is_forum ? `${title} · Algemeen` : title),
       el("span", { class: "last" }, chat.chat_action ? "typt…" : (chat.last_text || "")))));
    for (const topic of chat.topics) {
      const on = chat.id === state.chatId && state.thread === topic.thread_id;
      list.append(el("li", {}, el("button", {
        class: `topic ${on ? "active" : ""}`, type: "button", "data-topic": topic.name,
        onclick: () => openChat(chat.id, topic.thread_id),
      }, el("span", { class: "name" }, `# ${topic.name}${topic.closed ? " (gesloten)" : ""}`))));
    }
  }
}

async function openChat(chatId, thread) {
  state.chatId = chatId; state.thread = thread;
  resetMode();
  $("layout").className = "layout show-chat";
  await Promise.all([loadChats(), loadMessages(true)]);
}

function currentChat() { return state.chats.find((c) => c.id === state.chatId); }

async function loadMessages(scroll) {
  const chat = currentChat();
  if (!chat) return;
  const view = await api("GET", `/api/chats/${chat.id}/messages?as=${state.me.key}`);
  const topic = chat.topics.find((t) => t.thread_id === state.thread);
  $("chat-title").textContent = chat.type === "private"
    ? `${state.world.bot.first_name} (bot)` : chat.title + (topic ? ` · ${topic.name}` : "");
  $("chat-sub").textContent = view.chat.chat_action ? "typt…"
    : chat.moderator ? "Moderatorweergave: verwijderde berichten zichtbaar" : "";
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren();
  const shown = view.messages.filter((m) => !chat.is_forum || m.thread_id === state.thread
    || (state.thread === null && !chat.topics.some((t) => t.thread_id === m.thread_id)));
  for (const message of shown) list.append(renderMessage(message, chat));
  renderKeyboard(view.keyboard);
  if (scroll || atBottom) list.scrollTop = list.scrollHeight;
}

function renderMessage(m, chat) {
  if (m.service) return el("li", { class: "service", "data-id": m.id }, m.service);
  const mine = m.from.key === state.me.key;
  const classes = ["msg", mine ? "mine" : "", m.from.is_bot ? "bot" : "", m.deleted ? "deleted" : ""];
  const item = el("li", { class: classes.join(" "), "data-id": m.id, "data-testid": "message" });
  if (m.deleted) item.append(el("div", { class: "flag" }, "Verwijderd bericht"));
  if (!mine || chat.type !== "private") item.append(el("div", { class: "who" }, m.from.name));
  if (m.forwarded_from) item.append(el("div", { class: "fwd" }, `Doorgestuurd van ${m.forwarded_from}`));
  if (m.reply_to_text) item.append(el("div", { class: "quote" }, m.reply_to_text));
  if (m.kind === "photo") item.append(el("div", { class: "placeholder" }, "📷 Foto"));
  if (m.kind === "sticker") item.append(el("div", { class: "placeholder" }, m.text || "🙂"));
  if (m.kind !== "sticker" && m.html) item.append(el("div", { class: "text", html: m.html }));
  if (m.buttons.length) {
    const grid = el("div", { class: "buttons" });
    m.buttons.forEach((row, r) => {
      const line = el("div", { class: "row" });
      row.forEach((button, c) => line.append(el("button", {
        type: "button", onclick: () => press(m, r, c, button),
      }, button.url ? `${button.text} ↗` : button.text)));
      grid.append(line);
    });
    item.append(grid);
  }
  const time = new Date(m.date * 1000).toLocaleTimeString("nl-BE", { hour: "2-digit", minute: "2-digit" });
  item.append(el("div", { class: "meta" }, `${m.edited ? "bewerkt " : ""}${time}`));
  if (!m.deleted) {
    const actions = el("div", { class: "actions" },
      el("button", { type: "button", onclick: () => startReply(m) }, "Antwoorden"),
      el("button", { type: "button", onclick: () => startForward(m) }, "Doorsturen"));
    if (mine && m.kind !== "sticker") {
      actions.append(el("button", { type: "button", onclick: () => startEdit(m) }, "Bewerken"));
    }
    item.append(actions);
  }
  return item;
}

function renderKeyboard(markup) {
  const box = $("keyboard");
  box.replaceChildren();
  if (!markup) return;
  for (const row of markup.keyboard) {
    const line = el("div", { class: "row" });
    for (const button of row) {
      line.append(el("button", { type: "button", onclick: () => sendText(button.text) }, button.text));
    }
    box.append(line);
  }
}

async function press(message, row, column, button) {
  if (button.url && !isBotLink(button.url)) { window.open(button.url, "_blank", "noopener"); return; }
  const result = await api("POST", `/api/chats/${state.chatId}/messages/${message.id}/press`,
                           { as: state.me.key, row, column, wait: 0 });
  if (result.opened_chat_id) await openChat(result.opened_chat_id, null);
}

function isBotLink(url) {
  const name = state.world.bot.username.toLowerCase();
  return /^(https?:\/\/)?(t|telegram)\.me\//i.test(url) && url.toLowerCase().includes(`/${name}`)
    || url.toLowerCase().startsWith(`tg://resolve?domain=${name}`);
}

async function followLink(url) {
  const result = await api("POST", "/api/links/follow", { as: state.me.key, url });
  await openChat(result.chat_id, null);
}

function resetMode() {
  state.replyTo = null; state.editing = null;
  $("mode").hidden = true;
}

function startReply(m) {
  resetMode();
  state.replyTo = m.id;
  $("mode-text").textContent = `Antwoorden op ${m.from.name}: ${m.text.slice(0, 40)}`;
  $("mode").hidden = false;
  $("text").focus();
}

function startEdit(m) {
  resetMode();
  state.editing = m.id;
  $("mode-text").textContent = "Bewerken";
  $("mode").hidden = false;
  $("text").value = m.text;
  $("text").focus();
}

function startForward(m) {
  state.forwarding = m.id;
  const select = $("forward-target");
  select.replaceChildren(...state.chats.map((c) => el("option", { value: c.id },
    c.type === "private" ? `${state.world.bot.first_name} (bot)` : c.title)));
  $("forward-dialog").showModal();
}

async function sendText(text, extra = {}) {
  const chat = currentChat();
  if (!chat) return;
  await api("POST", `/api/chats/${chat.id}/messages`, {
    as: state.me.key, text, thread_id: state.thread, reply_to: state.replyTo, ...extra,
  });
  resetMode();
  await loadMessages(true);
}

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("text").value;
  if (!text.trim()) return;
  $("text").value = "";
  if (state.editing) {
    await api("PATCH", `/api/chats/${state.chatId}/messages/${state.editing}`,
              { as: state.me.key, text });
    resetMode();
    await loadMessages(false);
  } else {
    await sendText(text);
  }
});
$("sticker").addEventListener("click", () => sendText(null, { kind: "sticker", caption: "🙂" }));
$("photo").addEventListener("click", () => {
  const caption = $("text").value || null;
  $("text").value = "";
  sendText(null, { kind: "photo", caption });
});
$("mode-cancel").addEventListener("click", () => { resetMode(); $("text").value = ""; });
$("persona").addEventListener("change", (event) => choosePersona(event.target.value));
$("back").addEventListener("click", () => { $("layout").className = "layout show-list"; });
$("forward-dialog").addEventListener("close", async () => {
  if ($("forward-dialog").returnValue !== "ok" || !state.forwarding) return;
  const target = Number($("forward-target").value);
  await api("POST", `/api/chats/${state.chatId}/messages/${state.forwarding}/forward`,
            { as: state.me.key, to: String(target) });
  state.forwarding = null;
  await openChat(target, null);
});
$("messages").addEventListener("click", (event) => {
  const link = event.target.closest("a[href]");
  if (link && isBotLink(link.getAttribute("href"))) {
    event.preventDefault();
    followLink(link.getAttribute("href"));
  }
});

let refreshTimer = null;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => { loadChats(); loadMessages(false); }, 60);
}

function listen() {
  const events = new EventSource("/api/events");
  events.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (event.type === "callback_answer" && state.me && event.user_id === state.me.id) {
      if (event.text) toast(event.text, event.show_alert);
      return;
    }
    if (event.type === "reset") { loadWorld(); return; }
    refreshSoon();
  };
}

loadWorld().then(listen);
