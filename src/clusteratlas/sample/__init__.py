"""The bundled sample region: 荆州区 (Jingzhou district, Hubei) in its prefecture, 2005–2006.

Totals are calibrated to the published figures of the seed's first text (see
``docs/sample-region.md``); every firm-level row is synthetic. Regenerate with
``python -m clusteratlas.sample.generate``; the output is byte-for-byte deterministic.
"""

from importlib import resources
from pathlib import Path

FILES = ("regions.csv", "parks.csv", "firms.csv", "firm_years.csv", "region_industry_years.csv",
         "supply_links.csv", "projects.csv", "targets.csv", "purchase_needs.csv",
         "supplier_profiles.csv", "match_outcomes.csv", "investment_candidates.csv", "patents.csv")
MAPPING = "mapping.yaml"
IO_TABLE = "io_table_national.csv"  # synthetic national table in the NBS layout (not imported)
INCENTIVE_INPUTS = "incentive_inputs_2006.csv"  # synthetic policy inputs for the incentive demo


def data_dir() -> Path:
    return Path(str(resources.files("clusteratlas.sample").joinpath("data")))


def sample_files() -> list[Path]:
    d = data_dir()
    return [d / f for f in FILES]
