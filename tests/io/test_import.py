"""Importing files into the store: what is read, how it is converted, and all-or-nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from clusteratlas.io import ImportRejected, import_files
from clusteratlas.io.mapping import Mapping
from tests.conftest import FIRMS, PARKS, REGIONS, write_csv


def workbook(path, bad_output: str | None = None):
    """A three-sheet workbook as a statistics office sends it: a cover sheet, a firm list, and a
    firm-year sheet with a title line, a unit line and a two-line merged header."""
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "说明"
    cover["A1"] = "本表由区统计局提供，仅供内部使用。"
    firms = wb.create_sheet("企业名录")
    for row in [r for r in FIRMS]:
        firms.append(row)
    ws = wb.create_sheet("主要指标")
    ws.append(["2006年1-6月规模以上工业企业主要经济指标"])
    ws.append(["单位：万元"])
    ws.append(["企业代码", "工业总产值", None, "实缴税金", "用地面积(亩)"])
    ws.append([None, "1-6月", "同比增长%", None, None])
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:C3")
    ws.merge_cells("D3:D4")
    ws.merge_cells("E3:E4")
    ws.merge_cells("A1:E1")
    ws.append(["F1", 75000, 100.0, "4,514.3", 1500])
    ws.append(["F2", 4500.5, 90.0, 184.5, 60])
    ws.append(["F3", bad_output if bad_output is not None else 18000, 12.1, 528.7, 400])
    wb.save(path)
    return path


@pytest.fixture
def regions_parks(tmp_path):
    return [write_csv(tmp_path / "regions.csv", REGIONS), write_csv(tmp_path / "parks.csv", PARKS)]


def test_multi_sheet_workbook_with_chinese_headers_and_wan_yuan(tmp_path, store, regions_parks):
    report = import_files(store, [*regions_parks, workbook(tmp_path / "data.xlsx")])
    assert report.rows == {"regions": 1, "parks": 1, "firms": 3, "firm_years": 3}
    fy = store.table("firm_years").set_index("firm_id")
    assert fy.loc["F1", "output"] == 75000 * 1e4  # 万元 from the unit line → CNY
    assert fy.loc["F2", "output"] == pytest.approx(4500.5e4)
    assert fy.loc["F1", "tax_paid"] == pytest.approx(4514.3e4)  # thousands separator read
    assert fy.loc["F1", "land_mu"] == 1500  # the header's own unit wins over the line
    assert set(fy["year"]) == {2006} and set(fy["month_to"]) == {6}  # from the title line
    firms = store.table("firms").set_index("firm_id")
    assert firms.loc["F1", "is_leading"] and not firms.loc["F2", "is_leading"]
    assert pd.isna(firms.loc["F3", "park_id"])
    assert any("同比增长" in n and "not stored" in n for n in report.notes)
    assert any("说明" in n for n in report.notes)


def test_one_bad_row_rejects_the_whole_workbook_and_changes_nothing(tmp_path, store, regions_parks):
    import_files(store, regions_parks)
    before = store.content_digest()
    datasets = store.datasets()
    with pytest.raises(ImportRejected) as e:
        import_files(store, [workbook(tmp_path / "bad.xlsx", bad_output="一万八")])
    [issue] = e.value.issues
    assert (issue.file, issue.sheet, issue.row, issue.rule) == ("bad.xlsx", "主要指标", 7, "not_a_number")
    assert issue.column == "工业总产值 / 1-6月 [B]" and issue.value == "一万八"
    assert store.content_digest() == before
    assert store.datasets().equals(datasets)
    assert not list(store.files_dir.glob("*.xlsx")) if store.files_dir.exists() else True


def test_every_import_is_a_dataset_version_with_its_hash_and_kept_file(tmp_path, store, regions_parks):
    wb = workbook(tmp_path / "data.xlsx")
    report = import_files(store, [*regions_parks, wb])
    d = store.datasets().set_index("source_name")
    digest = hashlib.sha256(wb.read_bytes()).hexdigest()
    assert d.loc["data.xlsx", "sha256"] == digest
    assert d.loc["data.xlsx", "row_counts"] == {"firms": 3, "firm_years": 3}
    kept = store.files_dir / Path(d.loc["data.xlsx", "raw_path"]).name
    assert kept.read_bytes() == wb.read_bytes()
    assert [f.dataset_id for f in report.files] == [1, 2, 3]


def test_the_same_bytes_twice_are_skipped(tmp_path, store, regions_parks):
    import_files(store, regions_parks)
    again = import_files(store, regions_parks)
    assert all(f.dataset_id is None for f in again.files)
    assert len(store.datasets()) == 2
    assert "already imported" in again.notes[0]


def test_a_newer_file_replaces_rows_and_keeps_the_old_ones_in_history(tmp_path, base_store):
    first = write_csv(tmp_path / "fy1.csv", [["企业代码", "年份", "工业总产值(万元)"],
                                             ["F1", "2005", "90000"], ["F2", "2005", "3000"]])
    second = write_csv(tmp_path / "fy2.csv", [["企业代码", "年份", "工业总产值(亿元)"],
                                              ["F1", "2005", "9.1"]])
    import_files(base_store, [first])
    import_files(base_store, [second])
    fy = base_store.table("firm_years").set_index("firm_id")
    assert fy.loc["F1", "output"] == pytest.approx(9.1e8) and fy.loc["F2", "output"] == 3e7
    hist = base_store.table("firm_years_history")
    assert len(hist) == 1 and hist.iloc[0]["output"] == 9e8
    assert hist.iloc[0]["superseded_by"] == base_store.datasets()["dataset_id"].max()


def test_csv_in_gbk_and_utf8_with_bom(tmp_path, base_store):
    rows = [["企业代码", "统计期", "工业总产值(万元)", "从业人员(人)"], ["F1", "2006年1-6月", "100", "12"]]
    gbk = write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")
    bom = write_csv(tmp_path / "bom.csv", [rows[0], ["F2", "2006年1-6月", "50", "3"]],
                    encoding="utf-8-sig")
    import_files(base_store, [gbk, bom])
    fy = base_store.table("firm_years").set_index("firm_id")
    assert fy.loc["F1", "output"] == 1e6 and fy.loc["F2", "employment"] == 3


def test_parquet_with_english_headers(tmp_path, base_store):
    path = tmp_path / "fy.parquet"
    pd.DataFrame({"firm_id": ["F1", "F3"], "year": [2005, 2005],
                  "output (CNY 10k)": [1.5, 2.0]}).to_parquet(path)
    import_files(base_store, [path])
    assert sorted(base_store.table("firm_years")["output"]) == [15_000, 20_000]


def test_a_mapping_file_names_unknown_headers_units_and_the_usd_rate(tmp_path, base_store):
    path = write_csv(tmp_path / "odd.csv", [["编号", "期间", "产出合计", "外销"],
                                            ["F1", "2006", "12", "3"]])
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  编号: firm_id\n  期间: period\n  产出合计: output\n  外销: exports\n"
                       "units:\n  output: 亿元\n  exports: 万美元\nusd_rate: 7.97\n", encoding="utf-8")
    import_files(base_store, [path], mapping=Mapping.load(mapping))
    row = base_store.table("firm_years").iloc[0]
    assert row["output"] == 12e8 and row["exports"] == pytest.approx(3e4 * 7.97)


def test_a_deeper_industry_code_is_kept_exactly_as_given(base_store):
    firms = base_store.table("firms").set_index("firm_id")
    assert firms.loc["F1", "industry_code"] == "3512"


def test_targets_convert_money_per_row_and_keep_counts(tmp_path, base_store):
    path = write_csv(tmp_path / "targets.csv", [
        ["目标编号", "目标对象类型", "目标对象", "指标", "目标类型", "目标年份", "目标值", "单位"],
        ["T1", "industry", "35", "output", "level", "2006", "25", "亿元"],
        ["T2", "region", "421003", "firms_output_over_1e8", "count", "2006", "10", "家"],
        ["T3", "park", "P01", "output", "growth_gap_pct", "2006", "3", "个百分点"]])
    import_files(base_store, [path])
    t = base_store.table("targets").set_index("target_id")
    assert t.loc["T1", "value"] == 25e8 and t.loc["T1", "unit"] == "CNY"
    assert t.loc["T2", "value"] == 10 and t.loc["T2", "unit"] == "count"
    assert t.loc["T3", "unit"] == "%" and t.loc["T3", "month_to"] == 12


def test_projects_read_chinese_stages_and_dates(tmp_path, base_store):
    path = write_csv(tmp_path / "projects.csv", [
        ["项目编号", "项目名称", "项目阶段", "入驻园区", "协议投资额(亿元)", "签约日期", "开工日期"],
        ["XM1", "紫江喷铝项目", "已开工", "P01", "0.4", "2005年9月12日", "2005/12/1"]])
    import_files(base_store, [path])
    p = base_store.table("projects").iloc[0]
    assert p["stage"] == "started" and p["contracted_investment"] == pytest.approx(4e7)
    assert str(p["signed_date"])[:10] == "2005-09-12" and str(p["start_date"])[:10] == "2005-12-01"


def test_all_problems_of_all_files_are_reported_at_once(tmp_path, base_store):
    a = write_csv(tmp_path / "a.csv", [["企业代码", "年份", "工业总产值(万元)"],
                                       ["F1", "2005", "-1"], ["F9", "2005", "x"]])
    b = write_csv(tmp_path / "b.csv", [["企业代码", "企业名称", "行业代码", "所在地区"],
                                       ["F7", "新企业", "9999", "421003"]])
    with pytest.raises(ImportRejected) as e:
        import_files(base_store, [a, b])
    found = {(i.file, i.row, i.rule) for i in e.value.issues}
    assert found == {("a.csv", 2, "negative_value"), ("a.csv", 3, "not_a_number"),
                     ("a.csv", 3, "unknown_reference"), ("b.csv", 2, "unknown_industry_code")}


def test_references_are_looked_up_whatever_the_keys_hold():
    """The reference check's lookup (Arrow's, for text) answers as pandas' isin does for every
    value present (the check asks only about those), with keys that are not text among them."""
    import pandas as pd

    from clusteratlas.io.importer import _among

    values = pd.Series(["F1", "F2", None, "5", "F9"], dtype="str")
    keys = {"F1", "F9", None, 5}
    present = values.notna()
    assert _among(values, keys)[present].tolist() == values.isin(keys)[present].tolist() == [True, False, False, True]
    numbers = pd.Series([1, 2, 3])
    assert _among(numbers, {2, "3"}).tolist() == [False, True, False]
