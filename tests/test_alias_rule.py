"""`gridbot classify` and the bot locate a report by one alias rule (nlp.locator.place_aliases)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.services import intake
from conftest import RESIDENT
from nlp.locator import place_aliases

ROOT = Path(__file__).resolve().parents[1]

# message → the unit both must route it to (None: nobody can tell; the resident is asked where)
ROUTES = {
    "区水务局门口的路一下雨就积水": None,
    "供电公司营业厅门口的路灯不亮": None,
    "区住建局旁边人民东路62号院楼道灯坏了": "fangzhilu-1",
    "区城管局的人在纺织路社区乱收费": "fangzhilu",
    "纺织路社区人民东路62号院一下雨就积水": "fangzhilu-1",
    "嵩山路12号院门口污水横流，区水务局也不管": "songshanlu-1",
}


def test_departments_are_no_places():
    rows = [("区水务局", "water", "department"), ("水务局", "water", "department"), ("纺织路社区", "fzl", "community"),
            ("纺织路", "fzl", "community"), ("纺织路", "fzl", "community")]
    assert place_aliases(rows) == [("纺织路", "fzl"), ("纺织路社区", "fzl")]


async def test_classify_and_the_bot_route_alike(deps, actor):
    out = subprocess.run([sys.executable, "-m", "bot", "classify", *ROUTES], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    cli = {text: json.loads(line)["unit"] for text, line in zip(ROUTES, out.splitlines())}
    resident = await actor(RESIDENT)
    bot = {}
    for text in ROUTES:
        draft = await intake.start(deps, resident, text)
        async with deps.db.read() as tx:
            unit = await deps.units.unit(tx, draft.get("unit_id"))
        bot[text] = unit["code"] if unit else None
    assert bot == cli == ROUTES
