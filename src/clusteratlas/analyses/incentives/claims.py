"""The claims ledger of an incentive office (申报 → 审核 → 兑现): each award of a recorded run
goes from claimed to approved (or rejected) to paid, and a payment is undone only by a
reversal. The ledger is a list of events, never edited; a claim's state is its last event.

``check_event`` says whether a new event may be appended, and why not:

- a claim is for one award line of a recorded run (entity, rule, year, payer, status award),
  for at most its amount, and no second claim of the same award may be open or paid;
- approval follows a claim, for at most the claimed amount, and never past a budget: the
  approved and paid amounts of the budget's rules in that year, with this one, stay within
  the cap (over-budget claims are flagged before approval, in ``claim_states``);
- payment follows approval, for at most the approved amount, with a voucher reference; a
  one-off award (``once``) already paid to the entity under any claim is not paid again
  (a tiered one-off pays at most the difference between its tier and what was paid);
- a reversal undoes a payment in full, with a voucher and a note.
"""

from __future__ import annotations

import pandas as pd

CLAIMED, APPROVED, REJECTED, PAID, REVERSED = "claimed", "approved", "rejected", "paid", "reversed"
NEXT = {None: {CLAIMED}, CLAIMED: {APPROVED, REJECTED}, APPROVED: {PAID}, PAID: {REVERSED},
        REJECTED: set(), REVERSED: set()}


class ClaimRefused(ValueError):
    """The event cannot be appended; the message says why."""


def claim_states(events: pd.DataFrame) -> pd.DataFrame:
    """One row per claim: its award (ruleset, rule, entity, year, payer, run), its state (the
    last event) and the amounts claimed, approved and paid (net of reversals), in CNY."""
    cols = ["claim_id", "ruleset", "rule_id", "entity_id", "year", "payer", "run_id", "state",
            "claimed", "approved", "paid", "voucher", "updated_at"]
    if events.empty:
        return pd.DataFrame(columns=cols)
    e = events.sort_values("event_id")
    first = e.drop_duplicates("claim_id")
    last = e.drop_duplicates("claim_id", keep="last").set_index("claim_id")

    def amount_of(kind):
        return e[e["event"] == kind].groupby("claim_id")["amount"].sum()

    out = first[["claim_id", "ruleset", "rule_id", "entity_id", "year", "payer", "run_id"]].set_index("claim_id")
    out["state"] = last["event"]
    out["claimed"] = amount_of(CLAIMED)
    out["approved"] = amount_of(APPROVED)
    out["paid"] = amount_of(PAID).reindex(out.index, fill_value=0.0) - amount_of(REVERSED).reindex(out.index, fill_value=0.0)
    out["voucher"] = e[e["event"] == PAID].groupby("claim_id")["voucher"].last()
    out["updated_at"] = last["created_at"] if "created_at" in last else None
    return out.reset_index()[cols]


def _open_or_paid(states: pd.DataFrame) -> pd.DataFrame:
    return states[~states["state"].isin([REJECTED, REVERSED])]


def committed(states: pd.DataFrame, rules, year: int) -> float:
    """What a budget has committed in ``year``: approved amounts not yet paid, and payments."""
    s = states[states["rule_id"].isin(list(rules)) & (states["year"] == year)]
    waiting = s.loc[s["state"] == APPROVED, "approved"].sum()
    return float(waiting + s.loc[s["state"].isin([PAID, REVERSED]), "paid"].sum())


def check_event(events: pd.DataFrame, event: dict, line_amount: float | None, rule=None,
                budgets=(), par: dict | None = None) -> None:
    """``ClaimRefused`` unless ``event`` (claim_id, event, amount, voucher, note, and for a new
    claim: ruleset, rule_id, entity_id, year, payer) may follow ``events``. ``line_amount``: the
    award line's amount (a new claim); ``rule``: the ruleset's rule; ``budgets``: the ruleset's
    budgets with ``par``, its parameter values for the year."""
    states = claim_states(events)
    kind = event["event"]
    amount = event.get("amount")
    if kind == CLAIMED:
        if line_amount is None:
            raise ClaimRefused(f"no award line of run {event.get('run_id')} for {event['entity_id']} under "
                               f"{event['rule_id']} in {event['year']} paid by {event['payer']}")
        same = _open_or_paid(states)
        same = same[(same["ruleset"] == event["ruleset"]) & (same["rule_id"] == event["rule_id"])
                    & (same["entity_id"] == event["entity_id"]) & (same["year"] == event["year"])
                    & (same["payer"] == event["payer"])]
        if len(same):
            c = same.iloc[0]
            raise ClaimRefused(f"this award is already claimed: claim {int(c['claim_id'])} ({c['state']})")
        if amount is not None and amount > line_amount + 0.005:
            raise ClaimRefused(f"a claim of CNY {amount:,.2f} exceeds the award of CNY {line_amount:,.2f}")
        return
    hit = states[states["claim_id"] == event["claim_id"]]
    if hit.empty:
        raise ClaimRefused(f"no claim {event['claim_id']}")
    c = hit.iloc[0]
    if kind not in NEXT[c["state"]]:
        allowed = ", ".join(sorted(NEXT[c["state"]])) or "nothing: it is closed"
        raise ClaimRefused(f"claim {int(c['claim_id'])} is {c['state']}: it may next be {allowed}, not {kind}")
    if kind == APPROVED:
        if amount is None or amount <= 0 or amount > c["claimed"] + 0.005:
            raise ClaimRefused(f"approve an amount above 0 and at most the CNY {c['claimed']:,.2f} claimed")
        for b in budgets:
            if c["rule_id"] in b.rules:
                cap = b.cap_value(par or {})
                used = committed(states, b.rules, int(c["year"]))
                if used + amount > cap + 0.005:
                    raise ClaimRefused(f"over budget {b.id} ({b.clause}): CNY {cap:,.0f} a year, CNY {used:,.0f} "
                                       f"approved or paid in {int(c['year'])}; approving CNY {amount:,.0f} more "
                                       f"would exceed it by CNY {used + amount - cap:,.0f}")
    elif kind == PAID:
        if amount is None or amount <= 0 or amount > c["approved"] + 0.005:
            raise ClaimRefused(f"pay an amount above 0 and at most the CNY {c['approved']:,.2f} approved")
        if not event.get("voucher"):
            raise ClaimRefused("a payment needs its voucher reference")
        if rule is not None and rule.once:
            before = states[(states["ruleset"] == c["ruleset"]) & (states["rule_id"] == c["rule_id"])
                            & (states["entity_id"] == c["entity_id"]) & (states["claim_id"] != c["claim_id"])]
            paid = float(before["paid"].sum())
            # a tiered one-off's line already nets what the ledger paid (the run's history)
            if paid > 0 and rule.once == "entity":
                years = ", ".join(str(int(y)) for y in sorted(before.loc[before["paid"] > 0, "year"]))
                raise ClaimRefused(f"{c['rule_id']} is a one-off award (一次性奖励): CNY {paid:,.0f} was paid to "
                                   f"{c['entity_id']} for {years}; it is not paid again")
    elif kind == REJECTED:
        if not event.get("note"):
            raise ClaimRefused("a rejection needs its reason (note)")
    elif kind == REVERSED:
        if not event.get("note") or not event.get("voucher"):
            raise ClaimRefused("a reversal needs its voucher reference and a note saying why")
        if amount is not None and abs(amount - c["paid"]) > 0.005:
            raise ClaimRefused(f"a reversal undoes the whole payment of CNY {c['paid']:,.2f}")


def unclaimed(outcomes: pd.DataFrame, states: pd.DataFrame, year: int) -> pd.DataFrame:
    """Eligible awards of a scan (``scan.Scan.outcomes``) with an amount due and no open or paid
    claim: what the office owes and nobody has asked for yet (免申即享)."""
    due = outcomes[(outcomes["outcome"] == "eligible") & (outcomes["status"] == "award") & (outcomes["amount"] > 0)]
    if states.empty:
        return due.reset_index(drop=True)
    taken = _open_or_paid(states)
    taken = taken[taken["year"] == year]
    keys = set(zip(taken["ruleset"], taken["rule_id"], taken["entity_id"].astype(str)))
    mask = [(r, u, str(e)) not in keys for r, u, e in zip(due["ruleset"], due["rule_id"], due["entity_id"])]
    return due[mask].reset_index(drop=True)
