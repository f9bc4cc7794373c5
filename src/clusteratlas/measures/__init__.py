"""Pure maths on arrays and DataFrames (no I/O, no store, no UI).

``__all__`` lists the tidy measures: each takes a DataFrame and keyword-only role names and
returns a tidy DataFrame or a frozen result object, for all regions, industries and years at
once, under the one policy of :mod:`clusteratlas.measures.tidy` (a contract test holds every one
of them to it). The input-output functions are plain array maths on a table's matrices, in the
style of pymrio: :mod:`clusteratlas.measures.inputoutput`.
"""

from clusteratlas.measures.agglomeration import coagglomeration, ellison_glaeser, maurel_sedillot
from clusteratlas.measures.colocation import colocation
from clusteratlas.measures.complexity import complexity, entry_exit, proximity, rca, relatedness_density
from clusteratlas.measures.concentration import (
    gini_localization,
    gini_specialization,
    herfindahl,
    hoover,
    krugman_concentration,
    krugman_specialization,
    location_quotient,
)
from clusteratlas.measures.diversity import theil, variety
from clusteratlas.measures.hot_spots import hot_spots
from clusteratlas.measures.firm_clusters import FirmClusters, firm_clusters  # noqa: F401  (its result)
from clusteratlas.measures.kdensity import DistanceCurve, kdensity, kdensity_all  # noqa: F401  (the result)
from clusteratlas.measures.mfunction import m_function
from clusteratlas.measures.shiftshare import shift_share
from clusteratlas.measures.strong_clusters import strong_clusters
from clusteratlas.measures.traded_local import traded_local

__all__ = [
    "coagglomeration", "colocation", "complexity", "ellison_glaeser", "entry_exit", "firm_clusters", "gini_localization",
    "gini_specialization", "herfindahl", "hoover", "hot_spots", "kdensity", "kdensity_all",
    "krugman_concentration", "krugman_specialization", "location_quotient", "m_function",
    "maurel_sedillot", "proximity", "rca", "relatedness_density", "shift_share", "strong_clusters",
    "theil", "traded_local", "variety",
]
RESULTS = ("DistanceCurve", "FirmClusters")  # the result objects, importable from here too
