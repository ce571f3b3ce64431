"""The sandbox's state: simulated users, their private chats with the bot, updates, files.

Everything runs on one event loop, so no locks; waiters (getUpdates long-poll, the page's
history long-poll) wait on an asyncio.Event that is replaced whenever something changes.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

DEFAULT_USERS = [
    {"id": 10001, "first_name": "张阿姨", "username": "zhang_ayi", "role": "居民"},
    {"id": 20001, "first_name": "李伟", "username": "li_wei_grid", "role": "网格员"},
    {"id": 30001, "first_name": "王主任", "username": "wang_zhuren", "role": "督办"},
]
BOT_USERNAME = "gridbot_sandbox_bot"
BOT_FIRST_NAME = "网格通"


class Signal:
    """A broadcast 'something changed' that any number of coroutines can await with a timeout."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False


@dataclass
class User:
    id: int
    first_name: str
    username: str | None = None
    role: str = ""
    started: bool = False
    blocked: bool = False

    def as_tg(self) -> dict:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        user["language_code"] = "zh-hans"
        return user

    def as_chat(self) -> dict:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.username:
            chat["username"] = self.username
        return chat

    def public(self) -> dict:
        return {
            "user_id": self.id, "first_name": self.first_name, "username": self.username,
            "role": self.role, "started": self.started, "blocked": self.blocked,
        }


@dataclass
class Message:
    """A message in a private chat, in either direction, as the sandbox stores it."""

    chat_id: int
    message_id: int
    outgoing: bool  # True: from the bot
    date: int
    fields: dict  # Telegram Message fields beyond ids: text, entities, photo, caption, location ...
    reply_markup: dict | None = None  # as sent (any kind)
    html: str | None = None  # the text as sent, when it used a parse_mode
    seq: int = 0
    version: int = 1
    edit_date: int | None = None
    deleted: bool = False

    def as_tg(self, world: "World") -> dict:
        user = world.users[self.chat_id]
        msg: dict[str, Any] = {
            "message_id": self.message_id,
            "from": world.bot_user() if self.outgoing else user.as_tg(),
            "chat": user.as_chat(),
            "date": self.date,
        }
        if self.edit_date:
            msg["edit_date"] = self.edit_date
        msg.update(copy.deepcopy(self.fields))
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            msg["reply_markup"] = copy.deepcopy(self.reply_markup)
        return msg

    def public(self, world: "World") -> dict:
        """The control API's view of a message: Telegram fields plus sandbox bookkeeping."""
        return {
            **self.as_tg(world),
            "chat_id": self.chat_id,
            "outgoing": self.outgoing,
            "reply_markup": copy.deepcopy(self.reply_markup),
            "html": self.html,
            "seq": self.seq,
            "version": self.version,
            "edited": self.version > 1,
            "deleted": self.deleted,
        }


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    mime_type: str


@dataclass
class CallbackQuery:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False
    answer: dict | None = None


@dataclass
class QueuedUpdate:
    update: dict
    redelivery: bool = False
    returned: bool = False
    created: float = field(default_factory=time.monotonic)  # when the user acted (benchmark latency)

    @property
    def update_id(self) -> int:
        return self.update["update_id"]

    @property
    def kind(self) -> str:
        return next(k for k in self.update if k != "update_id")


@dataclass
class World:
    bot_id: int = 0
    users: dict[int, User] = field(default_factory=dict)
    messages: dict[int, list[Message]] = field(default_factory=dict)  # chat_id -> history
    next_message_id: dict[int, int] = field(default_factory=dict)
    updates: list[QueuedUpdate] = field(default_factory=list)
    delivered: dict[int, dict] = field(default_factory=dict)  # update_id -> update (for redeliver)
    update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    files: dict[str, StoredFile] = field(default_factory=dict)
    file_counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    callbacks: dict[str, CallbackQuery] = field(default_factory=dict)
    callback_counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    commands: dict[str, list[dict]] = field(default_factory=dict)  # scope key -> commands
    menu_buttons: dict[str, dict] = field(default_factory=dict)
    reply_keyboards: dict[int, dict] = field(default_factory=dict)  # chat_id -> current keyboard
    chat_actions: dict[int, dict] = field(default_factory=dict)
    allowed_updates: list[str] | None = None
    seq: int = 0
    changed: Signal = field(default_factory=Signal)
    update_arrived: Signal = field(default_factory=Signal)
    # In-process observers (the benchmark's load driver): called with (message, edited) whenever
    # a message is added or changed, on the server's loop, before the HTTP answer goes out.
    listeners: list = field(default_factory=list)

    # -- users -------------------------------------------------------------------------------
    def bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": BOT_FIRST_NAME, "username": BOT_USERNAME}

    def add_user(self, user_id: int, first_name: str, username: str | None = None, role: str = "") -> User:
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = User(user_id, first_name, username, role)
        else:
            user.first_name = first_name or user.first_name
            user.username = username or user.username
            user.role = role or user.role
        self.touch()
        return user

    def user(self, user_id: int, first_name: str | None = None) -> User:
        user = self.users.get(user_id)
        if user is None:
            user = self.add_user(user_id, first_name or f"用户{user_id}")
        elif first_name:
            user.first_name = first_name
        return user

    # -- history -----------------------------------------------------------------------------
    def touch(self) -> int:
        self.seq += 1
        self.changed.fire()
        return self.seq

    def add_message(self, chat_id: int, outgoing: bool, fields: dict, **kw: Any) -> Message:
        mid = self.next_message_id.get(chat_id, 1)
        self.next_message_id[chat_id] = mid + 1
        msg = Message(chat_id, mid, outgoing, int(time.time()), fields, **kw)
        self.messages.setdefault(chat_id, []).append(msg)
        msg.seq = self.touch()
        for listener in self.listeners:
            listener(msg, False)
        return msg

    def find_message(self, chat_id: int, message_id: int) -> Message | None:
        for msg in self.messages.get(chat_id, []):
            if msg.message_id == message_id and not msg.deleted:
                return msg
        return None

    def bump(self, msg: Message, edited: bool = True) -> None:
        if edited:
            msg.version += 1
            msg.edit_date = int(time.time())
        msg.seq = self.touch()
        for listener in self.listeners:
            listener(msg, edited)

    def changes(self, since: int, chat_ids: set[int] | None = None) -> list[Message]:
        result = [
            m
            for chat_id, history in self.messages.items()
            if chat_ids is None or chat_id in chat_ids
            for m in history
            if m.seq > since
        ]
        return sorted(result, key=lambda m: m.seq)

    # -- updates -----------------------------------------------------------------------------
    def push_update(self, kind: str, payload: dict) -> dict:
        update = {"update_id": next(self.update_ids), kind: payload}
        self.updates.append(QueuedUpdate(update))
        self.update_arrived.fire()
        return update

    def confirm(self, offset: int) -> None:
        """Drops updates below offset (a negative offset keeps only the last -offset ones)."""
        if offset < 0:
            keep = self.updates[offset:]
            for q in self.updates[: len(self.updates) - len(keep)]:
                self.delivered[q.update_id] = q.update
            self.updates = keep
            return
        kept = []
        for q in self.updates:
            if q.update_id < offset and (not q.redelivery or q.returned):
                self.delivered[q.update_id] = q.update
            else:
                kept.append(q)
        self.updates = kept

    def pending(self, offset: int | None, limit: int) -> list[QueuedUpdate]:
        allowed = self.allowed_updates
        result = []
        for q in self.updates:
            if allowed and q.kind not in allowed:
                continue
            if offset is not None and offset > 0 and q.update_id < offset and not q.redelivery:
                continue
            result.append(q)
            if len(result) >= limit:
                break
        return result

    def redeliver(self, update_id: int) -> bool:
        update = self.delivered.get(update_id)
        if update is None:
            return False
        self.updates.insert(0, QueuedUpdate(copy.deepcopy(update), redelivery=True))
        self.update_arrived.fire()
        return True

    # -- files -------------------------------------------------------------------------------
    def store_file(self, data: bytes, folder: str, ext: str, mime_type: str) -> StoredFile:
        n = next(self.file_counter)
        digest = hashlib.sha1(data).hexdigest()
        file_id = f"SBX{folder[:3].upper()}{n:06d}{digest[:24]}"
        stored = StoredFile(file_id, f"U{digest[:14]}", data, f"{folder}/file_{n}.{ext}", mime_type)
        self.files[file_id] = stored
        return stored

    def new_callback(self, user_id: int, chat_id: int, message_id: int, data: str) -> CallbackQuery:
        cq_id = f"{self.bot_id % 1000000}{next(self.callback_counter):010d}"
        cq = CallbackQuery(cq_id, user_id, chat_id, message_id, data, time.monotonic())
        self.callbacks[cq_id] = cq
        return cq


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a JPEG or PNG (1x1 when unknown)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            length = int.from_bytes(data[i + 2 : i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h = int.from_bytes(data[i + 5 : i + 7], "big")
                w = int.from_bytes(data[i + 7 : i + 9], "big")
                return w, h
            i += 2 + length
    return 1, 1


def photo_sizes(stored: StoredFile) -> list[dict]:
    w, h = image_size(stored.data)
    return [{
        "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data), "width": w, "height": h,
    }]
