"""Input-output economics: coefficients, inverses, multipliers, linkages, extraction, impact,
and the regionalisation of a national table.

Plain array functions (numpy arrays or labelled DataFrames in, the same out), after Miller &
Blair (2009), *Input-Output Analysis*, 2nd ed. (M&B). Conventions as pymrio's: Z intermediate
flows (row = supplying sector, column = buying sector), x gross output, Y final demand,
A = Z x̂⁻¹ with 0 where x = 0, L = (I − A)⁻¹, B = x̂⁻¹ Z, G = (I − B)⁻¹, S = F x̂⁻¹ for any
satellite account F (value added, jobs, emissions), M = S L.

Large tables are solved, not inverted, when only products are needed (``solve=True`` or a
scipy.sparse A); the explicit L is computed only on request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla


@dataclass(frozen=True)
class IOTable:
    """A table's blocks as labelled frames (what ``io.iotables`` reads and the analyses use)."""

    Z: pd.DataFrame  # intermediate flows, sectors × sectors
    Y: pd.DataFrame  # final demand, sectors × categories (imports negative in competitive tables)
    V: pd.DataFrame  # value-added rows × sectors
    x: pd.Series  # gross output by sector
    unit: str = "CNY"

    @property
    def sectors(self) -> pd.Index:
        return self.Z.index


# ---------------------------------------------------------------- helpers --------------------
def _values(m):
    return m.to_numpy(dtype=float) if isinstance(m, (pd.DataFrame, pd.Series)) else m


def _like(values, template, index=None, columns=None):
    """Wrap ``values`` with the labels of ``template`` when it was a DataFrame/Series."""
    if isinstance(template, pd.DataFrame):
        return pd.DataFrame(values, index=template.index if index is None else index,
                            columns=template.columns if columns is None else columns)
    if isinstance(template, pd.Series):
        return pd.Series(values, index=template.index if index is None else index)
    return values


def _reciprocal(x):
    x = np.asarray(x, dtype=float).ravel()
    with np.errstate(divide="ignore"):
        r = 1.0 / x
    r[~np.isfinite(r)] = 0.0  # a sector without output has no coefficients (pymrio's rule)
    return r


# ---------------------------------------------------------------- the core -------------------
def gross_output(Z, Y):
    """x = Z i + Y i — row sums of intermediate and final use (M&B eq. 2.1)."""
    x = _values(Z).sum(axis=1) + (_values(Y).sum(axis=1) if np.ndim(_values(Y)) > 1 else _values(Y))
    return _like(x, Z.iloc[:, 0] if isinstance(Z, pd.DataFrame) else None) if isinstance(Z, pd.DataFrame) else x


def technical_coefficients(Z, x):
    """A = Z x̂⁻¹: inputs from i per unit of j's output (Leontief 1936; M&B eq. 2.4)."""
    if sp.issparse(Z):
        return sp.csr_matrix(Z @ sp.diags(_reciprocal(x)))
    return _like(_values(Z) * _reciprocal(_values(x))[None, :], Z)


def allocation_coefficients(Z, x):
    """B = x̂⁻¹ Z: share of i's output sold to j (Ghosh 1958; M&B eq. 12.5)."""
    return _like(_values(Z) * _reciprocal(_values(x))[:, None], Z)


def leontief_inverse(A):
    """L = (I − A)⁻¹ (M&B eq. 2.10). Dense LU solve against I (not ``inv``)."""
    a = _values(A)
    n = a.shape[0]
    lu = scipy.linalg.lu_factor(np.eye(n) - a, check_finite=False)
    return _like(scipy.linalg.lu_solve(lu, np.eye(n), check_finite=False), A)


def ghosh_inverse(B):
    """G = (I − B)⁻¹, the output-inverse of the supply-side model (Ghosh 1958; M&B eq. 12.9)."""
    return leontief_inverse(B)


def solve_leontief(A, y):
    """x = (I − A)⁻¹ y without forming the inverse: an LU solve (dense) or a sparse LU (sparse A)."""
    if sp.issparse(A):
        return _sparse_solve((sp.identity(A.shape[0], format="csr") - A).tocsr(),
                             np.asarray(y, dtype=float))
    a = _values(A)
    return scipy.linalg.solve(np.eye(a.shape[0]) - a, _values(y), check_finite=False)


def total_requirements_sums(A):
    """Column sums of L, i' L — the simple output multipliers — via one transposed solve:
    i' (I − A)⁻¹ = ((I − A)ᵀ)⁻¹ i, dense or sparse (M&B eq. 6.2)."""
    if sp.issparse(A):
        return _sparse_solve((sp.identity(A.shape[0], format="csr") - A).T.tocsr(),
                             np.ones(A.shape[0]))
    a = _values(A)
    return _sums_through(_factor(a), np.ones(a.shape[0]))[0]


def _sparse_solve(M, b, rtol: float = 1e-12):
    """Solve M z = b for a sparse M = I − A (or its transpose) of a productive table.

    A sparse LU of a large, irregular table fills in badly, so this uses BiCGSTAB with a
    Jacobi preconditioner; the spectral radius of a productive A is below 1, which makes the
    system well behaved. Raises if it does not converge."""
    diag = M.diagonal()
    precond = spla.LinearOperator(M.shape, matvec=lambda v: v / diag)
    z, info = spla.bicgstab(M, b, rtol=rtol, atol=0.0, maxiter=10_000, M=precond)
    if info != 0:
        raise RuntimeError(f"sparse Leontief solve did not converge (info={info})")
    return z


def satellite_coefficients(F, x):
    """S = F x̂⁻¹: a satellite account (value added, jobs, emissions) per unit of output."""
    return _like(_values(F) * _reciprocal(_values(x))[None, :] if np.ndim(_values(F)) > 1
                 else _values(F) * _reciprocal(_values(x)), F)


@dataclass(frozen=True)
class LeontiefFactors:
    """The LU factors of I − A for one table, so that multipliers, linkages and impacts of the
    same table share one factorisation (``leontief_factors``)."""

    A: object = field(repr=False)  # the table as given (array or labelled DataFrame)
    lu: tuple = field(repr=False)


def leontief_factors(A) -> LeontiefFactors:
    """Factor I − A once; ``multipliers`` and ``linkages`` take the result in place of A."""
    return LeontiefFactors(A, _factor(_values(A)))


def _factor(a: np.ndarray):
    """The LU factors of I − A, shared by every solve against the same table."""
    return scipy.linalg.lu_factor(np.eye(a.shape[0]) - a, check_finite=False)


def _factored(A):
    """(the table, its values, its LU factors), from a table or from its factors."""
    if isinstance(A, LeontiefFactors):
        return A.A, _values(A.A), A.lu
    a = _values(A)
    return A, a, _factor(a)


def _sums_through(lu, rows: np.ndarray) -> np.ndarray:
    """r L for each row vector r of ``rows`` (k × n), from the factors of I − A: the transposed
    solve (I − A)ᵀ zᵀ = rᵀ, never forming L."""
    return scipy.linalg.lu_solve(lu, np.atleast_2d(rows).T, trans=1, check_finite=False).T


def multipliers(A, x=None, satellites: dict | None = None, households: dict | None = None):
    """Multipliers of every sector (columns of the result), M&B ch. 6.

    - ``output``: simple output multiplier, column sums of L (eq. 6.2);
    - for each satellite (name → total vector, e.g. value_added, employment, income; needs x):
      the coefficient (``<name>_coefficient`` = F/x), the total multiplier s L (eq. 6.7) and the
      Type I multiplier (total / direct, eq. 6.13);
    - with ``households`` = {"income": compensation by sector, "consumption": household final
      demand by sector}, households are closed into the model (M&B §2.5, §6.2.3) and the
      Type II multipliers are added (``<name>_type2``) with the induced effects.

    Every multiplier is a row vector times L, so each comes from one transposed solve against
    the LU factors of I − A (one factorisation for the open model, one for the closed): L is
    never formed, a third of the work of inverting. ``A`` may be ``leontief_factors(A)``.
    """
    A, a, lu = _factored(A)
    n = a.shape[0]
    sats = {}
    for name, F in (satellites or {}).items():
        if x is None:
            raise ValueError("satellite multipliers need gross output x")
        sats[name] = _values(F) * _reciprocal(_values(x))
    rows = np.vstack([np.ones(n), *sats.values()])
    totals = _sums_through(lu, rows)
    out = {"output": totals[0]}
    totals2 = None
    if households:
        if x is None:
            raise ValueError("Type II multipliers need gross output x")
        xv = _values(x)
        inc = _values(households["income"]) * _reciprocal(xv)  # labour input coefficients
        cons = _values(households["consumption"])
        cons = cons / _values(households["income"]).sum()  # consumption per unit of income
        closed = np.zeros((n + 1, n + 1))
        closed[:n, :n], closed[n, :n], closed[:n, n] = a, inc, cons
        # the sums over the n producing sectors of L₂'s first n columns: rows padded with a 0
        # for the household row
        totals2 = _sums_through(_factor(closed), np.hstack([rows, np.zeros((len(rows), 1))]))[:, :n]
        out["output_type2"] = totals2[0]
    for k, (name, s) in enumerate(sats.items(), start=1):
        total = totals[k]
        out[f"{name}_coefficient"] = s
        out[name] = total
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"{name}_type1"] = np.where(s > 0, total / np.where(s > 0, s, 1), np.nan)
            if totals2 is not None:
                out[f"{name}_type2"] = np.where(s > 0, totals2[k] / np.where(s > 0, s, 1), np.nan)
    labels = A.columns if isinstance(A, pd.DataFrame) else None
    return pd.DataFrame(out, index=labels)


def linkages(A, B=None, x=None, Z=None):
    """Rasmussen (1956)–Hirschman (1958) linkage indices and the key-sector classification.

    Backward: BL_j = n Σ_i l_ij / Σ_ij l_ij (from the Leontief inverse). Forward: from the Ghosh
    inverse, FL_i = n Σ_j g_ij / Σ_ij g_ij (M&B §12.2.3 recommend the supply-side inverse for
    forward linkage); give ``B`` (or ``Z`` and ``x``), else the row sums of L are used (the
    classic Rasmussen form). Key sectors have both indices above 1; backward- or
    forward-oriented sectors one; weak sectors none (M&B §12.2.4).

    Column sums are a transposed solve and row sums a plain one against the same LU factors
    (i' L and L i), so neither inverse is formed. ``A`` may be ``leontief_factors(A)``.
    """
    A, a, lu = _factored(A)
    n = a.shape[0]
    columns = _sums_through(lu, np.ones(n))[0]
    backward = n * columns / columns.sum()
    if B is None and Z is not None and x is not None:
        B = allocation_coefficients(_values(Z), _values(x))
    if B is not None:
        g = scipy.linalg.lu_solve(_factor(_values(B)), np.ones(n), check_finite=False)
        forward = n * g / g.sum()
    else:
        r = scipy.linalg.lu_solve(lu, np.ones(n), check_finite=False)
        forward = n * r / columns.sum()
    kind = np.select([(backward > 1) & (forward > 1), backward > 1, forward > 1],
                     ["key sector", "backward-oriented", "forward-oriented"], "weak")
    labels = A.columns if isinstance(A, pd.DataFrame) else None
    return pd.DataFrame({"backward": backward, "forward": forward, "classification": kind}, index=labels)


def hypothetical_extraction(A, y, sectors):
    """Output lost if ``sectors`` stopped buying from and selling to the other sectors
    (complete extraction of their intermediate rows and columns, final demand kept):
    x − x̄ with x̄ = (I − Ā)⁻¹ y (Dietzenbacher, van der Linden & Steenge 1993; M&B §12.2.5).
    Returns (loss by sector, total loss)."""
    a = _values(A).copy()
    idx = [A.columns.get_loc(s) for s in sectors] if isinstance(A, pd.DataFrame) else list(sectors)
    yv = _values(y)
    x = solve_leontief(a, yv)
    a[idx, :] = 0.0
    a[:, idx] = 0.0
    loss = x - solve_leontief(a, yv)
    return _like(loss, y) if isinstance(y, pd.Series) else loss, float(loss.sum())


def final_demand_impact(A, delta_y, satellites_coefficients: dict | None = None) -> pd.DataFrame:
    """Δx = L Δy and, for each satellite coefficient vector s, Δ = ŝ Δx (M&B eq. 2.11)."""
    dx = solve_leontief(A, _values(delta_y))
    out = {"output": dx}
    for name, s in (satellites_coefficients or {}).items():
        out[name] = _values(s) * dx
    labels = A.columns if isinstance(A, pd.DataFrame) else None
    return pd.DataFrame(out, index=labels)


def footprints(S, L, Y, F_Y=None):
    """Consumption-based accounts (footprints) of each final-demand column:
    S L Y, plus the direct satellite of final demand F_Y where given (Peters 2008; pymrio's
    D_cba summed by final-demand region, with F_Y)."""
    D = _values(S) @ _values(L) @ _values(Y)
    if F_Y is not None:
        D = D + _values(F_Y)
    if isinstance(Y, pd.DataFrame):
        index = S.index if isinstance(S, pd.DataFrame) else None
        return pd.DataFrame(D, index=index, columns=Y.columns)
    return D


# ---------------------------------------------------------------- regionalisation ------------
def location_quotients(regional, national):
    """SLQ_i = (RE_i / TRE) / (NE_i / TNE) — Flegg & Webber (1997, eq. 1)."""
    r, n = np.asarray(_values(regional), float), np.asarray(_values(national), float)
    return (r / r.sum()) / (n / n.sum())


def regionalize(A, regional, national, method: str = "flq", delta: float = 0.3):
    """Regional coefficients r_ij = a_ij × min(q_ij, 1) from a national table and regional and
    national employment (or output) by sector.

    ``method``:
    - 'slq': q_ij = SLQ_i;
    - 'cilq': q_ij = SLQ_i / SLQ_j off the diagonal, SLQ_i on it (Round 1978);
    - 'flq': q_ij = CILQ_ij × λ*, with λ* = [log₂(1 + TRE/TNE)]^δ and SLQ_i × λ* on the diagonal
      (Flegg, Webber & Elliott 1995; Flegg & Webber 1997, eqs. 3–4);
    - 'aflq': FLQ_ij × log₂(1 + SLQ_j) where SLQ_j > 1 (Flegg & Webber 2000; Flegg & Tohmo 2013).
    δ (0 ≤ δ < 1) sets the allowance for regional imports; Flegg & Tohmo (2013) find δ ≈ 0.3
    typical for Finnish regions.
    """
    if method not in ("slq", "cilq", "flq", "aflq"):
        raise ValueError("method must be slq, cilq, flq or aflq")
    a = _values(A)
    reg, nat = np.asarray(_values(regional), float), np.asarray(_values(national), float)
    slq = location_quotients(reg, nat)
    if method == "slq":
        q = np.repeat(slq[:, None], len(slq), axis=1)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            q = slq[:, None] / slq[None, :]
        np.fill_diagonal(q, slq)
        if method in ("flq", "aflq"):
            lam = np.log2(1.0 + reg.sum() / nat.sum()) ** delta
            q = q * lam
            if method == "aflq":
                spec = np.where(slq > 1, np.log2(1.0 + slq), 1.0)
                q = q * spec[None, :]
    q = np.nan_to_num(q, nan=0.0, posinf=1.0)
    return _like(a * np.minimum(q, 1.0), A)
