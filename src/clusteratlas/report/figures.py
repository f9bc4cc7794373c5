"""Plotly figures shared by the HTML report and (later) the dashboard. No tiles, no CDN."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from clusteratlas.faces import translator
from clusteratlas.faces.numbers import money, money_unit, number
from clusteratlas.faces.terms import term

_LAYOUT = dict(template="plotly_white", margin=dict(l=10, r=10, t=40, b=10),
               font=dict(family="Noto Sans CJK SC, Microsoft YaHei, sans-serif", size=12))


def _industry_names(codes, lang: str) -> list[str]:
    """An industry's name in ``lang`` (GB/T 4754), its code where the classification has none."""
    from clusteratlas.classify import GBT4754

    out = []
    for c in codes:
        try:
            out.append(GBT4754.label(str(c), lang))
        except KeyError:
            out.append(str(c))
    return out


def output_bars(frame: pd.DataFrame, label: str, title: str, lang: str = "zh") -> go.Figure:
    """Horizontal bars of output (亿元) with its share and growth on hover."""
    _ = translator(lang)
    f = frame.sort_values("output")
    unit = money_unit("yi", lang)
    share, growth = _("share"), _("growth")
    fig = go.Figure(go.Bar(
        x=f["output"] / 1e8, y=f[label], orientation="h",
        text=[money(v, "yi", lang) for v in f["output"]], textposition="auto",
        customdata=np.c_[f["share_pct"], f["growth_pct"]],
        hovertemplate=f"%{{y}}<br>%{{x:,.2f}} {unit}<br>{share} %{{customdata[0]:.1f}}%"
                      f"<br>{growth} %{{customdata[1]:.1f}}%<extra></extra>"))
    fig.update_layout(title=title, xaxis_title=unit, height=120 + 28 * len(f), **_LAYOUT)
    fig.update_yaxes(automargin=True)
    return fig


def park_map(parks: pd.DataFrame, firms: pd.DataFrame, output: pd.Series,
             footprints: pd.DataFrame | None = None, lang: str = "zh", links: bool = False) -> go.Figure:
    """Park boundaries (GeoJSON polygons) with their names, and firm sites sized by output, on
    plain lon/lat axes; ``footprints`` (``cluster``, ``industry``, GeoJSON ``footprint``, as
    ``FirmClusters.clusters``) adds the firm clusters' outlines as one more layer; ``links``:
    each firm's point carries its id, and a click opens its profile (for roles that may see it)."""
    _ = translator(lang)
    fig = go.Figure()
    names = {}
    for _i, p in parks.iterrows():
        if not isinstance(p.get("boundary"), str):
            continue
        names[p["park_id"]] = p["name"]
        rings = _polygons(p["boundary"])
        for k, ring in enumerate(rings):
            fig.add_trace(go.Scatter(x=ring[:, 0], y=ring[:, 1], fill="toself", mode="lines",
                                     name=p["name"], legendgroup=str(p["name"]), showlegend=k == 0,
                                     line=dict(width=1), hoverinfo="name", opacity=0.45))
    for _i, p in parks.iterrows():
        names.setdefault(p["park_id"], p["name"])
    f = firms.dropna(subset=["lon", "lat"]).copy()
    f["output"] = pd.to_numeric(f["firm_id"].map(output), errors="coerce").fillna(0.0).astype(float)
    size = 5 + 30 * np.sqrt(f["output"] / max(float(f["output"].max()) if len(f) else 1.0, 1.0))
    outside = _("outside the parks")
    park = [names.get(x, outside) if isinstance(x, str) else outside for x in f["park_id"]]
    industry = _industry_names(f["industry_code"], lang)
    who = f["name"].astype(str) if "name" in f else pd.Series(industry, index=f.index)
    unit = money_unit("wan", lang)
    fig.add_trace(go.Scatter(
        x=f["lon"], y=f["lat"], mode="markers", name=_("firms"), meta="firm-links" if links else None,
        marker=dict(size=size, color=f["industry_code"].str[:2].astype("category").cat.codes,
                    colorscale="Turbo", line=dict(width=0.5, color="#333"), opacity=0.8),
        text=who, customdata=np.c_[[money(v, "wan", lang) for v in f["output"]], park, industry,
                                   f["firm_id"] if links else [""] * len(f)],
        hovertemplate=f"<b>%{{text}}</b><br>%{{customdata[2]}}<br>%{{customdata[1]}}<br>"
                      f"%{{customdata[0]}} {unit}<extra></extra>"))
    rings = [(_("cluster {n}", n=c.cluster) + f" · {c.industry}", ring)
             for c in (footprints if footprints is not None else pd.DataFrame()).itertuples()
             if isinstance(c.footprint, str) for ring in _polygons(c.footprint)]
    if rings:
        fig.add_trace(go.Scatter(
            x=np.concatenate([np.append(r[:, 0], np.nan) for _n, r in rings]),
            y=np.concatenate([np.append(r[:, 1], np.nan) for _n, r in rings]),
            text=[n for n, r in rings for _k in range(len(r) + 1)], mode="lines",
            name=_("cluster footprints"), line=dict(color="#c0392b", width=1.5, dash="dash"),
            hovertemplate="%{text}<extra></extra>"))
    labelled = [(p["name"], _label_point(p["boundary"])) for _i, p in parks.iterrows()
                if isinstance(p.get("boundary"), str)]
    if labelled:  # the parks' names above their outlines, over the firms: read, not hidden
        fig.add_trace(go.Scatter(x=[x for _n, (x, _y) in labelled], y=[y for _n, (_x, y) in labelled],
                                 mode="text", text=[f"<b>{n}</b>" for n, _q in labelled], textposition="top center",
                                 textfont=dict(size=12, color="#17324d"), showlegend=False, hoverinfo="skip"))
    fig.update_yaxes(scaleanchor="x", scaleratio=1 / np.cos(np.radians(f["lat"].mean() if len(f) else 30)))
    fig.update_layout(title=_("Parks and firms"), height=560, xaxis_title=_("longitude °E"),
                      yaxis_title=_("latitude °N"), **_LAYOUT)
    return fig


def _label_point(boundary: str) -> tuple[float, float]:
    """Where a park's name is written: above the middle of its outline's top edge."""
    from shapely.geometry import shape

    area = shape(json.loads(boundary))
    x0, _y0, x1, y1 = area.bounds
    return (x0 + x1) / 2, y1


def _polygons(boundary: str) -> list[np.ndarray]:
    """Outer rings of a GeoJSON (Multi)Polygon, as (n, 2) arrays of lon, lat."""
    geom = json.loads(boundary)
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    return [np.asarray(poly[0], dtype=float) for poly in polys]


LQ_RANGE = 2.0  # colours span log2 LQ in [-2, 2]: LQ 0.25 … 4, white at LQ = 1
# light enough at both ends that black labels stay readable
LQ_COLORS = [[0.0, "#4a90c8"], [0.5, "#f7f7f7"], [1.0, "#e0603a"]]


def lq_choropleth(regions: pd.DataFrame, title: str, parks: pd.DataFrame | None = None,
                  lang: str = "zh") -> go.Figure:
    """Regions filled by the LQ of one industry on plain lon/lat axes (no tiles): blue below 1,
    red above, on a log scale; grey where the LQ is withheld or missing. ``regions`` as from
    ``analyses.clusters.lq_map`` (a ``suppressed`` column, if present, names why a value is
    withheld); the study region is outlined; park boundaries drawn over the fills and the
    region names over both; the boundaries' sources are written under the title."""
    import plotly.colors as pc

    _ = translator(lang)
    fig = go.Figure()
    lats = []
    for _i, r in regions.iterrows():
        if not isinstance(r.get("boundary"), str) or not r["boundary"]:
            continue
        why = r.get("suppressed")
        lq = r["lq"]
        if isinstance(why, str) and why:
            color, label = "#d9d9d9", f"{r['name']}: " + _("withheld ({why})", why=why)
        elif pd.isna(lq) or lq <= 0:
            color, label = "#f2f2f2", f"{r['name']}: " + _("no data")
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
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=_("parks"), text=names,
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
                     title=_("latitude °N"))
    fig.update_xaxes(title=_("longitude °E"))
    if sources:  # in the title, so no export or resize can lose it
        title += "<br><sup>" + _("Boundaries: {sources}", sources="; ".join(sources)) + "</sup>"
    fig.update_layout(title=title, height=600, **_LAYOUT)
    fig.update_layout(legend=dict(orientation="h", x=0, y=-0.12, yanchor="top"),
                      margin=dict(l=10, r=10, t=70, b=40))
    return fig


def lq_bubbles(lq: pd.DataFrame, value: str, title: str, lang: str = "zh", labelled: int = 8) -> go.Figure:
    """LQ (log axis) against growth, bubbles sized by the value, LQ = 1 marked; the ``labelled``
    largest industries named on the chart (more would overlap), every one on hover."""
    _ = translator(lang)
    f = lq.dropna(subset=["lq"])
    f = f[f["lq"] > 0]
    growth = f["growth_pct"] if "growth_pct" in f else pd.Series(0.0, index=f.index)
    size = 12 + 50 * np.sqrt(f[value] / max(f[value].max(), 1))
    names = _industry_names(f["industry"], lang)
    shown = set(f[value].nlargest(labelled).index)
    unit, word = money_unit("yi", lang), _("growth")
    fig = go.Figure(go.Scatter(
        x=f["lq"], y=growth, mode="markers+text", hovertext=names,
        text=[n if i in shown else "" for i, n in zip(f.index, names)],
        textposition="top center", textfont=dict(size=10),
        marker=dict(size=size, color=f["lq"], colorscale="Viridis", line=dict(width=0.5, color="#333"), opacity=0.75),
        customdata=np.c_[f[value] / 1e8, f["share_pct"]],
        hovertemplate=f"%{{hovertext}}<br>LQ %{{x:.2f}}<br>{word} %{{y:.1f}}%<br>%{{customdata[0]:,.2f}} {unit}"
                      " (%{customdata[1]:.1f}%)<extra></extra>"))
    fig.add_vline(x=1, line_dash="dash", line_color="#888")
    fig.update_xaxes(type="log", title=_("location quotient (log scale)"))
    fig.update_yaxes(title=_("growth on the year before (%)"))
    fig.update_layout(title=title, height=480, **_LAYOUT)
    return fig


def shift_share_bars(shift: pd.DataFrame, title: str, lang: str = "zh") -> go.Figure:
    """The parts of each industry's change (亿元), stacked."""
    _ = translator(lang)
    f = shift.sort_values("change")
    label = _industry_names(f["industry"], lang)
    fig = go.Figure()
    for col, name in [("national_share", _("national growth")), ("industry_mix", _("industry mix")),
                      ("competitive", _("competitive share"))]:
        fig.add_trace(go.Bar(y=label, x=f[col] / 1e8, name=name, orientation="h"))
    fig.add_trace(go.Scatter(y=label, x=f["change"] / 1e8, mode="markers", name=_("change"),
                             marker=dict(color="black", symbol="diamond", size=9)))
    fig.update_layout(barmode="relative", title=title, xaxis_title=money_unit("yi", lang),
                      height=140 + 30 * len(f), **_LAYOUT)
    fig.update_yaxes(automargin=True)
    return fig


def industry_space_figure(graph, title: str, lang: str = "zh", seed: int = 7, labelled: int = 12) -> go.Figure:
    """The industry space: a force layout (fixed seed) with the region's industries filled; the
    region's ``labelled`` largest industries named on the chart (more would overlap), every
    industry by name on hover."""
    import networkx as nx

    _ = translator(lang)
    pos = nx.spring_layout(graph, seed=seed, weight="proximity")
    ex, ey = [], []
    for a, b in graph.edges():
        ex += [pos[a][0], pos[b][0], None]
        ey += [pos[a][1], pos[b][1], None]
    fig = go.Figure(go.Scatter(x=ex, y=ey, mode="lines", line=dict(width=0.6, color="#bbb"),
                               hoverinfo="skip", showlegend=False))
    nodes = list(graph.nodes())
    names = dict(zip(nodes, _industry_names(nodes, lang)))
    value = np.array([graph.nodes[n].get("value", 0.0) for n in nodes])
    present = np.array([graph.nodes[n].get("present", False) for n in nodes])
    shown = {nodes[i] for i in np.argsort(-value)[:labelled] if present[i]}
    for flag, name, colour in ((True, _("the region's strengths (RCA ≥ 1)"), "#c0392b"),
                               (False, _("other industries"), "#7f8c8d")):
        idx = [i for i, p in enumerate(present) if p == flag]
        fig.add_trace(go.Scatter(
            x=[pos[nodes[i]][0] for i in idx], y=[pos[nodes[i]][1] for i in idx],
            mode="markers+text", name=name, text=[names[nodes[i]] if nodes[i] in shown else "" for i in idx],
            textposition="top center", textfont=dict(size=10),
            hovertext=[f"{names[nodes[i]]} ({nodes[i]})" for i in idx], hoverinfo="text",
            marker=dict(size=[10 + 25 * np.sqrt(value[i] / max(value.max(), 1)) for i in idx],
                        color=colour, line=dict(width=0.5, color="#333"))))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(title=title, height=520, legend=dict(orientation="h", y=-0.05), **_LAYOUT)
    return fig


def pipeline_funnel(funnel: pd.DataFrame, title: str, lang: str = "zh") -> go.Figure:
    """The project funnel: projects reaching each stage (every stage, none left out for being
    empty), with funds in place."""
    _ = translator(lang)
    f = funnel[funnel["stage"] != "dropped"]
    projects, funds, unit = _("projects"), _("funds in place"), money_unit("yi", lang)
    fig = go.Figure(go.Funnel(
        y=[term("project_stage", st, lang) for st in f["stage"]], x=f["projects"], textinfo="value+percent initial",
        customdata=f["funds_in_place"] / 1e8,
        hovertemplate=f"%{{y}}: %{{x}} {projects}<br>{funds} %{{customdata:,.2f}} {unit}<extra></extra>"))
    fig.update_layout(title=title, height=360, **_LAYOUT)
    fig.update_yaxes(automargin=True)
    return fig


def chain_map(graph, title: str, lang: str = "zh") -> go.Figure:
    """The chain around a focal sector: suppliers left, the focal sector centre, buyers right;
    a node is filled when the region has firms in it, hollow (a gap) when it has none."""
    _ = translator(lang)
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
    names = dict(zip(graph.nodes, _industry_names(graph.nodes, lang)))
    firms_word = _("firms")
    for present, name, symbol in ((True, _("present locally"), "circle"),
                                  (False, _("missing locally"), "circle-open")):
        nodes = [n for n in graph.nodes if bool(graph.nodes[n].get("present", True)) == present]
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes], mode="markers+text",
            text=[names[n] for n in nodes], textposition="top center", name=name,
            hovertext=[f"{names[n]} ({n})<br>{firms_word} {graph.nodes[n].get('firms', '—')} · LQ "
                       f"{number(graph.nodes[n].get('lq'), 2, lang)}" for n in nodes],
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
    _ = translator(lang)
    stages = ("upstream", "midstream", "downstream")
    zh = lang == "zh"
    pos = {}
    for x, stage in enumerate(stages):
        for k, link_id in enumerate(links.loc[links["stage"] == stage, "link_id"]):
            pos[link_id] = (x, -k)
    depth = max((-y for _, y in pos.values()), default=0)
    fig = go.Figure()
    for x in (0, 1):  # the chain flows left to right
        fig.add_annotation(x=x + 0.58, y=-depth / 2, ax=x + 0.42, ay=-depth / 2, xref="x", yref="y", axref="x",
                           ayref="y", showarrow=True, arrowhead=3, arrowsize=1.5, arrowcolor="#aab7b8", text="")
    for _i, r in links.iterrows():
        x, y = pos[r["link_id"]]
        fig.add_shape(type="rect", x0=x - 0.4, x1=x + 0.4, y0=y - 0.4, y1=y + 0.4, line=dict(width=0),
                      fillcolor=STATUS_COLOURS[r["status"]], opacity=0.92, layer="below")
        name = r["name_zh"] if zh else r["name_en"]
        firms = _("{n} firms", n=r["firms"])
        local = number(r["local_share_pct"], 0, lang)
        share = "" if pd.isna(r["local_share_pct"]) else " · " + _("{pct}% local", pct=local)
        status = term("chain_status", r["status"], lang)
        fig.add_annotation(x=x, y=y, text=f"<b>{name}</b><br>{status} · {firms}{share}", showarrow=False,
                           font=dict(color="white", size=11))
    for status, colour in STATUS_COLOURS.items():  # hover and legend: one point a link
        part = links[links["status"] == status]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(x=[pos[i][0] for i in part["link_id"]], y=[pos[i][1] for i in part["link_id"]],
                                 mode="markers", name=term("chain_status", status, lang),
                                 marker=dict(size=14, symbol="square", color=colour, opacity=0.01),
                                 hovertext=part["evidence_zh" if zh else "evidence_en"], hoverinfo="text"))
    for x, stage in enumerate(stages):
        fig.add_annotation(x=x, y=0.75, text=f"<b>{term('chain_stage', stage, lang)}</b>", showarrow=False,
                           font=dict(size=14))
    fig.update_xaxes(visible=False, range=[-0.5, 2.5])
    fig.update_yaxes(visible=False, range=[-depth - 0.6, 1.0])
    fig.update_layout(title=title, height=180 + 90 * (depth + 1), showlegend=False, **_LAYOUT)
    return fig


def supply_network_figure(graph, region_id: str, title: str, seed: int = 3, lang: str = "zh") -> go.Figure:
    """Suppliers → buyers, local firms red, outside suppliers grey, edges by value bought."""
    import networkx as nx

    _ = translator(lang)
    pos = nx.spring_layout(graph, seed=seed, weight=None)
    fig = go.Figure()
    top = max((d["amount"] for _, _, d in graph.edges(data=True)), default=1.0)
    for a, b, d in graph.edges(data=True):
        fig.add_trace(go.Scatter(x=[pos[a][0], pos[b][0]], y=[pos[a][1], pos[b][1]], mode="lines",
                                 line=dict(width=0.5 + 6 * d["amount"] / top, color="#9bb7d4"),
                                 hoverinfo="skip", showlegend=False))
    for local, name, colour in ((True, _("local firms"), "#c0392b"), (False, _("outside suppliers"), "#7f8c8d")):
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


def distance_curve_figure(curve, title: str = "K-density", lang: str = "zh") -> go.Figure:
    """A K-density (or M) curve (``measures.DistanceCurve``) with its local and global bands."""
    _ = translator(lang)
    fig = go.Figure()
    level = f"{1 - curve.alpha:.0%}"
    if curve.global_hi is not None:
        fig.add_trace(go.Scatter(x=np.r_[curve.r, curve.r[::-1]], y=np.r_[curve.global_hi, curve.global_lo[::-1]],
                                 fill="toself", line=dict(width=0), fillcolor="rgba(150,150,150,0.3)",
                                 name=_("global {level} band", level=level), hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=curve.r, y=curve.local_hi, line=dict(dash="dot", color="#888"),
                                 name=_("pointwise {level} band", level=level)))
        fig.add_trace(go.Scatter(x=curve.r, y=curve.local_lo, line=dict(dash="dot", color="#888"),
                                 showlegend=False))
    fig.add_trace(go.Scatter(x=curve.r, y=curve.observed, line=dict(color="#c0392b", width=2), name=curve.measure))
    fig.update_layout(title=title, xaxis_title=_("distance ({unit})", unit=curve.unit), yaxis_title=curve.measure,
                      height=380, **_LAYOUT)
    return fig


def firm_clusters_figure(clusters, parks: pd.DataFrame | None = None, title: str | None = None,
                         lang: str = "zh") -> go.Figure:
    """Firm clusters (``measures.FirmClusters``): their footprints over the parks, the firms
    inside and outside parks."""
    _ = translator(lang)
    title = title or _("Firm clusters and parks")
    fig = go.Figure()
    for _i, p in (parks if parks is not None else pd.DataFrame()).iterrows():
        if not isinstance(p.get("boundary"), str) or not p["boundary"]:
            continue
        for ring in _polygons(p["boundary"]):
            fig.add_trace(go.Scatter(x=ring[:, 0], y=ring[:, 1], mode="lines", fill="toself",
                                     name=str(p.get("name", "")), opacity=0.35, line=dict(width=1),
                                     hoverinfo="name", legendgroup="parks"))
    for _i, c in clusters.clusters.iterrows():
        if not isinstance(c["footprint"], str):
            continue
        for ring in _polygons(c["footprint"]):
            fig.add_trace(go.Scatter(x=ring[:, 0], y=ring[:, 1], mode="lines",
                                     line=dict(width=2, dash="dash", color="#c0392b"),
                                     name=(f"{c['industry']} " if "industry" in c else "") + _("cluster {n}", n=c["cluster"]),
                                     hoverinfo="name"))
    f = clusters.firms
    inside = f["park"].notna()
    noise = _("not in a cluster")
    for mask, label, colour in ((inside, _("firms in a park"), "#2c7fb8"),
                                (~inside, _("firms outside the parks"), "#e67e22")):
        fig.add_trace(go.Scatter(x=f.loc[mask, clusters.x], y=f.loc[mask, clusters.y], mode="markers",
                                 name=label, marker=dict(size=7, color=colour, line=dict(width=0.5, color="#333")),
                                 text=f.loc[mask, "cluster"].map(lambda c: _("cluster {n}", n=c) if c >= 0 else noise),
                                 hovertemplate="%{text}<extra></extra>"))
    lat0 = float(f[clusters.y].mean()) if len(f) else 30.0
    fig.update_yaxes(scaleanchor="x", scaleratio=1 / np.cos(np.radians(lat0)))
    fig.update_layout(title=title, height=560, xaxis_title=_("longitude °E"), yaxis_title=_("latitude °N"), **_LAYOUT)
    return fig


QUADRANT_COLOURS = {"strength": "#1e8449", "weakness": "#d68910", "opportunity": "#2874a6", "threat": "#7f8c8d"}


def quadrant_chart(q: pd.DataFrame, title: str, lang: str = "zh", labelled: int = 12) -> go.Figure:
    """Relative presence (RCA) against relatedness density, one point an industry, the four
    quadrants (strength, weakness, opportunity, threat) coloured and their cuts drawn; the
    ``labelled`` industries of highest RCA or density named."""
    _ = translator(lang)
    names = pd.Series(_industry_names(q["industry"], lang), index=q.index)
    shown = set(q["rca"].nlargest(labelled // 2).index) | set(q["density"].nlargest(labelled // 2).index)
    # industries at one point share one label, so the names do not print over each other
    sep = "、" if lang == "zh" else ", "
    at = q[["density", "rca"]].round(6).apply(tuple, axis=1)
    label = {}
    for point, idx in q.groupby(at).groups.items():
        idx = [i for i in idx if i in shown]
        for k, i in enumerate(idx):
            label[i] = sep.join(names[j] for j in idx) if k == 0 else ""
    xmax = float(q["density"].max()) if len(q) else 1.0
    fig = go.Figure()
    for quadrant, colour in QUADRANT_COLOURS.items():
        part = q[q["quadrant"] == quadrant]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["density"], y=part["rca"], mode="markers+text", name=term("quadrant", quadrant, lang),
            text=[label.get(i, "") for i in part.index],
            # names of points on the right run leftwards, inside the plot
            textposition=["top left" if x > 0.6 * xmax else "top center" for x in part["density"]],
            textfont=dict(size=10), hovertext=[names[i] for i in part.index],
            hovertemplate="%{hovertext}<br>RCA %{y:.2f}<br>" + _("relatedness density") + " %{x:.3f}<extra></extra>",
            marker=dict(size=11, color=colour, line=dict(width=0.5, color="#333"))))
    cut = float(q["density_cut"].iloc[0]) if len(q) else 0.0
    fig.add_hline(y=1.0, line_dash="dash", line_color="#888")
    fig.add_vline(x=cut, line_dash="dash", line_color="#888")
    fig.update_xaxes(title=_("relatedness density"))
    fig.update_yaxes(title=_("relative presence (RCA)"))
    fig.update_layout(title=title, height=480, **_LAYOUT)
    return fig


def spinoff_tree(links: pd.DataFrame, title: str, lang: str = "zh") -> go.Figure:
    """The spin-off genealogy as trees: each parent left of its spin-offs (one column a
    generation), lines parent → child, the founding year on hover."""
    import networkx as nx

    _ = translator(lang)
    g = nx.DiGraph()
    names = {}
    for r in links.itertuples():
        g.add_edge(r.parent_id, r.child_id)
        names[r.parent_id], names[r.child_id] = r.parent, r.child
    year = dict(zip(links["child_id"], links["founded_year"]))
    pos, row = {}, 0
    for root in sorted((n for n in g if g.in_degree(n) == 0), key=lambda n: names[n]):
        for node in nx.dfs_preorder_nodes(g, root):  # each child below the previous one
            pos[node] = (len(nx.ancestors(g, node)), -row)
            row += 1
    fig = go.Figure()
    for a, b in g.edges:
        fig.add_trace(go.Scatter(x=[pos[a][0], pos[b][0]], y=[pos[a][1], pos[b][1]], mode="lines",
                                 line=dict(color="#9bb7d4", width=2), hoverinfo="skip", showlegend=False))
    nodes = list(pos)
    founded = _("founded {year}")
    fig.add_trace(go.Scatter(
        x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes], mode="markers+text",
        text=[names[n] for n in nodes], textposition="middle right", showlegend=False,
        hovertext=[names[n] + ("" if pd.isna(year.get(n)) else "<br>" + founded.format(year=int(year[n])))
                   for n in nodes], hoverinfo="text",
        marker=dict(size=14, color=["#c0392b" if g.in_degree(n) == 0 else "#2874a6" for n in nodes])))
    fig.update_xaxes(visible=False, range=[-0.3, max((p[0] for p in pos.values()), default=0) + 1.2])
    fig.update_yaxes(visible=False)
    fig.update_layout(title=title, height=160 + 40 * max(row, 2), **_LAYOUT)
    return fig
