"""The study and its diagnosis: the one core every face renders.

A :class:`~clusteratlas.study.context.Study` is resolved once from the store (region, name,
period, comparison regions, key industries, the tables and the dataset versions behind them);
:func:`~clusteratlas.study.diagnosis.diagnose` computes every section of the regional diagnosis
under one :class:`~clusteratlas.study.diagnosis.Settings` and carries both. The report, the
dashboard, the API and the command line render a diagnosis; none composes analyses. Results
are cached by store version, study and settings (:mod:`clusteratlas.study.cache`).
"""

from clusteratlas.study.context import Study, open_study
from clusteratlas.study.diagnosis import Diagnosis, NotComputable, Settings, diagnose

__all__ = ["Diagnosis", "NotComputable", "Settings", "Study", "diagnose", "open_study"]
