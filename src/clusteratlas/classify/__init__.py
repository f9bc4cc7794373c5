"""Industry classifications shipped with ClusterAtlas and their crosswalks."""

from clusteratlas.classify.classifications import (
    GBT4754,
    Classification,
    crosswalk,
    isic4_sections,
    naics2017_sectors,
)

__all__ = ["GBT4754", "Classification", "crosswalk", "isic4_sections", "naics2017_sectors"]
