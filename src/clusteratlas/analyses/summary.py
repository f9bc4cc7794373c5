"""The economic summary of a period, written from the data in Chinese and English — the first
paragraph of a 上半年经济运行 report ("规模以上工业总产值23.4亿元，同比增31%…"). Every number is
taken from :func:`clusteratlas.analyses.overview.overview` so the text equals the tables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clusteratlas.analyses.overview import Overview
from clusteratlas.classify import GBT4754
from clusteratlas.io.periods import label


@dataclass(frozen=True)
class EconomicSummary:
    figures: dict
    text_zh: str
    text_en: str


def _yi(v: float) -> str:
    return f"{v / 1e8:.1f}"


def _growth_zh(g: float) -> str:
    if np.isnan(g):
        return ""
    return f"，同比增{g:.1f}%" if g >= 0 else f"，同比下降{-g:.1f}%"


def _growth_en(g: float) -> str:
    return "" if np.isnan(g) else f" ({g:+.1f}% year on year)"


def economic_summary(ov: Overview, region_name: str, key_industries=()) -> EconomicSummary:
    """The summary paragraph of an overview. ``key_industries``: GB/T 4754 division codes whose
    combined share of output is reported (the region's "five industries")."""
    t = ov.totals.set_index("indicator")
    output, g_out = t.at["output", "value"], t.at["output", "growth_pct"]
    figures = {"output": output, "output_growth_pct": g_out,
               "firms": int(t.at["firms", "value"]),
               "park_output": t.at["output_in_parks", "value"],
               "park_share_pct": t.at["park_share_of_output_pct", "value"]}
    if "value_added" in t.index and not np.isnan(t.at["value_added", "value"]):
        figures.update(value_added=t.at["value_added", "value"],
                       value_added_growth_pct=t.at["value_added", "growth_pct"])
    keys = [str(k) for k in key_industries]
    ind = ov.by_industry.set_index("division")
    present = [k for k in keys if k in ind.index]
    if keys and ind.loc[present, "output"].notna().all():  # a withheld part (NaN) leaves it out
        figures["key_output"] = float(ind.loc[present, "output"].sum())
        figures["key_share_pct"] = figures["key_output"] / output * 100
    period = label(ov.year, ov.month_to)
    zh = [f"{period}，{region_name}规模以上工业总产值{_yi(output)}亿元{_growth_zh(g_out)}"]
    en = [f"In {ov.year}" + (f", months 1–{ov.month_to}" if ov.month_to < 12 else "") +
          f", {region_name}'s {figures['firms']} industrial firms above designated size produced "
          f"CNY {_yi(output)} hundred million of gross output{_growth_en(g_out)}"]
    if "value_added" in figures:
        zh.append(f"工业增加值{_yi(figures['value_added'])}亿元{_growth_zh(figures['value_added_growth_pct'])}")
        en.append(f"value added was CNY {_yi(figures['value_added'])} hundred million"
                  f"{_growth_en(figures['value_added_growth_pct'])}")
    parks_known = not np.isnan(figures["park_output"])  # withheld when outside-parks is
    zh_tail = f"园区完成工业产值{_yi(figures['park_output'])}亿元" if parks_known else ""
    en_tail = f"parks produced CNY {_yi(figures['park_output'])} hundred million" if parks_known else ""
    if "key_output" in figures and parks_known:
        names = "、".join(GBT4754.label(k) for k in keys)
        zh_tail += (f"，{len(keys)}个重点产业（{names}）完成产值{_yi(figures['key_output'])}亿元，"
                    f"分别占全区规模以上工业总产值的{figures['park_share_pct']:.0f}%和{figures['key_share_pct']:.0f}%")
        en_tail += (f" and the {len(keys)} key industries CNY {_yi(figures['key_output'])} hundred "
                    f"million: {figures['park_share_pct']:.0f}% and {figures['key_share_pct']:.0f}% "
                    f"of above-scale output")
    elif "key_output" in figures:
        zh_tail = (f"{len(keys)}个重点产业完成产值{_yi(figures['key_output'])}亿元，占全区规模以上工业"
                   f"总产值的{figures['key_share_pct']:.0f}%")
        en_tail = (f"the {len(keys)} key industries produced CNY {_yi(figures['key_output'])} hundred "
                   f"million, {figures['key_share_pct']:.0f}% of above-scale output")
    elif parks_known:
        zh_tail += f"，占全区规模以上工业总产值的{figures['park_share_pct']:.0f}%"
        en_tail += f", {figures['park_share_pct']:.0f}% of above-scale output"
    if zh_tail:
        zh.append(zh_tail)
        en.append(en_tail)
    return EconomicSummary(figures, "；".join(zh) + "。", "; ".join(en) + ".")
