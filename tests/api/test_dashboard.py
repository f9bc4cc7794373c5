"""The dashboard in a real browser (Debian's chromium driven by Playwright), offline: log in,
upload a spreadsheet with one bad row and read the row-level error, switch language, open the
map and the cluster page, run the policy calculator. Screenshots go to test-artifacts/."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from tests.api.conftest import PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")]


def launch(p):
    """Debian's chromium, headless, with nothing of its own reaching the network."""
    return p.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync"])


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        outside = []
        pg.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server["base"]) else None)
        yield pg
        assert outside == [], outside  # nothing leaves the machine: no CDN, no fonts, no tiles
        browser.close()


def _log_in(page, server, username):
    page.goto(server["base"] + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_url(server["base"] + "/")  # signed in: the overview


def test_log_in_and_see_the_overview(page, server):
    _log_in(page, server, "analyst")
    page.wait_for_selector("#summary")
    assert "23.4亿元" in page.inner_text("#summary")
    assert "analyst" in page.inner_text("#who")
    page.wait_for_selector("#figure-industry .main-svg")
    page.screenshot(path=str(ARTIFACTS / "dashboard-overview.png"), full_page=True)


def test_switch_language(page, server):
    page.goto(server["base"] + "/")
    page.click("#lang-switch")
    page.wait_for_selector("#summary")
    assert "hundred million" in page.inner_text("#summary")
    assert page.inner_text("#nav-overview") == "Overview"
    page.click("#lang-switch")
    page.wait_for_selector("#summary")
    assert page.inner_text("#nav-overview") == "总体概况"


def test_upload_a_workbook_with_one_bad_row(page, server, tmp_path):
    path = tmp_path / "企业年报.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业代码", "年份", "工业总产值(万元)"])
    ws.append([server["firm_id"], 2004, 80000])
    ws.append([server["firm_id"], 2003, "七万"])
    wb.save(path)
    page.goto(server["base"] + "/upload")
    versions = page.locator("#datasets-table tbody tr").count()
    ids = [int(t) for t in page.locator("#datasets-table tbody td:first-child").all_inner_texts()]
    assert versions >= 10 and ids == sorted(ids, reverse=True)  # the sample's files, newest first
    page.set_input_files("#upload-files", str(path))
    page.click("#upload-button")
    page.wait_for_selector("#upload-rejected")
    assert page.inner_text(".issue-row") == "3"
    assert "工业总产值" in page.inner_text(".issue-column")
    assert "不是数字" in page.inner_text("#upload-issues")  # the clerk's language by default
    page.screenshot(path=str(ARTIFACTS / "dashboard-upload-error.png"), full_page=True)
    page.reload()
    assert page.locator("#datasets-table tbody tr").count() == versions  # the rejected file left no trace


def test_open_the_map_and_the_cluster_page(page, server):
    _log_in(page, server, "analyst")
    page.goto(server["base"] + "/map")
    page.wait_for_selector("#map-section .main-svg")
    maps = page.locator("#map-section .js-plotly-plot")
    assert maps.count() == 2  # the LQ choropleth, then parks and firms
    assert page.locator("#lq-industry").input_value() == "35"  # the district's largest industry
    # eight county fills, their labels, the colour bar and the parks' layer
    assert maps.nth(0).locator(".scatterlayer .trace").count() >= 8
    assert "schematic" in maps.nth(0).locator(".gtitle").text_content()
    assert maps.nth(1).locator(".scatterlayer .trace").count() >= 8  # six parks, firms, footprints
    assert "集群范围" in maps.nth(1).locator(".legend").text_content()
    page.screenshot(path=str(ARTIFACTS / "dashboard-map.png"), full_page=True)
    page.select_option("#lq-industry", "22")  # another industry: the page redraws the map
    page.wait_for_url("**/map?industry=22")
    page.wait_for_selector("#map-section .main-svg")
    assert "22" in page.locator("#map-section .js-plotly-plot").nth(0).locator(".gtitle").text_content()
    page.context.clear_cookies()  # signed out: the public view
    page.goto(server["base"] + "/map?industry=26")  # few firms: the district's LQ is withheld
    page.wait_for_selector("#map-section .main-svg")
    labels = page.locator("#map-section .js-plotly-plot").nth(0).locator(".textpoint").all_text_contents()
    assert any(t.startswith("荆州区") and t.endswith("—") for t in labels), labels
    page.screenshot(path=str(ARTIFACTS / "dashboard-lq-map-public.png"), full_page=True)
    page.goto(server["base"] + "/clusters")
    page.wait_for_selector("#lq-section .main-svg")
    assert page.locator("#kd-table tbody tr").count() == 5  # the five largest industries
    assert page.locator(".kd-grid .js-plotly-plot").count() == 5
    assert page.locator("#cluster-map").count() == 0  # firm sites: not for the public
    page.screenshot(path=str(ARTIFACTS / "dashboard-clusters.png"), full_page=True)
    _log_in(page, server, "analyst")
    page.goto(server["base"] + "/clusters")
    page.wait_for_selector("#cluster-map")  # the district's analyst sees the clusters and parks
    assert page.locator("#footprint-table tbody tr").count() >= 5
    assert "湖北四钻" in page.inner_text("#spinoff-links")  # 四机厂's spin-off, in the 石油机械 cluster
    page.screenshot(path=str(ARTIFACTS / "dashboard-cluster-map.png"), full_page=True)


def test_run_the_policy_calculator(page, server):
    """Fields in the clerk's words, grouped by clause; the result a 申兑 list in 万元."""
    page.goto(server["base"] + "/incentives?lang=zh")
    assert "注册地在长沙" in page.inner_text("#calculator") and "第12条" in page.inner_text("#calculator")
    for field in ("registered_in_changsha", "three_industries", "supporting_firm", "project_fits_policy"):
        page.check(f"#in-{field}")
    page.fill("#in-new_project_investment", "20,000,000")  # as a clerk types it
    page.fill("#in-equipment_investment", "12000000")
    page.click("#calc-button")
    page.wait_for_selector("#calc-total")
    assert "60.0" in page.inner_text("#calc-total") and "万元" in page.inner_text("#calc-total")
    award = page.locator('.rule-row[data-status="award"]')
    assert award.count() >= 1 and "应予奖励" in award.first.inner_text()
    assert "c12_" not in page.inner_text("#calc-result")  # rules by their titles, never their ids
    page.screenshot(path=str(ARTIFACTS / "dashboard-calculator.png"), full_page=True)


def test_opportunities_parks_and_value_chain_pages(page, server):
    _log_in(page, server, "analyst")
    page.goto(server["base"] + "/opportunities")
    page.wait_for_selector("#space-section .main-svg")
    assert page.locator("#opportunities-table tbody tr").count() > 0
    page.goto(server["base"] + "/parks")
    page.wait_for_selector("#grades-table")
    assert page.locator("table.scorecard").count() >= 1
    page.goto(server["base"] + "/value-chain")
    page.wait_for_selector("#chain-section .main-svg")
    assert page.locator("#gaps-table tbody tr").count() > 0
    page.screenshot(path=str(ARTIFACTS / "dashboard-value-chain.png"), full_page=True)


def test_a_leading_firm_sees_its_needs_and_ranked_local_suppliers(page, server):
    page.context.clear_cookies()
    page.goto(server["base"] + "/matching")
    assert page.locator("#needs-table").count() == 0  # the public sees no firm's needs
    _log_in(page, server, "sijichang")
    page.goto(server["base"] + "/matching")
    needs = page.locator("#needs-table tbody tr")
    assert needs.count() >= 1
    buyers = {needs.nth(i).locator("td").nth(1).inner_text() for i in range(needs.count())}
    assert buyers == {"四机厂"}  # only its own needs
    page.locator("#needs-table tbody tr a").last.click()
    page.wait_for_selector("#candidates-table")
    ranks = [int(t) for t in page.locator("#candidates-table tbody tr td:first-child").all_inner_texts()]
    assert ranks == list(range(1, len(ranks) + 1)) and len(ranks) == 10
    assert "四机厂" not in page.inner_text("#candidates-table")  # never its own supplier
    page.screenshot(path=str(ARTIFACTS / "dashboard-matching.png"), full_page=True)


def test_award_totals_of_a_recorded_run_for_the_public_and_for_the_admin(page, server):
    from tests.api.test_api import _record_sample_run

    run_id = _record_sample_run(server)
    page.context.clear_cookies()
    page.goto(server["base"] + f"/incentives?run={run_id}")
    rows = page.locator("#award-table tbody tr")
    assert rows.count() >= 10
    public = page.locator("#award-table").inner_text()
    assert "—" in public and "不足3家企业或单家企业占比80%以上" in public
    page.screenshot(path=str(ARTIFACTS / "dashboard-award-totals-public.png"), full_page=True)
    _log_in(page, server, "admin")
    page.goto(server["base"] + f"/incentives?run={run_id}")
    assert "—" not in page.locator("#award-table").inner_text()
    assert "—" not in page.locator("#payer-table").inner_text()


def _tick_only(page, form: str, values: list[str], button: str) -> None:
    """Untick every box of ``form``, tick ``values``, submit."""
    for box in page.locator(f"{form} input[type=checkbox]").all():
        box.uncheck()
    for v in values:
        page.locator(f"{form} input[value='{v}']").check()
    page.click(button)


def test_compare_the_district_with_peers_of_ones_choosing(page, server):
    """The 对标分析 page: the 3 nearest regions by default; the user ticks two others and the
    portfolio is recomputed against them; the quadrant chart is drawn."""
    _log_in(page, server, "analyst")
    page.goto(server["base"] + "/portfolio?lang=zh")
    page.wait_for_selector("#portfolio-section .main-svg")
    assert page.locator("#peer-form input:checked").count() == 3
    assert "专用设备制造业" in page.inner_text("#portfolio-table")
    _tick_only(page, "#peer-form", ["421002", "421024"], "#peer-button")
    page.wait_for_url("**/portfolio?peers=421002&peers=421024")
    checked = {b.get_attribute("value") for b in page.locator("#peer-form input:checked").all()}
    assert checked == {"421002", "421024"}
    page.screenshot(path=str(ARTIFACTS / "dashboard-portfolio.png"), full_page=True)


def test_a_park_against_peer_parks_of_ones_choosing(page, server):
    """园区对标 on the same page: the largest park (九阳) against its 3 nearest parks by default,
    its figures first, its rank on each; the user picks another park and two peers of their own,
    and the peer regions chosen above stay chosen; a park manager is told why not."""
    _log_in(page, server, "analyst")
    page.goto(server["base"] + "/portfolio?lang=zh&peers=421002&peers=421024")
    page.wait_for_selector("#park-form")
    assert page.locator("#park-select option:checked").inner_text() == "九阳机械电子工业园"
    assert page.locator("#park-form input:checked").count() == 3
    first = page.locator("#park-figures-table tbody tr").first.inner_text()
    assert first.startswith("九阳机械电子工业园")
    assert "亩均税收" in page.inner_text("#park-figures-table") and "第1/4位" in page.inner_text("#park-ranks")
    page.select_option("#park-select", "P02")
    _tick_only(page, "#park-form", ["Z01", "Z02"], "#park-button")
    page.wait_for_url("**/portfolio?peers=421002&peers=421024&park=P02&park_peers=Z01&park_peers=Z02#park-peers")
    assert {b.get_attribute("value") for b in page.locator("#peer-form input:checked").all()} == {"421002", "421024"}
    _tick_only(page, "#peer-form", ["421002"], "#peer-button")  # and the park's choice stays on the other form
    page.wait_for_url(lambda u: "421024" not in u)
    assert parse_qs(urlsplit(page.url).query) == {"park": ["P02"], "park_peers": ["Z01", "Z02"], "peers": ["421002"]}, page.url
    rows = page.locator("#park-figures-table tbody tr").all_inner_texts()
    assert rows[0].startswith("拍马纸品工业园") and len(rows) == 3
    page.screenshot(path=str(ARTIFACTS / "dashboard-park-peers.png"), full_page=True)
    _log_in(page, server, "parkmgr")
    page.goto(server["base"] + "/portfolio?lang=zh")
    assert "企业数据权限" in page.inner_text("body")
