"""Early warnings as the store keeps them: runs, alerts (one row a warning, found again by later
runs) and the append-only events of their states. The checks are the caller's (``study.alerts``)."""

from __future__ import annotations

import json

import pandas as pd

ALERT_FIELDS = ("alert_key", "rule_id", "subject", "severity", "title_zh", "title_en", "scope", "region_id",
                "park_id", "firm_id", "message_zh", "message_en")


def insert_run(store, *, ruleset: str, sha256: str, region_id: str, period: str, as_of, data_version: int,
               parameters: dict, found: int, new: int, actor: str) -> int:
    return int(store.con.execute(
        "INSERT INTO alert_runs (ruleset, ruleset_sha256, region_id, period, as_of, data_version, parameters, "
        "alerts, new_alerts, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING run_id",
        [ruleset, sha256, region_id, period, as_of, data_version, json.dumps(parameters, sort_keys=True), found,
         new, actor]).fetchall()[0][0])


def known_keys(store, keys: list[str]) -> dict[str, int]:
    """alert_key → alert_id of the warnings found before."""
    if not keys:
        return {}
    rows = store.con.execute(f"SELECT alert_key, alert_id FROM alerts WHERE alert_key IN "
                             f"({', '.join('?' * len(keys))})", keys).fetchall()
    return {k: int(i) for k, i in rows}


def insert_alert(store, alert: dict, run_id: int) -> int:
    values = [alert.get(k) for k in ALERT_FIELDS]
    return int(store.con.execute(
        f"INSERT INTO alerts ({', '.join(ALERT_FIELDS)}, first_run_id, last_run_id) "
        f"VALUES ({', '.join('?' * len(ALERT_FIELDS))}, ?, ?) RETURNING alert_id", [*values, run_id, run_id]
    ).fetchall()[0][0])


def found_again(store, alert_id: int, alert: dict, run_id: int) -> None:
    """A warning found again: its latest run and wording (the figures may have moved)."""
    store.con.execute("UPDATE alerts SET last_run_id = ?, message_zh = ?, message_en = ?, severity = ? "
                      "WHERE alert_id = ?", [run_id, alert["message_zh"], alert["message_en"], alert["severity"],
                                             alert_id])


def insert_event(store, alert_id: int, state: str, actor: str, note: str | None = None) -> int:
    return int(store.con.execute(
        "INSERT INTO alert_events (alert_id, state, note, actor) VALUES (?, ?, ?, ?) RETURNING event_id",
        [alert_id, state, note, actor]).fetchall()[0][0])


def alerts_with_state(store) -> pd.DataFrame:
    """Every alert with its newest state, note, who set it and when."""
    return store.sql(
        "SELECT a.*, e.state, e.note, e.actor AS state_by, e.changed_at AS state_at, r.created_at AS found_at "
        "FROM alerts a JOIN alert_events e ON e.event_id = (SELECT max(event_id) FROM alert_events x "
        "WHERE x.alert_id = a.alert_id) JOIN alert_runs r ON r.run_id = a.last_run_id ORDER BY a.alert_id")


def alert_events(store, alert_id: int) -> pd.DataFrame:
    return store.sql("SELECT * FROM alert_events WHERE alert_id = ? ORDER BY event_id", [alert_id])


def runs(store) -> pd.DataFrame:
    return store.sql("SELECT * FROM alert_runs ORDER BY run_id DESC")
