"""The tables of the store: columns, types, canonical units, keys and references.

This module is the single description of the data model; the importer validates against it,
``docs/data-model.md`` documents it, and a test checks the migrations create exactly it.
Money is in CNY (yuan), land in mu (亩, 2000/3 m²), energy in tonnes of standard coal
equivalent (tce, 吨标准煤), distance in km, coordinates in WGS-84 degrees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Quantities a numeric column can hold, with the canonical unit it is stored in.
MONEY, AREA_MU, AREA_KM2, ENERGY, COUNT, DEGREES, YEAR, MONTH, PERCENT, ELECTRICITY, MASS = (
    "money", "area_mu", "area_km2", "energy", "count", "degrees", "year", "month", "percent",
    "electricity", "mass",
)

CANONICAL_UNIT = {
    MONEY: "CNY", AREA_MU: "mu", AREA_KM2: "km²", ENERGY: "tce", COUNT: "persons/units",
    DEGREES: "°", YEAR: "year", MONTH: "month", PERCENT: "%", ELECTRICITY: "kWh", MASS: "t",
}


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # text | int | float | bool | date | geojson
    doc: str
    required: bool = False
    quantity: str | None = None
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    ref: tuple[str, str] | None = None  # (table, column) this column must exist in
    industry_code: bool = False
    default: object = None  # filled in when the column is absent from a file


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    recognise_by: tuple[str, ...] = field(default=())  # columns whose presence marks the table

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _money(name: str, doc: str, **kw) -> Column:
    return Column(name, "float", doc, quantity=MONEY, min=0, **kw)


REGION_LEVELS = ("country", "province", "prefecture", "county", "district", "town", "other")
PARK_KINDS = ("park", "zone", "development_zone", "high_tech_zone", "other")
PROJECT_STAGES = ("lead", "negotiating", "signed", "started", "in_production", "dropped")
TARGET_SCOPES = ("region", "park", "industry", "firm")
TARGET_KINDS = ("level", "growth_pct", "growth_gap_pct", "count")

YEAR_MIN, YEAR_MAX = 1949, 2100
_period = (
    Column("year", "int", "calendar year of the period", required=True, quantity=YEAR,
           min=YEAR_MIN, max=YEAR_MAX),
    Column("month_to", "int", "last month of the year-to-date period (1–12; 12 = full year; "
           "6 = 1–6月累计)", quantity=MONTH, min=1, max=12),
)

TABLES: dict[str, Table] = {}


def _add(t: Table) -> None:
    TABLES[t.name] = t


_add(Table(
    "regions",
    "Administrative regions (行政区): the study region, its parts and its comparison regions.",
    (
        Column("region_id", "text", "region code, e.g. the 6-digit 行政区划代码", required=True),
        Column("name", "text", "name (Chinese or local)", required=True),
        Column("name_en", "text", "English name"),
        Column("level", "text", "administrative level", choices=REGION_LEVELS),
        Column("parent_id", "text", "enclosing region", ref=("regions", "region_id")),
        Column("min_lon", "float", "bounding box west edge", quantity=DEGREES, min=-180, max=180),
        Column("min_lat", "float", "bounding box south edge", quantity=DEGREES, min=-90, max=90),
        Column("max_lon", "float", "bounding box east edge", quantity=DEGREES, min=-180, max=180),
        Column("max_lat", "float", "bounding box north edge", quantity=DEGREES, min=-90, max=90),
        Column("area_km2", "float", "land area", quantity=AREA_KM2, min=0),
        Column("boundary", "geojson", "boundary: GeoJSON Polygon or MultiPolygon, WGS-84"),
        Column("boundary_source", "text", "where the boundary comes from (survey, publisher and "
               "year, or 'schematic'); shown under every map drawn with it"),
    ),
    key=("region_id",),
    recognise_by=("region_id", "name"),
))

_add(Table(
    "parks",
    "Industrial parks and zones (工业园区, 工业小区, 开发区).",
    (
        Column("park_id", "text", "park code", required=True),
        Column("name", "text", "park name", required=True),
        Column("region_id", "text", "region the park lies in", required=True,
               ref=("regions", "region_id")),
        Column("kind", "text", "park, zone (小区), development zone, …", choices=PARK_KINDS),
        Column("area_mu", "float", "built area", quantity=AREA_MU, min=0),
        Column("planned_area_mu", "float", "planned area", quantity=AREA_MU, min=0),
        Column("opened_year", "int", "year opened", quantity=YEAR, min=1949, max=YEAR_MAX),
        Column("boundary", "geojson", "boundary: GeoJSON Polygon or MultiPolygon, WGS-84"),
    ),
    key=("park_id",),
    recognise_by=("park_id", "name", "region_id"),
))

_add(Table(
    "industries",
    "Industry classifications: GB/T 4754-2017 ships with the package; imports may add "
    "names for deeper codes (groups 中类, classes 小类) under shipped divisions.",
    (
        Column("classification", "text", "classification name", required=True,
               default="GB/T 4754-2017"),
        Column("code", "text", "industry code", required=True),
        Column("level", "text", "section, division, group or class (from the code when absent)",
               choices=("section", "division", "group", "class")),
        Column("parent", "text", "parent code"),
        Column("name_zh", "text", "Chinese name", required=True),
        Column("name_en", "text", "English name"),
    ),
    key=("classification", "code"),
    recognise_by=("code", "name_zh", "level"),
))

_add(Table(
    "firms",
    "Firms (企业): one row per legal unit.",
    (
        Column("firm_id", "text", "firm code: 18-character unified social credit code "
               "(统一社会信用代码, check digit verified) or a local id", required=True),
        Column("name", "text", "firm name (企业名称)", required=True),
        Column("industry_code", "text", "GB/T 4754-2017 code (any depth under a shipped "
               "division)", required=True, industry_code=True),
        Column("region_id", "text", "region of the firm's site", required=True,
               ref=("regions", "region_id")),
        Column("park_id", "text", "park the firm is in; empty if outside every park",
               ref=("parks", "park_id")),
        Column("lon", "float", "site longitude (WGS-84)", quantity=DEGREES, min=-180, max=180),
        Column("lat", "float", "site latitude (WGS-84)", quantity=DEGREES, min=-90, max=90),
        Column("founded_year", "int", "year founded", quantity=YEAR, min=1800, max=YEAR_MAX),
        Column("parent_firm_id", "text", "firm this one was spun off from (裂变)",
               ref=("firms", "firm_id")),
        Column("is_leading", "bool", "leading / core firm (龙头企业, 核心企业)"),
    ),
    key=("firm_id",),
    recognise_by=("firm_id", "name", "industry_code"),
))

_add(Table(
    "firm_years",
    "Firm statistics for a year or a year-to-date period (1–N月累计).",
    (
        Column("firm_id", "text", "firm", required=True, ref=("firms", "firm_id")),
        *_period,
        Column("above_scale", "bool", "规模以上 (above designated size) in this period"),
        _money("output", "gross industrial output (工业总产值)"),
        Column("value_added", "float", "value added (工业增加值); may be negative",
               quantity=MONEY),
        _money("revenue", "operating revenue (营业收入)"),
        Column("employment", "float", "average employment (从业人员平均人数)", quantity=COUNT,
               min=0),
        _money("tax_paid", "taxes paid (实缴税金)"),
        _money("exports", "export delivery value (出口交货值)"),
        _money("rd_spend", "R&D expenditure (研发经费)"),
        Column("energy_tce", "float", "total energy consumption (综合能源消费量)",
               quantity=ENERGY, min=0),
        Column("land_mu", "float", "land used (用地面积)", quantity=AREA_MU, min=0),
        _money("fixed_asset_investment", "fixed-asset investment (固定资产投资)"),
        _money("local_purchases", "purchases from suppliers in the region (本地采购)"),
        _money("total_purchases", "all purchases of inputs (采购总额)"),
        Column("electricity_kwh", "float", "electricity consumed (用电量)", quantity=ELECTRICITY,
               min=0),
        Column("emission_t", "float", "main pollutants emitted, in pollution equivalents or "
               "tonnes as the local method counts them (主要污染物排放量)", quantity=MASS, min=0),
        _money("wage_bill", "wages and salaries payable to employees in the period (应付职工薪酬, "
               "工资总额)"),
    ),
    key=("firm_id", "year", "month_to"),
    recognise_by=("firm_id", "year"),
))

_add(Table(
    "region_industry_years",
    "Aggregate statistics by region and industry, for regions without firm data.",
    (
        Column("region_id", "text", "region", required=True, ref=("regions", "region_id")),
        Column("industry_code", "text", "GB/T 4754-2017 code", required=True,
               industry_code=True),
        *_period,
        Column("employment", "float", "employment", quantity=COUNT, min=0),
        _money("output", "gross output"),
        Column("value_added", "float", "value added", quantity=MONEY),
        Column("establishments", "float", "number of establishments or firms", quantity=COUNT,
               min=0),
    ),
    key=("region_id", "industry_code", "year", "month_to"),
    recognise_by=("region_id", "industry_code", "year"),
))

_add(Table(
    "supply_links",
    "Purchases of a buyer firm from a supplier in a year (供应链, 配套关系).",
    (
        Column("buyer_id", "text", "buying firm", required=True, ref=("firms", "firm_id")),
        Column("supplier_id", "text", "supplying firm if it is in the store",
               ref=("firms", "firm_id")),
        Column("supplier_name", "text", "supplier name (needed when supplier_id is empty)"),
        Column("supplier_region_id", "text", "supplier's region if known",
               ref=("regions", "region_id")),
        Column("year", "int", "year", required=True, quantity=YEAR, min=YEAR_MIN, max=YEAR_MAX),
        _money("amount", "value purchased", required=True),
        Column("product", "text", "product or process bought"),
    ),
    key=("buyer_id", "supplier_id", "supplier_name", "year", "product"),
    recognise_by=("buyer_id", "amount"),
))

_add(Table(
    "projects",
    "The investment-attraction pipeline (招商引资项目).",
    (
        Column("project_id", "text", "project code", required=True),
        Column("name", "text", "project name", required=True),
        Column("stage", "text", "pipeline stage", required=True, choices=PROJECT_STAGES),
        Column("industry_code", "text", "GB/T 4754-2017 code", industry_code=True),
        Column("region_id", "text", "region", ref=("regions", "region_id")),
        Column("park_id", "text", "park", ref=("parks", "park_id")),
        Column("investor", "text", "investor (客商)"),
        Column("source_region", "text", "where the investor comes from (e.g. 浙江上虞)"),
        _money("contracted_investment", "contracted (协议) investment"),
        _money("funds_in_place", "funds actually in place (到位资金)"),
        Column("land_mu", "float", "land requested or granted", quantity=AREA_MU, min=0),
        Column("lead_date", "date", "first contact"),
        Column("signed_date", "date", "contract signed (签约)"),
        Column("start_date", "date", "construction started (开工)"),
        Column("production_date", "date", "production started (投产)"),
        Column("firm_id", "text", "the firm the project became, once it exists",
               ref=("firms", "firm_id")),
        Column("committed_tax_per_mu", "float", "tax per mu per year committed in the contract "
               "(协议亩均税收)", quantity=MONEY, min=0),
    ),
    key=("project_id",),
    recognise_by=("project_id", "stage"),
))

_add(Table(
    "targets",
    "Targets from plans and policies (目标任务), e.g. an industry's output this year.",
    (
        Column("target_id", "text", "target code", required=True),
        Column("scope", "text", "what the target is about", required=True,
               choices=TARGET_SCOPES),
        Column("scope_id", "text", "region / park / industry code / firm id", required=True),
        Column("indicator", "text", "firm_years column it is about (output, tax_paid, …) or "
               "a named count (firms_output_over_1e9, …)", required=True),
        Column("kind", "text", "level (CNY or count), growth_pct, or growth_gap_pct (points "
               "above a reference scope's growth)", required=True, choices=TARGET_KINDS),
        *_period,
        Column("value", "float", "target value, in `unit`", required=True),
        Column("unit", "text", "CNY for money (converted from 万元/亿元 on import), % for growth "
               "and growth gaps, count for numbers of firms or projects", required=True,
               choices=("CNY", "%", "count", "mu", "tce")),
        Column("reference_id", "text", "reference scope for growth_gap_pct targets"),
        Column("source", "text", "document and clause the target comes from"),
    ),
    key=("target_id",),
    recognise_by=("target_id", "indicator"),
))

OUTCOME_STAGES = ("contacted", "sample", "trial_order", "contract", "declined")

_add(Table(
    "purchase_needs",
    "What leading firms want to buy locally (采购需求), for supplier matching.",
    (
        Column("need_id", "text", "need code", required=True),
        Column("buyer_id", "text", "the buying firm", required=True, ref=("firms", "firm_id")),
        Column("product", "text", "product or part wanted", required=True),
        Column("process", "text", "process wanted (forging, coating, …)"),
        Column("category", "text", "GB/T 4754-2017 code of what is bought", industry_code=True),
        Column("specification", "text", "specification text"),
        Column("annual_volume", "float", "annual quantity", min=0),
        Column("volume_unit", "text", "unit of the quantity (件, 吨, 套 …)"),
        _money("annual_value", "annual value of the purchases"),
        Column("certifications", "text", "certifications required, separated by ; (ISO9001; API Q1 …)"),
        Column("delivery_radius_km", "float", "furthest acceptable supplier", min=0),
        Column("year", "int", "year of the need", quantity=YEAR, min=YEAR_MIN, max=YEAR_MAX),
    ),
    key=("need_id",),
    recognise_by=("need_id", "product"),
))

_add(Table(
    "supplier_profiles",
    "What local firms can supply (配套能力), for supplier matching.",
    (
        Column("supplier_id", "text", "the supplying firm", required=True, ref=("firms", "firm_id")),
        Column("products", "text", "products made, separated by ;", required=True),
        Column("processes", "text", "processes offered, separated by ;"),
        Column("categories", "text", "GB/T 4754-2017 codes, separated by ;"),
        Column("certifications", "text", "certifications held, separated by ;"),
        _money("capacity_value", "annual capacity available to new buyers"),
    ),
    key=("supplier_id",),
    recognise_by=("supplier_id", "products"),
))

_add(Table(
    "match_outcomes",
    "What came of a match: contacted → sample → trial order → contract (or declined).",
    (
        Column("outcome_id", "text", "outcome code", required=True),
        Column("need_id", "text", "the need", required=True, ref=("purchase_needs", "need_id")),
        Column("supplier_id", "text", "the supplier", required=True, ref=("firms", "firm_id")),
        Column("stage", "text", "how far it went", required=True, choices=OUTCOME_STAGES),
        _money("contract_value", "annual value contracted"),
        Column("date", "date", "date of the stage"),
    ),
    key=("outcome_id",),
    recognise_by=("outcome_id", "need_id"),
))

# Insertion order respects references.
_add(Table(
    "investment_candidates",
    "Outside firms a chain office would attract (招商目标企业库): what they make and how large they "
    "are, where they are, how they relate to local firms, where the lead came from.",
    (
        Column("candidate_id", "text", "candidate code", required=True),
        Column("name", "text", "firm name", required=True),
        Column("industry_code", "text", "GB/T 4754-2017 code", industry_code=True),
        Column("products", "text", "main products, separated by ;"),
        _money("revenue", "operating revenue (营业收入)"),
        Column("employment", "float", "employees (从业人员)", quantity=COUNT, min=0),
        Column("location", "text", "where the firm is (所在地)"),
        Column("location_id", "text", "行政区划代码 of where the firm is (any level)"),
        Column("relation", "text", "how it relates to local firms (与本地企业关系): supplier of, partner of, …"),
        Column("source", "text", "where the lead came from (信息来源)"),
    ),
    key=("candidate_id",),
    recognise_by=("candidate_id",),
))

PATENT_KINDS = ("invention", "utility_model", "design")

_add(Table(
    "patents",
    "Patents granted to firms (专利授权), one row per patent and holder, as the intellectual-property "
    "office lists them; optional: the portfolio counts them per 10,000 employees where kept.",
    (
        Column("patent_no", "text", "patent number (专利号)", required=True),
        Column("firm_id", "text", "the holding firm (专利权人): its code, or its name on the list",
               required=True, ref=("firms", "firm_id")),
        Column("kind", "text", "invention (发明), utility model (实用新型) or design (外观设计)",
               required=True, choices=PATENT_KINDS),
        Column("granted_date", "date", "date the grant was announced (授权公告日)", required=True),
        Column("title", "text", "title of the patent (专利名称)"),
    ),
    key=("patent_no", "firm_id"),
    recognise_by=("patent_no",),
))

IMPORT_ORDER = ("regions", "industries", "parks", "firms", "firm_years", "patents",
                "region_industry_years", "supply_links", "projects", "targets",
                "purchase_needs", "supplier_profiles", "match_outcomes", "investment_candidates")


def markdown() -> str:
    """The tables as Markdown, for docs/data-model.md (a test keeps the two in step)."""
    lines = []
    for t in TABLES.values():
        lines += [f"### `{t.name}`", "", t.doc, "", f"Key: ({', '.join(t.key)})", "",
                  "| column | type | unit | required | rule | meaning |",
                  "|---|---|---|---|---|---|"]
        for c in t.columns:
            rule = []
            if c.min is not None:
                rule.append(f"≥ {c.min:g}" if c.max is None else f"{c.min:g}–{c.max:g}")
            if c.choices:
                rule.append("one of " + ", ".join(c.choices))
            if c.ref:
                rule.append(f"→ {c.ref[0]}.{c.ref[1]}")
            if c.industry_code:
                rule.append("GB/T 4754-2017 code")
            if c.default is not None:
                rule.append(f"default {c.default}")
            unit = CANONICAL_UNIT.get(c.quantity, "") if c.quantity else ""
            lines.append(f"| `{c.name}` | {c.dtype} | {unit} | {'yes' if c.required else ''} | "
                         f"{'; '.join(rule)} | {c.doc} |")
        lines.append("")
    return "\n".join(lines)
