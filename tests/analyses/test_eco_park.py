"""Eco-park scorecards: computed ratios, reported inputs, results, and honesty about thresholds."""

import numpy as np
import pandas as pd
import pytest

from clusteratlas.analyses.eco_park import MET, NO_DATA, NOT_MET, crosswalk, indicator_library, park_scorecard


def park():
    firms = pd.DataFrame({"firm_id": ["a", "b", "c"], "park_id": ["P", "P", "Q"]})
    fy = pd.DataFrame({"firm_id": ["a", "b", "c", "a", "b"], "year": [2005, 2005, 2005, 2002, 2002],
                       "month_to": 12, "value_added": [3e8, 1e8, 9e9, 2e8, 1e8],
                       "employment": [200.0, 100.0, 10.0, 200.0, 100.0],
                       "land_mu": [100.0, 50.0, 1.0, 100.0, 50.0],
                       "energy_tce": [6000.0, 4000.0, 1.0, 5000.0, 4000.0],
                       "emission_t": [np.nan, 10.0, 1.0, np.nan, np.nan]})
    return firms, fy


def test_ratios_are_sums_over_the_parks_firms():
    firms, fy = park()
    reported = pd.DataFrame({"park_id": ["P"], "year": [2005], "indicator": ["solid_waste_reuse_rate"],
                             "value": [65.0]})
    card = park_scorecard(firms, fy, "P", 2005, reported).set_index("indicator")
    assert card.loc["value_added_per_employee", "value"] == pytest.approx(4e8 / 300 / 1e4)  # 万元/人
    assert card.loc["value_added_per_employee", "result"] == MET
    assert card.loc["value_added_per_land", "value"] == pytest.approx(4e8 / 150 * 1500 / 1e8)
    assert card.loc["energy_per_value_added", "value"] == pytest.approx(10000 / 4e8 * 1e4)
    assert card.loc["value_added_growth_3y", "value"] == pytest.approx(((4e8 / 3e8) ** (1 / 3) - 1) * 100)
    # only firm b reported emissions: the ratio uses the firms that have both figures
    assert card.loc["emission_per_value_added", "value"] == pytest.approx(10 / 1e8 * 1e4)
    assert card.loc["solid_waste_reuse_rate", "result"] == NOT_MET  # 65 % < 70 %
    assert card.loc["water_reuse_rate", "result"] == NO_DATA
    assert not card.threshold_verified.any()  # nothing here was checked against the primary text


def test_every_indicator_names_its_source_and_framework_category():
    lib = indicator_library()
    cats = set(lib["framework_categories"])
    for ind in lib["indicators"]:
        assert ind["source"] and ind["framework"] in cats and "verified" in ind
    cw = crosswalk()
    assert set(cw.framework) <= cats and cw.indicator.is_unique
