"""Input-output maths: pymrio's bundled test system (run in the test), Miller & Blair's
two-sector example, Flegg's FLQ worked by hand, and properties of linkages and extraction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from clusteratlas.measures.inputoutput import (
    allocation_coefficients,
    final_demand_impact,
    footprints,
    ghosh_inverse,
    hypothetical_extraction,
    leontief_factors,
    leontief_inverse,
    linkages,
    location_quotients,
    multipliers,
    regionalize,
    satellite_coefficients,
    solve_leontief,
    technical_coefficients,
    total_requirements_sums,
)

# Miller & Blair (2009), section 2.3: two sectors, Z = [[150, 500], [200, 100]], x = [1000, 2000]
Z = np.array([[150.0, 500.0], [200.0, 100.0]])
X = np.array([1000.0, 2000.0])


@pytest.fixture(scope="module")
def mrio():
    pymrio = pytest.importorskip("pymrio")
    io = pymrio.load_test()
    io.calc_all()
    return io


def test_matches_pymrio_coefficients_inverse_multipliers_and_footprints(mrio):
    x = mrio.x["indout"]
    A = technical_coefficients(mrio.Z, x)
    np.testing.assert_allclose(A, mrio.A, rtol=1e-9, atol=1e-15)
    L = leontief_inverse(A)
    np.testing.assert_allclose(L, mrio.L, rtol=1e-9, atol=1e-12)
    S = satellite_coefficients(mrio.emissions.F, x)
    np.testing.assert_allclose(S @ L, mrio.emissions.M, rtol=1e-9, atol=1e-9)
    D = footprints(S, L, mrio.Y, mrio.emissions.F_Y).T.groupby(level="region").sum().T
    np.testing.assert_allclose(D, mrio.emissions.D_cba_reg.loc[:, D.columns], rtol=1e-9)
    B = allocation_coefficients(mrio.Z, x)
    G = ghosh_inverse(B)
    # G = x̂⁻¹ L x̂ (M&B eq. 12.11)
    xv = x.to_numpy()
    np.testing.assert_allclose(G.to_numpy(), (L.to_numpy() * xv[None, :]) / xv[:, None], rtol=1e-8)


def test_miller_blair_two_sector_example():
    A = technical_coefficients(Z, X)
    np.testing.assert_allclose(A, [[0.15, 0.25], [0.20, 0.05]])
    L = leontief_inverse(A)
    np.testing.assert_allclose(L, [[1.2541, 0.3300], [0.2640, 1.1221]], atol=5e-5)
    m = multipliers(A, X, satellites={"jobs": np.array([100.0, 300.0])})
    np.testing.assert_allclose(m["output"], L.sum(axis=0))
    np.testing.assert_allclose(m["jobs"], np.array([0.1, 0.15]) @ L)
    np.testing.assert_allclose(m["jobs_type1"], (np.array([0.1, 0.15]) @ L) / [0.1, 0.15])
    np.testing.assert_allclose(total_requirements_sums(A), L.sum(axis=0))
    np.testing.assert_allclose(total_requirements_sums(sp.csr_matrix(A)), L.sum(axis=0), rtol=1e-10)
    y = X - Z.sum(axis=1)  # final demand (350, 1700)
    np.testing.assert_allclose(solve_leontief(A, y), X)  # recovers the output of the table
    np.testing.assert_allclose(solve_leontief(sp.csr_matrix(A), y), X, rtol=1e-10)


def test_type_two_closes_households():
    A = technical_coefficients(Z, X)
    income = np.array([300.0, 500.0])   # compensation paid by each sector
    consumption = np.array([90.0, 50.0])  # households' purchases of each sector's output
    m = multipliers(A, X, satellites={"income": income},
                    households={"income": income, "consumption": consumption})
    closed = np.array([[0.15, 0.25, 90 / 800], [0.20, 0.05, 50 / 800], [0.3, 0.25, 0.0]])
    L2 = np.linalg.inv(np.eye(3) - closed)[:2, :2]
    np.testing.assert_allclose(m["output_type2"], L2.sum(axis=0))
    assert (m["income_type2"] > m["income_type1"]).all()  # induced effects add to indirect ones


def test_linkage_indices_average_one_and_classify():
    rng = np.random.default_rng(1)
    Zr = rng.gamma(1.0, 10.0, (6, 6))
    x = Zr.sum(axis=1) + rng.gamma(2.0, 30.0, 6)
    A = technical_coefficients(Zr, x)
    lk = linkages(A, Z=Zr, x=x)
    assert lk.backward.mean() == pytest.approx(1.0) and lk.forward.mean() == pytest.approx(1.0)
    key = (lk.backward > 1) & (lk.forward > 1)
    assert (lk.classification[key] == "key sector").all()
    assert (lk.classification[(lk.backward <= 1) & (lk.forward <= 1)] == "weak").all()


def test_hypothetical_extraction_equals_the_leontief_difference():
    rng = np.random.default_rng(2)
    Zr = rng.gamma(1.0, 10.0, (5, 5))
    x = Zr.sum(axis=1) + 50
    A = technical_coefficients(Zr, x)
    y = x - Zr.sum(axis=1)
    loss, total = hypothetical_extraction(A, y, [2])
    A_bar = A.copy()
    A_bar[2, :] = 0
    A_bar[:, 2] = 0
    expected = np.linalg.inv(np.eye(5) - A) @ y - np.linalg.inv(np.eye(5) - A_bar) @ y
    np.testing.assert_allclose(loss, expected)
    assert total == pytest.approx(expected.sum()) and total > 0
    isolated = A.copy()
    isolated[3, :], isolated[:, 3] = 0, 0
    assert hypothetical_extraction(isolated, y, [3])[1] == pytest.approx(0.0, abs=1e-9)


def test_final_demand_impact_is_l_times_the_shock():
    A = technical_coefficients(Z, X)
    r = final_demand_impact(A, np.array([100.0, 0.0]), {"jobs": np.array([0.1, 0.15])})
    L = leontief_inverse(A)
    np.testing.assert_allclose(r["output"], L[:, 0] * 100)
    np.testing.assert_allclose(r["jobs"], L[:, 0] * 100 * [0.1, 0.15])


def test_flq_worked_by_hand():
    # regional employment 10, 30, 60 (TRE 100); national 100, 200, 700 (TNE 1000); δ = 0.3
    # SLQ = (1, 1.5, 0.857143); λ* = [log2(1 + 0.1)]^0.3 = 0.551435
    A = np.full((3, 3), 0.1)
    np.testing.assert_allclose(location_quotients([10, 30, 60], [100, 200, 700]), [1, 1.5, 6 / 7])
    r = regionalize(A, [10, 30, 60], [100, 200, 700], "flq", 0.3)
    expected = 0.1 * np.array([
        [1.0 * 0.551435, (1 / 1.5) * 0.551435, (7 / 6) * 0.551435],
        [1.5 * 0.551435, 1.5 * 0.551435, (1.5 * 7 / 6) * 0.551435],
        [(6 / 7) * 0.551435, (6 / 7 / 1.5) * 0.551435, (6 / 7) * 0.551435]])
    np.testing.assert_allclose(r, expected, rtol=2e-6)
    # AFLQ raises the column of the specialised sector 2 by log2(1 + 1.5), capped at a_ij
    ra = regionalize(A, [10, 30, 60], [100, 200, 700], "aflq", 0.3)
    assert ra[0, 1] == pytest.approx(expected[0, 1] * np.log2(2.5), rel=2e-6)
    assert ra[1, 1] == pytest.approx(0.1)  # 0.0827 × 1.32 > 0.1: never above the national
    slq = regionalize(A, [10, 30, 60], [100, 200, 700], "slq")
    np.testing.assert_allclose(slq[:, 0], [0.1, 0.1, 0.1 * 6 / 7])
    assert (regionalize(A, [10, 30, 60], [100, 200, 700], "cilq") <= A).all()


def test_labelled_tables_keep_their_labels():
    labels = ["agri", "manu"]
    Zdf = pd.DataFrame(Z, index=labels, columns=labels)
    A = technical_coefficients(Zdf, pd.Series(X, index=labels))
    assert list(leontief_inverse(A).columns) == labels and list(linkages(A).index) == labels


def test_multipliers_and_linkages_by_solves_equal_those_of_the_explicit_inverse():
    """Solving against the LU factors instead of forming L changes no figure: every multiplier
    (open and closed model, satellites) and both linkage indices equal those computed from the
    inverses themselves, to 1e-12."""
    rng = np.random.default_rng(3)
    n = 60
    Z = rng.random((n, n)) ** 3 * 100
    x = Z.sum(axis=0) / rng.uniform(0.3, 0.7, n)
    A = technical_coefficients(Z, x)
    va, jobs = rng.uniform(10, 50, n), rng.uniform(1, 9, n)
    hh = {"income": va * 0.6, "consumption": rng.uniform(1, 30, n)}
    got = multipliers(A, x, {"value_added": va, "employment": jobs}, households=hh)
    L = np.linalg.inv(np.eye(n) - A)
    np.testing.assert_allclose(got["output"], L.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(got["employment"], (jobs / x) @ L, rtol=1e-12)
    closed = np.zeros((n + 1, n + 1))
    closed[:n, :n], closed[n, :n] = A, hh["income"] / x
    closed[:n, n] = hh["consumption"] / hh["income"].sum()
    L2 = np.linalg.inv(np.eye(n + 1) - closed)[:n, :n]
    np.testing.assert_allclose(got["output_type2"], L2.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(got["value_added_type2"], ((va / x) @ L2) / (va / x), rtol=1e-12)
    lk = linkages(A)
    np.testing.assert_allclose(lk["backward"], n * L.sum(axis=0) / L.sum(), rtol=1e-12)
    np.testing.assert_allclose(lk["forward"], n * L.sum(axis=1) / L.sum(), rtol=1e-12)
    G = np.linalg.inv(np.eye(n) - allocation_coefficients(Z, x))
    np.testing.assert_allclose(linkages(A, Z=Z, x=x)["forward"], n * G.sum(axis=1) / G.sum(), rtol=1e-12)


def test_one_factorisation_serves_multipliers_and_linkages_alike():
    A = technical_coefficients(Z, X)
    f = leontief_factors(pd.DataFrame(A, index=["agri", "manu"], columns=["agri", "manu"]))
    pd.testing.assert_frame_equal(multipliers(f), multipliers(f.A))
    pd.testing.assert_frame_equal(linkages(f), linkages(f.A))
    assert list(multipliers(f).index) == ["agri", "manu"]
