"""Over the sandbox: pre-bound staff see their role's menu, a resident's /whistle is refused as a whistle,
and a department's name is no place."""
from __future__ import annotations

from conftest import DISTRICT, RESIDENT, SUPERVISOR, WATER, WORKER
from handlers import render


async def _menu(gridbot, chat_id: int) -> list[str]:
    chats = (await gridbot.control.history(chat_id))["chats"]
    return [c["command"] for c in chats[str(chat_id)]["commands"]]


async def test_pre_bound_staff_see_their_roles_menu(gridbot):
    for chat_id, role in ((WORKER, "worker"), (SUPERVISOR, "supervisor"), (DISTRICT, "supervisor"), (WATER, "handler")):
        assert await _menu(gridbot, chat_id) == [name for name, _ in render.COMMANDS[role]], chat_id
    assert await _menu(gridbot, RESIDENT) == [name for name, _ in render.COMMANDS["resident"]]


async def test_a_residents_whistle_is_refused_as_a_whistle(gridbot):
    resident, chen = gridbot.user(RESIDENT), gridbot.user(WATER)
    for user, text in ((resident, "/whistle 人民东路62号院外墙脱落"), (resident, "/whistle"), (chen, "/whistle 井盖丢了")):
        await user.send(text)
        refusal = await user.wait_for("吹哨")
        assert "是网格员上报" in refusal.text and "巡格" not in refusal.text and "无权" not in refusal.text
    async with gridbot.deps.db.read() as tx:
        assert await tx.scalar("SELECT count(*) FROM tickets") == 0


async def test_a_departments_name_is_no_place(gridbot):
    resident = gridbot.user(RESIDENT)
    await resident.send("区水务局门口的路一下雨就积水")
    draft = await resident.wait_for("问题发生在哪里")
    assert "区水务局" not in draft.text.split("问题发生在哪里")[1]
    await resident.send("人民东路62号院")
    confirm = await resident.wait_for(lambda m: "✅ 提交" in str(m.buttons))
    assert "纺织路社区第一网格" in confirm.text
