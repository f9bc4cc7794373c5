"""What to attract next: industries a region does not yet specialise in, ranked by how related
they are to what it already does, what they add to its complexity, and how they link to its
clusters through input-output flows — the Atlas / Metroverse method (Hausmann et al. 2014;
Hidalgo et al. 2007) with the value-chain link the seed's texts ask for ("延伸链条引项目").

Each candidate gets four criteria, standardised across candidates (z-scores):
relatedness density ω (feasibility), complexity outlook gain COG (what it opens up), PCI (its
own sophistication), and an input-output linkage to the region's present industries (the
strongest direct-requirement coefficient either way, from a ``linkages`` frame when one is
given). The score is a weighted sum with the weights of a strategy:

| strategy | ω | COG | PCI | linkage |
|---|---|---|---|---|
| low_hanging (low-hanging fruit) | 0.55 | 0.15 | 0.10 | 0.20 |
| balanced | 0.40 | 0.25 | 0.15 | 0.20 |
| long_jumps (strategic bets) | 0.15 | 0.40 | 0.30 | 0.15 |

Without linkage data its weight is shared out over the other three in proportion, and the
reason says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from clusteratlas.classify import GBT4754
from clusteratlas.faces import N_, Said, translator
from clusteratlas.measures import complexity, proximity

STRATEGIES = {
    "low_hanging": {"density": 0.55, "cog": 0.15, "pci": 0.10, "linkage": 0.20},
    "balanced": {"density": 0.40, "cog": 0.25, "pci": 0.15, "linkage": 0.20},
    "long_jumps": {"density": 0.15, "cog": 0.40, "pci": 0.30, "linkage": 0.15},
}


@dataclass(frozen=True)
class Opportunities:
    region: str
    strategy: str
    weights: dict
    table: pd.DataFrame  # rank, industry, score, density, cog, pci, linkage, related_to, reason
    present: pd.DataFrame  # the region's industries with RCA ≥ 1


def _label(code, lang: str = "zh") -> str:
    try:
        return f"{code} {GBT4754.label(str(code), lang)}"
    except KeyError:
        return str(code)


def _z(s: pd.Series) -> pd.Series:
    sd = s.std(ddof=0)
    return (s - s.mean()) / sd if sd > 0 else s * 0.0


MIN_REGIONS = 3  # relatedness and complexity compare regions: with fewer, every ranking is noise


def check_regions(data: pd.DataFrame, region: str, region_id=None) -> None:
    """ValueError saying why, unless the data hold at least ``MIN_REGIONS`` regions with values."""
    n = data[region].nunique() if len(data) else 0
    if n < MIN_REGIONS:
        raise ValueError(Said(N_("Nothing to rank: relatedness and complexity need values by industry of at least "
                                 "{min} regions, the data hold {n}; import the comparison regions' output."),
                              min=MIN_REGIONS, n=n))
    if region_id is not None and region_id not in set(data[region]):
        raise ValueError(f"region {region_id!r} has no data")


def opportunities(data: pd.DataFrame, region_id, region: str = "region",
                  industry: str = "industry", value: str = "value", year: str | None = None,
                  strategy: str = "balanced", weights: dict | None = None,
                  linkages: pd.DataFrame | None = None, chain_gaps=(), top: int | None = 20,
                  label=_label) -> Opportunities:
    """Rank the industries ``region_id`` could attract. ``data``: tidy values of all comparison
    regions (one period, or the latest ``year``). ``linkages``: (industry_from, industry_to,
    coefficient) direct requirements; ``chain_gaps``: industries flagged as missing links,
    mentioned in the reason. ``label``: how to name an industry code in the reasons."""
    if weights is None:
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {list(STRATEGIES)}")
        weights = dict(STRATEGIES[strategy])
    if year is not None:
        data = data[data[year] == data[year].max()]
    check_regions(data, region, region_id)
    cx = complexity(data, region=region, industry=industry, value=value)
    mine = cx[cx[region] == region_id]
    if mine.empty:
        raise ValueError(f"region {region_id!r} has no data")
    prox = proximity(data, region=region, industry=industry, value=value).pivot(
        index=f"{industry}_1", columns=f"{industry}_2", values="proximity")
    present = mine[mine.mcp == 1][[industry, value, "rca", "pci"]].sort_values("rca", ascending=False)
    cand = mine[mine.mcp == 0][[industry, value, "rca", "density", "cog", "pci"]].copy()
    have = list(present[industry])
    note_linkage = ""
    if linkages is not None and len(cand):
        lk = linkages.rename(columns=dict(zip(linkages.columns[:3], ["from", "to", "a"])))
        up = lk[lk["from"].isin(have)].groupby("to")["a"].max()      # candidate buys from us
        down = lk[lk["to"].isin(have)].groupby("from")["a"].max()    # candidate supplies us
        cand["linkage"] = np.fmax(cand[industry].map(up).fillna(0), cand[industry].map(down).fillna(0))
    else:
        cand["linkage"] = 0.0
        share = weights.pop("linkage", 0.0)
        rest = sum(weights.values())
        weights = {k: v + share * v / rest for k, v in weights.items()}
        weights["linkage"] = 0.0
        note_linkage = "no input-output linkage data"
    cand["score"] = sum(w * _z(cand[k]) for k, w in weights.items() if w)
    cand = cand.sort_values(["score", "density"], ascending=False, ignore_index=True)
    cand.insert(0, "rank", np.arange(1, len(cand) + 1))

    gaps = set(map(str, chain_gaps))
    related, reasons = [], {"en": [], "zh": []}
    for _i, c in cand.iterrows():
        near = prox.loc[c[industry], have].sort_values(ascending=False).head(3) if have else pd.Series(dtype=float)
        near = near[near > 0]
        related.append(", ".join(str(i) for i in near.index))
        for lang in ("en", "zh"):
            reasons[lang].append(_reason(c, near, bool(note_linkage), str(c[industry]) in gaps, label, lang))
    cand["reason_zh"] = reasons["zh"]
    reasons = reasons["en"]
    cand["related_to"], cand["reason"] = related, reasons
    table = cand if top is None else cand.head(top)
    return Opportunities(str(region_id), strategy, weights, table.reset_index(drop=True),
                         present.reset_index(drop=True))


def industry_space(data: pd.DataFrame, region_id=None, region: str = "region",
                   industry: str = "industry", value: str = "value",
                   threshold: float = 0.55) -> nx.Graph:
    """The proximity network (Hidalgo et al. 2007): the maximum spanning tree of φ plus every
    edge with φ ≥ ``threshold``; nodes carry the industry's total value, PCI, and whether
    ``region_id`` has RCA ≥ 1 in it."""
    check_regions(data, region)
    prox = proximity(data, region=region, industry=industry, value=value)
    prox = prox[prox[f"{industry}_1"] < prox[f"{industry}_2"]]
    full = nx.Graph()
    for a, b, p in prox.itertuples(index=False):
        if p > 0:
            full.add_edge(a, b, proximity=float(p))
    g = nx.maximum_spanning_tree(full, weight="proximity") if len(full) else nx.Graph()
    for a, b, d in full.edges(data=True):
        if d["proximity"] >= threshold:
            g.add_edge(a, b, **d)
    cx = complexity(data, region=region, industry=industry, value=value)
    totals = cx.groupby(industry)[value].sum()
    pci = cx.groupby(industry)["pci"].first()
    mine = cx[cx[region] == region_id].set_index(industry)["mcp"] if region_id is not None else None
    for node in list(totals.index):
        g.add_node(node)
        g.nodes[node].update(value=float(totals[node]), pci=float(pci.get(node, np.nan)),
                             present=bool(mine is not None and mine.get(node, 0) == 1))
    return g


def _reason(c: pd.Series, near: pd.Series, no_linkage: bool, fills_gap: bool, label, lang: str) -> str:
    """Why a candidate ranks where it does, in ``lang``: the specialisations it sits near (φ),
    its density, complexity and outlook gain, its input-output link, a chain gap it fills."""
    _ = translator(lang)
    sep = "；" if lang == "zh" else "; "
    if len(near):
        related = sep.join(f"{label(i, lang)} (φ = {p:.2f})" for i, p in near.items())
        parts = [_("related to {industries}", industries=related)]
    else:
        parts = [_("not co-located with any of the region's specialisations")]
    parts.append(_("relatedness density {density}, PCI {pci}, outlook gain {cog}", density=format(c['density'], ".2f"),
                   pci=format(c['pci'], "+.2f"), cog=format(c['cog'], "+.2f")))
    if c["linkage"] > 0:
        parts.append(_("input-output link {link} to the region's industries", link=format(c['linkage'], ".2f")))
    if fills_gap:
        parts.append(_("fills a missing link in the value chain"))
    if no_linkage:
        parts.append(_("no input-output linkage data"))
    return sep.join(parts)
