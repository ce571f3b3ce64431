"""PIPL requests: export everything about a resident; forget them but keep the statistics."""
from __future__ import annotations

import json
import subprocess
import sys

from bot.services import inbox, intake, privacy
from conftest import RESIDENT

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


def test_doctor_reports_health(tmp_path):
    env = {"GRIDBOT_DB": str(tmp_path / "none.db"), "PATH": ""}
    done = subprocess.run([sys.executable, "-m", "bot", "doctor"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1 and "missing" in json.loads(done.stdout.splitlines()[-1])["database"]
