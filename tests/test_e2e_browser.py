"""GridBot in the sandbox chat page, in headless Chromium: a resident reports, the worker signs for it."""
from __future__ import annotations

from pathlib import Path

from conftest import RESIDENT, SUPERVISOR, WORKER
from test_sandbox_browser import open_page

SCREENSHOT = Path(__file__).resolve().parent.parent / "var" / "screenshots" / "gridbot.png"
FLOOD = "纺织路社区人民东路62号院一下雨就积水，出不了门"


async def test_resident_reports_in_the_page_and_worker_signs(gridbot, capsys):
    from playwright.async_api import expect

    async with open_page(gridbot.api.page_url, 1500, 950) as (page, errors):
        resident = page.locator(f'.pane[data-user-id="{RESIDENT}"]')
        worker = page.locator(f'.pane[data-user-id="{WORKER}"]')
        await expect(page.locator(f'.pane[data-user-id="{SUPERVISOR}"]')).to_have_count(1)

        await resident.locator("input.text").fill(FLOOD)
        await resident.locator("input.text").press("Enter")
        draft = resident.locator(".row.in .bubble").last
        await expect(draft).to_contain_text("排水防涝")
        await expect(draft).to_contain_text("纺织路社区第一网格")
        await resident.locator(".ikb button", has_text="提交").last.click()
        await expect(resident.locator(".row.in .bubble").last).to_contain_text("已受理")

        await expect(worker.locator(".row.in .bubble").last).to_contain_text("新工单")
        await worker.locator(".ikb button", has_text="签收").last.click()
        await expect(worker.locator(".row.in .bubble").last).to_contain_text("办理中")
        await expect(resident.locator(".row.in .bubble").last).to_contain_text("签收")

        # each pane's command menu is its chat's: the pre-bound worker's, the resident's
        await worker.locator("input.text").fill("/")
        await expect(worker.locator(".hints")).to_contain_text("/tasks")
        await expect(worker.locator(".hints")).to_contain_text("/whistle")
        await worker.locator("input.text").fill("")
        await resident.locator("input.text").fill("/")
        await expect(resident.locator(".hints")).to_contain_text("/my")
        await expect(resident.locator(".hints")).not_to_contain_text("/tasks")
        await resident.locator("input.text").fill("")

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT))
        assert errors == []
    with capsys.disabled():
        print(f"\nGridBot screenshot: {SCREENSHOT}")
