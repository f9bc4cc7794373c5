"""The regional diagnosis: every section of a study computed under one settings object.

``diagnose(study, settings)`` returns a :class:`Diagnosis` that carries its study (region,
period, comparison regions, key industries, dataset versions, input-output table) and its
settings (simulations, seed, α, methods). Each section is computed on first use and then kept:
a section's value is fixed by the study and the settings, so the report, the dashboard and the
API, which all render a diagnosis, give one answer to one question — one p-value, one band.

``diagnosis.for_viewer(user)`` is the diagnosis as that user may see it: as computed for roles
with firm rights, else :class:`PublishedDiagnosis`, every section of which passes the
disclosure rules of :mod:`clusteratlas.policy.published`. A section that the data cannot give
raises :class:`NotComputable` saying why; the faces show the reason, never a number.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.analyses import clusters as cl
from clusteratlas.classify import GBT4754
from clusteratlas.analyses.chains import ChainTemplate
from clusteratlas.faces import N_, Said
from clusteratlas.analyses.chains.ledger import ChainLedger, chain_ledger
from clusteratlas.analyses.disclosure import DOMINANCE, MIN_FIRMS, suppress
from clusteratlas.analyses.distance import distance_clusters, sited_firms
from clusteratlas.analyses.eco_park import park_scorecard
from clusteratlas.analyses.land_efficiency import land_efficiency
from clusteratlas.analyses.matching import catalogue, match
from clusteratlas.analyses.overview import OUTSIDE_PARKS, overview
from clusteratlas.analyses.pipeline import pipeline_summary
from clusteratlas.analyses.recommend import STRATEGIES, industry_space, opportunities
from clusteratlas.analyses.summary import economic_summary
from clusteratlas.analyses.targets import target_progress
from clusteratlas.analyses.tiers import core_firm_share, firm_tiers
from clusteratlas.analyses.valuechain import (
    chain_gaps,
    division_to_sector,
    local_supporting_rate,
    project_impact,
    regional_presence,
    value_chain,
)
from clusteratlas.measures import location_quotient
from clusteratlas.policy import published
from clusteratlas.study.cache import Memo
from clusteratlas.study.context import Study


@dataclass(frozen=True)
class RegionPortfolio:
    """The region against its peers: ``peers`` (peer_regions), ``portfolio`` (Portfolio),
    ``quadrants``, ``classes`` (the traded/local class in force for each industry beside the
    one computed now over ``class_regions`` comparison regions: ``current_classes``)."""
    peers: pd.DataFrame
    portfolio: object
    quadrants: pd.DataFrame
    classes: pd.DataFrame
    class_regions: int = 0


class NotComputable(ValueError):
    """A section the study's data cannot give (no comparison regions, no sited firms, no
    input-output table, …); the message says why."""


@dataclass(frozen=True)
class Settings:
    """Everything a diagnosis depends on besides the study.

    ``n_sim``: simulations of every test (the dartboard of EG/MS, the K-density envelopes);
    ``seed``: their random seed; ``alpha``: their significance level (the global K-density band
    holds 1 − α of the simulated curves). ``kd_industries``/``kd_min_firms``: the K-density and
    firm clusters of the region's largest divisions with at least that many sited firms;
    ``cluster_min_size``: HDBSCAN's smallest cluster. ``strategy``: the default weighting of
    the opportunities (``analyses.recommend.STRATEGIES``); ``land_method``: the per-mu grading
    method; ``chain_method``/``chain_delta``: the regionalisation of the input-output table
    (FLQ with δ); ``lq_maps``: how many LQ maps the report draws."""

    n_sim: int = 999
    seed: int = 2006
    alpha: float = 0.05
    kd_industries: int = 5
    kd_min_firms: int = 10
    cluster_min_size: int = 5
    strategy: str = "balanced"
    land_method: str = "zhejiang_above_scale"
    chain_method: str = "flq"
    chain_delta: float = 0.3
    lq_maps: int = 2

    def __post_init__(self):
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {list(STRATEGIES)}")
        if self.n_sim < 0 or not 0 < self.alpha < 1:
            raise ValueError("n_sim must be ≥ 0 and alpha between 0 and 1")

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Chain:
    """The value-chain section: the chain map of the focal sector and its gap list on the
    latest full year (input-output flows are annual), the leading firms' local supporting rate,
    the supply network, and a project-impact example."""

    year: int
    focal: str
    graph: object  # networkx.DiGraph: sectors with the region's presence
    gaps: pd.DataFrame
    presence: pd.DataFrame
    rates: pd.DataFrame
    network: object  # networkx.DiGraph of firms
    buyers: pd.DataFrame
    risks: pd.DataFrame
    impact: dict | None


@dataclass(frozen=True)
class Evaluation:
    """Parks and firms: per-mu grades and tiers on the latest full year, targets, the pipeline."""

    year: int | None  # the full year graded (None without one)
    land_efficiency: object | None  # analyses.land_efficiency.LandEfficiency
    tiers: pd.DataFrame | None
    core: pd.DataFrame | None
    targets: pd.DataFrame
    pipeline: object | None  # analyses.pipeline.PipelineSummary


class Diagnosis:
    """A study's diagnosis under a settings object (see the module text). Read-only: every
    section is a method whose value is computed once and kept."""

    def __init__(self, study: Study, settings: Settings):
        self.study = study
        self.settings = settings
        self._memo = Memo(limit=10_000)

    @property
    def published(self) -> bool:
        return False

    def for_viewer(self, user) -> "Diagnosis":
        """As computed for roles with firm rights; as published for the others."""
        if user.sees_raw_aggregates_of(self.study.region):
            return self
        # a park manager knows their park's firms, a firm its own figures: their release must
        # hold against what they know too
        insider = (("park", user.park_id) if user.role == "park_manager" and user.park_id else
                   ("firm", user.firm_id) if user.role == "firm" and user.firm_id else None)
        return self._memo.get(("published", insider), lambda: PublishedDiagnosis(self, insider))

    def provenance(self) -> dict:
        """What every number of this diagnosis rests on."""
        s = self.study
        return {"store": s.store_path, "data_version": s.data_version, "region": s.region,
                "period": [s.year, s.month_to], "comparison": list(s.comparison),
                "key_divisions": list(s.key_divisions), "io_table": s.io_table_source,
                "datasets": [{"dataset_id": int(r.dataset_id), "file": r.source_name, "sha256": r.sha256}
                             for r in s.datasets.itertuples()],
                "settings": self.settings.as_dict(), "published": self.published}

    def _get(self, key, compute):
        return self._memo.get(key, compute)

    # ------------------------------------------------------------------ overview -------------
    def overview(self):
        s = self.study
        t = s.tables
        return self._get("overview", lambda: overview(t["firms"], t["firm_years"], t["parks"], s.region,
                                                      s.year, s.month_to))

    def summary(self):
        return self._get("summary", lambda: economic_summary(self.overview(), self.study.name,
                                                             self.study.key_divisions))

    # ------------------------------------------------------------------ clusters -------------
    def clusters(self) -> cl.ClusterDiagnostics:
        s, st = self.study, self.settings

        def compute():
            t = s.tables
            try:
                return cl.cluster_diagnostics(
                    s.values("output"), s.values("establishments"),
                    cl.park_firms(t["firms"], t["firm_years"], s.region, s.year, s.month_to),
                    s.region, s.year, s.month_to, n_sim=st.n_sim, seed=st.seed,
                    reference=s.reference_values("output"))
            except (ValueError, KeyError) as e:
                raise NotComputable(str(e)) from e
        return self._get("clusters", compute)

    def location_quotients(self) -> pd.DataFrame:
        """The region's LQ of every division of the comparison regions (industry, output, lq,
        lq_symmetric) in the study's period."""
        def compute():
            s = self.study
            v = cl.in_period(s.values("output"), s.year, s.month_to)
            if s.region not in set(v.region):
                raise NotComputable(Said(N_("No output of region {region} in {period}."), region=s.region,
                                         period=s.period_label))
            reference = None
            if v.region.nunique() < 2:  # against itself every LQ is 1: use the enclosing region
                ref = s.reference_values("output")
                ref = None if ref is None else cl.in_period(ref, s.year, s.month_to)
                if ref is None or ref.empty:
                    raise NotComputable(cl.no_comparison(s.region))
                v, reference = v[v.region == s.region], ref[["industry", "output"]]
            try:
                out = location_quotient(v, value="output", reference=reference)
            except ValueError as e:
                raise NotComputable(Said(N_("The reference region's totals cannot serve as the comparison: {why}"),
                                         why=str(e))) from e
            return out[out.region == s.region][["industry", "output", "lq", "lq_symmetric"]].reset_index(drop=True)
        return self._get("location_quotients", compute)

    def output_table(self, period: tuple[int, int] | None = None):
        """Output by division × park (parks' columns; ``OUTSIDE_PARKS`` for the rest) with the
        firms in each cell and the largest firm's share: (values, firms, top_share), in the
        study's period or ``period``."""
        year, month_to = period or self.study.period

        def compute():
            d = self.study.firm_rows(year, month_to, region_only=True)
            g = d.groupby(["industry", "park_id"])["value"]
            return (g.sum().unstack(fill_value=0.0), g.size().unstack(fill_value=0),
                    (g.max() / g.sum()).unstack(fill_value=0.0))
        return self._get(("output_table", year, month_to), compute)

    def suppressed_output_table(self, min_firms: int = MIN_FIRMS, dominance: float = DOMINANCE,
                                period: tuple[int, int] | None = None, insider: tuple | None = None):
        """The output table under primary and complementary suppression (``Suppressed``), over
        every equation the period's release publishes about it: the cells, the industry and
        park totals (the overview's parts), the region's total and its output in parks.
        ``insider``: ("park", id) or ("firm", id), a reader who knows some cells (their park's,
        or their firm's cell where it is alone), against whom the others must hold too."""
        def compute():
            values, firms, top = self.output_table(period)
            in_parks = np.zeros(values.shape, bool)
            in_parks[:, [c != OUTSIDE_PARKS for c in values.columns]] = True
            return suppress(values, firms, top, min_firms, dominance, grand_total=True,
                            extra=[in_parks], known=self._known_cells(values, firms, period, insider))
        return self._get(("suppressed_output_table", min_firms, dominance, period, insider), compute)

    def _known_cells(self, values: pd.DataFrame, firms: pd.DataFrame, period, insider) -> np.ndarray:
        known = np.zeros(values.shape, bool)
        if insider is None:
            return known
        kind, key = insider
        if kind == "park":
            known[:, [c == key for c in values.columns]] = True
        elif kind == "firm":
            rows = self.study.firm_rows(*(period or self.study.period), region_only=True)
            mine = rows[rows["firm_id"] == key]
            for industry, park in zip(mine["industry"], mine["park_id"]):
                if industry in values.index and park in values.columns \
                        and firms.at[industry, park] == 1:  # alone in its cell: they know it
                    known[values.index.get_loc(industry), values.columns.get_loc(park)] = True
        return known

    def land_efficiency(self, year: int | None = None, method: str | None = None):
        """Per-mu grades of the region's firms (latest full year and the settings' method by
        default)."""
        def compute():
            t = self.study.tables
            y = year or self.study.latest_full_year()
            return land_efficiency(t["firms"], t["firm_years"], y, 12, method or self.settings.land_method,
                                   region_id=self.study.region, overrides=t["grade_overrides"])
        return self._get(("land_efficiency", year, method), compute)

    def lq_map(self, industry: str | None = None) -> pd.DataFrame:
        s = self.study

        def compute():
            try:
                return cl.lq_map(s.values("output"), s.tables["regions"], s.region, s.year,
                                 s.month_to, industry)
            except ValueError as e:
                raise NotComputable(str(e)) from e
        return self._get(("lq_map", industry), compute)

    def lq_maps(self) -> list[pd.DataFrame]:
        """LQ maps of the region's largest industries, where the store holds the boundaries."""
        cl_ = self.clusters()
        if "lq" in cl_.reasons or cl_.reference is not None:  # a map needs regions side by side
            return []
        lq = cl_.lq
        out = []
        for industry in lq.nlargest(self.settings.lq_maps, "output")["industry"]:
            m = self.lq_map(str(industry))
            if m["boundary"].notna().sum() >= 2:
                out.append(m)
        return out

    def distance(self):
        """K-density of the largest divisions and their firm clusters against the parks."""
        s, st = self.study, self.settings

        def compute():
            try:
                sited = sited_firms(s.tables["firms"], s.tables["firm_years"], s.region, s.year, s.month_to)
            except ValueError as e:
                raise NotComputable(str(e)) from e
            return distance_clusters(sited, s.parks, st.kd_industries, st.kd_min_firms, st.n_sim,
                                     st.seed, st.alpha, st.cluster_min_size)
        return self._get("distance", compute)

    # ------------------------------------------------------------------ what to attract ------
    def _current_values(self) -> pd.DataFrame:
        v = cl.in_period(self.study.values("output"), self.study.year, self.study.month_to)
        if v.region.nunique() < 3 or self.study.region not in set(v.region):
            raise NotComputable(Said(N_(
                "Recommendations rank industries by relatedness across regions: they need output by industry "
                "of at least three comparison regions in {period}; the store has {n}. Import the other "
                "counties of the same prefecture."), period=self.study.period_label, n=v.region.nunique()))
        return v

    def opportunities(self, strategy: str | None = None):
        strategy = strategy or self.settings.strategy
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {list(STRATEGIES)}")
        return self._get(("opportunities", strategy), lambda: opportunities(
            self._current_values(), self.study.region, value="output", strategy=strategy, top=None))

    def industry_space(self):
        return self._get("industry_space", lambda: industry_space(
            self._current_values(), self.study.region, value="output"))

    # ------------------------------------------------------------------ evaluation -----------
    def evaluation(self) -> Evaluation:
        def compute():
            s, t = self.study, self.study.tables
            try:
                year = s.latest_full_year()
            except ValueError:
                year = None
            le = tiers = core = None
            if year is not None:
                le = self.land_efficiency()
                tiers = pd.concat([
                    firm_tiers(t["firms"], t["firm_years"], year, 12, region_id=s.region)
                    .assign(label=f"{year}年 全年"),
                    firm_tiers(t["firms"], t["firm_years"], s.year, s.month_to, annualise=True,
                               region_id=s.region).assign(label=f"{s.period_label} 年化 annualised")])
                core = core_firm_share(t["firms"], t["firm_years"], s.year, s.month_to, region_id=s.region)
            progress = self.targets()
            pipeline = None
            if len(t["projects"]):
                end = (pd.Timestamp(year=s.year, month=s.month_to, day=1) + pd.offsets.MonthEnd(0)).date()
                pipeline = pipeline_summary(t["projects"], f"{s.year}-01-01", end.isoformat())
            return Evaluation(year, le, tiers, core, progress, pipeline)
        return self._get("evaluation", compute)

    def targets(self) -> pd.DataFrame:
        """Progress towards every target of the store at the study's period."""
        def compute():
            s, t = self.study, self.study.tables
            if not len(t["targets"]):
                return pd.DataFrame(columns=["target_id", "scope", "scope_id"])
            return target_progress(t["targets"], t["firms"], t["firm_years"], s.year, s.month_to)
        return self._get("targets", compute)

    def pipeline(self, start=None, end=None, viewer=None):
        """The project funnel: over the study's year to date, or between ``start`` and ``end``;
        ``viewer``: only the projects that user may see (a park manager's park, an analyst's
        region), as the access policy says."""
        if viewer is not None and viewer.role != "admin":
            from clusteratlas.policy.access import visible_projects

            s = self.study
            mine = visible_projects(s.tables["projects"], viewer)
            if mine.empty:
                return None
            if start is None and end is None:
                last = pd.Timestamp(year=s.year, month=s.month_to, day=1) + pd.offsets.MonthEnd(0)
                start, end = f"{s.year}-01-01", last.date().isoformat()
            return self._get(("pipeline", start, end, viewer.role, viewer.region_id, viewer.park_id),
                             lambda: pipeline_summary(mine, start, end))
        if start is None and end is None:
            return self.evaluation().pipeline
        return self._get(("pipeline", start, end), lambda: pipeline_summary(
            self.study.tables["projects"], start, end))

    def portfolio(self, peers: tuple | None = None, k: int = 3, start: int | None = None) -> RegionPortfolio:
        """The region against its peers (``analyses.portfolio``): the peer regions (the ``k``
        nearest by size and industry mix, or ``peers``), the portfolio of industries from the
        same months of the first year in the store to the study's period, against the region
        and its peers, with traded industries told from local ones by the comparison regions'
        own spread (``measures.traded_local``) or as the office recorded them (``study.classes``),
        and the strength/opportunity quadrants.
        ``start``: the first year of the range (default the store's first)."""
        from clusteratlas.analyses.portfolio import current_classes, peer_regions, portfolio, quadrants
        from clusteratlas.measures import traded_local

        def compute():
            s = self.study
            v = s.values("output")
            v = v[v["month_to"] == s.month_to].drop(columns="month_to")
            v = v[v["year"] <= s.year]
            if v["region"].nunique() < 3 or v["year"].nunique() < 2:
                raise NotComputable(Said(N_(
                    "A portfolio needs the output by industry of at least 3 regions in two years of the same "
                    "months; the store has {regions} region(s) and {years} year(s)."),
                    regions=v["region"].nunique(), years=v["year"].nunique()))
            now = v[v["year"] == s.year]
            peer_frame = peer_regions(v, s.region, value="output", at=s.year, k=k, picked=peers)
            chosen = list(peer_frame.loc[peer_frame["peer"], "region"])
            recorded = s.tables.get("industry_classes")
            if recorded is not None:
                recorded = recorded[recorded["region_id"] == s.region]
            classes = current_classes(recorded, traded_local(now, value="output"))
            traded = classes.set_index("industry")["traded"]
            p = portfolio(v, s.region, value="output", start=start, end=s.year, peers=chosen, traded=traded)
            p = dataclasses.replace(p, industries=p.industries.merge(self._innovation(), on="industry", how="left"))
            q = quadrants(v, s.region, value="output", at=s.year, peers=chosen)
            return RegionPortfolio(peer_frame, p, q, classes, int(now["region"].nunique()))
        return self._get(("portfolio", peers, k, start), compute)

    def park_peers(self, park_id: str | None = None, peers: tuple | None = None, k: int = 3):
        """A park of the region against its peer parks among the region's parks
        (``analyses.park_peers``) in the study's period: the ``k`` parks most like it by size,
        tax per mu and industry mix, or ``peers`` (up to 10), and its figures against theirs.
        ``park_id``: default the park with the most output."""
        from clusteratlas.analyses.park_peers import ParkPeers, park_benchmark, park_figures, park_values, peer_parks

        def compute():
            # the region's own parks: another region's parks are its firms' sums, which the
            # region's office may not see unwithheld
            s, t = self.study, self.study.tables
            firms = s.firms[s.firms["park_id"].isin(s.parks["park_id"])]
            figures = park_figures(t["firm_years"], firms, s.parks, s.year, s.month_to)
            if len(figures) < 2:
                raise NotComputable(Said(N_("Peer parks need the figures of at least 2 parks' firms in the period; "
                                            "the store has {parks}."), parks=len(figures)))
            park = park_id or str(figures.sort_values("output", ascending=False)["park_id"].iloc[0])
            if park not in set(figures["park_id"]):
                raise KeyError(f"park {park!r} has no firm figures in {s.period_label}")
            values = park_values(t["firm_years"], firms, s.year, s.month_to)
            # a park is not its own peer: the ticks of the park chosen before may include it
            picked = tuple(p for p in peers if p != park) or None if peers else None
            found = peer_parks(values, figures, park, k=min(k, len(figures) - 1), picked=picked)
            chosen = list(found.loc[found["peer"], "park"])
            shown = figures[figures["park_id"].isin([park, *chosen])].reset_index(drop=True)
            return ParkPeers(park, found, shown, park_benchmark(figures, park, chosen))
        return self._get(("park_peers", park_id, peers, k), compute)

    def _innovation(self) -> pd.DataFrame:
        """The region's wages and innovation by division in the study's period, from its firms'
        figures (``analyses.portfolio.firm_figures``)."""
        from clusteratlas.analyses.portfolio import firm_figures

        s = self.study
        return firm_figures(s.tables["firm_years"], s.firms, s.year, s.month_to,
                            patents=s.tables.get("patents"))

    def spinoffs(self, bundle: str = "seed"):
        """The spin-off genealogy of the region's firms by cluster (``analyses.spinoffs``), with
        the output of the study's period; the clusters of the shipped ``bundle``."""
        from clusteratlas.analyses.spinoffs import spinoffs
        from clusteratlas.classify.clusters import load_definitions

        def compute():
            s = self.study
            fy = s.tables["firm_years"]
            out = fy[(fy["year"] == s.year) & (fy["month_to"] == s.month_to)].set_index("firm_id")["output"]
            try:
                return spinoffs(s.firms, out, load_definitions(bundle))
            except ValueError as e:  # a loop of parents: said, not drawn
                raise NotComputable(str(e)) from e
        return self._get(("spinoffs", bundle), compute)

    def scorecards(self) -> dict[str, pd.DataFrame]:
        """Eco-industrial park scorecards of the region's parks on the latest full year."""
        def compute():
            year = self.study.latest_full_year()
            t = self.study.tables
            return {p: park_scorecard(t["firms"], t["firm_years"], p, year)
                    for p in self.study.parks["park_id"]}
        return self._get("scorecards", compute)

    # ------------------------------------------------------------------ value chain ----------
    def chain(self, focal: str | None = None) -> Chain:
        if self.study.io_table is None:
            raise NotComputable(Said(N_("No input-output table: import one (clusteratlas io-table import FILE, "
                                        "or POST /api/io-tables), or give one with --io-table FILE.")))
        return self._get(("chain", focal), lambda: self._chain(focal))

    def _chain(self, focal):
        from clusteratlas.measures.network import buyer_summary, single_source_risks, supply_network

        s, st, t, table = self.study, self.settings, self.study.tables, self.study.io_table
        try:
            year = s.latest_full_year()
            presence = regional_presence(s.values("output"), t["firms"], t["firm_years"], s.region, year)
        except ValueError as e:
            raise NotComputable(str(e)) from e
        focal = str(focal or presence["output"].idxmax())
        graph = value_chain(table, focal, presence)
        gaps = chain_gaps(table, presence["output"], [focal], presence, method=st.chain_method,
                          delta=st.chain_delta).assign(suppressed="")  # as computed: nothing withheld
        rates = local_supporting_rate(t["firms"], t["firm_years"], t["supply_links"], s.region)
        network = supply_network(t["supply_links"], t["firms"])
        buyers = buyer_summary(network, s.region)
        risks = single_source_risks(t["supply_links"], t["firms"], s.region)
        impact = None
        projects = t["projects"]
        example = projects[(projects["region_id"] == s.region)
                           & projects["industry_code"].astype(str).str.startswith(focal[:2])]
        example = example.sort_values("contracted_investment", ascending=False).head(1)
        if len(example):
            p = example.iloc[0]
            jobs = cl.in_period(s.values("employment"), year, 12)
            jobs = jobs[jobs.region == s.region].set_index("industry")["employment"]
            annual_output = float(p["contracted_investment"])  # a 1:1 output-to-investment assumption
            pi = project_impact(table, presence["output"], str(p["industry_code"]), annual_output,
                                regional_jobs=jobs, method=st.chain_method, delta=st.chain_delta)
            impact = dict(name=p["name"], investment=annual_output, multiplier=pi.multiplier_type1,
                          multiplier_type2=pi.multiplier_type2, table=pi.table, sector=pi.sector)
        return Chain(year, focal, graph, gaps, presence, rates, network, buyers, risks, impact)

    def chain_ledger(self, chain: ChainTemplate) -> ChainLedger:
        """The ledger of ``chain`` in the study region on the latest full year (产业链台账): links
        classified with evidence, leading firms and their supporting rate, candidates, projects;
        the input-output table's leakage beside the purchases where the store has a table."""
        def compute():
            s, st, t = self.study, self.settings, self.study.tables
            try:
                year = s.latest_full_year()
            except ValueError as e:
                raise NotComputable(str(e)) from e
            gaps = None
            if s.io_table is not None:
                try:
                    presence = regional_presence(s.values("output"), t["firms"], t["firm_years"], s.region, year)
                    core = sorted({GBT4754.division_of(c) for c in chain.core_codes})
                    gaps = chain_gaps(s.io_table, presence["output"], core, presence, method=st.chain_method,
                                      delta=st.chain_delta)
                except (ValueError, KeyError):  # the table lacks the chain's sectors: purchases alone
                    gaps = None
            projects = t["projects"][t["projects"]["region_id"] == s.region]
            return chain_ledger(chain, t["firms"], t["firm_years"], t["supply_links"], s.region, year,
                                projects=projects, candidates=t["investment_candidates"],
                                supplier_profiles=t["supplier_profiles"], io_gaps=gaps)
        return self._get(("chain_ledger", chain.sha256), compute)

    # ------------------------------------------------------------------ supplier matching ----
    def catalogue(self):
        """Purchase needs with their buyers, supplier profiles with their sites (all regions)."""
        t = self.study.tables
        return self._get("catalogue", lambda: catalogue(t["firms"], t["purchase_needs"], t["supplier_profiles"]))

    def matches(self, need_ids, top_k: int = 5) -> pd.DataFrame:
        """The ``top_k`` suppliers of each need in ``need_ids``, with every criterion's score."""
        need_ids = tuple(sorted(need_ids))

        def compute():
            cat = self.catalogue()
            return match(cat.needs[cat.needs["need_id"].isin(need_ids)], cat.suppliers, top_k)
        return self._get(("matches", need_ids, top_k), compute)

    def project_impact(self, industry: str, output: float, jobs: float | None = None):
        """Direct, indirect and induced effects of a project's annual ``output`` (CNY) in
        ``industry`` on the region (``analyses.valuechain.project_impact``), on the chain's year."""
        c = self.chain()
        return self._get(("project_impact", industry, output, jobs), lambda: project_impact(
            self.study.io_table, c.presence["output"], industry, output, jobs=jobs,
            method=self.settings.chain_method, delta=self.settings.chain_delta))

    # ------------------------------------------------------------------ all at once ----------
    def sections(self) -> dict[str, object]:
        """Every section, computed now: name → its value, or the NotComputable saying why not."""
        out = {}
        for name in ("overview", "summary", "location_quotients", "clusters", "lq_maps", "distance",
                     "opportunities", "industry_space", "evaluation", "chain"):
            try:
                out[name] = getattr(self, name)()
            except (ValueError, KeyError) as e:
                out[name] = NotComputable(str(e))
        return out


class PublishedDiagnosis(Diagnosis):
    """A diagnosis as roles without firm rights see it: the same sections, each through the
    disclosure rules of :mod:`clusteratlas.policy.published` (one set of rules over all the
    figures of the period, so no withheld value can be worked out from the others)."""

    def __init__(self, raw: Diagnosis, insider: tuple | None = None):
        super().__init__(raw.study, raw.settings)
        self.raw = raw
        self.insider = insider

    @property
    def published(self) -> bool:
        return True

    def for_viewer(self, user) -> Diagnosis:
        return self.raw.for_viewer(user)

    def _withheld(self, year=None, month_to=None, regions=None):
        """What may not be published of the regions' values in a period: each region's own
        breakdown rules, and for the study region the industries the period's release (its
        suppressed output table) withholds — every view then hides the same industries."""
        s = self.study
        out = s.withheld(year, month_to, regions)
        if regions is not None and s.region not in set(regions):
            return out
        period = (year or s.year, month_to or s.month_to)
        values, _, _ = self.raw.output_table(period)
        if values.empty:
            return out
        rows = self.raw.suppressed_output_table(period=period, insider=self.insider).row_totals
        extra = [d for d in rows.index[rows.isna()]
                 if not ((out["region"] == s.region) & (out["industry"] == d)).any()]
        if not extra:
            return out
        more = pd.DataFrame({"region": s.region, "industry": extra, "reason": "complementary"})
        return pd.concat([out, more], ignore_index=True)

    def overview(self):
        s = self.study
        return self._get("overview", lambda: published.public_overview(
            self.raw.overview(), s.firm_rows(s.year - 1, s.month_to, region_only=True),
            self.raw.suppressed_output_table(insider=self.insider)))

    def clusters(self) -> cl.ClusterDiagnostics:
        def compute():
            d = self.raw.clusters()
            s = self.study
            # a bubble or row shows the value, its LQ and its growth: withheld now or a year ago
            hidden = set(self._withheld(regions=[s.region])["industry"]) | set(
                self._withheld(s.year - 1, s.month_to, [s.region])["industry"])
            withheld = self._withheld()
            strong = d.strong
            if not strong.empty:
                strong = published.withhold(strong, withheld, ["output", "lq"])
                strong = strong[strong["suppressed"] == ""].drop(columns="suppressed")
            eg = d.agglomeration
            if not eg.empty:  # a park split of fewer than three firms' employment is not published
                eg = eg[eg["n_firms"] >= 3].reset_index(drop=True)
            shift = d.shift[~d.shift["industry"].isin(hidden)].reset_index(drop=True) \
                if not d.shift.empty else d.shift
            lq = d.lq[~d.lq["industry"].isin(hidden)].reset_index(drop=True) if not d.lq.empty else d.lq
            return dataclasses.replace(d, lq=lq,
                                       strong=strong.reset_index(drop=True), shift=shift, agglomeration=eg)
        return self._get("clusters", compute)

    def location_quotients(self) -> pd.DataFrame:
        """With the published totals, an LQ gives the value back: withheld with it."""
        return self._get("location_quotients", lambda: published.withhold(
            self.raw.location_quotients(), self._withheld(regions=[self.study.region]),
            ["output", "lq", "lq_symmetric"], region=self.study.region))

    def output_table(self):
        raise NotComputable("the raw output table is for roles with firm rights; "
                            "the published one is suppressed_output_table()")

    def suppressed_output_table(self, min_firms: int = MIN_FIRMS, dominance: float = DOMINANCE):
        """Only under the service's rules: a caller who could loosen them would undo them, and
        one who could pick other settings could combine two suppression patterns."""
        if (min_firms, dominance) != (MIN_FIRMS, DOMINANCE):
            raise PermissionError(f"the disclosure rules are the service's ({MIN_FIRMS} firms, {DOMINANCE:.0%})")
        return self.raw.suppressed_output_table(insider=self.insider)

    def land_efficiency(self, year: int | None = None, method: str | None = None):
        raise NotComputable(Said(N_("Per-mu grades are firm-level: roles with firm or park rights only.")))

    def lq_map(self, industry: str | None = None) -> pd.DataFrame:
        def compute():
            frame = self.raw.lq_map(industry)
            return published.withhold_lq_map(frame, self._withheld(regions=list(frame["region"])))
        return self._get(("lq_map", industry), compute)

    def opportunities(self, strategy: str | None = None):
        def compute():
            opp = self.raw.opportunities(strategy)
            return dataclasses.replace(opp, table=published.withhold_opportunities(
                opp.table, self._withheld(regions=[self.study.region]), self.study.region))
        return self._get(("opportunities", strategy or self.settings.strategy), compute)

    def industry_space(self):
        return self._get("industry_space", lambda: published.public_industry_space(
            self.raw.industry_space(), not self._withheld(regions=[self.study.region]).empty))

    def targets(self) -> pd.DataFrame:
        """No firm-scope target, no actual figure of a withheld industry or park."""
        def compute():
            try:
                ov = self.overview()
            except ValueError:  # no firm data in the period: nothing to withhold from
                ov = None
            return published.withhold_targets(self.raw.targets(), ov)
        return self._get("targets", compute)

    def evaluation(self) -> Evaluation:
        """Targets as published; grades, tiers and core shares are firm-level (not published)."""
        def compute():
            e = self.raw.evaluation()
            return Evaluation(e.year, None, None, None, self.targets(), e.pipeline)
        return self._get("evaluation", compute)

    def scorecards(self) -> dict[str, pd.DataFrame]:
        raise NotComputable(Said(N_("Park scorecards are built from firm figures: roles with park rights only.")))

    def spinoffs(self, bundle: str = "seed"):
        raise NotComputable(Said(N_("Spin-offs name firms and their output: roles with the region's firm rights only.")))

    def portfolio(self, peers: tuple | None = None, k: int = 3, start: int | None = None):
        raise NotComputable(Said(N_("The portfolio compares regions' sums of firm figures, cell by cell: roles "
                                    "with the region's firm rights only.")))

    def park_peers(self, park_id: str | None = None, peers: tuple | None = None, k: int = 3):
        raise NotComputable(Said(N_("Peer parks compare parks' sums of firm figures: roles with the region's "
                                    "firm rights only.")))

    def distance(self):
        """K-density curves are aggregates of ≥ 10 firms' pair distances and are published; the
        cluster footprints are drawn through firm sites and are not."""
        def compute():
            d = self.raw.distance()
            fc = d.clusters
            empty = dataclasses.replace(fc, firms=fc.firms.iloc[0:0], clusters=fc.clusters.iloc[0:0],
                                        overlap=fc.overlap.iloc[0:0])
            return dataclasses.replace(d, clusters=empty)
        return self._get("distance", compute)

    def _chain(self, focal):
        c = self.raw.chain(focal)
        s = self.study
        grouping = division_to_sector(s.io_table.sectors)
        by_sector = s.withheld(c.year, 12, [s.region], grouping=grouping)
        # the divisions the year's release withholds (a sector holding one loses its figures)
        by_division = self._withheld(c.year, 12, [s.region])
        graph, gaps = published.withhold_chain(c.graph, c.gaps, by_sector, by_division, grouping)
        hidden = set(by_division["industry"])
        presence = c.presence.assign(suppressed=[("withheld" if d in hidden else "") for d in c.presence.index])
        presence.loc[presence["suppressed"] != "", ["output", "lq"]] = float("nan")
        return dataclasses.replace(c, graph=graph, gaps=gaps, presence=presence, rates=c.rates.iloc[0:0],
                                   buyers=c.buyers.iloc[0:0], risks=c.risks.iloc[0:0], impact=None)


def diagnose(study: Study, settings: Settings | None = None) -> Diagnosis:
    """The diagnosis of ``study`` under ``settings`` (default ``Settings()``)."""
    return Diagnosis(study, settings or Settings())
