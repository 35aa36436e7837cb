"""Playwright driving Debian's Chromium against a live Alliance server.

A missing browser skips these tests on a developer's machine, but fails them when
ALLIANCE_REQUIRE_BROWSER=1 (as CI sets), so a browser check can never silently vanish.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # Playwright's sync API runs an event loop

CHROMIUM = os.environ.get("ALLIANCE_CHROMIUM", "/usr/bin/chromium")
# CI sets ALLIANCE_SCREENSHOT_DIR=artifacts/screenshots and keeps them as artefacts.
SCREENSHOTS = Path(
    os.environ.get("ALLIANCE_SCREENSHOT_DIR")
    or Path(tempfile.gettempdir()) / "alliance-screenshots"
)
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
# axe-core (MPL-2.0, from the npm registry; tests only) and the rules of WCAG 2.2 AA.
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


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


@pytest.fixture(params=list(VIEWPORTS))
def axe_page(request, chromium_browser):
    """A page like ``page`` whose context lets axe-core's script tag past our CSP (the CSP
    itself is tested in test_security.py)."""
    viewport_name = request.param
    context = chromium_browser.new_context(
        viewport=VIEWPORTS[viewport_name], locale="en-GB", bypass_csp=True
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    page.viewport_name = viewport_name
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as NAME-desktop.png or NAME-phone.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.viewport_name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[dict]:
    """Run axe-core's WCAG 2.2 AA rules on the page; return its violations (id, nodes)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: '
                    + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))}));
        }""",
        AXE_TAGS,
    )
    return result


def format_violations(violations: list[dict]) -> str:
    return json.dumps(violations, indent=1)


def overflow_width(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )
