"""The optional innovation and wage figures import as offices keep them: the intellectual-property
office's list of patents granted (专利授权清单: holders by name, several to a cell, kinds in Chinese,
a title line), and the wage bill (应付职工薪酬) as a column of the firms' yearly figures."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from clusteratlas.io import ImportRejected, import_files
from tests.io.county import county_firms, county_workbook


@pytest.fixture(scope="module")
def firms():
    return county_firms(n=20)


@pytest.fixture
def county(tmp_path, store, firms):
    import_files(store, [county_workbook(tmp_path / "公安县2023.xlsx", firms)])
    return store


def patent_list(path, rows, title="公安县2023年专利授权清单"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "专利授权"
    ws.append([title])
    ws.append(["序号", "专利号", "专利名称", "专利类型", "专利权人", "授权公告日"])
    for i, r in enumerate(rows, 1):
        ws.append([i, *r])
    wb.save(path)
    return path


def test_a_patent_list_names_its_holders_and_each_local_holder_gets_the_patent(tmp_path, county, firms):
    a, b = firms[0], firms[1]
    rows = [
        ("ZL202310001234.5", "一种汽车转向节锻造方法", "发明", a.name, dt.date(2023, 3, 14)),
        ("ZL202320002345.6", "一种减震器支架", "实用新型", f"{a.name}；{b.name}", dt.date(2023, 6, 2)),
        ("ZL202330003456.7", "包装盒（礼品）", "外观设计专利", f"{b.name}、华中科技大学", dt.date(2023, 9, 30)),
        ("ZL202210004567.8", "一种纺纱装置", "发明专利", b.uscc, dt.date(2022, 12, 20)),  # by code
    ]
    report = import_files(county, [patent_list(tmp_path / "专利.xlsx", rows)])
    assert report.rows == {"patents": 5}
    got = county.table("patents").sort_values(["patent_no", "firm_id"]).reset_index(drop=True)
    assert list(zip(got.patent_no, got.firm_id)) == sorted([
        ("ZL202310001234.5", a.uscc), ("ZL202320002345.6", a.uscc), ("ZL202320002345.6", b.uscc),
        ("ZL202330003456.7", b.uscc), ("ZL202210004567.8", b.uscc)])
    kinds = got.drop_duplicates("patent_no").set_index("patent_no")["kind"]
    assert kinds.to_dict() == {"ZL202310001234.5": "invention", "ZL202320002345.6": "utility_model",
                               "ZL202330003456.7": "design", "ZL202210004567.8": "invention"}
    assert pd.Timestamp(got.set_index("patent_no").loc["ZL202210004567.8", "granted_date"]) == pd.Timestamp("2022-12-20")
    # the university is not a firm of the region: not stored, and said
    assert any("华中科技大学 (1)" in str(n) for n in report.notes)


def test_a_patent_whose_holders_are_all_unknown_is_refused_naming_the_cell(tmp_path, county, firms):
    before = county.content_digest()
    rows = [("ZL202310001234.5", "一种锻造方法", "发明", firms[0].name, dt.date(2023, 3, 14)),
            ("ZL202310009999.1", "一种轴承", "发明", firms[0].name[:-2] + "厂", dt.date(2023, 4, 1)),
            ("ZL202310008888.2", "一种齿轮", "专利", firms[1].name, dt.date(2023, 4, 1))]
    with pytest.raises(ImportRejected) as e:
        import_files(county, [patent_list(tmp_path / "专利.xlsx", rows)])
    issues = {(i.row, i.rule): i for i in e.value.issues}
    unknown = issues[(4, "unknown_firm")]  # the title line, the header, then the rows
    assert unknown.column == "专利权人 [E]" and firms[0].name in unknown.message  # the close name
    assert issues[(5, "bad_choice")].column == "专利类型 [D]"
    assert county.content_digest() == before


def test_the_same_patent_twice_for_one_holder_is_refused(tmp_path, county, firms):
    a = firms[0]
    rows = [("ZL202310001234.5", "一种锻造方法", "发明", a.name, dt.date(2023, 3, 14)),
            ("ZL202310001234.5", "一种锻造方法", "发明", a.uscc, dt.date(2023, 3, 14))]
    with pytest.raises(ImportRejected) as e:
        import_files(county, [patent_list(tmp_path / "专利.xlsx", rows)])
    assert [(i.row, i.rule) for i in e.value.issues] == [(4, "duplicate_key")]


def test_the_wage_bill_is_a_column_of_the_yearly_figures_in_its_unit(tmp_path, county, firms):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2023年工资"
    ws.append(["2023年规上工业企业应付职工薪酬", None, None])
    ws.append(["单位：万元", None, None])
    ws.append(["企业名称", "统计期", "应付职工薪酬"])
    ws.append([firms[0].name, "2023年", 1234.5])
    ws.append([firms[1].name, "2023年", "—"])
    path = tmp_path / "工资.xlsx"
    wb.save(path)
    import_files(county, [path])
    fy = county.table("firm_years").set_index("firm_id")
    assert fy.at[firms[0].uscc, "wage_bill"] == pytest.approx(1234.5e4)  # 万元 → CNY
    assert pd.isna(fy.at[firms[1].uscc, "wage_bill"])
    assert fy.at[firms[0].uscc, "output"] == pytest.approx(firms[0].output * 1e4)  # the rest kept
