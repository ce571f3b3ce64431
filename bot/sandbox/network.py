"""The sandbox's simulated network: round-trip latency with jitter, and Telegram's flood limits.

Latency: every Bot API request waits half a round trip before it is served and half before its
answer is written, so a bot sees what a bot far from Telegram's servers sees.

Flood limits, as Telegram documents them for bots: about 30 messages a second overall, and in one
private chat bursts of a few messages then about one a second. Only methods that send a message
count, one request one message (a media group too); a request over a limit gets 429 with
`retry_after` (whole seconds until the window admits it, at least 1) and is neither counted nor
delivered. A send that fails otherwise (400, 403) does not count either.
"""
from __future__ import annotations

import math
import random
from collections import Counter, deque
from dataclasses import dataclass, field

# Methods that post a new message into a chat (edits, answers, chat actions and polling are free).
COUNTED = frozenset(name.lower() for name in (
    "sendMessage", "sendPhoto", "sendDocument", "sendLocation", "sendMediaGroup", "sendVideo",
    "sendAudio", "sendVoice", "sendSticker", "copyMessage", "forwardMessage",
))
MAX_SECONDS = 60.0


def seconds_value(value: object, name: str) -> float:
    """A finite number of seconds in [0, 60], or ValueError naming the field."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of seconds") from None
    if not math.isfinite(number) or not 0 <= number <= MAX_SECONDS:
        raise ValueError(f"{name} must be between 0 and {MAX_SECONDS:g} seconds")
    return number


@dataclass
class Latency:
    """A round trip of `seconds`, each half varying uniformly by up to ±jitter/2."""
    seconds: float = 0.0
    jitter: float = 0.0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def half(self) -> float:
        """One leg of the round trip (never negative)."""
        if not self.seconds and not self.jitter:
            return 0.0
        spread = self.jitter / 2 * (2 * self.rng.random() - 1)
        return max(self.seconds / 2 + spread, 0.0)

    def public(self) -> dict:
        return {"seconds": self.seconds, "jitter": self.jitter}


@dataclass
class FloodLimits:
    """Rolling-window counters: `global_per_s` per `global_window_s` overall, `chat_burst` per
    `chat_window_s` in each chat. Times are time.monotonic() seconds, passed in for testability."""
    on: bool = False
    global_per_s: int = 30
    chat_burst: int = 3
    chat_window_s: float = 3.0
    global_window_s: float = 1.0
    refused: Counter = field(default_factory=Counter)        # chat -> refusals
    refused_by: Counter = field(default_factory=Counter)     # "global" / "chat": the limit that refused
    _global: deque = field(default_factory=deque, repr=False)
    _chats: dict = field(default_factory=dict, repr=False)

    def counts(self, method: str) -> bool:
        return self.on and method.lower() in COUNTED

    def admit(self, chat: str, now: float) -> float:
        """Records a message to `chat` and returns 0, or counts a refusal and returns the seconds until
        one would be admitted."""
        chat_log = self._chats.setdefault(chat, deque())
        overall = _wait(self._global, self.global_per_s, self.global_window_s, now)
        in_chat = _wait(chat_log, self.chat_burst, self.chat_window_s, now)
        if overall or in_chat:
            if not chat_log:
                del self._chats[chat]
            self.refused[chat] += 1
            self.refused_by["chat" if in_chat >= overall else "global"] += 1
            return max(overall, in_chat)
        self._global.append(now)
        chat_log.append(now)
        return 0.0

    def release(self, chat: str, stamp: float) -> None:
        """Forgets an admitted message that then failed (a 400 or 403 sends nothing)."""
        for log in (self._global, self._chats.get(chat)):
            if log is not None and stamp in log:
                log.remove(stamp)

    def forget(self) -> None:
        """Clears the windows and the refusal counts (on a sandbox reset)."""
        self._global.clear()
        self._chats.clear()
        self.refused.clear()
        self.refused_by.clear()

    def public(self) -> dict:
        return {"on": self.on, "global_per_s": self.global_per_s, "global_window_s": self.global_window_s,
                "chat_burst": self.chat_burst, "chat_window_s": self.chat_window_s}


def _wait(log: deque, limit: int, window: float, now: float) -> float:
    """Drops stamps older than the window; the seconds until one more fits under `limit` (0: now)."""
    while log and log[0] <= now - window:
        log.popleft()
    if len(log) < limit:
        return 0.0
    return max(log[len(log) - limit] + window - now, 1e-9)


def retry_after(wait: float) -> int:
    """Telegram's whole seconds, at least 1."""
    return max(1, math.ceil(wait))


def too_many_requests(wait: float) -> dict:
    n = retry_after(wait)
    return {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {n}",
            "parameters": {"retry_after": n}}
