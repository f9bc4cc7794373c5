"""A ruleset a policy office uploads is bounded: whatever its author writes, reading and
evaluating it is small work, and a rule that cannot give a figure is refused when it is read —
never a silent 0, never a server that stops answering."""

from __future__ import annotations

import numpy as np
import pytest

from clusteratlas.analyses.incentives import Ruleset, run
from clusteratlas.analyses.incentives.engine import MAX_RULESET_BYTES, MAX_YEARS
from clusteratlas.analyses.incentives.expressions import Expression, ExpressionError

HEAD = "metadata: {id: hostile}\nparameters: {flat: {value: 1000}}\n"


def rules(body: str) -> str:
    return HEAD + "rules:\n" + body


ONE = ("  - {id: r1, entity: firm, when: 'x > 0', amount: {formula: '%s'}, years: %s}\n")


def test_a_billion_laughs_is_refused_before_it_expands():
    bomb = HEAD + 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for k, prev in zip("bcdefghi", "abcdefgh"):
        bomb += f"{k}: &{k} [{', '.join(['*' + prev] * 9)}]\n"
    bomb += "rules: [{id: r1, entity: firm, when: 'True', amount: {formula: '1'}, junk: *i}]\n"
    assert len(bomb.encode()) < 1000  # under a kilobyte, 9⁹ values once expanded
    with pytest.raises(ValueError, match="expands to more than"):
        Ruleset.parse(bomb)


def test_a_schedule_of_fifty_million_years_is_refused():
    with pytest.raises(ValueError, match=f"years must be a whole number from 1 to {MAX_YEARS}"):
        Ruleset.parse(rules(ONE % ("param.flat", "50000000")))
    rs = Ruleset.parse(rules(ONE % ("param.flat", "3")))
    import pandas as pd

    lines = run(rs, pd.DataFrame({"entity_id": ["f"], "entity": ["firm"], "x": [1.0]}), 2006).lines
    assert sorted(lines["year"]) == [2006, 2007, 2008] and (lines["amount"] == 1000).all()


@pytest.mark.parametrize("formula", ["10**10**10", "x ** x", "2 ** 100"])
def test_a_power_needs_a_small_constant_exponent(formula):
    with pytest.raises(ValueError, match="constant exponent"):
        Ruleset.parse(rules(ONE % (formula, "1")))


def test_large_integers_are_figures_not_wrapped_around():
    e = Expression.parse("10000000000 * 10000000000")
    assert e.evaluate({}, {}, 1)[0] == pytest.approx(1e20)  # int64 would wrap to a wrong figure
    assert Expression.parse("2 ** 64").evaluate({}, {}, 1)[0] == 2.0 ** 64


def test_a_formula_that_multiplies_text_is_refused_when_the_ruleset_is_read():
    with pytest.raises(ValueError, match="cannot be evaluated"):
        Ruleset.parse(rules(ONE % ('"abc" * x', "1")))


def test_long_or_deep_expressions_are_refused():
    with pytest.raises(ExpressionError, match="characters"):
        Expression.parse("x + " * 400 + "1")
    with pytest.raises(ExpressionError):
        Expression.parse("(" * 100_000 + "1" + ")" * 100_000)
    with pytest.raises(ExpressionError, match="terms"):
        Expression.parse("+".join(["x"] * 300))


def test_a_huge_ruleset_is_refused():
    big = rules(ONE % ("param.flat", "1")) + "# " + "x" * MAX_RULESET_BYTES + "\n"
    with pytest.raises(ValueError, match="at most"):
        Ruleset.parse(big)


def test_text_where_a_rule_needs_a_number_is_an_error_naming_the_rule():
    import pandas as pd

    rs = Ruleset.parse(rules(ONE % ("x * 2", "1")))
    with pytest.raises(ValueError, match="rule r1"):
        run(rs, pd.DataFrame({"entity_id": ["f"], "entity": ["firm"], "x": ["a lot"]}), 2006)
    assert np.isfinite(run(rs, pd.DataFrame({"entity_id": ["f"], "entity": ["firm"], "x": [2.0]}),
                           2006).lines["amount"]).all()
