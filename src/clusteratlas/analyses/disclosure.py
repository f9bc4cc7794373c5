"""Statistical disclosure control of published aggregates (统计数据保密).

Primary suppression hides a cell built from fewer than ``min_firms`` firms, or in which one firm
holds at least ``dominance`` of the value (the threshold and p% dominance rules of official
statistics). Complementary suppression then hides further cells until no hidden cell can be
worked out from the published cells and the row and column totals: each hidden cell is checked
exactly — it is recoverable when its unit vector lies in the row space of the linear system
"hidden cells of a line sum to the line's total minus its published cells" — and while one is,
the smallest published cell of its row or column is hidden too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PRIMARY, COMPLEMENTARY = "primary", "complementary"
# The rules every published view applies: a cell of fewer than MIN_FIRMS firms, or one in which
# a single firm holds at least DOMINANCE of the value, is withheld.
MIN_FIRMS, DOMINANCE = 3, 0.8


def recoverable(hidden: np.ndarray, row_totals: np.ndarray | None = None,
                col_totals: np.ndarray | None = None) -> np.ndarray:
    """For a boolean matrix of hidden cells, which hidden cells are determined by the published
    row and column totals (all published unless the flags say otherwise)."""
    rows_ok = np.ones(hidden.shape[0], bool) if row_totals is None else np.asarray(row_totals, bool)
    cols_ok = np.ones(hidden.shape[1], bool) if col_totals is None else np.asarray(col_totals, bool)
    cells = np.argwhere(hidden)
    out = np.zeros_like(hidden, dtype=bool)
    if len(cells) == 0:
        return out
    index = {tuple(c): k for k, c in enumerate(cells)}
    eqs = []
    for r in np.flatnonzero(rows_ok):
        row = np.zeros(len(cells))
        for c in np.flatnonzero(hidden[r]):
            row[index[(r, c)]] = 1.0
        if row.any():
            eqs.append(row)
    for c in np.flatnonzero(cols_ok):
        col = np.zeros(len(cells))
        for r in np.flatnonzero(hidden[:, c]):
            col[index[(r, c)]] = 1.0
        if col.any():
            eqs.append(col)
    if not eqs:
        return out
    E = np.array(eqs)
    rank = np.linalg.matrix_rank(E)
    for k, (r, c) in enumerate(cells):
        unit = np.zeros(len(cells))
        unit[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([E, unit])) == rank:
            out[r, c] = True
    return out


@dataclass(frozen=True)
class Suppressed:
    table: pd.DataFrame  # hidden cells are NaN
    reasons: pd.DataFrame  # primary / complementary / ''
    row_totals: pd.Series  # NaN where the total is withheld
    column_totals: pd.Series


def _line_fails(v: np.ndarray, n: np.ndarray, share: np.ndarray, axis: int, min_firms: int,
                dominance: float) -> np.ndarray:
    """Whether each row (axis=1) or column (axis=0) total breaks the primary rules itself: each
    firm sits in one cell, so a line's largest firm is the largest of its cells' largest."""
    firms = n.sum(axis=axis)
    total = v.sum(axis=axis)
    largest = np.max(np.where(n > 0, share * v, 0.0), axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        top = np.where(total > 0, largest / total, 0.0)
    return (firms > 0) & ((firms < min_firms) | (top >= dominance))


def suppress(values: pd.DataFrame, firms: pd.DataFrame, top_share: pd.DataFrame,
             min_firms: int = 3, dominance: float = 0.8, row_totals: bool = True,
             column_totals: bool = True) -> Suppressed:
    """Apply primary and complementary suppression to a table of aggregates.

    ``values``, ``firms`` (number of firms in each cell) and ``top_share`` (the largest firm's
    share of each cell) share their index and columns. Empty cells (no firms) are published as
    0: they reveal nothing. A row or column total is an aggregate too: one that breaks the
    primary rules is withheld. When a hidden cell has no published neighbour left to hide with
    it (it is alone in its row and column), the totals of its row and column are withheld
    instead. ``row_totals=False``: the table's rows have no published totals (a single column
    whose cells are the rows, e.g. output by industry under a published regional total).
    """
    v = values.to_numpy(dtype=float)
    n = firms.reindex_like(values).fillna(0).to_numpy()
    share = top_share.reindex_like(values).fillna(0).to_numpy()
    present = n > 0
    primary = present & ((n < min_firms) | (share >= dominance))
    hidden = primary.copy()
    rows_ok = np.full(v.shape[0], row_totals) & ~_line_fails(v, n, share, 1, min_firms, dominance)
    cols_ok = np.full(v.shape[1], column_totals) & ~_line_fails(v, n, share, 0, min_firms, dominance)
    for _ in range(2 * v.size + 2):
        exposed = recoverable(hidden, rows_ok, cols_ok)
        if not exposed.any():
            break
        r, c = np.argwhere(exposed)[0]
        candidates = []
        if rows_ok[r]:
            candidates += [(abs(v[r, j]), r, j) for j in range(v.shape[1]) if present[r, j] and not hidden[r, j]]
        if cols_ok[c]:
            candidates += [(abs(v[i, c]), i, c) for i in range(v.shape[0]) if present[i, c] and not hidden[i, c]]
        if not candidates:
            rows_ok[r] = False
            cols_ok[c] = False
            continue
        # of the candidates, the one that leaves the fewest cells exposed (then the smallest):
        # it tends to close a rectangle, the least suppression that protects a cell
        best = None
        for value, i, j in sorted(candidates):
            trial = hidden.copy()
            trial[i, j] = True
            score = (int(recoverable(trial, rows_ok, cols_ok).sum()), value)
            if best is None or score < best[0]:
                best = (score, i, j)
        _, i, j = best
        hidden[i, j] = True
    reason = np.where(primary, PRIMARY, np.where(hidden, COMPLEMENTARY, ""))

    rows = pd.Series(v.sum(axis=1), index=values.index).where(rows_ok)
    cols = pd.Series(v.sum(axis=0), index=values.columns).where(cols_ok)
    return Suppressed(values.where(~hidden), pd.DataFrame(reason, index=values.index, columns=values.columns),
                      rows, cols)


def suppress_breakdown(values: pd.Series, firms: pd.Series, top_share: pd.Series,
                       min_firms: int = 3, dominance: float = 0.8) -> pd.Series:
    """Why each part of a published total is hidden (primary / complementary / ''): the parts
    (industries or parks of a region) sum to the total, so one hidden part alone would be the
    total minus the others."""
    name = "total"
    res = suppress(values.to_frame(name), firms.to_frame(name), top_share.to_frame(name),
                   min_firms, dominance, row_totals=False)
    return res.reasons[name]


def breakdown_reasons(firm_rows: pd.DataFrame, by: str, value: str, min_firms: int = 3,
                      dominance: float = 0.8) -> pd.Series:
    """``suppress_breakdown`` of firm-level rows summed by ``by`` (one row per firm): why each
    group's sum may not be published under the published grand total, indexed by group."""
    g = firm_rows.groupby(by)[value]
    total = g.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        top = (g.max() / total).where(total > 0, 0.0)
    return suppress_breakdown(total, g.size(), top, min_firms, dominance)
