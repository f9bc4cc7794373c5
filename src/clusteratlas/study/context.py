"""The study: one region and period of a store, resolved once.

``open_study(store)`` reads the store's tables (:func:`clusteratlas.io.queries.study_tables`)
and settles every question the faces used to settle each in its own way: which region (the
one given, else the one with most firms — the region the data were gathered for), which period
(the one given, else the region's latest with firm data), which regions it is compared with
(its siblings under the same parent: a district and the rest of its city), which industries
are its key industries (the divisions its targets name), and which dataset versions and
input-output table the numbers rest on. A study is frozen: a new import makes a new study.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import pandas as pd

from clusteratlas.analyses.clusters import comparison_regions, reference_region, regional_values
from clusteratlas.analyses.overview import OUTSIDE_PARKS, latest_period
from clusteratlas.classify import GBT4754
from clusteratlas.io import queries
from clusteratlas.io.periods import label as period_label
from clusteratlas.measures.inputoutput import IOTable
from clusteratlas.policy.published import regional_withheld
from clusteratlas.study.cache import Memo


def study_region(firms: pd.DataFrame) -> str:
    """The region with the most firms (ties: the smallest code): the one the data are for."""
    if firms.empty:
        raise ValueError("the store has no firms: import firm data first")
    counts = firms["region_id"].value_counts()
    return str(sorted(counts.index[counts == counts.max()])[0])


@dataclass(frozen=True, eq=False)
class Study:
    """A region and period of a store with the tables and versions its numbers rest on."""

    region: str
    name: str
    year: int
    month_to: int
    comparison: tuple[str, ...]
    key_divisions: tuple[str, ...]
    data_version: int
    datasets: pd.DataFrame
    tables: Mapping[str, pd.DataFrame]
    store_path: str = ""
    io_table: IOTable | None = None
    io_table_source: str | None = None
    # the nearest enclosing region with aggregate statistics (the LQ's reference without siblings)
    reference: str | None = None
    _memo: Memo = field(default_factory=Memo, repr=False)

    @property
    def period(self) -> tuple[int, int]:
        return self.year, self.month_to

    @property
    def period_label(self) -> str:
        return period_label(self.year, self.month_to)

    @property
    def period_en(self) -> str:
        return f"{self.year}, months 1–{self.month_to}" if self.month_to < 12 else f"{self.year}"

    def key(self) -> tuple:
        """What the study's results depend on: the store, its version, the region and period,
        and the input-output table."""
        return (self.store_path, self.data_version, self.region, self.year, self.month_to,
                self.io_table_source, self.comparison)

    @property
    def firms(self) -> pd.DataFrame:
        """The study region's firms."""
        return self._memo.get("firms", lambda: self.tables["firms"][
            self.tables["firms"]["region_id"] == self.region].reset_index(drop=True))

    @property
    def parks(self) -> pd.DataFrame:
        """The study region's parks."""
        p = self.tables["parks"]
        return p[p["region_id"] == self.region].reset_index(drop=True)

    def values(self, value: str = "output") -> pd.DataFrame:
        """Regional values (region, industry, year, month_to, value) of the comparison regions
        in every period: aggregate statistics where the store has them, else the sum of the
        above-scale firms (:func:`clusteratlas.analyses.clusters.regional_values`)."""
        t = self.tables
        return self._memo.get(("values", value), lambda: regional_values(
            t["region_industry_years"], t["firms"], t["firm_years"], value, self.comparison))

    def reference_values(self, value: str = "output") -> pd.DataFrame | None:
        """Regional values of the reference region (``reference``), or None without one."""
        if self.reference is None:
            return None
        t = self.tables
        return self._memo.get(("reference_values", value), lambda: regional_values(
            t["region_industry_years"], t["firms"], t["firm_years"], value, (self.reference,)))

    def firm_rows(self, year: int, month_to: int, value: str = "output", region_only: bool = False) -> pd.DataFrame:
        """One row per above-scale firm of a period with a ``value``: firm_id, region, industry
        (the GB/T 4754 division), park_id (``OUTSIDE_PARKS`` outside every park) and value."""
        def compute():
            fy = self.tables["firm_years"]
            fy = fy[(fy["year"] == year) & (fy["month_to"] == month_to)
                    & fy["above_scale"].fillna(False).astype(bool) & fy[value].notna()]
            d = fy[["firm_id", value]].merge(self.tables["firms"][["firm_id", "region_id", "industry_code",
                                                                    "park_id"]], on="firm_id")
            return pd.DataFrame({"firm_id": d["firm_id"], "region": d["region_id"],
                                 "industry": d["industry_code"].map(GBT4754.division_of),
                                 "park_id": d["park_id"].fillna(OUTSIDE_PARKS), "value": d[value]})
        rows = self._memo.get(("firm_rows", year, month_to, value), compute)
        return rows[rows["region"] == self.region] if region_only else rows

    def withheld(self, year: int | None = None, month_to: int | None = None, regions=None,
                 grouping: dict[str, str] | None = None) -> pd.DataFrame:
        """(region, industry, reason) of the regional output values built from firm data that
        roles without firm rights may not see (:func:`policy.published.regional_withheld`), for
        the comparison regions (or ``regions``) in a period (default the study's)."""
        year, month_to = year or self.year, month_to or self.month_to
        regions = tuple(self.comparison if regions is None else regions)
        key = ("withheld", year, month_to, regions, None if grouping is None else tuple(sorted(grouping.items())))

        def compute():
            agg = self.tables["region_industry_years"]
            covered = set(agg.loc[(agg["year"] == year) & (agg["month_to"] == month_to)
                                  & agg["output"].notna(), "region_id"])
            return regional_withheld(self.firm_rows(year, month_to), regions, covered, grouping=grouping)
        return self._memo.get(key, compute)

    def latest_full_year(self) -> int:
        """The latest full year (months 1–12) of the region's firm data up to the study's year;
        ValueError when there is none."""
        fy = self.tables["firm_years"]
        years = fy.loc[(fy["month_to"] == 12) & fy["firm_id"].isin(self.firms["firm_id"])
                       & (fy["year"] <= self.year), "year"]
        if years.empty:
            raise ValueError(f"no full-year firm data for region {self.region} up to {self.year}")
        return int(years.max())


def open_study(store, region: str | None = None, period: tuple[int, int] | None = None,
               io_table: IOTable | None = None, io_table_source: str | None = None,
               peers: tuple | None = None) -> Study:
    """The study of ``region`` (default: the one with most firms) in ``period`` (year,
    month_to; default: its latest with firm data) on the store's tables. ``io_table``: a
    national input-output table to use (``io_table_source`` says which); else the store's newest,
    or none. ``peers``: up to 10 regions to compare with instead of the enclosing region's other
    counties (every comparison view — LQs, maps, strong clusters, recommendations — then runs on
    the region and its peers)."""
    tables = queries.study_tables(store)
    firms = tables["firms"]
    region = str(region) if region else study_region(firms)
    regions = tables["regions"]
    if region not in set(regions["region_id"]):
        raise KeyError(f"no region {region!r} in the store")
    if period is None:
        period = latest_period(tables["firm_years"], firms.loc[firms["region_id"] == region, "firm_id"])
    if io_table is None:
        table_id = queries.newest_io_table_id(store)
        if table_id:
            from clusteratlas.io.iotables import list_io_tables, load_io_table

            io_table = load_io_table(store, table_id)
            row = list_io_tables(store).set_index("table_id").loc[table_id]
            io_table_source = f"store table {table_id}: {row['name']} ({str(row['sha256'])[:12]})"
    names = regions.set_index("region_id")["name"]
    comparison = tuple(comparison_regions(regions, region))
    if peers:
        peers = tuple(dict.fromkeys(str(p) for p in peers if str(p) != region))
        if len(peers) > 10:
            raise ValueError(f"at most 10 peer regions, not {len(peers)}")
        unknown = [p for p in peers if p not in set(regions["region_id"])]
        if unknown:
            raise KeyError(f"no region {unknown[0]!r} in the store to compare with")
        comparison = tuple(sorted((region, *peers)))
    t = tables["targets"]
    keys = tuple(sorted({str(k) for k in t.loc[t["scope"] == "industry", "scope_id"]}))
    return Study(region=region, name=str(names.get(region, region)), year=int(period[0]),
                 month_to=int(period[1]), comparison=comparison,
                 key_divisions=keys, data_version=queries.data_version(store),
                 datasets=queries.dataset_versions(store), tables=MappingProxyType(tables),
                 store_path=store.label, io_table=io_table,
                 io_table_source=io_table_source,
                 reference=reference_region(regions, tables["region_industry_years"], region))
