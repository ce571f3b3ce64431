"""Telegram's side of a webhook: once setWebhook is called, every pending update is POSTed to the URL.

As Telegram does it: JSON body, the `X-Telegram-Bot-Api-Secret-Token` header when a secret was set,
at most `max_connections` requests at once (Telegram's default 40), an update counted delivered only on
a 2xx answer and otherwise sent again with growing pauses (at least once: a bot that recorded an update
but died before answering gets it again). One chat's updates go one at a time, the next after the
previous was answered, so they arrive in order; different chats concurrently. getUpdates is refused
with 409 while a webhook is set (botapi.py). `posted` counts POSTs per update id: more than one is a
re-delivery.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import TYPE_CHECKING

import aiohttp

if TYPE_CHECKING:
    from .server import FakeBotApi
    from .world import QueuedUpdate

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_FIRST, RETRY_MAX = 0.1, 2.0        # seconds; Telegram's own pauses are longer
REQUEST_TIMEOUT = 30.0


def chat_key(update: dict) -> int:
    """The chat an update belongs to (its sender's id when it has no chat; 0 for neither)."""
    payload = next((v for k, v in update.items() if k != "update_id"), None)
    if not isinstance(payload, dict):
        return 0
    for holder in (payload, payload.get("message") or {}):
        chat = holder.get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return int(chat["id"])
    sender = payload.get("from") or payload.get("user") or {}
    return int(sender.get("id", 0))


class WebhookDelivery:
    def __init__(self, api: "FakeBotApi") -> None:
        self.api = api
        self.url = ""
        self.secret = ""
        self.max_connections = 40
        self.allowed_updates: list[str] | None = None
        self.posted: Counter[int] = Counter()
        self.failures = 0
        self.last_error_date: int | None = None
        self.last_error_message = ""
        self._task: asyncio.Task | None = None
        self._inflight: dict[int, asyncio.Task] = {}        # chat key → its POST now
        self._retry: dict[int, tuple[float, int]] = {}      # id(QueuedUpdate) → (next try, attempts)

    def info(self) -> dict:
        info = {"url": self.url, "has_custom_certificate": False, "pending_update_count": len(self.api.world.updates)}
        if self.url:
            info.update(max_connections=self.max_connections, ip_address="127.0.0.1")
            if self.allowed_updates is not None:
                info["allowed_updates"] = list(self.allowed_updates)
            if self.last_error_date:
                info.update(last_error_date=self.last_error_date, last_error_message=self.last_error_message)
        return info

    def public(self) -> dict:
        return {"url": self.url, "posts": sum(self.posted.values()), "failures": self.failures,
                "redelivered": sum(n - 1 for n in self.posted.values() if n > 1),
                "in_flight": len(self._inflight)}

    async def set(self, url: str, secret: str, max_connections: int, allowed: list[str] | None) -> None:
        if not url:
            await self.delete()
            return
        self.url, self.secret, self.max_connections = url, secret, max_connections
        if allowed is not None:
            self.allowed_updates = allowed or None
        self.last_error_date, self.last_error_message = None, ""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="sandbox-webhook")
        self.api.world.update_arrived.fire()

    async def delete(self) -> None:
        """No more POSTs; those under way are cut off (their updates stay pending, for getUpdates)."""
        self.url = ""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
            try:
                while self.url and not self.api.closing:
                    wait = self._start_due(session)
                    await self.api.world.update_arrived.wait(wait)
            finally:
                posts = list(self._inflight.values())
                for post in posts:
                    post.cancel()
                await asyncio.gather(*posts, return_exceptions=True)
                self._inflight.clear()

    def _start_due(self, session: aiohttp.ClientSession) -> float:
        """Start a POST for each chat's oldest pending update that may go now; the time to the next retry."""
        now = time.monotonic()
        wait = 1.0
        busy: set[int] = set(self._inflight)        # chats whose next update must wait for an earlier one
        allowed = self.allowed_updates
        for q in list(self.api.world.updates):
            if len(self._inflight) >= self.max_connections:
                break
            if allowed and q.kind not in allowed:
                continue
            key = chat_key(q.update)
            if key in busy:
                continue
            busy.add(key)
            at, _ = self._retry.get(id(q), (0.0, 0))
            if at > now:
                wait = min(wait, at - now)
                continue
            self._inflight[key] = asyncio.create_task(self._post(session, q, key), name=f"webhook-{q.update_id}")
        return max(wait, 0.005)

    async def _post(self, session: aiohttp.ClientSession, q: "QueuedUpdate", key: int) -> None:
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers[SECRET_HEADER] = self.secret
        error = ""
        try:
            await self.api.sleep(self.api.latency.half())
            self.posted[q.update_id] += 1
            async with session.post(self.url, data=json.dumps(q.update, ensure_ascii=False).encode(),
                                    headers=headers) as response:
                await response.read()
                if not 200 <= response.status < 300:
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
            await self.api.sleep(self.api.latency.half())
        except asyncio.CancelledError:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            error = f"Connection failed: {type(exc).__name__}"
        finally:
            self._inflight.pop(key, None)
        if error:
            self.failures += 1
            self.last_error_date, self.last_error_message = int(time.time()), error
            _, attempts = self._retry.get(id(q), (0.0, 0))
            self._retry[id(q)] = (time.monotonic() + min(RETRY_FIRST * 2 ** attempts, RETRY_MAX), attempts + 1)
        else:
            self._retry.pop(id(q), None)
            world = self.api.world
            world.updates = [u for u in world.updates if u is not q]
            world.delivered[q.update_id] = q.update
        self.api.world.update_arrived.fire()
