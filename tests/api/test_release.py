"""One release per period: the output table and the overview publish one suppression pattern.
An attacker gathers, over HTTP, every figure both views publish for a period — the table's
cells and totals, the overview's industries and parks, the region's total and its output in
parks, the targets' actual figures, the value chain's sectors — writes them as linear equations in the withheld cells, and checks by rank that no
confidential quantity (a primary cell, a total of fewer than three firms) is determined."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from clusteratlas.analyses.overview import OUTSIDE_PARKS
from clusteratlas.io.periods import label
from tests.api.conftest import login
from tests.conftest import open_store


def _determined(E: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """By rank, independently of the service's own check: t is determined iff adding it to the
    equations does not raise their rank."""
    rank = np.linalg.matrix_rank(E) if len(E) else 0
    return np.array([(np.linalg.matrix_rank(np.vstack([E, t])) if len(E) else 1) == rank
                     for t in targets])


def _periods(server):
    with open_store(server["db"]) as s:
        rows = s.sql("SELECT DISTINCT year, month_to FROM firm_years ORDER BY year, month_to")
    return [(int(y), int(m)) for y, m in zip(rows["year"], rows["month_to"])]


def _code(period):
    y, m = period
    return str(y) if m == 12 else (f"{y}H1" if m == 6 else f"{y}M{m:02d}")


def _release(server, headers, period):
    p = _code(period)
    table = httpx.get(server["base"] + "/api/analyses/output-table", headers=headers,
                      params={"period": p}, timeout=120).json()
    overview = httpx.get(server["base"] + "/api/analyses/overview", headers=headers,
                         params={"period": p}, timeout=120).json()
    targets = httpx.get(server["base"] + "/api/analyses/targets", headers=headers,
                        params={"period": p}, timeout=120).json()
    return table, overview, targets


def _chain_sums(server, headers, period, rows, withheld_rows):
    """The value chain of the latest full year publishes each sector's output and LQ (with the
    published totals, an LQ is the output): a sum of the divisions the sector holds. Read with
    the default focal sector and with each withheld division as the focus."""
    from clusteratlas.analyses.valuechain import sector_divisions

    sums = []
    for focal in [None, *withheld_rows]:
        r = httpx.get(server["base"] + "/api/analyses/value-chain", headers=headers,
                      params={"division": focal} if focal else None, timeout=120)
        if r.status_code == 404:
            continue
        c = r.json()
        if (c["year"], 12) != period:
            return []
        for node in c["nodes"]:
            if node.get("output") is not None or node.get("lq") is not None:
                sums.append({d for d in sector_divisions(node["sector"]) if d in rows})
    return [m for m in sums if m]


def _insider_cells(server, who, rows, cols, firms):
    """The cells an insider knows: a park manager's whole park, a firm's own cell where it is
    the cell's only firm."""
    known = np.zeros((len(rows), len(cols)), bool)
    if who == "parkmgr":
        known[:, [c == "P02" for c in cols]] = True
    elif who == "sijichang":
        with open_store(server["db"]) as s:
            f = s.table("firms").set_index("firm_id").loc[server["firm_id"]]
        from clusteratlas.classify import GBT4754

        r, c = GBT4754.division_of(f["industry_code"]), f["park_id"] if f["park_id"] else OUTSIDE_PARKS
        if r in rows and c in cols and firms[rows.index(r), cols.index(c)] == 1:
            known[rows.index(r), cols.index(c)] = True
    return known


@pytest.mark.parametrize("who", [None, "outsider", "sijichang", "parkmgr"])
def test_no_confidential_quantity_is_determined_by_the_whole_release(server, who):
    """Insiders subtract what they know (their park's cells, their own cell) from every sum."""
    headers = login(server, who) if who else None
    checked = chained = 0
    for period in _periods(server):
        table, overview, targets = _release(server, headers, period)
        if "cells" not in table:
            continue
        rows = sorted({c["division"] for c in table["cells"]})
        cols = sorted({c["park"] for c in table["cells"]})
        cell = {(c["division"], c["park"]): c for c in table["cells"]}
        hidden = np.array([[cell[(r, c)]["output"] is None for c in cols] for r in rows])
        if not hidden.any():
            continue
        firms = np.array([[cell[(r, c)]["firms"] for c in cols] for r in rows])
        known = _insider_cells(server, who, rows, cols, firms)
        hidden = hidden & ~known
        if not hidden.any():
            continue
        # every published sum of cells, from either view
        row_pub = {r for r, v in table["row_totals"].items() if v is not None}
        row_pub |= {i["division"] for i in overview["by_industry"] if i["output"] is not None}
        col_pub = {c for c, v in table["column_totals"].items() if v is not None}
        col_pub |= {p["park_id"] for p in overview["by_park"] if p["output"] is not None}
        totals = {t["indicator"]: t["value"] for t in overview["totals"]}
        # a target's actual output of the period is one more published sum
        for t in targets:
            if t.get("indicator") != "output" or t.get("actual") is None or t.get("kind") != "level":
                continue
            if t["scope"] == "industry" and t["scope_id"] in rows:
                row_pub.add(t["scope_id"])
            elif t["scope"] == "park" and t["scope_id"] in cols:
                col_pub.add(t["scope_id"])
            elif t["scope"] == "industry":  # a group or class: a part of a division, never shown
                raise AssertionError(f"target {t['target_id']} publishes an unchecked sum")
        masks = [np.outer([r == x for x in rows], np.ones(len(cols), bool)) for r in row_pub if r in rows]
        withheld_rows = [r for r in rows if r not in row_pub]
        for sector in _chain_sums(server, headers, period, rows, withheld_rows):
            chained += 1
            masks.append(np.outer([x in sector for x in rows], np.ones(len(cols), bool)))
        masks += [np.outer(np.ones(len(rows), bool), [c == x for x in cols]) for c in col_pub if c in cols]
        if totals.get("output") is not None:
            masks.append(np.ones_like(hidden))
        if totals.get("output_in_parks") is not None:
            masks.append(np.outer(np.ones(len(rows), bool), [c != OUTSIDE_PARKS for c in cols]))
        E = np.array([m[hidden] for m in masks], dtype=float)
        E = E[E.any(axis=1)] if len(E) else np.zeros((0, int(hidden.sum())))
        # what must stay unknown: primary cells, and any row or column of fewer than 3 firms
        targets = []
        for k, (i, j) in enumerate(np.argwhere(hidden)):
            if cell[(rows[i], cols[j])]["suppressed"] == "primary":
                t = np.zeros(int(hidden.sum()))
                t[k] = 1
                targets.append(t)
        for axis in (0, 1):
            for k in np.flatnonzero((firms.sum(axis=axis) > 0) & (firms.sum(axis=axis) < 3)):
                m = np.zeros_like(hidden)
                if axis == 1:
                    m[k] = True
                else:
                    m[:, k] = True
                if (m & hidden).any():
                    targets.append(m[hidden].astype(float))
        assert targets, label(*period)
        leaked = _determined(E, np.array(targets))
        assert not leaked.any(), f"{label(*period)}: {int(leaked.sum())} confidential quantities determined"
        checked += 1
    assert checked >= 2  # the sample has several periods with withheld cells
    assert chained > 0  # and the value chain's sectors were among the equations


def test_the_overview_publishes_exactly_the_tables_totals(server):
    table, overview, _ = _release(server, None, _periods(server)[-1])
    for i in overview["by_industry"]:
        assert (i["output"] is None) == (table["row_totals"].get(i["division"]) is None)
    for p in overview["by_park"]:
        assert (p["output"] is None) == (table["column_totals"].get(p["park_id"]) is None)


@pytest.fixture(scope="module")
def award_run(server):
    from clusteratlas.sample import INCENTIVE_INPUTS, data_dir

    files = {"file": ("inputs.csv", (data_dir() / INCENTIVE_INPUTS).read_bytes(), "text/csv")}
    r = httpx.post(server["base"] + "/api/incentives/runs", headers=login(server, "analyst"), files=files,
                   data={"year": "2006", "label": "release test"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()["run_id"]


@pytest.mark.parametrize("who", [None, "outsider", "sijichang", "parkmgr"])
def test_no_withheld_award_total_is_determined_by_what_a_reader_knows(server, award_run, who):
    """The run's total and its published rules are equations in the award lines of the hidden
    rules; a reader knows the lines they may read (a firm its own, a manager their park's).
    No hidden rule's sum of lines unknown to them may be determined."""
    headers = login(server, who) if who else None
    base = server["base"] + f"/api/incentives/runs/{award_run}"
    pub = httpx.get(base + "/totals", headers=headers, timeout=60).json()
    truth = httpx.get(base + "/lines", headers=login(server, "admin"), timeout=60).json()
    mine = httpx.get(base + "/lines", headers=headers, timeout=60).json() if who else []
    known = {r["entity_id"] for r in mine}
    hidden = {r["rule_id"] for r in pub["by_rule"] if r["amount"] is None}
    paid = [(r["rule_id"], r["entity_id"]) for r in truth if r["status"] == "award" and r["amount"]]
    unknown = sorted({(rule, e) for rule, e in paid if rule in hidden and e not in known})
    if who == "sijichang":
        assert known == {server["firm_id"]} or not known
    if not unknown:
        assert not hidden or all(e in known for rule, e in paid if rule in hidden)
        return
    # one equation: the total minus every published rule is the sum of the hidden rules' lines
    E = np.ones((1, len(unknown)))
    if all(p["amount"] is not None for p in pub["by_payer"]):  # per-payer sums would be more
        raise AssertionError("a payer split is published while rules are hidden")
    targets = np.array([[float(rule == h) for rule, _ in unknown] for h in hidden
                        if any(rule == h for rule, _ in unknown)])
    leaked = _determined(E, targets)
    assert not leaked.any(), f"{int(leaked.sum())} hidden rule totals determined for {who}"
