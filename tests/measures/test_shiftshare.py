"""Shift-share: the parts add up, a hand-worked case, and REAT's Dunn decomposition of the
German state panel 2008→2014."""

import numpy as np
import pandas as pd
import pytest

from clusteratlas.measures import shift_share
from tests.shared import shared_file


def panel(seed=0):
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product([[2001, 2002, 2003, 2004], list("abcde"), list("wxyz")],
                                     names=["year", "region", "industry"])
    v = rng.gamma(1.0, 50.0, len(idx)) * (rng.random(len(idx)) > 0.1)
    return pd.DataFrame({"value": v}, index=idx).reset_index()


@pytest.mark.parametrize("method", ["classic", "esteban_marquillas", "dynamic"])
def test_the_parts_add_up_to_the_change(method):
    out = shift_share(panel(), method=method)
    total = out.national_share + out.industry_mix + out.competitive
    np.testing.assert_allclose(total, out.change, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(out.total_shift, out.industry_mix + out.competitive)


def test_esteban_marquillas_splits_the_competitive_share():
    out = shift_share(panel(1), method="esteban_marquillas")
    ok = out.start_value > 0
    np.testing.assert_allclose((out.net_competitive + out.allocation)[ok], out.competitive[ok],
                               rtol=1e-10, atol=1e-9)
    assert out.loc[~ok, "allocation"].isna().all()  # undefined where the region had none


def test_by_hand():
    # nation grows 100 → 150 (g = 0.5); industry x grows 50 → 100 (g_x = 1); region a's x 20 → 30
    d = pd.DataFrame({"year": [1, 1, 1, 1, 2, 2, 2, 2], "region": list("aabb") * 2,
                      "industry": list("xyxy") * 2, "value": [20, 30, 30, 20, 30, 20, 70, 30]})
    r = shift_share(d).set_index(["region", "industry"]).loc[("a", "x")]
    assert (r.national_share, r.industry_mix, r.competitive) == pytest.approx((10, 10, -10))


def test_by_region_sums_cells_and_matches_reat_dunn():
    ge = pd.read_csv(shared_file("reference/R/C_input_G_regions_emp.csv"), index_col=0)
    ref = pd.read_csv(shared_file("reference/R/C_REAT_shift_Dunn_2008_2014_by_region.csv"), index_col=0)
    out = shift_share(ge, value="emp", start=2008, end=2014, by="region").set_index("region").loc[ref.index]
    # 1e-9 relative; a part that is ~0 by cancellation is compared to a millionth of a worker
    for ours, theirs in [("change", "Growth (t1-t)"), ("national_share", "National share"),
                         ("industry_mix", "Industrial mix"), ("competitive", "Regional share"),
                         ("total_shift", "Net total shift")]:
        np.testing.assert_allclose(out[ours], ref[theirs], rtol=1e-9, atol=1e-6)


def test_wrong_years_are_refused():
    with pytest.raises(ValueError, match="must be years of the data"):
        shift_share(panel(), start=2004, end=2001)
