"""An async client of the sandbox's control API, for tests and benchmarks.

    control = SandboxControl(api.base_url)
    zhang = control.user(10001, "张阿姨")
    await zhang.send("小区路灯坏了")
    reply = await zhang.wait_for("工单")          # a substring, or a predicate on ChatMessage
    await zhang.press(reply, "满意")               # button text or callback_data
    await control.fault("sendMessage", "429", count=2, retry_after=1)
    await control.latency(0.15, jitter=0.02); await control.flood_limits(True, chat_burst=3)
    await control.aclose()
"""

from __future__ import annotations

import asyncio
import base64
import json as _json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx


class SandboxError(RuntimeError):
    """The control API refused a request."""


@dataclass
class ChatMessage:
    """A message in a private chat, as the sandbox stored it (either direction)."""

    message_id: int
    chat_id: int
    outgoing: bool  # True when the bot sent it
    text: str
    buttons: list[tuple[str, str]]  # inline buttons (text, callback_data or url), row after row
    button_rows: list[list[tuple[str, str]]]
    edited: bool
    version: int
    deleted: bool
    seq: int
    html: str | None = None
    entities: list[dict] = field(default_factory=list)
    photo: str | None = None  # file_id of the largest size
    reply_markup: dict | None = None
    raw: dict = field(default_factory=dict)

    @classmethod
    def from_api(cls, m: dict) -> "ChatMessage":
        rows = [
            [(b["text"], b.get("callback_data") or b.get("url") or "") for b in row]
            for row in ((m.get("reply_markup") or {}).get("inline_keyboard") or [])
        ]
        photo = m.get("photo")
        return cls(
            message_id=m["message_id"], chat_id=m["chat_id"], outgoing=m["outgoing"],
            text=m.get("text") or m.get("caption") or "",
            buttons=[b for row in rows for b in row], button_rows=rows,
            edited=m.get("edited", False), version=m.get("version", 1), deleted=m.get("deleted", False),
            seq=m.get("seq", 0), html=m.get("html"),
            entities=m.get("entities") or m.get("caption_entities") or [],
            photo=photo[-1]["file_id"] if photo else None, reply_markup=m.get("reply_markup"), raw=m,
        )

    def button(self, text_or_data: str) -> tuple[str, str] | None:
        for b in self.buttons:
            if text_or_data in (b[0], b[1]):
                return b
        for b in self.buttons:
            if text_or_data in b[0]:
                return b
        return None


Predicate = Callable[[ChatMessage], bool]


class SandboxControl:
    """Fault injection, blocking, stats and reset; also makes SandboxUsers sharing one client."""

    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.AsyncClient(timeout=httpx.Timeout(70.0))

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __aenter__(self) -> "SandboxControl":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def call(self, verb: str, path: str, json: dict | None = None, **kw: Any) -> dict:
        if json is not None:   # ASCII JSON: a test may send a lone surrogate, which UTF-8 cannot carry
            kw["content"] = _json.dumps(json)
            kw["headers"] = {"Content-Type": "application/json", **kw.get("headers", {})}
        r = await self.client.request(verb, f"{self.base_url}/sandbox/api/{path}", **kw)
        body = r.json()
        if not body.get("ok"):
            raise SandboxError(f"{path}: {body.get('error')} (HTTP {r.status_code})")
        return body

    def user(self, user_id: int, first_name: str | None = None) -> "SandboxUser":
        return SandboxUser(self, user_id, first_name)

    async def add_user(self, user_id: int, first_name: str, username: str | None = None, role: str = "") -> dict:
        body = {"user_id": user_id, "first_name": first_name, "username": username, "role": role}
        return (await self.call("POST", "users", body))["user"]

    async def users(self) -> list[dict]:
        return (await self.call("GET", "users"))["users"]

    async def fault(self, method: str = "*", kind: str = "status", **spec: Any) -> dict:
        """kind: status (status=500), 429 (retry_after), timeout (seconds, deliver), drop, outage (seconds, hang)."""
        return (await self.call("POST", "faults", {"method": method, "kind": kind, **spec}))["fault"]

    async def clear_faults(self) -> None:
        await self.call("DELETE", "faults")

    async def latency(self, seconds: float, jitter: float = 0) -> dict:
        """Every Bot API request from now on takes a round trip of `seconds` (± jitter)."""
        return (await self.call("POST", "latency", {"seconds": seconds, "jitter": jitter}))["latency"]

    async def clear_latency(self) -> None:
        await self.call("DELETE", "latency")

    async def flood_limits(self, on: bool = True, **limits: float) -> dict:
        """Telegram's flood limits on or off; limits: global_per_s, chat_burst, chat_window_s, global_window_s."""
        return (await self.call("POST", "flood", {"on": on, **limits}))["flood"]

    async def block(self, user_id: int, blocked: bool = True) -> None:
        await self.call("POST", "block", {"user_id": user_id, "blocked": blocked})

    async def stats(self) -> dict:
        return await self.call("GET", "stats")

    async def reset(self) -> None:
        await self.call("POST", "reset")

    async def redeliver(self, update_id: int) -> None:
        await self.call("POST", "redeliver", {"update_id": update_id})

    async def callback_query(self, query_id: str) -> dict:
        return (await self.call("GET", "callback", params={"id": query_id}))["callback_query"]

    async def history(self, chat_id: int | None = None, since: int = 0, wait: float = 0) -> dict:
        params: dict[str, Any] = {"since": since, "wait": wait}
        if chat_id is not None:
            params["chat_id"] = chat_id
        return await self.call("GET", "messages", params=params)


class SandboxUser:
    """One simulated user in their private chat with the bot."""

    def __init__(self, control: SandboxControl, user_id: int, first_name: str | None = None) -> None:
        self.control = control
        self.user_id = user_id
        self.first_name = first_name
        self.cursor = 0  # seq of the last change wait_for has looked at

    def _body(self, **kw: Any) -> dict:
        body = {"user_id": self.user_id, **kw}
        if self.first_name:
            body["first_name"] = self.first_name
        return body

    async def send(self, text: str) -> ChatMessage:
        return ChatMessage.from_api((await self.control.call("POST", "send", self._body(text=text)))["message"])

    async def press(self, message: ChatMessage | int, button: str) -> str:
        """Presses an inline button by its text or callback_data; returns the callback query id."""
        if isinstance(message, int):
            message = await self.message(message)
        found = message.button(button)
        if found is None:
            raise SandboxError(f"message {message.message_id} has no button {button!r}: {message.buttons}")
        body = self._body(message_id=message.message_id, callback_data=found[1])
        return (await self.control.call("POST", "press", body))["callback_query_id"]

    async def forge_press(self, message: ChatMessage | int, callback_data: str) -> str:
        """Sends callback data that no button of the message carries (a hostile or outdated client)."""
        message_id = message if isinstance(message, int) else message.message_id
        body = self._body(message_id=message_id, callback_data=callback_data, forge=True)
        return (await self.control.call("POST", "press", body))["callback_query_id"]

    async def share_location(self, latitude: float, longitude: float) -> ChatMessage:
        body = self._body(latitude=latitude, longitude=longitude)
        return ChatMessage.from_api((await self.control.call("POST", "location", body))["message"])

    async def send_photo(self, data: bytes | None = None, caption: str | None = None) -> ChatMessage:
        body = self._body(caption=caption)
        if data is not None:
            body["data_base64"] = base64.b64encode(data).decode()
        return ChatMessage.from_api((await self.control.call("POST", "photo", body))["message"])

    async def send_contact(self, phone_number: str | None = None) -> ChatMessage:
        body = self._body(phone_number=phone_number)
        return ChatMessage.from_api((await self.control.call("POST", "contact", body))["message"])

    async def send_other(self, kind: str, **fields: Any) -> ChatMessage:
        """kind: sticker, voice or document."""
        return ChatMessage.from_api((await self.control.call("POST", kind, self._body(**fields)))["message"])

    async def messages(self) -> list[ChatMessage]:
        """The whole chat history, oldest first (deleted messages flagged)."""
        body = await self.control.history(self.user_id)
        return sorted((ChatMessage.from_api(m) for m in body["messages"]), key=lambda m: m.message_id)

    async def message(self, message_id: int) -> ChatMessage:
        for m in await self.messages():
            if m.message_id == message_id:
                return m
        raise SandboxError(f"no message {message_id} in chat {self.user_id}")

    async def bot_messages(self) -> list[ChatMessage]:
        return [m for m in await self.messages() if m.outgoing and not m.deleted]

    async def wait_for(self, match: str | Predicate | None = None, timeout: float = 10) -> ChatMessage:
        """Waits for a bot message (new or edited) after the cursor that matches; moves the cursor to it."""
        if match is None:
            predicate: Predicate = lambda m: True  # noqa: E731
        elif isinstance(match, str):
            predicate = lambda m: match in m.text  # noqa: E731
        else:
            predicate = match
        deadline = time.monotonic() + timeout
        since = self.cursor
        seen: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            body = await self.control.history(self.user_id, since=since, wait=max(min(remaining, 30), 0))
            for raw in body["messages"]:
                m = ChatMessage.from_api(raw)
                if m.outgoing and not m.deleted:
                    if predicate(m):
                        self.cursor = m.seq
                        return m
                    seen.append(m.text[:80])
            since = max(since, body["seq"])
            if time.monotonic() >= deadline:
                raise asyncio.TimeoutError(
                    f"user {self.user_id}: no bot message matching {match!r} within {timeout}s; saw {seen}"
                )
