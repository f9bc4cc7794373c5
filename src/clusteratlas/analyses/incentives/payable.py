"""From what each rule computes to what is payable: one-off awards against what was paid
before, one award per item across documents (就高不就低), and budgets.

Each step takes the award lines of a run and returns them with amounts reduced and statuses
changed, always with the reason appended to the line, so nothing is lost silently:

- ``one_off``: a 一次性奖励 is paid once per entity and rule. ``history`` holds the awards paid
  in earlier years (entity_id, rule_id, amount). A rule marked ``once: entity`` pays nothing
  more once paid ("paid before"). A tiered one-off (``once: difference``: 5亿 → 50万, 10亿 →
  100万) pays the difference between the tier now reached and what was paid.
- ``one_award_per_item``: "奖励如与其他文件中有重复的，不重复计奖，但可按照就高不就低的原则实施" —
  the rules of an exclusivity group are one item (the highest is kept), and every rule can meet
  the award the same entity gets for the same item under another document (input
  ``other_award_<group or rule id>``). Mode ``higher`` (default): the higher of the two is paid,
  so this document pays nothing where the other's is at least as high, and pays in full where
  it is higher (the other document's award is then the one to withhold, and the line says so).
  Mode ``top_up``: the other award has been paid; this document pays the difference.
- ``apply_budgets``: a budget caps the yearly total of some rules (第16条: 市财政每年安排1000万元
  … 进行1%补贴). ``pro_rata`` scales every line by cap / claimed; ``ranked`` pays in descending
  order of a ranking input (default: the amount) until the cap is spent, the last line partly.
  ``entitled`` keeps each line's amount before the cap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PAID_BEFORE = "paid before"
SUPPRESSED = "suppressed"
ONCE_MODES = ("entity", "difference")
DUPLICATE_MODES = ("higher", "top_up")
BUDGET_METHODS = ("pro_rata", "ranked")


def _key(frame: pd.DataFrame) -> pd.Series:
    return frame["entity_id"].astype(str) + "\x1f" + frame["rule_id"].astype(str)


def _append(lines: pd.DataFrame, mask, text: str) -> None:
    lines.loc[mask, "reason"] = lines.loc[mask, "reason"].fillna("") + " | " + text


def _decide(lines: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Apply per (entity, rule) decisions — columns entity_id, rule_id, status (or None),
    factor (on the amount), note — to the award lines they concern."""
    if decisions.empty:
        return lines
    d = decisions.set_index(_key(decisions))
    key = _key(lines)
    m = (lines["status"] == "award") & key.isin(d.index)
    k = key[m]
    status = k.map(d["status"])
    lines.loc[m, "amount"] = lines.loc[m, "amount"] * k.map(d["factor"]).to_numpy()
    lines.loc[m, "status"] = status.where(status.notna(), lines.loc[m, "status"]).to_numpy()
    lines.loc[m, "reason"] = lines.loc[m, "reason"].fillna("") + " | " + k.map(d["note"]).to_numpy()
    return lines


def one_off(lines: pd.DataFrame, once: dict[str, str], history: pd.DataFrame | None) -> pd.DataFrame:
    """Lines of one-off rules (``once``: rule id → 'entity' | 'difference') net of ``history``."""
    if lines.empty or not once or history is None or history.empty:
        return lines
    h = history[history["rule_id"].isin(list(once))]
    if h.empty:
        return lines
    before = h.groupby(["entity_id", "rule_id"]).agg(
        before=("amount", "sum"), years=("year", lambda y: "、".join(str(int(v)) for v in sorted(set(y))))).reset_index()
    now = lines[lines["status"] == "award"].groupby(["entity_id", "rule_id"], as_index=False)["amount"].sum()
    d = now.merge(before, on=["entity_id", "rule_id"])
    if d.empty:
        return lines
    top_up = (d["rule_id"].map(once) == "difference") & (d["amount"] > d["before"])
    note = "一次性奖励 one-off: CNY " + d["before"].map("{:,.0f}".format) + " paid in " + d["years"]
    d = d.assign(status=np.where(top_up, None, PAID_BEFORE),
                 factor=np.where(top_up, (d["amount"] - d["before"]) / d["amount"], 1.0),
                 note=np.where(top_up, note + "; the difference to the tier now reached is paid",
                               note + "; nothing more is due"))
    return _decide(lines.copy(), d)


def one_award_per_item(lines: pd.DataFrame, items: dict[str, str], entities: pd.DataFrame,
                       mode: str = "higher") -> pd.DataFrame:
    """One award per entity and item (``items``: rule id → item: its group, else itself)."""
    if mode not in DUPLICATE_MODES:
        raise ValueError(f"duplicate_awards must be one of {DUPLICATE_MODES}, not {mode!r}")
    paid = lines[lines["status"] == "award"]
    if paid.empty:
        return lines
    t = paid.groupby(["entity_id", "rule_id"], as_index=False)["amount"].sum()
    t["_item"] = [items.get(r, r) for r in t["rule_id"]]
    t = t.sort_values(["entity_id", "_item", "amount", "rule_id"], ascending=[True, True, False, True])
    best = t.drop_duplicates(["entity_id", "_item"]).rename(columns={"rule_id": "_best", "amount": "_best_amount"})
    t = t.merge(best, on=["entity_id", "_item"])
    other_cols = [c for c in entities.columns if c.startswith("other_award_")]
    t["_other"] = np.nan
    if other_cols:
        other = entities[["entity_id", *other_cols]].melt("entity_id", var_name="_item", value_name="_o")
        other["_item"] = other["_item"].str.removeprefix("other_award_")
        other["_o"] = pd.to_numeric(other["_o"], errors="coerce")
        other = other[other["_o"] > 0].drop_duplicates(["entity_id", "_item"])
        t = t.merge(other, on=["entity_id", "_item"], how="left")
        t["_other"] = t["_o"]
    loser = t["rule_id"] != t["_best"]
    has_other = ~loser & t["_other"].notna()
    t = t[loser | has_other]  # the rest keep their lines as they are
    if t.empty:
        return lines
    loser, has_other = loser[t.index], has_other[t.index]
    beaten = has_other & (t["_other"] >= t["_best_amount"])
    top_up = has_other & ~beaten & (mode == "top_up")
    higher = has_other & ~beaten & (mode == "higher")
    other = t["_other"].map(lambda v: f"{v:,.0f}" if v == v else "")
    t = t.assign(status=np.where(loser | beaten, SUPPRESSED, None))
    t["factor"] = np.where(top_up, (t["_best_amount"] - t["_other"]) / t["_best_amount"], 1.0)
    t["note"] = np.select(
        [loser, beaten, top_up, higher],
        ["same item as " + t["_best"] + ": no double award, the higher applies",
         "an award of CNY " + other + " for the same item under another document is as high or "
         "higher: 不重复计奖，就高不就低",
         "top-up: CNY " + other + " was paid for the same item under another document; the "
         "difference is paid",
         "higher than the CNY " + other + " for the same item under another document, which is "
         "to be withheld: 就高不就低"], "")
    return _decide(lines.copy(), t)


@dataclass(frozen=True)
class Budget:
    """A yearly cap on the awards of ``rules`` (CNY; ``cap``: a number or a parameter)."""

    id: str
    rules: tuple[str, ...]
    cap: float | str
    method: str = "pro_rata"
    rank_by: str | None = None  # an input of the entities (ranked); default: the amount
    clause: str = ""
    note: str = ""

    @classmethod
    def parse(cls, spec: dict, rule_ids) -> "Budget":
        rules = spec.get("rules")
        rules = (rules,) if isinstance(rules, str) else tuple(rules or ())
        unknown = set(rules) - set(rule_ids)
        if not rules or unknown:
            raise ValueError(f"budget {spec.get('id')!r}: rules {sorted(unknown) or '(none)'} are not rules "
                             "of the ruleset")
        b = cls(str(spec["id"]), rules, spec["cap"], spec.get("method", "pro_rata"), spec.get("rank_by"),
                spec.get("clause", ""), spec.get("note", ""))
        if b.method not in BUDGET_METHODS:
            raise ValueError(f"budget {b.id}: method must be one of {BUDGET_METHODS}")
        return b

    def cap_value(self, par: dict) -> float:
        if isinstance(self.cap, str) and self.cap.startswith("param."):
            return float(par[self.cap.removeprefix("param.")])
        return float(self.cap)


def apply_budgets(lines: pd.DataFrame, budgets, par: dict, entities: pd.DataFrame | None = None) -> pd.DataFrame:
    """Lines with each budget's yearly cap applied; ``entitled`` is the amount before it."""
    lines = lines.copy()
    lines["entitled"] = lines["amount"]
    for b in budgets:
        cap = b.cap_value(par)
        for year in sorted(lines.loc[lines["rule_id"].isin(b.rules), "year"].unique()):
            m = lines["rule_id"].isin(b.rules) & (lines["year"] == year) & (lines["status"] == "award")
            claimed = float(lines.loc[m, "amount"].sum())
            if claimed <= cap:
                continue
            if b.method == "pro_rata":
                lines.loc[m, "amount"] = lines.loc[m, "amount"] * cap / claimed
            else:
                rows = lines[m]
                if b.rank_by and entities is not None and b.rank_by in entities:
                    rank = rows["entity_id"].map(entities.set_index("entity_id")[b.rank_by]).astype(float)
                else:
                    rank = rows["amount"]
                rows = rows.assign(_r=rank.to_numpy()).sort_values(["_r", "entity_id"], ascending=[False, True])
                spent_before = rows["amount"].cumsum() - rows["amount"]
                lines.loc[rows.index, "amount"] = np.clip(cap - spent_before, 0.0, rows["amount"])
            _append(lines, m, f"budget {b.id}: CNY {cap:,.0f} for CNY {claimed:,.0f} claimed in {year} "
                              f"({'pro rata' if b.method == 'pro_rata' else 'ranked'})")
    return lines
