"""Flood limits as sliding windows: at most N events in any window of S seconds.

Telegram refuses (429) more than about 30 sent messages a second overall and more than about one a
second to one private chat, short bursts tolerated. The sender asks `delay()` before it sends and
records the send with `take()`; a 429 pauses everything for the time Telegram asks.
"""
from __future__ import annotations

from collections import deque

# A send reaches Telegram some time after we decide it (event-loop lag, a free connection, network
# jitter), and that delay varies; a window this much longer than Telegram's keeps an exactly
# paced burst from arriving bunched up and refused (measured: 0.05 s still drew a 429 at 150 ms).
MARGIN = 0.1


class Window:
    """At most `limit` events in any `seconds`-long window."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = max(1, limit)
        self.seconds = seconds + MARGIN
        self.times: deque[float] = deque()

    def delay(self, now: float) -> float:
        """Seconds until one more event fits (0: now)."""
        while self.times and self.times[0] <= now - self.seconds:
            self.times.popleft()
        if len(self.times) < self.limit:
            return 0.0
        return self.times[0] + self.seconds - now

    def take(self, now: float) -> None:
        self.times.append(now)


class Pacer:
    """The overall window, one window per chat, and a pause after a 429.

    A 429 also lowers the overall rate by a tenth (down to half): sends that arrive bunched (jitter,
    a busy machine) are refused however exactly they were paced here. Each quiet RECOVER seconds
    give one message a second back, up to the configured rate. 429s within BUNCH seconds of each
    other count as one."""

    RECOVER = 20.0
    BUNCH = 2.0

    def __init__(self, per_second: int = 30, chat_burst: int = 3, chat_window: float = 3.0,
                 enabled: bool = True) -> None:
        self.enabled = enabled
        self.per_second = max(1, per_second)
        self.overall = Window(per_second, 1.0)
        self._lowered_at = 0.0
        self.chat_burst, self.chat_window = chat_burst, chat_window
        self.chats: dict[int, Window] = {}
        self.paused_until = 0.0

    def delay(self, chat_id: int, now: float, counted: bool = True) -> float:
        """Seconds until a message to `chat_id` may go; uncounted calls (edits, answers) wait only on a pause."""
        if self.overall.limit < self.per_second and now - self._lowered_at >= self.RECOVER:
            self.overall.limit += 1
            self._lowered_at = now
        wait = max(self.paused_until - now, 0.0)
        if not self.enabled or not counted:
            return wait
        chat = self.chats.get(chat_id)
        return max(wait, self.overall.delay(now), chat.delay(now) if chat else 0.0)

    def take(self, chat_id: int, now: float, counted: bool = True) -> None:
        if not self.enabled or not counted:
            return
        self.overall.take(now)
        chat = self.chats.get(chat_id)
        if chat is None:
            if len(self.chats) > 10_000:            # forget chats whose windows have emptied
                self.chats = {k: w for k, w in self.chats.items() if w.delay(now) > 0 or w.times}
            chat = self.chats[chat_id] = Window(self.chat_burst, self.chat_window)
        chat.take(now)

    def pause(self, seconds: float, now: float) -> None:
        """Telegram said 429: nothing goes for `seconds`, and the overall rate goes down a tenth."""
        self.paused_until = max(self.paused_until, now + seconds)
        if now - self._lowered_at >= self.BUNCH or self.overall.limit == self.per_second:
            # several 429s at once are one bunch: lower once for them
            self.overall.limit = max(self.per_second // 2, self.overall.limit - max(1, self.per_second // 10))
        self._lowered_at = now
