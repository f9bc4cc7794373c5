"""The tables the report and the dashboard show, once: which columns, under which header, of which
kind (``report.html_tables`` writes a page's, ``report.workbook`` a workbook's), and the small
steps that put names where the data hold codes (an industry, a park, a status) in the reader's
language. A column spec is key → (English header, the catalogue's msgid; kind)."""

from __future__ import annotations

import pandas as pd

from clusteratlas.faces import N_, translator
from clusteratlas.faces.numbers import MISSING, money_text, number
from clusteratlas.faces.terms import term

INDUSTRY_NAME = {"industry_name": (N_("Industry"), "name")}

BY_INDUSTRY = {"division": (N_("Code"), "text"), **INDUSTRY_NAME, "firms": (N_("Firms"), "int"),
               "output": (N_("Output"), "wan"), "share_pct": (N_("Share"), "pct"),
               "growth_pct": (N_("Growth on the year before"), "pct"), "value_added": (N_("Value added"), "wan"),
               "tax_paid": (N_("Taxes paid"), "wan"), "output_per_mu": (N_("Output per mu"), "wan"),
               "disclosure": (N_("Disclosure"), "text")}
BY_PARK = {"name": (N_("Park"), "name"), "firms": (N_("Firms"), "int"), "output": (N_("Output"), "wan"),
           "share_pct": (N_("Share"), "pct"), "growth_pct": (N_("Growth on the year before"), "pct"),
           "land_mu": (N_("Land"), "mu"), "land_use_pct": (N_("Land in use"), "pct"),
           "output_per_mu": (N_("Output per mu"), "wan"), "tax_per_mu": (N_("Taxes per mu"), "wan"),
           "disclosure": (N_("Disclosure"), "text")}
LQ = {**INDUSTRY_NAME, "output": (N_("Output"), "wan"), "share_pct": (N_("Share"), "pct"),
      "lq": (N_("LQ"), "score"), "lq_previous": (N_("LQ a year before"), "score"),
      "lq_symmetric": (N_("Symmetric LQ (LQ−1)/(LQ+1)"), "score"),
      "growth_pct": (N_("Growth on the year before"), "pct")}
AGGLOMERATION = {**INDUSTRY_NAME, "n_firms": (N_("Firms"), "int"), "H": (N_("Plant Herfindahl H"), "index"),
                 "gamma": (N_("EG γ"), "index"), "gamma_p": (N_("EG p (dartboard)"), "index"),
                 "gamma_ms": (N_("MS γ"), "index"), "gamma_ms_p": (N_("MS p (dartboard)"), "index")}
K_DENSITY = {**INDUSTRY_NAME, "n_firms": (N_("Firms"), "int"), "rmax_km": (N_("Distances up to"), "km"),
             "bandwidth_km": (N_("Bandwidth (km)"), "score"), "gamma": (N_("Γ localisation"), "index"),
             "psi": (N_("Ψ dispersion"), "index"), "verdict_text": (N_("Verdict"), "status")}
FOOTPRINTS = {**INDUSTRY_NAME, "cluster": (N_("Cluster"), "int"), "n_firms": (N_("Firms"), "int"),
              "output": (N_("Output"), "wan"), "employment": (N_("Employment"), "int"),
              "area_km2": (N_("Area (km²)"), "score"), "area_in_parks_pct": (N_("Area in parks"), "pct"),
              "firms_in_parks": (N_("Firms in parks"), "int"), "firms_outside_parks": (N_("Firms outside parks"), "int"),
              "main_park_name": (N_("Main park"), "name")}
OPPORTUNITIES = {"rank": (N_("Rank"), "int"), **INDUSTRY_NAME, "score": (N_("Score"), "score"),
                 "density": (N_("Relatedness density"), "score"), "cog": (N_("Outlook gain (COG)"), "score"),
                 "pci": (N_("Complexity (PCI)"), "score"), "reason_text": (N_("Why"), "text")}
TARGETS = {"label": (N_("Target"), "name"), "target_year": (N_("Year"), "year"),
           "target_text": (N_("Target value"), "text"), "actual_text": (N_("Actual"), "text"),
           "growth_so_far_pct": (N_("Growth so far"), "pct"), "required_growth_pct": (N_("Growth needed"), "pct"),
           "status_text": (N_("Status"), "status")}
GAPS = {"sector_name": (N_("Sector"), "name"), "purchases": (N_("Purchases"), "wan"),
        "leakage": (N_("Bought outside"), "wan"), "local_share_pct": (N_("Bought locally"), "pct"),
        "firms": (N_("Local firms"), "int"), "lq": (N_("LQ"), "score"), "gap_text": (N_("Gap"), "status")}
SCORECARD = {"indicator_name": (N_("Indicator"), "name"), "value": (N_("Measured value"), "score"),
             "unit": (N_("Unit"), "text"), "threshold": (N_("Threshold"), "text"),
             "result_text": (N_("Result"), "status"), "verified_text": (N_("Threshold checked against the standard"), "text")}
NEEDS = {"need_id": (N_("No."), "text"), "buyer_name": (N_("Buyer"), "name"), "product": (N_("Product"), "text"),
         "specification": (N_("Specification"), "text"), "annual_value": (N_("Annual purchases"), "wan"),
         "delivery_radius_km": (N_("Delivery radius"), "km")}
CANDIDATES = {"rank": (N_("Rank"), "int"), "supplier_name": (N_("Supplier"), "name"), "score": (N_("Score"), "score"),
              "category": (N_("Category match"), "score"), "text": (N_("Text similarity"), "score"),
              "distance_km": (N_("Distance"), "km"), "capacity": (N_("Capacity"), "score"),
              "certifications": (N_("Certifications"), "score"), "reason_text": (N_("Why"), "text")}

AWARDS_BY_RULE = {"clause": (N_("Clause"), "text"), "title": (N_("Award"), "name"),
                  "entities": (N_("Recipients"), "int"), "amount": (N_("Amount"), "wan"),
                  "withheld_text": (N_("Withheld"), "text")}
AWARDS_BY_PAYER = {"payer_name": (N_("Paid by"), "name"), "amount": (N_("Amount"), "wan")}

CHAIN_LINKS = {"stage_text": (N_("Stage"), "stage"), "name": (N_("Link"), "name"),
               "status_text": (N_("Status"), "status"), "firms": (N_("Local firms"), "int"),
               "evidence": (N_("Evidence"), "text")}
TASKS = {"task_id": (N_("No."), "int"), "title": (N_("Task"), "text"), "owner": (N_("Owner"), "name"),
         "due_date": (N_("Due"), "date"), "status_text": (N_("Status"), "status")}
INBOX_TASKS = {"task_id": (N_("No."), "int"), "chain": (N_("Chain"), "name"), "title": (N_("Task"), "text"),
               "owner": (N_("Owner"), "name"), "due_date": (N_("Due"), "date"), "status_text": (N_("Status"), "status")}
CHAIN_TARGETS = {"link": (N_("Link"), "name"), "rank": (N_("Rank"), "int"), "name": (N_("Firm"), "name"),
                 "reasons": (N_("Why"), "text")}
DESK_REPORT = {"department": (N_("Department"), "name"), "park_name": (N_("Park"), "name"),
               "filed": (N_("Filed"), "int"), "open": (N_("Open"), "int"), "overdue": (N_("Overdue"), "int"),
               "answered": (N_("Answered"), "int"), "median_response_hours": (N_("Median hours to an answer"), "score"),
               "mean_response_hours": (N_("Mean hours to an answer"), "score")}

STRONG = {"region_name": (N_("Region"), "name"), **INDUSTRY_NAME, "output": (N_("Output"), "wan"),
          "lq": (N_("LQ"), "score"), "establishments": (N_("Firms"), "int")}
SHIFT_SHARE = {**INDUSTRY_NAME, "change": (N_("Change"), "wan"), "national_share": (N_("National growth"), "wan"),
               "industry_mix": (N_("Industry mix"), "wan"), "competitive": (N_("Competitive share"), "wan"),
               "net_competitive": (N_("Net competitive effect"), "wan"), "allocation": (N_("Allocation effect"), "wan")}
TIERS = {"period": (N_("Period"), "text"), "firms": (N_("Firms"), "int"),
         "over_1e9": (N_("Output over CNY 1bn"), "int"), "over_1e8": (N_("Output over CNY 100m"), "int"),
         "over_5e7": (N_("Output over CNY 50m"), "int")}
CORE_FIRMS = {"industry_name": (N_("Industry"), "name"), "firms": (N_("Firms"), "int"),
              "core_share_pct": (N_("Share of the three largest firms"), "pct")}
SUPPORTING_RATES = {"name": (N_("Leading firm"), "name"), "year": (N_("Year"), "year"),
                    "purchases": (N_("Purchases"), "wan"), "local": (N_("Bought locally"), "wan"),
                    "rate_pct": (N_("Local supporting rate"), "pct"), "park_rate_pct": (N_("Bought in its park"), "pct"),
                    "gap_to_40_points": (N_("Points short of 40%"), "score"),
                    "gap_to_50_points": (N_("Points short of 50%"), "score")}
IMPACT = {"effect_text": (N_("Effect"), "text"), "output": (N_("Output"), "wan"),
          "value_added": (N_("Value added"), "wan"), "jobs": (N_("Jobs"), "int")}
BUYERS = {"name": (N_("Buyer"), "name"), "purchases": (N_("Purchases"), "wan"),
          "local_share_pct": (N_("Bought locally"), "pct"), "suppliers": (N_("Suppliers"), "int"),
          "local_suppliers": (N_("Local suppliers"), "int")}
RISKS = {"name": (N_("Buyer"), "name"), "product": (N_("Product"), "text"), "amount": (N_("Amount"), "wan"),
         "risk_text": (N_("Risk"), "text")}
AWARD_TOTALS = {"clause": (N_("Clause"), "text"), "title": (N_("Award"), "name"),
                "entities": (N_("Recipients"), "int"), "amount": (N_("Amount"), "wan")}
DATASETS = {"dataset_id": (N_("No."), "int"), "source_name": (N_("File"), "text"), "sha": (N_("SHA-256"), "text"),
            "imported": (N_("Imported at"), "text"), "rows": (N_("Rows"), "text")}

PEERS = {"rank": (N_("Rank"), "int"), "region_name": (N_("Region"), "name"), "size": (N_("Output"), "wan"),
         "size_ratio": (N_("Size against the region"), "score"), "similarity": (N_("Similarity of the industry mix"), "score"),
         "distance": (N_("Distance"), "score"), "peer_text": (N_("Peer"), "text")}
PORTFOLIO = {**INDUSTRY_NAME, "value_end": (N_("Output"), "wan"), "share_pct": (N_("Share"), "pct"),
             "lq_start": (N_("LQ at the start"), "score"), "lq_end": (N_("LQ at the end"), "score"),
             "lq_change": (N_("LQ change"), "score"), "cagr_pct": (N_("Growth a year (CAGR)"), "pct"),
             "rd_intensity_pct": (N_("R&D intensity"), "pct"),
             "value_added_per_employee": (N_("Value added per employee"), "wan"),
             "average_wage": (N_("Average wage a year"), "wan"),
             "patents_per_10k": (N_("Patents granted per 10,000 employees"), "score"),
             "traded_text": (N_("Traded or local"), "text"), "class_from_text": (N_("Class from"), "text"),
             "strong_text": (N_("Strong cluster"), "text"),
             "quadrant_text": (N_("Against the peers"), "status")}


PARK_PEERS = {"rank": (N_("Rank"), "int"), "park_name": (N_("Park"), "name"), "size": (N_("Output"), "wan"),
              "size_ratio": (N_("Size against the park"), "score"),
              "similarity": (N_("Similarity of the industry mix"), "score"), "distance": (N_("Distance"), "score"),
              "peer_text": (N_("Peer"), "text")}
PARK_FIGURES = {"park_name": (N_("Park"), "name"), "firms": (N_("Firms"), "int"), "output": (N_("Output"), "wan"),
                "output_per_mu": (N_("Output per mu"), "wan"), "tax_per_mu": (N_("Tax per mu"), "wan"),
                "value_added_per_employee": (N_("Value added per employee"), "wan"),
                "energy_per_10k_output": (N_("Energy per CNY 10k of output (tce)"), "index"),
                "rd_intensity_pct": (N_("R&D intensity"), "pct"), "growth_pct": (N_("Growth on the same months"), "pct")}


def park_peer_rows(view, parks: dict, lang: str) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The peer parks and the figures of a ``ParkPeers`` as their tables show them (the park
    first), and a sentence per indicator: the park's rank among the park and its peers."""
    _ = translator(lang)
    peers = view.peers.assign(park_name=[parks.get(str(p), str(p)) for p in view.peers["park"]],
                              peer_text=[_("peer park") if p else "" for p in view.peers["peer"]])
    figures = view.figures.assign(park_name=[parks.get(str(p), str(p)) for p in view.figures["park_id"]],
                                  _first=view.figures["park_id"] != view.park)
    figures = figures.sort_values(["_first", "output"], ascending=[True, False]).drop(columns="_first")
    said = []
    for r in view.benchmark.itertuples(index=False):
        if pd.isna(r.rank):
            continue
        name = _(PARK_FIGURES[r.indicator][0])
        said.append(_("{indicator}: {rank} of {of}", indicator=name, rank=int(r.rank), of=int(r.ranked)))
    return peers, figures, said


def portfolio_rows(view, regions: dict, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The peers and the portfolio of a ``RegionPortfolio`` as their tables show them: names, and
    traded/local, strong and the quadrant in words."""
    from clusteratlas.faces.terms import yes_no

    _ = translator(lang)
    peers = view.peers.assign(region_name=[regions.get(str(r), str(r)) for r in view.peers["region"]],
                              peer_text=[_("peer") if p else "" for p in view.peers["peer"]])
    q = view.quadrants.set_index("industry")["quadrant"]
    ind = view.portfolio.industries
    ind = with_industry_names(ind[(ind["value_end"] > 0) | (ind["value_start"] > 0)], lang)  # what the region has or had
    traded = ind["traded"] if "traded" in ind else pd.Series(pd.NA, index=ind.index)
    classes = view.classes.set_index("industry") if "source" in view.classes else None
    ind = ind.assign(
        traded_text=[MISSING if pd.isna(t) else (_("traded") if t else _("local")) for t in traded],
        class_from_text=[class_from(classes.loc[i] if classes is not None and i in classes.index else None, lang)
                         for i in ind["industry"]],
        strong_text=[yes_no(bool(s), lang) for s in ind["strong"]],
        quadrant_text=[term("quadrant", q.get(i), lang) if i in q.index else "" for i in ind["industry"]])
    return peers, ind

def class_from(row, lang: str) -> str:
    """Where an industry's traded/local class comes from, in words: computed now, the saved
    classification (who, when) or an override (its reason and who)."""
    _ = translator(lang)
    if row is None or row["source"] == "computed":
        return _("computed now")
    if row["source"] == "saved":
        return _("saved by {author}, {date}").format(author=row["saved_by"], date=str(row["saved_at"])[:10])
    return _("set by {author}: {reason}").format(author=row["override_by"], reason=row["reason"])


SPINOFF_CLUSTERS = {"cluster_name": (N_("Cluster"), "name"), "firms": (N_("Firms"), "int"),
                    "spin_offs": (N_("Spin-offs"), "int"), "spin_off_rate_pct": (N_("Spin-off rate"), "pct"),
                    "spin_off_output_share_pct": (N_("Spin-offs' share of output"), "pct")}
SPINOFF_LINKS = {"parent": (N_("Parent firm"), "name"), "child": (N_("Spin-off"), "name"),
                 "founded_year": (N_("Founded"), "year"), "generation": (N_("Generation"), "int")}


def supply_risk(suppliers, any_local, lang: str) -> str:
    """Why a product a buyer buys is a risk: one supplier, or none in the region."""
    _ = translator(lang)
    parts = ([_("single supplier")] if suppliers == 1 else []) + ([] if any_local else [_("bought outside the region only")])
    return ("；" if lang == "zh" else "; ").join(parts)


def industry_names(codes, lang: str) -> list[str]:
    """GB/T 4754 names of industry codes in ``lang``, "code name" so both are read; the code
    alone where the classification has none."""
    from clusteratlas.classify import GBT4754

    out = []
    for c in codes:
        try:
            out.append(f"{c} {GBT4754.label(str(c), lang)}")
        except KeyError:
            out.append(str(c))
    return out


def with_industry_names(frame: pd.DataFrame, lang: str, code: str = "industry", to: str = "industry_name",
                        with_code: bool = True) -> pd.DataFrame:
    """``frame`` with a column ``to`` of its industries' names ("35 专用设备制造业"; the name alone
    where ``with_code`` is false, for a table that shows the code in a column of its own)."""
    names = industry_names(frame[code], lang) if len(frame) else []
    if not with_code:
        names = [n.split(" ", 1)[1] if " " in n else n for n in names]
    return frame.assign(**{to: names})


def overview_rows(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """An overview's rows as a table shows them: the disclosure flag in words, and the row of
    firms outside every park by that name."""
    import re

    from clusteratlas.analyses.overview import OUTSIDE_PARKS

    _ = translator(lang)

    def flag(text) -> str:
        if not isinstance(text, str) or not text:
            return ""
        few = re.match(r"<(\d+) firms", text)
        if few:
            return _("fewer than {n} firms", n=few.group(1))
        share = re.search(r"(\d+)%", text)
        return _("one firm holds {share}% or more", share=share.group(1)) if share else text

    out = frame.assign(disclosure=[flag(x) for x in frame["disclosure"]]) if "disclosure" in frame else frame
    if "park_id" in out and "name" in out:
        out = out.assign(name=[_("outside the parks") if p == OUTSIDE_PARKS else n for p, n in zip(out["park_id"], out["name"])])
    return out


def target_rows(targets: pd.DataFrame, lang: str, parks: pd.DataFrame | None = None,
                regions: dict | None = None, firms: dict | None = None) -> pd.DataFrame:
    """Targets as a table shows them: what (the scope — an industry, a park, a region, a firm —
    by name, and the indicator in words), the
    target and the actual with their units, and the status in words."""
    from clusteratlas.analyses.targets import indicator_label

    parks_by_id = {} if parks is None else dict(zip(parks["park_id"], parks["name"]))
    t = targets.copy()

    def scope_name(r) -> str:
        if r["scope"] == "industry":
            return industry_names([r["scope_id"]], lang)[0]
        if r["scope"] == "park":
            return parks_by_id.get(r["scope_id"], r.get("scope_name") or r["scope_id"])
        if r["scope"] == "region" and regions and str(r["scope_id"]) in regions:
            return regions[str(r["scope_id"])]
        if r["scope"] == "firm" and firms and str(r["scope_id"]) in firms:
            return firms[str(r["scope_id"])]
        name = r.get("scope_name")
        return str(name) if isinstance(name, str) and name else str(r["scope_id"])

    sep = "·"
    t["label"] = [f"{scope_name(r)} {sep} {indicator_label(r['indicator'], lang)}" for _i, r in t.iterrows()]
    t["target_text"] = [_amount(v, u, lang) for v, u in zip(t["target"], t["unit"])]
    period = t["actual_period"] if "actual_period" in t else pd.Series(None, index=t.index)
    t["actual_text"] = [_amount(v, u, lang) + (f" ({p})" if isinstance(p, str) and lang == "zh" else "")
                        for v, u, p in zip(t["actual"], t["unit"], period)]
    t["status_text"] = [term("target_status", s, lang) for s in t["status"]]
    return t


def _amount(v, unit, lang: str) -> str:
    """A target's amount with its unit: money in 万元/亿元, a count of firms, a percentage."""
    _ = translator(lang)
    if v is None or pd.isna(v):
        return MISSING
    if unit == "CNY":
        return money_text(v, lang)
    if unit == "count":
        return _("{n} firms", n=number(v, 0, lang))
    if unit in ("%", "pct"):
        return f"{number(v, 1, lang)}%"
    return f"{number(v, 0, lang)} {unit}"
