"""A chain's papers (一链一图、一表、一清单) for the sample's 石油机械 chain: the workbook's sheets,
headers, units and numbers; the English papers in English; and the page, self-contained, opened
offline in Debian's chromium with its map, link table, tasks and targets."""

from __future__ import annotations

import re
import shutil

import openpyxl
import pytest

from tests.report.test_report import _external_references

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHAIN, REGION = "petroleum_machinery", "421003"


@pytest.fixture(scope="module")
def papers(tmp_path_factory, sample_template, store_copies):
    from clusteratlas.report.chain import write_chain_page, write_chain_workbook
    from clusteratlas.study import Settings, diagnose, open_study
    from clusteratlas.study.chains import assign_role, chain_template, open_task, roles, tasks, update_task
    from tests.conftest import open_store

    folder = tmp_path_factory.mktemp("chain-papers")
    with open_store(store_copies.copy(sample_template, folder, "s")) as s:
        firms = s.table("firms").set_index("firm_id")["name"]
        sijichang = firms[firms == "四机厂"].index[0]
        t = open_task(s, CHAIN, REGION, "引进石油专用管材企业", "区招商局", "王科长", due_date="2006-09-30",
                      link_id="steel_tubulars")
        update_task(s, t, "王科长", status="in_progress", note="已与宝鸡石油钢管接洽")
        open_task(s, CHAIN, REGION, "四机厂铸锻件本地配套", "区经信局", "王科长", link_id="castings_forgings",
                  firm_id=sijichang)
        assign_role(s, CHAIN, REGION, "chief", "张三", "区委办", title="副区长")
        assign_role(s, CHAIN, REGION, "leader_firm", sijichang, "区委办")
        d = diagnose(open_study(s, REGION, (2006, 6)), Settings(n_sim=19))
        ledger = d.chain_ledger(chain_template(CHAIN))
        todo, held = tasks(s, CHAIN, REGION), roles(s, CHAIN, REGION)
    out = {}
    for lang in ("zh", "en"):
        kw = dict(region_name="荆州区" if lang == "zh" else "Jingzhou", firm_names=firms.to_dict(), lang=lang)
        out[lang] = (write_chain_page(ledger, todo, held, folder / f"chain_{lang}.html", **kw),
                     write_chain_workbook(ledger, todo, held, folder / f"chain_{lang}.xlsx", **kw))
    return ledger, out


def test_the_workbook_holds_each_table_with_its_units(papers):
    ledger, out = papers
    wb = openpyxl.load_workbook(out["zh"][1])
    assert wb.sheetnames == ["说明", "一表 链条环节", "一清单 任务", "链主配套率", "招商目标", "项目", "链长链主"]
    links = wb["一表 链条环节"]
    header = [c.value for c in links[1]]
    assert header[:4] == ["环节", "链条环节", "状态", "本地企业（家）"] and "链上采购（万元）" in header
    assert links.freeze_panes == "A2" and links.max_row == 1 + len(ledger.chain.links)
    tubulars = next(r for r in links.iter_rows(min_row=2, values_only=True) if r[1] == "石油专用管材")
    expected = round(ledger.links.set_index("link_id").at["steel_tubulars", "purchases"] / 1e4, 1)
    assert tubulars[2] == "补链" and tubulars[header.index("链上采购（万元）")] == expected
    assert links.cell(2, header.index("链上采购（万元）") + 1).number_format == "#,##0.0"
    todo = [r for r in wb["一清单 任务"].iter_rows(min_row=2, values_only=True)]
    assert [r[1] for r in todo] == ["引进石油专用管材企业", "四机厂铸锻件本地配套"] and todo[0][5] == "办理中"
    roles = [r for r in wb["链长链主"].iter_rows(min_row=2, values_only=True)]
    assert ("链长", "张三", "副区长") == roles[0][:3] and roles[1][:2] == ("链主", "四机厂")  # a firm by its name
    top = next(wb["招商目标"].iter_rows(min_row=2, values_only=True))
    assert top[:3] == ("石油专用管材", 1, "宝鸡石油钢管有限责任公司")


def test_the_english_papers_are_in_english(papers):
    _, out = papers
    wb = openpyxl.load_workbook(out["en"][1])
    assert wb.sheetnames[:3] == ["About", "Links", "Tasks"]
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for ws in wb.worksheets[1:]:
        assert not any(cjk.search(str(c.value or "")) for c in ws[1]), ws.title  # headers
    links = list(wb["Links"].iter_rows(min_row=2, values_only=True))
    assert {r[2] for r in links} <= {"strong", "to fill", "to extend", "present"}
    page = out["en"][0].read_text(encoding="utf-8")
    assert "The link table" in page and "一表" not in page


def test_the_page_is_one_self_contained_file(papers):
    _, out = papers
    page = out["zh"][0].read_text(encoding="utf-8")
    assert _external_references(page) == []
    for part in ("一链一图", "一表：链条环节", "一清单：任务", "链主本地配套率", "补链延链招商目标", "模板依据"):
        assert part in page, part


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")
def test_the_page_opens_offline_in_chromium(papers):
    from playwright.sync_api import sync_playwright

    ledger, out = papers
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--host-resolver-rules=MAP * ~NOTFOUND"])
        page = browser.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(out["zh"][0].as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg")
        assert page.locator(".js-plotly-plot").count() == 1
        # every link of the chain a box on the map, with its name
        boxes = page.locator(".js-plotly-plot .shapelayer path")
        assert boxes.count() == len(ledger.chain.links)
        assert "石油专用管材" in page.locator(".js-plotly-plot").inner_text()
        assert page.locator("#table-links tbody tr").count() == len(ledger.chain.links)
        assert page.locator("#table-links td.status-fill").count() >= 2
        assert page.locator("#table-tasks tbody tr").count() == 2
        assert page.locator("#table-targets tbody tr").count() == len(ledger.targets)
        assert page.locator("#table-rates tbody tr").count() == len(ledger.supporting_rates)
        assert all(u.startswith("file://") for u in requests), requests
        browser.close()
