"""The control API under /sandbox/api/: simulated users act, tests inject faults and read stats.

The simulated network: /latency ({"seconds": 0.15, "jitter": 0.02}; DELETE clears it) and /flood
({"on": true, "global_per_s": 30, "chat_burst": 3, "chat_window_s": 3, "global_window_s": 1}).

JSON in, JSON out: {"ok": true, ...} or {"ok": false, "error": "..."} with status 400/404.
"""

from __future__ import annotations

import base64
import json
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from aiohttp import web

from .entities import bot_command_entities
from .markup import button_rows
from .tinyjpeg import TINY_JPEG
from .world import User, photo_sizes

if TYPE_CHECKING:
    from .server import FakeBotApi

PREFIX = "/sandbox/api"


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def add_routes(app: web.Application, api: "FakeBotApi") -> None:
    def wrap(fn: Callable[["FakeBotApi", dict, web.Request], Awaitable[dict]]) -> Callable:
        async def handler(request: web.Request) -> web.Response:
            try:
                body = await _body(request)
                result = await fn(api, body, request)
            except ControlError as exc:
                return web.json_response({"ok": False, "error": str(exc)}, status=exc.status)
            return web.json_response({"ok": True, **result}, dumps=_dumps)

        return handler

    for verb, path, fn in ROUTES:
        app.router.add_route(verb, PREFIX + path, wrap(fn))
    async def download(request: web.Request) -> web.StreamResponse:
        return await _file(api, request)

    app.router.add_get(PREFIX + "/files/{file_id}", download)


def _dumps(obj: Any) -> str:
    return json_text(obj)


def json_text(obj: Any) -> str:
    """JSON as readable UTF-8; with \\u escapes when a text holds a lone surrogate, which UTF-8 cannot carry."""
    text = json.dumps(obj, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(obj)
    return text


async def _body(request: web.Request) -> dict:
    body: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return body
    if request.content_type == "application/json":
        try:
            data = await request.json()
        except ValueError:
            raise ControlError("body is not valid JSON") from None
        if not isinstance(data, dict):
            raise ControlError("body must be a JSON object")
        body.update(data)
    else:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                body["_file"] = (value.filename, value.content_type, value.file.read())
            else:
                body[key] = value
    return body


def _int(body: dict, key: str) -> int:
    try:
        return int(body[key])
    except (KeyError, TypeError, ValueError):
        raise ControlError(f"{key} (integer) is required") from None


def _user(api: "FakeBotApi", body: dict) -> User:
    user = api.world.user(_int(body, "user_id"), body.get("first_name"))
    user.started = True
    user.blocked = False  # writing to the bot again unblocks it, as in Telegram
    return user


def _incoming(api: "FakeBotApi", user: User, fields: dict) -> dict:
    msg = api.world.add_message(user.id, False, fields)
    update = api.push_update("message", msg.as_tg(api.world))
    keyboard = api.world.reply_keyboards.get(user.id)
    if keyboard and keyboard.get("one_time_keyboard"):
        api.world.reply_keyboards.pop(user.id, None)
    return {"message": msg.public(api.world), "update_id": update["update_id"]}


def send_text(api: "FakeBotApi", user_id: int, text: str) -> dict:
    """A user writes `text` to the bot (in process: the HTTP route and the benchmark driver)."""
    user = _user(api, {"user_id": user_id})
    fields: dict[str, Any] = {"text": text}
    if entities := bot_command_entities(text):
        fields["entities"] = entities
    return _incoming(api, user, fields)


def press_button(api: "FakeBotApi", user_id: int, message_id: int, data: str | None = None,
                 text: str | None = None, forge: bool = False) -> dict:
    """A user presses the inline button with this callback data (or, without data, this text).

    With `forge`, the data need not be on any button: a hostile or outdated client."""
    user = _user(api, {"user_id": user_id})
    msg = api.world.find_message(user.id, message_id)
    if msg is None or not msg.outgoing:
        raise ControlError("no such bot message in this chat", 404)
    if forge:
        if not isinstance(data, str) or not data:
            raise ControlError("forge needs callback_data")
        return _press(api, user, msg, data)
    for row in button_rows(msg.reply_markup):
        for button in row:
            if "callback_data" not in button:
                continue
            if (data is not None and button["callback_data"] == data) or (
                data is None and text is not None and button["text"] == text
            ):
                return _press(api, user, msg, button["callback_data"])
    raise ControlError("that message has no such button")


def _press(api: "FakeBotApi", user, msg, data: str) -> dict:
    cq = api.world.new_callback(user.id, user.id, msg.message_id, data)
    payload = {
        "id": cq.id, "from": user.as_tg(), "message": msg.as_tg(api.world),
        "chat_instance": str(user.id * 7919 + api.world.bot_id), "data": cq.data,
    }
    update = api.push_update("callback_query", payload)
    return {"callback_query_id": cq.id, "update_id": update["update_id"]}


async def send(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    text = str(body.get("text") or "")
    if not text.strip():
        raise ControlError("text is required")
    _user(api, body)   # validates user_id, takes first_name
    return send_text(api, _int(body, "user_id"), text)


async def press(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    _user(api, body)
    return press_button(api, _int(body, "user_id"), _int(body, "message_id"),
                        body.get("callback_data"), body.get("text"), forge=bool(body.get("forge")))


async def location(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    try:
        lat, lon = float(body["latitude"]), float(body["longitude"])
    except (KeyError, TypeError, ValueError):
        raise ControlError("latitude and longitude are required") from None
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise ControlError("latitude/longitude out of range")
    loc: dict[str, Any] = {"latitude": lat, "longitude": lon}
    if body.get("horizontal_accuracy"):
        loc["horizontal_accuracy"] = float(body["horizontal_accuracy"])
    return _incoming(api, _user(api, body), {"location": loc})


def _upload(body: dict, default: bytes, default_name: str, default_mime: str) -> tuple[str, str, bytes]:
    if "_file" in body:
        return body["_file"]
    if body.get("data_base64"):
        try:
            data = base64.b64decode(body["data_base64"])
        except ValueError:
            raise ControlError("data_base64 is not base64") from None
        return body.get("file_name") or default_name, body.get("mime_type") or default_mime, data
    return body.get("file_name") or default_name, body.get("mime_type") or default_mime, default


def _caption(body: dict) -> dict:
    caption = str(body.get("caption") or "")
    return {"caption": caption} if caption else {}


async def photo(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    user = _user(api, body)
    _, mime, data = _upload(body, TINY_JPEG, "photo.jpg", "image/jpeg")
    stored = api.world.store_file(data, "photos", "jpg", mime or "image/jpeg")
    return _incoming(api, user, {"photo": photo_sizes(stored), **_caption(body)})


async def document(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    user = _user(api, body)
    name, mime, data = _upload(body, "网格巡查记录\n".encode(), "巡查记录.txt", "text/plain")
    ext = name.rsplit(".", 1)[-1] if "." in name else "bin"
    stored = api.world.store_file(data, "documents", ext[:8], mime or "application/octet-stream")
    doc = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_name": name,
           "mime_type": stored.mime_type, "file_size": len(data)}
    return _incoming(api, user, {"document": doc, **_caption(body)})


async def contact(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    user = _user(api, body)
    phone = str(body.get("phone_number") or f"+86138{user.id % 100000000:08d}")
    card = {"phone_number": phone, "first_name": body.get("contact_first_name") or user.first_name}
    if body.get("own", True) not in (False, "false", "0"):
        card["user_id"] = user.id
    return _incoming(api, user, {"contact": card})


async def sticker(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    user = _user(api, body)
    stored = api.world.store_file(TINY_JPEG, "stickers", "webp", "image/webp")
    st = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "type": "regular",
          "width": 512, "height": 512, "is_animated": False, "is_video": False,
          "emoji": body.get("emoji") or "👍", "set_name": "SandboxStickers", "file_size": len(stored.data)}
    return _incoming(api, user, {"sticker": st})


async def voice(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    user = _user(api, body)
    _, mime, data = _upload(body, b"OggS" + bytes(60), "voice.ogg", "audio/ogg")
    stored = api.world.store_file(data, "voice", "oga", mime or "audio/ogg")
    v = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
         "duration": int(body.get("duration") or 3), "mime_type": stored.mime_type, "file_size": len(data)}
    return _incoming(api, user, {"voice": v})


def effective_commands(api: "FakeBotApi", chat_id: int) -> list[dict]:
    cmds = api.world.commands
    for key in (f"chat:{chat_id}", "all_private_chats", "default"):
        for lang in ("zh", ""):
            if f"{key}|{lang}" in cmds:
                return cmds[f"{key}|{lang}"]
    return []


def _chat_state(api: "FakeBotApi", chat_id: int) -> dict:
    action = api.world.chat_actions.get(chat_id)
    return {
        "keyboard": api.world.reply_keyboards.get(chat_id),
        "commands": effective_commands(api, chat_id),
        "action": action["action"] if action and action["until"] > time.time() else None,
    }


async def messages(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    world = api.world
    chat_ids = None
    if body.get("chat_id"):
        try:
            chat_ids = {int(c) for c in str(body["chat_id"]).split(",") if c.strip()}
        except ValueError:
            raise ControlError("chat_id must be integers separated by commas") from None
    since = int(body["since"]) if body.get("since") not in (None, "") else None
    after_id = int(body["after_id"]) if body.get("after_id") not in (None, "") else None
    wait = min(float(body.get("wait") or 0), 60.0)
    deadline = time.monotonic() + wait

    def collect() -> list[dict]:
        found = world.changes(since or 0, chat_ids)
        if after_id is not None:
            found = [m for m in found if m.message_id > after_id]
        return [m.public(world) for m in found]

    while True:
        found = collect()
        changed = since is not None and world.seq > since
        remaining = deadline - time.monotonic()
        if found or changed or remaining <= 0 or api.closing:
            break
        await world.changed.wait(remaining)
    notices = [n for n in api.notices if n["seq"] > (since or 0) and (chat_ids is None or n["chat_id"] in chat_ids)]
    chats = {str(c): _chat_state(api, c) for c in (chat_ids or world.users.keys())}
    return {"seq": world.seq, "epoch": api.epoch, "messages": found, "notices": notices, "chats": chats}


async def users(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    if request.method == "POST":
        user = api.world.add_user(_int(body, "user_id"), str(body.get("first_name") or ""), body.get("username"), body.get("role") or "")
        if not user.first_name:
            user.first_name = f"用户{user.id}"
        return {"user": user.public()}
    return {"users": [u.public() for u in api.world.users.values()], "bot": api.world.bot_user()}


async def faults(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    if request.method == "POST":
        try:
            return {"fault": api.add_fault(body)}
        except (TypeError, ValueError) as exc:
            raise ControlError(str(exc)) from None
    if request.method == "DELETE":
        api.faults.clear()
        return {}
    return {"faults": [{k: v for k, v in f.items() if k != "until"} for f in api.faults]}


async def block(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    user = api.world.users.get(_int(body, "user_id"))
    if user is None:
        raise ControlError("unknown user", 404)
    user.blocked = body.get("blocked", True) not in (False, "false", "0", 0)
    api.world.touch()
    return {"user": user.public()}


async def stats(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    return {
        "calls": dict(api.calls),
        "errors": dict(api.errors),
        "faults_served": dict(api.faults_served),
        "delivered": {str(k): v for k, v in api.delivered.items()},
        "delivered_total": sum(api.delivered.values()),
        "updates": dict(api.updates_made),
        "pending_updates": len(api.world.updates),
        "latency": api.latency.public(),
        "flood": api.flood.public(),
        "flood_refused": sum(api.flood.refused.values()),
        "flood_refused_chats": dict(api.flood.refused),
        "flood_refused_by": dict(api.flood.refused_by),
        "webhook": api.webhook.public(),
    }


async def latency(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    if request.method == "POST":
        try:
            api.set_latency(body.get("seconds", 0), body.get("jitter", 0))
        except ValueError as exc:
            raise ControlError(str(exc)) from None
    elif request.method == "DELETE":
        api.set_latency(0.0, 0.0)
    return {"latency": api.latency.public()}


async def flood(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    if request.method == "POST":
        on = body.get("on", True) not in (False, "false", "0", 0)
        try:
            limits = {key: cast(body[key]) for key, cast in FLOOD_FIELDS.items() if key in body}
            api.set_flood_limits(on, **limits)
        except (TypeError, ValueError) as exc:
            raise ControlError(str(exc)) from None
    elif request.method == "DELETE":
        api.set_flood_limits(False)
    return {"flood": api.flood.public(), "refused": sum(api.flood.refused.values()),
            "refused_chats": dict(api.flood.refused), "refused_by": dict(api.flood.refused_by)}


FLOOD_FIELDS: dict[str, Callable[[Any], Any]] = {
    "global_per_s": int, "chat_burst": int, "chat_window_s": float, "global_window_s": float,
}


async def reset(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    api.reset()
    return {}


async def redeliver(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    if not api.world.redeliver(_int(body, "update_id")):
        raise ControlError("no confirmed update with that update_id", 404)
    return {}


async def callback(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    cq = api.world.callbacks.get(str(body.get("id") or ""))
    if cq is None:
        raise ControlError("unknown callback query", 404)
    return {"callback_query": {"id": cq.id, "data": cq.data, "message_id": cq.message_id,
                               "answered": cq.answered, "answer": cq.answer}}


async def info(api: "FakeBotApi", body: dict, request: web.Request) -> dict:
    return {"bot": api.world.bot_user(), "bot_api_url": api.bot_api_url, "file_url": api.file_url,
            "page_url": api.page_url, "epoch": api.epoch}


async def _file(api: "FakeBotApi", request: web.Request) -> web.StreamResponse:
    stored = api.world.files.get(request.match_info["file_id"])
    if stored is None:
        return web.json_response({"ok": False, "error": "unknown file"}, status=404)
    return web.Response(body=stored.data, content_type=stored.mime_type)


ROUTES = [
    ("POST", "/send", send),
    ("POST", "/press", press),
    ("POST", "/location", location),
    ("POST", "/photo", photo),
    ("POST", "/document", document),
    ("POST", "/contact", contact),
    ("POST", "/sticker", sticker),
    ("POST", "/voice", voice),
    ("GET", "/messages", messages),
    ("GET", "/users", users),
    ("POST", "/users", users),
    ("GET", "/faults", faults),
    ("POST", "/faults", faults),
    ("DELETE", "/faults", faults),
    ("POST", "/block", block),
    ("GET", "/stats", stats),
    ("GET", "/latency", latency),
    ("POST", "/latency", latency),
    ("DELETE", "/latency", latency),
    ("GET", "/flood", flood),
    ("POST", "/flood", flood),
    ("DELETE", "/flood", flood),
    ("POST", "/reset", reset),
    ("POST", "/redeliver", redeliver),
    ("GET", "/callback", callback),
    ("GET", "/info", info),
]
