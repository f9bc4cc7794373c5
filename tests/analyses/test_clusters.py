"""Cluster diagnostics of the sample district against the rest of its prefecture."""

import pytest

from clusteratlas.analyses.clusters import cluster_diagnostics, comparison_regions, regional_values


@pytest.fixture(scope="module")
def store(sample_store):
    return sample_store


def test_the_district_is_filled_from_its_above_scale_firms(store):
    v = regional_values(store, "output")
    h1 = v[(v.region == "421003") & (v.year == 2006) & (v.month_to == 6)]
    assert h1.output.sum() == pytest.approx(23.4e8)
    counties = v[(v.region == "421002") & (v.year == 2005) & (v.month_to == 12)]
    assert len(counties) == 15  # aggregate statistics, untouched


def test_comparison_regions_are_the_prefectures_counties(store):
    regions = comparison_regions(store, "421003")
    assert len(regions) == 8 and "421003" in regions and "421000" not in regions


def test_oil_machinery_and_paper_are_the_districts_strong_clusters(store):
    d = cluster_diagnostics(store, "421003", 2006, 6, n_sim=199)
    lq = d.lq.set_index("industry")
    assert lq.loc["35", "lq"] > 3 and lq.loc["22", "lq"] > 2  # 石油机械, 造纸包装
    assert lq.loc["13", "lq"] < 1  # agro-processing is the counties' strength, not the district's
    mine = set(d.strong[d.strong.region == "421003"].industry)
    assert {"35", "22"} <= mine
    # parts of the shift-share add up to the district's change in each division
    s = d.shift
    assert ((s.national_share + s.industry_mix + s.competitive - s.change).abs() < 1e-3).all()
    # paper firms sit in 拍马 park beyond chance; the dartboard says so
    eg = d.agglomeration.set_index("industry")
    assert eg.loc["22", "gamma"] > 0.1 and eg.loc["22", "p_gamma"] < 0.05
