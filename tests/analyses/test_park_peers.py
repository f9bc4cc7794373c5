"""A park against its peer parks (园区对标), worked by hand on four constructed parks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusteratlas.analyses.park_peers import park_benchmark, park_figures, park_values, peer_parks

# firm, park, division; A has two firms, B two, C one and D one; E is outside every park
FIRMS = pd.DataFrame({"firm_id": ["a1", "a2", "b1", "b2", "c1", "d1", "e1"],
                      "park_id": ["A", "A", "B", "B", "C", "D", None],
                      "industry_code": ["3512", "2221", "3512", "3599", "2221", "1311", "3512"]})
PARKS = pd.DataFrame({"park_id": ["A", "B", "C", "D"], "area_mu": [1000.0, 500.0, 200.0, np.nan]})


def _years():
    now = pd.DataFrame({
        "firm_id": ["a1", "a2", "b1", "b2", "c1", "d1", "e1"],
        "output": [600.0, 400.0, 300.0, 100.0, 90.0, 50.0, 999.0],
        "tax_paid": [30.0, 10.0, 12.0, 4.0, 9.0, 1.0, 99.0],
        "land_mu": [40.0, 10.0, 20.0, np.nan, np.nan, np.nan, 9.0],  # C and D report no land
        "value_added": [150.0, np.nan, 90.0, 20.0, 30.0, 10.0, 9.0],
        "employment": [10.0, 20.0, 6.0, 4.0, 3.0, 5.0, 9.0],
        "energy_tce": [3.0, 1.0, 6.0, 2.0, 0.9, 0.5, 9.0],
        "rd_spend": [12.0, 0.0, 3.0, 1.0, np.nan, 0.0, 9.0],
        "revenue": [600.0, 400.0, 300.0, 100.0, 90.0, 50.0, 999.0]}).assign(year=2006, month_to=6)
    before = pd.DataFrame({"firm_id": ["a1", "b1", "b2", "c1"], "output": [500.0, 250.0, 50.0, 100.0]}
                          ).assign(year=2005, month_to=6)
    full_year = pd.DataFrame({"firm_id": ["a1"], "output": [1e6]}).assign(year=2005, month_to=12)
    return pd.concat([now, before, full_year], ignore_index=True)


@pytest.fixture
def figures():
    return park_figures(_years(), FIRMS, PARKS, 2006, 6).set_index("park_id")


def test_park_figures_by_hand(figures):
    a, b, c, d = (figures.loc[p] for p in "ABCD")
    assert a["firms"] == 2 and a["output"] == 1000 and a["tax_paid"] == 40
    # per mu over the firms that report land: A (600 + 400) / 50, B only b1's 300 / 20
    assert a["output_per_mu"] == pytest.approx(1000 / 50) and a["tax_per_mu"] == pytest.approx(40 / 50)
    assert b["output_per_mu"] == pytest.approx(300 / 20) and b["tax_per_mu"] == pytest.approx(12 / 20)
    # no firm of C reports land: the park's built area; D has neither
    assert c["output_per_mu"] == pytest.approx(90 / 200)
    assert np.isnan(d["output_per_mu"])
    # value added per employee over the firms that report both: a2 has no value added
    assert a["value_added_per_employee"] == pytest.approx(150 / 10)
    assert a["energy_per_10k_output"] == pytest.approx(4 / 1000 * 1e4)
    assert a["rd_intensity_pct"] == pytest.approx(12 / 1000 * 100)
    assert np.isnan(c["rd_intensity_pct"])
    # growth on the firms in both years, the same months: A is a1 alone (a2 is new)
    assert a["growth_pct"] == pytest.approx((600 / 500 - 1) * 100)
    assert b["growth_pct"] == pytest.approx((400 / 300 - 1) * 100)
    assert c["growth_pct"] == pytest.approx((90 / 100 - 1) * 100)
    assert np.isnan(d["growth_pct"])


def test_the_benchmark_ranks_each_figure_in_its_direction(figures):
    bench = park_benchmark(figures.reset_index(), "B", ["A", "C"]).set_index("indicator")
    out = bench.loc["output"]
    assert (out["value"], out["peer_median"], out["peer_best"], out["rank"], out["ranked"]) == (400, 545, 1000, 2, 3)
    energy = bench.loc["energy_per_10k_output"]  # lower is better: B 200, A 40, C 100
    assert energy["value"] == pytest.approx(8 / 400 * 1e4) and energy["peer_best"] == pytest.approx(40)
    assert energy["rank"] == 3
    rd = bench.loc["rd_intensity_pct"]  # C reports no R&D: two ranked
    assert rd["ranked"] == 2 and rd["rank"] == 2


def test_peer_parks_by_size_tax_per_mu_and_mix(figures):
    values = park_values(_years(), FIRMS, 2006, 6)
    assert set(values["park"]) == set("ABCD")  # the firm outside every park is in none
    assert values.set_index(["park", "industry"]).loc[("A", "35"), "value"] == 600
    # D has no land: tax per mu is missing for a candidate, so peers are by size and mix only
    found = peer_parks(values, figures.reset_index(), "A", k=2).set_index("park")
    assert "income_ratio" not in found
    # structure: A = (35: 600, 22: 400), C = (22: 90) → cos = 400/√(600²+400²)
    assert found.at["C", "similarity"] == pytest.approx(400 / np.hypot(600, 400))
    assert found.at["B", "size_ratio"] == pytest.approx(400 / 1000)
    assert found["peer"].sum() == 2
    picked = peer_parks(values, figures.reset_index(), "A", picked=["D"])
    assert picked.loc[picked["peer"], "park"].tolist() == ["D"]
    with pytest.raises(KeyError):
        peer_parks(values, figures.reset_index(), "A", picked=["Z"])
