"""The published views: values built from few firms are withheld, statistics are not."""

from clusteratlas.classify import GBT4754


def test_values_built_from_few_firms_are_withheld_and_statistics_are_not(sample_study):
    w = sample_study.withheld()  # the comparison regions in the study's period (2006 H1)
    assert set(w.region) == {"421003"}  # the counties' rows are published statistics
    t = sample_study.tables
    fy = t["firm_years"].query("year == 2006 and month_to == 6 and above_scale")
    firms = fy.merge(t["firms"], on="firm_id")
    g = firms.groupby(firms["industry_code"].map(GBT4754.division_of))["output"]
    rule = (g.size() < 3) | (g.max() / g.sum() >= 0.8)  # the threshold and dominance rules
    assert set(w.loc[w.reason == "primary", "industry"]) == set(rule.index[rule])
    # several parts hidden under one published total: none is alone, so no complement is needed
    assert rule.sum() >= 2 and (w.reason == "complementary").sum() == 0
