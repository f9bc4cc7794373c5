"""The Howard–Newman–Tarp co-location index: the worked example of Howard et al. (2016) that
REAT's ``howard.cl`` documents, the exact random-labelling expectation against simulation, and
its bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusteratlas.measures import colocation

# REAT's example (from Howard et al. 2016): six firms, two industries, two areas
EXAMPLE = pd.DataFrame({"firm": range(1, 7), "industry": list("ABABAB"), "region": list("XXXYYX")})


def test_the_worked_example():
    cl = colocation(EXAMPLE).set_index(["industry_1", "industry_2"])
    # A: X, X, Y; B: X, Y, X → pairs in one area: 2·2 (at X) + 1·1 (at Y) of 3·3
    assert cl.loc[("A", "B"), "cl"] == pytest.approx(5 / 9)
    assert cl.loc[("A", "A"), "cl"] == pytest.approx(2 / 6)  # distinct pairs of A: only the two at X
    assert cl.loc[("B", "B"), "cl"] == pytest.approx(2 / 6)
    # four firms at X, two at Y: two distinct firms share an area with probability (4·3 + 2·1)/(6·5)
    assert cl.loc[("A", "B"), "cl_expected"] == pytest.approx(14 / 30)
    assert cl.loc[("A", "B"), "xcl"] == pytest.approx(5 / 9 - 14 / 30)
    assert cl.loc[("A", "B"), ["n_1", "n_2"]].tolist() == [3, 3]


def test_the_expectation_is_what_random_labelling_gives():
    rng = np.random.default_rng(8)
    f = pd.DataFrame({"region": rng.choice(list("pqrstu"), 300, p=[.4, .2, .15, .1, .1, .05]),
                      "industry": rng.choice(list("abcd"), 300)})
    cl = colocation(f, n_sim=999, seed=5)
    np.testing.assert_allclose(cl.cl_sim_mean, cl.cl_expected, atol=0.01)
    assert ((cl.cl_p > 0) & (cl.cl_p <= 1)).all()


def test_industries_in_one_area_co_locate_fully_and_apart_not_at_all():
    f = pd.DataFrame({"region": ["x", "x", "x", "y", "y"], "industry": ["a", "a", "b", "c", "c"]})
    cl = colocation(f).set_index(["industry_1", "industry_2"]).cl
    assert cl[("a", "b")] == 1 and cl[("a", "c")] == 0 and cl[("b", "c")] == 0
    assert np.isnan(cl[("b", "b")])  # one firm of b: no pair of b's firms
