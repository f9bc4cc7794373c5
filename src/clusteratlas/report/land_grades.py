"""The 亩均 list (亩均效益评价结果): every graded firm of a year with its score, its grade, each
item's value and score, and what the grade means for it (land-use tax relief, differential
electricity and water prices, energy quota) — by park, with a grade set by hand shown as an
override beside the computed one, never in its place. The same table for a page and an XLSX
workbook, one language at a time."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clusteratlas.analyses.land_efficiency import LandEfficiency
from clusteratlas.classify import GBT4754
from clusteratlas.faces import N_, translator
from clusteratlas.report.workbook import write_workbook

# an item's unit as stored (CNY per mu …) → (divisor for display, the display unit's msgid)
ITEM_UNITS = {
    "CNY per mu": (1e4, N_("CNY 10k per mu")), "CNY per tce": (1e4, N_("CNY 10k per tce")),
    "CNY per t of main pollutants": (1e4, N_("CNY 10k per t")), "CNY per employee": (1e4, N_("CNY 10k per employee")),
    "CNY per kWh": (1.0, N_("CNY per kWh")), "share": (0.01, "%"),
}
# a consequence column of a method (its ``consequences.columns``) → (header msgid, kind)
CONSEQUENCE_COLUMNS = {
    "land_use_tax_relief_pct": (N_("Land-use tax relief"), "pct"),
    "electricity_price": (N_("Electricity price"), "text"),
    "water_price": (N_("Water price"), "text"),
    "energy_quota": (N_("Energy quota"), "text"),
}
# the words a method's consequence table is written in (Chinese, as the policies are) → msgid
CONSEQUENCE_WORDS = {"优惠": N_("preferential"), "正常": N_("normal"), "加价": N_("surcharge"),
                     "限制": N_("restricted"), "优先保障": N_("priority supply")}

LIST_COLUMNS = {
    "park": (N_("Park"), "name"), "rank": (N_("Rank"), "int"), "name": (N_("Firm"), "name"),
    "industry": (N_("Industry"), "text"), "score": (N_("Score"), "score"), "grade": (N_("Grade"), "status"),
    "computed_grade": (N_("Computed grade"), "status"), "override": (N_("Set by hand"), "text"),
}
PARK_COLUMNS = {
    "rank": (N_("Rank"), "int"), "park": (N_("Park"), "name"), "firms": (N_("Firms graded"), "int"),
    "incomplete": (N_("Not graded (data missing)"), "int"), "mean_score": (N_("Mean score"), "score"),
    "land_mu": (N_("Land (mu)"), "int"), "tax_per_mu_wan": (N_("Tax per mu (CNY 10k)"), "score"),
    "grade_A": ("A", "int"), "grade_B": ("B", "int"), "grade_C": ("C", "int"), "grade_D": ("D", "int"),
}


def item_name(indicator: dict, lang: str) -> str:
    """An item's name as the method writes it: name_zh, or name_en in English where the method
    gives one."""
    return indicator["name_zh"] if lang == "zh" else indicator.get("name_en") or indicator["name_zh"]


def item_unit(unit: str, lang: str) -> tuple[float, str]:
    """(divisor, unit as shown) of an item stored in ``unit``."""
    div, msgid = ITEM_UNITS.get(unit, (1.0, unit))
    return div, translator(lang)(msgid)


def consequence_text(value, lang: str):
    """A consequence as shown: the method's word in ``lang`` (numbers as they are)."""
    if isinstance(value, str):
        return translator(lang)(CONSEQUENCE_WORDS.get(value, value))
    return value


def grade_list(le: LandEfficiency, parks: pd.DataFrame, lang: str = "zh", items: bool = True) -> tuple[pd.DataFrame, dict]:
    """(frame, columns) of the 亩均 list in ``lang``, sorted by park then rank: the list's own
    columns, the consequences of the method and, with ``items``, each item's value (in its
    display unit) and score. ``parks``: the store's parks (park_id, name)."""
    _ = translator(lang)
    f = le.firms.copy()
    names = parks.set_index("park_id")["name"]
    f["park"] = f["park_id"].map(names).fillna(_("Outside the parks"))
    f["industry"] = [GBT4754.label(GBT4754.division_of(c), lang) if isinstance(c, str) else None
                     for c in f["industry_code"]]
    hand = f["override_grade"].notna()
    f["override"] = None
    f.loc[hand, "override"] = [_("{grade} (computed {computed}): {reason}", grade=g, computed=c if isinstance(c, str) else "—",
                                 reason=r) for g, c, r in zip(f.loc[hand, "override_grade"], f.loc[hand, "computed_grade"],
                                                              f.loc[hand, "override_reason"])]
    sep = "、" if lang == "zh" else ", "
    lacking = [sep.join(item_name(i, lang) for i in le.method.indicators
                        if r.get(i["key"] + "_missing") and pd.isna(r.get(i["key"] + "_score"))) for _i, r in f.iterrows()]
    f.loc[~f["complete"], "override"] = [_("not graded: no data for {items}", items=m)
                                         for m, done in zip(lacking, f["complete"]) if not done]
    columns = dict(LIST_COLUMNS)
    for c in le.method.consequences.get("columns", []):
        msgid, kind = CONSEQUENCE_COLUMNS.get(c, (c, "text"))
        if c in f:
            f[c] = [consequence_text(v, lang) for v in f[c]]
        columns[c] = (msgid, kind)
    if items:
        for ind in le.method.indicators:
            key = ind["key"]
            div, unit = item_unit(ind["unit"], lang)
            f[f"{key}__shown"] = f[key] / div
            name = item_name(ind, lang)
            columns[f"{key}__shown"] = (f"{name}（{unit}）" if lang == "zh" else f"{name} ({unit})", "score")
            columns[f"{key}_score"] = (_("{item}: score", item=name), "score")
    order = f["park_id"].map({p: i for i, p in enumerate(le.parks["park_id"])}).fillna(len(le.parks))
    f = f.assign(_order=order).sort_values(["_order", "rank"], na_position="last").drop(columns="_order")
    return f.reset_index(drop=True), columns


def park_ranking(le: LandEfficiency, parks: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The parks' ranking with names (the firms outside any park as one line)."""
    p = le.parks.copy()
    p["park"] = p["park_id"].map(parks.set_index("park_id")["name"]).fillna(translator(lang)("Outside the parks"))
    p["tax_per_mu_wan"] = p["tax_per_mu"] / 1e4
    return p


def write_grades_workbook(le: LandEfficiency, parks: pd.DataFrame, year: int, region_name: str, path: Path,
                          lang: str = "zh") -> Path:
    """The 亩均 list as an XLSX workbook: an about sheet (method, year, source), the parks'
    ranking, and every firm with its items and consequences."""
    _ = translator(lang)
    firms, columns = grade_list(le, parks, lang, items=True)
    m = le.method
    about = pd.DataFrame({_("Item"): [_("Region"), _("Year"), _("Method"), _("Source"), _("Firms graded")],
                          _("Value"): [region_name, str(year), m.title_zh if lang == "zh" else m.title_en,
                                       " ".join(str(m.source).split()), str(int(firms["complete"].sum()))]})
    sheets = [(_("About"), about, None), (_("Park ranking"), park_ranking(le, parks, lang), PARK_COLUMNS),
              (_("Firm grades"), firms, columns)]
    return write_workbook(path, sheets, lang)
