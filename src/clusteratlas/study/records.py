"""What the faces record in the store, each checked by its analysis first and written through
``io``: rulesets a policy office adds, incentive runs, manual grade overrides, contracts from
supplier matching (which become supply links), and users."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from clusteratlas.analyses.incentives import Ruleset, RunResult, award_totals, check_ruleset, list_rulesets
from clusteratlas.analyses.incentives import load_ruleset as _load
from clusteratlas.analyses.land_efficiency import check_override
from clusteratlas.analyses.matching import contracts_to_supply_links
from clusteratlas.io import accounts, queries, records
from clusteratlas.policy.access import User, check_new_user, visible_entities


def add_ruleset(store, text: str, cases_text: str | None = None, author: str | None = None) -> int:
    """Check a ruleset against its cases (``RulesetRejected`` with the failures) and keep it in
    the store, append-only; returns its ruleset_id."""
    rs = check_ruleset(text, cases_text)
    return records.insert_ruleset(store, name=str(rs.metadata["id"]), title_zh=rs.metadata.get("title_zh"),
                                  sha256=rs.sha256, source_text=text, cases_text=cases_text, author=author)


def rulesets(store=None) -> pd.DataFrame:
    """Every ruleset a run may use: shipped ones, then the store's (newest first)."""
    return list_rulesets(records.stored_rulesets(store) if store is not None else None)


def load_ruleset(name: str, store=None) -> Ruleset:
    """A shipped ruleset by name, else the newest of that name in the store (never a path)."""
    return _load(name, records.ruleset_text(store, name) if store is not None else None)


def ruleset_guides(name: str, year: int, lang: str = "zh", store=None, rule: str | None = None) -> list:
    """The 申兑指南 of a ruleset (every rule, or one), with examples from its own test cases:
    the shipped ones' files, or the cases a stored one was added with."""
    from clusteratlas.analyses.incentives.engine import _bounded_yaml, shipped_cases
    from clusteratlas.analyses.incentives.guide import guide, guides
    from clusteratlas.analyses.incentives.library import SHIPPED

    rs = load_ruleset(name, store)
    if name in SHIPPED:
        cases = shipped_cases(name)
    else:
        text = records.ruleset_cases_text(store, name) if store is not None else None
        cases = (_bounded_yaml(text) or {}).get("cases", []) if text else []
    return [guide(rs, rule, year, lang, cases)] if rule else guides(rs, year, lang, cases)


def record_run(store, result: RunResult, ruleset: Ruleset, label: str | None = None) -> int:
    """Keep an incentive run and its award lines, with the store's data version it was run on."""
    version = queries.data_version(store)
    return records.insert_run(store, ruleset=str(ruleset.metadata.get("id", "")),
                              ruleset_sha256=result.ruleset_sha256, inputs_sha256=result.inputs_sha256,
                              year=result.year, parameters=result.parameters, lines=result.lines,
                              label=label, dataset_id=version or None)


@dataclass(frozen=True)
class RecordedRun:
    """A recorded incentive run: its row (ruleset, hash, year, label …), its award totals
    (as published when asked), and its lines (only for roles that may see them)."""

    meta: pd.Series
    totals: object  # analyses.incentives.AwardTotals
    lines: pd.DataFrame


def recorded_run(store, run_id: int | None = None, withhold: bool = False,
                 known_entities=()) -> RecordedRun | None:
    """A recorded run — the newest when ``run_id`` is None; None when no run is recorded;
    KeyError for an unknown id. ``withhold``: totals as published (disclosure rules), to a
    reader who knows the awards of ``known_entities``."""
    runs = records.recorded_runs(store)
    if runs.empty:
        return None
    if run_id is None:
        run_id = int(runs["run_id"].iloc[0])
    hit = runs[runs["run_id"] == run_id]
    if hit.empty:
        raise KeyError(f"no incentive run {run_id} in the store")
    lines = records.recorded_lines(store, run_id)
    return RecordedRun(hit.iloc[0], award_totals(lines, withhold=withhold, known_entities=known_entities), lines)


def award_history(store, ruleset: str) -> pd.DataFrame:
    """What a ruleset's rules paid each entity in the years recorded, for one-off awards: the
    claims ledger's payments (net of reversals) once the office keeps one; before that, the
    newest recorded run of each year (a what-if run recorded earlier does not add up)."""
    paid = records.paid_by_year(store, ruleset)
    return paid if len(paid) else records.awarded_by_run_year(store, ruleset)


def published_run(store, run_id: int | None, user: User, region: str | None) -> RecordedRun | None:
    """A recorded run as ``user`` may read its totals: as computed for those who see the
    region's raw aggregates; otherwise disclosure-controlled against what the reader knows
    anyway — the award lines they may read (a firm its own, a park's manager their park's)."""
    raw = user.sees_raw_aggregates_of(region)
    if raw:
        return recorded_run(store, run_id)
    if run_id is None:
        runs = records.recorded_runs(store)
        if runs.empty:
            return None
        run_id = int(runs["run_id"].iloc[0])
    known = visible_entities(records.recorded_lines(store, run_id)["entity_id"].unique(), store.table("firms"),
                             store.table("projects"), store.table("parks"), user)
    return recorded_run(store, run_id, withhold=True, known_entities=known)


def record_override(store, method: str, firm_id: str, year: int, month_to: int, grade: str,
                    reason: str, author: str) -> int:
    """Add a manual grade override beside the computed grade (never in its place)."""
    reason, author = check_override(grade, reason, author)
    return records.insert_grade_override(store, method=method, firm_id=firm_id, year=year,
                                         month_to=month_to, grade=grade, reason=reason, author=author)


def record_contracts(store) -> dict:
    """Write the contracts among the store's match outcomes into ``supply_links`` through the
    importer (a dataset version of its own, all or nothing). Returns the import summary."""
    from clusteratlas.io.importer import import_files

    links = contracts_to_supply_links(store.table("match_outcomes"), store.table("purchase_needs"),
                                      store.table("firms"))
    if links.empty:
        return {"rows": 0}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contracted_supply_links.csv"
        links.to_csv(path, index=False, encoding="utf-8")
        report = import_files(store, [path], table="supply_links", force=True)
    return {"rows": report.rows.get("supply_links", 0), "files": [f.file for f in report.files]}


def add_user(store, username: str, password: str, role: str, region_id=None, park_id=None,
             firm_id=None) -> None:
    """Add a user of a role and scope (checked by ``policy.access``), password argon2-hashed."""
    check_new_user(role, password, region_id, park_id, firm_id)
    accounts.insert_user(store, username, password, role, region_id, park_id, firm_id)
