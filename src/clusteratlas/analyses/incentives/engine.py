"""Incentives as code: a ruleset (YAML) evaluated over all entities of a year at once.

A ruleset has metadata (issuer, document, dates), parameters with dated values, units and the
clause they come from (as OpenFisca's parameters), budgets, and rules. A rule says which
entities it concerns (firm, project, park, guarantor), when they are eligible (an expression of
the safe language in :mod:`.expressions`, compared exactly), how much they get (a formula,
brackets of a variable, an amount per full step, a cap), over how many years, who pays which
share, whether it is a one-off (``once``), which exclusivity group it belongs to, and how its
clause is read (``reading``). A rule that needs a committee's judgment is marked
``decision: true`` and listed "for decision" without an amount.

``run`` produces award lines — entity, rule, clause, year, payer, amount, status, and the values
and condition that decided it — made payable by :mod:`.payable` (one-offs net of what was paid
before, one award per item, budgets), each change said on its line; the run carries the
ruleset's hash and the inputs' hash. ``compare`` sets a what-if run beside the base run;
``explain`` says, for one entity, what each rule looked at and concluded, in Chinese and
English.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass, field
from importlib import resources
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from clusteratlas.analyses.incentives.expressions import Expression, ExpressionError, exact_number, is_leaf, near
from clusteratlas.io.bounded_yaml import bounded_yaml
from clusteratlas.analyses.incentives.payable import (
    DUPLICATE_MODES,
    ONCE_MODES,
    Budget,
    apply_budgets,
    one_award_per_item,
    one_off,
)

LINE_COLUMNS = ["entity_id", "entity", "rule_id", "clause", "title_zh", "kind", "year", "payer",
                "amount", "status", "reason", "entitled"]


@dataclass(frozen=True)
class Rule:
    id: str
    clause: str
    title_zh: str
    title_en: str
    entity: str
    when: Expression
    amount: dict
    payers: list[tuple[str, Expression]]
    years: int | str = 1
    start_offset: int = 0
    group: str | None = None
    decision: bool = False
    kind: str = "grant"
    note: str = ""
    once: str | None = None  # 一次性奖励: 'entity' (once per entity) or 'difference' (tiers)
    reading: str = ""  # how the clause's text is read: who qualifies, and why

    @property
    def expressions(self) -> list[Expression]:
        """Every expression of the rule: its condition, its amount's, its payers' shares."""
        return [self.when, *self._amount_expressions(), *(share for _, share in self.payers)]

    @property
    def inputs(self) -> set[str]:
        return set().union(*(e.names for e in self.expressions))

    @property
    def params(self) -> set[str]:
        names = set().union(*(e.params for e in self.expressions))
        a = self.amount
        for spec in (a.get("brackets", {}), a.get("per_step", {})):
            for v in [spec.get("step"), spec.get("amount"),
                      *(x for st in spec.get("steps", []) for x in st.values())]:
                if isinstance(v, str) and v.startswith("param."):
                    names.add(v.removeprefix("param."))
        if isinstance(self.years, str) and self.years.startswith("param."):
            names.add(self.years.removeprefix("param."))
        return names

    def not_in_force(self, par: dict, ruleset_from: str | None, on: str) -> str | None:
        """Why the rule does not apply on ``on`` (YYYY-MM-DD), or None: the ruleset takes
        effect later, or a parameter it uses has no value yet."""
        if ruleset_from and on < str(ruleset_from):
            return f"not in force on {on}: the ruleset takes effect on {ruleset_from}"
        unset = sorted(p for p in self.params if par.get(p) is None)
        return f"not in force on {on}: no value of {', '.join(unset)} yet" if unset else None

    def _amount_expressions(self) -> list[Expression]:
        a = self.amount
        out = []
        for key in ("formula", "cap", "base"):
            if key in a:
                out.append(a[key])
        for key in ("brackets", "per_step"):
            if key in a:
                out.append(a[key]["variable"])
                if "base" in a[key]:
                    out.append(a[key]["base"])
        return out


@dataclass(frozen=True)
class Ruleset:
    metadata: dict
    parameters: dict  # name → {"values": [(date, value)], "unit", "clause", "note"}
    rules: list[Rule]
    sha256: str
    derived: dict = field(default_factory=dict)  # name → Expression over inputs and ``year``
    source_text: str = field(repr=False, default="")
    budgets: tuple[Budget, ...] = ()
    duplicate_awards: str = "higher"  # or 'top_up': see ``payable.one_award_per_item``
    input_docs: dict = field(default_factory=dict)  # kind → input → what it means
    store_inputs: dict = field(default_factory=dict)  # kind → input → Expression over store facts
    input_labels_zh: dict = field(default_factory=dict)  # input → its name in Chinese (guides)

    def with_derived(self, entities: pd.DataFrame, year: int, par: dict) -> pd.DataFrame:
        """The entities with ``year`` and every derived variable whose inputs they have."""
        e = entities.assign(year=year)
        for name, expr in self.derived.items():
            if expr.names <= set(e.columns):
                var = {c: _column(e[c]) for c in expr.names}
                e[name] = expr.evaluate(var, par, len(e))
        return e

    @classmethod
    def load(cls, name_or_path: str | Path = "changsha_2005") -> "Ruleset":
        p = Path(name_or_path)
        if p.suffix in (".yaml", ".yml") and p.exists():
            text = p.read_text(encoding="utf-8")
        else:
            f = resources.files("clusteratlas.analyses.incentives").joinpath("rulesets", f"{name_or_path}.yaml")
            if not f.is_file():
                raise ValueError(f"no ruleset {name_or_path!r}")
            text = f.read_text(encoding="utf-8")
        return cls.parse(text)

    @classmethod
    def parse(cls, text: str) -> "Ruleset":
        doc = _bounded_yaml(text)
        if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
            raise ValueError("a ruleset is a YAML mapping with metadata, parameters and a list of rules")
        params = {}
        for name, spec in (doc.get("parameters") or {}).items():
            values = spec.get("values") if isinstance(spec, dict) else None
            if values is None:
                values = {"1900-01-01": spec["value"] if isinstance(spec, dict) else spec}
            params[name] = {"values": sorted((str(k), v) for k, v in values.items()),
                            "unit": spec.get("unit", "") if isinstance(spec, dict) else "",
                            "clause": spec.get("clause", "") if isinstance(spec, dict) else "",
                            "note": spec.get("note", "") if isinstance(spec, dict) else ""}
        rules = []
        seen = set()
        for r in doc["rules"]:
            if r["id"] in seen:
                raise ValueError(f"rule id {r['id']!r} appears twice")
            seen.add(r["id"])
            try:
                rules.append(_rule(r))
            except (KeyError, ExpressionError) as e:
                raise ValueError(f"rule {r.get('id')!r}: {e}") from e
        for rule in rules:
            for e in rule.expressions:
                unknown = e.params - set(params)
                if unknown:
                    raise ValueError(f"rule {rule.id}: unknown parameters {sorted(unknown)}")
        derived = {k: _expr(v) for k, v in (doc.get("derived") or {}).items()}
        ids = [r.id for r in rules]
        budgets = tuple(Budget.parse(b, ids) for b in (doc.get("budgets") or []))
        for b in budgets:
            if isinstance(b.cap, str) and b.cap.removeprefix("param.") not in params:
                raise ValueError(f"budget {b.id}: unknown parameter {b.cap!r}")
        metadata = doc.get("metadata", {}) or {}
        mode = metadata.get("duplicate_awards", "higher")
        if mode not in DUPLICATE_MODES:
            raise ValueError(f"metadata.duplicate_awards must be one of {DUPLICATE_MODES}, not {mode!r}")
        docs = {str(k): dict(v or {}) for k, v in (doc.get("inputs") or {}).items()}
        mapping = {}
        for kind, spec in (doc.get("store_inputs") or {}).items():
            mapping[str(kind)] = {}
            for name, e in (spec or {}).items():
                try:
                    mapping[str(kind)][str(name)] = _expr(e)
                except ExpressionError as err:
                    raise ValueError(f"store_inputs {kind}.{name}: {err}") from err
                unknown = mapping[str(kind)][str(name)].params - set(params)
                if unknown:
                    raise ValueError(f"store_inputs {kind}.{name}: unknown parameters {sorted(unknown)}")
        out = cls(metadata, params, rules, hashlib.sha256(text.encode("utf-8")).hexdigest(), derived, text,
                  budgets, mode, docs, mapping,
                  {str(k): str(v) for k, v in (doc.get("input_labels_zh") or {}).items()})
        out.dry_run()
        return out

    def dry_run(self) -> None:
        """Evaluate every expression once on missing inputs, so that a rule whose formula
        cannot be computed (a string multiplied, a years count beyond MAX_YEARS) is refused
        when the ruleset is read, not when a calculator call meets it."""
        par = self.parameter_values("9999-12-31")
        for rule in self.rules:
            var = {name: np.full(1, np.nan) for name in rule.inputs}
            try:
                rule.when.evaluate(var, par, 1)
                _amounts(rule, var, par, 1)
                for _, share in rule.payers:
                    share.evaluate(var, par, 1)
                _years(rule, par)
            except (TypeError, ValueError, KeyError, ZeroDivisionError) as e:
                raise ValueError(f"rule {rule.id}: cannot be evaluated: {e}") from e
        for name, e in self.derived.items():
            try:
                e.evaluate({n: np.full(1, np.nan) for n in e.names}, par, 1)
            except (TypeError, ValueError, KeyError) as err:
                raise ValueError(f"derived {name}: cannot be evaluated: {err}") from err

    def parameter_values(self, on: str, overrides: dict | None = None) -> dict[str, float]:
        """Each parameter's value in force on a date (YYYY-MM-DD), with what-if overrides."""
        out = {}
        for name, spec in self.parameters.items():
            v = None
            for start, value in spec["values"]:
                if start <= on:
                    v = value
            out[name] = v
        for k, v in (overrides or {}).items():
            if k not in out:
                raise KeyError(f"no parameter {k!r} to override")
            out[k] = v
        return out


def _expr(value) -> Expression:
    return Expression.parse(value if not isinstance(value, bool) else str(value))


def _rule(r: dict) -> Rule:
    amount = dict(r.get("amount") or {})
    for key in ("formula", "cap", "base"):
        if key in amount:
            amount[key] = _expr(amount[key])
    for key in ("brackets", "per_step"):
        if key in amount:
            spec = dict(amount[key])
            spec["variable"] = _expr(spec["variable"])
            if "base" in spec:
                spec["base"] = _expr(spec["base"])
            amount[key] = spec
    payers = [(p["payer"], _expr(p.get("share", 1))) for p in (r.get("payers") or [{"payer": "city"}])]
    once = r.get("once")
    once = "entity" if once is True else (None if once in (None, False) else str(once))
    if once is not None and once not in ONCE_MODES:
        raise KeyError(f"once must be true or one of {ONCE_MODES}, not {once!r}")
    return Rule(r["id"], r.get("clause", ""), r.get("title_zh", r["id"]), r.get("title_en", ""),
                r.get("entity", "firm"), _expr(r.get("when", "True")), amount, payers,
                r.get("years", 1), int(r.get("start_offset", 0)), r.get("group"),
                bool(r.get("decision", False)), r.get("kind", "grant"), r.get("note", ""), once,
                str(r.get("reading", "") or ""))


def _amounts(rule: Rule, var: dict, par: dict, n: int) -> np.ndarray:
    a = rule.amount
    if "formula" in a:
        amt = a["formula"].evaluate(var, par, n).astype(float)
    elif "brackets" in a:
        spec = a["brackets"]
        x = spec["variable"].evaluate(var, par, n).astype(float)
        base = spec["base"].evaluate(var, par, n).astype(float) if "base" in spec else np.ones(n)
        amt = np.zeros(n)
        for step in spec["steps"]:
            lo = _num(step.get("from", -np.inf), par)
            hi = _num(step.get("to", np.inf), par)
            inside = _at_least(x, lo, spec["variable"], var, par) & ~_at_least(x, hi, spec["variable"], var, par)
            value = _num(step["rate"], par) * base if "rate" in step else np.full(n, _num(step["amount"], par))
            amt = np.where(inside, value, amt)
    elif "per_step" in a:
        spec = a["per_step"]
        x = spec["variable"].evaluate(var, par, n).astype(float)
        amt = _whole_steps(x, _num(spec["step"], par), spec["variable"], var, par) * _num(spec["amount"], par)
    else:
        amt = np.zeros(n)
    if "cap" in a:
        amt = np.fmin(amt, a["cap"].evaluate(var, par, n).astype(float))
    return amt


def _at_least(x: np.ndarray, bound: float, expr: Expression, var: dict, par: dict) -> np.ndarray:
    """x ≥ bound, decided exactly where floats are too close ("1亿元以上(含1亿元)")."""
    with np.errstate(invalid="ignore"):
        out = x >= bound
    if np.isfinite(bound) and not is_leaf(expr):  # an input read as it is compares exactly
        b = exact_number(bound)
        for i in np.flatnonzero(near(x, bound)):
            v = expr.exact(var, par, int(i))
            out[i] = v is not None and not isinstance(v, str) and Fraction(v) >= b
    return out


def _whole_steps(x: np.ndarray, step: float, expr: Expression, var: dict, par: dict) -> np.ndarray:
    """Full steps in x ("每新增1000万元"): floor(max(x, 0) / step), exactly where the quotient
    is within floating-point error of a whole number."""
    with np.errstate(invalid="ignore"):
        q = np.maximum(x, 0) / step
        steps = np.floor(q)
    s = exact_number(step)
    for i in np.flatnonzero(near(q, np.round(q)) & (q > 0)):  # no steps in nothing
        v = expr.exact(var, par, int(i))
        steps[i] = math.floor(max(Fraction(v), Fraction(0)) / s) if v is not None and not isinstance(v, str) else np.nan
    return steps


MAX_RULESET_BYTES = 256 * 1024  # the Changsha policy as YAML is 14 KB
MAX_YEARS = 30  # no published schedule pays longer; a larger count is a typo or an attack


MAX_YAML_NODES = 200_000  # values in a ruleset once aliases are expanded (Changsha: ~2,000)


def _bounded_yaml(text: str):
    """A ruleset's (or its cases') YAML, parsed safely within MAX_RULESET_BYTES and
    MAX_YAML_NODES (``io.bounded_yaml``)."""
    return bounded_yaml(text, "a ruleset", MAX_RULESET_BYTES, MAX_YAML_NODES)


def _years(rule, par) -> int:
    """How many years a rule pays, checked against MAX_YEARS."""
    n = _num(rule.years, par) if isinstance(rule.years, str) else rule.years
    if isinstance(n, bool) or not float(n).is_integer() or not 1 <= n <= MAX_YEARS:
        raise ValueError(f"rule {rule.id}: years must be a whole number from 1 to {MAX_YEARS}, "
                         f"not {n!r}")
    return int(n)


def _num(v, par) -> float:
    if isinstance(v, str) and v.startswith("param."):
        return float(par[v[len("param."):]])
    return float(v)


@dataclass(frozen=True)
class RunResult:
    lines: pd.DataFrame  # LINE_COLUMNS + ruleset, ruleset_sha256, inputs_sha256
    skipped: pd.DataFrame  # rule_id, missing inputs
    ruleset_sha256: str
    inputs_sha256: str
    year: int
    parameters: dict

    def totals(self, by=("rule_id", "payer")) -> pd.DataFrame:
        paid = self.lines[self.lines["status"] == "award"]
        return paid.groupby(list(by), as_index=False)["amount"].sum()


def _inputs_hash(entities: pd.DataFrame) -> str:
    """SHA-256 over the column names and pandas' row hashes (order of columns ignored); numbers
    are hashed as numbers, everything else as its text."""
    e = entities.sort_index(axis=1)
    text = [c for c in e.columns if not pd.api.types.is_numeric_dtype(e[c]) or e[c].dtype == bool]
    e = e.astype({c: str for c in text})
    h = hashlib.sha256("\x1f".join(map(str, e.columns)).encode("utf-8"))
    h.update(pd.util.hash_pandas_object(e, index=False).to_numpy().tobytes())
    return h.hexdigest()


def run(ruleset: Ruleset, entities: pd.DataFrame, year: int, overrides: dict | None = None,
        on: str | None = None, history: pd.DataFrame | None = None, budgets: dict | bool | None = None) -> RunResult:
    """Evaluate every rule over every entity of ``entities`` (columns: entity_id, entity ∈
    {firm, project, park, guarantor}, and the input variables) for ``year``, then make the
    amounts payable (``payable``): one-off awards net of ``history`` (entity_id, rule_id, year,
    amount of awards paid in earlier years), one award per item, and the ruleset's budgets —
    ``budgets`` overrides them for this run: budget id → {cap, method, rank_by} (None lifts
    that budget), or False to compute entitlements without any cap."""
    on = on or f"{year}-12-31"
    par = ruleset.parameter_values(on, overrides)
    entities = ruleset.with_derived(entities, year, par)
    chunks, skipped = [], []
    for rule in ruleset.rules:
        why = rule.not_in_force(par, ruleset.metadata.get("effective_from"), on)
        if why:
            skipped.append({"rule_id": rule.id, "clause": rule.clause, "missing_inputs": why})
            continue
        try:
            _run_rule(rule, entities, par, year, chunks, skipped)
        except TypeError as e:  # an input of the wrong kind (text where a number belongs)
            raise ValueError(f"rule {rule.id}: an input has the wrong type for the rule ({e})") from e
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=LINE_COLUMNS[:-1])
    if history is not None and len(history):
        history = history[history["year"] < year]
    frame = one_off(frame, {r.id: r.once for r in ruleset.rules if r.once}, history)
    frame = one_award_per_item(frame, {r.id: r.group for r in ruleset.rules if r.group}, entities,
                               ruleset.duplicate_awards)
    frame = apply_budgets(frame, _run_budgets(ruleset, budgets), par, entities)
    frame.insert(0, "ruleset", ruleset.metadata.get("id", ""))
    digest = _inputs_hash(entities)
    frame["ruleset_sha256"], frame["inputs_sha256"] = ruleset.sha256, digest
    frame.flags.allows_duplicate_labels = False
    return RunResult(frame, pd.DataFrame(skipped, columns=["rule_id", "clause", "missing_inputs"]),
                     ruleset.sha256, digest, year, par)


def _run_budgets(ruleset: Ruleset, options) -> tuple[Budget, ...]:
    if options is False:
        return ()
    out = []
    for b in ruleset.budgets:
        o = (options or {}).get(b.id, {})
        if o is None:  # this budget lifted for the run
            continue
        out.append(dataclasses.replace(b, **{k: v for k, v in o.items() if k in ("cap", "method", "rank_by")}))
    for k in set(options or {}) - {b.id for b in ruleset.budgets}:
        raise ValueError(f"no budget {k!r} in the ruleset; it has {[b.id for b in ruleset.budgets]}")
    return tuple(out)


def _run_rule(rule: Rule, entities: pd.DataFrame, par: dict, year: int, chunks: list, skipped: list) -> None:
    """Append the award lines of one rule (or the reason it was skipped)."""
    sub = entities[entities["entity"] == rule.entity]
    if sub.empty:
        return
    missing = sorted(rule.inputs - set(sub.columns))
    if missing:
        skipped.append({"rule_id": rule.id, "clause": rule.clause, "missing_inputs": ", ".join(missing)})
        return
    n = len(sub)
    var = {c: _column(sub[c]) for c in rule.inputs}
    eligible = rule.when.holds(var, par, n)
    if not eligible.any():
        return
    idx = np.flatnonzero(eligible)
    reason = _reasons(rule, var, idx)
    ids = sub["entity_id"].to_numpy()[idx]
    if rule.decision:
        chunks.append(_chunk(rule, ids, year, "committee", np.full(len(idx), np.nan),
                             "for decision", reason))
        return
    amt = _amounts(rule, var, par, n)[idx]
    shares = [(payer, s.evaluate(var, par, n).astype(float)[idx]) for payer, s in rule.payers]
    for k in range(_years(rule, par)):
        y = year + rule.start_offset + k
        for payer, share in shares:
            part = amt * share
            keep = part > 0
            if keep.any():
                chunks.append(_chunk(rule, ids[keep], y, payer, part[keep], "award", reason[keep]))


def _column(s: pd.Series) -> np.ndarray:
    """An input as the expressions see it: numbers (and yes/no as 1/0) as floats with NaN for
    missing, text as text — a code such as division '06' stays '06', never the number 6."""
    if s.dtype == bool or str(s.dtype) == "boolean":
        return s.fillna(False).to_numpy(dtype=bool)
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        if pd.api.types.infer_dtype(s, skipna=True) in ("string", "mixed", "mixed-integer", "bytes"):
            return s.to_numpy(dtype=object)
    num = pd.to_numeric(s, errors="coerce")
    if num.notna().sum() >= s.notna().sum():
        return num.to_numpy(dtype=float)
    return s.to_numpy(dtype=object)


def _chunk(rule: Rule, ids, year, payer, amounts, status, reason) -> pd.DataFrame:
    return pd.DataFrame({"entity_id": ids, "entity": rule.entity, "rule_id": rule.id,
                         "clause": rule.clause, "title_zh": rule.title_zh, "kind": rule.kind,
                         "year": year, "payer": payer, "amount": np.asarray(amounts, dtype=float),
                         "status": status, "reason": reason})


def _reasons(rule: Rule, var: dict, idx) -> np.ndarray:
    """'clause: condition — name=value, …' for each eligible entity (built column-wise)."""
    text = pd.Series(f"{rule.clause}: {rule.when.text} —", index=range(len(idx)))
    for i, name in enumerate(sorted(rule.inputs)):
        v = pd.Series(var[name][idx])
        if v.dtype.kind == "f":
            shown = v.map(_fmt) if len(v) < 50 else v.round(2).astype(str)
        else:
            shown = v.astype(str)
        text = text + ("" if i == 0 else ",") + f" {name}=" + shown.to_numpy()
    return text.to_numpy()


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        return "—" if np.isnan(v) else (f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}")
    return str(v)


def compare(base: RunResult, alternative: RunResult, by=("rule_id", "payer")) -> pd.DataFrame:
    """Totals of a what-if run beside the base run, with the difference."""
    a = base.totals(by).rename(columns={"amount": "base"})
    b = alternative.totals(by).rename(columns={"amount": "alternative"})
    out = a.merge(b, on=list(by), how="outer").fillna(0.0)
    out["difference"] = out["alternative"] - out["base"]
    return out


def explain(ruleset: Ruleset, entity: pd.Series | dict, year: int, overrides: dict | None = None) -> list[dict]:
    """For one entity: every rule of its kind, the inputs it used, whether the condition held, and
    the amount — with one sentence in Chinese and one in English."""
    row = pd.Series(entity)
    par = ruleset.parameter_values(f"{year}-12-31", overrides)
    frame = ruleset.with_derived(pd.DataFrame([row]), year, par)
    row = frame.iloc[0]
    res = run(ruleset, frame, year, overrides)
    out = []
    for rule in ruleset.rules:
        if rule.entity != row.get("entity"):
            continue
        missing = sorted(rule.inputs - set(frame.columns))
        inputs = {n: (row[n] if n in row else None) for n in sorted(rule.inputs)}
        mine = res.lines[res.lines["rule_id"] == rule.id]
        if missing:
            held, amount, status = None, 0.0, "missing inputs"
        else:
            var = {c: _column(frame[c]) for c in rule.inputs}
            held = bool(rule.when.holds(var, par, 1)[0])
            status = mine["status"].iloc[0] if len(mine) else ("not eligible" if not held else "zero amount")
            amount = float(mine.loc[mine["status"] == "award", "amount"].sum()) if len(mine) else 0.0
        zh = (f"{rule.clause}「{rule.title_zh}」：条件 {rule.when.text} "
              f"{'缺少数据 ' + '、'.join(missing) if missing else ('成立' if held else '不成立')}；"
              f"{'待审定' if status == 'for decision' else f'金额 {amount:,.0f} 元'}（{status}）")
        en = (f"{rule.clause} {rule.title_en or rule.id}: condition {rule.when.text} "
              f"{'cannot be checked, missing ' + ', '.join(missing) if missing else ('holds' if held else 'does not hold')}; "
              f"{'for the committee to decide' if status == 'for decision' else f'amount CNY {amount:,.0f}'} ({status})")
        out.append({"rule_id": rule.id, "clause": rule.clause, "inputs": inputs, "condition": held,
                    "amount": amount, "status": status, "zh": zh, "en": en})
    return out


def run_test_cases(ruleset: Ruleset, cases: list[dict]) -> pd.DataFrame:
    """Run YAML test cases: each has a name, a year, an entity (inputs) and ``expect`` — a list
    of {rule, amount[, payer, status, year]} that must appear — and optionally ``absent``, rules
    that must not produce an award, ``history``, awards paid before ({rule, year, amount}), and
    ``parameters`` (what-if values). Returns one row per check with pass/fail and why."""
    rows = []
    for case in cases:
        entity = dict(case["entity"])
        entity.setdefault("entity_id", case["name"])
        history = pd.DataFrame([{"entity_id": entity["entity_id"], "rule_id": h["rule"], "year": int(h["year"]),
                                 "amount": float(h["amount"])} for h in case.get("history", [])],
                               columns=["entity_id", "rule_id", "year", "amount"])
        res = run(ruleset, pd.DataFrame([entity]), int(case["year"]), case.get("parameters"), history=history)
        lines = res.lines
        for exp in case.get("expect", []):
            m = lines["rule_id"] == exp["rule"]
            for k in ("payer", "status", "year"):
                if k in exp:
                    m &= lines[k] == exp[k]
            status = exp.get("status", "award")
            m &= lines["status"] == status
            got = lines.loc[m, "amount"].sum() if status != "for decision" else (np.nan if m.any() else None)
            if status == "for decision":
                ok, detail = bool(m.any()), "listed for decision" if m.any() else "not listed"
            else:
                ok = bool(m.any()) and abs(got - float(exp["amount"])) <= 1e-6 * max(1.0, abs(float(exp["amount"])))
                detail = f"expected {float(exp['amount']):,.2f}, got {got:,.2f}"
            rows.append({"case": case["name"], "check": exp["rule"], "passed": ok, "detail": detail})
        for rule_id in case.get("absent", []):
            fired = lines[(lines["rule_id"] == rule_id) & (lines["status"] == "award")]
            rows.append({"case": case["name"], "check": f"no {rule_id}", "passed": fired.empty,
                         "detail": "no award" if fired.empty else f"awarded {fired['amount'].sum():,.2f}"})
    return pd.DataFrame(rows, columns=["case", "check", "passed", "detail"])


def load_cases(path: str | Path) -> list[dict]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))["cases"]


def shipped_cases(name: str = "changsha_2005") -> list[dict]:
    f = resources.files("clusteratlas.analyses.incentives").joinpath("rulesets", f"{name}.cases.yaml")
    return yaml.safe_load(f.read_text(encoding="utf-8"))["cases"]


def entities(firms: pd.DataFrame, firm_years: pd.DataFrame, projects: pd.DataFrame, region_id: str,
             year: int, key_divisions=(), usd_rate: float = 8.0) -> pd.DataFrame:
    """Firm and project entities of a region built from the store's tables: firm_years of the
    year (and the one before, for increases), leading flags, key industries standing for a
    policy's named clusters, projects with their investment. Inputs the store does not hold stay
    absent, so the rules that need them are reported as not evaluable rather than guessed."""
    firms = firms[firms["region_id"] == region_id]
    fy = firm_years[firm_years["month_to"] == 12]
    cur = fy[fy["year"] == year].set_index("firm_id")
    prev = fy[fy["year"] == year - 1].set_index("firm_id")
    division = firms["industry_code"].astype(str).str[:2]
    key = division.isin([str(k) for k in key_divisions]) if key_divisions else pd.Series(True, index=firms.index)
    f = pd.DataFrame({
        "entity_id": firms["firm_id"], "entity": "firm", "registered_in_changsha": True,
        "three_industries": key.to_numpy(), "host_firm": firms["is_leading"].fillna(False).to_numpy(),
        "supporting_firm": (~firms["is_leading"].fillna(False)).to_numpy(),
    })
    for col, src in (("local_purchases", "local_purchases"), ("rd_spend", "rd_spend")):
        f[col] = f["entity_id"].map(cur[src]) if src in cur else np.nan
        f[col + "_previous"] = f["entity_id"].map(prev[src]) if src in prev else np.nan
    land = f["entity_id"].map(cur["land_mu"]) if "land_mu" in cur else np.nan
    f["output_per_mu"] = f["entity_id"].map(cur["output"]) / land if "output" in cur else np.nan
    f = f.dropna(axis=1, how="all")
    projects = projects[projects["region_id"] == region_id]
    p = pd.DataFrame({
        "entity_id": projects["project_id"], "entity": "project",
        "industrial": projects["industry_code"].astype(str).str[:2].astype(int).between(6, 46).to_numpy(),
        "new_in_zone": projects["park_id"].notna().to_numpy(),
        "investment_usd": (projects["contracted_investment"] / usd_rate).to_numpy(),
    })
    return pd.concat([f, p], ignore_index=True)
