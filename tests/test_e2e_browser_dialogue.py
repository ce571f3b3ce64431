"""The follow-up and status-question conversations in the sandbox chat page (headless Chromium), with
screenshots, in a narrow window: a ticket number stays on one line."""
from __future__ import annotations

from pathlib import Path

from conftest import RESIDENT
from test_sandbox_browser import open_page

SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


async def test_follow_up_and_status_question_in_the_page(gridbot, capsys):
    from playwright.async_api import expect

    async with open_page(gridbot.api.page_url, 1100, 1000) as (page, errors):
        resident = page.locator(f'.pane[data-user-id="{RESIDENT}"]')
        box = resident.locator("input.text")
        last = resident.locator(".row.in .bubble").last

        async def say(text: str, expect_text: str) -> None:
            await box.fill(text)
            await box.press("Enter")
            await expect(resident.locator(".row.in .bubble", has_text=expect_text).last).to_be_visible()

        await say("楼道里的灯又坏了", "楼道里的灯又坏了")
        await say("人民东路62号院2号楼", "纺织路社区第一网格")
        picker = resident.locator(".ikb button", has_text="道路路灯")
        if await picker.count():                       # asked only when the classifier is unsure
            await picker.last.click()
        await expect(resident.locator(".row.in .bubble", has_text="类别：道路路灯").last).to_be_visible()
        await say("还有楼下的垃圾也没人收", "刚才这条")
        await resident.locator(".ikb button", has_text="补充到刚才的报告").last.click()
        await expect(resident.locator(".row.in .bubble", has_text="垃圾也没人收").last).to_contain_text("楼道里的灯")
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / "follow-up.png"))
        await resident.locator(".ikb button", has_text="提交").last.click()
        await expect(last).to_contain_text("已受理")
        number = last.locator("code").first
        assert await number.evaluate("e => e.getClientRects().length") == 1      # not wrapped at its hyphen

        await say("我的工单咋样了", "正在办理的工单")
        await expect(last).to_contain_text("待签收")
        await page.screenshot(path=str(SHOTS / "status-question.png"))
        assert errors == []
    with capsys.disabled():
        print(f"\nscreenshots: {SHOTS / 'follow-up.png'}, {SHOTS / 'status-question.png'}")
