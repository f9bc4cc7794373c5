"""Chains as a chain office runs them (链长制): templates of links, and the ledger of a chain in
a region — its links classified 强链/补链/延链 with the evidence, its leading firms and their local
supporting rate, the firms to attract, the projects that fill its links."""

from clusteratlas.analyses.chains.templates import SHIPPED, STAGES, ChainLink, ChainTemplate, shipped_templates

__all__ = ["SHIPPED", "STAGES", "ChainLink", "ChainTemplate", "shipped_templates"]
