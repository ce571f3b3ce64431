// 网格通 sandbox chat page: several simulated users side by side, one long-poll for all chats.
// Bot text is rendered from Telegram entities with DOM nodes only (never innerHTML).
"use strict";

const API = "/sandbox/api";
const PRESETS = [
  ["人民东路62号院", 33.5825, 114.0725],
  ["召陵区政府", 33.5925, 114.1000],
  ["翟庄街道办事处", 33.5975, 114.1000],
  ["天桥街道办事处", 33.5775, 114.0650],
];
const state = { users: [], byId: new Map(), chats: new Map(), chatState: {}, seq: 0, epoch: null, panes: [] };

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

async function call(method, path, body) {
  const opts = { method, headers: {} };
  if (body instanceof FormData) opts.body = body;
  else if (body) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
  const r = await fetch(API + path, opts);
  const data = await r.json();
  if (!data.ok) throw new Error(data.error || ("HTTP " + r.status));
  return data;
}

// ---- rendering Telegram entities ----------------------------------------------------------------
const TAGS = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  blockquote: "blockquote", expandable_blockquote: "blockquote", spoiler: "span", text_link: "a",
  url: "a", custom_emoji: "span", bot_command: "span", mention: "span", hashtag: "span" };

function renderEntities(text, entities) {
  const frag = document.createDocumentFragment();
  const ents = (entities || []).filter(e => TAGS[e.type]).slice()
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  build(frag, text, 0, text.length, ents);
  return frag;
}

function build(parent, text, start, end, ents) {
  let pos = start;
  let i = 0;
  while (i < ents.length) {
    const e = ents[i];
    const eEnd = Math.min(e.offset + e.length, end);
    if (e.offset < pos) { i++; continue; }
    if (e.offset > pos) parent.appendChild(document.createTextNode(text.slice(pos, e.offset)));
    const node = entityNode(e, text.slice(e.offset, eEnd));
    const inner = [];
    let j = i + 1;
    while (j < ents.length && ents[j].offset < eEnd) { inner.push(ents[j]); j++; }
    build(node, text, e.offset, eEnd, inner);
    parent.appendChild(node);
    pos = eEnd;
    i = j;
  }
  if (pos < end) parent.appendChild(document.createTextNode(text.slice(pos, end)));
}

function safeUrl(url) {
  return /^(https?:|tg:|mailto:)/i.test(url || "") ? url : null;
}

function entityNode(e, body) {
  const node = document.createElement(TAGS[e.type]);
  if (e.type === "spoiler") {
    node.className = "spoiler";
    node.addEventListener("click", () => node.classList.add("shown"));
  }
  if (e.type === "text_link" || e.type === "url") {
    const href = safeUrl(e.type === "url" ? body : e.url);
    if (href) { node.href = href; node.target = "_blank"; node.rel = "noopener noreferrer"; }
  }
  if (e.type === "pre" && e.language) node.dataset.language = e.language;
  return node;
}

// ---- panes ---------------------------------------------------------------------------------------
function roleClass(user) {
  return ["居民", "网格员", "督办"].includes(user && user.role) ? "role-" + user.role : "role-other";
}

function addPane(userId) {
  const root = document.getElementById("pane-template").content.firstElementChild.cloneNode(true);
  const pane = { userId, root, q: s => root.querySelector(s), rendered: new Map(), lastCount: -1 };
  state.panes.push(pane);
  document.getElementById("panes").appendChild(root);
  wirePane(pane);
  setPaneUser(pane, userId);
  return pane;
}

function setPaneUser(pane, userId) {
  pane.userId = userId;
  pane.rendered = new Map();
  pane.q(".log").replaceChildren();
  pane.root.dataset.userId = String(userId);
  refreshPaneHead(pane);
  renderPane(pane);
  savePanes();
}

function refreshPaneHead(pane) {
  const user = state.byId.get(pane.userId) || { user_id: pane.userId, first_name: "用户" + pane.userId, role: "" };
  pane.root.className = "pane " + roleClass(user);
  pane.q(".avatar").textContent = (user.first_name || "?").slice(0, 1);
  const pick = pane.q(".user-pick");
  pick.replaceChildren();
  for (const u of state.users) {
    const opt = el("option", null, `${u.role ? u.role + " " : ""}${u.first_name}`);
    opt.value = String(u.user_id);
    opt.selected = u.user_id === pane.userId;
    pick.appendChild(opt);
  }
  const meta = pane.q(".meta");
  meta.replaceChildren(document.createTextNode(`id ${user.user_id}${user.username ? " · @" + user.username : ""}`));
  if (user.blocked) meta.appendChild(el("span", "blocked", " · 已屏蔽机器人"));
}

function wirePane(pane) {
  const text = pane.q(".text");
  pane.q(".user-pick").addEventListener("change", ev => setPaneUser(pane, Number(ev.target.value)));
  pane.q(".close").addEventListener("click", () => {
    if (state.panes.length <= 1) return;
    pane.root.remove();
    state.panes = state.panes.filter(p => p !== pane);
    savePanes();
  });
  pane.q(".composer").addEventListener("submit", ev => {
    ev.preventDefault();
    const value = text.value.trim();
    if (!value) return;
    text.value = "";
    pane.q(".hints").hidden = true;
    sendText(pane, value);
  });
  text.addEventListener("input", () => showHints(pane, text.value));
  text.addEventListener("keydown", ev => {
    if (ev.key === "Escape") { pane.q(".hints").hidden = true; pane.q(".loc-pop").hidden = true; }
    if (ev.key === "Tab" && !pane.q(".hints").hidden) {
      const first = pane.q(".hints div");
      if (first) { ev.preventDefault(); text.value = first.dataset.command + " "; pane.q(".hints").hidden = true; }
    }
  });
  pane.q(".cmd-btn").addEventListener("click", () => {
    const hints = pane.q(".hints");
    if (!hints.hidden) { hints.hidden = true; return; }
    showHints(pane, "/", true);
  });
  const fileInput = pane.q(".photo-input");
  pane.q(".photo-btn").addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    const file = fileInput.files[0];
    if (!file) return;
    const form = new FormData();
    form.append("user_id", String(pane.userId));
    const caption = text.value.trim();
    if (caption) { form.append("caption", caption); text.value = ""; }
    form.append("file", file, file.name);
    call("POST", "/photo", form).catch(err => toast(pane, "发送失败：" + err.message));
    fileInput.value = "";
  });
  const pop = pane.q(".loc-pop");
  pane.q(".loc-btn").addEventListener("click", () => { pop.hidden = !pop.hidden; });
  const presets = pane.q(".presets");
  for (const [name, lat, lon] of PRESETS) {
    const b = el("button", null, name);
    b.type = "button";
    b.title = `${lat}, ${lon}`;
    b.addEventListener("click", () => shareLocation(pane, lat, lon));
    presets.appendChild(b);
  }
  pane.q(".send-loc").addEventListener("click", () => {
    const lat = Number(pane.q(".lat").value), lon = Number(pane.q(".lon").value);
    if (Number.isFinite(lat) && Number.isFinite(lon)) shareLocation(pane, lat, lon);
  });
}

function sendText(pane, value) {
  call("POST", "/send", { user_id: pane.userId, text: value }).catch(err => toast(pane, "发送失败：" + err.message));
}

function shareLocation(pane, lat, lon) {
  pane.q(".loc-pop").hidden = true;
  call("POST", "/location", { user_id: pane.userId, latitude: lat, longitude: lon })
    .catch(err => toast(pane, "发送失败：" + err.message));
}

function showHints(pane, value, force) {
  const hints = pane.q(".hints");
  const cs = state.chatState[String(pane.userId)] || {};
  const commands = cs.commands || [];
  if (!(force || /^\/\w*$/.test(value)) || !commands.length) { hints.hidden = true; return; }
  const prefix = value.slice(1).toLowerCase();
  const list = commands.filter(c => c.command.startsWith(prefix));
  hints.replaceChildren();
  for (const c of list) {
    const row = el("div");
    row.dataset.command = "/" + c.command;
    row.append(el("b", null, "/" + c.command), el("span", null, c.description));
    row.addEventListener("click", () => { hints.hidden = true; sendText(pane, "/" + c.command); pane.q(".text").value = ""; });
    hints.appendChild(row);
  }
  hints.hidden = list.length === 0;
}

function toast(pane, message, alert) {
  const t = pane.q(".toast");
  t.textContent = message;
  t.className = "toast" + (alert ? " alert" : "");
  t.hidden = false;
  clearTimeout(pane.toastTimer);
  pane.toastTimer = setTimeout(() => { t.hidden = true; }, alert ? 4000 : 2200);
}

function fmtTime(unix) {
  const d = new Date(unix * 1000);
  return d.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" });
}

function messageNode(pane, m) {
  const row = el("div", "row " + (m.outgoing ? "in" : "out"));
  row.dataset.messageId = String(m.message_id);
  const bubble = el("div", "bubble");
  row.appendChild(bubble);
  if (m.deleted) { bubble.classList.add("deleted"); bubble.textContent = "（消息已删除）"; return row; }
  if (m.photo) {
    const img = el("img");
    img.alt = "图片";
    img.src = `${API}/files/${encodeURIComponent(m.photo[m.photo.length - 1].file_id)}`;
    bubble.appendChild(img);
  }
  if (m.location) card(bubble, "📍", "位置", `${m.location.latitude.toFixed(5)}, ${m.location.longitude.toFixed(5)}`);
  if (m.contact) card(bubble, "👤", m.contact.first_name, m.contact.phone_number);
  if (m.document) card(bubble, "📄", m.document.file_name || "文件", `${m.document.file_size} 字节`);
  if (m.voice) card(bubble, "🎤", "语音", `${m.voice.duration} 秒`);
  if (m.sticker) { bubble.appendChild(el("div", null, m.sticker.emoji || "🙂")).style.fontSize = "42px"; }
  const text = m.text !== undefined ? m.text : m.caption;
  if (text) bubble.appendChild(renderEntities(text, m.text !== undefined ? m.entities : m.caption_entities));
  const stamp = el("div", "stamp", (m.edited ? "已编辑 " : "") + fmtTime(m.edit_date || m.date));
  bubble.appendChild(stamp);
  const rows = (m.reply_markup && m.reply_markup.inline_keyboard) || [];
  if (rows.length) {
    const kb = el("div", "ikb");
    for (const r of rows) {
      const rowEl = el("div", "ikb-row");
      for (const b of r) {
        const btn = el("button", null, b.text);
        btn.type = "button";
        if (b.callback_data !== undefined) {
          btn.addEventListener("click", () => {
            btn.classList.add("pressed");
            call("POST", "/press", { user_id: pane.userId, message_id: m.message_id, callback_data: b.callback_data })
              .catch(err => toast(pane, "按钮失效：" + err.message))
              .finally(() => setTimeout(() => btn.classList.remove("pressed"), 600));
          });
        } else if (b.url && safeUrl(b.url)) {
          btn.textContent = b.text + " ↗";
          btn.addEventListener("click", () => window.open(b.url, "_blank", "noopener"));
        } else {
          btn.disabled = true;
        }
        rowEl.appendChild(btn);
      }
      kb.appendChild(rowEl);
    }
    row.appendChild(kb);
  }
  return row;
}

function card(bubble, icon, title, sub) {
  const c = el("div", "card");
  c.append(el("span", null, icon));
  const body = el("div", null, title);
  body.appendChild(el("small", null, sub));
  c.appendChild(body);
  bubble.appendChild(c);
}

function renderPane(pane) {
  const log = pane.q(".log");
  const chat = state.chats.get(pane.userId) || new Map();
  const messages = [...chat.values()].sort((a, b) => a.message_id - b.message_id);
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  if (!messages.length && !log.querySelector(".empty")) {
    log.replaceChildren(el("div", "empty", "还没有消息。发送 /start 或直接描述问题，例如：“小区门口路灯不亮了”。"));
  }
  if (messages.length) log.querySelector(".empty")?.remove();
  for (const m of messages) {
    const key = `${m.message_id}`;
    const old = pane.rendered.get(key);
    if (old && old.version === m.version && old.deleted === m.deleted) continue;
    const node = messageNode(pane, m);
    if (old) old.node.replaceWith(node); else log.appendChild(node);
    pane.rendered.set(key, { node, version: m.version, deleted: m.deleted });
  }
  if (nearBottom || pane.lastCount !== messages.length) log.scrollTop = log.scrollHeight;
  pane.lastCount = messages.length;
  renderChatState(pane);
}

function renderChatState(pane) {
  const cs = state.chatState[String(pane.userId)] || {};
  pane.q(".typing").hidden = !cs.action;
  const kbEl = pane.q(".reply-kb");
  const kb = cs.keyboard;
  kbEl.replaceChildren();
  kbEl.hidden = !kb;
  if (kb) {
    for (const r of kb.keyboard) {
      const rowEl = el("div", "kb-row");
      for (const b of r) {
        const btn = el("button", null, b.text);
        btn.type = "button";
        btn.addEventListener("click", () => {
          if (b.request_location) pane.q(".loc-pop").hidden = false;
          else if (b.request_contact) call("POST", "/contact", { user_id: pane.userId });
          else sendText(pane, b.text);
        });
        rowEl.appendChild(btn);
      }
      kbEl.appendChild(rowEl);
    }
  }
  const placeholder = (kb && kb.input_field_placeholder) || "输入消息…";
  pane.q(".text").placeholder = placeholder;
}

// ---- sync loop -----------------------------------------------------------------------------------
async function loadUsers() {
  const data = await call("GET", "/users");
  state.users = data.users;
  state.byId = new Map(data.users.map(u => [u.user_id, u]));
  if (data.bot) document.getElementById("bot-name").textContent = `机器人 @${data.bot.username} · ${data.bot.first_name}`;
  state.panes.forEach(refreshPaneHead);
}

function ingest(data) {
  if (state.epoch !== null && data.epoch !== state.epoch) {
    state.chats = new Map();
    state.panes.forEach(p => { p.rendered = new Map(); p.q(".log").replaceChildren(); });
  }
  state.epoch = data.epoch;
  for (const m of data.messages) {
    if (!state.chats.has(m.chat_id)) state.chats.set(m.chat_id, new Map());
    state.chats.get(m.chat_id).set(m.message_id, m);
  }
  Object.assign(state.chatState, data.chats);
  for (const n of data.notices || []) {
    if (state.seq === 0 || n.kind !== "callback_answer" || !n.text) continue;
    state.panes.filter(p => p.userId === n.chat_id).forEach(p => toast(p, n.text, n.show_alert));
  }
  state.seq = data.seq;
  state.panes.forEach(renderPane);
}

async function syncLoop() {
  const conn = document.getElementById("conn");
  for (;;) {
    try {
      const epoch = state.epoch;
      const since = state.seq;
      const data = await call("GET", `/messages?since=${since}&wait=25`);
      if (epoch !== null && data.epoch !== epoch) {
        await loadUsers();
        ingest(await call("GET", "/messages?since=0"));
      } else {
        const usersChanged = data.messages.some(m => !state.byId.has(m.chat_id));
        if (usersChanged || data.messages.length === 0) await loadUsers();
        ingest(data);
      }
      conn.textContent = "● 已连接"; conn.className = "conn ok";
    } catch (err) {
      conn.textContent = "● 连接断开，重试中"; conn.className = "conn bad";
      await new Promise(r => setTimeout(r, 1500));
    }
  }
}

function savePanes() {
  try { localStorage.setItem("gridbot-sandbox-panes", JSON.stringify(state.panes.map(p => p.userId))); } catch (e) { /* private mode */ }
}

function initialPanes() {
  try {
    const saved = JSON.parse(localStorage.getItem("gridbot-sandbox-panes") || "null");
    if (Array.isArray(saved) && saved.length && saved.every(id => state.byId.has(id))) return saved;
  } catch (e) { /* ignore */ }
  return state.users.slice(0, 3).map(u => u.user_id);
}

async function addUserDialog() {
  const next = Math.max(0, ...state.users.map(u => u.user_id)) + 1;
  const name = prompt("新用户的名字（例如：赵大爷）", "赵大爷");
  if (!name) return;
  const role = prompt("角色：居民 / 网格员 / 督办", "居民") || "";
  const idText = prompt("用户 id", String(next));
  const userId = Number(idText);
  if (!Number.isInteger(userId) || userId <= 0) return;
  await call("POST", "/users", { user_id: userId, first_name: name, role });
  await loadUsers();
  addPane(userId);
}

async function main() {
  document.getElementById("add-pane").addEventListener("click", () => addUserDialog().catch(e => alert(e.message)));
  document.getElementById("reset").addEventListener("click", async () => {
    if (confirm("清空所有对话、故障注入和统计？")) await call("POST", "/reset");
  });
  await loadUsers();
  for (const id of initialPanes()) addPane(id);
  ingest(await call("GET", "/messages?since=0"));
  syncLoop();
}

main().catch(err => { document.getElementById("conn").textContent = "● 加载失败：" + err.message; });
