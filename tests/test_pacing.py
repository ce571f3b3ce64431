"""The sender's flood windows, on an injected clock (seconds as plain numbers)."""
from __future__ import annotations

from bot.pacing import MARGIN, Pacer, Window


def test_window_admits_limit_then_waits_for_the_oldest():
    w = Window(3, 3.0)
    for t in (0.0, 0.1, 0.2):
        assert w.delay(t) == 0
        w.take(t)
    assert abs(w.delay(0.3) - (3.0 + MARGIN - 0.3)) < 1e-9
    assert w.delay(3.0 + MARGIN) == 0                  # the first send left the window


def test_chat_burst_then_one_a_second():
    pacer = Pacer(per_second=30, chat_burst=3, chat_window=3.0)
    sent, t = [], 0.0
    while len(sent) < 6:
        d = pacer.delay(7, t)
        if d == 0:
            pacer.take(7, t)
            sent.append(t)
        else:
            t = round(t + 0.01, 2)
    assert sent[:3] == [0.0, 0.0, 0.0]
    assert all(b - a >= 0 for a, b in zip(sent, sent[1:]))
    # any 3-second window holds at most 3 of this chat's sends
    assert all(sum(1 for s in sent if x <= s < x + 3.0) <= 3 for x in sent)


def test_overall_limit_across_chats_and_uncounted_calls():
    pacer = Pacer(per_second=30, chat_burst=3, chat_window=3.0)
    admitted = 0
    for chat in range(40):
        if pacer.delay(chat, 0.0) == 0:
            pacer.take(chat, 0.0)
            admitted += 1
    assert admitted == 30
    assert pacer.delay(99, 0.0) > 0
    assert pacer.delay(99, 0.0, counted=False) == 0   # an edit or an answer is not a sent message


def test_429_pauses_everything_and_disabled_paces_nothing():
    pacer = Pacer()
    pacer.pause(2.0, 10.0)
    assert abs(pacer.delay(1, 10.5) - 1.5) < 1e-9 and abs(pacer.delay(1, 10.5, counted=False) - 1.5) < 1e-9
    off = Pacer(enabled=False)
    for _ in range(100):
        off.take(1, 0.0)
    assert off.delay(1, 0.0) == 0


def test_429_lowers_the_overall_rate_and_quiet_time_restores_it():
    pacer = Pacer(per_second=30)
    pacer.pause(1.0, 0.0)
    pacer.pause(1.0, 0.5)                                 # the same bunch
    assert pacer.overall.limit == 27
    for i in range(10):
        pacer.pause(1.0, 3.0 * (i + 1))
    assert pacer.overall.limit == 15                      # never below half
    t = 31.0
    while pacer.overall.limit < 30:
        pacer.delay(1, t)
        t += 1.0
    assert 15 * Pacer.RECOVER <= t - 30.0 <= 15 * Pacer.RECOVER + 2   # one a second back per quiet stretch
