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


def random_tables(seed: int, count: int):
    """(values, firms, top shares) of random tables, 2–5 × 2–5, many cells of few firms."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        shape = (rng.integers(2, 6), rng.integers(2, 6))
        yield (pd.DataFrame(rng.gamma(1, 100, shape)), pd.DataFrame(rng.integers(0, 6, shape)),
               pd.DataFrame(rng.uniform(0.2, 0.95, shape)))


def test_random_tables_never_leak():
    for v, n, s in random_tables(4, 20):
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


def _derivable(res, mask, grand_total=True):
    """Whether the sum of the cells of ``mask`` follows from everything published: the
    published cells, the line totals and the grand total."""
    from clusteratlas.analyses.disclosure import _determined, _system

    hidden = res.table.isna().to_numpy()
    part = np.asarray(mask, bool) & hidden
    if not part.any():
        return True  # made of published cells only
    E = _system(hidden, res.row_totals.notna().to_numpy(), res.column_totals.notna().to_numpy(),
                grand_total, (), ())
    return bool(_determined(E, part.ravel()[hidden.ravel()][None, :].astype(float))[0])


def test_a_total_from_fewer_than_three_firms_is_withheld_and_cannot_be_derived():
    # division a has two firms, one in each of two parks: both cells are hidden, and the
    # row total would publish the two firms' sum — and it must not follow from the column
    # totals minus the other rows either (before, it did: the table leaked it by differencing)
    v, n, s = table([[10, 20, 0], [5, 50, 60], [40, 30, 70]], [[1, 1, 0], [4, 8, 7], [9, 5, 6]])
    res = suppress(v, n, s)
    assert np.isnan(res.row_totals["a"])
    row_a = np.zeros((3, 3), bool)
    row_a[0] = True
    assert not _derivable(res, row_a)
    assert not recoverable(res.table.isna().to_numpy(), res.row_totals.notna(),
                           res.column_totals.notna(), grand_total=True).any()


def test_random_tables_never_leak_a_cell_or_a_confidential_total_with_the_grand_total():
    for v, n, s in random_tables(11, 25):
        shape = v.shape
        res = suppress(v, n, s)
        hidden = res.table.isna().to_numpy()
        assert not recoverable(hidden, res.row_totals.notna(), res.column_totals.notna(),
                               grand_total=True).any()
        largest = (s * v).where(n > 0, 0.0).to_numpy()
        for axis in (0, 1):
            firms, total = n.sum(axis=axis).to_numpy(), v.sum(axis=axis).to_numpy()
            top = largest.max(axis=axis) / np.where(total > 0, total, 1)
            for k in np.flatnonzero((firms > 0) & ((firms < 3) | (top >= 0.8))):
                mask = np.zeros(shape, bool)
                if axis == 1:
                    mask[k] = True
                else:
                    mask[:, k] = True
                assert not _derivable(res, mask), (shape, axis, k)


def test_an_extra_published_sum_is_part_of_the_system():
    # the output in parks (columns x and y) is published by the overview: with it, the hidden
    # cells must still not be determined
    v, n, s = table([[10, 20, 30], [5, 50, 60], [40, 1, 70]], [[5, 2, 6], [4, 8, 7], [9, 5, 6]])
    parks = np.zeros((3, 3), bool)
    parks[:, :2] = True
    res = suppress(v, n, s, extra=[parks])
    hidden = res.table.isna().to_numpy()
    assert not recoverable(hidden, res.row_totals.notna(), res.column_totals.notna(),
                           grand_total=True, extra=[parks], extra_ok=res.extra_published).any()


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


def test_an_insider_who_knows_a_column_cannot_recover_the_others():
    # a park manager knows every firm of their park (column x): against the public's rectangle
    # they would subtract their column and read the primary cell off its row total
    v, n, s = table([[10, 20, 30], [5, 50, 60], [40, 1, 70]], [[5, 2, 6], [4, 8, 7], [9, 5, 6]])
    park_x = np.zeros((3, 3), bool)
    park_x[:, 0] = True

    def leaks(res):
        unknown = res.table.isna().to_numpy() & ~park_x
        return recoverable(unknown, res.row_totals.notna(), res.column_totals.notna(),
                           grand_total=True).sum()

    assert leaks(suppress(v, n, s)) > 0  # the public's release is not enough for them
    theirs = suppress(v, n, s, known=park_x)
    assert leaks(theirs) == 0 and theirs.reasons.at["a", "y"] == PRIMARY
