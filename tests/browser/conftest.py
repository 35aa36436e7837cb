"""Playwright driving Debian's Chromium against a live Alliance server.

A missing browser skips these tests on a developer's machine, but fails them when
ALLIANCE_REQUIRE_BROWSER=1 (as CI sets), so a browser check can never silently vanish.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # Playwright's sync API runs an event loop

CHROMIUM = os.environ.get("ALLIANCE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("ALLIANCE_SCREENSHOT_DIR", "artifacts/screenshots"))
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _require_browser() -> bool:
    return os.environ.get("ALLIANCE_REQUIRE_BROWSER", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def chromium_browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if _require_browser():
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def page(request, chromium_browser):
    viewport_name = request.param
    context = chromium_browser.new_context(viewport=VIEWPORTS[viewport_name], locale="en-GB")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.viewport_name = viewport_name
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.viewport_name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
