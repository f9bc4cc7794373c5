"""What a store says about each firm, project and park of a region in a year, as the facts a
ruleset's ``store_inputs`` map onto its inputs, so that a policy can be scanned (免申即享) on
the store alone, with no hand-made input file.

A fact the store cannot give is left out (the whole column, when the store lacks the data;
NaN for one entity, when its row lacks it), never guessed: a rule that needs it is then
"undecidable" in the scan, naming the input and where to record it. Money in CNY, land in mu.

Facts of a firm (``entity`` firm), for the year Y (full-year figures, month_to 12):
  registered_in_region  the firm's region is the study region
  in_key_industry       its industry code falls under one of the study's key industries (the
                        targets' industries); unknown when the store names none
  is_leading            flagged as a leading firm (龙头企业) in the firm list
  supplies_leading_firm it sold to a leading firm of the region in Y (supply links); unknown
                        when the store has no supply links for Y
  in_park               it sits in a park
  division              its GB/T 4754 division (two digits, text); manufacturing_division:
                        the division is one of manufacturing's (13–43)
  above_scale           above designated size (规上) in Y
  output, revenue, tax_paid, rd_spend, local_purchases, land_mu, fixed_asset_investment,
  employment, exports   the firm-year figures of Y; ``<name>_previous`` those of Y − 1
Facts of a project: industrial (divisions 06–46: mining, manufacturing, utilities), in_park,
  contracted_investment (CNY), funds_in_place, land_mu, signed_year, start_year,
  production_year (from its dates), stage.
Facts of a park: supplies_to_leading_firms (its firms' sales to the region's leading firms in
  Y, from supply links), firms, output (its firms' output in Y), area_mu, opened_year.
"""

from __future__ import annotations

import pandas as pd

from clusteratlas.classify import GBT4754

FIRM_FIGURES = ("output", "revenue", "tax_paid", "rd_spend", "local_purchases", "land_mu",
                "fixed_asset_investment", "employment", "exports")


def _figures(firm_years: pd.DataFrame, year: int) -> pd.DataFrame:
    fy = firm_years[(firm_years["year"] == year) & (firm_years["month_to"] == 12)]
    return fy.drop_duplicates("firm_id", keep="last").set_index("firm_id")


def _year_of(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates, errors="coerce").dt.year.astype(float)


def firm_facts(firms: pd.DataFrame, firm_years: pd.DataFrame, supply_links: pd.DataFrame, region: str,
               year: int, key_industries=()) -> pd.DataFrame:
    """One row per firm of ``region`` with its facts for ``year`` (see the module text)."""
    f = firms[firms["region_id"] == region]
    ids = f["firm_id"].astype(str).to_numpy()
    out = pd.DataFrame({"entity_id": ids, "entity": "firm", "name": f["name"].to_numpy(),
                        "registered_in_region": True,
                        "is_leading": f["is_leading"].fillna(False).astype(bool).to_numpy(),
                        "in_park": f["park_id"].notna().to_numpy()})
    division = f["industry_code"].astype(str).map(lambda c: GBT4754.division_of(c) or "")
    out["division"] = division.to_numpy()
    out["manufacturing_division"] = division.map(lambda d: d.isdigit() and 13 <= int(d) <= 43).to_numpy()
    keys = [str(k) for k in key_industries]
    if keys:
        codes = f["industry_code"].astype(str)
        out["in_key_industry"] = codes.map(lambda c: any(c.startswith(k) for k in keys)).to_numpy()
    links = supply_links[supply_links["year"] == year] if len(supply_links) else supply_links
    if len(links):
        leading = set(f.loc[f["is_leading"].fillna(False).astype(bool), "firm_id"].astype(str))
        sellers = set(links.loc[links["buyer_id"].astype(str).isin(leading), "supplier_id"].dropna().astype(str))
        out["supplies_leading_firm"] = [i in sellers and i not in leading for i in ids]
    cur, prev = _figures(firm_years, year), _figures(firm_years, year - 1)
    if "above_scale" in cur and cur["above_scale"].notna().any():
        out["above_scale"] = pd.Series(ids).map(cur["above_scale"]).to_numpy()
    for col in FIRM_FIGURES:
        if col in cur and cur[col].notna().any():
            out[col] = pd.Series(ids).map(cur[col]).to_numpy(dtype=float)
        if col in prev and prev[col].notna().any():
            out[col + "_previous"] = pd.Series(ids).map(prev[col]).to_numpy(dtype=float)
    return out


def project_facts(projects: pd.DataFrame, region: str) -> pd.DataFrame:
    """One row per investment project of ``region`` with its facts."""
    p = projects[projects["region_id"] == region]
    division = p["industry_code"].astype(str).map(lambda c: GBT4754.division_of(c) or "")
    out = pd.DataFrame({
        "entity_id": p["project_id"].astype(str).to_numpy(), "entity": "project", "name": p["name"].to_numpy(),
        "industrial": division.map(lambda d: d.isdigit() and 6 <= int(d) <= 46).to_numpy(),
        "in_park": p["park_id"].notna().to_numpy(), "stage": p["stage"].to_numpy(),
    })
    for col in ("contracted_investment", "funds_in_place", "land_mu"):
        if col in p and p[col].notna().any():
            out[col] = p[col].to_numpy(dtype=float)
    for col, src in (("signed_year", "signed_date"), ("start_year", "start_date"),
                     ("production_year", "production_date")):
        if src in p and p[src].notna().any():
            out[col] = _year_of(p[src]).to_numpy()
    return out


def park_facts(parks: pd.DataFrame, firms: pd.DataFrame, firm_years: pd.DataFrame,
               supply_links: pd.DataFrame, region: str, year: int) -> pd.DataFrame:
    """One row per park of ``region`` with its facts for ``year``."""
    pk = parks[parks["region_id"] == region]
    ids = pk["park_id"].astype(str)
    out = pd.DataFrame({"entity_id": ids.to_numpy(), "entity": "park", "name": pk["name"].to_numpy()})
    f = firms[firms["region_id"] == region]
    park_of = f.set_index(f["firm_id"].astype(str))["park_id"]
    out["firms"] = ids.map(park_of.value_counts()).fillna(0).astype(int).to_numpy()
    cur = _figures(firm_years, year)
    if "output" in cur and cur["output"].notna().any():
        by_park = cur["output"].groupby(cur.index.astype(str).map(park_of)).sum()
        out["output"] = ids.map(by_park).fillna(0.0).to_numpy()
    links = supply_links[supply_links["year"] == year] if len(supply_links) else supply_links
    if len(links):
        leading = set(f.loc[f["is_leading"].fillna(False).astype(bool), "firm_id"].astype(str))
        to_leading = links[links["buyer_id"].astype(str).isin(leading)]
        sold = to_leading.groupby(to_leading["supplier_id"].astype(str).map(park_of))["amount"].sum()
        out["supplies_to_leading_firms"] = ids.map(sold).fillna(0.0).to_numpy()
    for col in ("area_mu", "opened_year"):
        if col in pk and pk[col].notna().any():
            out[col] = pk[col].to_numpy(dtype=float)
    return out


def store_facts(tables, region: str, year: int, key_industries=()) -> dict[str, pd.DataFrame]:
    """Facts of every firm, project and park of ``region`` (``tables``: the store's tables),
    by kind of entity."""
    links = tables.get("supply_links")
    if links is None:
        links = pd.DataFrame(columns=["buyer_id", "supplier_id", "year", "amount"])
    return {"firm": firm_facts(tables["firms"], tables["firm_years"], links, region, year, key_industries),
            "project": project_facts(tables["projects"], region),
            "park": park_facts(tables["parks"], tables["firms"], tables["firm_years"], links, region, year)}
