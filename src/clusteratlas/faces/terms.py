"""The words for the codes the data and the rules use — a project's stage, a chain link's status,
who pays an award, a claim's state — in one place: code → English msgid, the Chinese in the
catalogue. Modules that keep a Chinese column beside a code (``status_zh``) take it from here
(``chinese``), so a term is written once."""

from __future__ import annotations

from clusteratlas.faces import N_, translator

TERMS: dict[str, dict[str, str]] = {
    # 招商引资 pipeline stages
    "project_stage": {"lead": N_("lead"), "negotiating": N_("negotiating"), "signed": N_("signed"),
                      "started": N_("under construction"), "in_production": N_("in production"), "dropped": N_("dropped")},
    # 强链 / 补链 / 延链: what a chain link needs
    "chain_status": {"strong": N_("strong"), "fill": N_("to fill"), "extend": N_("to extend"), "present": N_("present")},
    "chain_stage": {"upstream": N_("upstream"), "midstream": N_("midstream"), "downstream": N_("downstream")},
    "chain_role": {"chief": N_("chain chief"), "leader_firm": N_("leading firm")},
    "task_state": {"open": N_("to do"), "in_progress": N_("in progress"), "done": N_("done"), "dropped": N_("withdrawn")},
    "alert_state": {"new": N_("new"), "seen": N_("seen"), "handled": N_("handled")},
    "severity": {"high": N_("high"), "medium": N_("medium"), "low": N_("low")},
    "desk_state": {"filed": N_("awaiting an answer"), "answered": N_("answered"), "closed": N_("closed"),
                   "reopened": N_("reopened")},
    # 申报 → 审核 → 兑现
    "claim_state": {"claimed": N_("claimed"), "approved": N_("approved"), "rejected": N_("rejected"), "paid": N_("paid"),
                    "reversed": N_("reversed")},
    # who pays an award (a ruleset's payers)
    "payer": {"city": N_("City finance"), "district": N_("District finance"),
              "county": N_("Counties, county-level cities, districts and development zones"),
              "tax": N_("Tax office (relief)"), "fee_authority": N_("Fee-collecting office (relief)"),
              "guarantee_fund": N_("City credit guarantee fund"), "committee": N_("City industry coordination group"),
              "beneficiary_government": N_("The government whose treasury benefits")},
    # the "323" ladder of firms by output
    "tier": {"over_1e9": N_("output over CNY 1bn"), "over_1e8": N_("output over CNY 100m"),
             "over_5e7": N_("output over CNY 50m")},
    "user_role": {"admin": N_("administrator"), "analyst": N_("economic bureau"), "park_manager": N_("park"),
                  "firm": N_("firm"), "public": N_("public")},
    "yes_no": {"yes": N_("yes"), "no": N_("no")},
    # what a K-density envelope says of an industry
    "kd_verdict": {"localised": N_("localised"), "dispersed": N_("dispersed"), "random": N_("as by chance")},
    # a target against its pace
    "target_status": {"on track": N_("on track"), "at risk": N_("at risk"), "off track": N_("off track"),
                      "no data": N_("no data")},
    # what the engine says of a rule for one entity
    "award_status": {"award": N_("award"), "for decision": N_("for the committee to decide"),
                     "not eligible": N_("not eligible"), "zero amount": N_("eligible, nothing due"),
                     "missing inputs": N_("figures missing"), "paid before": N_("paid before"),
                     "suppressed": N_("not paid twice")},
    # why a published figure is withheld (the disclosure rules)
    "withheld": {"primary": N_("fewer than 3 firms, or one firm holds 80% or more"),
                 "complementary": N_("withheld so the figures above cannot be worked out")},
    # the store's tables, as an upload's summary names them
    "table": {"firms": N_("firms"), "firm_years": N_("firm figures by year"), "parks": N_("parks"),
              "regions": N_("regions"), "region_industry_years": N_("regional figures by industry"),
              "supply_links": N_("supply links"), "supplier_profiles": N_("supplier profiles"),
              "purchase_needs": N_("purchase needs"), "match_outcomes": N_("matching outcomes"),
              "projects": N_("projects"), "targets": N_("targets"), "investment_candidates": N_("firms to attract"),
              "patents": N_("patents granted")},
    # the units the eco-park standard (HJ 274-2015) writes its indicators in
    "unit": {"万元/人": N_("CNY 10k per person"), "亿元/平方公里": N_("CNY 100m per km²"),
             "吨/万元": N_("t per CNY 10k"), "吨标煤/万元": N_("tce per CNY 10k"), "立方米/万元": N_("m³ per CNY 10k"),
             "%": N_("%"), "yes/no": N_("yes/no")},
    # the settings every number of a diagnosis is computed with
    "setting": {"n_sim": N_("simulations"), "seed": N_("random seed"), "alpha": N_("significance level"),
                "kd_industries": N_("industries with K-density"), "kd_min_firms": N_("fewest firms for K-density"),
                "cluster_min_size": N_("fewest firms in a firm cluster"), "strategy": N_("attraction strategy"),
                "land_method": N_("per-mu method"), "chain_method": N_("regionalisation of the input-output table"),
                "chain_delta": N_("FLQ δ"), "lq_maps": N_("LQ maps")},
    # an industry's place against its peers: present or not × related or not
    "quadrant": {"strength": N_("strength"), "weakness": N_("weakness"), "opportunity": N_("opportunity"),
                 "threat": N_("threat")},
    # an eco-park indicator against its threshold
    "kpi_result": {"met": N_("met"), "not met": N_("not met"), "no data": N_("no data"),
                   "no threshold": N_("no threshold")},
    "scope": {"region": N_("region"), "industry": N_("industry"), "park": N_("park"), "firm": N_("firm")},
    # 招商 strategies of the opportunities ranking
    "strategy": {"low_hanging": N_("near what the region has"), "balanced": N_("balanced"),
                 "long_jumps": N_("long jumps")},
}


def term(kind: str, code, lang: str = "zh") -> str:
    """The word for ``code`` of ``kind`` in ``lang``; the code itself where there is none (a
    payer a user's own ruleset names)."""
    msgid = TERMS[kind].get(code)
    return translator(lang)(msgid) if msgid is not None else ("" if code is None else str(code))


def chinese(kind: str) -> dict[str, str]:
    """code → Chinese for every code of ``kind``."""
    _ = translator("zh")
    return {code: _(msgid) for code, msgid in TERMS[kind].items()}


def yes_no(value: bool, lang: str = "zh") -> str:
    return term("yes_no", "yes" if value else "no", lang)


def clause(text, lang: str = "zh") -> str:
    """A policy clause as the reader writes it: 第12条 in Chinese, Art. 12 in English."""
    import re

    text = "" if text is None else str(text)
    return text if lang == "zh" else re.sub(r"第\s*(\d+)\s*条", r"Art. \1", text).replace("—", "–")
