"""Early-warning rules as code (预警规则): YAML in the incentives' safe expression language.

A ruleset has parameters (each a number with what it means) and rules. A rule reads one subject
(``facts.SUBJECTS``), fires on the rows where its ``when`` holds, and says so in a message in
Chinese and English, whose ``{fields}`` are the subject's columns (``{x:.1f}`` formats a number).
Each alert has a severity, a scope — the firm, the park or the region it concerns, which
decides who may see it — and a key (rule, subject row and period), so that the same warning
found again in a later run is the same alert.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from clusteratlas.analyses.alerts.facts import SCOPE, SUBJECTS
from clusteratlas.analyses.incentives.expressions import Expression, ExpressionError
from clusteratlas.faces.terms import chinese
from clusteratlas.io.bounded_yaml import bounded_yaml, identified_items

SEVERITIES = ("high", "medium", "low")
SEVERITY_ZH = chinese("severity")
MAX_RULESET_BYTES = 128 * 1024
MAX_NODES = 20_000
_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# the columns that identify a row of each subject (with the period, they make an alert's key)
KEYS = {"firm_period": ("firm_id", "period"), "firm_grade": ("firm_id", "year"),
        "supply": ("firm_id", "product", "year"), "project": ("project_id",), "target": ("target_id",),
        "leader_rate": ("firm_id", "year")}
SHIPPED = tuple(sorted(f.name.removesuffix(".yaml") for f in resources.files("clusteratlas.analyses.alerts")
                       .joinpath("rulesets").iterdir() if f.name.endswith(".yaml")))


@dataclass(frozen=True)
class AlertRule:
    id: str
    subject: str
    when: Expression
    severity: str
    title_zh: str
    title_en: str
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class AlertRuleset:
    id: str
    title_zh: str
    parameters: dict  # name → value
    descriptions: dict  # name → what it means
    rules: tuple[AlertRule, ...]
    sha256: str

    @classmethod
    def parse(cls, text: str) -> "AlertRuleset":
        doc = bounded_yaml(text, "an alert ruleset", MAX_RULESET_BYTES, MAX_NODES)
        if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list) or not doc["rules"]:
            raise ValueError("an alert ruleset is a mapping with metadata, parameters and a list of rules")
        meta = doc.get("metadata") or {}
        rid = str(meta.get("id", ""))
        if not _ID.match(rid):
            raise ValueError("metadata.id: lower-case letters, digits and _")
        params, described = {}, {}
        for name, spec in (doc.get("parameters") or {}).items():
            if not _ID.match(str(name)):
                raise ValueError(f"parameter {name!r}: lower-case letters, digits and _")
            value = spec.get("value") if isinstance(spec, dict) else spec
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"parameter {name}: a number")
            params[str(name)] = float(value)
            described[str(name)] = str(spec.get("description", "")) if isinstance(spec, dict) else ""
        rules = []
        for where, raw, rule_id in identified_items(doc["rules"], "rule", _ID, "id, subject, when, severity, "
                                                                               "titles and messages"):
            if raw.get("subject") not in SUBJECTS:
                raise ValueError(f"{where}: subject must be one of {', '.join(SUBJECTS)}")
            if raw.get("severity", "medium") not in SEVERITIES:
                raise ValueError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
            try:
                when = Expression.parse(raw.get("when", ""))
            except ExpressionError as e:
                raise ValueError(f"{where}: when: {e}") from None
            unknown = sorted(when.params - set(params))
            if unknown:
                raise ValueError(f"{where}: when names parameters it has not: {', '.join(unknown)}")
            texts = {}
            for k in ("title_zh", "title_en", "message_zh", "message_en"):
                v = raw.get(k)
                if not isinstance(v, str) or not v.strip():
                    raise ValueError(f"{where}: {k} is missing")
                if k.startswith("message"):
                    _check_template(v, f"{where}: {k}")
                texts[k] = v.strip()
            rules.append(AlertRule(rule_id, raw["subject"], when, raw.get("severity", "medium"), **texts))
        return cls(rid, str(meta.get("title_zh", rid)), params, described, tuple(rules),
                   hashlib.sha256(text.encode("utf-8")).hexdigest())

    @classmethod
    def load(cls, name: str = "default") -> "AlertRuleset":
        if name not in SHIPPED:
            raise KeyError(f"no shipped alert ruleset {name!r}; shipped: {', '.join(SHIPPED)}")
        return cls.parse(resources.files("clusteratlas.analyses.alerts").joinpath("rulesets", f"{name}.yaml")
                         .read_text(encoding="utf-8"))


_FIELD = re.compile(r"^[a-z_][a-z0-9_]*$")


def _check_template(text: str, where: str) -> None:
    """A message's fields are plain names (no attribute or index: a template never reaches into
    objects), with an optional number format."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not _FIELD.match(name) or conversion:
            raise ValueError(f"{where}: {{{name}}} — a field is a column name, e.g. {{name}} or {{output_change_pct:.1f}}")
        if spec and not re.fullmatch(r"[,]?\.?\d{0,2}[f%]?", spec):
            raise ValueError(f"{where}: {{{name}:{spec}}} — a number format is like :.1f or :,.0f")


def _message(template: str, row: dict) -> str:
    """``template`` filled from ``row``: a missing or empty value reads —, a number that does not
    take the format is shown as it is."""
    out = []
    for literal, name, spec, _ in string.Formatter().parse(template):
        out.append(literal)
        if name is None:
            continue
        v = row.get(name)
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append("—")
            continue
        try:
            out.append(format(v, spec))
        except (ValueError, TypeError):
            out.append(str(v))
    return "".join(out)


ALERT_COLUMNS = ["alert_key", "rule_id", "subject", "severity", "title_zh", "title_en", "scope", "region_id",
                 "park_id", "firm_id", "message_zh", "message_en"]


def evaluate(ruleset: AlertRuleset, facts: dict[str, pd.DataFrame], region_id: str,
             parameters: dict | None = None) -> pd.DataFrame:
    """Every alert the ruleset raises on the facts: one row per rule and subject row where its
    ``when`` holds (a missing figure never fires a rule). ``parameters`` override the ruleset's."""
    par = {**ruleset.parameters, **(parameters or {})}
    rows = []
    for rule in ruleset.rules:
        f = facts.get(rule.subject)
        if f is None or f.empty:
            continue
        missing = sorted(rule.when.names - set(f.columns))
        if missing:
            raise ValueError(f"rule {rule.id}: {rule.subject} has no {', '.join(missing)}")
        variables = {c: _numbers(f[c]) for c in rule.when.names}
        hit = rule.when.holds(variables, par, len(f))
        for _, r in f[hit].iterrows():
            row = {**{k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in r.items()},
                   **{f"param_{k}": v for k, v in par.items()}}
            key = ":".join([rule.id, *(str(row.get(k)) for k in KEYS[rule.subject])])
            scope = SCOPE[rule.subject]
            if rule.subject == "target":  # a target of a park or a firm is theirs
                scope = {"park": "park", "firm": "firm"}.get(row.get("scope"), "region")
                park_id = row.get("scope_id") if scope == "park" else None
                firm_id = row.get("scope_id") if scope == "firm" else None
            else:
                park_id = row.get("park_id") if scope in ("park", "firm") else None
                firm_id = row.get("firm_id") if scope == "firm" else None
            rows.append({"alert_key": key, "rule_id": rule.id, "subject": rule.subject, "severity": rule.severity,
                         "title_zh": rule.title_zh, "title_en": rule.title_en, "scope": scope,
                         "region_id": row.get("region_id") or region_id, "park_id": park_id, "firm_id": firm_id,
                         "message_zh": _message(rule.message_zh, row), "message_en": _message(rule.message_en, row)})
    return pd.DataFrame(rows, columns=ALERT_COLUMNS)


def _numbers(col: pd.Series) -> np.ndarray:
    """A column as the expression language takes it: numbers as floats (missing: NaN), text as
    objects."""
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        return pd.to_numeric(col, errors="coerce").astype(float).to_numpy()
    return col.astype(object).where(col.notna(), None).to_numpy()
