"""The claims ledger in the store: every event checked by ``analyses.incentives.claims`` against
the ledger so far, the award line of the recorded run it is for, the rule and the ruleset's
budgets, then appended and audited (who, what, how much)."""

from __future__ import annotations

import pandas as pd

from clusteratlas.analyses.incentives.claims import (
    APPROVED,
    CLAIMED,
    ClaimRefused,
    check_event,
    claim_states,
    committed,
)
from clusteratlas.io import accounts, records
from clusteratlas.study.records import load_ruleset


def _award_line(store, run_id: int, entity_id: str, rule_id: str, year: int, payer: str):
    lines = records.recorded_lines(store, run_id)
    hit = lines[(lines["entity_id"].astype(str) == str(entity_id)) & (lines["rule_id"] == rule_id)
                & (lines["year"] == year) & (lines["payer"] == payer) & (lines["status"] == "award")]
    return (float(hit["amount"].sum()), str(hit["ruleset"].iloc[0]) if "ruleset" in hit and len(hit) else None) \
        if len(hit) else (None, None)


def _context(store, ruleset: str, rule_id: str, year: int):
    rs = load_ruleset(ruleset, store)
    rule = next((r for r in rs.rules if r.id == rule_id), None)
    return rs, rule, rs.parameter_values(f"{int(year)}-12-31")


def claim_award(store, run_id: int, entity_id: str, rule_id: str, year: int, payer: str, actor: str,
                role: str = "-", amount: float | None = None, note: str | None = None) -> int:
    """申报: open a claim for an award line of a recorded run; returns the claim id."""
    run = records.recorded_runs(store)
    run = run[run["run_id"] == run_id]
    if run.empty:
        raise ClaimRefused(f"no incentive run {run_id}")
    ruleset = str(run["ruleset"].iloc[0])
    line_amount, _ = _award_line(store, run_id, entity_id, rule_id, year, payer)
    event = {"claim_id": None, "ruleset": ruleset, "rule_id": rule_id, "entity_id": str(entity_id),
             "year": int(year), "payer": payer, "run_id": int(run_id), "event": CLAIMED,
             "amount": line_amount if amount is None else float(amount), "actor": actor, "note": note}
    with store.transaction(lock="claims"):  # checked against the ledger as it is when appended
        check_event(records.claim_events(store), event, line_amount)
        claim_id, _ = records.insert_claim_event(store, event)
    accounts.audit(store, actor, role, "write", "claims",
                   f"claim {claim_id} claimed: {rule_id} {entity_id} {year} {payer} CNY {event['amount']:,.2f}")
    return claim_id


def decide_claim(store, claim_id: int, event: str, actor: str, role: str = "-", amount: float | None = None,
                 voucher: str | None = None, note: str | None = None) -> int:
    """审核 / 兑现: approve, reject, pay or reverse a claim; returns the event id. The step is
    checked against the ledger and the budgets as they are when it is appended: two officers
    approving at once cannot both spend the last of a budget."""
    with store.transaction(lock="claims"):
        return _decide(store, claim_id, event, actor, role, amount, voucher, note)


def _decide(store, claim_id, event, actor, role, amount, voucher, note) -> int:
    events = records.claim_events(store)
    states = claim_states(events)
    hit = states[states["claim_id"] == claim_id]
    if hit.empty:
        raise ClaimRefused(f"no claim {claim_id}")
    c = hit.iloc[0]
    rs, rule, par = _context(store, c["ruleset"], c["rule_id"], c["year"])
    if amount is None:  # the amount the step carries over: approve what was claimed, pay what was approved
        amount = {"approved": c["claimed"], "paid": c["approved"], "reversed": c["paid"]}.get(event)
    new = {"claim_id": int(claim_id), "ruleset": c["ruleset"], "rule_id": c["rule_id"], "entity_id": c["entity_id"],
           "year": int(c["year"]), "payer": c["payer"], "run_id": None if pd.isna(c["run_id"]) else int(c["run_id"]),
           "event": event, "amount": None if amount is None else float(amount), "voucher": voucher,
           "actor": actor, "note": note}
    check_event(events, new, None, rule, rs.budgets, par)
    _, event_id = records.insert_claim_event(store, new)
    shown = "" if new["amount"] is None else f" CNY {new['amount']:,.2f}"
    accounts.audit(store, actor, role, "write", "claims",
                   f"claim {claim_id} {event}:{shown}{' voucher ' + voucher if voucher else ''}"
                   f"{' — ' + note if note else ''}")
    return event_id


def claims(store) -> pd.DataFrame:
    """Every claim with its state and amounts; ``over_budget``: a claim waiting for approval
    that its budget cannot take in full any more."""
    states = claim_states(records.claim_events(store))
    states["over_budget"] = False
    for i, c in states[states["state"] == CLAIMED].iterrows():
        rs, _, par = _context(store, c["ruleset"], c["rule_id"], c["year"])
        for b in rs.budgets:
            if c["rule_id"] in b.rules and committed(states, b.rules, int(c["year"])) + c["claimed"] > b.cap_value(par):
                states.at[i, "over_budget"] = True
    return states


def ledger_totals(store) -> pd.DataFrame:
    """Approved (awaiting payment) and paid totals by ruleset, rule, payer and year (CNY), with
    each budget's cap, what it has committed (approved and paid, all its rules) and what is left."""
    s = claims(store)
    s = s.assign(approved_open=s["approved"].where(s["state"] == APPROVED, 0.0).fillna(0.0))
    out = s.groupby(["ruleset", "rule_id", "payer", "year"], as_index=False)[["approved_open", "paid"]].sum()
    out["budget"], out["cap"], out["committed"], out["left"] = None, float("nan"), float("nan"), float("nan")
    for i, r in out.iterrows():
        rs, _, par = _context(store, r["ruleset"], r["rule_id"], r["year"])
        for b in rs.budgets:
            if r["rule_id"] in b.rules:
                cap, used = b.cap_value(par), committed(s, b.rules, int(r["year"]))
                out.loc[i, ["budget", "cap", "committed", "left"]] = [b.id, cap, used, cap - used]
    return out
