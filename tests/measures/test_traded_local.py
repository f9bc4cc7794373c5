"""Traded and local industries from the spread of their employment across regions (Porter 2003):
the locational Gini by hand and against REAT-checked ``gini_localization``, the natural break by
hand, and the German states of 2015 (16 states × 17 WZ 2008 sections, population from the same
file), where the sections that serve people where they live come out local."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusteratlas.measures import gini_localization, traded_local
from clusteratlas.measures.traded_local import natural_break
from tests.shared import shared_file


def test_the_gini_against_population_by_hand():
    d = pd.DataFrame({"region": ["a", "b"], "industry": "x", "value": [1.0, 1.0]})
    pop = pd.DataFrame({"region": ["a", "b"], "population": [1.0, 3.0]})
    # shares ½, ½ against ¼, ¾: the Lorenz curve through (¾, ½) → G = 1·¾ − ½·1 = ¼
    assert traded_local(d, population=pop).gini.iloc[0] == pytest.approx(0.25)
    even = d.assign(value=[1.0, 3.0])
    assert traded_local(even, population=pop).gini.iloc[0] == pytest.approx(0.0)  # in proportion


def test_the_natural_break_by_hand():
    assert natural_break(np.array([0.1, 0.2, 0.8, 0.9])) == pytest.approx(0.5)
    assert natural_break(np.array([0.1, 0.12, 0.14, 0.9])) == pytest.approx(0.52)
    assert np.isnan(natural_break(np.array([0.3, 0.3])))


@pytest.fixture(scope="module")
def germany():
    return pd.read_csv(shared_file("data/reat-germany-regional-employment/G.regions.industries.csv"))


def test_without_population_the_gini_is_the_locational_gini(germany):
    ours = traded_local(germany, industry="ind_code", value="emp_all").set_index("ind_code").gini
    ref = gini_localization(germany, industry="ind_code", value="emp_all").set_index("ind_code").gini
    pd.testing.assert_series_equal(ours, ref.loc[ours.index], check_names=False)


def test_german_sections_serving_people_where_they_live_are_local(germany):
    pop = germany.groupby("region", as_index=False)["pop"].first().rename(columns={"pop": "population"})
    t = traded_local(germany, industry="ind_code", value="emp_all", population=pop).set_index("ind_code")
    local = set(t.index[~t.traded])
    traded = set(t.index[t.traded])
    # health, other services, trade, education, construction, hospitality: where people are
    assert {"WZ08-Q", "WZ08-S", "WZ08-G", "WZ08-P", "WZ08-F", "WZ08-I"} <= local
    # manufacturing, finance, information, mining: concentrated where they compete
    assert {"WZ08-C", "WZ08-K", "WZ08-J", "WZ08-B"} <= traded
    # the break falls between energy (the most spread-out traded candidate) and arts
    g = t.gini
    assert t.threshold.iloc[0] == pytest.approx((g["WZ08-D"] + g["WZ08-R"]) / 2)
    assert t.loc[list(local), "emp_all"].sum() > t.loc[list(traded), "emp_all"].sum()  # as in Porter's U.S.
    fixed = traded_local(germany, industry="ind_code", value="emp_all", population=pop, threshold=0.15)
    assert set(fixed.loc[fixed.traded, "ind_code"]) == {"WZ08-C", "WZ08-K", "WZ08-J", "WZ08-B"}
