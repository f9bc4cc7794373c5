"""Tidy data in, dense arrays for the maths, tidy data out.

Every regional measure takes a DataFrame plus the names of its columns. ``to_cube`` turns the
rows into one dense array ``values[year, region, industry]`` (summing repeated rows), so the
maths runs on all years, regions and industries at once; the ``*_frame`` helpers turn results
back into tidy frames with the original labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NO_YEAR = "_all"


@dataclass(frozen=True)
class Cube:
    values: np.ndarray  # (years, regions, industries), float64
    years: pd.Index
    regions: pd.Index
    industries: pd.Index
    year: str | None  # the year column's name, or None when the data had none


def check_columns(data: pd.DataFrame, **columns: str | None) -> None:
    missing = {role: name for role, name in columns.items() if name is not None and name not in data}
    if missing:
        raise KeyError("columns not in the data: " + ", ".join(f"{r}={n!r}" for r, n in missing.items())
                       + f"; the data has {list(data.columns)}")


def to_cube(data: pd.DataFrame, region: str, industry: str, value: str,
            year: str | None = None) -> Cube:
    """Sum ``value`` into a dense (year, region, industry) array; absent cells are 0."""
    check_columns(data, region=region, industry=industry, value=value, year=year)
    v = pd.to_numeric(data[value], errors="raise").to_numpy(dtype="float64")
    if np.isnan(v).any():
        raise ValueError(f"column {value!r} has missing values; fill or drop them first "
                         "(a missing value is not a zero)")
    if (v < 0).any():
        raise ValueError(f"column {value!r} has negative values; these measures need counts "
                         "or amounts ≥ 0")
    r_codes, regions = pd.factorize(data[region], sort=True)
    i_codes, industries = pd.factorize(data[industry], sort=True)
    if year is None:
        y_codes, years = np.zeros(len(data), dtype=np.int64), pd.Index([NO_YEAR])
    else:
        y_codes, years = pd.factorize(data[year], sort=True)
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
