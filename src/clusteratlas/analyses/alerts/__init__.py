"""Early warnings (预警): rules in YAML over facts built from the store's tables — firms whose
output, tax or electricity fall, firms graded D two years running, leading firms' single-source
suppliers outside the region, signed projects not started or short of funds, targets off track,
leading firms' supporting rate falling."""

from clusteratlas.analyses.alerts.rules import SEVERITIES, SHIPPED, AlertRule, AlertRuleset, evaluate

__all__ = ["SEVERITIES", "SHIPPED", "AlertRule", "AlertRuleset", "evaluate"]
