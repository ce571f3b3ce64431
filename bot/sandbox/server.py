"""FakeBotApi: a fake Telegram Bot API on 127.0.0.1 with a control API and a web chat page.

    api = FakeBotApi()
    base = await api.start()             # "http://127.0.0.1:PORT"
    Application.builder().token(t).base_url(api.bot_api_url).base_file_url(api.file_url)
    ...
    await api.stop()

Routes: /bot<token>/<method> (the Bot API), /file/bot<token>/<path> (downloads),
/sandbox/api/... (simulated users, fault injection, stats; see control.py), / (the chat page).

setWebhook makes it POST updates to the bot as Telegram does (webhook.py).

`FakeBotApi(latency=0.15, jitter=0.02, flood_limits=True)` simulates a bot far from Telegram's
servers and Telegram's flood limits (see network.py); both can be changed while it runs.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from aiohttp import web

from . import botapi, control
from .markup import ApiError
from .network import FloodLimits, Latency, seconds_value, too_many_requests
from .webhook import WebhookDelivery
from .world import DEFAULT_USERS, World

TOKEN_RE = re.compile(r"^(\d+):[A-Za-z0-9_-]{30,}$")
STATIC = Path(__file__).with_name("static")
STATUS_TEXT = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class FakeBotApi:
    """The sandbox server. All state lives in `world`; `faults` holds pending fault injections."""

    def __init__(self, users: list[dict] | None = None, callback_ttl: float = 15.0, latency: float = 0.0,
                 jitter: float = 0.0, flood_limits: bool = False) -> None:
        self.initial_users = [dict(u) for u in (users if users is not None else DEFAULT_USERS)]
        self.callback_ttl = callback_ttl
        self.latency = Latency()
        self.set_latency(latency, jitter)
        self.flood = FloodLimits(on=flood_limits)
        # Called as listener(chat_id, method, retry_after) for each request refused by the flood limits.
        self.refusal_listeners: list[Callable[[str, str, int], None]] = []
        self._runner: web.AppRunner | None = None
        self._base = ""
        self._closed = asyncio.Event()
        self.closing = False
        self.poll_generation = 0
        self.epoch = 0
        self.webhook = WebhookDelivery(self)        # kept across reset(), like the bot's other settings
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forgets chats, updates, files, faults and stats; update ids keep increasing."""
        old = getattr(self, "world", None)
        self.epoch += 1
        self.world = World()
        if old is not None:
            self.world.bot_id = old.bot_id
            self.world.update_ids = old.update_ids
            self.world.seq = old.seq
            self.world.changed = old.changed
            self.world.update_arrived = old.update_arrived
            self.world.listeners = old.listeners
        for u in self.initial_users:
            user = self.world.add_user(int(u.get("id") or u["user_id"]), u["first_name"], u.get("username"),
                                       u.get("role", ""))
            user.started = bool(u.get("started", False))   # e.g. demo staff already bound to the bot
        self.faults: list[dict] = []
        self.notices: list[dict] = []
        self.calls: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.faults_served: Counter[str] = Counter()
        self.delivered: Counter[int] = Counter()
        self.updates_made: Counter[str] = Counter()
        self.first_call: dict[str, float] = {}      # Bot API method -> time.monotonic() of its first call
        self.flood.forget()                          # the limits stay as set; their windows start afresh
        self.world.touch()
        self.world.update_arrived.fire()

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", r"/bot{token}/{method}", self._bot_api)
        app.router.add_get(r"/file/bot{token}/{path:.+}", self._download)
        control.add_routes(app, self)
        app.router.add_get("/", self._page)
        app.router.add_get("/favicon.ico", self._no_icon)
        app.router.add_static("/static/", STATIC)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self.closing = False
        self._closed = asyncio.Event()
        self._runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sock = site._server.sockets[0]  # type: ignore[union-attr]
        actual_port = sock.getsockname()[1]
        self._base = f"http://{host}:{actual_port}"
        return self._base

    async def stop(self) -> None:
        self.closing = True
        self._closed.set()
        await self.webhook.delete()
        self.world.update_arrived.fire()
        self.world.changed.fire()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "FakeBotApi":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return self._base

    @property
    def bot_api_url(self) -> str:
        return f"{self._base}/bot"

    @property
    def file_url(self) -> str:
        return f"{self._base}/file/bot"

    @property
    def page_url(self) -> str:
        return f"{self._base}/"

    # -- bookkeeping used by the methods -------------------------------------------------------------
    def stats_delivered(self, chat_id: int) -> None:
        self.delivered[chat_id] += 1

    def notify(self, chat_id: int, kind: str, data: dict) -> None:
        """Records something the page should show once, e.g. a callback answer's toast."""
        self.notices.append({"seq": self.world.touch(), "chat_id": chat_id, "kind": kind, **data})
        del self.notices[:-200]

    def push_update(self, kind: str, payload: dict) -> dict:
        self.updates_made[kind] += 1
        return self.world.push_update(kind, payload)

    async def sleep(self, seconds: float) -> None:
        """Sleeps, but wakes up when the server stops."""
        try:
            await asyncio.wait_for(self._closed.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    # -- the simulated network ----------------------------------------------------------------------
    def set_latency(self, seconds: float, jitter: float = 0.0) -> None:
        """Every Bot API request and download takes a round trip of `seconds` (± jitter) from now on."""
        self.latency.seconds = seconds_value(seconds, "seconds")
        self.latency.jitter = seconds_value(jitter, "jitter")

    def set_flood_limits(self, on: bool = True, global_per_s: int = 30, chat_burst: int = 3,
                         chat_window_s: float = 3.0, global_window_s: float = 1.0) -> None:
        """Turns Telegram's flood limits on or off; the messages already counted stay counted."""
        for name, value in (("global_per_s", global_per_s), ("chat_burst", chat_burst)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer")
        for name, value in (("chat_window_s", chat_window_s), ("global_window_s", global_window_s)):
            if seconds_value(value, name) <= 0:
                raise ValueError(f"{name} must be more than 0 seconds")
        flood = self.flood
        flood.on, flood.global_per_s, flood.chat_burst = bool(on), global_per_s, chat_burst
        flood.chat_window_s, flood.global_window_s = float(chat_window_s), float(global_window_s)

    async def _travel(self) -> None:
        """Half a round trip: a request on its way in, or its answer on its way out."""
        delay = self.latency.half()
        if delay > 0:
            await self.sleep(delay)

    def _refuse(self, chat: str, method: str, wait: float) -> web.Response:
        body = too_many_requests(wait)
        for listener in list(self.refusal_listeners):
            listener(chat, method, body["parameters"]["retry_after"])
        return _json(body, 429)

    # -- faults -----------------------------------------------------------------------------------------
    def add_fault(self, spec: dict) -> dict:
        kind = str(spec.get("kind", "status"))
        if kind not in ("status", "429", "timeout", "drop", "outage"):
            raise ValueError(f"unknown fault kind {kind!r}")
        fault = {
            "id": len(self.faults) + sum(self.faults_served.values()) + 1,
            "method": str(spec.get("method", "*")),
            "kind": kind,
            "status": int(spec.get("status", 502 if kind == "outage" else 500)),
            "retry_after": int(spec.get("retry_after", 1)),
            "seconds": float(spec.get("seconds", 30 if kind != "outage" else 5)),
            "deliver": bool(spec.get("deliver", False)),
            "hang": bool(spec.get("hang", False)),
            "count": None if kind == "outage" else int(spec.get("count", 1)),
            "until": None,
        }
        window = spec.get("for_seconds")
        if kind == "outage":
            window = fault["seconds"]
        if window is not None:
            fault["until"] = time.monotonic() + float(window)
            if "count" not in spec:
                fault["count"] = None
        self.faults.append(fault)
        return {k: v for k, v in fault.items() if k != "until"}

    def _take_fault(self, method: str) -> dict | None:
        now = time.monotonic()
        self.faults = [
            f for f in self.faults
            if (f["count"] is None or f["count"] > 0) and (f["until"] is None or f["until"] > now)
        ]
        for fault in self.faults:
            target = fault["method"].lower()
            everything = target == "*" and (method != "getupdates" or fault["kind"] == "outage")
            if target == method or everything:
                if fault["count"] is not None:
                    fault["count"] -= 1
                self.faults_served[fault["kind"]] += 1
                return fault
        return None

    async def _apply_fault(self, fault: dict, request: web.Request) -> web.StreamResponse | None:
        """Returns the faulty response, or None when the request should then be served normally."""
        kind = fault["kind"]
        if kind == "429":
            n = fault["retry_after"]
            return _json(ApiError(429, f"Too Many Requests: retry after {n}", {"retry_after": n}).payload(), 429)
        if kind == "status":
            return _error_status(fault["status"])
        if kind == "drop":
            await self._travel()   # the reset reaches the client half a round trip later
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # nothing is written; the client sees the connection reset
        if kind == "timeout":
            await self.sleep(fault["seconds"])
            return None if fault["deliver"] else _error_status(504)
        if kind == "outage":
            if fault["hang"] and fault["until"] is not None:
                await self.sleep(max(fault["until"] - time.monotonic(), 0))
            return _error_status(fault["status"])
        return None

    # -- HTTP handlers --------------------------------------------------------------------------------
    async def _bot_api(self, request: web.Request) -> web.StreamResponse:
        await self._travel()
        response = await self._serve(request)
        await self._travel()
        return response

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        name = request.match_info["method"]
        m = TOKEN_RE.match(token)
        if not m:
            return _json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        self.world.bot_id = int(m.group(1))
        self.calls[name] += 1
        self.first_call.setdefault(name, time.monotonic())
        fault = self._take_fault(name.lower())
        if fault is not None:
            response = await self._apply_fault(fault, request)
            if response is not None:
                return response
        admitted: tuple[str, float] | None = None
        try:
            raw, files = await _read_params(request)
            if self.flood.counts(name):
                chat, now = str(raw.get("chat_id")), time.monotonic()
                wait = self.flood.admit(chat, now)
                if wait:
                    return self._refuse(chat, name, wait)
                admitted = (chat, now)
            result = await botapi.call(self, name, botapi.Params(raw, files))
        except ApiError as exc:
            if admitted is not None:
                self.flood.release(*admitted)   # nothing was sent, so nothing counts
            self.errors[exc.description] += 1
            return _json(exc.payload(), exc.code)
        return _json({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.StreamResponse:
        await self._travel()
        response = self._file(request)
        await self._travel()
        return response

    def _file(self, request: web.Request) -> web.StreamResponse:
        if not TOKEN_RE.match(request.match_info["token"]):
            return _json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        path = request.match_info["path"]
        stored = next((f for f in self.world.files.values() if f.file_path == path), None)
        if stored is None:
            return _json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return web.Response(body=stored.data, content_type=stored.mime_type)

    async def _no_icon(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=204)

    async def _page(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, str, bytes]]]:
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, tuple[str, str, bytes]] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON object") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: can't parse JSON object")
            raw.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.content_type, value.file.read())
                else:
                    raw[key] = value
    return raw, files


def _json(body: dict, status: int = 200) -> web.Response:
    return web.Response(
        text=control.json_text(body), status=status, content_type="application/json"
    )


def _error_status(status: int) -> web.Response:
    return _json({"ok": False, "error_code": status, "description": STATUS_TEXT.get(status, "Error")}, status)
