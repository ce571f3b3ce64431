"""The sandbox chat page in headless Chromium, talking to a real PTB echo bot through the fake API."""

from __future__ import annotations

import os
import shutil
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

try:  # tests/ may or may not become a package
    from tests.sandbox_fixtures import *  # noqa: F403
    from tests.sandbox_fixtures import RESIDENT, WORKER
except ModuleNotFoundError:
    from sandbox_fixtures import *  # type: ignore[no-redef]  # noqa: F403
    from sandbox_fixtures import RESIDENT, WORKER  # type: ignore[no-redef]

SCREENSHOT = Path(__file__).resolve().parent.parent / "var" / "screenshots" / "sandbox.png"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("GRIDBOT_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium not found and GRIDBOT_REQUIRE_BROWSER=1: apt-get install chromium")
        pytest.skip("chromium not found: apt-get install chromium")
    return path


@asynccontextmanager
async def open_page(url: str, width: int, height: int):
    """Headless Chromium on `url`: yields the page and the list its JavaScript errors go to."""
    executable = chromium_path()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": width, "height": height})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(url)
            yield page, errors
        finally:
            await browser.close()


async def test_chat_page_round_trip(sandbox, control, echo_bot, capsys):
    from playwright.async_api import expect

    await control.user(WORKER).send("/start")  # a second pane with history
    async with open_page(sandbox.page_url, 1400, 900) as (page, errors):
        pane = page.locator(f'.pane[data-user-id="{RESIDENT}"]')
        await expect(page.locator(".pane")).to_have_count(3)
        await expect(page.locator(f'.pane[data-user-id="{WORKER}"] .row.in')).to_have_count(1)

        await pane.locator("input.text").fill("小区门口路灯坏了 <b>不是标签</b> & 符号")
        await pane.locator("input.text").press("Enter")
        bot_reply = pane.locator(".row.in .bubble").last
        await expect(bot_reply).to_contain_text("回声：小区门口路灯坏了 <b>不是标签</b> & 符号")
        await expect(bot_reply.locator("b").first).to_have_text("回声")  # rendered from entities
        assert await bot_reply.locator("b").count() == 1  # user text stays text

        await pane.locator(".ikb button", has_text="满意").first.click()
        await expect(pane.locator(".row.in .bubble").last).to_contain_text("已评价：rate:5")
        await expect(pane.locator(".toast")).to_have_text("谢谢评价")
        await expect(pane.locator(".row.in .stamp").last).to_contain_text("已编辑")

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT))
        assert errors == []
    with capsys.disabled():
        print(f"\nsandbox screenshot: {SCREENSHOT}")
