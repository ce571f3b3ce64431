"""The load driver: simulated residents acting in process on the sandbox, timed by its own clock.

Each resident sends a report, presses the draft's submit button as soon as the draft arrives, and
(after `think_s`, if any) sends the next. Latency is the time from the sandbox creating an update
to the bot's reply (the draft; the edited draft after a press) arriving in the sandbox. When the
sandbox refuses a reply to a resident under its flood limits, the resident waits for the bot to
retry (retry_after plus `patience_s`), then gives the report up as lost and goes on.
"""
from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from bot.sandbox import FakeBotApi
from bot.sandbox.control import press_button, send_text

PLACES = ["人民东路62号院", "人民东路88号院", "纺织路小学", "嵩山路12号院", "金桥花园", "天桥路8号院", "幸福小区",
          "翟庄新村", "阳光花园", "昌建外滩", "龙湖小区", "召陵村一组", "后谢村三组", "纺织厂家属院", "棉纺小区",
          "东方红小区"]
PROBLEMS = ["一下雨就积水，出不了门", "路灯坏了好几天，晚上黑漆漆的", "垃圾堆了好几天没人清运，臭气熏天",
            "楼下烧烤店噪音太大，半夜还在吵", "有人私搭乱建占用消防通道", "电动车充电桩坏了，没法充电",
            "下水道堵了，污水漫到路上", "小区电梯经常坏，老人上下楼困难", "路面塌陷了一个大坑，很危险"]
FIRST_RESIDENT = 7_000_000


def reports(count: int) -> list[str]:
    """`count` reports that classify and locate with the demo district (so each makes a draft to submit)."""
    texts = [f"{place}{problem}" for problem in PROBLEMS for place in PLACES]
    return [texts[i % len(texts)] for i in range(count)]


def plan_for(residents: int, total: int) -> dict[int, list[str]]:
    """`total` reports dealt round-robin to `residents` residents."""
    plan: dict[int, list[str]] = {FIRST_RESIDENT + i: [] for i in range(residents)}
    for i, text in enumerate(reports(total)):
        plan[FIRST_RESIDENT + i % residents].append(text)
    return plan


@dataclass
class Driver:
    """Residents acting on the sandbox in process; collects latencies from the sandbox's timestamps."""
    api: FakeBotApi
    plan: dict[int, list[str]]
    think_s: float = 0.0          # a resident's pause after a ticket, before the next report
    patience_s: float = 1.0       # how long past retry_after a resident waits for a refused reply
    seed: int = 1
    pending: dict[int, tuple[str, float, int]] = field(default_factory=dict)
    latency: dict[str, list[float]] = field(default_factory=lambda: {"message": [], "callback_query": []})
    errors: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)   # "residents" / "staff": flood refusals seen
    first: float = 0.0
    last: float = 0.0
    tickets: int = 0
    updates: int = 0
    lost: int = 0
    staff_messages: int = 0
    staff_last: float = 0.0

    def __post_init__(self) -> None:
        self.done = asyncio.Event()
        self.stopped = False
        self.waiting: dict[int, asyncio.Handle] = {}        # residents about to act (a press, the next report)
        self.giving_up: dict[int, asyncio.Handle] = {}
        self.rng = random.Random(self.seed)
        self.api.world.listeners.append(self.on_message)
        self.api.refusal_listeners.append(self.on_refused)

    def start(self) -> None:
        """Everyone starts at once, or, with think time, spread over one think time (a steady load)."""
        self.first = time.monotonic()
        for chat_id in self.plan:
            self._after(chat_id, self.rng.uniform(0, self.think_s) if self.think_s else 0.0)

    def stop(self) -> None:
        """No more actions (the run is over); replies are still counted."""
        self.stopped = True
        for handle in [*self.waiting.values(), *self.giving_up.values()]:
            handle.cancel()
        self.waiting.clear()
        self.giving_up.clear()

    def in_flight(self, now: float) -> list[float]:
        """How long each unanswered action has waited so far."""
        return [now - created for _, created, _ in self.pending.values()]

    def _after(self, chat_id: int, delay: float) -> None:
        loop = asyncio.get_running_loop()
        self.waiting[chat_id] = loop.call_later(delay, self._next, chat_id) if delay else loop.call_soon(
            self._next, chat_id)

    def _push(self, chat_id: int, kind: str, target: int, make) -> None:
        make()
        created = self.api.world.updates[-1].created          # the sandbox's own timestamp
        self.pending[chat_id] = (kind, created, target)
        self.updates += 1

    def _next(self, chat_id: int) -> None:
        self.waiting.pop(chat_id, None)
        texts = self.plan[chat_id]
        if texts and not self.stopped:
            text = texts.pop()
            self._push(chat_id, "message", 0, lambda: send_text(self.api, chat_id, text))
        elif not self.pending and not self.waiting:
            self.done.set()

    def _press(self, chat_id: int, message_id: int, data: str) -> None:
        self.waiting.pop(chat_id, None)
        if not self.stopped:
            self._push(chat_id, "callback_query", message_id,
                       lambda: press_button(self.api, chat_id, message_id, data))

    def _answered(self, chat_id: int, now: float) -> None:
        self.last = now
        del self.pending[chat_id]
        handle = self.giving_up.pop(chat_id, None)
        if handle is not None:
            handle.cancel()

    def on_message(self, msg, edited: bool) -> None:
        if not msg.outgoing:
            return
        now = time.monotonic()
        if msg.chat_id not in self.plan:
            self.staff_messages += 1                          # the outbox at work: offers to grid workers
            self.staff_last = now
            return
        if self.stopped:                                      # the run is over: figures are frozen
            return
        state = self.pending.get(msg.chat_id)
        if state is None:
            self.errors["unexpected message"] += 1
            return
        kind, created, target = state
        if kind == "message" and not edited:
            self.latency[kind].append(now - created)
            self._answered(msg.chat_id, now)
            data = _submit_data(msg.reply_markup)
            if data is None:
                self.errors["draft without a submit button"] += 1
                self._after(msg.chat_id, self.think_s)
            else:
                # Not from inside the bot's sendMessage: the press is a new update, a moment later.
                self.waiting[msg.chat_id] = asyncio.get_running_loop().call_soon(
                    self._press, msg.chat_id, msg.message_id, data)
        elif kind == "callback_query" and edited and msg.message_id == target:
            self.latency[kind].append(now - created)
            self._answered(msg.chat_id, now)
            self.tickets += 1
            self._after(msg.chat_id, self.think_s)
        else:
            self.errors["unexpected message"] += 1

    def on_refused(self, chat: str, method: str, retry_after: int) -> None:
        """The sandbox refused a message under its flood limits: wait for a retry, then give up."""
        try:
            chat_id = int(chat)
        except ValueError:
            chat_id = 0
        if chat_id not in self.plan:
            self.refused["staff"] += 1
            return
        self.refused["residents"] += 1
        state = self.pending.get(chat_id)
        if state is None or self.stopped:
            return
        old = self.giving_up.pop(chat_id, None)
        if old is not None:
            old.cancel()
        self.giving_up[chat_id] = asyncio.get_running_loop().call_later(
            retry_after + self.patience_s, self._give_up, chat_id, state)

    def _give_up(self, chat_id: int, state: tuple) -> None:
        self.giving_up.pop(chat_id, None)
        if self.pending.get(chat_id) is state:
            del self.pending[chat_id]
            self.lost += 1
            self._after(chat_id, self.think_s)


def _submit_data(markup: dict | None) -> str | None:
    buttons = [b for row in (markup or {}).get("inline_keyboard", []) for b in row if "callback_data" in b]
    for b in buttons:
        if b["callback_data"].endswith(":sub"):
            return b["callback_data"]
    return None
