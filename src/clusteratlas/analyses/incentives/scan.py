"""The eligibility scan (免申即享): every rule of a ruleset against every entity a store holds,
so the office finds who is owed what before anyone applies.

Inputs come from the store's facts (``facts``) through the ruleset's ``store_inputs`` (a
documented expression per input, e.g. ``three_industries: in_key_industry``), with any inputs
the office keeps in a file laid over them (entity_id plus the inputs' columns). Each entity ×
rule gets one outcome:

- ``eligible``: the condition holds; the amount is the run's (one-offs net of what was paid
  before, one award per item, budgets), with its status (award, for decision, paid before,
  suppressed) and reason. Where an input of the amount alone is missing, the entity is still
  eligible and the amount is left empty, naming the input.
- ``not eligible``: the condition fails on the data; ``reason`` lists the parts of it that fail.
- ``undecidable``: the condition needs an input the store does not hold (for every entity, or
  for this one); ``missing_inputs`` names them and ``where`` says where to record them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.analyses.incentives.engine import Rule, Ruleset, _column, run
from clusteratlas.analyses.incentives.expressions import Expression
from clusteratlas.analyses.incentives.facts import store_facts

ELIGIBLE, NOT_ELIGIBLE, UNDECIDABLE = "eligible", "not eligible", "undecidable"
OUTCOME_COLUMNS = ["ruleset", "entity_id", "entity", "name", "rule_id", "clause", "title_zh", "outcome",
                   "status", "amount", "missing_inputs", "where", "reason"]


@dataclass(frozen=True)
class Scan:
    outcomes: pd.DataFrame  # OUTCOME_COLUMNS, one row per entity × rule of its kind
    lines: pd.DataFrame  # the run's award lines (what would be paid, by payer and year)
    inputs: pd.DataFrame  # the entities with the inputs the scan used
    sources: pd.DataFrame  # kind, input, source (a store_inputs expression, the file, or missing)

    def summary(self) -> pd.DataFrame:
        """Per rule: entities eligible, not eligible and undecidable, and the amount due."""
        o = self.outcomes
        g = o.groupby(["rule_id", "clause", "title_zh"], sort=False)
        out = pd.DataFrame({
            "eligible": g["outcome"].apply(lambda x: int((x == ELIGIBLE).sum())),
            "not_eligible": g["outcome"].apply(lambda x: int((x == NOT_ELIGIBLE).sum())),
            "undecidable": g["outcome"].apply(lambda x: int((x == UNDECIDABLE).sum())),
            "amount": g["amount"].sum(min_count=1),
            "missing_inputs": g["missing_inputs"].apply(lambda x: ", ".join(sorted({i for v in x if v for i in v.split(", ")}))),
        })
        return out.reset_index()


def map_inputs(ruleset: Ruleset, facts: dict[str, pd.DataFrame], year: int, par: dict) -> tuple[pd.DataFrame, list[dict]]:
    """The entities with each input of ``store_inputs`` computed from the facts where the
    facts it needs are in the store; returns them and where each input came from."""
    frames, sources = [], []
    for kind, f in facts.items():
        if f.empty:
            continue
        e = f[["entity_id", "entity", "name"]].copy()
        var = {c: _column(f[c]) for c in f.columns if c not in ("entity_id", "entity", "name")}
        var["year"] = np.full(len(f), float(year))
        for name, expr in ruleset.store_inputs.get(kind, {}).items():
            lacking = sorted(expr.names - set(var))
            if lacking:
                sources.append({"kind": kind, "input": name, "source": f"store: {expr.text}",
                                "missing": "the store has no " + ", ".join(lacking)})
                continue
            e[name] = expr.evaluate(var, par, len(f))
            sources.append({"kind": kind, "input": name, "source": f"store: {expr.text}", "missing": ""})
        frames.append(e)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["entity_id", "entity", "name"])
    return out, sources


def scan(ruleset: Ruleset, entities: pd.DataFrame, year: int, history: pd.DataFrame | None = None,
         sources: list[dict] | None = None, overrides: dict | None = None) -> Scan:
    """Every rule over every entity of ``entities`` (entity_id, entity, name, inputs…)."""
    res = run(ruleset, entities, year, overrides, history=history)
    par = res.parameters
    frame = ruleset.with_derived(entities, year, par)
    lines = res.lines
    this_year = lines[lines["year"] == year] if len(lines) else lines
    # one status and amount per entity × rule: the first year's lines (a schedule's later years
    # are in ``lines``), summed over payers
    if len(this_year):
        g = this_year.groupby(["entity_id", "rule_id"])
        due = g[["status", "reason"]].first()
        due["amount"] = g["amount"].sum(min_count=1)
    else:
        due = pd.DataFrame(columns=["amount", "status", "reason"])
    where = _where(ruleset, sources or [])
    parts = []
    by_kind = {k: g for k, g in frame.groupby("entity", sort=False)}
    for rule in ruleset.rules:
        sub = by_kind.get(rule.entity)
        if sub is None or sub.empty:
            continue
        parts.append((rule, _rule_outcomes(ruleset, rule, sub, par, due, where)))
    outcomes = _frame(parts)
    outcomes.insert(0, "ruleset", ruleset.metadata.get("id", ""))
    src = pd.DataFrame(sources or [], columns=["kind", "input", "source", "missing"])
    return Scan(outcomes[OUTCOME_COLUMNS], lines, entities, src)


def _where(ruleset: Ruleset, sources: list[dict]) -> dict[tuple[str, str], str]:
    """For each kind and input: where the office records it when it is missing."""
    out = {}
    for s in sources:
        if s["missing"]:
            out[(s["kind"], s["input"])] = f"{s['missing']} (store_inputs: {s['source'].removeprefix('store: ')})"
    return out


def _hint(ruleset: Ruleset, kind: str, name: str, where: dict) -> str:
    if (kind, name) in where:
        return where[(kind, name)]
    doc = ruleset.input_docs.get(kind, {}).get(name, "")
    return f"an inputs file, column {name}" + (f" ({doc})" if doc else "")


def _conjuncts(e: Expression) -> list[Expression]:
    """The parts of a condition joined by ``and`` at its top, each as an expression."""
    body = e.tree.body
    if isinstance(body, ast.BoolOp) and isinstance(body.op, ast.And):
        return [Expression.parse(ast.unparse(v)) for v in body.values]
    return [e]


def _join(n: int, named, sep: str) -> np.ndarray:
    """For each entity, the names whose mask is true there, joined by ``sep``."""
    out = np.full(n, "", dtype=object)
    for name, mask in named:
        out = np.where(mask, np.where(out == "", name, out + sep + name), out)
    return out


def _rule_outcomes(ruleset: Ruleset, rule: Rule, sub: pd.DataFrame, par: dict, due: pd.DataFrame,
                   where: dict) -> dict[str, np.ndarray]:
    """The outcome columns of one rule over its entities, as arrays (one frame is built at
    the end: a frame per rule costs more than the rule)."""
    n = len(sub)
    ids = sub["entity_id"].astype(str).to_numpy(dtype=object)

    def col(value):
        out = np.empty(n, dtype=object)
        out[:] = value
        return out

    out = {"entity_id": ids, "name": sub["name"].to_numpy(dtype=object) if "name" in sub else ids,
           "rule_id": rule.id, "outcome": col(UNDECIDABLE), "status": col(""),
           "amount": np.full(n, np.nan), "missing_inputs": col(""), "where": col(""), "reason": col("")}
    why = rule.not_in_force(par, ruleset.metadata.get("effective_from"), f"{int(sub['year'].iloc[0])}-12-31")
    if why:
        out["outcome"][:] = NOT_ELIGIBLE
        out["reason"][:] = f"{rule.clause}: {why}"
        return out
    have = set(sub.columns)
    cond_missing = sorted(rule.when.names - have)
    if cond_missing:
        out["missing_inputs"][:] = ", ".join(cond_missing)
        out["where"][:] = "; ".join(f"{m}: {_hint(ruleset, rule.entity, m, where)}" for m in cond_missing)
        out["reason"][:] = f"{rule.clause}: {rule.when.text} — cannot be checked"
        return out
    var = {c: _column(sub[c]) for c in rule.when.names}
    held = rule.when.holds(var, par, n)
    # a figure the entity lacks leaves it undecidable only where no part of the condition that
    # it does have figures for already fails
    gaps = {c: (np.isnan(v) if v.dtype.kind == "f" else pd.isna(v)) if v.dtype != bool else np.zeros(n, bool)
            for c, v in var.items()}
    parts = _conjuncts(rule.when)
    fails = [(part, ~part.holds({c: var[c] for c in part.names}, par, n)) for part in parts]
    gap_in = [np.logical_or.reduce([gaps[c] for c in part.names]) if part.names else np.zeros(n, bool)
              for part, _ in fails]
    surely = np.logical_or.reduce([f & ~g for (_, f), g in zip(fails, gap_in)])
    failing = ~held & surely
    undecided = ~held & ~surely
    if failing.any():
        why = _join(int(failing.sum()), [(part.text, (f & ~g)[failing]) for (part, f), g in zip(fails, gap_in)], "; ")
        out["outcome"][failing] = NOT_ELIGIBLE
        out["reason"][failing] = ["fails: " + w for w in why]
    if undecided.any():
        lacking = _join(int(undecided.sum()), [(c, gaps[c][undecided]) for c in sorted(rule.when.names)], ", ")
        out["missing_inputs"][undecided] = lacking
        out["where"][undecided] = [f"record {m} for this {rule.entity}" for m in lacking]
        out["reason"][undecided] = f"{rule.clause}: {rule.when.text} — lacks figures"
    out["outcome"][held] = ELIGIBLE
    amount_missing = sorted(rule.inputs - have)
    if amount_missing:
        out["missing_inputs"][held] = ", ".join(amount_missing)
        out["where"][held] = "; ".join(f"{m}: {_hint(ruleset, rule.entity, m, where)}" for m in amount_missing)
        out["status"][held] = "amount undecidable"
        out["reason"][held] = f"{rule.clause}: {rule.when.text} — holds; the amount needs " + ", ".join(amount_missing)
        return out
    if held.any():
        if len(due):
            d = due.reindex(pd.MultiIndex.from_arrays([ids[held], np.full(int(held.sum()), rule.id)]))
            out["amount"][held] = d["amount"].to_numpy(dtype=float)
            out["status"][held] = d["status"].fillna("zero amount").to_numpy(dtype=object)
            out["reason"][held] = d["reason"].fillna(f"{rule.clause}: {rule.when.text} — holds").to_numpy(dtype=object)
        else:
            out["status"][held] = "zero amount"
            out["reason"][held] = f"{rule.clause}: {rule.when.text} — holds"
    return out


def _frame(parts: list[tuple[Rule, dict]]) -> pd.DataFrame:
    """One outcome frame from the rules' arrays; the rule's own fields repeat, as categories."""
    if not parts:
        return pd.DataFrame(columns=OUTCOME_COLUMNS[1:])
    sizes = [len(p["entity_id"]) for _, p in parts]
    data = {c: np.concatenate([p[c] for _, p in parts]) for c in
            ("entity_id", "name", "outcome", "status", "amount", "missing_inputs", "where", "reason")}
    for field, get in (("entity", lambda r: r.entity), ("rule_id", lambda r: r.id), ("clause", lambda r: r.clause),
                       ("title_zh", lambda r: r.title_zh)):
        data[field] = pd.Categorical(np.repeat([get(r) for r, _ in parts], sizes))
    return pd.DataFrame(data)[OUTCOME_COLUMNS[1:]]


def store_scan(ruleset: Ruleset, tables, region: str, year: int, key_industries=(),
               extra_inputs: pd.DataFrame | None = None, history: pd.DataFrame | None = None) -> Scan:
    """``scan`` on a store's tables: the region's firms, projects and parks with the ruleset's
    ``store_inputs``, and ``extra_inputs`` (entity_id, entity?, inputs…: what the office
    records beside the store, e.g. brands won) laid over them; entities only in the file (a
    guarantee institution) join the scan."""
    par = ruleset.parameter_values(f"{year}-12-31")
    facts = store_facts(tables, region, year, key_industries)
    entities, sources = map_inputs(ruleset, facts, year, par)
    if extra_inputs is not None and len(extra_inputs):
        extra = extra_inputs.copy()
        extra["entity_id"] = extra["entity_id"].astype(str)
        known = entities.drop_duplicates("entity_id").set_index("entity_id")
        if "entity" not in extra:
            extra["entity"] = extra["entity_id"].map(known["entity"])
            if extra["entity"].isna().any():
                unknown = extra.loc[extra["entity"].isna(), "entity_id"].head(5).tolist()
                raise ValueError(f"inputs file: entities {unknown} are not in the store; give their kind "
                                 "in an entity column (firm, project, park, guarantor)")
        columns = [c for c in extra.columns if c not in ("entity_id", "entity", "name")]
        for c in columns:
            for kind in extra["entity"].unique():
                sources = [s for s in sources if not (s["kind"] == kind and s["input"] == c)]
                sources.append({"kind": kind, "input": c, "source": "inputs file", "missing": ""})
        merged = entities.set_index("entity_id")
        extra = extra.set_index("entity_id")
        new = extra.index.difference(merged.index)
        merged = pd.concat([merged, extra.loc[new, ["entity", *[c for c in ("name",) if c in extra]]]])
        for c in columns:
            merged[c] = extra[c].combine_first(merged[c]) if c in merged else extra[c]
        entities = merged.reset_index().rename(columns={"index": "entity_id"})
        if "name" not in entities or entities["name"].isna().any():
            entities["name"] = entities.get("name", entities["entity_id"]).fillna(entities["entity_id"])
    return scan(ruleset, entities, year, history=history, sources=sources)
