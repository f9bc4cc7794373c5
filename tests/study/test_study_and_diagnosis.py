"""The study is resolved once from the store; the diagnosis computes each section once under one
settings object, carries where its numbers come from, says why a section cannot be computed, and
as published never shows a withheld value."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from clusteratlas.policy.access import PUBLIC, User
from clusteratlas.study import NotComputable, Settings, diagnose, open_study

SMALL = Settings(n_sim=49, seed=7)


@pytest.fixture(scope="module")
def d(sample_study):
    return diagnose(sample_study, SMALL)


def test_the_study_settles_region_period_comparison_and_key_industries(sample_store, sample_study):
    default = open_study(sample_store)
    assert (default.region, default.period) == ("421003", (2006, 6))  # most firms; latest period
    assert default.name == "荆州区" and len(default.comparison) == 8 and "421003" in default.comparison
    assert set(default.key_divisions) >= {"35", "22"}  # the divisions its targets name
    assert default.data_version == int(sample_store.datasets()["dataset_id"].max())
    assert default.key() == sample_study.key()
    with pytest.raises(KeyError, match="999999"):
        open_study(sample_store, "999999")


def test_a_section_is_computed_once_and_kept(d):
    assert d.clusters() is d.clusters() and d.distance() is d.distance()
    # many requests at once: one computation, one object
    got = []
    fresh = diagnose(d.study, SMALL)
    threads = [threading.Thread(target=lambda: got.append(fresh.overview())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(x) for x in got}) == 1


def test_one_settings_object_drives_every_test(d):
    c, dist = d.clusters(), d.distance()
    assert (c.n_sim, c.seed) == (49, 7) and (dist.n_sim, dist.seed) == (49, 7)
    assert all(curve.n_sim == 49 and curve.alpha == SMALL.alpha for curve in dist.kd.values())
    p = c.agglomeration["gamma_p"].dropna()
    assert ((p * 50).round(9) % 1 == 0).all()  # p = (1 + k)/(n_sim + 1)


def test_the_diagnosis_carries_its_settings_and_dataset_versions(d):
    p = d.provenance()
    assert p["settings"]["n_sim"] == 49 and p["region"] == "421003" and p["period"] == [2006, 6]
    files = {x["file"] for x in p["datasets"]}
    assert len(files) == len(d.study.datasets) and all(len(x["sha256"]) == 64 for x in p["datasets"])


def test_a_section_the_data_cannot_give_says_why(sample_store):
    study = open_study(sample_store)  # the sample store holds no input-output table
    with pytest.raises(NotComputable, match="input-output table"):
        diagnose(study, SMALL).chain()
    sections = diagnose(study, SMALL).sections()
    assert isinstance(sections["chain"], NotComputable)
    assert not isinstance(sections["clusters"], Exception)


def test_the_published_diagnosis_shows_no_withheld_value(d):
    pub = d.for_viewer(PUBLIC)
    assert pub.published and d.for_viewer(User("a", "analyst", region_id="421003")) is d
    assert d.for_viewer(PUBLIC) is pub  # kept, like every section
    withheld = set(d.study.withheld(regions=["421003"])["industry"])
    assert withheld  # the sample has divisions of fewer than three firms
    ind = pub.overview().by_industry.set_index("division")
    assert ind.loc[sorted(withheld), "output"].isna().all()
    lq = pub.location_quotients().set_index("industry")
    assert lq.loc[sorted(withheld), "lq"].isna().all()
    assert not set(pub.clusters().lq["industry"]) & withheld
    assert (pub.clusters().agglomeration["n_firms"] >= 3).all()
    opp = pub.opportunities().table
    assert opp.loc[opp["industry"].isin(withheld), "output"].isna().all()
    assert pub.distance().clusters.firms.empty  # footprints are drawn through firm sites
    with pytest.raises(NotComputable):
        pub.land_efficiency()
    with pytest.raises(PermissionError):
        pub.suppressed_output_table(min_firms=1, dominance=1.0)
    # the raw diagnosis is untouched by the published one
    assert d.overview().by_industry.set_index("division").loc[sorted(withheld), "output"].notna().all()


def test_the_service_keeps_one_diagnosis_per_store_version_study_and_settings(tmp_path, sample_copy):
    from clusteratlas.io import import_files
    from clusteratlas.study.service import StudyService
    from tests.conftest import write_csv

    svc = StudyService(sample_copy[0], settings=SMALL, files_dir=sample_copy[1])
    s = svc.root.cursor()
    first = svc.diagnosis(s)
    assert svc.diagnosis(s) is first and svc.diagnosis(s, "421003", (2006, 6)).study.key() == first.study.key()
    assert svc.diagnosis(s, settings=Settings(n_sim=19)) is not first
    # an import changes the data version: the next question gets a new diagnosis
    write_csv(tmp_path / "t.csv", [["目标编号", "对象类型", "对象代码", "指标", "目标类型", "年份", "目标值", "单位"],
                                   ["T99", "region", "421003", "output", "level", 2010, "5000000000", "CNY"]])
    import_files(s, [tmp_path / "t.csv"])
    second = svc.diagnosis(s)
    assert second is not first
    # so does a grade override, which no import brings: the grades shown change at once
    from clusteratlas.study.records import record_override

    year = second.study.latest_full_year()
    graded = second.land_efficiency(year).firms
    firm = graded["firm_id"].iloc[0]
    other = next(g for g in "ABCD" if g != graded["computed_grade"].iloc[0])
    record_override(s, second.settings.land_method, firm, year, 12, other, "复核", "李处长")
    third = svc.diagnosis(s)
    assert third is not second
    assert third.land_efficiency(year).firms.set_index("firm_id").at[firm, "grade"] == other
    # and so does a recorded traded/local class: the portfolio's cluster strength follows it
    from clusteratlas.study.classes import override_class

    before = third.portfolio()
    assert before.classes.set_index("industry").at["35", "traded"]
    override_class(s, "421003", "35", False, "只为四机厂配套", "李处长")
    fourth = svc.diagnosis(s)
    assert fourth is not third
    after = fourth.portfolio()
    assert not after.classes.set_index("industry").at["35", "traded"]
    assert after.portfolio.industries.set_index("industry").at["35", "traded"] == False  # noqa: E712
    assert after.portfolio.cluster_strength_pct != before.portfolio.cluster_strength_pct
    s.close()
    svc.root.close()


def test_analyses_are_called_on_frames_not_the_store(d):
    t = d.study.tables
    assert all(isinstance(v, pd.DataFrame) for v in t.values())
    assert np.isclose(d.overview().totals.set_index("indicator").at["output", "value"], 23.4e8)


def test_the_portfolio_is_the_regions_own_figures_against_its_peers(d):
    """The sample district against its 3 nearest comparison regions: its output by industry at
    both ends is the overview's (the same months of 2005 and 2006), the growth over one year
    is theirs, the peers are comparison regions, and a published diagnosis does not show it."""
    from clusteratlas.study.diagnosis import NotComputable

    view = d.portfolio()
    p = view.portfolio.industries.set_index("industry")
    now = d.overview().by_industry.set_index("division")["output"]
    assert (view.portfolio.start, view.portfolio.end) == (2005, 2006)
    assert p.loc["35", "value_end"] == pytest.approx(now.loc["35"])  # 11.0亿元 in 2006 H1
    assert p.loc["35", "cagr_pct"] == pytest.approx((p.loc["35", "value_end"] / p.loc["35", "value_start"] - 1) * 100)
    assert view.peers.peer.sum() == 3 and set(view.peers.region) <= set(d.study.comparison)
    assert set(view.portfolio.comparison) == {d.study.region, *view.peers.loc[view.peers.peer, "region"]}
    assert set(view.quadrants.quadrant) <= {"strength", "weakness", "opportunity", "threat"}
    # R&D intensity by hand: the division's firms' R&D over their revenue, in the period
    fy = d.study.tables["firm_years"]
    cur = fy[(fy.year == 2006) & (fy.month_to == 6)].merge(d.study.firms[["firm_id", "industry_code"]], on="firm_id")
    mine = cur[cur.industry_code.str[:2] == "35"].dropna(subset=["rd_spend", "revenue"])
    assert p.loc["35", "rd_intensity_pct"] == pytest.approx(mine.rd_spend.sum() / mine.revenue.sum() * 100)
    # wages and patents from the sample's 应付职工薪酬 and the IP office's list: a year's wage per
    # head of the firms that report it; patents granted in 2006 H1 per 10,000 employees
    paid = cur[cur.industry_code.str[:2] == "35"].dropna(subset=["wage_bill", "employment"])
    assert p.loc["35", "average_wage"] == pytest.approx(paid.wage_bill.sum() / paid.employment.sum() * 2)
    pt = d.study.tables["patents"]
    granted = pt[(pd.to_datetime(pt.granted_date) >= "2006-01-01") & (pd.to_datetime(pt.granted_date) <= "2006-06-30")]
    oil = cur[cur.industry_code.str[:2] == "35"]
    n = granted[granted.firm_id.isin(oil.firm_id)].patent_no.nunique()
    assert n > 0 and p.loc["35", "patents_per_10k"] == pytest.approx(n / oil.employment.sum() * 1e4)
    picked = d.portfolio(peers=("421002", "421022"))
    assert set(picked.portfolio.comparison) == {d.study.region, "421002", "421022"}
    from clusteratlas.study.diagnosis import PublishedDiagnosis

    with pytest.raises(NotComputable, match="firm rights"):
        PublishedDiagnosis(d).portfolio()


def test_peer_parks_are_the_regions_own_parks(tmp_path, sample_copy):
    """A park of another region (沙市区, with three firms) is never a candidate: its figures are
    sums of that region's firms, which the district's office may not see unwithheld."""
    from clusteratlas.io import import_files
    from tests.conftest import open_store, write_csv

    files = [write_csv(tmp_path / "parks.csv", [["园区代码", "园区名称", "所在地区", "建成面积(亩)"],
                                                ["S01", "沙市经济开发区", "421002", "5000"]]),
             write_csv(tmp_path / "firms.csv", [["企业代码", "企业名称", "行业代码", "所在地区", "所在园区"],
                                                *[[f"SS{i}", f"沙市企业{i}", "3512", "421002", "S01"] for i in range(3)]]),
             write_csv(tmp_path / "fy.csv", [["企业代码", "统计期", "工业总产值(万元)", "实缴税金(万元)"],
                                             *[[f"SS{i}", "2006年1-6月", "90000", "900"] for i in range(3)]])]
    with open_store(sample_copy) as s:
        import_files(s, files)
        view = diagnose(open_study(s, "421003"), SMALL).park_peers(k=5)
        assert "S01" not in set(view.peers["park"]) and "S01" not in set(view.figures["park_id"])
        assert set(view.peers["park"]) | {view.park} == {"P01", "P02", "P03", "P04", "Z01", "Z02"}
        with pytest.raises(KeyError):
            diagnose(open_study(s, "421003"), SMALL).park_peers("S01")
