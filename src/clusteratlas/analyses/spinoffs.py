"""Spin-off genealogy (衍生, 裂变): which firms were founded out of which, per cluster — the way the
seed describes Silicon Valley's firms descending from Fairchild, and 湖北四钻 from 四机厂.

From the firms' ``parent_firm_id`` (the firm a firm was spun off from), on frames: the links
parent → child with each child's generation (1: spun off from a firm with no recorded parent),
and per cluster (a bundle of codes, ``classify.clusters``) the firms, the spin-offs among them
(firms with a recorded parent, wherever the parent is), the spin-off rate and the share of the
cluster's output made by spin-offs. A parent recorded in a loop (a firm its own ancestor) is an
error of the data, named, never a tree drawn around it.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import pandas as pd

from clusteratlas.classify.clusters import ClusterDefinition


@dataclass(frozen=True)
class SpinOffs:
    links: pd.DataFrame  # parent_id, parent, child_id, child, child_industry, founded_year, generation, clusters
    by_cluster: pd.DataFrame  # cluster, name_zh, name_en, firms, spin_offs, spin_off_rate_pct, output, spin_off_output, spin_off_output_share_pct


def genealogy(firms: pd.DataFrame) -> nx.DiGraph:
    """parent → child for every firm with a recorded parent; ValueError naming the firms of a loop."""
    g = nx.DiGraph()
    f = firms[firms["parent_firm_id"].notna() & (firms["parent_firm_id"].astype(str) != "")]
    g.add_edges_from(zip(f["parent_firm_id"].astype(str), f["firm_id"].astype(str)))
    try:
        loop = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return g
    names = firms.set_index("firm_id")["name"]
    raise ValueError("the firms' parents run in a loop: " + " → ".join(
        f"{names.get(a, a)} ({a})" for a, _b in loop) + "; correct parent_firm_id")


def spinoffs(firms: pd.DataFrame, output: pd.Series, definitions: list[ClusterDefinition]) -> SpinOffs:
    """The genealogy of ``firms`` (firm_id, name, industry_code, parent_firm_id, founded_year)
    with ``output`` (firm_id → CNY, the period's) by cluster (module text)."""
    g = genealogy(firms)
    info = firms.set_index(firms["firm_id"].astype(str))
    clusters_of = {fid: [d.id for d in definitions if d.holds(str(code))]
                   for fid, code in info["industry_code"].items()}
    rows = []
    for parent, child in g.edges:
        depth = len(nx.ancestors(g, child))  # every ancestor is one generation up a single-parent line
        rows.append({"parent_id": parent, "parent": info["name"].get(parent, parent), "child_id": child,
                     "child": info["name"].get(child, child), "child_industry": info["industry_code"].get(child),
                     "founded_year": info["founded_year"].get(child), "generation": depth,
                     "clusters": ", ".join(clusters_of.get(child, []))})
    links = pd.DataFrame(rows, columns=["parent_id", "parent", "child_id", "child", "child_industry", "founded_year",
                                        "generation", "clusters"])
    spun = set(links["child_id"])
    out = pd.to_numeric(info.index.to_series().map(output), errors="coerce").fillna(0.0)
    summary = []
    for d in definitions:
        members = [fid for fid, cl in clusters_of.items() if d.id in cl]
        if not members:
            continue
        mine = out.loc[members]
        n_spun = sum(1 for m in members if m in spun)
        spun_output = float(mine[[m in spun for m in members]].sum())
        total = float(mine.sum())
        summary.append({"cluster": d.id, "name_zh": d.name_zh, "name_en": d.name_en, "firms": len(members),
                        "spin_offs": n_spun, "spin_off_rate_pct": n_spun / len(members) * 100,
                        "output": total, "spin_off_output": spun_output,
                        "spin_off_output_share_pct": spun_output / total * 100 if total > 0 else float("nan")})
    return SpinOffs(links, pd.DataFrame(summary))
