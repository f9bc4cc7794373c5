"""The diagnostic report on the sample region: its numbers, its workbook, and that it opens
offline in a real browser (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from clusteratlas.report.html import build_report

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
    assert 'data-indicator="output"' in html and "23.40 亿元" in html and "+31.0%" in html


def test_the_report_shows_k_densities_and_the_cluster_park_map(report):
    html = report.html.read_text(encoding="utf-8")
    assert 'id="table-kd"' in html and 'id="table-footprints"' in html
    kd_table = html[html.index('id="table-kd"'):]
    kd_table = kd_table[:kd_table.index("</table>")]
    assert kd_table.count("<tr>") == 1 + 5  # header and the five largest industries
    assert html.count(" K-density") >= 5  # one figure per industry
    assert "Clusters and parks" in html


def test_the_workbook_holds_the_report_tables(report):
    book = pd.read_excel(report.xlsx, sheet_name=None)
    assert {"overview", "by_industry", "by_park", "firm_counts", "datasets", "clusters_lq",
            "clusters_eg_ms", "strong_clusters", "shift_share", "opportunities", "award_lines"} <= set(book)
    ind = book["by_industry"].set_index("division")
    assert ind.loc[35, "output (万元)"] == pytest.approx(110_000)
    park = book["by_park"]
    assert park["output (万元)"].sum() == pytest.approx(234_000)


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
        page = browser.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.html.as_uri())
        page.wait_for_function("window.Plotly !== undefined")
        page.wait_for_selector(".js-plotly-plot .main-svg")
        # industry, park, LQ bubbles, two LQ maps, shift-share, pipeline funnel, chain map,
        # supply network, industry space, map, five K-densities, cluster-park map
        assert page.locator(".js-plotly-plot").count() == 17
        assert page.locator("#table-buyers tbody tr").count() == 5
        assert page.locator("#table-gaps tbody tr").count() > 0
        assert page.locator("#table-rates tbody tr").count() == 5  # the five leading firms
        assert page.locator("#table-impact tbody tr").count() == 4
        assert page.locator("#table-incentives tbody tr").count() >= 10
        assert page.locator("#table-payers tbody tr").count() >= 4
        assert "引进项目75个" in page.locator("#pipeline-zh").inner_text()
        assert "同比增31.0%" in page.locator("#summary-zh").inner_text()
        assert page.locator("#table-targets td.light-on-track").count() > 0
        assert page.locator("#table-grades tbody tr").count() == 7
        assert page.locator("#table-opportunities tbody tr").count() > 0
        assert "23.40" in page.locator('[data-indicator="output"] .value').inner_text()
        assert page.locator("#table-park tbody tr").count() == 7
        assert page.locator("#table-strong tbody tr").count() > 0
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert [u for u in requests if not u.startswith(("file:", "data:", "blob:"))] == []
