"""The template a bureau fills in imports as it is written."""

import openpyxl
import pytest

from clusteratlas.io import import_files
from clusteratlas.io.template import EXAMPLE_REGION, write_template


def test_the_template_round_trips(tmp_path, store):
    path = write_template(tmp_path / "模板.xlsx", year=2024)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["说明", "企业名录", "年度指标", "园区", "地区", "地区行业汇总"]
    assert wb["年度指标"]["A1"].value == "2024年规模以上工业企业主要经济指标"
    assert wb["年度指标"]["A2"].value == "单位：万元"
    report = import_files(store, [path])
    assert report.rows == {"regions": 3, "parks": 1, "firms": 1, "firm_years": 1,
                           "region_industry_years": 1}
    assert not report.warnings
    firm = store.table("firms").iloc[0]
    assert firm["region_id"] == EXAMPLE_REGION[0] and firm["park_id"] == "示例工业园"
    fy = store.table("firm_years").iloc[0]
    assert (fy["year"], fy["month_to"], fy["above_scale"]) == (2024, 12, True)
    assert fy["output"] == pytest.approx(52000e4) and fy["employment"] == 320
    assert fy["energy_tce"] == 1850 and fy["land_mu"] == 86.5
    agg = store.table("region_industry_years").iloc[0]
    assert agg["region_id"] == "421000" and agg["output"] == pytest.approx(1_850_000e4)
    assert agg["establishments"] == 120


def test_the_template_command(tmp_path):
    from tests.test_cli import cli

    res = cli("template", "--out", tmp_path / "t.xlsx")
    assert res.returncode == 0 and (tmp_path / "t.xlsx").exists()
