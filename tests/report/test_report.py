"""The diagnostic report on the sample region: its numbers, its workbook, and that it opens
offline in a real browser (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from clusteratlas.faces import catalogue
from clusteratlas.report.html import build_report
from tests.api.page_audit import problems

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _external_references(html: str) -> list[str]:
    from html.parser import HTMLParser

    found = []

    class Refs(HTMLParser):
        def handle_starttag(self, tag, attrs):
            for name, value in attrs:
                if name in ("src", "href") and value and not value.startswith(("#", "data:")):
                    found.append(f"{tag} {name}={value}")

    Refs().feed(html)
    return found


@pytest.fixture(scope="module")
def report(tmp_path_factory, sample_template, store_copies):
    """The report of the sample district with the sample's input-output table and a recorded
    incentive run, as ``clusteratlas demo`` writes it (on a copy of the sample store)."""
    from clusteratlas.analyses.incentives import Ruleset, run
    from clusteratlas.io.iotables import import_io_table
    from clusteratlas.sample import INCENTIVE_INPUTS, IO_TABLE, data_dir
    from clusteratlas.study import Settings, diagnose, open_study
    from clusteratlas.study.records import record_run, recorded_run
    from tests.conftest import open_store

    folder = tmp_path_factory.mktemp("report")
    with open_store(store_copies.copy(sample_template, folder, "s")) as s:
        import_io_table(s, data_dir() / IO_TABLE, "sample national table (synthetic)", year=2017)
        rs = Ruleset.load("changsha_2005")
        record_run(s, run(rs, pd.read_csv(data_dir() / INCENTIVE_INPUTS), 2006), rs, label="sample")
        d = diagnose(open_study(s), Settings(n_sim=99))
        return build_report(d, folder / "out", synthetic_note="synthetic firms", run=recorded_run(s))


def test_the_report_is_one_self_contained_file(report):
    html = report.html.read_text(encoding="utf-8")
    assert "荆州区" in html and "2006年1-6月" in html and "synthetic firms" in html
    assert _external_references(html) == []  # plotly.js and styles are inlined
    assert 'data-indicator="output"' in html and "23.40亿元" in html and "同比 +31.0%" in html
    assert '<html lang="zh-CN">' in html and "Overview" not in html  # one language: Chinese by default


def test_the_report_shows_k_densities_and_the_cluster_park_map(report):
    html = report.html.read_text(encoding="utf-8")
    assert 'id="table-kd"' in html and 'id="table-footprints"' in html
    kd_table = html[html.index('id="table-kd"'):]
    kd_table = kd_table[:kd_table.index("</table>")]
    assert kd_table.count("<tr>") == 1 + 5  # header and the five largest industries
    assert html.count(" K-density") >= 5  # one figure per industry
    assert "企业集群与园区边界" in html


def test_the_workbook_holds_the_report_tables(report):
    """The report's tables, one sheet each, headers in Chinese with their units, money as numbers
    in 万元, the header row frozen."""
    import openpyxl

    book = pd.read_excel(report.xlsx, sheet_name=None)
    assert list(book)[0] == "说明"
    assert {"分行业", "分园区", "区位商", "EG与MS集聚指数", "优势集群", "偏离-份额分解", "招商方向",
            "分条款奖励", "奖励明细", "数据来源", "园区亩均排名", "目标进度"} <= set(book)
    ind = book["分行业"]
    assert list(ind.columns[:3]) == ["代码", "行业", "企业数"] and "产值（万元）" in ind.columns
    assert ind.set_index("代码").loc[35, "产值（万元）"] == pytest.approx(110_000)
    assert book["分园区"]["产值（万元）"].sum() == pytest.approx(234_000)
    ws = openpyxl.load_workbook(report.xlsx)["分行业"]
    assert ws.freeze_panes == "A2"


def test_the_english_report_is_in_english(report, tmp_path):
    en = build_report(report.diagnosis, tmp_path / "en", lang="en")
    html = en.html.read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Overview" in html and "总体概况" not in html
    assert "CNY 100m" in html and "Manufacture of special-purpose machinery" in html
    assert "By industry" in pd.read_excel(en.xlsx, sheet_name=None)


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")
def test_the_report_opens_offline_in_chromium(report, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--host-resolver-rules=MAP * ~NOTFOUND"])  # no name resolves: no network
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.html.as_uri())
        page.wait_for_function("window.Plotly !== undefined")
        page.wait_for_selector(".js-plotly-plot .main-svg")
        # industry, park, LQ bubbles, two LQ maps, shift-share, pipeline funnel, chain map,
        # supply network, industry space, map, five K-densities, cluster-park map
        assert page.locator(".js-plotly-plot").count() == 19  # and the quadrant chart, the spin-off tree
        assert "湖北四钻" in page.locator("#table-spinoff_links").inner_text()
        assert page.locator("#table-buyers tbody tr").count() == 5
        assert page.locator("#table-gaps tbody tr").count() > 0
        assert page.locator("#table-rates tbody tr").count() == 5  # the five leading firms
        assert page.locator("#table-impact tbody tr").count() == 4
        assert page.locator("#table-incentives tbody tr").count() >= 10
        assert page.locator("#table-payers tbody tr").count() >= 4
        assert "引进项目75个" in page.locator("#pipeline").inner_text()
        assert "同比增31.0%" in page.locator("#summary").inner_text()
        assert page.locator("#table-targets td.status-on-track").count() > 0
        assert page.locator("#table-grades tbody tr").count() == 7
        assert page.locator("#table-opportunities tbody tr").count() > 0
        assert "23.40" in page.locator('[data-indicator="output"] .value').inner_text()
        assert page.locator("#table-park tbody tr").count() == 7
        assert page.locator("#table-strong tbody tr").count() > 0
        text = page.inner_text("main")
        assert problems(text, "zh", catalogue()) == []  # as the dashboard's pages: nothing a person would not write
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-zh.png"), full_page=True)
        browser.close()
    assert [u for u in requests if not u.startswith(("file:", "data:", "blob:"))] == []
