"""The Bot API methods: each takes the request's parameters and returns the `result` or raises ApiError."""

from __future__ import annotations

import json
import mimetypes
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from . import entities as ent
from .markup import ApiError, bad_request, load_markup
from .world import Message, User, photo_sizes

if TYPE_CHECKING:
    from .server import FakeBotApi

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
}
UPDATE_TYPES = {
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages", "message_reaction",
    "message_reaction_count", "inline_query", "chosen_inline_result", "callback_query",
    "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer",
    "my_chat_member", "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
}


class Params:
    """Typed access to a request's parameters (JSON values, or strings from form fields)."""

    def __init__(self, raw: dict[str, Any], files: dict[str, tuple[str, str, bytes]]) -> None:
        self.raw = raw
        self.files = files

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def int(self, name: str, default: int | None = None, required: str | None = None) -> int | None:
        value = self.raw.get(name)
        if value in (None, ""):
            if required:
                raise bad_request(required)
            return default
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Integer')
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be of type Integer') from None

    def float(self, name: str) -> float:
        value = self.raw.get(name)
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be of type Number') from None

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")

    def json(self, name: str, kind: type, what: str | None = None) -> Any:
        value = self.raw.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what or name} JSON object") from None
        if not isinstance(value, kind):
            raise bad_request(f"can't parse {what or name} JSON object")
        return value


Handler = Callable[["FakeBotApi", Params], Awaitable[Any]]
METHODS: dict[str, Handler] = {}


def method(*names: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = fn
        return fn

    return register


# -- helpers ---------------------------------------------------------------------------------------
def target_chat(api: "FakeBotApi", p: Params) -> User:
    raw = p.raw.get("chat_id")
    if raw in (None, ""):
        raise bad_request("chat_id is empty")
    if isinstance(raw, str) and raw.startswith("@"):
        user = next((u for u in api.world.users.values() if u.username and "@" + u.username == raw), None)
    else:
        chat_id = p.int("chat_id")
        user = api.world.users.get(chat_id)  # type: ignore[arg-type]
    if user is None or not user.started:
        raise bad_request("chat not found")
    if user.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    return user


def formatted(p: Params, text_field: str, entities_field: str, limit: int, too_long: str, empty: str | None) -> tuple[str, list[dict], str | None]:
    """Parses text per parse_mode (or takes explicit entities); returns (text, entities, source)."""
    text = p.str(text_field) or ""
    mode = p.str("parse_mode")
    explicit = p.json(entities_field, list, "entities")
    try:
        if explicit is not None:
            parsed, entities = text, explicit
        else:
            parsed, entities = ent.parse(text, mode)
    except ent.EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    except ValueError:
        raise bad_request("unsupported parse_mode") from None
    parsed, entities = ent.strip_text(parsed, entities)
    if not parsed and empty:
        raise bad_request(empty)
    if ent.utf16_len(parsed) > limit:
        raise bad_request(too_long)
    return parsed, entities, (text if mode else None)


def reply_fields(api: "FakeBotApi", p: Params, chat: User) -> dict:
    reply_to = p.int("reply_to_message_id")
    allow_missing = p.bool("allow_sending_without_reply")
    params = p.json("reply_parameters", dict, "reply parameters")
    if params:
        reply_to = int(params.get("message_id") or 0)
        allow_missing = bool(params.get("allow_sending_without_reply"))
    if not reply_to:
        return {}
    original = api.world.find_message(chat.id, reply_to)
    if original is None:
        if allow_missing:
            return {}
        raise bad_request("message to be replied not found")
    return {"reply_to_message": original.as_tg(api.world)}


def deliver(api: "FakeBotApi", p: Params, chat: User, fields: dict, html: str | None = None) -> dict:
    markup = load_markup(p.raw.get("reply_markup"))
    fields = {**fields, **reply_fields(api, p, chat)}
    msg = api.world.add_message(chat.id, True, fields, reply_markup=markup, html=html)
    if markup and "keyboard" in markup:
        api.world.reply_keyboards[chat.id] = markup
    elif markup and "remove_keyboard" in markup:
        api.world.reply_keyboards.pop(chat.id, None)
    api.world.chat_actions.pop(chat.id, None)
    api.stats_delivered(chat.id)
    return msg.as_tg(api.world)


def input_file(api: "FakeBotApi", p: Params, name: str, default_mime: str) -> tuple[str, str, bytes] | str:
    """Returns (filename, mime, bytes) for an upload, or the file_id of a file already stored."""
    if name in p.files:
        return p.files[name]
    value = p.str(name)
    if not value:
        raise bad_request(f"there is no {name} in the request")
    if value.startswith("attach://"):
        part = p.files.get(value[len("attach://"):])
        if part is None:
            raise bad_request(f"wrong file identifier/HTTP URL specified")
        return part
    if value.startswith(("http://", "https://")):
        raise bad_request("wrong file identifier/HTTP URL specified")  # the sandbox has no internet
    if value not in api.world.files:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return value


def caption_fields(p: Params) -> tuple[dict, str | None]:
    caption, entities, source = formatted(
        p, "caption", "caption_entities", CAPTION_LIMIT, "message caption is too long", None
    )
    fields: dict[str, Any] = {}
    if caption:
        fields["caption"] = caption
        if entities:
            fields["caption_entities"] = entities
    return fields, source


def own_message(api: "FakeBotApi", p: Params, not_found: str) -> Message:
    if p.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = target_chat(api, p)
    message_id = p.int("message_id", required="message identifier is not specified")
    msg = api.world.find_message(chat.id, message_id)  # type: ignore[arg-type]
    if msg is None:
        raise bad_request(not_found)
    if not msg.outgoing:
        raise bad_request("message can't be edited")
    return msg


def inline_only(p: Params) -> dict | None:
    markup = load_markup(p.raw.get("reply_markup"))
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    if markup is not None and not markup["inline_keyboard"]:
        return None
    return markup


def scope_key(p: Params) -> str:
    scope = p.json("scope", dict, "BotCommandScope") or {"type": "default"}
    kind = scope.get("type")
    if kind not in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators",
                    "chat", "chat_administrators", "chat_member"):
        raise bad_request("can't parse BotCommandScope JSON object")
    key = kind
    if kind in ("chat", "chat_administrators", "chat_member"):
        if scope.get("chat_id") in (None, ""):
            raise bad_request("chat_id is empty")
        key += f":{scope['chat_id']}"
        if kind == "chat_member":
            key += f":{scope.get('user_id')}"
    return f"{key}|{p.str('language_code') or ''}"


# -- methods ---------------------------------------------------------------------------------------
@method("getMe")
async def get_me(api: "FakeBotApi", p: Params) -> dict:
    return {
        **api.world.bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
        "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False,
    }


@method("logOut", "close")
async def log_out(api: "FakeBotApi", p: Params) -> bool:
    return True


@method("setWebhook")
async def set_webhook(api: "FakeBotApi", p: Params) -> bool:
    url = p.str("url") or ""
    secret = p.str("secret_token") or ""
    if len(secret) > 256 or not all(c.isascii() and (c.isalnum() or c in "_-") for c in secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.int("max_connections", 40) or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    if url and not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    allowed = p.json("allowed_updates", list, "allowed_updates")
    if p.bool("drop_pending_updates"):
        api.world.confirm(10**12)
    await api.webhook.set(url, secret, max_connections,
                          None if allowed is None else [u for u in allowed if u in UPDATE_TYPES])
    return True


@method("deleteWebhook")
async def delete_webhook(api: "FakeBotApi", p: Params) -> bool:
    await api.webhook.delete()
    if p.bool("drop_pending_updates"):
        api.world.confirm(10**12)
    return True


@method("getWebhookInfo")
async def get_webhook_info(api: "FakeBotApi", p: Params) -> dict:
    return api.webhook.info()


@method("getUpdates")
async def get_updates(api: "FakeBotApi", p: Params) -> list[dict]:
    world = api.world
    if api.webhook.url:
        raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
    offset = p.int("offset")
    limit = min(max(p.int("limit", 100) or 100, 1), 100)
    timeout = max(p.int("timeout", 0) or 0, 0)
    allowed = p.json("allowed_updates", list, "allowed_updates")
    if allowed is not None:
        world.allowed_updates = [u for u in allowed if u in UPDATE_TYPES] or None
    if offset is not None:
        world.confirm(offset)
    api.poll_generation += 1
    generation = api.poll_generation
    world.update_arrived.fire()  # wakes an older long poll, which then ends with 409
    deadline = time.monotonic() + timeout
    while True:
        items = world.pending(offset, limit)
        remaining = deadline - time.monotonic()
        if items or remaining <= 0 or api.closing:
            break
        await world.update_arrived.wait(remaining)
        if api.poll_generation != generation:
            raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
    for q in items:
        q.returned = True
    return [q.update for q in items]


@method("setMyCommands")
async def set_my_commands(api: "FakeBotApi", p: Params) -> bool:
    commands = p.json("commands", list, "commands")
    if commands is None:
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands")
    clean = []
    for c in commands:
        if not isinstance(c, dict):
            raise bad_request("can't parse BotCommand JSON object")
        name, desc = str(c.get("command", "")), str(c.get("description", ""))
        name = name.lstrip("/")
        if not 1 <= len(name) <= 32 or not all(ch.islower() or ch.isdigit() or ch == "_" for ch in name) or not name.isascii():
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(desc) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        clean.append({"command": name, "description": desc})
    api.world.commands[scope_key(p)] = clean
    api.world.touch()
    return True


@method("getMyCommands")
async def get_my_commands(api: "FakeBotApi", p: Params) -> list[dict]:
    return list(api.world.commands.get(scope_key(p), []))


@method("deleteMyCommands")
async def delete_my_commands(api: "FakeBotApi", p: Params) -> bool:
    api.world.commands.pop(scope_key(p), None)
    api.world.touch()
    return True


@method("setChatMenuButton")
async def set_chat_menu_button(api: "FakeBotApi", p: Params) -> bool:
    key = "default"
    if p.has("chat_id"):
        key = str(target_chat(api, p).id)
    button = p.json("menu_button", dict, "menu button") or {"type": "default"}
    if button.get("type") not in ("default", "commands", "web_app"):
        raise bad_request("can't parse menu button JSON object")
    api.world.menu_buttons[key] = button
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(api: "FakeBotApi", p: Params) -> dict:
    key = str(target_chat(api, p).id) if p.has("chat_id") else "default"
    return api.world.menu_buttons.get(key) or api.world.menu_buttons.get("default") or {"type": "commands"}


@method("getChat")
async def get_chat(api: "FakeBotApi", p: Params) -> dict:
    user = target_chat(api, p)
    return {**user.as_chat(), "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": {
        "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False, "premium_subscription": False}}


@method("sendMessage")
async def send_message(api: "FakeBotApi", p: Params) -> dict:
    chat = target_chat(api, p)
    text, entities, source = formatted(
        p, "text", "entities", TEXT_LIMIT, "message is too long", "message text is empty"
    )
    fields: dict[str, Any] = {"text": text}
    if entities:
        fields["entities"] = entities
    return deliver(api, p, chat, fields, html=source)


@method("sendPhoto")
async def send_photo(api: "FakeBotApi", p: Params) -> dict:
    chat = target_chat(api, p)
    photo = input_file(api, p, "photo", "image/jpeg")
    caption, source = caption_fields(p)
    if isinstance(photo, tuple):
        _, mime, data = photo
        if not data:
            raise bad_request("file must be non-empty")
        stored = api.world.store_file(data, "photos", "jpg", mime or "image/jpeg")
    else:
        stored = api.world.files[photo]
    return deliver(api, p, chat, {"photo": photo_sizes(stored), **caption}, html=source)


@method("sendDocument")
async def send_document(api: "FakeBotApi", p: Params) -> dict:
    chat = target_chat(api, p)
    doc = input_file(api, p, "document", "application/octet-stream")
    caption, source = caption_fields(p)
    if isinstance(doc, tuple):
        filename, mime, data = doc
        if not data:
            raise bad_request("file must be non-empty")
        ext = (filename.rsplit(".", 1)[-1] if "." in filename else "bin")[:8]
        mime = mime or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = api.world.store_file(data, "documents", ext, mime)
        name = filename
    else:
        stored = api.world.files[doc]
        name = stored.file_path.rsplit("/", 1)[-1]
    document = {
        "file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_name": name,
        "mime_type": stored.mime_type, "file_size": len(stored.data),
    }
    return deliver(api, p, chat, {"document": document, **caption}, html=source)


@method("sendLocation")
async def send_location(api: "FakeBotApi", p: Params) -> dict:
    chat = target_chat(api, p)
    lat, lon = p.float("latitude"), p.float("longitude")
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise bad_request("wrong latitude or longitude")  # Telegram: "Bad Request: wrong ..."
    return deliver(api, p, chat, {"location": {"latitude": lat, "longitude": lon}})


@method("sendChatAction")
async def send_chat_action(api: "FakeBotApi", p: Params) -> bool:
    chat = target_chat(api, p)
    action = p.str("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    api.world.chat_actions[chat.id] = {"action": action, "until": time.time() + 5}
    api.world.touch()
    return True


@method("editMessageText")
async def edit_message_text(api: "FakeBotApi", p: Params) -> dict:
    msg = own_message(api, p, "message to edit not found")
    text, entities, source = formatted(
        p, "text", "entities", TEXT_LIMIT, "message is too long", "message text is empty"
    )
    if "text" not in msg.fields:
        raise bad_request("there is no text in the message to edit")
    markup = inline_only(p)
    if text == msg.fields["text"] and entities == msg.fields.get("entities", []) and markup == _inline(msg):
        raise bad_request(NOT_MODIFIED)
    msg.fields["text"] = text
    msg.fields.pop("entities", None)
    if entities:
        msg.fields["entities"] = entities
    msg.html = source
    msg.reply_markup = markup
    api.world.bump(msg)
    return msg.as_tg(api.world)


@method("editMessageCaption")
async def edit_message_caption(api: "FakeBotApi", p: Params) -> dict:
    msg = own_message(api, p, "message to edit not found")
    if "text" in msg.fields:
        raise bad_request("there is no caption in the message to edit")
    caption, source = caption_fields(p)
    markup = inline_only(p)
    old = {k: msg.fields[k] for k in ("caption", "caption_entities") if k in msg.fields}
    if caption == old and markup == _inline(msg):
        raise bad_request(NOT_MODIFIED)
    msg.fields.pop("caption", None)
    msg.fields.pop("caption_entities", None)
    msg.fields.update(caption)
    msg.html = source
    msg.reply_markup = markup
    api.world.bump(msg)
    return msg.as_tg(api.world)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(api: "FakeBotApi", p: Params) -> dict:
    msg = own_message(api, p, "message to edit not found")
    markup = inline_only(p)
    if markup == _inline(msg):
        raise bad_request(NOT_MODIFIED)
    msg.reply_markup = markup
    api.world.bump(msg)
    return msg.as_tg(api.world)


def _inline(msg: Message) -> dict | None:
    if msg.reply_markup and msg.reply_markup.get("inline_keyboard"):
        return msg.reply_markup
    return None


@method("deleteMessage")
async def delete_message(api: "FakeBotApi", p: Params) -> bool:
    chat = target_chat(api, p)
    message_id = p.int("message_id", required="message identifier is not specified")
    msg = api.world.find_message(chat.id, message_id)  # type: ignore[arg-type]
    if msg is None:
        raise bad_request("message to delete not found")
    msg.deleted = True
    api.world.bump(msg, edited=False)
    return True


@method("answerCallbackQuery")
async def answer_callback_query(api: "FakeBotApi", p: Params) -> bool:
    query_id = p.str("callback_query_id")
    if not query_id:
        raise bad_request(QUERY_TOO_OLD)
    cq = api.world.callbacks.get(query_id)
    if cq is None or cq.answered or time.monotonic() - cq.created > api.callback_ttl:
        raise bad_request(QUERY_TOO_OLD)
    text = p.str("text") or ""
    if len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    cq.answered = True
    cq.answer = {"text": text, "show_alert": p.bool("show_alert"), "url": p.str("url")}
    api.notify(cq.chat_id, "callback_answer", {"callback_query_id": cq.id, "message_id": cq.message_id, **cq.answer})
    return True


@method("getFile")
async def get_file(api: "FakeBotApi", p: Params) -> dict:
    file_id = p.str("file_id")
    if not file_id:
        raise bad_request("invalid file_id")
    stored = api.world.files.get(file_id)
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data), "file_path": stored.file_path,
    }


async def call(api: "FakeBotApi", name: str, p: Params) -> Any:
    handler = METHODS.get(name.lower())
    if handler is None:
        raise ApiError(404, "Not Found")
    return await handler(api, p)

