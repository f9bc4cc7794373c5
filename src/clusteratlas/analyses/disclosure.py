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


def _line_masks(shape, rows, cols) -> list[np.ndarray]:
    """A boolean cell mask for each of ``rows`` and each of ``cols`` of a table of ``shape``."""
    out = []
    for axis, lines in ((0, rows), (1, cols)):
        for k in lines:
            m = np.zeros(shape, bool)
            if axis == 0:
                m[k] = True
            else:
                m[:, k] = True
            out.append(m)
    return out


def _system(hidden: np.ndarray, rows_ok, cols_ok, grand_total: bool, extra, extra_ok) -> np.ndarray:
    """The published equations over the hidden cells: each published line total, the grand
    total, and each published extra sum (a mask of cells, e.g. the output in parks), reduced
    to the hidden cells it holds (its published cells are known)."""
    out = _line_masks(hidden.shape, np.flatnonzero(rows_ok), np.flatnonzero(cols_ok))
    if grand_total:
        out.append(np.ones_like(hidden))
    out += [np.asarray(m, bool) for m, ok in zip(extra, extra_ok) if ok]
    cells = hidden.ravel()
    E = np.array([m.ravel()[cells] for m in out], dtype=float).reshape(len(out), int(cells.sum()))
    return E[E.any(axis=1)] if len(E) else E


def _determined(E: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Which target vectors (rows, over the hidden cells) lie in the row space of ``E``: those
    an attacker can compute exactly. One SVD: t is in the row space iff it is orthogonal to
    the null space of E."""
    if targets.size == 0:
        return np.zeros(len(targets), bool)
    if E.size == 0:
        return np.zeros(len(targets), bool)
    _, sv, vt = np.linalg.svd(E, full_matrices=True)
    rank = int((sv > sv.max() * max(E.shape) * np.finfo(float).eps).sum()) if len(sv) else 0
    null = vt[rank:]  # rows: a basis of the null space
    if len(null) == 0:
        return np.ones(len(targets), bool)
    residual = np.abs(targets @ null.T).max(axis=1)
    return residual <= 1e-9 * np.maximum(np.abs(targets).sum(axis=1), 1.0)


def recoverable(hidden: np.ndarray, row_totals: np.ndarray | None = None,
                col_totals: np.ndarray | None = None, grand_total: bool = False,
                extra=(), extra_ok=None) -> np.ndarray:
    """For a boolean matrix of hidden cells, which hidden cells are determined by the published
    row and column totals (all published unless the flags say otherwise), the grand total
    (``grand_total``) and the ``extra`` sums (boolean masks of cells; ``extra_ok`` which of them
    are published, default all)."""
    hidden = np.asarray(hidden, bool)
    rows_ok = np.ones(hidden.shape[0], bool) if row_totals is None else np.asarray(row_totals, bool)
    cols_ok = np.ones(hidden.shape[1], bool) if col_totals is None else np.asarray(col_totals, bool)
    extra_ok = [True] * len(extra) if extra_ok is None else list(extra_ok)
    out = np.zeros_like(hidden, dtype=bool)
    n = int(hidden.sum())
    if n == 0:
        return out
    E = _system(hidden, rows_ok, cols_ok, grand_total, extra, extra_ok)
    out[hidden] = _determined(E, np.eye(n))
    return out


@dataclass(frozen=True)
class Suppressed:
    table: pd.DataFrame  # hidden cells are NaN
    reasons: pd.DataFrame  # primary / complementary / ''
    row_totals: pd.Series  # NaN where the total is withheld
    column_totals: pd.Series
    extra_published: tuple[bool, ...] = ()  # which ``extra`` sums may be published


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


def _mask_fails(mask: np.ndarray, v, n, share, min_firms, dominance) -> bool:
    firms = n[mask].sum()
    total = v[mask].sum()
    largest = np.max(np.where(n[mask] > 0, share[mask] * v[mask], 0.0), initial=0.0)
    return bool(firms > 0 and (firms < min_firms or (total > 0 and largest / total >= dominance)))


def suppress(values: pd.DataFrame, firms: pd.DataFrame, top_share: pd.DataFrame,
             min_firms: int = 3, dominance: float = 0.8, row_totals: bool = True,
             column_totals: bool = True, grand_total: bool = True, extra=(),
             known: np.ndarray | None = None) -> Suppressed:
    """Apply primary and complementary suppression to a table of aggregates.

    ``values``, ``firms`` (number of firms in each cell) and ``top_share`` (the largest firm's
    share of each cell) share their index and columns. Empty cells (no firms) are published as
    0: they reveal nothing. A row or column total is an aggregate too: one that breaks the
    primary rules is withheld, and so is any ``extra`` sum (a boolean mask of cells another view
    publishes, e.g. the output in parks) that breaks them. ``grand_total``: the table's total is
    published (as a headline, in another view). ``known``: cells the reader knows anyway (a
    park manager's own park, a firm alone in its cell): an insider subtracts them from every
    total, so they count as published in the check, and the others stay protected against them.

    Complementary suppression then hides cells, or withholds totals, until nothing confidential
    is determined by all the published equations together (the line totals, the grand total
    and the extra sums): no hidden cell, and no withheld total that breaks the primary rules
    (a division of two firms: its total must not be the sum of the columns minus the other
    rows). ``row_totals=False``: the rows have no published totals (a single column whose
    cells are the parts of a published total).
    """
    v = values.to_numpy(dtype=float)
    n = firms.reindex_like(values).fillna(0).to_numpy()
    share = top_share.reindex_like(values).fillna(0).to_numpy()
    extra = [np.asarray(m, bool) for m in extra]
    present = n > 0
    primary = present & ((n < min_firms) | (share >= dominance))
    hidden = primary.copy()
    row_fails = _line_fails(v, n, share, 1, min_firms, dominance)
    col_fails = _line_fails(v, n, share, 0, min_firms, dominance)
    rows_ok = np.full(v.shape[0], row_totals) & ~row_fails
    cols_ok = np.full(v.shape[1], column_totals) & ~col_fails
    extra_fails = [_mask_fails(m, v, n, share, min_firms, dominance) for m in extra]
    extra_ok = [not f for f in extra_fails]
    # what must stay unknown: every primary cell and every total that breaks the rules
    confidential = [m for m, f in zip(extra, extra_fails) if f]
    confidential += _line_masks(hidden.shape, np.flatnonzero(row_fails), np.flatnonzero(col_fails))

    known = np.zeros_like(hidden) if known is None else np.asarray(known, bool)

    def exposed(hidden, rows_ok, cols_ok, extra_ok) -> list[np.ndarray]:
        """The confidential quantities (as cell masks) the published equations determine."""
        hidden = hidden & ~known  # what the reader knows is no unknown of theirs
        k = int(hidden.sum())
        if k == 0:
            return []
        E = _system(hidden, rows_ok, cols_ok, grand_total, extra, extra_ok)
        cells = hidden.ravel()
        masks = []
        for r, c in np.argwhere(hidden):  # every hidden cell
            m = np.zeros_like(hidden)
            m[r, c] = True
            masks.append(m)
        masks += [m & hidden for m in confidential if (m & hidden).any()]
        targets = np.array([m.ravel()[cells] for m in masks], dtype=float)
        return [m for m, d in zip(masks, _determined(E, targets)) if d]

    def trial(move):
        kind, _, i, j = move
        h, ro, co, eo = hidden.copy(), rows_ok.copy(), cols_ok.copy(), list(extra_ok)
        if kind == "cell":
            h[i, j] = True
        elif kind == "row":
            ro[i] = False
        elif kind == "col":
            co[j] = False
        else:
            eo[i] = False
        return len(exposed(h, ro, co, eo)), (h, ro, co, eo)

    for _ in range(4 * v.size + 8):
        open_ = exposed(hidden, rows_ok, cols_ok, extra_ok)
        if not open_:
            break
        # hide a published cell in a line of the first exposed quantity (the least suppression
        # that protects it tends to close a rectangle); only where none helps, withhold a total
        m = open_[0]
        rows_hit, cols_hit = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
        near = np.zeros_like(hidden)
        near[rows_hit[rows_ok[rows_hit]]] = True
        near[:, cols_hit[cols_ok[cols_hit]]] = True
        cells = [("cell", abs(v[i, j]), i, j) for i, j in np.argwhere(near & present & ~hidden & ~known)]
        totals = [("row", abs(v[i].sum()), i, None) for i in np.flatnonzero(rows_ok)]
        totals += [("col", abs(v[:, j].sum()), None, j) for j in np.flatnonzero(cols_ok)]
        totals += [("extra", abs(v[x].sum()), k, None) for k, x in enumerate(extra) if extra_ok[k]]
        anywhere = [("cell", abs(v[i, j]), i, j) for i, j in np.argwhere(present & ~hidden & ~near & ~known)]
        best = None
        for group in (cells, totals, anywhere):
            for move in sorted(group, key=lambda mv: mv[1]):
                left, state = trial(move)
                if best is None or left < best[0]:
                    best = (left, state)
            if best is not None:
                break  # hiding a cell always ends (there are finitely many): totals are the last resort
        if best is None:
            break
        hidden, rows_ok, cols_ok, extra_ok = best[1]
    reason = np.where(primary, PRIMARY, np.where(hidden, COMPLEMENTARY, ""))

    rows = pd.Series(v.sum(axis=1), index=values.index).where(rows_ok)
    cols = pd.Series(v.sum(axis=0), index=values.columns).where(cols_ok)
    return Suppressed(values.where(~hidden), pd.DataFrame(reason, index=values.index, columns=values.columns),
                      rows, cols, tuple(bool(x) for x in extra_ok))


def suppress_breakdown(values: pd.Series, firms: pd.Series, top_share: pd.Series,
                       min_firms: int = 3, dominance: float = 0.8, known: pd.Series | None = None) -> pd.Series:
    """Why each part of a published total is hidden (primary / complementary / ''): the parts
    (industries or parks of a region) sum to the total, so one hidden part alone would be the
    total minus the others. ``known``: parts the reader knows whole (an insider's own)."""
    name = "total"
    mask = None if known is None else known.reindex(values.index).fillna(False).to_numpy(bool)[:, None]
    res = suppress(values.to_frame(name), firms.to_frame(name), top_share.to_frame(name),
                   min_firms, dominance, row_totals=False, known=mask)
    return res.reasons[name]


def breakdown_reasons(firm_rows: pd.DataFrame, by: str, value: str, min_firms: int = 3,
                      dominance: float = 0.8, known_rows: pd.Series | None = None) -> pd.Series:
    """``suppress_breakdown`` of firm-level rows summed by ``by`` (one row per firm): why each
    group's sum may not be published under the published grand total, indexed by group.
    ``known_rows`` (boolean, aligned with ``firm_rows``): the rows an insider knows; a group
    of known rows only is known whole, so it protects nothing against that reader."""
    g = firm_rows.groupby(by)[value]
    total = g.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        top = (g.max() / total).where(total > 0, 0.0)
    known = None if known_rows is None else known_rows.groupby(firm_rows[by]).all()
    return suppress_breakdown(total, g.size(), top, min_firms, dominance, known)
