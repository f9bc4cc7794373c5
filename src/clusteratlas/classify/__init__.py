"""Code lists shipped with ClusterAtlas: industry classifications, their crosswalks, and
China's administrative divisions."""

from clusteratlas.classify.classifications import (
    GBT4754,
    Classification,
    crosswalk,
    isic4_sections,
    naics2017_sectors,
)
from clusteratlas.classify.divisions import division_name, divisions, full_name, is_division, region_rows

__all__ = ["GBT4754", "Classification", "crosswalk", "isic4_sections", "naics2017_sectors",
           "divisions", "division_name", "full_name", "is_division", "region_rows"]
