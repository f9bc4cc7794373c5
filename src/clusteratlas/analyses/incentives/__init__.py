"""Incentive policies as code: rulesets (YAML), a vectorised engine, budgets, explanations."""

from clusteratlas.analyses.incentives.engine import (
    Ruleset,
    RunResult,
    compare,
    explain,
    run,
    run_test_cases,
)
from clusteratlas.analyses.incentives.library import (
    SHIPPED,
    RulesetRejected,
    check_ruleset,
    list_rulesets,
    load_ruleset,
)
from clusteratlas.analyses.incentives.totals import AwardTotals, award_totals

__all__ = ["SHIPPED", "AwardTotals", "Ruleset", "RulesetRejected", "RunResult",
           "award_totals", "check_ruleset", "compare", "explain", "list_rulesets", "load_ruleset",
           "run", "run_test_cases"]
