"""The chain office in a real browser (Debian's chromium, offline): the chain page with its map,
links, tasks and targets; the inbox's warnings marked seen; a firm filing at the desk and reading
the office's answer — each user in a browser of their own. Screenshots go to test-artifacts/."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import login
from tests.api.test_dashboard import ARTIFACTS, CHROMIUM, _log_in, launch

SHOT = 120_000  # ms: a screenshot is an artefact; under load (PostgreSQL, the server, chromium) it is slow

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")]


@pytest.fixture(scope="module")
def browser(own_server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def _page(browser, server, username):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server["base"]) else None)
    page.on("dialog", lambda d: d.accept("已协调解决" if d.type == "prompt" else None))
    _log_in(page, server, username)
    return page, outside


def test_the_chain_page_shows_the_map_links_tasks_and_targets(browser, own_server):
    analyst = login(own_server, "analyst")
    httpx.post(own_server["base"] + "/api/chains/petroleum_machinery/tasks", headers=analyst, timeout=120,
               data={"title": "引进石油专用管材企业", "owner": "区招商局", "link_id": "steel_tubulars"})
    page, outside = _page(browser, own_server, "analyst")
    page.goto(own_server["base"] + "/chains?chain=petroleum_machinery")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert page.locator("#chain-links tbody tr").count() == 11
    assert "补链" in page.inner_text("#chain-links") and "强链" in page.inner_text("#chain-links")
    assert "引进石油专用管材企业" in page.inner_text("#chain-tasks")
    assert "宝鸡石油钢管有限责任公司" in page.inner_text("#chain-targets")
    page.screenshot(path=str(ARTIFACTS / "dashboard-chain.png"), full_page=True, timeout=SHOT)
    assert outside == []
    firm, _ = _page(browser, own_server, "sijichang")
    firm.goto(own_server["base"] + "/chains")
    assert "需要相应权限" in firm.inner_text("main") if firm.locator("main").count() else "需要相应权限" in firm.content()


def test_the_inbox_marks_a_warning_seen(browser, own_server):
    analyst = login(own_server, "analyst")
    assert httpx.post(own_server["base"] + "/api/alerts/run", headers=analyst, timeout=300).status_code == 200
    page, outside = _page(browser, own_server, "analyst")
    page.goto(own_server["base"] + "/inbox")
    page.wait_for_selector("#inbox-alerts")
    first = page.locator("#inbox-alerts tbody tr").first
    row_id = first.get_attribute("id")
    assert "新预警" in first.inner_text()
    first.locator("button").first.click()
    page.wait_for_load_state("load")
    page.wait_for_function(f"document.querySelector('#{row_id}') && document.querySelector('#{row_id}').innerText.includes('已阅')")
    page.screenshot(path=str(ARTIFACTS / "dashboard-inbox.png"), timeout=SHOT)  # the top: the list is long
    assert outside == []


def test_a_firm_files_at_the_desk_and_reads_the_answer(browser, own_server):
    firm, outside = _page(browser, own_server, "sijichang")
    firm.goto(own_server["base"] + "/desk")
    firm.select_option("#desk-form select[name=category]", "utilities")
    firm.fill("#desk-form input[name=title]", "厂区停电")
    firm.fill("#desk-form textarea[name=body]", "今日厂区停电，影响生产。")
    firm.click("#desk-submit")
    firm.wait_for_selector("#desk-requests")
    row = firm.locator("#desk-requests tbody tr").first
    assert "厂区停电" in row.inner_text() and "园区管委会" in row.inner_text() and "待答复" in row.inner_text()
    office, _ = _page(browser, own_server, "analyst")
    office.goto(own_server["base"] + "/desk")
    mine = office.locator("#desk-requests tbody tr", has_text="厂区停电").first
    mine.locator("button", has_text="答复").click()  # the prompt is answered with 已协调解决
    office.wait_for_function("document.querySelector('#desk-requests').innerText.includes('已协调解决')")
    assert office.locator("#desk-report").count() == 1
    firm.reload()
    row = firm.locator("#desk-requests tbody tr", has_text="厂区停电").first
    assert "analyst（经济部门）：已协调解决" in row.inner_text() and "已答复" in row.inner_text()
    firm.screenshot(path=str(ARTIFACTS / "dashboard-desk.png"), full_page=True, timeout=SHOT)
    assert outside == []
