"""Malformed inputs: each produces its own specific error, naming where it is, and the store is
left exactly as it was (same tables, same rows, same dataset versions, no kept file)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from clusteratlas.io import ImportRejected, import_files
from tests.conftest import write_csv

FY = ["企业代码", "年份", "工业总产值(万元)"]
FIRM = ["企业代码", "企业名称", "行业代码", "所在地区", "所在园区", "经度", "纬度"]
OK_BOX = ('{"type":"Polygon","coordinates":[[[112.2,30.3],[112.21,30.3],[112.21,30.31],'
          '[112.2,30.31],[112.2,30.3]]]}')
BOWTIE = ('{"type":"Polygon","coordinates":[[[112.2,30.3],[112.21,30.31],[112.21,30.3],'
          '[112.2,30.31],[112.2,30.3]]]}')


@dataclass
class Case:
    name: str
    rule: str
    row: int | None = None
    column: str | None = None  # a part of the column text the error must name


def _rows(path: Path, rows, encoding="utf-8"):
    return write_csv(path, rows, encoding)


def _bytes(path: Path, data: bytes):
    path.write_bytes(data)
    return path


def _xlsx(path: Path, rows, merges=()):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    wb.save(path)
    return path


MAKERS = {
    "not_utf8_nor_gbk": (Case("encoding", "encoding", 3),
                         lambda p: _bytes(p.with_suffix(".csv"), "企业代码,年份\nF1,2005\n".encode()
                                          + b"F2,\xff\xfe\xfa\n")),
    "empty_file": (Case("empty", "empty_file"), lambda p: _bytes(p.with_suffix(".csv"), b"")),
    "blank_lines_only": (Case("blank", "empty_file"),
                         lambda p: _bytes(p.with_suffix(".csv"), b"\n \n\n")),
    "header_without_rows": (Case("no rows", "no_data_rows"), lambda p: _rows(p.with_suffix(".csv"), [FY])),
    "unknown_headers": (Case("unknown", "no_header"),
                        lambda p: _rows(p.with_suffix(".csv"), [["甲", "乙"], ["1", "2"]])),
    "missing_required_column": (Case("missing col", "missing_column", column=None),
                                lambda p: _rows(p.with_suffix(".csv"), [["企业代码", "企业名称", "所在地区"],
                                                                        ["F8", "新厂", "421003"]])),
    "duplicate_id": (Case("dup", "duplicate_key", 3, "企业代码"),
                     lambda p: _rows(p.with_suffix(".csv"), [FY, ["F1", "2005", "1"], ["F1", "2005", "2"]])),
    "unknown_industry_code": (Case("code", "unknown_industry_code", 2, "行业代码"),
                              lambda p: _rows(p.with_suffix(".csv"), [FIRM, ["F8", "甲厂", "9912", "421003", "", "", ""]])),
    "malformed_industry_code": (Case("code2", "unknown_industry_code", 2, "行业代码"),
                                lambda p: _rows(p.with_suffix(".csv"), [FIRM, ["F8", "甲厂", "35-12", "421003", "", "", ""]])),
    "unknown_park": (Case("park", "unknown_park", 2, "所在园区"),
                     lambda p: _rows(p.with_suffix(".csv"), [FIRM, ["F8", "甲厂", "3512", "421003", "P99", "", ""]])),
    "unknown_firm": (Case("firm", "unknown_reference", 2, "企业代码"),
                     lambda p: _rows(p.with_suffix(".csv"), [FY, ["F404", "2005", "1"]])),
    "outside_region_box": (Case("box", "coordinates_outside_region", 2, "经度"),
                           lambda p: _rows(p.with_suffix(".csv"), [FIRM, ["F8", "甲厂", "3512", "421003", "", "114.3", "30.6"]])),
    "lat_beyond_90": (Case("swap", "coordinates_swapped", 2, "纬度"),
                      lambda p: _rows(p.with_suffix(".csv"), [FIRM, ["F8", "甲厂", "3512", "421003", "", "30.4", "112.2"]])),
    "negative_output": (Case("neg", "negative_value", 2, "工业总产值"),
                        lambda p: _rows(p.with_suffix(".csv"), [FY, ["F1", "2005", "-5"]])),
    "text_in_number": (Case("nan", "not_a_number", 2, "工业总产值"),
                       lambda p: _rows(p.with_suffix(".csv"), [FY, ["F1", "2005", "约500"]])),
    "year_out_of_range": (Case("year", "year_out_of_range", 2, "年份"),
                          lambda p: _rows(p.with_suffix(".csv"), [FY, ["F1", "1890", "5"]])),
    "bad_period": (Case("period", "bad_period", 2, "统计期"),
                   lambda p: _rows(p.with_suffix(".csv"), [["企业代码", "统计期", "工业总产值(万元)"],
                                                           ["F1", "2006年1-13月", "5"]])),
    "wrong_unit": (Case("unit", "bad_unit", None, "工业总产值"),
                   lambda p: _rows(p.with_suffix(".csv"), [["企业代码", "年份", "工业总产值(吨)"], ["F1", "2005", "5"]])),
    "usd_without_rate": (Case("usd", "usd_rate_missing", None, "出口交货值"),
                         lambda p: _rows(p.with_suffix(".csv"), [["企业代码", "年份", "出口交货值(万美元)"], ["F1", "2005", "5"]])),
    "bad_credit_code": (Case("uscc", "bad_credit_code", 2, "统一社会信用代码"),
                        lambda p: _rows(p.with_suffix(".csv"), [["统一社会信用代码", "企业名称", "行业代码", "所在地区"],
                                                                ["91350100M000100Y44", "甲厂", "3512", "421003"]])),
    "bad_boolean": (Case("bool", "bad_boolean", 2, "是否龙头企业"),
                    lambda p: _rows(p.with_suffix(".csv"), [FIRM[:4] + ["是否龙头企业"], ["F8", "甲厂", "3512", "421003", "也许"]])),
    "not_geojson": (Case("geo", "bad_geojson", 2, "边界"),
                    lambda p: _rows(p.with_suffix(".csv"), [["园区代码", "园区名称", "所在地区", "边界"],
                                                            ["P02", "新园", "421003", "POLYGON((1 2,3 4))"]])),
    "self_intersecting_boundary": (Case("bowtie", "bad_geojson", 2, "边界"),
                                   lambda p: _rows(p.with_suffix(".csv"), [["园区代码", "园区名称", "所在地区", "边界"],
                                                                           ["P02", "新园", "421003", BOWTIE]])),
    "bad_stage": (Case("stage", "bad_choice", 2, "项目阶段"),
                  lambda p: _rows(p.with_suffix(".csv"), [["项目编号", "项目名称", "项目阶段"], ["XM1", "甲", "快了"]])),
    "dates_out_of_order": (Case("dates", "date_order", 2, "开工日期"),
                           lambda p: _rows(p.with_suffix(".csv"), [["项目编号", "项目名称", "项目阶段", "签约日期", "开工日期"],
                                                                   ["XM1", "甲", "开工", "2006-05-01", "2006-03-01"]])),
    "bad_date": (Case("date", "bad_date", 2, "签约日期"),
                 lambda p: _rows(p.with_suffix(".csv"), [["项目编号", "项目名称", "项目阶段", "签约日期"],
                                                         ["XM1", "甲", "签约", "2006-02-30"]])),
    "local_exceeds_total": (Case("purch", "inconsistent_values", 2, "本地采购额"),
                            lambda p: _rows(p.with_suffix(".csv"), [["企业代码", "年份", "本地采购额(万元)", "采购总额(万元)"],
                                                                    ["F1", "2005", "120", "100"]])),
    "value_added_exceeds_output": (Case("va", "inconsistent_values", 2, "工业增加值"),
                                   lambda p: _rows(p.with_suffix(".csv"), [["企业代码", "年份", "工业总产值(万元)", "工业增加值(万元)"],
                                                                           ["F1", "2005", "100", "130"]])),
    "corrupt_xlsx": (Case("zip", "unreadable_file"), lambda p: _bytes(p.with_suffix(".xlsx"), b"PK\x03\x04 not really")),
    "legacy_xls": (Case("xls", "unreadable_file"), lambda p: _bytes(p.with_suffix(".xls"), b"\xd0\xcf\x11\xe0 old")),
    "merged_header_two_columns_one_field": (
        Case("dupcol", "duplicate_column", None, "产值"),
        lambda p: _xlsx(p.with_suffix(".xlsx"), [["企业代码", "年份", "工业总产值", "产值"], ["F1", 2005, 1, 2]])),
    "missing_required_value": (Case("blank", "missing_value", 2, "企业名称"),
                               lambda p: _rows(p.with_suffix(".csv"), [FIRM, ["F8", "", "3512", "421003", "", "", ""]])),
    "fractional_year": (Case("int", "not_an_integer", 2, "成立年份"),
                        lambda p: _rows(p.with_suffix(".csv"), [FIRM[:4] + ["成立年份"], ["F8", "甲厂", "3512", "421003", "2001.5"]])),
    "only_longitude": (Case("half", "missing_value", 2, None),
                       lambda p: _rows(p.with_suffix(".csv"), [FIRM, ["F8", "甲厂", "3512", "421003", "", "112.2", ""]])),
    "gbk_file_with_a_bad_row": (Case("gbk", "negative_value", 3, "工业总产值"),
                                lambda p: _rows(p.with_suffix(".csv"), [FY, ["F1", "2005", "1"], ["F2", "2005", "-1"]], "gbk")),
}


@pytest.mark.parametrize("key", sorted(MAKERS))
def test_malformed_file_is_rejected_with_its_error_and_nothing_changes(key, tmp_path, base_store):
    case, make = MAKERS[key]
    path = make(tmp_path / key)
    before, datasets = base_store.content_digest(), base_store.datasets()
    kept = sorted(base_store.files_dir.iterdir())
    with pytest.raises(ImportRejected) as e:
        import_files(base_store, [path])
    issues = [i for i in e.value.issues if i.rule == case.rule]
    assert issues, f"expected {case.rule}, got {[(i.rule, i.message) for i in e.value.issues]}"
    issue = issues[0]
    assert issue.file == path.name and issue.message
    if case.row is not None:
        assert issue.row == case.row, issue
    if case.column is not None:
        assert case.column in (issue.column or ""), issue
    assert base_store.content_digest() == before
    assert base_store.datasets().equals(datasets)
    assert sorted(base_store.files_dir.iterdir()) == kept


def test_there_are_at_least_twenty_distinct_malformed_inputs():
    assert len(MAKERS) >= 20 and len({c.rule for c, _ in MAKERS.values()}) >= 20


def test_conflicting_rows_in_two_files_of_one_import(tmp_path, base_store):
    a = write_csv(tmp_path / "a.csv", [FY, ["F1", "2005", "1"]])
    b = write_csv(tmp_path / "b.csv", [FY, ["F1", "2005", "2"]])
    before = base_store.content_digest()
    with pytest.raises(ImportRejected) as e:
        import_files(base_store, [a, b])
    [issue] = e.value.issues
    assert issue.rule == "conflicting_rows" and "a.csv row 2" in issue.message
    assert base_store.content_digest() == before


def test_a_failure_while_writing_rolls_back_and_removes_kept_files(tmp_path, base_store, monkeypatch):
    from clusteratlas.io import importer

    path = write_csv(tmp_path / "ok.csv", [FY, ["F1", "2005", "1"]])
    before = base_store.content_digest()
    kept = sorted(base_store.files_dir.iterdir())

    def boom(*args, **kwargs):
        raise OSError("disk full")

    real = importer._upsert
    calls = []

    def upsert_then_fail(con, table, rows, dataset_id, keep=()):
        real(con, table, rows, dataset_id, keep)
        calls.append(table)
        boom()

    monkeypatch.setattr(importer, "_upsert", upsert_then_fail)
    with pytest.raises(OSError):
        import_files(base_store, [path])
    assert calls == ["firm_years"]
    assert base_store.content_digest() == before
    assert sorted(base_store.files_dir.iterdir()) == kept
