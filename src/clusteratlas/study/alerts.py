"""Early warnings over a store: the facts built from the study's diagnosis, a ruleset run and
recorded, each warning kept once however many runs find it, and its state (new → seen →
handled with a note) changed by the office, every change kept and audited."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from clusteratlas.analyses.alerts import AlertRuleset, evaluate
from clusteratlas.analyses.alerts import facts as F
from clusteratlas.analyses.valuechain import local_supporting_rate
from clusteratlas.faces.terms import chinese
from clusteratlas.io import accounts, alert_records
from clusteratlas.study.diagnosis import Diagnosis, NotComputable

STATES = ("new", "seen", "handled")
STATE_ZH = chinese("alert_state")


class AlertRefused(ValueError):
    """A change to an alert's state that the rules refuse, with the reason."""


def alert_facts(d: Diagnosis, as_of: dt.date) -> dict[str, pd.DataFrame]:
    """Every subject's facts for the study's region and period (projects as of ``as_of``)."""
    s, t = d.study, d.study.tables
    out = {"firm_period": F.firm_periods(t["firms"], t["firm_years"], s.region, s.year, s.month_to),
           "supply": F.single_sources(t["supply_links"], t["firms"], s.region),
           "project": F.project_states(t["projects"], s.region, as_of),
           "target": F.target_states(d.targets(), _names(t))}
    try:
        year = s.latest_full_year()
        out["firm_grade"] = F.firm_grades(d.land_efficiency(year).firms, d.land_efficiency(year - 1).firms,
                                          t["firms"], year)
    except (ValueError, NotComputable):  # fewer than two graded years: nothing to compare
        out["firm_grade"] = pd.DataFrame()
        year = None
    rates = local_supporting_rate(t["firms"], t["firm_years"], t["supply_links"], s.region)
    if year is not None:
        rates = rates[rates["year"] <= year]
    out["leader_rate"] = F.leader_rates(rates, t["firms"])
    return out


def _names(t) -> dict:
    """id → name of the regions, parks and firms of the study's tables."""
    out = {}
    for table, key in (("regions", "region_id"), ("parks", "park_id"), ("firms", "firm_id")):
        out.update(t[table].set_index(key)["name"].to_dict())
    return out


def run_alerts(store, d: Diagnosis, actor: str, ruleset: AlertRuleset | None = None,
               as_of: dt.date | None = None, parameters: dict | None = None) -> dict:
    """Run a ruleset (default: the shipped one) on the diagnosis's facts and record it: a new
    warning is kept with the state 'new'; one found before keeps its state and notes its latest
    run. Returns the run's id and counts."""
    ruleset = ruleset or AlertRuleset.load()
    as_of = as_of or dt.date.today()
    found = evaluate(ruleset, alert_facts(d, as_of), d.study.region, parameters)
    with store.transaction(lock="alerts"):
        known = alert_records.known_keys(store, found["alert_key"].tolist())
        run_id = alert_records.insert_run(
            store, ruleset=ruleset.id, sha256=ruleset.sha256, region_id=d.study.region, period=d.study.period_label,
            as_of=as_of, data_version=d.study.data_version, parameters={**ruleset.parameters, **(parameters or {})},
            found=len(found), new=int((~found["alert_key"].isin(known)).sum()), actor=actor)
        for a in found.to_dict("records"):
            a = {k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in a.items()}
            if a["alert_key"] in known:
                alert_records.found_again(store, known[a["alert_key"]], a, run_id)
            else:
                alert_records.insert_event(store, alert_records.insert_alert(store, a, run_id), "new", actor)
        accounts.audit(store, actor, "-", "write", "alerts",
                       f"run {run_id}: {ruleset.id}, {len(found)} warnings, {len(found) - len(known)} new")
    return {"run_id": run_id, "alerts": len(found), "new": len(found) - len(known)}


def alerts(store, *, region_id: str | None = None, state: str | None = None) -> pd.DataFrame:
    """Every alert with its state as it stands, newest first."""
    a = alert_records.alerts_with_state(store)
    if region_id is not None:
        a = a[a["region_id"] == region_id]
    if state is not None:
        a = a[a["state"] == state]
    a = a.assign(state_zh=a["state"].map(STATE_ZH))
    return a.sort_values("alert_id", ascending=False, ignore_index=True)


def mark_alert(store, alert_id: int, state: str, actor: str, note: str | None = None) -> int:
    """An alert seen, or handled (with a note saying how), by ``actor``; kept beside its earlier
    states. A handled alert found again by a later run keeps its state."""
    if state not in STATES[1:]:
        raise AlertRefused(f"state must be {' or '.join(STATES[1:])}")
    note = (note or "").strip() or None
    if state == "handled" and not note:
        raise AlertRefused("say how it was handled: a note is required")
    if note is not None and len(note) > 2000:
        raise AlertRefused("note: at most 2000 characters")
    history = alert_records.alert_events(store, int(alert_id))
    if history.empty:
        raise AlertRefused(f"no alert {alert_id}")
    with store.transaction():
        event_id = alert_records.insert_event(store, int(alert_id), state, actor, note)
        accounts.audit(store, actor, "-", "write", "alerts", f"alert {alert_id} {state}{': ' + note if note else ''}")
    return event_id


def alert_history(store, alert_id: int) -> pd.DataFrame:
    h = alert_records.alert_events(store, int(alert_id))
    if h.empty:
        raise AlertRefused(f"no alert {alert_id}")
    return h
