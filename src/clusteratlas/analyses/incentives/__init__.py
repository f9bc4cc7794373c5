"""Incentive policies as code: rulesets (YAML), a vectorised engine, budgets, explanations."""

from clusteratlas.analyses.incentives.engine import (
    Ruleset,
    RunResult,
    apply_budget,
    compare,
    explain,
    run,
    run_test_cases,
)
from clusteratlas.analyses.incentives.library import (
    SHIPPED,
    RulesetRejected,
    add_ruleset,
    list_rulesets,
    load_ruleset,
)
from clusteratlas.analyses.incentives.totals import AwardTotals, award_totals, recorded_lines, recorded_runs

__all__ = ["SHIPPED", "AwardTotals", "Ruleset", "RulesetRejected", "RunResult", "add_ruleset", "apply_budget",
           "award_totals", "compare", "explain", "list_rulesets", "load_ruleset", "recorded_lines",
           "recorded_runs", "run", "run_test_cases"]
