"""Steps shared by the end-to-end tests: a resident reports, staff act, we wait for what they see."""
from __future__ import annotations

import asyncio
import re

NUMBER = re.compile(r"GD\d{8}-\d{4}")
FLOOD = "纺织路社区人民东路62号院一下雨就积水，出不了门"


async def report(user, text: str = FLOOD) -> str:
    """Sends a report, submits the draft, returns the ticket number."""
    await user.send(text)
    draft = await user.wait_for(lambda m: "✅ 提交" in str(m.buttons))
    await user.press(draft, "✅ 提交")
    done = await user.wait_for("已受理")
    return NUMBER.search(done.text).group(0)


async def answer_of(control, query_id: str, timeout: float = 5) -> dict:
    """Waits until the bot answered the callback query; returns the answer (text, show_alert)."""
    for _ in range(int(timeout / 0.05)):
        query = await control.callback_query(query_id)
        if query.get("answered"):
            return query
        await asyncio.sleep(0.05)
    raise AssertionError(f"callback {query_id} not answered")


async def newest(user, match: str, button: str, timeout: float = 10):
    """The newest bot message whose text contains `match` and that carries `button` (waits for one)."""
    for _ in range(int(timeout / 0.05)):
        for message in reversed(await user.bot_messages()):
            if match in message.text and message.button(button):
                return message
        await asyncio.sleep(0.05)
    raise AssertionError(f"user {user.user_id}: no message with {match!r} and button {button!r}")


async def act(user, match: str, button: str, reply: str | None = None, expect: str | None = None):
    """Presses `button` on the newest message containing `match`, answers the prompt with `reply`."""
    message = await newest(user, match, button)
    await user.press(message, button)
    if reply is not None:
        await user.wait_for("请输入")
        await user.send(reply)
    if expect is not None:
        return await user.wait_for(expect)
    return message


async def ticket_state(deps, number: str) -> dict:
    async with deps.db.read() as tx:
        return await tx.one("SELECT * FROM tickets WHERE number = :n", {"n": number})


async def history(deps, number: str) -> list[str]:
    async with deps.db.read() as tx:
        rows = await tx.all("SELECT e.action FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
                            "WHERE t.number = :n ORDER BY e.id", {"n": number})
    return [r["action"] for r in rows]
