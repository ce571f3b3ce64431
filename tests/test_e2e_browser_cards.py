"""A worker's chat in the sandbox page after 归档: every card says so, none keeps a button."""
from __future__ import annotations

from pathlib import Path

from conftest import RESIDENT, WORKER
from flows import act, report
from test_sandbox_browser import open_page

SCREENSHOT = Path(__file__).resolve().parent.parent / "var" / "screenshots" / "worker-archived.png"


async def test_worker_chat_after_archive(gridbot, capsys):
    from playwright.async_api import expect

    resident, li = gridbot.user(RESIDENT), gridbot.user(WORKER)
    number = await report(resident)
    await act(li, number, "签收", expect="办理中")
    await act(li, number, "进展", reply="已联系排水公司，明天上午疏通", expect="已记录进展")
    await act(li, number, "办结", reply="管道已疏通，积水已排干", expect="已办结")
    await resident.press(await resident.wait_for("请您评价"), "满意")
    await li.wait_for("居民评价：满意")
    await li.wait_for(lambda m: m.edited and "已归档" in m.text)
    async with open_page(gridbot.api.page_url, 1500, 950) as (page, _errors):
        worker = page.locator(f'.pane[data-user-id="{WORKER}"]')
        await expect(worker.locator(".row.in .bubble").first).to_contain_text("已归档")
        assert await worker.locator(".ikb button").count() == 0
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT))
    with capsys.disabled():
        print(f"\nworker after 归档: {SCREENSHOT}")
