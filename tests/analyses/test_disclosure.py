"""Disclosure control: primary rules, complementary suppression, and that nothing hidden can be
worked out from what is published."""

import numpy as np
import pandas as pd

from clusteratlas.analyses.disclosure import COMPLEMENTARY, PRIMARY, recoverable, suppress


def table(values, firms, share=0.3):
    idx, cols = list("abc"), list("xyz")
    v = pd.DataFrame(values, index=idx, columns=cols, dtype=float)
    n = pd.DataFrame(firms, index=idx, columns=cols)
    s = pd.DataFrame(share, index=idx, columns=cols) if np.isscalar(share) else \
        pd.DataFrame(share, index=idx, columns=cols)
    return v, n, s


def test_a_single_hidden_cell_is_recoverable_and_a_rectangle_is_not():
    one = np.zeros((3, 3), bool)
    one[0, 1] = True
    assert recoverable(one)[0, 1]
    rect = np.zeros((3, 3), bool)
    rect[np.ix_([0, 2], [0, 1])] = True
    assert not recoverable(rect).any()


def test_primary_and_complementary_suppression_protect_the_small_cell():
    v, n, s = table([[10, 20, 30], [5, 50, 60], [40, 1, 70]], [[5, 2, 6], [4, 8, 7], [9, 5, 6]])
    res = suppress(v, n, s)
    assert res.reasons.at["a", "y"] == PRIMARY
    hidden = res.table.isna().to_numpy()
    assert hidden.sum() == 4  # the least: a rectangle through the primary cell
    assert (res.reasons.to_numpy()[hidden & (res.reasons.to_numpy() != PRIMARY)] == COMPLEMENTARY).all()
    assert not recoverable(hidden).any()


def test_dominance_is_a_primary_reason():
    v, n, s = table([[10, 20, 30], [5, 50, 60], [40, 10, 70]], [[5, 5, 6], [4, 8, 7], [9, 5, 6]],
                    share=[[0.3, 0.3, 0.3], [0.3, 0.85, 0.3], [0.3, 0.3, 0.3]])
    assert suppress(v, n, s).reasons.at["b", "y"] == PRIMARY


def test_a_cell_alone_in_its_lines_withholds_their_totals():
    v, n, s = table([[10, 0, 0], [0, 50, 60], [0, 1, 70]], [[1, 0, 0], [0, 8, 7], [0, 5, 6]])
    res = suppress(v, n, s)
    assert np.isnan(res.table.at["a", "x"])
    assert np.isnan(res.row_totals["a"]) and np.isnan(res.column_totals["x"])
    rows_ok = res.row_totals.notna().to_numpy()
    cols_ok = res.column_totals.notna().to_numpy()
    assert not recoverable(res.table.isna().to_numpy(), rows_ok, cols_ok).any()


def test_random_tables_never_leak():
    rng = np.random.default_rng(4)
    for _ in range(20):
        shape = (rng.integers(2, 6), rng.integers(2, 6))
        v = pd.DataFrame(rng.gamma(1, 100, shape))
        n = pd.DataFrame(rng.integers(0, 6, shape))
        s = pd.DataFrame(rng.uniform(0.2, 0.95, shape))
        res = suppress(v, n, s)
        hidden = res.table.isna().to_numpy()
        assert not recoverable(hidden, res.row_totals.notna(), res.column_totals.notna()).any()
        # every published total passes the primary rules itself
        largest = (s * v).where(n > 0, 0.0)
        for axis, totals in ((1, res.row_totals), (0, res.column_totals)):
            shown = totals.notna()
            firms = n.sum(axis=axis)[shown]
            assert ((firms == 0) | (firms >= 3)).all()
            top = largest.max(axis=axis)[shown] / v.sum(axis=axis)[shown]
            assert (top < 0.8).all()


def test_a_total_from_fewer_than_three_firms_is_withheld():
    # division a has two firms, one in each of two parks: both cells are hidden, and the
    # row total would publish the two firms' sum
    v, n, s = table([[10, 20, 0], [5, 50, 60], [40, 30, 70]], [[1, 1, 0], [4, 8, 7], [9, 5, 6]])
    res = suppress(v, n, s)
    assert np.isnan(res.row_totals["a"])
    assert res.row_totals[["b", "c"]].notna().all()


def test_a_total_dominated_by_one_firm_is_withheld():
    # column x: the largest firm of cell (c, x) holds 0.9 × 400 of the column's 415
    v, n, s = table([[10, 20, 30], [5, 50, 60], [400, 30, 70]], [[5, 5, 6], [4, 8, 7], [9, 5, 6]],
                    share=[[0.3, 0.3, 0.3], [0.3, 0.3, 0.3], [0.9, 0.3, 0.3]])
    res = suppress(v, n, s)
    assert res.reasons.at["c", "x"] == PRIMARY
    assert np.isnan(res.column_totals["x"])


def test_a_breakdown_hides_a_second_part_so_the_first_cannot_be_recovered():
    from clusteratlas.analyses.disclosure import suppress_breakdown

    values = pd.Series([500.0, 300.0, 40.0, 60.0], index=list("abcd"))
    firms = pd.Series([10, 8, 2, 5], index=list("abcd"))
    top = pd.Series(0.3, index=list("abcd"))
    why = suppress_breakdown(values, firms, top)
    assert why["c"] == PRIMARY
    assert why["d"] == COMPLEMENTARY  # the smallest other part
    assert (why[["a", "b"]] == "").all()
    # with the total published, the two hidden parts leave one equation in two unknowns
    assert not recoverable(why.ne("").to_numpy()[:, None], np.zeros(4, bool)).any()
