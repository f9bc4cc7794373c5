"""The call shape every public measure keeps (in the spirit of scikit-learn's estimator checks).

For each name in ``clusteratlas.measures.__all__``: the data first and role names keyword-only
from one vocabulary; the input is never changed; row order does not matter (with a seed, too);
a missing value is refused with one message naming the column and the row; a missing column is
named; all years at once equal year by year; the same seed gives the same result; and
``n_sim=0`` adds no inference columns. A new measure without a spec here fails the first test.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

import clusteratlas.measures as M
from clusteratlas.measures.tidy import INFERENCE_PARAMETERS, INFERENCE_SUFFIXES, ROLES

# parameters that are not role names but options of a measure
OPTIONS = {"reference", "method", "by", "against", "threshold", "population", "continuous",
           "asymmetric", "knn", "convention", "industries", "groups", "start", "end",
           "establishments", "productivity", "lq_quantile", "size_quantile", "min_lq", "top_quantile",
           "eco_min_lq", "eco_size_quantile", "eco_focus_quantile", "eco_productivity_quantile",
           "presence", "of", "other", "geographic", "max_range", "window", "adjust", "bandwidth",
           "mode", "keep_simulations", "min_firms", "engine", "client", "progress", "r", "sums",
           "parks", "park_id", "boundary", "min_cluster_size", "min_samples", "max_gap_km",
           "buffer_km", "allow_single_cluster", "min_membership", "park_of"}
MISSING = re.compile(r"column '[\w]+' \(the \w+\) has a missing value in row \d+")


def regional(seed=0, years=(2005, 2006)):
    rng = np.random.default_rng(seed)
    rows = [(y, f"r{r}", f"i{i}", float(rng.gamma(0.8, 100) * (rng.random() > 0.2)), float(rng.integers(1, 9)))
            for y in years for r in range(7) for i in range(6)]
    d = pd.DataFrame(rows, columns=["yr", "area", "sector", "jobs", "plants"])
    d.loc[d["area"] == "r6", "jobs"] = 0.0  # an all-zero region: kept, its indices NaN
    return d


def firms(seed=0, years=(2005, 2006)):
    rng = np.random.default_rng(seed)
    n = 240
    return pd.DataFrame({"yr": np.repeat(years, n), "area": rng.choice([f"r{i}" for i in range(6)], n * len(years)),
                         "sector": rng.choice(["a", "b", "c", "d"], n * len(years)),
                         "staff": rng.lognormal(2, 1, n * len(years))})


def sites(seed=0):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 30, (300, 2))
    xy[:40] = rng.normal(10, 0.6, (40, 2))
    return pd.DataFrame({"firm_id": [f"f{k:03d}" for k in range(300)], "px": xy[:, 0], "py": xy[:, 1],
                         "sector": ["c"] * 40 + list(np.random.default_rng(seed + 1).choice(["a", "b"], 260)),
                         "staff": np.random.default_rng(seed + 2).integers(1, 50, 300).astype(float)})


@dataclass
class Spec:
    data: callable
    roles: dict
    options: dict = field(default_factory=dict)
    year: str | None = None  # the year role, when the measure computes years at once
    nan_column: str = "jobs"
    simulates: bool = False  # takes n_sim and seed


REG = dict(region="area", industry="sector", value="jobs")
FIRM = dict(region="area", industry="sector", value="staff")
SITE = dict(industry="sector", x="px", y="py")
SPECS = {
    "location_quotient": Spec(regional, REG, year="year"),
    "hoover": Spec(regional, REG, year="year"),
    "krugman_concentration": Spec(regional, REG, year="year"),
    "krugman_specialization": Spec(regional, REG, year="year"),
    "gini_localization": Spec(regional, REG, year="year"),
    "gini_specialization": Spec(regional, REG, year="year"),
    "herfindahl": Spec(regional, REG, year="year"),
    "strong_clusters": Spec(regional, REG, {"establishments": "plants"}, year="year"),
    "shift_share": Spec(regional, {**REG, "year": "yr"}),
    "complexity": Spec(regional, REG, year="year"),
    "rca": Spec(regional, REG, year="year"),
    "proximity": Spec(regional, REG, year="year"),
    "relatedness_density": Spec(regional, REG, year="year"),
    "ellison_glaeser": Spec(firms, FIRM, year="year", nan_column="staff", simulates=True),
    "maurel_sedillot": Spec(firms, FIRM, year="year", nan_column="staff", simulates=True),
    "coagglomeration": Spec(firms, FIRM, year="year", nan_column="staff", simulates=True),
    "kdensity": Spec(sites, SITE, {"of": "c"}, nan_column="px", simulates=True),
    "kdensity_all": Spec(sites, SITE, {"min_firms": 30}, nan_column="px", simulates=True),
    "m_function": Spec(sites, SITE, {"of": "c", "r": [1.0, 2.0, 5.0]}, nan_column="px", simulates=True),
    "variety": Spec(regional, REG, year="year"),
    "traded_local": Spec(regional, REG, year="year"),
    "hot_spots": Spec(sites, dict(x="px", y="py", value="staff"), {"window": 2.0, "geographic": False},
                      nan_column="px", simulates=True),
    "colocation": Spec(firms, dict(region="area", industry="sector"), year="year", nan_column="area", simulates=True),
    "entry_exit": Spec(regional, {**REG, "year": "yr"}),
    "theil": Spec(regional, dict(region="area", value="jobs", weight="plants"), year="year"),
    "firm_clusters": Spec(lambda seed=0: sites(seed), {"x": "px", "y": "py"}, {"min_cluster_size": 8},
                          nan_column="px"),
}
N_SIM = 19


def call(name, data, **extra):
    spec = SPECS[name]
    return getattr(M, name)(data, **spec.roles, **spec.options, **extra)


def as_frame(result) -> pd.DataFrame:
    """A result as one comparable frame, rows in a canonical order."""
    if isinstance(result, M.DistanceCurve):
        frame = result.to_frame()
        for k in ("gamma", "psi", "bandwidth", "n_pairs"):
            frame[k] = getattr(result, k)
    elif isinstance(result, M.FirmClusters):
        frame = result.firms.drop(columns=["membership"])
    else:
        frame = result
    keys = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_integer_dtype(frame[c])
            or pd.api.types.is_bool_dtype(frame[c])]
    return frame.sort_values(keys + [c for c in frame.columns if c not in keys]).reset_index(drop=True)


def inference_columns(result) -> set[str]:
    if isinstance(result, M.DistanceCurve):
        return {k for k in ("sim_mean", "global_lo", "global_hi", "local_lo", "local_hi")
                if getattr(result, k) is not None} | ({"gamma"} if result.gamma is not None else set())
    columns = set(result.columns)
    # suffixed columns, and kdensity_all's Γ, Ψ and verdict (which need the envelopes)
    return {c for c in columns if c.endswith(INFERENCE_SUFFIXES)} | (columns & {"psi", "localised"})


def test_every_public_measure_has_a_spec_and_the_call_shape():
    assert set(M.__all__) == set(SPECS)
    for name in M.__all__:
        params = list(inspect.signature(getattr(M, name)).parameters.values())
        assert params[0].name == "data" and params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, name
        for p in params[1:]:
            assert p.kind is inspect.Parameter.KEYWORD_ONLY, f"{name}: {p.name} must be keyword-only"
            assert p.name in ROLES or p.name in INFERENCE_PARAMETERS or p.name in OPTIONS, \
                f"{name}: {p.name!r} is neither a role of the vocabulary nor a known option"
        names = {p.name for p in params}
        if SPECS[name].simulates:
            assert {"n_sim", "seed"} <= names and inspect.signature(getattr(M, name)).parameters["n_sim"].default == 0


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_input_is_not_changed_and_row_order_does_not_matter(name):
    spec = SPECS[name]
    data = spec.data()
    before = data.copy(deep=True)
    extra = {"n_sim": N_SIM, "seed": 3} if spec.simulates else {}
    result = call(name, data, **extra)
    pd.testing.assert_frame_equal(data, before)
    shuffled = data.sample(frac=1.0, random_state=7)
    pd.testing.assert_frame_equal(as_frame(call(name, shuffled, **extra)), as_frame(result),
                                  check_exact=False, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_missing_value_is_refused_naming_the_column_and_row(name):
    spec = SPECS[name]
    data = spec.data()
    data.loc[data.index[5], spec.nan_column] = np.nan
    with pytest.raises(ValueError, match=MISSING) as e:
        call(name, data)
    assert f"'{spec.nan_column}'" in str(e.value) and "row 5" in str(e.value)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_missing_column_is_named(name):
    spec = SPECS[name]
    data = spec.data().drop(columns=spec.nan_column)
    with pytest.raises(KeyError, match=spec.nan_column):
        call(name, data)


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.year))
def test_all_years_at_once_equal_year_by_year(name):
    spec = SPECS[name]
    data = spec.data()
    extra = {"n_sim": N_SIM, "seed": 3} if spec.simulates else {}
    at_once = call(name, data, year="yr", **({} if spec.simulates else extra))
    by_year = pd.concat([call(name, data[data["yr"] == y].drop(columns="yr")).assign(yr=y)[at_once.columns]
                         for y in sorted(data["yr"].unique())], ignore_index=True)
    pd.testing.assert_frame_equal(as_frame(at_once), as_frame(by_year), check_exact=False, rtol=1e-9,
                                  atol=1e-12, check_dtype=False)


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.simulates))
def test_the_same_seed_gives_the_same_result_and_no_simulation_adds_no_inference(name):
    data = SPECS[name].data()
    a, b = call(name, data, n_sim=N_SIM, seed=11), call(name, data, n_sim=N_SIM, seed=11)
    pd.testing.assert_frame_equal(as_frame(a), as_frame(b))
    assert inference_columns(a), f"{name}: n_sim > 0 adds no inference"
    plain = call(name, data)
    assert not inference_columns(plain), f"{name}: n_sim=0 added {inference_columns(plain)}"


def test_all_zero_rows_are_kept_with_undefined_indices_nan():
    data = regional(years=(2006,))
    lq = M.location_quotient(data, **REG)
    assert np.isnan(lq.loc[lq.area == "r6", "lq"]).all()
    cx = M.complexity(data, **REG)
    assert (cx.area == "r6").any() and cx.loc[cx.area == "r6", "eci"].isna().all()
    strong = M.strong_clusters(data, **REG, establishments="plants", method="top_decile")
    assert (strong.area == "r6").any() and not strong.loc[strong.area == "r6", "strong"].any()


def test_duplicate_keys_are_summed_by_the_regional_measures():
    data = regional(years=(2006,))
    halves = pd.concat([data.assign(jobs=data.jobs / 2), data.assign(jobs=data.jobs / 2)], ignore_index=True)
    pd.testing.assert_frame_equal(M.location_quotient(halves, **REG), M.location_quotient(data, **REG))
