"""Strong-cluster rules on a hand-built case and on the German states."""

import numpy as np
import pandas as pd
import pytest

from clusteratlas.measures import location_quotient, strong_clusters
from tests.shared import shared_file


def grid():
    rng = np.random.default_rng(3)
    rows = []
    for r in range(20):
        for i in range(5):
            emp = float(rng.integers(50, 500))
            if (r, i) == (7, 2):
                emp = 5000.0  # a planted strong cluster
            rows.append((f"r{r:02d}", f"i{i}", emp, max(1.0, emp // 40)))
    return pd.DataFrame(rows, columns=["region", "industry", "employment", "establishments"])


def test_the_us_rule_checks_each_criterion():
    d = grid()
    out = strong_clusters(d, value="employment", establishments="establishments")
    lq = location_quotient(d, value="employment")
    assert np.allclose(out.lq, lq.lq)
    for _, g in out.groupby("industry"):
        q75 = g.lq.quantile(0.75)
        expected = (g.lq >= q75) & (g.employment > g.employment.quantile(0.25)) & \
            (g.establishments > g.establishments.quantile(0.25)) & (g.lq >= 1)
        assert (g.strong == expected).all()
    planted = out.set_index(["region", "industry"]).loc[("r07", "i2")]
    assert planted.strong


def test_top_decile_and_eco_stars():
    d = grid().assign(value_added=lambda x: x.employment * 10.0)
    top = strong_clusters(d, value="employment", method="top_decile").set_index(["region", "industry"])
    assert top.loc[("r07", "i2"), "strong"]
    assert top.groupby("industry").employment_criterion.sum().max() <= 2  # top 10 % of 20 regions
    stars = strong_clusters(d, value="employment", method="eco_stars", productivity="value_added")
    assert stars.stars.between(0, 4).all()
    planted = stars.set_index(["region", "industry"]).loc[("r07", "i2")]
    assert planted.size_star and planted.specialisation_star and planted.focus_star


def test_the_us_rule_needs_establishments():
    with pytest.raises(ValueError, match="establishments"):
        strong_clusters(grid(), value="employment")


def test_german_states():
    g = pd.read_csv(shared_file("data/reat-germany-regional-employment/G.regions.industries.csv"))
    out = strong_clusters(g, region="region_code", industry="ind_code", value="emp_all",
                          establishments="firms")
    assert out.strong.any() and (out[out.strong].lq >= 1).all()
    # Berlin's strongest clusters are information and culture (WZ J, R), as its economy is known for
    berlin = out[(out.region_code == "BE") & out.strong].ind_code
    assert {"WZ08-J", "WZ08-R"} <= set(berlin)
