"""Value chains: the chain map of a cluster (产业链图谱), the missing links to fill (补链), the
leading firms' local supporting rate (本地配套率) and the impact of an attracted project.

Input-output tables are by sector; a sector's label starts with the GB/T 4754 division code or
range it covers ("35 专用设备制造业", "31-32 金属冶炼和压延加工业"), which is how firms and
regional statistics (by division) are matched to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from clusteratlas.classify import GBT4754
from clusteratlas.measures.inputoutput import IOTable
from clusteratlas.measures.inputoutput import (
    allocation_coefficients,
    leontief_inverse,
    regionalize,
    technical_coefficients,
)

_RANGE = re.compile(r"^\s*(\d{2})(?:\s*[-–~]\s*(\d{2}))?")


def sector_divisions(label: str) -> list[str]:
    """'31-32 金属冶炼…' → ['31', '32']; '35 专用设备' → ['35']; [] if the label has no code."""
    m = _RANGE.match(str(label))
    if not m:
        return []
    a, b = int(m.group(1)), int(m.group(2) or m.group(1))
    return [f"{d:02d}" for d in range(a, b + 1)]


def division_to_sector(sectors) -> dict[str, str]:
    return {d: s for s in sectors for d in sector_divisions(s)}


def sector_of(sectors, code: str) -> str:
    """The table sector holding a division (or a deeper GB/T code)."""
    div = GBT4754.division_of(str(code)) or str(code)[:2]
    m = division_to_sector(sectors)
    if div not in m:
        raise KeyError(f"no sector of the table covers division {div}")
    return m[div]


def regional_presence(values: pd.DataFrame, firms: pd.DataFrame, firm_years: pd.DataFrame,
                      region_id: str, year: int, month_to: int = 12) -> pd.DataFrame:
    """The region's presence by division for a chain map or gap list: output (CNY), the number
    of above-scale firms, and the LQ against the comparison regions (``values``: their
    ``analyses.clusters.regional_values``), so that a sector is a gap only where the region is
    weak in it, not merely absent from a frame. Without comparison regions the LQ is NaN
    (unknown) and a sector is a gap only where the region has no above-scale firm in it."""
    from clusteratlas.analyses.clusters import in_period
    from clusteratlas.measures import location_quotient

    v = in_period(values, year, month_to)
    if region_id not in set(v.region):
        raise ValueError(f"no output for region {region_id} in {year} (months 1–{month_to})")
    lq = location_quotient(v, value="output")
    out = lq[lq.region == region_id].set_index("industry")[["output", "lq"]]
    if v.region.nunique() < 2:
        # against itself every LQ is 1: unknown, so a gap rests on the firm count alone
        out["lq"] = np.nan
    fy = firm_years[(firm_years["year"] == year) & (firm_years["month_to"] == month_to)
                    & firm_years["above_scale"].fillna(False).astype(bool)]
    codes = fy.merge(firms[firms["region_id"] == region_id], on="firm_id")["industry_code"]
    counts = codes.map(GBT4754.division_of).value_counts()
    out["firms"] = counts.reindex(out.index).fillna(0).astype(int)
    return out


def regional_by_sector(table: IOTable, values: pd.Series) -> pd.Series:
    """Regional values by division (index) summed into the table's sectors (0 where none)."""
    m = division_to_sector(table.sectors)
    v = values.groupby(values.index.map(lambda d: m.get(str(d)))).sum()
    return v.reindex(table.sectors, fill_value=0.0)


def value_chain(table: IOTable, focal: str, presence: pd.DataFrame | None = None,
                direct: float = 0.03, total: float = 0.05, downstream: float = 0.05) -> nx.DiGraph:
    """The chain around a focal sector (a label or a division code): suppliers i with a direct
    requirement a_i,focal ≥ ``direct`` or a total requirement l_i,focal ≥ ``total`` (upstream),
    and buyers j taking at least ``downstream`` of the focal sector's output (b_focal,j, Ghosh
    allocation). ``presence`` (index = division; columns such as firms, output, lq) marks each
    node with the region's presence, summed (firms, output) or output-weighted (lq) over the
    node's divisions."""
    sectors = list(table.sectors)
    f = focal if focal in sectors else sector_of(sectors, focal)
    A = technical_coefficients(table.Z, table.x)
    L = leontief_inverse(A)
    B = allocation_coefficients(table.Z, table.x)
    g = nx.DiGraph(focal=f)
    g.add_node(f, role="focal")
    for i in sectors:
        if i == f:
            continue
        a, l_ = float(A.at[i, f]), float(L.at[i, f])
        if a >= direct or l_ >= total:
            g.add_node(i, role="upstream")
            g.add_edge(i, f, direct=a, total=l_)
        b = float(B.at[f, i])
        if b >= downstream:
            if i not in g:
                g.add_node(i, role="downstream")
            elif g.nodes[i]["role"] == "upstream":
                g.nodes[i]["role"] = "both"
            g.add_edge(f, i, allocation=b)
    for node in g.nodes:
        g.nodes[node].update(_presence(presence, node))
    return g


def _presence(presence: pd.DataFrame | None, sector: str) -> dict:
    if presence is None:
        return {}
    divs = [d for d in sector_divisions(sector) if d in presence.index]
    if not divs:  # absent: LQ 0 against comparison regions, unknown without them
        known = "lq" in presence and presence["lq"].notna().any()
        return {"firms": 0, "output": 0.0, "lq": 0.0 if known else np.nan, "present": False}
    p = presence.loc[divs]
    out = {"firms": int(p.get("firms", pd.Series(0)).sum()), "output": float(p.get("output", pd.Series(0.0)).sum())}
    if "lq" in p and out["output"] > 0:
        out["lq"] = float((p["lq"] * p["output"]).sum(min_count=1) / out["output"])
    elif "lq" in p:
        out["lq"] = float(p["lq"].max())
    out["present"] = out["firms"] > 0 or out["output"] > 0
    return out


def chain_gaps(table: IOTable, regional: pd.Series, clusters, presence: pd.DataFrame | None = None,
               direct: float = 0.02, method: str = "flq", delta: float = 0.3) -> pd.DataFrame:
    """Supplier sectors of the region's clusters ranked by import leakage (the 补链 list).

    ``regional``: the region's output (or employment) by division; ``clusters``: the focal
    sectors (labels or divisions). The regional table comes from the national one by
    :func:`~clusteratlas.measures.inputoutput.regionalize` (FLQ, δ = 0.3 by default). For
    supplier i and cluster j, the cluster buys a_ij x_j in all and r_ij x_j locally; the
    leakage Σ_j (a_ij − r_ij) x_j is what the clusters buy from outside the region. A sector is a
    gap when it is linked (a_ij ≥ ``direct``) but weak locally (LQ < 1 or no firms)."""
    sectors = list(table.sectors)
    focal = [c if c in sectors else sector_of(sectors, c) for c in clusters]
    reg = regional_by_sector(table, regional)
    A = technical_coefficients(table.Z, table.x)
    R = regionalize(A, reg.to_numpy(), table.x.to_numpy(), method=method, delta=delta)
    xj = reg[focal]
    rows = []
    for i in sectors:
        linked = [j for j in focal if A.at[i, j] >= direct and j != i]
        if not linked:
            continue
        bought = float(sum(A.at[i, j] * xj[j] for j in linked))
        local = float(sum(R.at[i, j] * xj[j] for j in linked))
        p = _presence(presence, i)
        rows.append({"sector": i, "buyers": ", ".join(linked), "purchases": bought,
                     "local_purchases": local, "leakage": bought - local,
                     "local_share_pct": local / bought * 100 if bought else np.nan,
                     "firms": p.get("firms", np.nan), "lq": p.get("lq", np.nan),
                     "gap": bool(p.get("lq", 0) < 1 or p.get("firms", 0) == 0) if p else True})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.sort_values("leakage", ascending=False, ignore_index=True)


RATE_COLUMNS = ["firm_id", "name", "park_id", "division", "year", "linked_purchases", "local",
                "in_park", "suppliers_local", "purchases", "rate_pct", "park_rate_pct",
                "change_points"]


def local_supporting_rate(firms: pd.DataFrame, firm_years: pd.DataFrame,
                          supply_links: pd.DataFrame, region_id: str,
                          targets=(40.0, 50.0)) -> pd.DataFrame:
    """Each leading firm's purchases bought in the region and in its own park, by year.

    The denominator is the firm's total purchases (firm_years, full year) when reported, else
    the sum of its supply links; a supplier is local when it is a firm of the region or its
    region is the buyer's region, and in the park when it is a firm of the buyer's park.
    Columns: rate_pct, park_rate_pct, change_points (on the previous year), and the gap to each
    target (points)."""
    lead = firms[(firms["region_id"] == region_id) & firms["is_leading"].fillna(False).astype(bool)]
    f_region = firms.set_index("firm_id")["region_id"]
    f_park = firms.set_index("firm_id")["park_id"]
    links = supply_links[supply_links["buyer_id"].isin(lead["firm_id"])].copy()
    if links.empty:  # no leading firm flagged, or none with supply links: no rate, not 0 %
        return pd.DataFrame(columns=RATE_COLUMNS + [f"gap_to_{t:g}_points" for t in targets])
    sup_region = links["supplier_id"].map(f_region).fillna(links["supplier_region_id"])
    links["local"] = sup_region == region_id
    links["in_park"] = links["supplier_id"].map(f_park).notna() & \
        (links["supplier_id"].map(f_park) == links["buyer_id"].map(f_park))
    g = links.groupby(["buyer_id", "year"])
    t = pd.DataFrame({"linked_purchases": g["amount"].sum(),
                      "local": g.apply(lambda d: d.loc[d["local"], "amount"].sum(), include_groups=False),
                      "in_park": g.apply(lambda d: d.loc[d["in_park"], "amount"].sum(), include_groups=False),
                      "suppliers_local": g.apply(lambda d: int(d["local"].sum()), include_groups=False)})
    t = t.reset_index().rename(columns={"buyer_id": "firm_id"})
    full = firm_years[firm_years["month_to"] == 12].set_index(["firm_id", "year"])["total_purchases"]
    reported = pd.Series([full.get((f, y), np.nan) for f, y in zip(t["firm_id"], t["year"])], index=t.index)
    t["purchases"] = np.fmax(reported.fillna(0), t["linked_purchases"])
    t["rate_pct"] = t["local"] / t["purchases"] * 100
    t["park_rate_pct"] = t["in_park"] / t["purchases"] * 100
    t = t.sort_values(["firm_id", "year"])
    t["change_points"] = t.groupby("firm_id")["rate_pct"].diff()
    for target in targets:
        t[f"gap_to_{target:g}_points"] = target - t["rate_pct"]
    info = firms.set_index("firm_id")
    t.insert(1, "name", t["firm_id"].map(info["name"]))
    t.insert(2, "park_id", t["firm_id"].map(info["park_id"]))
    t.insert(3, "division", t["firm_id"].map(info["industry_code"]).map(GBT4754.division_of))
    return t.reset_index(drop=True)


def supporting_rate_rollup(rates: pd.DataFrame, by: str = "division") -> pd.DataFrame:
    """Local supporting rate of groups of leading firms (purchase-weighted), by division or park."""
    g = rates.groupby([by, "year"], dropna=False)
    out = g[["purchases", "local", "in_park"]].sum()
    out["firms"] = g.size()
    out["rate_pct"] = out["local"] / out["purchases"] * 100
    return out.reset_index()


@dataclass(frozen=True)
class ProjectImpact:
    table: pd.DataFrame  # effect × (output, value_added, jobs)
    sector: str
    multiplier_type1: float
    multiplier_type2: float | None


def project_impact(table: IOTable, regional: pd.Series, industry: str, output: float,
                   jobs: float | None = None, value_added_ratio: float | None = None,
                   regional_jobs: pd.Series | None = None, method: str = "flq",
                   delta: float = 0.3, households: bool = True) -> ProjectImpact:
    """Direct, indirect and induced effects of a project's annual ``output`` (CNY) in
    ``industry``, on the region's output, value added and jobs (IMPLAN-style event: the new
    output is the direct effect; Δy = Δx_j / l_jj drives the regional Leontief model).

    Regional coefficients come from the national table by FLQ; value-added ratios from the table;
    jobs per unit of output from ``regional_jobs`` (by division, with ``regional`` output) or the
    project's own ``jobs``. Induced effects close households with the table's compensation of
    employees (劳动者报酬) and household consumption (居民消费), when ``households``."""
    sectors = list(table.sectors)
    j = sector_of(sectors, industry)
    jj = sectors.index(j)
    reg = regional_by_sector(table, regional)
    A = technical_coefficients(table.Z, table.x)
    R = regionalize(A, reg.to_numpy(), table.x.to_numpy(), method=method, delta=delta).to_numpy()
    n = len(sectors)
    L1 = np.linalg.solve(np.eye(n) - R, np.eye(n))
    dy = np.zeros(n)
    dy[jj] = output / L1[jj, jj]
    x1 = L1 @ dy
    va_ratio = (table.V.sum(axis=0) / table.x).reindex(sectors).fillna(0).to_numpy()
    if value_added_ratio is not None:
        va_ratio = va_ratio.copy()
        va_ratio[jj] = value_added_ratio
    if regional_jobs is not None:
        jobs_by_sector = regional_by_sector(table, regional_jobs).to_numpy()
        per = np.divide(jobs_by_sector, reg.to_numpy(), out=np.zeros(n), where=reg.to_numpy() > 0)
    else:
        per = np.zeros(n)
    if jobs is not None:
        per = per.copy()
        per[jj] = jobs / output
    direct = np.zeros(n)
    direct[jj] = output
    rows = {"direct": direct, "indirect": x1 - direct}
    type2 = None
    if households:
        wage_row = next((r for r in table.V.index if re.search(r"劳动者报酬|compensation", str(r), re.I)), None)
        cons_col = next((c for c in table.Y.columns if re.search(r"居民消费|household", str(c), re.I)), None)
        if wage_row is not None and cons_col is not None:
            w = (table.V.loc[wage_row] / table.x).reindex(sectors).fillna(0).to_numpy()
            local_share = np.diag(R) / np.where(np.diag(A.to_numpy()) > 0, np.diag(A.to_numpy()), 1)
            c = table.Y[cons_col].reindex(sectors).fillna(0).to_numpy()
            c = c / table.V.loc[wage_row].sum() * np.clip(local_share, 0, 1)
            closed = np.zeros((n + 1, n + 1))
            closed[:n, :n], closed[n, :n], closed[:n, n] = R, w, c
            L2 = np.linalg.solve(np.eye(n + 1) - closed, np.eye(n + 1))[:n, :n]
            x2 = L2 @ dy
            rows["induced"] = x2 - x1
            type2 = float(x2.sum() / output)
    frame = []
    for effect, dx in rows.items():
        frame.append({"effect": effect, "output": dx.sum(), "value_added": (va_ratio * dx).sum(),
                      "jobs": (per * dx).sum()})
    t = pd.DataFrame(frame)
    t.loc[len(t)] = {"effect": "total", **t[["output", "value_added", "jobs"]].sum().to_dict()}
    return ProjectImpact(t, j, float(x1.sum() / output), type2)
