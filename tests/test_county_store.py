"""A county store holding firm data only — its own workbook, no other region, no boundaries,
no value added, no supply links, no leading firms — gives no number it cannot compute: each
result that needs what the store lacks says what is missing and how to add it (the CLI exits
non-zero on one line), and the whole report still runs."""

from __future__ import annotations

import json
import re

import pytest

from clusteratlas.io import Store, import_files
from clusteratlas.study import NotComputable, Settings, diagnose, open_study
from tests.conftest import write_csv
from tests.io.county import COUNTY, county_workbook
from tests.test_cli import cli, run

SETTINGS = Settings(n_sim=19)


@pytest.fixture(scope="module")
def county_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("county")
    db = folder / "county.duckdb"
    with Store(db) as s:
        import_files(s, [county_workbook(folder / "公安县2023.xlsx")])
    return db


@pytest.fixture(scope="module")
def county(county_db):
    store = Store(county_db, read_only=True)
    yield diagnose(open_study(store), SETTINGS)
    store.close()


def test_no_comparison_region_means_no_location_quotient(county):
    assert county.study.comparison == (COUNTY,) and county.study.reference is None
    with pytest.raises(NotComputable, match="No comparison regions") as e:
        county.location_quotients()
    assert "regional figures by industry" in str(e.value)  # the English everywhere but a face
    from clusteratlas.faces import reason

    assert reason(e.value, "zh").startswith("没有对比地区：库中只有本地区（")  # a face says it in Chinese
    c = county.clusters()  # the park agglomeration needs no comparison: it is there
    assert c.lq.empty and set(c.reasons) >= {"lq", "strong", "shift"}
    assert not c.agglomeration.empty
    with pytest.raises(NotComputable, match="at least three comparison regions"):
        county.opportunities()
    with pytest.raises(NotComputable):
        county.industry_space()
    with pytest.raises(NotComputable, match="No comparison regions"):
        county.lq_map()


def test_a_provincial_reference_serves_as_the_comparison(tmp_path, county_db):
    import shutil

    db = tmp_path / "ref.duckdb"
    shutil.copy(county_db, db)
    shutil.copytree(county_db.with_name(county_db.name + ".files"), db.with_name(db.name + ".files"))
    with Store(db, read_only=True) as s:
        d = diagnose(open_study(s), SETTINGS)
        mine = d.overview().by_industry.set_index("division")["output"]
    # 湖北省's output by division (CNY 万元): every division of the county, and one it lacks
    province = {k: v / 1e4 * 40 for k, v in mine.items()} | {"26": 5_000_000.0}
    province["36"] *= 0.5  # the province is half as specialised in cars as its 40× scale
    rows = [["行政区划代码", "行业代码", "年份", "工业总产值(万元)"]] + [
        ["420000", k, "2023", f"{v:.1f}"] for k, v in province.items()]
    with Store(db) as s:
        import_files(s, [write_csv(tmp_path / "湖北省.csv", rows)])
    with Store(db, read_only=True) as s:
        d = diagnose(open_study(s), SETTINGS)
        assert d.study.reference == "420000"
        lq = d.location_quotients().set_index("industry")["lq"]
        c = d.clusters()
    total_r, total_p = mine.sum() / 1e4, sum(province.values())
    for k in mine.index:  # LQ = (x_ri / x_r) / (X_i / X), X the province's totals
        expected = (mine[k] / 1e4 / total_r) / (province[k] / total_p)
        assert lq[k] == pytest.approx(expected, rel=1e-9)
    assert lq["36"] > lq["17"]
    assert c.reference == "420000" and "lq" not in c.reasons and len(c.lq) == len(mine)
    assert "strong" in c.reasons  # strong clusters still need regions side by side


def test_the_whole_report_runs_and_says_what_is_missing(county_db, tmp_path):
    res = cli("report", "--db", county_db, "--out", tmp_path / "r", "--n-sim", "19")
    assert res.returncode == 0, res.stderr
    html = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "没有对比地区" in html
    text = re.sub(r"<[^>]+>", " ", html)
    assert 'id="table-lq"' not in html  # no LQ table at all
    # value added is not in the workbook: no firm is graded on it, and the report says so
    assert "数据不全：200 家企业缺少评价所需指标" in html and "亩均增加值" in html
    assert "各档企业数 A 0，B 0，C 0，D 0" in html
    # parks have no boundary: membership comes from the firm list, not "inside no park"
    prov = json.loads(re.search(r'id="provenance"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert prov["region"] == COUNTY


def test_firm_clusters_use_the_park_the_firm_list_names_where_parks_have_no_boundary(county):
    dc = county.distance()
    firms = dc.clusters.firms
    named = firms[firms["park_id"].notna()]
    assert (named["park"] == named["park_id"]).all()
    assert firms.loc[firms["park_id"].isna(), "park"].isna().all()
    assert dc.clusters.clusters["share_area_in_parks"].isna().all()  # no area to compare


def test_commands_that_cannot_compute_say_why_and_exit_non_zero(county_db, tmp_path):
    out = tmp_path / "lq.geojson"
    lq = cli("lq-map", "--db", county_db, "--out", out)
    assert lq.returncode == 2 and "No comparison regions" in lq.stderr and not out.exists()
    rec = run("recommend", COUNTY, "--db", county_db)  # a real process: warnings would show
    assert rec.returncode == 2 and "Nothing to rank" in rec.stderr
    assert "Warning" not in rec.stderr and len(rec.stderr.strip().splitlines()) == 1
    gaps = cli("chain", "gaps", "--db", county_db)
    assert gaps.returncode == 2 and "No input-output table" in gaps.stderr


def test_an_io_table_without_supply_links_or_leading_firms(county_db, tmp_path):
    import shutil

    from clusteratlas.sample import data_dir

    db = tmp_path / "io.duckdb"
    shutil.copy(county_db, db)
    res = cli("io-table", "import", data_dir() / "io_table_national.csv", "--db", db, "--year", "2017")
    assert res.returncode == 0, res.stderr
    out = tmp_path / "gaps.csv"
    gaps = cli("chain", "gaps", "--db", db, "--out", out)
    assert gaps.returncode == 0, gaps.stderr
    import pandas as pd

    g = pd.read_csv(out)
    # no comparison region: the LQ is unknown, so a sector is a gap only where no firm is
    assert g["lq"].isna().all()
    assert (g["gap"] == (g["firms"] == 0)).all() and not g["gap"].all()
    rates = cli("chain", "rates", "--db", db, "--out", tmp_path / "rates.csv")
    assert rates.returncode == 0 and pd.read_csv(tmp_path / "rates.csv").empty
    rep = cli("report", "--db", db, "--out", tmp_path / "r", "--n-sim", "19")
    assert rep.returncode == 0, rep.stderr


def test_a_store_without_an_above_scale_flag_says_so(tmp_path):
    import openpyxl

    path = county_workbook(tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["2023年主要指标"]["A1"] = "2023年公安县工业企业主要经济指标"  # no 规模以上, no flag column
    wb.save(path)
    db = tmp_path / "n.duckdb"
    with Store(db) as s:
        import_files(s, [path])
        assert s.table("firm_years")["above_scale"].isna().all()  # unknown, not "no"
    res = cli("report", "--db", db, "--out", tmp_path / "r", "--n-sim", "19")
    assert res.returncode == 2 and "no above-scale flag" in res.stderr and "是否规上" in res.stderr
    assert not (tmp_path / "r" / "report.html").exists()
