"""The claims ledger (申报 → 审核 → 兑现): an award goes from eligible to paid; a one-off award is
not paid twice, a budget is not overspent, a payment is undone only by a reversal, and every
step is in the audit log."""

from __future__ import annotations

import pandas as pd
import pytest

from clusteratlas.analyses.incentives import Ruleset, run
from clusteratlas.analyses.incentives.claims import ClaimRefused, unclaimed
from clusteratlas.analyses.incentives.scan import scan
from clusteratlas.io import records
from clusteratlas.study.claims import claim_award, claims, decide_claim, ledger_totals
from clusteratlas.study.records import award_history, record_run


@pytest.fixture(scope="module")
def changsha():
    return Ruleset.load("changsha_2005")


BRAND = pd.DataFrame([{"entity_id": "F1", "entity": "firm", "name": "拍马集团", "new_famous_brand": True}])


def _audit(store) -> pd.DataFrame:
    return store.sql("SELECT * FROM audit_log WHERE resource = 'claims' ORDER BY 1")


def test_an_award_goes_from_eligible_to_paid_and_a_one_off_is_not_paid_twice(store, changsha):
    outcomes = scan(changsha, BRAND, 2006).outcomes
    run_id = record_run(store, run(changsha, BRAND, 2006), changsha)
    # eligible and unclaimed: on the office's list (免申即享)
    assert unclaimed(outcomes, claims(store), 2006)["rule_id"].tolist() == ["c14_famous_brand"]
    cid = claim_award(store, run_id, "F1", "c14_famous_brand", 2006, "city", actor="clerk")
    assert unclaimed(outcomes, claims(store), 2006).empty
    with pytest.raises(ClaimRefused, match="already claimed"):
        claim_award(store, run_id, "F1", "c14_famous_brand", 2006, "city", actor="clerk")
    with pytest.raises(ClaimRefused, match="may next be approved, rejected, not paid"):
        decide_claim(store, cid, "paid", actor="cashier", voucher="V-1")
    decide_claim(store, cid, "approved", actor="head")
    with pytest.raises(ClaimRefused, match="voucher"):
        decide_claim(store, cid, "paid", actor="cashier")
    decide_claim(store, cid, "paid", actor="cashier", voucher="记-2006-0815")
    state = claims(store).set_index("claim_id").loc[cid]
    assert state["state"] == "paid" and state["paid"] == 500000 and state["voucher"] == "记-2006-0815"
    # the ledger is the history now: the next year's run knows the brand award was paid
    history = award_history(store, "changsha_2005")
    assert history[["entity_id", "rule_id", "year", "amount"]].values.tolist() == [["F1", "c14_famous_brand", 2006, 500000.0]]
    line = run(changsha, BRAND, 2007, history=history).lines.set_index("rule_id").loc["c14_famous_brand"]
    assert line["status"] == "paid before"
    # a run made without that history pays it again on paper; the ledger still refuses to pay
    again = record_run(store, run(changsha, BRAND, 2007), changsha)
    c2 = claim_award(store, again, "F1", "c14_famous_brand", 2007, "city", actor="clerk")
    decide_claim(store, c2, "approved", actor="head")
    with pytest.raises(ClaimRefused, match="one-off award"):
        decide_claim(store, c2, "paid", actor="cashier", voucher="记-2007-0101")
    # every step is in the audit, with who and how much
    log = _audit(store)
    assert any("claim %d paid: CNY 500,000.00 voucher 记-2006-0815" % cid in d for d in log["detail"])
    assert {"clerk", "head", "cashier"} <= set(log["username"])


def test_a_payment_is_undone_only_by_a_reversal(store, changsha):
    run_id = record_run(store, run(changsha, BRAND, 2006), changsha)
    cid = claim_award(store, run_id, "F1", "c14_famous_brand", 2006, "city", actor="clerk")
    decide_claim(store, cid, "approved", actor="head")
    decide_claim(store, cid, "paid", actor="cashier", voucher="V-9")
    with pytest.raises(ClaimRefused, match="voucher reference and a note"):
        decide_claim(store, cid, "reversed", actor="cashier")
    decide_claim(store, cid, "reversed", actor="cashier", voucher="V-9R", note="paid to the wrong account")
    events = records.claim_events(store)
    assert events.loc[events["claim_id"] == cid, "event"].tolist() == ["claimed", "approved", "paid", "reversed"]
    assert claims(store).set_index("claim_id").loc[cid, "paid"] == 0
    # reversed, the award may be claimed again
    claim_award(store, run_id, "F1", "c14_famous_brand", 2006, "city", actor="clerk")


def test_approval_past_the_budget_is_refused_and_flagged_before(store, changsha):
    """第16条: 每年安排1000万元 — three guarantors asking 6M + 3M + 3M (a run with the cap lifted)."""
    g = pd.DataFrame([{"entity_id": f"G{i}", "entity": "guarantor", "sme_guarantee_amount": a,
                       "years_since_registration": 9, "business_tax_due": 0}
                      for i, a in enumerate([6e8, 3e8, 3e8])])
    run_id = record_run(store, run(changsha, g, 2006, budgets=False), changsha)
    ids = [claim_award(store, run_id, f"G{i}", "c16_guarantee_subsidy", 2006, "guarantee_fund", actor="clerk")
           for i in range(3)]
    decide_claim(store, ids[0], "approved", actor="head")
    decide_claim(store, ids[1], "approved", actor="head")
    flagged = claims(store).set_index("claim_id")
    assert flagged.loc[ids[2], "over_budget"] and not flagged.loc[ids[0], "over_budget"]
    with pytest.raises(ClaimRefused, match="over budget guarantee_fund .* would exceed it by CNY 2,000,000"):
        decide_claim(store, ids[2], "approved", actor="head")
    decide_claim(store, ids[2], "approved", actor="head", amount=1e6)  # what is left of the fund
    totals = ledger_totals(store).set_index("rule_id").loc["c16_guarantee_subsidy"]
    assert totals["approved_open"] == 1e7 and totals["budget"] == "guarantee_fund"
    assert totals["cap"] == 1e7 and totals["committed"] == 1e7 and totals["left"] == 0
