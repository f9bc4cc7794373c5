"""Pure maths on arrays and DataFrames (no I/O, no store, no UI).

Every measure takes tidy data — a DataFrame and the names of its columns — and returns a tidy
DataFrame, for all regions, industries and years at once.
"""

from clusteratlas.measures.agglomeration import (
    coagglomeration,
    dartboard_test,
    ellison_glaeser,
    maurel_sedillot,
)
from clusteratlas.measures.complexity import complexity, proximity, rca, relatedness_density
from clusteratlas.measures.concentration import (
    gini_localization,
    gini_specialization,
    herfindahl,
    hoover,
    krugman_concentration,
    krugman_specialization,
    location_quotient,
)
from clusteratlas.measures.firm_clusters import firm_clusters
from clusteratlas.measures.inputoutput import (
    final_demand_impact,
    ghosh_inverse,
    hypothetical_extraction,
    leontief_inverse,
    linkages,
    multipliers,
    regionalize,
    technical_coefficients,
)
from clusteratlas.measures.kdensity import kdensity, kdensity_all
from clusteratlas.measures.mfunction import m_function
from clusteratlas.measures.shiftshare import shift_share
from clusteratlas.measures.strong_clusters import strong_clusters

__all__ = [
    "coagglomeration", "complexity", "dartboard_test", "final_demand_impact", "firm_clusters", "ghosh_inverse",
    "hypothetical_extraction", "kdensity", "kdensity_all", "leontief_inverse", "linkages", "multipliers", "regionalize",
    "technical_coefficients", "ellison_glaeser", "gini_localization",
    "gini_specialization", "herfindahl", "hoover", "krugman_concentration",
    "krugman_specialization", "location_quotient", "m_function", "maurel_sedillot", "proximity", "rca", "relatedness_density", "shift_share",
    "strong_clusters",
]
