"""The ledger of a chain in a region (产业链台账): what a chain office (链长制) works from each week.

For each link of the chain's template: the region's firms in it (by what they make, else by
their GB/T 4754 code), their output, the leading firms among them, what the chain's firms buy
of it and how much of that locally, and — where an input-output table is given — the leakage
the table shows. Each link is classified, with the evidence in words:

- 强链 (``strong``): local firms and a leading firm among them, and no sign of leakage;
- 补链 (``fill``): missing or weak where the chain needs it — the chain's firms buy it mostly
  from outside the region (under ``WEAK_SHARE`` % locally), or it has no local firm while the
  chain buys it or the input-output table shows it leaking, or it is one of the chain's own
  (midstream) products and nobody makes it here;
- 延链 (``extend``): linked up- or downstream, not present yet, and not bought today;
- 在链 (``present``): present, neither strong nor leaking.

With them: the leading firms (链主) and their local supporting rate by year against the targets
(40 % then 50 % in the Changsha text), outside firms to attract for each 补链/延链 link ranked
with their reasons, and the projects of the pipeline that fill a link.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.analyses.chains.templates import STAGE_ZH, STAGES, ChainLink, ChainTemplate
from clusteratlas.analyses.valuechain import local_supporting_rate, sector_divisions
from clusteratlas.classify import GBT4754
from clusteratlas.faces.terms import chinese, term

STATUS_ZH = chinese("chain_status")
STATUS_EN = {k: term("chain_status", k, "en") for k in STATUS_ZH}
WEAK_SHARE = 50.0  # % bought locally below which the chain's purchases of a link show leakage
# how a candidate's score is made (the weights sum to 1)
SCORE_WEIGHTS = {"fit": 0.35, "supplies": 0.30, "size": 0.20, "near": 0.10, "relation": 0.05}

LINK_COLUMNS = ["link_id", "stage", "stage_zh", "name_zh", "name_en", "codes", "firms", "leading_firms",
                "output", "purchases", "local_purchases", "outside_purchases", "local_share_pct",
                "io_leakage", "io_local_share_pct", "status", "status_zh", "status_en", "evidence_zh",
                "evidence_en"]


@dataclass(frozen=True)
class ChainLedger:
    """A chain's ledger in a region: ``links`` (one row a link, classified with evidence),
    ``firms`` (firm × link: how the firm was placed), ``leaders`` (链主), ``supporting_rates``
    (the leaders' local supporting rate by year, with the gap to each of ``rate_targets``),
    ``targets`` (candidates for 补链/延链 links, ranked, with reasons) and ``projects`` (the
    pipeline's projects by the link they fill). Money in CNY; ``purchases_year``: the year of
    the purchase records the evidence rests on (None: none recorded)."""

    chain: ChainTemplate
    region: str
    year: int
    links: pd.DataFrame
    firms: pd.DataFrame
    leaders: pd.DataFrame
    supporting_rates: pd.DataFrame
    rate_targets: tuple[float, ...]
    targets: pd.DataFrame
    projects: pd.DataFrame
    purchases_year: int | None


def chain_ledger(chain: ChainTemplate, firms: pd.DataFrame, firm_years: pd.DataFrame,
                 supply_links: pd.DataFrame, region_id: str, year: int, *,
                 projects: pd.DataFrame | None = None, candidates: pd.DataFrame | None = None,
                 supplier_profiles: pd.DataFrame | None = None, io_gaps: pd.DataFrame | None = None,
                 rate_targets: tuple[float, ...] = (40.0, 50.0)) -> ChainLedger:
    """The ledger of ``chain`` in ``region_id`` for full year ``year`` (output; the purchase
    records of the latest year up to it). ``io_gaps``: ``analyses.valuechain.chain_gaps`` of
    the chain's core divisions, for the input-output evidence (optional)."""
    region_firms = firms[firms["region_id"] == region_id]
    output = _full_year(firm_years, year)
    placed = _place_firms(chain, region_firms, supply_links, supplier_profiles)
    placed["output"] = placed["firm_id"].map(output)
    in_chain = set(placed["firm_id"]) | set(region_firms.loc[region_firms["industry_code"].map(chain.in_core), "firm_id"])
    purchases, p_year = _purchases(chain, supply_links, firms, placed, in_chain, region_id, year)
    leaders = _leaders(chain, region_firms, placed, output)
    rows = []
    for lk in chain.links:
        here = placed[placed["link_id"] == lk.id]
        bought = purchases[purchases["link_id"] == lk.id]
        io = _io_evidence(lk, io_gaps)
        rows.append(_classify(lk, here, bought, io, year, p_year))
    links = pd.DataFrame(rows, columns=LINK_COLUMNS)
    rates = local_supporting_rate(firms[firms["firm_id"].isin(leaders["firm_id"])], firm_years, supply_links,
                                  region_id, targets=rate_targets)
    # full years up to the ledger's: a year still running has only the contracts recorded so far,
    # whose sum would be taken for all the firm bought (one contract: 100 %)
    rates = rates[rates["year"] <= year].reset_index(drop=True)
    to_attract = _rank_candidates(chain, links, candidates, supply_links, firms, region_id)
    filling = _projects_by_link(chain, projects)
    return ChainLedger(chain, region_id, year, links, placed, leaders, rates, tuple(rate_targets), to_attract,
                       filling, p_year)


def _full_year(firm_years: pd.DataFrame, year: int) -> pd.Series:
    fy = firm_years[(firm_years["year"] == year) & (firm_years["month_to"] == 12)]
    return fy.set_index("firm_id")["output"]


def _place_firms(chain: ChainTemplate, region_firms: pd.DataFrame, supply_links: pd.DataFrame,
                 profiles: pd.DataFrame | None) -> pd.DataFrame:
    """Each firm of the region in the links it works in: those its products name (its supplier
    profile, what it sells), among those its code allows — by code alone where nothing says
    what it makes, and by product alone where its code lies outside the link's."""
    made: dict[str, list[str]] = {}
    if profiles is not None and len(profiles):
        for f, p in zip(profiles["supplier_id"], profiles["products"]):
            made.setdefault(f, []).append(str(p))
    sold = supply_links.dropna(subset=["supplier_id"])
    for f, p in zip(sold["supplier_id"], sold["product"]):
        made.setdefault(f, []).append(str(p))
    rows = []
    for f in region_firms.itertuples(index=False):
        code = f.industry_code if isinstance(f.industry_code, str) else None
        words = ";".join(made.get(f.firm_id, []))
        by_code = [lk for lk in chain.links if lk.holds_code(code)]
        by_product = [lk for lk in chain.links if words and lk.names_product(words)]
        both = [lk for lk in by_code if lk in by_product]
        if both:
            chosen, how = both, "code and product"
        elif by_code and not words:
            chosen, how = by_code, "code" if len(by_code) == 1 else f"code (one of {len(by_code)} links)"
        elif by_code and len(by_code) == 1:
            chosen, how = by_code, "code"
        elif by_product:
            chosen, how = by_product, "product"
        else:
            chosen, how = by_code, f"code (one of {len(by_code)} links)"
        for lk in chosen:
            rows.append({"link_id": lk.id, "firm_id": f.firm_id, "name": f.name, "park_id": f.park_id,
                         "industry_code": code, "is_leading": bool(f.is_leading) if pd.notna(f.is_leading) else False,
                         "placed_by": how})
    return pd.DataFrame(rows, columns=["link_id", "firm_id", "name", "park_id", "industry_code", "is_leading",
                                       "placed_by"])


def _purchases(chain, supply_links, firms, placed, in_chain, region_id, year):
    """The chain's firms' purchases of each link in the latest recorded year up to ``year``:
    a purchase is of a link when its product names the link or its supplier (a firm of the
    region) works in it; local when the supplier is in the region."""
    cols = ["link_id", "buyer_id", "supplier_id", "supplier_name", "supplier_region_id", "amount", "local"]
    bought = supply_links[supply_links["buyer_id"].isin(in_chain) & (supply_links["year"] <= year)]
    if bought.empty:
        return pd.DataFrame(columns=cols), None
    p_year = int(bought["year"].max())
    bought = bought[bought["year"] == p_year]
    f_region = firms.set_index("firm_id")["region_id"]
    works_in = placed.groupby("firm_id")["link_id"].agg(set).to_dict()
    rows = []
    for b in bought.itertuples(index=False):
        local = (f_region.get(b.supplier_id) if isinstance(b.supplier_id, str) else None) == region_id or \
            b.supplier_region_id == region_id
        for lk in chain.links:
            if lk.names_product(b.product) or lk.id in works_in.get(b.supplier_id, ()):
                rows.append({"link_id": lk.id, "buyer_id": b.buyer_id, "supplier_id": b.supplier_id,
                             "supplier_name": b.supplier_name, "supplier_region_id": b.supplier_region_id,
                             "amount": float(b.amount), "local": bool(local)})
                break  # a purchase counts once, for the first link (upstream first) that names it
    return pd.DataFrame(rows, columns=cols), p_year


def _leaders(chain, region_firms, placed, output) -> pd.DataFrame:
    """The chain's leading firms (链主): the region's leading firms of its core codes or placed
    in its links."""
    lead = region_firms[region_firms["is_leading"].fillna(False).astype(bool)]
    mine = lead[lead["industry_code"].map(chain.in_core) | lead["firm_id"].isin(placed["firm_id"])]
    out = mine[["firm_id", "name", "park_id", "industry_code"]].copy()
    out["output"] = out["firm_id"].map(output)
    return out.sort_values("output", ascending=False, na_position="last", ignore_index=True)


def _io_evidence(lk: ChainLink, io_gaps: pd.DataFrame | None) -> dict:
    """The input-output table's view of the sectors holding the link's divisions."""
    if io_gaps is None or io_gaps.empty:
        return {}
    divisions = {GBT4754.division_of(c) for c in lk.codes}
    hit = io_gaps[io_gaps["sector"].map(lambda s: bool(divisions & set(sector_divisions(s))))]
    if hit.empty:
        return {}
    bought, local = float(hit["purchases"].sum()), float(hit["local_purchases"].sum())
    return {"sectors": list(hit["sector"]), "leakage": float(hit["leakage"].sum()),
            "local_share_pct": local / bought * 100 if bought else np.nan, "gap": bool(hit["gap"].any())}


def _wan(amount: float) -> str:
    """CNY as 万元 in words for the evidence (1 decimal)."""
    return f"{amount / 1e4:,.1f} 万元"


def _classify(lk: ChainLink, here: pd.DataFrame, bought: pd.DataFrame, io: dict, year: int, p_year) -> dict:
    firms_n = int(here["firm_id"].nunique())
    leaders = sorted(set(here.loc[here["is_leading"], "name"]))
    output = float(here.drop_duplicates("firm_id")["output"].sum(min_count=1)) if firms_n else 0.0
    purchases = float(bought["amount"].sum()) if len(bought) else 0.0
    local = float(bought.loc[bought["local"], "amount"].sum()) if len(bought) else 0.0
    share = local / purchases * 100 if purchases else np.nan
    leaking = purchases > 0 and share < WEAK_SHARE
    io_leaks = bool(io.get("gap")) and io.get("leakage", 0) > 0
    if firms_n and leaders and not leaking:
        status = "strong"
    elif lk.stage != "downstream" and (leaking or (firms_n == 0 and (purchases > 0 or io_leaks or lk.stage == "midstream"))):
        status = "fill"
    elif firms_n == 0:
        status = "extend"
    else:
        status = "present"
    zh, en = [], []
    if firms_n:
        shown = "、".join(here.drop_duplicates("firm_id").sort_values("output", ascending=False)["name"].head(3))
        zh.append(f"本地企业 {firms_n} 家（{shown}{'等' if firms_n > 3 else ''}）"
                  + (f"，{year}年产值 {_wan(output)}" if not math.isnan(output) else ""))
        en.append(f"{firms_n} local firm(s) ({shown}{', …' if firms_n > 3 else ''})"
                  + (f", output CNY {output / 1e6:,.1f}m in {year}" if not math.isnan(output) else ""))
        if leaders:
            zh.append(f"链主/龙头：{'、'.join(leaders)}")
            en.append(f"leading firm(s): {', '.join(leaders)}")
    else:
        zh.append("本地无企业")
        en.append("no local firm")
    if purchases:
        outside = bought[~bought["local"]].groupby("supplier_name")["amount"].sum().sort_values(ascending=False)
        who = "、".join(outside.index[:2])
        zh.append(f"链上企业{p_year}年采购 {_wan(purchases)}，本地配套 {share:.0f}%"
                  + (f"，外购主要来自{who}" if len(outside) else ""))
        en.append(f"the chain's firms bought CNY {purchases / 1e6:,.1f}m in {p_year}, {share:.0f}% locally"
                  + (f"; from outside chiefly {', '.join(outside.index[:2])}" if len(outside) else ""))
    elif p_year is not None:
        zh.append(f"{p_year}年采购记录中未见")
        en.append(f"not among the {p_year} purchase records")
    if io:
        zh.append(f"投入产出表：{'、'.join(io['sectors'])} 外购漏出 {_wan(io['leakage'])}，本地 {io['local_share_pct']:.0f}%")
        en.append(f"input-output table: {', '.join(io['sectors'])} leaks CNY {io['leakage'] / 1e6:,.1f}m, "
                  f"{io['local_share_pct']:.0f}% local")
    return {"link_id": lk.id, "stage": lk.stage, "stage_zh": STAGE_ZH[lk.stage], "name_zh": lk.name_zh,
            "name_en": lk.name_en, "codes": ", ".join(lk.codes), "firms": firms_n,
            "leading_firms": "、".join(leaders), "output": output if firms_n else 0.0, "purchases": purchases,
            "local_purchases": local, "outside_purchases": purchases - local, "local_share_pct": share,
            "io_leakage": io.get("leakage", np.nan), "io_local_share_pct": io.get("local_share_pct", np.nan),
            "status": status, "status_zh": STATUS_ZH[status], "status_en": STATUS_EN[status],
            "evidence_zh": "；".join(zh), "evidence_en": "; ".join(en)}


TARGET_COLUMNS = ["link_id", "link_zh", "rank", "candidate_id", "name", "industry_code", "products", "revenue",
                  "location", "score", "reasons_zh", "reasons_en"]


def _rank_candidates(chain, links, candidates, supply_links, firms, region_id) -> pd.DataFrame:
    """For each 补链/延链 link, the candidates that make what it lacks, ranked by a score of fit
    (code and products), what they already sell to the region's firms from outside (a plant
    here would keep it local), size (revenue, log scale, within the link's list), nearness (same
    province) and a stated relation to local firms (``SCORE_WEIGHTS``); with the reasons."""
    if candidates is None or candidates.empty:
        return pd.DataFrame(columns=TARGET_COLUMNS)
    names = firms.set_index("firm_id")["name"]
    outside = supply_links[supply_links["supplier_name"].notna()]
    outside = outside[outside["supplier_region_id"] != region_id]
    sold = outside.groupby("supplier_name").apply(
        lambda d: d.sort_values("year").groupby("buyer_id").last()[["year", "amount"]], include_groups=False)
    rows = []
    for lk in chain.links:
        status = links.set_index("link_id").at[lk.id, "status"]
        if status not in ("fill", "extend"):
            continue
        fit = []
        for c in candidates.itertuples(index=False):
            code_fit = lk.holds_code(c.industry_code if isinstance(c.industry_code, str) else None)
            product_fit = lk.names_product(c.products)
            if code_fit or product_fit:
                fit.append((c, 1.0 if code_fit and product_fit else 0.7 if code_fit else 0.6, code_fit, product_fit))
        if not fit:
            continue
        revenue = np.array([float(c.revenue) if pd.notna(c.revenue) and c.revenue > 0 else np.nan for c, *_ in fit])
        logs = np.log10(revenue)
        lo, hi = np.nanmin(logs) if np.isfinite(logs).any() else 0, np.nanmax(logs) if np.isfinite(logs).any() else 0
        scored = []
        for (c, f, code_fit, product_fit), lg in zip(fit, logs):
            zh, en = [], []
            zh.append("行业代码与产品均对口" if code_fit and product_fit else "行业代码对口" if code_fit else "主要产品对口")
            en.append("code and products fit" if code_fit and product_fit else "code fits" if code_fit else "products fit")
            supplies = 0.0
            if c.name in sold.index.get_level_values(0):
                s = sold.loc[c.name]
                total = float(s["amount"].sum())
                buyers = "、".join(str(names.get(b, b)) for b in s.index)
                supplies = 1.0
                zh.append(f"已向{buyers}外供 {_wan(total)}（{int(s['year'].max())}年）：就近设厂可把这笔采购留在本地")
                en.append(f"already sells CNY {total / 1e6:,.1f}m a year to {buyers} from outside "
                          f"({int(s['year'].max())}): a plant here would keep it local")
            size = (lg - lo) / (hi - lo) if np.isfinite(lg) and hi > lo else (1.0 if np.isfinite(lg) else 0.0)
            if np.isfinite(lg):
                zh.append(f"营业收入 {_wan(float(c.revenue))}")
                en.append(f"revenue CNY {float(c.revenue) / 1e6:,.0f}m")
            near = 1.0 if isinstance(c.location_id, str) and c.location_id[:2] == region_id[:2] else 0.0
            if near:
                zh.append(f"同省（{c.location}）")
                en.append(f"same province ({c.location})")
            relation = 1.0 if isinstance(c.relation, str) and c.relation.strip() else 0.0
            if relation:
                zh.append(f"关系：{c.relation}")
                en.append(f"relation: {c.relation}")
            w = SCORE_WEIGHTS
            score = w["fit"] * f + w["supplies"] * supplies + w["size"] * size + w["near"] * near + w["relation"] * relation
            scored.append({"link_id": lk.id, "link_zh": lk.name_zh, "candidate_id": c.candidate_id, "name": c.name,
                           "industry_code": c.industry_code, "products": c.products, "revenue": c.revenue,
                           "location": c.location, "score": round(score, 4), "reasons_zh": "；".join(zh),
                           "reasons_en": "; ".join(en)})
        scored.sort(key=lambda r: (-r["score"], r["candidate_id"]))
        for i, r in enumerate(scored, start=1):
            rows.append({**r, "rank": i})
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


PROJECT_COLUMNS = ["link_id", "link_zh", "project_id", "name", "stage", "industry_code", "contracted_investment",
                   "funds_in_place", "signed_date", "matched_by"]


def _projects_by_link(chain, projects) -> pd.DataFrame:
    """Each project of the pipeline under the one link it fills: the link its name names (the
    first, upstream first), else the link whose code matches its industry code most closely."""
    if projects is None or projects.empty:
        return pd.DataFrame(columns=PROJECT_COLUMNS)
    order = {s: i for i, s in enumerate(STAGES)}
    links = sorted(chain.links, key=lambda lk: order[lk.stage])
    rows = []
    for p in projects.itertuples(index=False):
        named = [lk for lk in links if lk.names_product(p.name)]
        code = p.industry_code if isinstance(p.industry_code, str) else ""
        if named:
            lk, how = named[0], "name"
        else:
            depth = [(max((len(c) for c in lk.codes if code.startswith(c)), default=0), -i, lk)
                     for i, lk in enumerate(links)]
            best = max(depth, key=lambda t: (t[0], t[1]))
            if best[0] == 0:
                continue
            lk, how = best[2], "code"
        rows.append({"link_id": lk.id, "link_zh": lk.name_zh, "project_id": p.project_id, "name": p.name,
                     "stage": p.stage, "industry_code": code, "contracted_investment": getattr(p, "contracted_investment", np.nan),
                     "funds_in_place": getattr(p, "funds_in_place", np.nan), "signed_date": getattr(p, "signed_date", None),
                     "matched_by": how})
    return pd.DataFrame(rows, columns=PROJECT_COLUMNS)
