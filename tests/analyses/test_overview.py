"""The period overview, worked by hand on a four-firm region."""

import numpy as np
import pandas as pd
import pytest

from clusteratlas.analyses.overview import OUTSIDE_PARKS, disclosure_flags, growth_pct, overview

FIRMS = pd.DataFrame({
    "firm_id": ["a", "b", "c", "d", "x"],
    "industry_code": ["3512", "3514", "2221", "2221", "3512"],
    "region_id": ["R", "R", "R", "R", "OTHER"],
    "park_id": ["P1", "P1", None, "P2", None],
})
PARKS = pd.DataFrame({"park_id": ["P1", "P2"], "name": ["机械园", "纸品园"], "area_mu": [100.0, 50.0]})


def _fy(rows):
    return pd.DataFrame(rows, columns=["firm_id", "year", "month_to", "above_scale", "output",
                                       "value_added", "tax_paid", "land_mu"])


FY = _fy([
    ("a", 2006, 6, True, 60.0, 20.0, 3.0, 10.0), ("b", 2006, 6, True, 20.0, 5.0, 1.0, 5.0),
    ("c", 2006, 6, True, 15.0, 4.0, 1.0, 3.0), ("d", 2006, 6, False, 5.0, 1.0, 0.2, 2.0),
    ("a", 2005, 6, True, 40.0, 15.0, 2.0, 10.0), ("c", 2005, 6, True, 10.0, 3.0, 0.5, 3.0),
    ("b", 2005, 12, True, 99.0, 9.0, 9.0, 5.0),  # another period: must not count
    ("x", 2006, 6, True, 1000.0, 1.0, 1.0, 1.0),  # another region: must not count
])


def test_growth_is_on_the_same_period_of_the_previous_year():
    assert growth_pct(130.0, 100.0) == pytest.approx(30.0)
    assert np.isnan(growth_pct(5.0, 0.0)) and np.isnan(growth_pct(5.0, np.nan))


def test_totals_by_hand():
    ov = overview(FIRMS, FY, PARKS, "R", 2006, 6)
    t = ov.totals.set_index("indicator")
    assert t.at["output", "value"] == 95 and t.at["output", "previous"] == 50
    assert t.at["output", "growth_pct"] == pytest.approx(90.0)
    assert t.at["firms", "value"] == 3  # d is below scale
    assert t.at["output_in_parks", "value"] == 80
    assert t.at["park_share_of_output_pct", "value"] == pytest.approx(80 / 95 * 100)


def test_by_industry_and_park_by_hand():
    ov = overview(FIRMS, FY, PARKS, "R", 2006, 6)
    ind = ov.by_industry.set_index("division")
    assert ind.at["35", "output"] == 80 and ind.at["35", "growth_pct"] == pytest.approx(100.0)
    assert ind.at["22", "share_pct"] == pytest.approx(15 / 95 * 100)
    assert ind.at["35", "output_per_mu"] == pytest.approx(80 / 15)
    assert ind.at["35", "name_zh"] == "专用设备制造业"
    park = ov.by_park.set_index("park_id")
    assert list(park.index) == ["P1", OUTSIDE_PARKS]  # P2's only firm is below scale
    assert park.at["P1", "land_use_pct"] == pytest.approx(15.0)
    assert park.at["P1", "tax_per_mu"] == pytest.approx(4 / 15)
    counts = ov.firm_counts.set_index("park_id")
    assert counts.at["P2", "firms"] == 1 and counts.at["P2", "above_scale_firms"] == 0


def test_disclosure_flags_mark_small_and_dominated_cells():
    flags = disclosure_flags(pd.Series([2, 5, 5]), pd.Series([0.5, 0.85, 0.5]))
    assert flags.tolist() == ["<3 firms", "one firm ≥80%", ""]
    ov = overview(FIRMS, FY, PARKS, "R", 2006, 6)
    assert (ov.by_industry["disclosure"] == "<3 firms").all()


def test_a_period_without_data_is_an_error():
    with pytest.raises(ValueError, match="no above-scale firm data"):
        overview(FIRMS, FY, PARKS, "R", 2004, 6)
