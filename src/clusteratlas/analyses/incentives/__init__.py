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

__all__ = ["Ruleset", "RunResult", "apply_budget", "compare", "explain", "run", "run_test_cases"]
