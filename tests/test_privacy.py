"""PIPL requests: export everything about a resident; forget them but keep the statistics."""
from __future__ import annotations

from bot.services import intake, privacy
from conftest import RESIDENT

TEXT = "人民东路62号院积水，我电话13812345678，身份证410102199001011234"


async def test_export_then_forget(deps, actor):
    me = await actor(RESIDENT)
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


