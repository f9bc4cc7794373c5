"""The local supply network from purchase records (networkx).

Nodes are firms (and outside suppliers by name); a directed edge supplier → buyer carries the
value bought in a year. Measures: each buyer's local share and its number of local suppliers
(its "radiation", 辐射带动), suppliers' weighted degree and betweenness centrality, communities
(greedy modularity on the undirected graph — the cluster's cores), and single-source risks:
a buyer's product bought from one supplier only, or from outside the region only.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd


def supply_network(links: pd.DataFrame, firms: pd.DataFrame, year: int | None = None) -> nx.DiGraph:
    """Directed supplier → buyer graph of a year's ``supply_links`` (all years when None)."""
    if year is not None:
        links = links[links["year"] == year]
    info = firms.set_index("firm_id")
    g = nx.DiGraph()
    for r in links.itertuples():
        supplier = r.supplier_id if isinstance(r.supplier_id, str) else f"outside:{r.supplier_name}"
        for node in (supplier, r.buyer_id):
            if node not in g:
                local = node in info.index
                g.add_node(node, name=info.at[node, "name"] if local else str(node).removeprefix("outside:"),
                           region_id=info.at[node, "region_id"] if local else
                           (r.supplier_region_id if isinstance(r.supplier_region_id, str) else None),
                           park_id=info.at[node, "park_id"] if local else None, in_store=local)
        if g.has_edge(supplier, r.buyer_id):
            g.edges[supplier, r.buyer_id]["amount"] += float(r.amount)
        else:
            g.add_edge(supplier, r.buyer_id, amount=float(r.amount), product=r.product)
    return g


def buyer_summary(g: nx.DiGraph, region_id: str) -> pd.DataFrame:
    """Per buyer: purchases, local share, number of suppliers and of local suppliers."""
    rows = []
    for b in g.nodes:
        preds = list(g.predecessors(b))
        if not preds:
            continue
        total = sum(g.edges[s, b]["amount"] for s in preds)
        local = [s for s in preds if g.nodes[s].get("region_id") == region_id]
        rows.append({"firm_id": b, "name": g.nodes[b].get("name"), "purchases": total,
                     "local_share_pct": sum(g.edges[s, b]["amount"] for s in local) / total * 100 if total else 0.0,
                     "suppliers": len(preds), "local_suppliers": len(local)})
    columns = ["firm_id", "name", "purchases", "local_share_pct", "suppliers", "local_suppliers"]
    return pd.DataFrame(rows, columns=columns).sort_values("purchases", ascending=False, ignore_index=True)


def supplier_centrality(g: nx.DiGraph) -> pd.DataFrame:
    """Per supplier: buyers served, value sold, and betweenness centrality (unweighted)."""
    between = nx.betweenness_centrality(g.to_undirected())
    rows = []
    for s in g.nodes:
        succ = list(g.successors(s))
        if succ:
            rows.append({"firm_id": s, "name": g.nodes[s].get("name"), "buyers": len(succ),
                         "sales": sum(g.edges[s, b]["amount"] for b in succ),
                         "betweenness": between.get(s, 0.0), "in_store": g.nodes[s].get("in_store")})
    return pd.DataFrame(rows, columns=["firm_id", "name", "buyers", "sales", "betweenness", "in_store"]
                        ).sort_values(["buyers", "sales"], ascending=False, ignore_index=True)


def communities(g: nx.DiGraph) -> list[set]:
    """Groups of firms trading mostly with each other (greedy modularity, weighted by amount)."""
    if g.number_of_edges() == 0:
        return []
    return [set(c) for c in nx.algorithms.community.greedy_modularity_communities(
        g.to_undirected(), weight="amount")]


def single_source_risks(links: pd.DataFrame, firms: pd.DataFrame, region_id: str,
                        year: int | None = None) -> pd.DataFrame:
    """Products a buyer buys from a single supplier, or only from outside the region."""
    if year is not None:
        links = links[links["year"] == year]
    region = firms.set_index("firm_id")["region_id"]
    l = links.assign(local=links["supplier_id"].map(region).fillna(links["supplier_region_id"]) == region_id,
                     supplier=links["supplier_id"].fillna(links["supplier_name"]))
    g = l.groupby(["buyer_id", "product"])
    out = pd.DataFrame({"suppliers": g["supplier"].nunique(), "amount": g["amount"].sum(),
                        "any_local": g["local"].any()}).reset_index()
    out["risk"] = ""
    out.loc[out["suppliers"] == 1, "risk"] = "single supplier"
    out.loc[~out["any_local"], "risk"] = out.loc[~out["any_local"], "risk"].where(
        out.loc[~out["any_local"], "risk"] == "", out.loc[~out["any_local"], "risk"] + "; ") + "outside the region only"
    return out[out["risk"] != ""].sort_values("amount", ascending=False, ignore_index=True)
