"""Validation of reply_markup objects the way the Bot API checks them."""

from __future__ import annotations

import json
from typing import Any


class ApiError(Exception):
    """A Bot API error: HTTP status/error_code and the description Telegram would give."""

    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(text: str) -> ApiError:
    return ApiError(400, f"Bad Request: {text}")


INLINE_ACTIONS = (
    "callback_data", "url", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)
REPLY_REQUESTS = (
    "request_contact", "request_location", "request_poll", "request_users", "request_chat", "web_app",
)
_MARKUP_JSON_ERROR = "can't parse reply keyboard markup JSON object"


def load_markup(value: Any) -> dict | None:
    """Decodes reply_markup (a JSON string in form posts) and validates it; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise bad_request(_MARKUP_JSON_ERROR) from None
    if not isinstance(value, dict):
        raise bad_request(_MARKUP_JSON_ERROR)
    if "inline_keyboard" in value:
        return {"inline_keyboard": _inline_keyboard(value["inline_keyboard"])}
    if "keyboard" in value:
        return _reply_keyboard(value)
    if "remove_keyboard" in value:
        if value["remove_keyboard"] is not True:
            raise bad_request("remove_keyboard must be true")
        return {"remove_keyboard": True, **_opt(value, "selective")}
    if "force_reply" in value:
        if value["force_reply"] is not True:
            raise bad_request("force_reply must be true")
        placeholder = value.get("input_field_placeholder")
        if placeholder is not None and not 1 <= len(str(placeholder)) <= 64:
            raise bad_request("input field placeholder is too long")
        return {"force_reply": True, **_opt(value, "input_field_placeholder", "selective")}
    raise bad_request(_MARKUP_JSON_ERROR)


def _opt(value: dict, *keys: str) -> dict:
    return {k: value[k] for k in keys if k in value}


def _rows(rows: Any, what: str) -> list[list[Any]]:
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request(f"can't parse {what}: field \"{what}\" must be an Array of Arrays")
    return rows


def _inline_keyboard(rows: Any) -> list[list[dict]]:
    rows = _rows(rows, "inline_keyboard")
    total = sum(len(r) for r in rows)
    if total > 100:
        raise bad_request("reply markup is too long")
    result = []
    for row in rows:
        out_row = []
        for button in row:
            if not isinstance(button, dict):
                raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
            text = button.get("text")
            if not isinstance(text, str):
                raise bad_request("can't parse inline keyboard button: Field \"text\" must be of type String")
            if not text.strip():
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            actions = [k for k in INLINE_ACTIONS if k in button]
            if not actions:
                raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
            if len(actions) > 1:
                raise bad_request("can't parse inline keyboard button: Exactly one of button fields must be used")
            action = actions[0]
            if action == "callback_data":
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
            if action == "url":
                url = button["url"]
                if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
                    raise bad_request("BUTTON_URL_INVALID")
            out_row.append({"text": text, action: button[action]})
        result.append(out_row)
    return result


def _reply_keyboard(value: dict) -> dict:
    rows = _rows(value["keyboard"], "keyboard")
    result = []
    for row in rows:
        out_row = []
        for button in row:
            if isinstance(button, str):
                button = {"text": button}
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse keyboard button: Field \"text\" must be of type String")
            if not button["text"]:
                raise bad_request("can't parse keyboard button: Text must be non-empty")
            requests = [k for k in REPLY_REQUESTS if button.get(k)]
            if len(requests) > 1:
                raise bad_request("can't parse keyboard button: Exactly one of button fields must be used")
            out_row.append({"text": button["text"], **{k: button[k] for k in requests}})
        result.append(out_row)
    if not result or not any(result):
        raise bad_request("keyboard must be non-empty")
    placeholder = value.get("input_field_placeholder")
    if placeholder is not None and len(str(placeholder)) > 64:
        raise bad_request("input field placeholder is too long")
    return {
        "keyboard": result,
        **_opt(value, "is_persistent", "resize_keyboard", "one_time_keyboard", "input_field_placeholder", "selective"),
    }


def button_rows(markup: dict | None) -> list[list[dict]]:
    return (markup or {}).get("inline_keyboard") or []
