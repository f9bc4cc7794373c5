"""Award totals of a run (its lines as ``run`` gives them or as the store keeps them).

Totals by rule count the entities awarded; for readers without firm-level rights they follow
the disclosure rules: a rule's total paid to fewer than ``min_entities`` entities, or mostly to
one, is hidden, and a second with it (the run's total is published, so one hidden rule alone
would be the total minus the others). The split by payer is withheld whenever a rule is hidden:
each rule's payer shares are published parameters, so per-payer sums would add one equation per
payer and could solve the hidden rules back. A hidden rule's entity count is hidden with it: a
rule of a flat amount (the ruleset is public) gives its total back as count × amount.

An insider (a firm, or a park's manager, who knows their own awards: ``known_entities``)
subtracts what they know: a hidden rule that paid only them protects nothing against them, so
their release hides more rules until the hidden ones they do not know whole are two or more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.analyses.disclosure import breakdown_reasons


@dataclass(frozen=True)
class AwardTotals:
    by_rule: pd.DataFrame  # rule_id, clause, title_zh, entities, amount (CNY), suppressed
    by_payer: pd.DataFrame  # payer, amount (CNY; NaN where withheld)
    total: float  # CNY, every award line of the run


def award_totals(lines: pd.DataFrame, withhold: bool = False, min_entities: int = 3,
                 dominance: float = 0.8, known_entities=()) -> AwardTotals:
    """Totals of the ``award`` lines of a run (as ``RunResult.lines`` or ``recorded_lines``);
    ``withhold``: apply the disclosure rules (see the module text), against a reader who
    knows the awards of ``known_entities``."""
    paid = lines[lines["status"] == "award"]
    per_entity = paid.groupby(["rule_id", "entity_id"], as_index=False)["amount"].sum()
    by_rule = per_entity.groupby("rule_id").agg(entities=("entity_id", "nunique"),
                                                amount=("amount", "sum"))
    names = paid.drop_duplicates("rule_id").set_index("rule_id")[["clause", "title_zh"]]
    by_rule = names.join(by_rule).reset_index()
    by_rule["suppressed"] = ""
    by_payer = paid.groupby("payer", as_index=False)["amount"].sum()
    if withhold and len(by_rule):
        known = per_entity["entity_id"].isin(set(known_entities)) if len(known_entities) else None
        why = breakdown_reasons(per_entity, "rule_id", "amount", min_entities, dominance, known)
        by_rule["suppressed"] = by_rule["rule_id"].map(why).fillna("")
        hidden = by_rule["suppressed"] != ""
        by_rule.loc[hidden, "amount"] = np.nan
        by_rule["entities"] = by_rule["entities"].astype("Int64").mask(hidden)
        if (by_rule["suppressed"] != "").any():
            by_payer["amount"] = np.nan
    by_rule = by_rule.sort_values("rule_id", ignore_index=True)
    return AwardTotals(by_rule, by_payer, float(paid["amount"].sum()))
