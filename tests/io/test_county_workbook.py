"""A county bureau's own workbook imports as it is kept, with one command and no mapping file;
each mistake such workbooks carry is an error (or a warning) naming the cell, and a rejected
import changes nothing."""

from __future__ import annotations

import dataclasses

import openpyxl
import pandas as pd
import pytest

from clusteratlas.io import ImportRejected, import_files
from tests.io.county import COUNTY, PARKS, county_firms, county_workbook, credit_code


@pytest.fixture(scope="module")
def firms():
    return county_firms()


def test_the_workbook_imports_with_every_value_park_region_and_unit(tmp_path, store, firms):
    report = import_files(store, [county_workbook(tmp_path / "公安县2023.xlsx", firms)])
    assert report.rows == {"regions": 3, "parks": 3, "firms": 200, "firm_years": 200}
    assert not report.warnings
    # the region comes from characters 3–8 of the credit codes, and is known by name
    regions = store.table("regions").set_index("region_id")
    assert regions.loc[COUNTY, "name"] == "公安县" and regions.loc[COUNTY, "parent_id"] == "421000"
    assert regions.loc["421000", "name"] == "荆州市" and regions.loc["420000", "level"] == "province"
    assert any("credit code" in n and "421022 (200)" in n for n in report.notes)
    # parks from the 园区 sheet, ids from their names, region from the firms
    parks = store.table("parks").set_index("name")
    assert sorted(parks.index) == sorted(p[0] for p in PARKS)
    assert set(parks["region_id"]) == {COUNTY}
    assert parks.loc["公安县孟家溪工业小区", "kind"] == "zone"
    assert parks.loc["公安县青吉工业园", "area_mu"] == 3200
    stored = store.table("firms").set_index("firm_id")
    years = store.table("firm_years").set_index("firm_id")
    for f in firms:
        row = stored.loc[f.uscc]
        assert row["name"] == f.name and row["industry_code"] == f.industry
        assert row["region_id"] == COUNTY
        if f.park:  # the park's name on the firm list resolves to the park's id
            assert row["park_id"] == parks.loc[f.park, "park_id"]
        else:
            assert pd.isna(row["park_id"])
        assert (row["lon"], row["lat"]) == (f.lon, f.lat)
        y = years.loc[f.uscc]
        assert (y["year"], y["month_to"]) == (2023, 12)  # from the sheet's title
        assert y["output"] == pytest.approx(f.output * 1e4)  # 单位：万元 → CNY
        assert y["revenue"] == pytest.approx(f.revenue * 1e4)
        assert y["tax_paid"] == pytest.approx(f.tax * 1e4)
        assert y["employment"] == f.employment  # the header's own unit (人), not 万元
        assert y["land_mu"] == pytest.approx(f.land_mu)  # 用地面积 of the firm list, routed here
        assert y["above_scale"]  # the title says 规模以上 and there is no flag column
    # the 合计 row was checked and not imported
    assert any("合计" in n and "4 of 4 column sums match" in n for n in report.notes)
    assert len(years) == 200


def test_a_total_that_does_not_add_up_is_a_warning_naming_the_cell(tmp_path, store, firms):
    path = county_workbook(tmp_path / "off.xlsx", firms, total_off=1000.0)
    report = import_files(store, [path])
    (w,) = report.warnings
    assert (w.sheet, w.row, w.rule) == ("2023年主要指标", 205, "total_mismatch")
    assert w.column.endswith("[D]") and "工业总产值" in w.column
    assert "合计" in w.message_zh
    before = store.content_digest()
    with pytest.raises(ImportRejected) as e:  # --strict makes it an error
        import_files(store, [path], strict=True, force=True)
    assert [i.rule for i in e.value.issues] == ["total_mismatch"]
    assert store.content_digest() == before


def test_reimporting_the_period_says_how_many_rows_it_replaced(tmp_path, store, firms):
    import_files(store, [county_workbook(tmp_path / "a.xlsx", firms)])
    changed = [dataclasses.replace(f, output=f.output + 1) for f in firms]
    report = import_files(store, [county_workbook(tmp_path / "b.xlsx", changed)])
    (f,) = report.files
    assert f.replaced["firm_years"] == 200 and f.replaced["firms"] == 200


def _edit(path, sheet, cell, value):
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)
    return path


def _rejected(store, paths, **kw):
    before = store.content_digest()
    with pytest.raises(ImportRejected) as e:
        import_files(store, paths, **kw)
    assert store.content_digest() == before  # nothing changed
    return e.value.issues


YEARLY = "2023年主要指标"


@pytest.mark.parametrize("sheet, cell, value, rule, column", [
    ("企业名录", "C5", credit_code(COUNTY, 1000), "duplicate_key", "[C]"),  # a repeated code
    (YEARLY, "F7", "—", None, None),  # '—' in a number cell is a missing value, not an error
    (YEARLY, "D8", "NaN", "not_finite", "[D]"),
    (YEARLY, "D9", "inf", "not_finite", "[D]"),
    (YEARLY, "G9", "1e400", "not_finite", "[G]"),
    (YEARLY, "D10", "=SUM(D5:D9)", "formula_without_value", "[D]"),
    (YEARLY, "D11", "='[1]Sheet1'!D11", "external_link", "[D]"),
    ("企业名录", "E6", "公安县青吉工业圆", "unknown_park", "[E]"),  # a typo in a park name
])
def test_each_mistake_names_its_cell_and_changes_nothing(tmp_path, store, firms, sheet, cell,
                                                         value, rule, column):
    path = _edit(county_workbook(tmp_path / "w.xlsx", firms), sheet, cell, value)
    row = int(cell[1:])
    if rule is None:
        report = import_files(store, [path])
        assert any("1 empty cell" in n and "[F]" in n for n in report.notes)
        y = store.table("firm_years").set_index("firm_id")
        assert pd.isna(y.loc[firms[row - 5].uscc, "revenue"])
        return
    issues = _rejected(store, [path])
    hit = [i for i in issues if i.rule == rule]
    assert hit, [str(i) for i in issues]
    i = hit[0]
    assert (i.sheet, i.row) == (sheet, row) and i.column.endswith(column)
    assert i.zh().startswith(f"w.xlsx〔{sheet}〕 第 {row} 行")
    if rule == "unknown_park":
        assert "公安县青吉工业园" in i.message and "公安县青吉工业园" in i.message_zh  # the close name


def test_yi_yuan_pasted_into_a_wan_yuan_column_is_a_warning(tmp_path, store, firms):
    big = firms[3]
    path = _edit(county_workbook(tmp_path / "w.xlsx", firms), YEARLY, "D8", round(big.output / 1e4, 4))
    report = import_files(store, [path])
    rules = {(w.row, w.rule, w.column[-3:]) for w in report.warnings}
    assert (8, "magnitude", "[D]") in rules
    assert any(w.rule == "total_mismatch" for w in report.warnings)  # the 合计 no longer adds up
    issues = _rejected(store, [path], strict=True, force=True)
    assert {i.rule for i in issues} == {"magnitude", "total_mismatch"}


def test_an_excel_serial_number_in_a_period_column_is_an_error(tmp_path, store, firms):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "统计期", "工业总产值（万元）"])
    ws.append([firms[0].uscc, 45107, 100.0])
    path = tmp_path / "serial.xlsx"
    wb.save(path)
    (i,) = [i for i in _rejected(store, [county_workbook(tmp_path / "w.xlsx", firms), path])
            if i.rule == "excel_serial"]
    assert (i.file, i.row, i.value) == ("serial.xlsx", 2, "45107") and i.column.endswith("[B]")


def test_a_gbk_csv_firm_list_imports(tmp_path, store, firms):
    from tests.conftest import write_csv

    rows = [["企业名称", "统一社会信用代码", "行业代码"]] + [[f.name, f.uscc, f.industry] for f in firms[:5]]
    path = write_csv(tmp_path / "名录.csv", rows, encoding="gbk")
    report = import_files(store, [path])
    assert report.rows["firms"] == 5
    assert set(store.table("firms")["name"]) == {f.name for f in firms[:5]}


def test_a_firm_list_of_local_ids_needs_region(tmp_path, store):
    from tests.conftest import write_csv

    rows = [["企业编号", "企业名称", "行业代码"], ["G001", "甲厂", "3670"], ["G002", "乙厂", "1713"]]
    path = write_csv(tmp_path / "local.csv", rows)
    (i, j) = _rejected(store, [path])
    assert (i.rule, i.row, j.row) == ("no_region", 2, 3)
    report = import_files(store, [path], region=COUNTY)
    assert set(store.table("firms")["region_id"]) == {COUNTY}
    assert any("--region" in n for n in report.notes)


def test_an_unknown_region_code_is_an_error(tmp_path, store):
    from tests.conftest import write_csv

    rows = [["企业编号", "企业名称", "行业代码", "行政区划代码"], ["G001", "甲厂", "3670", "429999"]]
    (i,) = _rejected(store, [write_csv(tmp_path / "x.csv", rows)])
    assert (i.rule, i.value) == ("unknown_reference", "429999") and "Civil Affairs" in i.message


def test_a_yearly_sheet_keyed_by_firm_name(tmp_path, store, firms):
    import_files(store, [county_workbook(tmp_path / "w.xlsx", firms)])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2024年1-6月"
    ws.append(["企业名称", "工业总产值（万元）"])
    ws.append([firms[0].name, 123.0])
    ws.append(["公安县001号实业有限工司", 5.0])  # a typo
    path = tmp_path / "h1.xlsx"
    wb.save(path)
    (i,) = _rejected(store, [path])
    assert (i.rule, i.row) == ("unknown_firm", 3) and firms[0].name in i.message
    ws.delete_rows(3)
    wb.save(path)
    import_files(store, [path])
    y = store.table("firm_years", "year = 2024").set_index("firm_id")
    assert y.loc[firms[0].uscc, "output"] == pytest.approx(123e4) and y.loc[firms[0].uscc, "month_to"] == 6


def test_a_name_on_the_yearly_sheet_that_contradicts_the_firm_list_is_an_error(tmp_path, store, firms):
    path = _edit(county_workbook(tmp_path / "w.xlsx", firms), YEARLY, "B6", "别的公司")
    (i,) = _rejected(store, [path])
    assert (i.rule, i.sheet, i.row) == ("conflicting_rows", YEARLY, 6) and i.column.endswith("[B]")


def test_every_rule_has_chinese_words_and_is_listed_in_the_import_guide():
    from pathlib import Path

    from clusteratlas.io.errors import RULES, RULES_ZH

    assert set(RULES) == set(RULES_ZH)
    guide = (Path(__file__).resolve().parents[2] / "docs" / "import.md").read_text(encoding="utf-8")
    assert [r for r in RULES if f"`{r}`" not in guide] == []


def test_rounding_alone_is_never_a_total_mismatch(tmp_path, base_store):
    from tests.conftest import write_csv

    # each figure is 1.44 shown as 1.4; the total of the exact figures, 4.32, shown as 4.3
    rows = [["企业代码", "年份", "工业总产值(万元)"], ["F1", "2005", "1.4"], ["F2", "2005", "1.4"],
            ["F3", "2005", "1.4"], ["合计", "", "4.3"]]
    report = import_files(base_store, [write_csv(tmp_path / "a.csv", rows)])
    assert not report.warnings and report.rows["firm_years"] == 3
    rows[-1][-1] = "5.3"  # a figure left out or mistyped: reported
    (w,) = import_files(base_store, [write_csv(tmp_path / "b.csv", rows)]).warnings
    assert (w.rule, w.row, w.value) == ("total_mismatch", 5, "5.3")


def test_regions_written_by_name(tmp_path, store):
    from tests.conftest import write_csv

    rows = [["企业编号", "企业名称", "行业代码", "所在地区"], ["G001", "甲厂", "3670", "公安县"],
            ["G002", "乙厂", "1713", "湖北省荆州市公安县"], ["G003", "丙厂", "1713", "朝阳区"]]
    (i,) = _rejected(store, [write_csv(tmp_path / "x.csv", rows)])
    assert (i.row, i.rule) == (4, "unknown_reference") and "110105" in i.message  # two 朝阳区
    report = import_files(store, [write_csv(tmp_path / "y.csv", rows[:3])])
    assert set(store.table("firms")["region_id"]) == {COUNTY}
    assert any("region name" in n for n in report.notes)
