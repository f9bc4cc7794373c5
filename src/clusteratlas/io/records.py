"""What the system writes besides imports, and reads back: incentive runs and their award lines,
rulesets added by a policy office, manual grade overrides, traded/local class records. Each write
is append-only; what checks a record before it is written lives with the analysis it belongs to."""

from __future__ import annotations

import json

import pandas as pd


def insert_run(store, *, ruleset: str, ruleset_sha256: str, inputs_sha256: str, year: int,
               parameters: dict, lines: pd.DataFrame, label: str | None = None,
               dataset_id: int | None = None) -> int:
    """Record an incentive run and its award lines in one transaction; returns the run id."""
    params = json.dumps(parameters, ensure_ascii=False, default=str)
    with store.transaction():
        run_id = store.con.execute(
            "INSERT INTO incentive_runs (ruleset, ruleset_sha256, inputs_sha256, dataset_id, year, "
            "parameters, label) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING run_id",
            [ruleset, ruleset_sha256, inputs_sha256, dataset_id, year, params, label]).fetchall()[0][0]
        columns = [r[0] for r in store.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'award_lines' "
            "AND table_schema = current_schema() ORDER BY ordinal_position").fetchall()]
        with store.staged("_lines", lines.assign(run_id=run_id)[columns], like="award_lines"):
            store.con.execute(f"INSERT INTO award_lines SELECT {', '.join(columns)} FROM _lines")
    return int(run_id)


def recorded_runs(store) -> pd.DataFrame:
    """The incentive runs recorded in the store, newest first, with their line counts."""
    return store.sql(
        "SELECT r.run_id, r.ruleset, r.ruleset_sha256, r.inputs_sha256, r.year, r.label, "
        "r.created_at, count(l.run_id) AS lines, count(l.run_id) FILTER (WHERE l.status = 'award') "
        "AS awards FROM incentive_runs r LEFT JOIN award_lines l USING (run_id) GROUP BY r.run_id, r.ruleset, "
        "r.ruleset_sha256, r.inputs_sha256, r.year, r.label, r.created_at ORDER BY r.run_id DESC")


def recorded_lines(store, run_id: int) -> pd.DataFrame:
    """The award lines of one recorded run; KeyError when there is no such run."""
    if store.sql("SELECT count(*) n FROM incentive_runs WHERE run_id = ?", [run_id]).iloc[0, 0] == 0:
        raise KeyError(f"no incentive run {run_id} in the store")
    return store.sql("SELECT * FROM award_lines WHERE run_id = ? ORDER BY entity_id, rule_id, payer",
                     [run_id])


def awarded_by_run_year(store, ruleset: str) -> pd.DataFrame:
    """Awards of the newest recorded run of each year of ``ruleset``: entity_id, rule_id, year
    (the run's), amount (CNY, summed over payers and the years it schedules)."""
    return store.sql(
        "SELECT l.entity_id, l.rule_id, r.year, sum(l.amount) AS amount FROM award_lines l "
        "JOIN incentive_runs r USING (run_id) WHERE l.status = 'award' AND r.run_id IN "
        "(SELECT max(run_id) FROM incentive_runs WHERE ruleset = ? GROUP BY year) "
        "GROUP BY l.entity_id, l.rule_id, r.year ORDER BY r.year, l.entity_id", [ruleset])


def incentive_version(store) -> tuple[int, int, int]:
    """What incentive results depend on beyond the imported data: the newest claim event,
    recorded run and stored ruleset (a scan's one-off history and its rulesets change with them)."""
    return tuple(int(v) for v in store.con.execute(
        "SELECT (SELECT coalesce(max(event_id), 0) FROM claim_events), "
        "(SELECT coalesce(max(run_id), 0) FROM incentive_runs), "
        "(SELECT coalesce(max(ruleset_id), 0) FROM rulesets)").fetchall()[0])


def claim_events(store) -> pd.DataFrame:
    """Every event of the claims ledger, oldest first."""
    return store.sql("SELECT * FROM claim_events ORDER BY event_id")


def insert_claim_event(store, event: dict) -> tuple[int, int]:
    """Append one ledger event (a new claim when claim_id is None); returns (claim_id, event_id)."""
    with store.transaction():
        claim_id = event.get("claim_id")
        if claim_id is None:
            claim_id = store.con.execute("SELECT nextval('claim_ids')").fetchall()[0][0]
        cols = ["claim_id", "ruleset", "rule_id", "entity_id", "year", "payer", "run_id", "event", "amount",
                "voucher", "actor", "note"]
        values = [claim_id, *(event.get(c) for c in cols[1:])]
        event_id = store.con.execute(
            f"INSERT INTO claim_events ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) RETURNING event_id",
            values).fetchall()[0][0]
    return int(claim_id), int(event_id)


def paid_by_year(store, ruleset: str) -> pd.DataFrame:
    """What the ledger paid under ``ruleset`` (net of reversals): entity_id, rule_id, year, amount."""
    return store.sql(
        "SELECT entity_id, rule_id, year, sum(CASE event WHEN 'paid' THEN amount ELSE -amount END) AS amount "
        "FROM claim_events WHERE ruleset = ? AND event IN ('paid', 'reversed') "
        "GROUP BY entity_id, rule_id, year HAVING sum(CASE event WHEN 'paid' THEN amount ELSE -amount END) > 0 "
        "ORDER BY year, entity_id", [ruleset])


def insert_ruleset(store, *, name: str, title_zh: str | None, sha256: str, source_text: str,
                   cases_text: str | None, author: str | None) -> int:
    return int(store.con.execute(
        "INSERT INTO rulesets (name, title_zh, sha256, source_text, cases_text, author) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING ruleset_id",
        [name, title_zh, sha256, source_text, cases_text, author]).fetchall()[0][0])


def stored_rulesets(store) -> pd.DataFrame:
    """The rulesets added to the store, newest first (without their texts)."""
    return store.sql("SELECT name, title_zh, sha256, 'store' AS source, ruleset_id, author, "
                     "created_at FROM rulesets ORDER BY ruleset_id DESC")


def ruleset_text(store, name: str) -> str | None:
    """The YAML of the newest ruleset of that name in the store, or None."""
    hit = store.sql("SELECT source_text FROM rulesets WHERE name = ? ORDER BY ruleset_id DESC LIMIT 1",
                    [name])
    return str(hit.iloc[0, 0]) if len(hit) else None


def ruleset_cases_text(store, name: str) -> str | None:
    """The test cases the newest ruleset of that name was added with, or None."""
    hit = store.sql("SELECT cases_text FROM rulesets WHERE name = ? ORDER BY ruleset_id DESC LIMIT 1", [name])
    return str(hit.iloc[0, 0]) if len(hit) and hit.iloc[0, 0] is not None else None


def insert_grade_override(store, *, method: str, firm_id: str, year: int, month_to: int, grade: str,
                          reason: str, author: str) -> int:
    return int(store.con.execute(
        "INSERT INTO grade_overrides (method, firm_id, year, month_to, grade, reason, author) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING override_id",
        [method, firm_id, year, month_to, grade, reason, author]).fetchall()[0][0])


def insert_industry_classes(store, rows: pd.DataFrame) -> int:
    """Append traded/local class records (columns of ``industry_classes`` but its id and time)."""
    cols = ["region_id", "industry", "traded", "method", "gini", "threshold", "threshold_rule", "year",
            "regions", "reason", "author"]
    frame = rows.reindex(columns=cols)
    with store.transaction():
        for r in frame.itertuples(index=False):
            store.con.execute(f"INSERT INTO industry_classes ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                              [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in r])
    return len(frame)
