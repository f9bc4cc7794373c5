"""Plain-language guides (申兑指南) generated from a ruleset, in Chinese and English: for each
rule, who qualifies (the clause's words and the condition in words), what to submit (the
figures the rule reads), how the amount is computed (with the parameters' values), who pays,
whether it is one-off or capped, and a worked example from the ruleset's own test cases.

Nothing is written by hand per rule: a guide can only say what the rule computes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from clusteratlas.analyses.incentives.engine import Rule, Ruleset, _num, run
from clusteratlas.faces.terms import chinese, clause, term

_WORDS = {
    "zh": {" and ": "，且 ", " or ": "，或 ", "not ": "非 ", ">=": "≥", "<=": "≤", "==": "＝", "!=": "≠",
           "*": "×", "/": "÷", " if ": " 若 ", " else ": " 否则 ", "True": "是", "False": "否"},
    "en": {">=": "≥", "<=": "≤", "==": "=", "!=": "≠", "*": "×", "/": "÷"},
}
_T = {
    "zh": dict(who="谁可以申请", condition="条件", submit="需要提供", how="怎样计算", payer="支付方", once="一次性奖励",
               once_yes="是：同一对象只奖励一次", once_diff="是：达到更高档次时补足差额", budget="资金上限",
               example="示例", decision="由主管部门审定，不计算金额", years="分年支付", per_step="每满",
               gives="奖励", brackets="分档", from_="", to="至", rate="比例", amount="金额", cap="最多不超过",
               none="（无）", clause="条款"),
    "en": dict(who="Who qualifies", condition="Condition", submit="What to submit", how="How the amount is computed",
               payer="Paid by", once="One-off", once_yes="yes: once per recipient", once_diff="yes: reaching a higher "
               "tier pays the difference", budget="Budget", example="Example", decision="decided by the authority; no "
               "amount is computed", years="paid over years", per_step="for each full", gives="gives", brackets="tiers",
               from_="from", to="to", rate="rate", amount="amount", cap="at most", none="(none)", clause="Clause"),
}


PAYERS_ZH = chinese("payer")


@dataclass(frozen=True)
class Guide:
    rule_id: str
    clause: str
    title: str
    lang: str
    sections: list[tuple[str, str]]  # (heading, text)

    def text(self) -> str:
        head = f"{self.clause} {self.title}"
        return "\n".join([head, "=" * len(head), *(f"{h}：{t}" if self.lang == "zh" else f"{h}: {t}"
                                                   for h, t in self.sections)])


def _money(v: float, lang: str) -> str:
    if lang == "zh":
        return f"{v / 1e8:g}亿元" if abs(v) >= 1e8 and v % 1e7 == 0 else (
            f"{v / 1e4:g}万元" if abs(v) >= 1e4 else f"{v:g}元")
    return f"CNY {v:,.0f}"


def _value(ruleset: Ruleset, name: str, value, lang: str) -> str:
    unit = str(ruleset.parameters.get(name, {}).get("unit", ""))
    if isinstance(value, str):
        return value
    if "share" in unit or unit.startswith("share") or (isinstance(value, float) and 0 < value < 1 and "CNY" not in unit):
        return f"{value * 100:g}%"
    if "CNY" in unit and "per" not in unit.split("CNY")[0]:
        return _money(float(value), lang)
    if "USD" in unit:
        return f"{value / 1e4:g}万美元" if lang == "zh" else f"USD {value:,.0f}"
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _label(ruleset: Ruleset, kind: str, name: str, lang: str) -> str:
    """An input as the guide names it: its Chinese label, or in English what the ruleset says it
    means; its variable name only where the ruleset says neither."""
    if lang == "zh" and name in ruleset.input_labels_zh:
        return ruleset.input_labels_zh[name]
    return input_label(ruleset, kind, name, lang)


def input_label(ruleset: Ruleset, kind: str, name: str, lang: str) -> str:
    """The name a form or a guide gives an input of ``kind`` entities in ``lang``."""
    if lang == "zh" and name in ruleset.input_labels_zh:
        return ruleset.input_labels_zh[name]
    doc = (ruleset.input_docs.get(kind) or {}).get(name)
    if doc:
        return str(doc)
    if name == "year_since_production":
        return "投产后第几年" if lang == "zh" else "year since production began"
    return name


_FUNCS = {"and", "or", "not", "if", "else", "True", "False", "min", "max", "coalesce", "isin", "abs", "floor",
          "ceil", "clip", "missing", "year"}
_TOKEN = re.compile(r"""('[^']*'|"[^"]*")|param\.(\w+)|\b([A-Za-z_]\w*)\b""")


def words(ruleset: Ruleset, kind: str, text: str, par: dict, lang: str) -> str:
    """An expression in words: parameters by their values, inputs by their names in ``lang``;
    quoted text stays as written."""
    def token(m):
        if m.group(1):
            return m.group(1)
        if m.group(2):
            return _value(ruleset, m.group(2), par.get(m.group(2)), lang)
        name = m.group(3)
        if name == "year":
            return "年份" if lang == "zh" else "the year"
        if name in _FUNCS:
            return name
        return f"「{_label(ruleset, kind, name, lang)}」" if lang == "zh" else f"«{_label(ruleset, kind, name, lang)}»"
    out = _TOKEN.sub(token, text)
    # large constants as people write them: 3000万, 30,000,000
    out = re.sub(r"(?<![\w.])(\d{5,})(?![\w.%])", lambda m: (f"{int(m.group(1)) / 1e4:g}万" if lang == "zh"
                                                          else f"{int(m.group(1)):,}"), out)
    for a, b in _WORDS[lang].items():
        out = out.replace(a, b)
    out = " ".join(out.split())
    return "100%" if out in ("1", "1.0") else out


def _amount(ruleset: Ruleset, rule: Rule, par: dict, lang: str) -> str:
    t, a = _T[lang], rule.amount
    if rule.decision:
        return t["decision"]
    parts = []
    if "formula" in a:
        parts.append(words(ruleset, rule.entity, a["formula"].text, par, lang))
    if "per_step" in a:
        spec = a["per_step"]
        step = _value(ruleset, "", float(_num(spec["step"], par)), lang) if not str(spec["step"]).startswith("param.") \
            else _value(ruleset, str(spec["step"])[6:], par[str(spec["step"])[6:]], lang)
        amt = str(spec["amount"])
        amount = _value(ruleset, amt[6:], par[amt[6:]], lang) if amt.startswith("param.") else _money(float(amt), lang)
        parts.append(f"{words(ruleset, rule.entity, spec['variable'].text, par, lang)}：{t['per_step']} {step} "
                     f"{t['gives']} {amount}" if lang == "zh" else
                     f"{amount} {t['per_step']} {step} of {words(ruleset, rule.entity, spec['variable'].text, par, lang)}")
    if "brackets" in a:
        spec = a["brackets"]
        tiers = []
        for st in spec["steps"]:
            lo = _bound(ruleset, st.get("from"), par, lang)
            hi = _bound(ruleset, st.get("to"), par, lang)
            what = (f"{t['rate']} {float(st['rate']) * 100:g}%" if "rate" in st
                    else f"{t['amount']} {_bound(ruleset, st['amount'], par, lang)}")
            span = f"{lo}（含）{t['to']}{hi}" if lang == "zh" and hi else (f"{lo}（含）以上" if lang == "zh" else
                                                                        f"{lo} (inclusive) {t['to']} {hi}" if hi else f"{lo} and above")
            tiers.append(f"{span}: {what}")
        base = f" × {words(ruleset, rule.entity, spec['base'].text, par, lang)}" if "base" in spec else ""
        parts.append(f"{words(ruleset, rule.entity, spec['variable'].text, par, lang)} {t['brackets']}{base} — "
                     + "; ".join(tiers))
    if "cap" in a:
        parts.append(f"{t['cap']} {words(ruleset, rule.entity, a['cap'].text, par, lang)}")
    return "; ".join(parts) or t["none"]


def _bound(ruleset, v, par, lang) -> str:
    if v is None:
        return ""
    if isinstance(v, str) and v.startswith("param."):
        return _value(ruleset, v[6:], par[v[6:]], lang)
    return _money(float(v), lang)


def _example(ruleset: Ruleset, rule: Rule, cases: list[dict], lang: str) -> str | None:
    for case in cases or []:
        for exp in case.get("expect", []):
            if exp.get("rule") == rule.id and exp.get("status", "award") == "award":
                entity = dict(case["entity"])
                entity.setdefault("entity_id", "example")
                res = run(ruleset, pd.DataFrame([entity]), int(case["year"]), case.get("parameters"))
                got = res.lines[(res.lines["rule_id"] == rule.id) & (res.lines["status"] == "award")]
                if got.empty:
                    continue
                shown = ", ".join(f"{_label(ruleset, rule.entity, k, lang)} = {_show(entity[k], lang)}"
                                  for k in sorted(rule.inputs) if k in entity)
                total = _money(float(got["amount"].sum()), lang)
                return (f"{case['year']}年，{shown} → {total}" if lang == "zh"
                        else f"{case['year']}: {shown} → {total} ({case['name']})")
    return None


def _show(v, lang) -> str:
    if isinstance(v, bool):
        return ("是" if v else "否") if lang == "zh" else ("yes" if v else "no")
    if isinstance(v, (int, float)) and abs(v) >= 1e4:
        return _money(float(v), lang)
    return str(v)


def guide(ruleset: Ruleset, rule_id: str, year: int, lang: str = "zh", cases: list[dict] | None = None) -> Guide:
    """The guide to one rule as in force at the end of ``year``."""
    if lang not in _T:
        raise ValueError("lang is zh or en")
    rule = next((r for r in ruleset.rules if r.id == rule_id), None)
    if rule is None:
        raise KeyError(f"no rule {rule_id!r} in {ruleset.metadata.get('id')}; it has "
                       f"{', '.join(r.id for r in ruleset.rules)}")
    t = _T[lang]
    par = ruleset.parameter_values(f"{year}-12-31")
    reading = rule.reading or rule.note or t["none"]
    if lang == "zh":  # the clause's own words; the English reading is the English guide's
        quoted = re.findall(r'"([^"]*[\u4e00-\u9fff][^"]*)"', reading)
        reading = "；".join(f"“{q}”" for q in quoted) if quoted else (rule.note or reading)
    sections = [(t["who"], reading),
                (t["condition"], words(ruleset, rule.entity, rule.when.text, par, lang))]
    inputs = sorted(rule.inputs - {"year"})
    sections.append((t["submit"], ("；" if lang == "zh" else "; ").join(_label(ruleset, rule.entity, i, lang)
                                                                       for i in inputs)))
    sections.append((t["how"], _amount(ruleset, rule, par, lang)))
    payers = ", ".join(f"{term('payer', p, lang)} {words(ruleset, rule.entity, s.text, par, lang)}"
                       for p, s in rule.payers)
    sections.append((t["payer"], payers))
    if rule.once:
        sections.append((t["once"], t["once_yes"] if rule.once == "entity" else t["once_diff"]))
    if rule.years != 1:
        n = int(_num(rule.years, par)) if isinstance(rule.years, str) else int(rule.years)
        sections.append((t["years"], f"{n}年" if lang == "zh" else f"{n} years"))
    for b in ruleset.budgets:
        if rule.id in b.rules:
            sections.append((t["budget"], f"{b.id}: {_money(b.cap_value(par), lang)}/年 ({b.method})"
                             if lang == "zh" else f"{b.id}: {_money(b.cap_value(par), lang)} a year ({b.method})"))
    example = _example(ruleset, rule, cases, lang)
    if example:
        sections.append((t["example"], example))
    return Guide(rule.id, clause(rule.clause, lang), rule.title_zh if lang == "zh" else (rule.title_en or rule.title_zh), lang, sections)


def guides(ruleset: Ruleset, year: int, lang: str = "zh", cases: list[dict] | None = None) -> list[Guide]:
    """The guide to every rule of ``ruleset``."""
    return [guide(ruleset, r.id, year, lang, cases) for r in ruleset.rules]
