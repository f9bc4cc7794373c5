"""Every page of the dashboard in Chinese and in English, as the region's analyst sees it, in
chromium at 1366 px: screenshots kept as artefacts, and on none of them an identifier from the
code, a NaN/None/True/False, a float with more decimals than a figure needs, a label in the other
language, or anything wider than the screen (``page_audit``)."""

from __future__ import annotations

import pytest

from tests.api.page_audit import problems
from tests.api.test_dashboard import ARTIFACTS, CHROMIUM, _log_in, launch

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")]

PAGES = ["/", "/map", "/clusters", "/value-chain", "/opportunities", "/parks", "/targets", "/pipeline",
         "/portfolio", "/incentives", "/matching", "/land-efficiency", "/chains", "/inbox", "/desk", "/upload"]


@pytest.fixture(scope="module")
def seen(server):
    """Each page's visible text and width, in each language (screenshots written on the way)."""
    from playwright.sync_api import sync_playwright

    from clusteratlas.faces import catalogue

    ARTIFACTS.mkdir(exist_ok=True)
    out = {}
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        _log_in(page, server, "analyst")
        for lang in ("zh", "en"):
            page.goto(server["base"] + f"/?lang={lang}")
            for path in PAGES:
                page.goto(server["base"] + path, timeout=120_000)
                page.wait_for_load_state("load")
                width = page.evaluate("document.documentElement.scrollWidth")
                text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
                name = path.strip("/").replace("/", "-") or "overview"
                page.screenshot(path=str(ARTIFACTS / f"page-{name}-{lang}.png"), full_page=True, timeout=120_000)
                out[(path, lang)] = (text, width)
        browser.close()
    return out, catalogue()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_the_page_reads_as_people_write(seen, path, lang):
    pages, cat = seen
    text, width = pages[(path, lang)]
    assert width <= 1366, f"{path} is {width} px wide"
    assert problems(text, lang, cat) == []
