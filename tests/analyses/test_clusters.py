"""Cluster diagnostics of the sample district against the rest of its prefecture."""

import pytest

from clusteratlas.analyses.clusters import (
    cluster_diagnostics,
    comparison_regions,
    lq_map,
    park_firms,
    regional_values,
)


@pytest.fixture(scope="module")
def t(sample_study):
    """The store's tables, as the analyses take them."""
    return sample_study.tables


def values(t, value="output", regions=None):
    return regional_values(t["region_industry_years"], t["firms"], t["firm_years"], value, regions)


def test_the_district_is_filled_from_its_above_scale_firms(t):
    v = values(t)
    h1 = v[(v.region == "421003") & (v.year == 2006) & (v.month_to == 6)]
    assert h1.output.sum() == pytest.approx(23.4e8)
    counties = v[(v.region == "421002") & (v.year == 2005) & (v.month_to == 12)]
    assert len(counties) == 15  # aggregate statistics, untouched


def test_comparison_regions_are_the_prefectures_counties(t):
    regions = comparison_regions(t["regions"], "421003")
    assert len(regions) == 8 and "421003" in regions and "421000" not in regions


def test_oil_machinery_and_paper_are_the_districts_strong_clusters(t):
    regions = comparison_regions(t["regions"], "421003")
    d = cluster_diagnostics(values(t, "output", regions), values(t, "establishments", regions),
                            park_firms(t["firms"], t["firm_years"], "421003", 2006, 6), "421003", 2006, 6,
                            n_sim=199)
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
    assert eg.loc["22", "gamma"] > 0.1 and eg.loc["22", "gamma_p"] < 0.05


def test_lq_map_gives_each_comparison_region_its_lq_of_one_industry(t):
    from clusteratlas.measures import location_quotient

    v = values(t, "output", comparison_regions(t["regions"], "421003"))
    m = lq_map(v, t["regions"], "421003", 2006, 6, "22")
    v = v[(v.year == 2006) & (v.month_to == 6)]
    ref = location_quotient(v, value="output")
    ref = ref[ref.industry == "22"].set_index("region")["lq"]
    assert m.set_index("region")["lq"].to_dict() == pytest.approx(ref.to_dict(), rel=1e-12)
    # the regions' LQs of an industry, weighted by their share of all output, average 1
    totals = v.groupby("region")["output"].sum()
    assert (m.set_index("region")["lq"] * totals / totals.sum()).sum() == pytest.approx(1.0)
    assert m.loc[m.focus, "region"].tolist() == ["421003"]
    assert m["boundary"].notna().all()
    assert lq_map(v, t["regions"], "421003", 2006, 6)["industry"].iloc[0] == "35"  # the largest
    with pytest.raises(KeyError):
        lq_map(v, t["regions"], "421003", 2006, 6, "07")


