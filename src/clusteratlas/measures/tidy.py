"""The call shape of every measure, as code: tidy data in, dense arrays for the maths, tidy out.

A measure is called ``measure(data, *, region=…, industry=…, value=…, year=…, …)``: the data
first, then keyword-only *role names* — which column plays which role. The roles have one
vocabulary across the package (``ROLES``); inference is an option of the same call (``n_sim``,
``seed``, ``alpha``) and adds columns named with one set of suffixes (``INFERENCE_SUFFIXES``):
``gamma_p`` is the p-value of ``gamma``, ``gamma_sim_mean`` and ``gamma_sim_q95`` the mean and
95th percentile of its simulated values. ``n_sim=0`` (the default everywhere) adds none.

``prepare`` is the one gate every measure passes its data through, with one policy:

- **Missing columns** are named with their role (``KeyError``).
- **Missing values** (NaN) in a role column are refused, naming the column and the first row
  (``ValueError``): a missing value is not a zero, and no measure guesses.
- **Negative values** are refused where a measure needs amounts ≥ 0 (value, weight).
- **Duplicate keys** (two rows for one region × industry × year) are summed by the
  region × industry measures: the data may list a cell in parts. Firm-level measures count
  each row as a firm.
- **All-zero rows** (a region or industry whose values are all 0) are kept: their cells appear
  in the output and the indices that divide by their total are NaN. py-ecomplexity drops them
  before computing; :func:`~clusteratlas.measures.complexity.complexity` computes on the same
  reduced matrix (so the numbers agree) and then reports them with NaN.
- **Row order** never matters: aggregates are order-free, and the measures that draw random
  numbers (``n_sim`` > 0, the distance measures) put the rows in a canonical order first, so a
  seed gives the same result however the rows were sorted.
- **The input is never changed**: ``prepare`` returns a new frame of the role columns.

Results are tidy DataFrames, or frozen result objects with named fields; the columns keep the
user's column names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NO_YEAR = "_all"
ROLES = ("region", "industry", "value", "year", "weight", "x", "y")
INFERENCE_PARAMETERS = ("n_sim", "seed", "alpha")
INFERENCE_SUFFIXES = ("_p", "_sim_mean", "_sim_q95")


@dataclass(frozen=True)
class Cube:
    values: np.ndarray  # (years, regions, industries), float64
    years: pd.Index
    regions: pd.Index
    industries: pd.Index
    year: str | None  # the year column's name, or None when the data had none


def _where(series: pd.Series, bad: np.ndarray) -> str:
    rows = series.index[bad]
    more = f" (and {len(rows) - 1} more)" if len(rows) > 1 else ""
    return f"row {rows[0]!r}{more}"


def prepare(data: pd.DataFrame, measure: str, *, numeric=(), nonnegative=(), canonical: bool = False,
            **roles: str | None) -> pd.DataFrame:
    """The role columns of ``data`` as a new frame, checked by the module's policy.

    ``roles``: role → column name (None: the role is not used). ``numeric``: roles whose values
    must be numbers; ``nonnegative``: numbers ≥ 0. ``canonical``: sort the rows by every role
    column (for measures that draw random numbers). Columns keep their names."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{measure}: data must be a pandas DataFrame, not {type(data).__name__}")
    check_columns(data, measure, **roles)
    used = {role: name for role, name in roles.items() if name is not None}
    columns = list(dict.fromkeys(used.values()))
    out = data[columns].copy()
    for role, name in used.items():
        col = out[name]
        na = col.isna().to_numpy()
        if na.any():
            raise ValueError(f"{measure}: column {name!r} (the {role}) has a missing value in "
                             f"{_where(col, na)}; fill or drop it first — a missing value is not a zero")
        if role in numeric or role in nonnegative:
            num = pd.to_numeric(col, errors="coerce")
            bad = num.isna().to_numpy()
            if bad.any():
                raise ValueError(f"{measure}: column {name!r} (the {role}) is not a number in "
                                 f"{_where(col, bad)}: {col[bad].iloc[0]!r}")
            if role in nonnegative:
                neg = (num < 0).to_numpy()
                if neg.any():
                    raise ValueError(f"{measure}: column {name!r} (the {role}) is negative in "
                                     f"{_where(col, neg)}; this measure needs amounts ≥ 0")
            out[name] = num.astype("float64")
    if canonical:
        out = out.sort_values(columns, kind="mergesort", ignore_index=True)
    return out


def check_columns(data: pd.DataFrame, measure: str = "measure", **columns: str | None) -> None:
    """KeyError naming each role whose column is missing."""
    missing = {role: name for role, name in columns.items() if name is not None and name not in data}
    if missing:
        raise KeyError(f"{measure}: " + ", ".join(f"column {n!r} (the {r})" for r, n in missing.items())
                       + f" not in the data; it has {list(data.columns)}")


def to_cube(data: pd.DataFrame, region: str, industry: str, value: str,
            year: str | None = None, measure: str = "measure") -> Cube:
    """Sum ``value`` into a dense (year, region, industry) array; absent cells are 0."""
    d = prepare(data, measure, nonnegative=("value",), region=region, industry=industry,
                value=value, year=year)
    v = d[value].to_numpy(dtype="float64")
    r_codes, regions = pd.factorize(d[region], sort=True)
    i_codes, industries = pd.factorize(d[industry], sort=True)
    if year is None:
        y_codes, years = np.zeros(len(d), dtype=np.int64), pd.Index([NO_YEAR])
    else:
        y_codes, years = pd.factorize(d[year], sort=True)
    shape = (len(years), len(regions), len(industries))
    flat = np.ravel_multi_index((y_codes, r_codes, i_codes), shape)
    values = np.bincount(flat, weights=v, minlength=int(np.prod(shape))).reshape(shape)
    return Cube(values, pd.Index(years), pd.Index(regions), pd.Index(industries), year)


def cell_frame(cube: Cube, region: str, industry: str, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """A (year, region, industry) result as tidy rows, one per cell."""
    ny, nr, ni = cube.values.shape
    out = {}
    if cube.year is not None:
        out[cube.year] = np.repeat(cube.years.to_numpy(), nr * ni)
    out[region] = np.tile(np.repeat(cube.regions.to_numpy(), ni), ny)
    out[industry] = np.tile(cube.industries.to_numpy(), ny * nr)
    for name, arr in columns.items():
        out[name] = np.broadcast_to(arr, cube.values.shape).reshape(-1)
    return pd.DataFrame(out)


def axis_frame(cube: Cube, label: str, labels: pd.Index, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """A (year, region) or (year, industry) result as tidy rows."""
    ny, n = next(iter(columns.values())).shape
    out = {}
    if cube.year is not None:
        out[cube.year] = np.repeat(cube.years.to_numpy(), n)
    out[label] = np.tile(labels.to_numpy(), ny)
    for name, arr in columns.items():
        out[name] = arr.reshape(-1)
    return pd.DataFrame(out)


def safe_divide(a, b):
    """a / b with NaN (not inf, not a warning) where b is 0: an undefined ratio stays undefined."""
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, np.nan, a / np.where(b == 0, 1.0, b))


def check_n_sim(n_sim: int, measure: str) -> int:
    if not isinstance(n_sim, (int, np.integer)) or n_sim < 0:
        raise ValueError(f"{measure}: n_sim must be a whole number ≥ 0, not {n_sim!r}")
    return int(n_sim)
