"""The questions users ask, composed from measures: overview, clusters, chains, evaluation…"""

from clusteratlas.analyses.overview import Overview, overview

__all__ = ["Overview", "overview"]
