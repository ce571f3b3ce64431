"""PIPL requests: export everything about a resident; forget them but keep the statistics."""
from __future__ import annotations

import asyncio

from bot.services import handling, inbox, intake, privacy
from conftest import RESIDENT, WORKER

ENGINES = ("sqlite", "postgres")      # conftest: these tests run on both engines

TEXT = "人民东路62号院积水，我电话13812345678，身份证410102199001011234"


async def test_export_then_forget(deps, actor):
    me = await actor(RESIDENT)
    [received] = await inbox.record(deps, [(1, RESIDENT, {"update_id": 1, "message": {"text": TEXT}})])
    await inbox.finish(deps, received.inbox_id, [])
    await intake.start(deps, me, TEXT)
    ticket = await intake.submit(deps, me)
    data = await privacy.export(deps, chat_id=RESIDENT)
    assert data["resident"]["name"] == "张阿姨"
    assert [t["number"] for t in data["tickets"]] == [ticket["number"]]
    assert data["history"][0]["action"] == "submit"

    await privacy.forget(deps, resident_id=data["resident"]["id"])
    after = await privacy.export(deps, resident_id=data["resident"]["id"])
    assert after["resident"]["chat_id"] is None and after["resident"]["name"] == "" and after["resident"]["forgotten"]
    kept = after["tickets"][0]
    assert kept["category"] == "drainage" and kept["state"] == "pending"          # statistics kept
    assert "13812345678" not in kept["text"] and "410102199001011234" not in kept["text"]
    assert "138****5678" in kept["text"]
    async with deps.db.read() as tx:                  # the raw update with the phone number is gone too
        assert await tx.scalar("SELECT count(*) FROM inbox WHERE chat_id = :c", {"c": RESIDENT}) == 0




async def test_export_by_what_people_know_readable_json_and_xlsx(deps, actor, tmp_path, monkeypatch, capsys):
    import json

    import openpyxl

    from bot.cli import main as cli

    async def main(args):                  # the CLI runs its own event loop
        return await asyncio.to_thread(cli, args)

    me = await actor(RESIDENT)
    await intake.start(deps, me, TEXT)
    ticket = await intake.submit(deps, me)
    await handling.accept(deps, await actor(WORKER, "李伟"), ticket["id"])       # the resident is told
    async with deps.db.transaction() as tx:
        await tx.execute("UPDATE residents SET phone = '13912345678' WHERE chat_id = :c", {"c": RESIDENT})
    resident_id = (await privacy.export(deps, chat_id=RESIDENT))["resident"]["id"]
    for how in ({"chat_id": RESIDENT}, {"phone": "139 1234 5678"}, {"ticket": ticket["number"].lower()},
                {"resident_id": resident_id}):
        assert (await privacy.export(deps, **how))["resident"]["id"] == resident_id, how
    await deps.db.close()

    monkeypatch.setenv("GRIDBOT_DB", deps.config.db_path)
    monkeypatch.setenv("GRIDBOT_DATABASE_URL", deps.config.database_url)
    monkeypatch.delenv("GRIDBOT_CONFIG", raising=False)
    assert await main(["export", "--chat", str(RESIDENT)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["居民"]["姓名"] == "张阿姨" and data["居民"]["聊天账号"] == RESIDENT
    [t] = data["工单"]
    assert (t["工单号"], t["类别"], t["状态"], t["所属网格"]) == (ticket["number"], "排水防涝", "办理中", "纺织路社区第一网格")
    assert t["提交时间"] == "2026-11-26 10:00:00"                   # local time (the fake clock: 02:00 UTC)
    assert data["办理记录"][0]["事项"] == "提交" and data["办理记录"][0]["操作人"] == "居民本人"
    assert any(ticket["number"] in m["内容"] and "<" not in m["内容"] for m in data["消息"])
    assert await main(["export", "--resident", str(RESIDENT)]) == 1           # a chat id is not an internal id
    assert "找不到这位居民（--resident 10001）" in capsys.readouterr().err

    book = tmp_path / "export.xlsx"
    assert await main(["export", "--ticket", ticket["number"], "--out", str(book)]) == 0
    assert "已导出到" in capsys.readouterr().out
    sheets = openpyxl.load_workbook(book, read_only=True)
    assert sheets.sheetnames == ["居民", "工单", "办理记录", "消息"]
    rows = list(sheets["工单"].iter_rows(values_only=True))
    assert rows[0][:3] == ("工单号", "内容", "类别") and rows[1][0] == ticket["number"]

    assert await main(["forget", "--phone", "13912345678"]) == 0
    report = capsys.readouterr().out
    assert report.startswith(f"已注销居民 {resident_id} 的身份。\n清除了：\n  · 身份信息：聊天账号、姓名、手机号\n"
                             "  · 工单正文中的手机号、身份证号（已打码）：1 项\n")
    assert "保留了：1 件工单的类别、地点、时间、状态和办理记录" in report
    assert await main(["export", "--phone", "13912345678"]) == 1               # the phone is gone
