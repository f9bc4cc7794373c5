"""Plotly figures shared by the HTML report and (later) the dashboard. No tiles, no CDN."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from clusteratlas.analyses.overview import OUTSIDE_PARKS

_LAYOUT = dict(template="plotly_white", margin=dict(l=10, r=10, t=40, b=10),
               font=dict(family="Noto Sans CJK SC, Microsoft YaHei, sans-serif", size=12))


def output_bars(frame: pd.DataFrame, label: str, title: str) -> go.Figure:
    """Horizontal bars of output (亿元) with growth in the hover text."""
    f = frame.sort_values("output")
    fig = go.Figure(go.Bar(
        x=f["output"] / 1e8, y=f[label], orientation="h",
        text=[f"{v:.2f}" for v in f["output"] / 1e8], textposition="auto",
        customdata=np.c_[f["share_pct"], f["growth_pct"]],
        hovertemplate="%{y}<br>%{x:.2f} 亿元<br>share %{customdata[0]:.1f}%"
                      "<br>growth %{customdata[1]:.1f}%<extra></extra>"))
    fig.update_layout(title=title, xaxis_title="亿元 (CNY 100 million)", height=120 + 28 * len(f),
                      **_LAYOUT)
    return fig


def park_map(parks: pd.DataFrame, firms: pd.DataFrame, output: pd.Series,
             footprints: pd.DataFrame | None = None) -> go.Figure:
    """Park boundaries (GeoJSON polygons) and firm sites sized by output, on plain axes;
    ``footprints`` (``cluster``, ``industry``, GeoJSON ``footprint``, as ``FirmClusters.clusters``)
    adds the firm clusters' outlines as one more layer."""
    fig = go.Figure()
    for _, p in parks.iterrows():
        if not isinstance(p.get("boundary"), str):
            continue
        geom = json.loads(p["boundary"])
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        for poly in polys:
            ring = np.asarray(poly[0])
            fig.add_trace(go.Scatter(x=ring[:, 0], y=ring[:, 1], fill="toself", mode="lines",
                                     name=p["name"], line=dict(width=1),
                                     hoverinfo="name", opacity=0.45))
    f = firms.dropna(subset=["lon", "lat"]).copy()
    f["output"] = pd.to_numeric(f["firm_id"].map(output), errors="coerce").fillna(0.0).astype(float)
    size = 5 + 30 * np.sqrt(f["output"] / max(float(f["output"].max()) if len(f) else 1.0, 1.0))
    fig.add_trace(go.Scatter(
        x=f["lon"], y=f["lat"], mode="markers", name="企业 firms",
        marker=dict(size=size, color=f["industry_code"].str[:2].astype("category").cat.codes,
                    colorscale="Turbo", line=dict(width=0.5, color="#333"), opacity=0.8),
        text=f["industry_code"], customdata=np.c_[f["output"] / 1e4, f["park_id"].fillna(OUTSIDE_PARKS)],
        hovertemplate="industry %{text}<br>park %{customdata[1]}<br>output %{customdata[0]:.0f} 万元"
                      "<extra></extra>"))
    rings = [(f"cluster {c.cluster} · {c.industry}", ring)
             for c in (footprints if footprints is not None else pd.DataFrame()).itertuples()
             if isinstance(c.footprint, str) for ring in _polygons(c.footprint)]
    if rings:
        fig.add_trace(go.Scatter(
            x=np.concatenate([np.append(r[:, 0], np.nan) for _, r in rings]),
            y=np.concatenate([np.append(r[:, 1], np.nan) for _, r in rings]),
            text=[n for n, r in rings for _ in range(len(r) + 1)], mode="lines",
            name="集群范围 cluster footprints", line=dict(color="#c0392b", width=1.5, dash="dash"),
            hovertemplate="%{text}<extra></extra>"))
    fig.update_yaxes(scaleanchor="x", scaleratio=1 / np.cos(np.radians(f["lat"].mean() if len(f) else 30)))
    fig.update_layout(title="园区与企业分布 Parks and firms", height=560, xaxis_title="longitude °E",
                      yaxis_title="latitude °N", **_LAYOUT)
    return fig


def _polygons(boundary: str) -> list[np.ndarray]:
    """Outer rings of a GeoJSON (Multi)Polygon, as (n, 2) arrays of lon, lat."""
    geom = json.loads(boundary)
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    return [np.asarray(poly[0], dtype=float) for poly in polys]


LQ_RANGE = 2.0  # colours span log2 LQ in [-2, 2]: LQ 0.25 … 4, white at LQ = 1
# light enough at both ends that black labels stay readable
LQ_COLORS = [[0.0, "#4a90c8"], [0.5, "#f7f7f7"], [1.0, "#e0603a"]]


def lq_choropleth(regions: pd.DataFrame, title: str, parks: pd.DataFrame | None = None) -> go.Figure:
    """Regions filled by the LQ of one industry on plain lon/lat axes (no tiles): blue below 1,
    red above, on a log scale; grey where the LQ is withheld or missing. ``regions`` as from
    ``analyses.clusters.lq_map`` (a ``suppressed`` column, if present, names why a value is
    withheld); the study region is outlined; park boundaries drawn over the fills and the
    region names over both; the boundaries' sources are written under the title."""
    import plotly.colors as pc

    fig = go.Figure()
    lats = []
    for _, r in regions.iterrows():
        if not isinstance(r.get("boundary"), str) or not r["boundary"]:
            continue
        why = r.get("suppressed")
        lq = r["lq"]
        if isinstance(why, str) and why:
            color, label = "#d9d9d9", f"{r['name']}: withheld ({why})"
        elif pd.isna(lq) or lq <= 0:
            color, label = "#f2f2f2", f"{r['name']}: no data"
        else:
            x = np.clip(np.log2(lq), -LQ_RANGE, LQ_RANGE)
            color = pc.sample_colorscale(LQ_COLORS, [(x + LQ_RANGE) / (2 * LQ_RANGE)])[0]
            label = f"{r['name']}: LQ {lq:.2f}"
        for k, ring in enumerate(_polygons(r["boundary"])):
            lats.append(ring[:, 1].mean())
            fig.add_trace(go.Scatter(
                x=ring[:, 0], y=ring[:, 1], fill="toself", fillcolor=color, mode="lines",
                line=dict(color="#111" if r.get("focus") else "#666", width=2.5 if r.get("focus") else 0.8),
                name=label, showlegend=False, hoveron="fills", hoverinfo="name"))
    rings = [(p["name"], ring) for _, p in (parks if parks is not None else pd.DataFrame()).iterrows()
             if isinstance(p.get("boundary"), str) for ring in _polygons(p["boundary"])]
    if rings:  # one layer, so the legend toggles all parks at once
        xs = np.concatenate([np.append(ring[:, 0], np.nan) for _, ring in rings])
        ys = np.concatenate([np.append(ring[:, 1], np.nan) for _, ring in rings])
        names = [n for n, ring in rings for _ in range(len(ring) + 1)]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="园区 parks", text=names,
                                 line=dict(color="#222", width=1), hovertemplate="%{text}<extra></extra>"))
    shown = regions.dropna(subset=["boundary"])
    if not shown.empty:  # region names at a point inside each, and the colour bar
        import shapely
        from shapely.geometry import shape

        # a label point clear of the parks' outlines where the region leaves room for one
        clear = shapely.union_all([shapely.Polygon(ring) for _, ring in rings]).buffer(0.03) if rings else None
        points = []
        for b in shown["boundary"]:
            area = shape(json.loads(b))
            room = area.difference(clear) if clear is not None else area
            points.append((room if not room.is_empty and room.area > 0.05 * area.area else area)
                          .representative_point())
        withheld = shown.get("suppressed", pd.Series("", index=shown.index)).fillna("").ne("")
        value = [("—" if w or pd.isna(v) else f"{v:.2f}") for v, w in zip(shown["lq"], withheld)]
        fig.add_trace(go.Scatter(
            x=[p.x for p in points], y=[p.y for p in points], mode="text",
            text=[f"{n}<br>{v}" for n, v in zip(shown["name"], value)],
            textfont=dict(size=11, color="#111"), showlegend=False, hoverinfo="skip"))
        ticks = [0.25, 0.5, 1, 2, 4]
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
            marker=dict(colorscale=LQ_COLORS, cmin=-LQ_RANGE, cmax=LQ_RANGE, color=[0], showscale=True,
                        colorbar=dict(title="LQ", tickvals=np.log2(ticks).tolist(),
                                      ticktext=[f"{t:g}" for t in ticks], len=0.8))))
    sources = sorted({s for s in regions.get("boundary_source", pd.Series(dtype=str)).dropna() if s})
    fig.update_yaxes(scaleanchor="x", scaleratio=1 / np.cos(np.radians(np.mean(lats) if lats else 30)),
                     title="latitude °N")
    fig.update_xaxes(title="longitude °E")
    if sources:  # in the title, so no export or resize can lose it
        title += "<br><sup>边界 Boundaries: " + "; ".join(sources) + "</sup>"
    fig.update_layout(title=title, height=600, **_LAYOUT)
    fig.update_layout(legend=dict(orientation="h", x=0, y=-0.12, yanchor="top"),
                      margin=dict(l=10, r=10, t=70, b=40))
    return fig


def lq_bubbles(lq: pd.DataFrame, value: str, title: str) -> go.Figure:
    """LQ (log axis) against growth, bubbles sized by the value, LQ = 1 marked."""
    f = lq.dropna(subset=["lq"])
    f = f[f["lq"] > 0]
    growth = f["growth_pct"] if "growth_pct" in f else pd.Series(0.0, index=f.index)
    size = 12 + 50 * np.sqrt(f[value] / max(f[value].max(), 1))
    fig = go.Figure(go.Scatter(
        x=f["lq"], y=growth, mode="markers+text", text=f["industry"] + " " + f["name_zh"],
        textposition="top center", marker=dict(size=size, color=f["lq"], colorscale="Viridis",
                                               line=dict(width=0.5, color="#333"), opacity=0.75),
        customdata=np.c_[f[value] / 1e8, f["share_pct"]],
        hovertemplate="%{text}<br>LQ %{x:.2f}<br>growth %{y:.1f}%<br>%{customdata[0]:.2f} 亿元"
                      " (%{customdata[1]:.1f}%)<extra></extra>"))
    fig.add_vline(x=1, line_dash="dash", line_color="#888")
    fig.update_xaxes(type="log", title="区位商 LQ (log)")
    fig.update_yaxes(title="同比增长 growth %")
    fig.update_layout(title=title, height=480, **_LAYOUT)
    return fig


def shift_share_bars(shift: pd.DataFrame, title: str) -> go.Figure:
    """The parts of each industry's change (亿元), stacked."""
    f = shift.sort_values("change")
    label = f["industry"] + " " + f["name_zh"]
    fig = go.Figure()
    for col, name in [("national_share", "全国/全市增长 national share"),
                      ("industry_mix", "产业结构 industry mix"),
                      ("competitive", "竞争力 competitive share")]:
        fig.add_trace(go.Bar(y=label, x=f[col] / 1e8, name=name, orientation="h"))
    fig.add_trace(go.Scatter(y=label, x=f["change"] / 1e8, mode="markers", name="变化 change",
                             marker=dict(color="black", symbol="diamond", size=9)))
    fig.update_layout(barmode="relative", title=title, xaxis_title="亿元 (CNY 100 million)",
                      height=140 + 30 * len(f), **_LAYOUT)
    return fig


def industry_space_figure(graph, title: str, label=lambda n: str(n), seed: int = 7) -> go.Figure:
    """The industry space: a force layout (fixed seed) with the region's industries filled."""
    import networkx as nx

    pos = nx.spring_layout(graph, seed=seed, weight="proximity")
    ex, ey = [], []
    for a, b in graph.edges():
        ex += [pos[a][0], pos[b][0], None]
        ey += [pos[a][1], pos[b][1], None]
    fig = go.Figure(go.Scatter(x=ex, y=ey, mode="lines", line=dict(width=0.6, color="#bbb"),
                               hoverinfo="skip", showlegend=False))
    nodes = list(graph.nodes())
    value = np.array([graph.nodes[n].get("value", 0.0) for n in nodes])
    present = np.array([graph.nodes[n].get("present", False) for n in nodes])
    for flag, name, colour in ((True, "本地区优势 present (RCA ≥ 1)", "#c0392b"),
                               (False, "其他 not present", "#7f8c8d")):
        idx = [i for i, p in enumerate(present) if p == flag]
        fig.add_trace(go.Scatter(
            x=[pos[nodes[i]][0] for i in idx], y=[pos[nodes[i]][1] for i in idx],
            mode="markers+text", name=name, text=[str(nodes[i]) for i in idx],
            textposition="top center",
            hovertext=[label(nodes[i]) for i in idx], hoverinfo="text",
            marker=dict(size=[10 + 25 * np.sqrt(value[i] / max(value.max(), 1)) for i in idx],
                        color=colour, line=dict(width=0.5, color="#333"))))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(title=title, height=520, **_LAYOUT)
    return fig


def pipeline_funnel(funnel: pd.DataFrame, title: str) -> go.Figure:
    """The project funnel: projects reaching each stage, with funds in place."""
    f = funnel[funnel["stage"] != "dropped"]
    fig = go.Figure(go.Funnel(
        y=f["stage_zh"] + " " + f["stage"], x=f["projects"], textinfo="value+percent initial",
        customdata=f["funds_in_place"] / 1e8,
        hovertemplate="%{y}: %{x} projects<br>funds in place %{customdata:.2f} 亿元<extra></extra>"))
    fig.update_layout(title=title, height=360, **_LAYOUT)
    return fig


def chain_map(graph, title: str) -> go.Figure:
    """The chain around a focal sector: suppliers left, the focal sector centre, buyers right;
    a node is filled when the region has firms in it, hollow (a gap) when it has none."""
    focal = graph.graph["focal"]
    up = sorted(n for n, d in graph.nodes(data=True) if d.get("role") in ("upstream", "both"))
    down = sorted(n for n, d in graph.nodes(data=True) if d.get("role") == "downstream")
    pos = {focal: (0.0, 0.0)}
    for side, nodes in ((-1.0, up), (1.0, down)):
        for k, n in enumerate(nodes):
            pos[n] = (side, (k - (len(nodes) - 1) / 2) * 0.5)
    fig = go.Figure()
    for a, b, d in graph.edges(data=True):
        w = d.get("direct", d.get("allocation", 0.05))
        fig.add_trace(go.Scatter(x=[pos[a][0], pos[b][0]], y=[pos[a][1], pos[b][1]], mode="lines",
                                 line=dict(width=1 + 20 * w, color="#9bb7d4"), hoverinfo="skip",
                                 showlegend=False))
    for present, name, symbol in ((True, "本地有企业 present locally", "circle"),
                                  (False, "本地缺失 missing locally", "circle-open")):
        nodes = [n for n in graph.nodes if bool(graph.nodes[n].get("present", True)) == present]
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes], mode="markers+text",
            text=nodes, textposition="top center", name=name,
            hovertext=[f"{n}<br>firms {graph.nodes[n].get('firms', '')}, LQ "
                       f"{graph.nodes[n].get('lq', float('nan')):.2f}" for n in nodes],
            hoverinfo="text",
            marker=dict(size=[34 if n == focal else 20 for n in nodes], symbol=symbol,
                        color="#c0392b" if present else "#7f8c8d", line=dict(width=2))))
    fig.update_xaxes(visible=False, range=[-1.6, 1.6])
    fig.update_yaxes(visible=False)
    fig.update_layout(title=title, height=140 + 70 * max(len(up), len(down), 2), **_LAYOUT)
    return fig


STATUS_COLOURS = {"strong": "#1e8449", "fill": "#c0392b", "extend": "#d68910", "present": "#5d6d7e"}


def chain_ledger_map(links: pd.DataFrame, title: str, lang: str = "zh") -> go.Figure:
    """一链一图: a chain's links in three columns (upstream, midstream, downstream), each a box
    coloured by its status (强链 green, 补链 red, 延链 amber, 在链 grey) with its local firms and
    the share of the chain's purchases bought locally; the evidence on hover; arrows run down
    the chain."""
    stages = ("upstream", "midstream", "downstream")
    zh = lang == "zh"
    heads = {"upstream": ("上游", "Upstream"), "midstream": ("中游", "Midstream"), "downstream": ("下游", "Downstream")}
    labels = {"strong": ("强链", "strong"), "fill": ("补链", "to fill"), "extend": ("延链", "to extend"),
              "present": ("在链", "present")}
    pos = {}
    for x, stage in enumerate(stages):
        for k, link_id in enumerate(links.loc[links["stage"] == stage, "link_id"]):
            pos[link_id] = (x, -k)
    depth = max((-y for _, y in pos.values()), default=0)
    fig = go.Figure()
    for x in (0, 1):  # the chain flows left to right
        fig.add_annotation(x=x + 0.58, y=-depth / 2, ax=x + 0.42, ay=-depth / 2, xref="x", yref="y", axref="x",
                           ayref="y", showarrow=True, arrowhead=3, arrowsize=1.5, arrowcolor="#aab7b8", text="")
    for _, r in links.iterrows():
        x, y = pos[r["link_id"]]
        fig.add_shape(type="rect", x0=x - 0.4, x1=x + 0.4, y0=y - 0.4, y1=y + 0.4, line=dict(width=0),
                      fillcolor=STATUS_COLOURS[r["status"]], opacity=0.92, layer="below")
        name = r["name_zh"] if zh else r["name_en"]
        firms = f"{r['firms']} 家" if zh else f"{r['firms']} firms"
        share = "" if pd.isna(r["local_share_pct"]) else (
            f" · 本地 {r['local_share_pct']:.0f}%" if zh else f" · {r['local_share_pct']:.0f}% local")
        status = labels[r["status"]][0 if zh else 1]
        fig.add_annotation(x=x, y=y, text=f"<b>{name}</b><br>{status} · {firms}{share}", showarrow=False,
                           font=dict(color="white", size=11))
    for status, colour in STATUS_COLOURS.items():  # hover and legend: one point a link
        part = links[links["status"] == status]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(x=[pos[i][0] for i in part["link_id"]], y=[pos[i][1] for i in part["link_id"]],
                                 mode="markers", name=labels[status][0 if zh else 1],
                                 marker=dict(size=14, symbol="square", color=colour, opacity=0.01),
                                 hovertext=part["evidence_zh" if zh else "evidence_en"], hoverinfo="text"))
    for x, stage in enumerate(stages):
        fig.add_annotation(x=x, y=0.75, text=f"<b>{heads[stage][0 if zh else 1]}</b>", showarrow=False,
                           font=dict(size=14))
    fig.update_xaxes(visible=False, range=[-0.5, 2.5])
    fig.update_yaxes(visible=False, range=[-depth - 0.6, 1.0])
    fig.update_layout(title=title, height=180 + 90 * (depth + 1), showlegend=False, **_LAYOUT)
    return fig


def supply_network_figure(graph, region_id: str, title: str, seed: int = 3) -> go.Figure:
    """Suppliers → buyers, local firms red, outside suppliers grey, edges by value bought."""
    import networkx as nx

    pos = nx.spring_layout(graph, seed=seed, weight=None)
    fig = go.Figure()
    top = max((d["amount"] for _, _, d in graph.edges(data=True)), default=1.0)
    for a, b, d in graph.edges(data=True):
        fig.add_trace(go.Scatter(x=[pos[a][0], pos[b][0]], y=[pos[a][1], pos[b][1]], mode="lines",
                                 line=dict(width=0.5 + 6 * d["amount"] / top, color="#9bb7d4"),
                                 hoverinfo="skip", showlegend=False))
    for local, name, colour in ((True, "本地 local", "#c0392b"), (False, "外地 outside", "#7f8c8d")):
        nodes = [n for n in graph.nodes if (graph.nodes[n].get("region_id") == region_id) == local]
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes], mode="markers", name=name,
            hovertext=[graph.nodes[n].get("name") for n in nodes], hoverinfo="text",
            marker=dict(size=[10 + 3 * graph.in_degree(n) for n in nodes], color=colour,
                        line=dict(width=0.5, color="#333"))))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(title=title, height=480, **_LAYOUT)
    return fig


def distance_curve_figure(curve, title: str = "K-density") -> go.Figure:
    """A K-density (or M) curve (``measures.DistanceCurve``) with its local and global bands."""
    fig = go.Figure()
    level = 1 - curve.alpha
    if curve.global_hi is not None:
        fig.add_trace(go.Scatter(x=np.r_[curve.r, curve.r[::-1]], y=np.r_[curve.global_hi, curve.global_lo[::-1]],
                                 fill="toself", line=dict(width=0), fillcolor="rgba(150,150,150,0.3)",
                                 name=f"全局{level:.0%}置信带 global {level:.0%} band", hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=curve.r, y=curve.local_hi, line=dict(dash="dot", color="#888"),
                                 name=f"逐点{level:.0%}置信带 local {level:.0%} band"))
        fig.add_trace(go.Scatter(x=curve.r, y=curve.local_lo, line=dict(dash="dot", color="#888"),
                                 showlegend=False))
    fig.add_trace(go.Scatter(x=curve.r, y=curve.observed, line=dict(color="#c0392b", width=2), name=curve.measure))
    fig.update_layout(title=title, xaxis_title=f"距离 distance {curve.unit}", yaxis_title=curve.measure,
                      height=380, **_LAYOUT)
    return fig


def firm_clusters_figure(clusters, parks: pd.DataFrame | None = None,
                         title: str = "集群与园区 Clusters and parks") -> go.Figure:
    """Firm clusters (``measures.FirmClusters``): their footprints over the parks, the firms
    inside and outside parks."""
    fig = go.Figure()
    for _, p in (parks if parks is not None else pd.DataFrame()).iterrows():
        if not isinstance(p.get("boundary"), str) or not p["boundary"]:
            continue
        for ring in _polygons(p["boundary"]):
            fig.add_trace(go.Scatter(x=ring[:, 0], y=ring[:, 1], mode="lines", fill="toself",
                                     name=str(p.get("name", "")), opacity=0.35, line=dict(width=1),
                                     hoverinfo="name", legendgroup="parks"))
    for _, c in clusters.clusters.iterrows():
        if not isinstance(c["footprint"], str):
            continue
        for ring in _polygons(c["footprint"]):
            fig.add_trace(go.Scatter(x=ring[:, 0], y=ring[:, 1], mode="lines",
                                     line=dict(width=2, dash="dash", color="#c0392b"),
                                     name=(f"{c['industry']} " if "industry" in c else "") + f"cluster {c['cluster']}",
                                     hoverinfo="name"))
    f = clusters.firms
    inside = f["park"].notna()
    for mask, label, colour in ((inside, "企业·园区内 firms in a park", "#2c7fb8"),
                                (~inside, "企业·园区外 firms outside parks", "#e67e22")):
        fig.add_trace(go.Scatter(x=f.loc[mask, clusters.x], y=f.loc[mask, clusters.y], mode="markers",
                                 name=label, marker=dict(size=7, color=colour, line=dict(width=0.5, color="#333")),
                                 text=f.loc[mask, "cluster"].map(lambda c: f"cluster {c}" if c >= 0 else "noise"),
                                 hovertemplate="%{text}<extra></extra>"))
    lat0 = float(f[clusters.y].mean()) if len(f) else 30.0
    fig.update_yaxes(scaleanchor="x", scaleratio=1 / np.cos(np.radians(lat0)))
    fig.update_layout(title=title, height=560, xaxis_title="longitude °E", yaxis_title="latitude °N", **_LAYOUT)
    return fig
