"""Generate the sample region's files, deterministically: ``python -m clusteratlas.sample.generate``.

荆州区 (Jingzhou district, Hubei) in the first half of 2006, as the seed's first text describes
it, with the rest of 荆州市 as the comparison region. The calibration targets (all published in
the text) are in ``CALIBRATION``; the generator hits each exactly (to 0.1 万元) and
``tests/sample`` checks it. Everything at firm level — which firm is where, its output, tax,
land, energy, suppliers — is synthetic, drawn from a fixed-seed legacy ``RandomState`` so the
files are the same bytes on every machine.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20060630
USD_RATE = 8.0  # CNY per USD, rounded mean of 2006 H1 (the PBoC central parity was 8.00–8.07)
FLOOR = 2600  # 0.1 万元 units: a 规上 firm's half-year output (annual revenue ≥ CNY 5M in 2006)

# Published figures of the seed's first text (2006 上半年). Firm figures are in 0.1 万元
# (CNY 1,000) units, exports in 0.1 万美元; project figures are in 万元.
CALIBRATION = {
    "above_scale_output_2006h1": 2_340_000,  # 规模以上工业总产值 23.4 亿元
    "above_scale_output_growth": 0.31,  # 同比增 31 %
    "value_added_2006h1": 750_000,  # 工业增加值 7.5 亿元
    "value_added_growth": 0.356,  # 同比增 35.6 %
    "park_output_2006h1": 1_750_000,  # 园区完成工业产值 17.5 亿元
    "five_industries_output_2006h1": 2_200_000,  # 五大产业完成产值 22 亿元
    "exports_usd10k_2006h1": 1660,  # 外贸出口 1660 万美元
    "exports_growth": 1.13,  # 同比增 113 %
    "technical_renovation_2006h1": 390_000,  # 技改投入 3.9 亿元 (as firms' fixed-asset investment)
    "projects_2006h1": 75,  # 引进项目 75 个
    "projects_funds_in_place_2006h1": 76_000,  # 到位资金 7.6 亿元
    "industrial_projects_2006h1": 48,  # 工业项目 48 个
    "industrial_projects_funds_2006h1": 36_000,  # 到位资金 3.6 亿元
    "park_projects_2006h1": 46,  # 入园项目 46 个
    "park_projects_started_2006h1": 37,  # 其中新开工 37 个
    "shanghai_event_projects": 23,  # 现场签约项目 23 个
    "shanghai_event_contracted": 102_000,  # 协议引资 10.2 亿元
    "cluster_firms": {"oil": 23, "paper": 26, "textile": 36, "agro": 20, "building": 15},
    "parks_built_mu": 19_500,  # 园区建成面积 13 km²
    "parks_planned_mu": 37_500,  # 规划建设总面积 25 km²
}

DISTRICT = "421003"
PREFECTURE = "421000"
BOX = (111.95, 30.22, 112.40, 30.66)  # 荆州区 bounding box, approximate, WGS-84

REGIONS = [
    # id, name, name_en, level, parent, box or None, area km²
    ("420000", "湖北省", "Hubei", "province", None, None, 185900),
    (PREFECTURE, "荆州市", "Jingzhou", "prefecture", "420000", (111.25, 29.43, 114.08, 30.85), 14069),
    (DISTRICT, "荆州区", "Jingzhou District", "district", PREFECTURE, BOX, 1046),
    ("421002", "沙市区", "Shashi District", "district", PREFECTURE, None, 522),
    ("421022", "公安县", "Gong'an County", "county", PREFECTURE, None, 2258),
    ("421023", "监利县", "Jianli County", "county", PREFECTURE, None, 3460),
    ("421024", "江陵县", "Jiangling County", "county", PREFECTURE, None, 1032),
    ("421081", "石首市", "Shishou", "county", PREFECTURE, None, 1427),
    ("421083", "洪湖市", "Honghu", "county", PREFECTURE, None, 2519),
    ("421087", "松滋市", "Songzi", "county", PREFECTURE, None, 2235),
    ("420100", "武汉市", "Wuhan", "prefecture", "420000", None, 8569),
    ("610000", "陕西省", "Shaanxi", "province", None, None, 205600),
    ("310000", "上海市", "Shanghai", "province", None, None, 6340),
    ("330600", "绍兴市", "Shaoxing", "prefecture", None, None, 8279),
]


# County seats (approximate, WGS-84) of 荆州市's county-level units other than 荆州区. The sample
# ships no official boundaries (none with a licence to redistribute); its county boundaries
# are schematic: Voronoi cells of these seats inside the prefecture's box, with 荆州区 its own
# box. 沙市区's seat (112.26 °E, 30.31 °N) lies inside that box; it is moved to just east of
# it so its cell is not swallowed. Enough to draw a choropleth, not to measure areas.
SEATS = {
    "421002": (112.45, 30.31),
    "421022": (112.23, 30.06),
    "421023": (112.90, 29.82),
    "421024": (112.42, 30.04),
    "421081": (112.43, 29.72),
    "421083": (113.47, 29.83),
    "421087": (111.77, 30.17),
}
SCHEMATIC = "schematic: Voronoi cells of county seats, not an official boundary (示意边界，非法定界线)"


def _region_boundaries() -> dict[str, str]:
    """GeoJSON text of the schematic boundaries of 荆州市 and its county-level units."""
    import shapely
    from shapely.geometry import mapping

    prefecture = shapely.box(*REGIONS[1][5])
    district = shapely.box(*BOX)
    ids = sorted(SEATS)
    cells = shapely.voronoi_polygons(shapely.MultiPoint([SEATS[i] for i in ids]), extend_to=prefecture)
    out = {PREFECTURE: prefecture, DISTRICT: district}
    for cell in cells.geoms:
        region = next(i for i in ids if cell.contains(shapely.Point(SEATS[i])))
        out[region] = cell.intersection(prefecture).difference(district)
    text = {}
    for region, geom in out.items():
        geom = shapely.set_precision(shapely.normalize(geom), 1e-4)
        text[region] = json.dumps(mapping(geom), separators=(",", ":"))
    return text


@dataclass
class Park:
    id: str
    name: str
    kind: str
    lon: float
    lat: float
    built_mu: int
    planned_mu: int
    opened: int
    aspect: float  # east-west / north-south extent


PARKS = [
    Park("P01", "九阳机械电子工业园", "park", 112.160, 30.375, 6000, 12000, 2004, 1.4),
    Park("P02", "拍马纸品工业园", "park", 112.150, 30.425, 4000, 7500, 2002, 1.2),
    Park("P03", "城南纺织工业园", "park", 112.180, 30.318, 4500, 8000, 2001, 1.6),
    Park("P04", "学堂洲建材工业园", "park", 112.225, 30.288, 3000, 7500, 2005, 2.0),
    Park("Z01", "川店紫荆工业小区", "zone", 112.045, 30.500, 1000, 1250, 2003, 1.0),
    Park("Z02", "郢城岳山工业小区", "zone", 112.240, 30.430, 1000, 1250, 2003, 1.0),
]


@dataclass
class Cluster:
    key: str
    name: str
    codes: tuple[str, ...]
    n_firms: int
    n_above: int
    n_in_park: int  # among all firms of the cluster
    parks: tuple[str, ...]
    output: int  # 2006 H1 above-scale output, 0.1 万元
    output_in_parks: int
    va_ratio: float
    tax_rate: float  # taxes paid / output
    energy: float  # tce per 万元 of output
    output_per_mu: float  # 万元 per mu per half-year
    growth: float  # mean output growth on 2005 H1
    export_share: float
    suffixes: tuple[str, ...]


CLUSTERS = [
    Cluster("oil", "石油机械", ("3512", "3512", "3512", "3514", "3599"), 23, 20, 19, ("P01",),
            1_100_000, 1_050_000, 0.33, 0.045, 0.06, 55, 0.32, 0.06,
            ("石油机械有限公司", "石油装备有限公司", "机械制造有限公司", "钻采设备有限公司")),
    Cluster("paper", "造纸包装", ("2221", "2221", "2231", "2239", "2211"), 26, 22, 18, ("P02",),
            500_000, 400_000, 0.29, 0.035, 0.45, 38, 0.30, 0.01,
            ("纸业有限公司", "包装有限公司", "纸品有限公司", "彩印包装有限公司")),
    Cluster("textile", "轻工纺织", ("1711", "1713", "1711", "1752", "1751"), 36, 28, 20, ("P03",),
            300_000, 180_000, 0.27, 0.025, 0.22, 28, 0.28, 0.05,
            ("纺织有限公司", "棉纺有限公司", "印染有限公司", "服饰有限公司")),
    Cluster("agro", "农产品加工", ("1311", "1351", "1391", "1331", "1371"), 20, 15, 8,
            ("Z01", "Z02"), 200_000, 40_000, 0.25, 0.02, 0.15, 30, 0.25, 0.0,
            ("米业有限公司", "食品有限公司", "油脂有限公司", "农产品加工有限公司")),
    Cluster("building", "新型建材", ("3021", "3021", "3031", "3011", "3024"), 15, 10, 8, ("P04",),
            100_000, 40_000, 0.30, 0.04, 0.80, 25, 0.35, 0.0,
            ("建材有限公司", "新型墙材有限公司", "商品混凝土有限公司", "管桩有限公司")),
    Cluster("other", "其他行业", ("3990", "6513", "4417", "2720", "1512", "2662", "3311"), 12, 8, 4,
            ("P03",), 140_000, 40_000, 0.36, 0.05, 0.10, 40, 0.20, 0.0,
            ("科技有限公司", "医药有限公司", "酒业有限公司", "化工有限公司", "金属制品有限公司")),
]

# Named firms of the text: (cluster, name, code, park or None, is_leading, 2006 H1 output in
# 0.1 万元 or None, founded, parent name, output growth on 2005 H1 or None)
NAMED = [
    ("oil", "四机厂", "3512", "P01", True, 750_000, 1970, None, 1.0),
    ("oil", "四机赛瓦", "3512", "P01", True, 90_000, 1998, None, None),
    ("oil", "江汉建机", "3514", "P01", False, 50_000, 1966, None, None),
    ("oil", "湖北四钻", "3512", "P01", False, 45_000, 2000, "四机厂", 0.9),
    ("oil", "华泰石油", "3512", "P01", False, None, 2005, None, None),
    ("paper", "拍马集团", "2221", "P02", True, 180_000, 1985, None, None),
    ("paper", "骏马纸业", "2221", "P02", True, 120_000, 1993, None, None),
    ("textile", "荣海纺织", "1711", "P03", True, 50_000, 1996, None, None),
    ("building", "华升商混", "3021", "P04", False, None, 2005, None, None),
    ("building", "中富管桩", "3021", "P04", False, None, 2006, None, None),
    ("other", "玉龙科技", "3990", "P03", False, None, 2003, None, None),
    ("other", "华方软件", "6513", "P03", False, None, 2004, None, None),
    ("other", "荆州垃圾发电", "4417", None, False, None, 2004, None, None),
]

PLACE_WORDS = ("荆楚", "江汉", "楚天", "荆江", "古城", "郢都", "太晖", "九阳", "纪南", "川店", "八岭",
               "马山", "李埠", "弥市", "郢城", "沙桥", "长江", "荆南", "鸿达", "恒通", "华鑫", "宏发",
               "金盛", "瑞丰", "永安", "兴业", "东方", "天成", "润达", "新星", "万通", "福源",
               "博远", "汇丰", "嘉禾", "宏图", "金鼎", "中南", "隆昌", "信达")


@dataclass
class Firm:
    id: str
    name: str
    cluster: str
    code: str
    park: str | None
    lon: float
    lat: float
    founded: int
    parent: str | None
    leading: bool
    above: bool
    out06: int = 0  # 2006 H1 output, 0.1 万元
    growth: float | None = None
    years: dict = field(default_factory=dict)  # (year, month_to) → {field: value}


def _org_code(rs: np.random.RandomState) -> str:
    """A 9-character organisation code with its GB 11714-1997 check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "".join(alphabet[i] for i in rs.randint(0, 10, 8))  # digits: most org codes are numeric
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    c = 11 - sum(int(ch) * w for ch, w in zip(body, weights)) % 11
    return body + ("X" if c == 10 else "0" if c == 11 else str(c))


def _uscc(rs: np.random.RandomState, region: str) -> str:
    from clusteratlas.io.uscc import check_char

    first17 = "91" + region + _org_code(rs)
    return first17 + check_char(first17)


def _park_polygon(p: Park) -> list[tuple[float, float]]:
    km2 = p.built_mu / 1500.0
    ns_km = (km2 / p.aspect) ** 0.5
    ew_km = km2 / ns_km
    dlon = ew_km / (111.32 * np.cos(np.radians(p.lat))) / 2
    dlat = ns_km / 110.57 / 2
    # a rectangle with one corner cut, so boundaries are not all plain boxes
    return [
        (round(p.lon - dlon, 5), round(p.lat - dlat, 5)),
        (round(p.lon + dlon, 5), round(p.lat - dlat, 5)),
        (round(p.lon + dlon, 5), round(p.lat + dlat * 0.6, 5)),
        (round(p.lon + dlon * 0.6, 5), round(p.lat + dlat, 5)),
        (round(p.lon - dlon, 5), round(p.lat + dlat, 5)),
        (round(p.lon - dlon, 5), round(p.lat - dlat, 5)),
    ]


def _in_polygon(lon: float, lat: float, poly) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(poly, poly[1:]):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _allocate(total: int, weights: np.ndarray, floor: int = 0) -> np.ndarray:
    """Split an integer total into parts ∝ weights above a floor, summing exactly to total."""
    n = len(weights)
    if n == 0:
        assert total == 0, total
        return np.zeros(0, dtype=np.int64)
    rest = total - floor * n
    assert rest >= 0, (total, floor, n)
    raw = floor + rest * weights / weights.sum()
    out = np.floor(raw).astype(np.int64)
    out[np.argmax(weights)] += total - out.sum()
    return out


class Generator:
    def __init__(self, seed: int = SEED):
        self.rs = np.random.RandomState(seed)
        self.polygons = {p.id: _park_polygon(p) for p in PARKS}
        self.firms: list[Firm] = []
        self.names: set[str] = set()

    # firms ------------------------------------------------------------------------------
    def _site(self, park: str | None) -> tuple[float, float]:
        rs = self.rs
        if park:
            poly = self.polygons[park]
            xs, ys = [x for x, _ in poly], [y for _, y in poly]
            while True:
                lon, lat = rs.uniform(min(xs), max(xs)), rs.uniform(min(ys), max(ys))
                if _in_polygon(lon, lat, poly):
                    return round(lon, 5), round(lat, 5)
        while True:  # scattered round the old town and the township seats
            lon, lat = rs.normal(112.19, 0.06), rs.normal(30.38, 0.06)
            if BOX[0] < lon < BOX[2] and BOX[1] < lat < BOX[3] and not any(
                    _in_polygon(lon, lat, poly) for poly in self.polygons.values()):
                return round(lon, 5), round(lat, 5)

    def _name(self, c: Cluster) -> str:
        while True:
            name = "荆州市" + PLACE_WORDS[self.rs.randint(len(PLACE_WORDS))] + \
                c.suffixes[self.rs.randint(len(c.suffixes))]
            if name not in self.names:
                self.names.add(name)
                return name

    def make_firms(self) -> None:
        rs = self.rs
        by_name: dict[str, Firm] = {}
        for c in CLUSTERS:
            named = [n for n in NAMED if n[0] == c.key]
            n_generated = c.n_firms - len(named)
            parks = list(c.parks)
            in_park_left = c.n_in_park - sum(1 for n in named if n[3])
            above_left = c.n_above - len(named)  # named firms are all above scale
            members = []
            for _, name, code, park, leading, out, founded, parent, growth in named:
                self.names.add(name)
                lon, lat = self._site(park)
                f = Firm(_uscc(rs, DISTRICT), name, c.key, code, park, lon, lat, founded,
                         by_name[parent].id if parent else None, leading, True, out or 0, growth)
                by_name[name] = f
                members.append(f)
            flags_park = np.array([True] * in_park_left + [False] * (n_generated - in_park_left))
            flags_above = np.array([True] * above_left + [False] * (n_generated - above_left))
            named_out = any(n[3] is None for n in named)
            while True:  # every cell with output to share needs an above-scale firm in it
                rs.shuffle(flags_park)
                rs.shuffle(flags_above)
                if (flags_park & flags_above).any() and ((~flags_park & flags_above).any() or named_out):
                    break
            for k in range(n_generated):
                park = parks[k % len(parks)] if flags_park[k] else None
                lon, lat = self._site(park)
                founded = int(rs.choice([1958, 1978, 1988, 1995, 1999, 2002, 2004, 2005, 2006],
                                        p=[.04, .08, .12, .18, .16, .16, .12, .09, .05]))
                members.append(Firm(_uscc(rs, DISTRICT), self._name(c), c.key, c.codes[rs.randint(len(c.codes))],
                                    park, lon, lat, founded, None, False, bool(flags_above[k])))
            self._calibrate_output(c, members)
            self.firms.extend(members)

    def _calibrate_output(self, c: Cluster, members: list[Firm]) -> None:
        rs = self.rs
        for inside, total in ((True, c.output_in_parks), (False, c.output - c.output_in_parks)):
            cell = [f for f in members if f.above and (f.park is not None) == inside]
            fixed = [f for f in cell if f.out06]
            free = [f for f in cell if not f.out06]
            rest = total - sum(f.out06 for f in fixed)
            weights = rs.lognormal(0.0, 0.9, len(free))
            for f, v in zip(free, _allocate(rest, weights, FLOOR)):
                f.out06 = int(v)
        for f in members:
            if not f.above:
                f.out06 = int(rs.randint(600, 2400))
            if f.growth is None:
                f.growth = float(np.clip(rs.normal(c.growth, 0.12), -0.2, 0.9))

    # firm years -------------------------------------------------------------------------
    def make_years(self) -> None:
        rs = self.rs
        cl = {c.key: c for c in CLUSTERS}
        above = [f for f in self.firms if f.above]
        # 2005 H1 output: each firm's own growth, then rescaled so the region grows by 31 %
        target05 = round(CALIBRATION["above_scale_output_2006h1"] / (1 + CALIBRATION["above_scale_output_growth"]))
        existed = [f for f in self.firms if f.founded <= 2005]
        out05 = {f.id: f.out06 / (1 + f.growth) for f in existed}
        fixed = {self.by_name("四机厂").id, self.by_name("湖北四钻").id}
        above05 = [f for f in existed if f.above]
        free = [f for f in above05 if f.id not in fixed]
        rest = target05 - sum(round(out05[i]) for i in fixed)
        for f, v in zip(free, _allocate(rest, np.array([out05[f.id] for f in free]))):
            out05[f.id] = int(v)
        for i in fixed:
            out05[i] = int(round(out05[i]))
        for f in existed:
            out05[f.id] = int(round(out05[f.id]))

        va06 = self._allocate_ratio(above, {f.id: f.out06 for f in above}, "va_ratio",
                                    CALIBRATION["value_added_2006h1"], 0.05)
        va05_total = round(CALIBRATION["value_added_2006h1"] / (1 + CALIBRATION["value_added_growth"]))
        va05 = self._allocate_ratio(above05, out05, "va_ratio", va05_total, 0.05)
        usd06 = self._exports(above, {f.id: f.out06 for f in above}, CALIBRATION["exports_usd10k_2006h1"] * 10)
        usd05 = self._exports(above05, out05,
                              round(CALIBRATION["exports_usd10k_2006h1"] * 10 / (1 + CALIBRATION["exports_growth"])))
        fai06 = self._fai(above)
        for f in self.firms:
            c = cl[f.cluster]
            land = self._land(f, c)
            f.years[(2006, 6)] = self._row(f, c, f.out06, va06.get(f.id), usd06.get(f.id, 0),
                                           fai06.get(f.id, 0), land)
            if f.id in out05:
                f.years[(2005, 6)] = self._row(f, c, out05[f.id], va05.get(f.id),
                                               usd05.get(f.id, 0), None, land)
                full = int(round(out05[f.id] * rs.uniform(2.0, 2.25)))
                if f.name == "四机厂":
                    full = 900_000  # 2005: 9 亿元, doubled to the 18 亿 expected for 2006
                va_h1 = f.years[(2005, 6)]["value_added"]  # 万元
                va_full = None if va_h1 is None else int(round(full * va_h1 * 10 / max(out05[f.id], 1)))
                f.years[(2005, 12)] = self._row(f, c, full, va_full,
                                                int(round(usd05.get(f.id, 0) * 2.1)), None, land, 12)

    def by_name(self, name: str) -> Firm:
        return next(f for f in self.firms if f.name == name)

    def _allocate_ratio(self, firms, output, attr, total, spread) -> dict[str, int]:
        cl = {c.key: c for c in CLUSTERS}
        weights = np.array([output[f.id] * max(getattr(cl[f.cluster], attr) + self.rs.normal(0, spread), 0.08)
                            for f in firms])
        return dict(zip([f.id for f in firms], _allocate(int(total), weights).tolist()))

    def _exports(self, firms, output, total_usd) -> dict[str, int]:
        """Exports in 0.1 万美元, from the exporting firms (oil machinery and textiles)."""
        cl = {c.key: c for c in CLUSTERS}
        exporters = [f for f in firms if cl[f.cluster].export_share > 0 and
                     (f.leading or self.rs.uniform() < 0.35)]
        weights = np.array([output[f.id] * cl[f.cluster].export_share * self.rs.uniform(0.5, 1.5)
                            for f in exporters])
        return dict(zip([f.id for f in exporters], _allocate(int(total_usd), weights).tolist()))

    def _fai(self, firms) -> dict[str, int]:
        """2006 H1 fixed-asset investment (技改投入 3.9 亿): 四机厂 and 骏马 carry the named projects."""
        fixed = {self.by_name("四机厂").id: 80_000, self.by_name("骏马纸业").id: 15_000}
        others = [f for f in firms if f.id not in fixed and self.rs.uniform() < 0.45]
        weights = self.rs.lognormal(0, 1.0, len(others)) * np.array([f.out06 for f in others])
        rest = CALIBRATION["technical_renovation_2006h1"] - sum(fixed.values())
        return fixed | dict(zip([f.id for f in others], _allocate(rest, weights).tolist()))

    def _land(self, f: Firm, c: Cluster) -> float:
        if f.name == "四机厂":
            return 1500.0  # with the 300 mu west plant granted in 2006
        per_mu = c.output_per_mu * self.rs.lognormal(0, 0.45) * (1.3 if f.above else 0.6)
        return round(max(f.out06 / 10 / per_mu, 8.0), 1)

    def _row(self, f: Firm, c: Cluster, out: int, va: int | None, usd: int, fai, land,
             months: int = 6) -> dict:
        rs = self.rs
        out_wan = out / 10
        revenue = out_wan * rs.uniform(0.92, 1.0)
        # average employment does not grow with the length of the period: use annual output
        jobs = max(8, int(round(out_wan * 12 / months / rs.uniform(18, 44))))
        total_purchases = out_wan * (1 - c.va_ratio) * rs.uniform(0.75, 0.9)
        local = total_purchases * rs.uniform(0.1, 0.45)
        return {
            "above_scale": f.above,
            "output": out_wan,
            "value_added": None if va is None else va / 10,
            "revenue": revenue,
            "employment": jobs,
            "tax_paid": out_wan * c.tax_rate * rs.uniform(0.6, 1.4),
            "exports": usd / 10,
            "rd_spend": revenue * (rs.uniform(0.008, 0.035) if f.cluster in ("oil", "other") else rs.uniform(0.0, 0.012)),
            "energy_tce": out_wan * c.energy * rs.uniform(0.7, 1.3),
            "land_mu": land,
            "fixed_asset_investment": None if fai is None else fai / 10,
            "local_purchases": local,
            "total_purchases": total_purchases,
            # electricity: a share of the energy, at 0.1229 kgce per kWh (GB/T 2589-2020)
            "electricity_10k_kwh": out_wan * c.energy * rs.uniform(0.3, 0.7) / 0.1229,
            "emission_t": out_wan * c.energy * rs.uniform(0.002, 0.01),
        }

    # supply links -----------------------------------------------------------------------
    def make_links(self) -> list[dict]:
        """2005 purchases of the leading firms, local and from outside; local purchases in
        firm_years 2005 are made equal to the sum of the local links."""
        rs = self.rs
        links = []
        outside = {
            "oil": [("宝鸡石油钢管有限责任公司", "610000", "石油专用管材"), ("武汉重型机床集团", "420100", "大型铸锻件"),
                    ("上海电气液压气动有限公司", "310000", "液压元件")],
            "paper": [("湖南泰格林纸集团", None, "木浆"), ("武汉有机实业", "420100", "造纸助剂")],
            "textile": [("新疆棉花收购站", None, "皮棉"), ("绍兴轻纺城化纤经营部", "330600", "化纤")],
        }
        for f in self.firms:
            if not f.leading or (2005, 12) not in f.years:
                continue
            row = f.years[(2005, 12)]
            local_suppliers = [s for s in self.firms if s.cluster == f.cluster and s is not f
                               and not s.leading and s.above and (2005, 12) in s.years]
            rs.shuffle(local_suppliers)
            chosen = local_suppliers[: 6 if f.name == "四机厂" else 3]
            if f.name == "四机厂":
                chosen = [self.by_name("湖北四钻"), self.by_name("江汉建机")] + [
                    s for s in chosen if s.name not in ("湖北四钻", "江汉建机")][:5]
            total = row["total_purchases"]
            local_total = 0.0
            for s in chosen:
                amount = round(min(total * rs.uniform(0.02, 0.09), s.years[(2005, 12)]["output"] * 0.6), 1)
                local_total += amount
                links.append({"buyer": f.id, "supplier_id": s.id, "supplier_name": s.name,
                              "supplier_region": DISTRICT, "year": 2005, "amount": amount,
                              "product": {"oil": "零部件加工", "paper": "纸箱包装", "textile": "坯布"}.get(f.cluster, "配套件")})
            for name, region, product in outside.get(f.cluster, []):
                amount = round(total * rs.uniform(0.05, 0.15), 1)
                links.append({"buyer": f.id, "supplier_id": None, "supplier_name": name,
                              "supplier_region": region, "year": 2005, "amount": amount,
                              "product": product})
            row["local_purchases"] = local_total
            row["total_purchases"] = max(total, sum(lk["amount"] for lk in links if lk["buyer"] == f.id))
        return links

    # projects ---------------------------------------------------------------------------
    def make_projects(self) -> list[dict]:
        rs = self.rs
        projects = []

        def add(name, stage, code, park, investor, source, contracted, funds, land, signed,
                start=None, production=None, lead=None):
            projects.append({"id": f"XM2006{len(projects) + 1:03d}", "name": name, "stage": stage,
                             "code": code, "park": park, "investor": investor, "source": source,
                             "contracted": contracted, "funds": funds, "land": land, "lead": lead,
                             "signed": signed, "start": start, "production": production})

        # named projects of the text (signed before 2006)
        add("紫江喷铝项目", "started", "3512", "P01", "紫江企业", "上海", 4000, 2600, 60, "2005-09-12", "2005-12-01")
        add("众力机械项目", "started", "3512", "P01", "众力机械", "浙江上虞", 4600, 3100, 80, "2005-08-20", "2005-11-15")
        add("强盛石油项目", "started", "3512", "P01", "强盛石油", "湖北荆州", 2000, 1500, 40, "2005-10-08", "2006-01-10")
        add("宏源包装项目", "started", "2231", "P02", "宏源包装", "湖北荆州", 1000, 800, 25, "2005-11-18", "2006-02-20")
        add("上海宝臣石油套管项目", "negotiating", "3512", "P01", "上海宝臣", "上海", 18000, 0, 200, None, lead="2006-03-02")
        add("上海姚记扑克纸项目", "negotiating", "2221", "P02", "上海姚记", "上海", 8000, 0, 100, None, lead="2006-04-18")
        add("10万吨林浆项目", "negotiating", "2211", "P02", None, None, 15000, 0, 300, None, lead="2006-02-15")
        add("浙商上虞工业园", "negotiating", "3021", "P04", "上虞客商团队", "浙江上虞", 60000, 0, 1000, None, lead="2006-06-10")
        add("华升商混搅拌中心", "in_production", "3021", "P04", "华升商混", "湖北荆州", 5200, 5200, 60, "2005-03-01", "2005-04-10", "2005-10-01")
        projects[-1].update(firm=self.by_name("华升商混").id, committed_tax=5)  # 5 万元 per mu
        add("中富管桩项目", "started", "3021", "P04", "中富管桩", "广东", 6800, 4000, 90, "2005-10-10", "2005-12-20")
        for k, stage in enumerate(["started"] * 5 + ["signed"]):
            add(f"新型建材项目{k + 1}", stage, "3021" if k % 2 else "3031", "P04", None, "浙江上虞",
                int(rs.randint(5200, 9000)), int(rs.randint(1000, 3000)) if stage == "started" else 0,
                int(rs.randint(40, 120)), f"2005-{7 + k:02d}-15", f"2005-{8 + k:02d}-20" if stage == "started" else None)
        n_before = len(projects)

        # the 75 projects of 2006 H1: 23 signed at the Shanghai promotion event (8 industrial in
        # parks, 4 of them started; 15 non-industrial) and 52 others (38 industrial in parks, 33
        # started; 2 industrial outside parks; 12 non-industrial)
        industrial_codes = [c for cl in CLUSTERS[:5] for c in cl.codes]
        cluster_park = {c: cl.parks[0] for cl in CLUSTERS[:5] for c in cl.codes}
        other_codes = ["7010", "5211", "5191", "6110", "7212", "0141", "5431"]
        plan = ([("event", True, True, "started")] * 4 + [("event", True, True, "signed")] * 4
                + [("event", False, False, "signed")] * 15
                + [("other", True, True, "started")] * 33 + [("other", True, True, "signed")] * 5
                + [("other", True, False, "signed")] * 2
                + [("other", False, False, "started")] * 5 + [("other", False, False, "signed")] * 7)
        event_contracted = _allocate(CALIBRATION["shanghai_event_contracted"], rs.lognormal(0, 0.7, 23), 800)
        funds_ind_weights, funds_other_weights = [], []
        rows = []
        for k, (group, industrial, in_park, stage) in enumerate(plan):
            code = industrial_codes[rs.randint(len(industrial_codes))] if industrial else \
                other_codes[rs.randint(len(other_codes))]
            park = cluster_park[code] if in_park else None
            month = int(rs.randint(1, 7))
            signed = "2006-04-18" if group == "event" else f"2006-{month:02d}-{int(rs.randint(1, 28)):02d}"
            if group != "event" and signed == "2006-04-18":
                signed = "2006-04-19"  # the promotion event's date is the event's alone
            start = None
            if stage == "started":
                s_month = max(int(signed[5:7]), int(rs.randint(1, 7)))
                start = f"2006-{s_month:02d}-28"
            contracted = int(event_contracted[k]) if group == "event" else int(rs.lognormal(7.6, 0.8))
            source = "上海" if group == "event" else ["湖北荆州", "湖北武汉", "浙江上虞", "广东", "福建", "江苏", "上海"][rs.randint(7)]
            rows.append([code, park, stage, signed, start, contracted, source, industrial])
            weight = contracted * (0.5 if stage == "started" else 0.12)
            (funds_ind_weights if industrial else funds_other_weights).append(weight)
        funds_ind = iter(_allocate(CALIBRATION["industrial_projects_funds_2006h1"], np.array(funds_ind_weights)))
        funds_other = iter(_allocate(CALIBRATION["projects_funds_in_place_2006h1"]
                                     - CALIBRATION["industrial_projects_funds_2006h1"], np.array(funds_other_weights)))
        for code, park, stage, signed, start, contracted, source, industrial in rows:
            funds = int(next(funds_ind if industrial else funds_other))
            land = int(rs.randint(20, 150)) if industrial else int(rs.randint(5, 60))
            name = self._project_name(code)
            add(name, stage, code, park, None, source, max(contracted, funds), funds, land, signed, start)
        assert len(projects) - n_before == CALIBRATION["projects_2006h1"]
        return projects

    def _project_name(self, code: str) -> str:
        kinds = {"35": "石油机械配套", "34": "机械加工", "22": "纸品包装", "23": "包装印刷", "17": "纺织",
                 "18": "服装", "13": "农产品加工", "30": "新型建材", "70": "商住开发", "52": "商贸",
                 "51": "物流批发", "61": "酒店", "72": "商务服务", "01": "现代农业", "54": "物流"}
        return PLACE_WORDS[self.rs.randint(len(PLACE_WORDS))] + kinds.get(code[:2], "产业") + "项目"


# --------------------------------------------------------------------------------------------
def _fmt(v, digits=1) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{v:.{digits}f}"


def _csv(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


def _region_industry_years(rs: np.random.RandomState) -> list[list]:
    """Synthetic above-scale industry of the other counties of 荆州市 (not calibrated)."""
    strengths = {
        "421002": {"17": 9, "26": 6, "36": 8, "38": 5, "22": 3, "13": 3, "14": 2, "33": 3},
        "421022": {"36": 7, "17": 4, "13": 3, "30": 2, "29": 2},
        "421023": {"13": 6, "17": 3, "14": 2, "30": 1},
        "421024": {"13": 3, "26": 2, "30": 1},
        "421081": {"26": 4, "27": 4, "13": 2, "17": 2},
        "421083": {"13": 4, "35": 3, "26": 2, "17": 1},
        "421087": {"30": 4, "26": 3, "13": 3, "22": 1},
    }
    divisions = ["13", "14", "15", "17", "18", "22", "26", "27", "29", "30", "33", "34", "35", "36", "38"]
    rows = []
    for region, strong in strengths.items():
        for d in divisions:
            base = strong.get(d, 0.25) * rs.lognormal(0, 0.25) * 2.2e4  # 2005 output, 万元
            firms = max(1, int(round(base / rs.uniform(4000, 9000))))
            jobs = int(round(base / rs.uniform(9, 16)))
            growth = rs.normal(0.2, 0.08)
            h1 = base * rs.uniform(0.44, 0.5)
            rows.append([region, d, "2005年", _fmt(base), jobs, firms])
            rows.append([region, d, "2005年1-6月", _fmt(h1), jobs, firms])
            rows.append([region, d, "2006年1-6月", _fmt(h1 * (1 + growth)),
                         int(round(jobs * (1 + growth / 3))), firms])
    return rows


# A synthetic national input-output table in the NBS layout, for the demo's value-chain pages.
# Coefficients are hand-set to a plausible Chinese structure (who buys what from whom), not taken
# from any published table: the sample must run without external data.
IO_SECTORS = [
    ("01-05", "农林牧渔业", 49_000), ("06-12", "采矿业", 45_000), ("13", "农副食品加工业", 27_000),
    ("14-16", "食品、饮料和烟草制造业", 18_000), ("17", "纺织业", 19_000),
    ("18-21", "服装、皮革、木材和家具", 16_000), ("22", "造纸和纸制品业", 8_000),
    ("23-24", "印刷和文教用品", 6_000), ("25-28", "石油、化工、医药和化纤", 60_000),
    ("29", "橡胶和塑料制品业", 12_000), ("30", "非金属矿物制品业", 26_000),
    ("31-32", "金属冶炼和压延加工业", 55_000), ("33", "金属制品业", 17_000),
    ("34", "通用设备制造业", 24_000), ("35", "专用设备制造业", 16_000),
    ("36-43", "交通、电气、电子、仪表和其他制造", 95_000), ("44-46", "电力、热力、燃气和水",
                                                                30_000),
    ("47-50", "建筑业", 62_000), ("51-60", "批发零售、交通运输仓储", 60_000),
    ("61-97", "其他服务业", 130_000),
]
_IO_FLOWS = {  # buyer: {supplier: coefficient}
    "35": {"31-32": 0.20, "33": 0.08, "34": 0.10, "36-43": 0.08, "35": 0.08, "44-46": 0.02,
           "51-60": 0.06, "61-97": 0.05, "29": 0.02, "25-28": 0.02},
    "34": {"31-32": 0.22, "33": 0.07, "34": 0.12, "36-43": 0.07, "44-46": 0.02, "51-60": 0.06,
           "61-97": 0.05},
    "33": {"31-32": 0.40, "33": 0.05, "44-46": 0.03, "51-60": 0.06, "61-97": 0.04},
    "22": {"01-05": 0.08, "22": 0.18, "25-28": 0.10, "44-46": 0.06, "06-12": 0.02,
           "51-60": 0.06, "61-97": 0.04, "23-24": 0.01},
    "17": {"01-05": 0.15, "17": 0.20, "25-28": 0.12, "44-46": 0.04, "51-60": 0.06, "61-97": 0.04},
    "18-21": {"17": 0.30, "01-05": 0.05, "25-28": 0.05, "51-60": 0.06, "61-97": 0.04},
    "13": {"01-05": 0.55, "13": 0.06, "22": 0.02, "51-60": 0.06, "44-46": 0.02, "61-97": 0.03},
    "14-16": {"01-05": 0.20, "13": 0.15, "22": 0.03, "29": 0.02, "51-60": 0.06, "61-97": 0.05},
    "30": {"06-12": 0.12, "44-46": 0.10, "30": 0.08, "25-28": 0.05, "51-60": 0.08, "61-97": 0.04},
    "25-28": {"06-12": 0.20, "25-28": 0.25, "44-46": 0.06, "51-60": 0.05, "61-97": 0.05},
    "29": {"25-28": 0.35, "29": 0.05, "44-46": 0.04, "51-60": 0.06, "61-97": 0.04},
    "31-32": {"06-12": 0.25, "31-32": 0.25, "44-46": 0.08, "51-60": 0.06, "61-97": 0.04},
    "36-43": {"31-32": 0.12, "36-43": 0.30, "33": 0.04, "29": 0.04, "25-28": 0.04,
              "51-60": 0.05, "61-97": 0.06},
    "44-46": {"06-12": 0.30, "44-46": 0.10, "61-97": 0.06, "51-60": 0.04},
    "47-50": {"30": 0.18, "31-32": 0.15, "33": 0.05, "36-43": 0.05, "51-60": 0.06,
              "61-97": 0.06, "47-50": 0.03},
    "01-05": {"01-05": 0.12, "25-28": 0.08, "13": 0.04, "51-60": 0.03, "61-97": 0.03},
    "06-12": {"06-12": 0.05, "44-46": 0.06, "34": 0.03, "35": 0.04, "51-60": 0.05, "61-97": 0.05},
    "23-24": {"22": 0.25, "25-28": 0.08, "51-60": 0.06, "61-97": 0.06},
    "51-60": {"25-28": 0.10, "51-60": 0.08, "61-97": 0.10, "36-43": 0.03},
    "61-97": {"61-97": 0.15, "51-60": 0.06, "36-43": 0.03, "25-28": 0.02},
}


def io_table_text(rs: np.random.RandomState) -> str:
    """The national table in the NBS layout (万元), rows and columns labelled 'code name'."""
    codes = [c for c, _, _ in IO_SECTORS]
    labels = [f"{c} {n}" for c, n, _ in IO_SECTORS]
    x = np.array([v for _, _, v in IO_SECTORS], dtype=float) * 1e4  # 亿元 → 万元
    n = len(codes)
    A = np.zeros((n, n))
    for j, buyer in enumerate(codes):
        for supplier, a in _IO_FLOWS.get(buyer, {}).items():
            A[codes.index(supplier), j] = a * rs.uniform(0.9, 1.1)
    Z = A * x[None, :]
    final = x - Z.sum(axis=1)
    if (final <= 0).any():
        raise ValueError("the synthetic table is not productive for some sector")
    shares = np.array([0.30, 0.12, 0.38, 0.05, 0.15])  # consumption, gov, GFCF, inventories, exports
    Y = final[:, None] * shares[None, :] * rs.uniform(0.8, 1.2, (n, 5))
    Y = Y / Y.sum(axis=1, keepdims=True) * final[:, None]
    va = x - Z.sum(axis=0)
    V = np.vstack([va * 0.5, va * 0.15, va * 0.15, va * 0.2])
    rows = [["单位：万元"], ["代码", *labels, "中间使用合计", "居民消费", "政府消费", "固定资本形成总额",
                             "存货增加", "出口", "最终使用合计", "总产出"]]
    for i in range(n):
        rows.append([labels[i], *[f"{v:.0f}" for v in Z[i]], f"{Z[i].sum():.0f}",
                     *[f"{v:.0f}" for v in Y[i]], f"{final[i]:.0f}", f"{x[i]:.0f}"])
    rows.append(["中间投入合计", *[f"{v:.0f}" for v in Z.sum(axis=0)]])
    for name, vals in zip(["劳动者报酬", "生产税净额", "固定资产折旧", "营业盈余"], V):
        rows.append([name, *[f"{v:.0f}" for v in vals]])
    rows.append(["增加值合计", *[f"{v:.0f}" for v in va]])
    rows.append(["总投入", *[f"{v:.0f}" for v in x]])
    return "\n".join(",".join(r) for r in rows) + "\n"


def incentive_inputs_text(g: "Generator", projects: list[dict], rs: np.random.RandomState) -> str:
    """Synthetic policy inputs of the district's firms and projects for 2006, so the demo can run
    an incentive ruleset (the Changsha one, as an illustration): which firms invested in new
    projects and equipment, built workshops, won brands or new-product ratings, set up technology
    centres, and their R&D and purchases this year and last."""
    key = {"oil", "paper", "textile", "agro", "building"}
    rows = []
    for f in g.firms:
        if (2005, 12) not in f.years:
            continue
        y05 = f.years[(2005, 12)]
        r = {"entity_id": f.id, "entity": "firm", "registered_in_changsha": True,
             "three_industries": f.cluster in key, "host_firm": f.leading,
             "supporting_firm": not f.leading, "project_fits_policy": True,
             "county_level": f.park in ("Z01", "Z02")}
        invest = rs.uniform() < 0.25
        r["new_project_investment"] = round(rs.uniform(0.5e7, 6e7), -4) if invest else 0
        r["equipment_investment"] = round(r["new_project_investment"] * rs.uniform(0.35, 0.75), -4)
        r["production_year"] = int(rs.choice([2003, 2004, 2005, 2006])) if invest else ""
        r["fai_per_mu"] = round(rs.uniform(0.8e6, 2.2e6), -3) if invest else ""
        r["output_per_mu"] = round(y05["output"] * 1e4 / max(y05["land_mu"], 1), -3)
        r["local_vat_income_tax"] = round(y05["tax_paid"] * 1e4 * 0.5 * rs.uniform(0.8, 1.2), -3)
        r["workshop_fai"] = round(rs.uniform(2e7, 2.5e8), -4) if rs.uniform() < 0.12 else 0
        r["construction_fees_due"] = round(r["workshop_fai"] * 0.01, -2)
        r["local_purchases"] = round(y05["local_purchases"] * 1e4 * rs.uniform(1.0, 1.6), -3)
        r["local_purchases_previous"] = round(y05["local_purchases"] * 1e4, -3)
        r["rd_spend"] = round(y05["rd_spend"] * 1e4 * rs.uniform(0.9, 1.4), -3)
        r["rd_spend_previous"] = round(y05["rd_spend"] * 1e4, -3)
        r["income_tax_due"] = round(y05["tax_paid"] * 1e4 * 0.3, -3)
        r["new_famous_brand"] = f.name in ("拍马集团",)
        r["new_products_national"] = int(f.leading and rs.uniform() < 0.5)
        r["new_products_provincial"] = int(rs.uniform() < 0.08)
        r["new_products_municipal"] = int(rs.uniform() < 0.15)
        r["new_national_tech_centre"] = f.name == "四机厂"
        r["new_provincial_tech_centre"] = f.name in ("四机厂", "湖北四钻", "骏马纸业")
        r["top_three_years"] = f.name in ("湖北四钻",)
        r["merger_deed_tax_due"] = 0
        r["merger_target_related"] = False
        rows.append(r)
    for p in projects:
        if p["stage"] not in ("started", "in_production") or not p["park"]:
            continue
        rows.append({"entity_id": p["id"], "entity": "project", "industrial": p["code"][:2] < "47",
                     "new_in_zone": True, "priority_project": p["code"][:2] < "47", "investment_usd": round(p["contracted"] * 1e4 / USD_RATE),
                     "annual_tax": round(p["contracted"] * 1e4 * rs.uniform(0.03, 0.2), -3),
                     "land_premium_paid": round(p["land"] * 8e4, -3), "operating_years": 15,
                     "local_jobs": int(p["contracted"] / 20), "tax_year_after": round(p["contracted"] * 1e4 * 0.05, -3),
                     "exports_usd": 0, "admin_fees_due": round(p["land"] * 2000, -2),
                     "operating_fees_due": round(p["land"] * 1000, -2)})
    rows.append({"entity_id": "G01", "entity": "guarantor", "sme_guarantee_amount": 1.8e8,
                 "years_since_registration": 2, "business_tax_due": 3.2e5})
    rows.append({"entity_id": "P01", "entity": "park", "new_supporting_park": True, "supporting_park": True,
                 "infrastructure_investment": 1.35e8, "supporting_output": 6.2e8})
    cols = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    def cell(v):
        if v is True:
            return "true"
        if v is False:
            return "false"
        return "" if v is None else (f"{v:.0f}" if isinstance(v, float) else str(v))
    return _csv(cols, [[cell(r.get(c, "")) for c in cols] for r in rows])


# What each cluster's firms make (supplier profiles) and what the leading firms look for (needs).
_PRODUCTS = {
    "oil": ["压裂泵配件", "高压管汇锻件", "钻采设备铸件", "阀门", "液压元件", "数控机加工", "热处理", "喷涂防腐",
            "钢结构件", "法兰"],
    "paper": ["瓦楞纸箱", "彩印包装", "纸管", "木浆", "造纸助剂", "胶印", "模切", "纸板"],
    "textile": ["棉纱", "坯布", "印染加工", "化纤长丝", "服装辅料", "织带"],
    "agro": ["精米", "菜籽油", "淀粉", "饲料", "包装米袋"],
    "building": ["商品混凝土", "预制管桩", "水泥制品", "新型墙材", "砂石骨料"],
    "other": ["软件开发", "电子元件", "化工原料", "医药中间体", "金属结构件"],
}
_PROCESS = {"oil": ["锻造", "铸造", "数控加工", "热处理", "喷涂"], "paper": ["印刷", "模切", "复合"],
            "textile": ["纺纱", "织造", "印染"], "agro": ["碾米", "榨油"], "building": ["搅拌", "预制"],
            "other": ["装配", "合成"]}
_CERTS = ["ISO9001", "API Q1", "ISO14001", "QS"]


def matching_texts(g: "Generator", rs: np.random.RandomState) -> dict[str, str]:
    """Synthetic supplier profiles of every firm, purchase needs of the leading firms, and a few
    outcomes of matching (two contracts)."""
    profiles = []
    for f in g.firms:
        goods = list(rs.choice(_PRODUCTS[f.cluster], size=2, replace=False))
        procs = list(rs.choice(_PROCESS[f.cluster], size=1))
        certs = [c for c in _CERTS if rs.uniform() < (0.6 if c == "ISO9001" else 0.15)]
        cap = (f.years.get((2005, 12)) or f.years[(2006, 6)])["output"] * 1e4 * rs.uniform(0.1, 0.4)
        profiles.append([f.id, ";".join(goods), ";".join(procs), f.code, ";".join(certs), f"{cap:.0f}"])
    needs, k = [], 0
    for f in g.firms:
        if not f.leading:
            continue
        for goods in rs.choice(_PRODUCTS[f.cluster], size=4, replace=False):
            k += 1
            needs.append([f"N{k:03d}", f.id, goods, rs.choice(_PROCESS[f.cluster]), f.code[:3],
                          f"{goods}，按图纸加工，批量稳定供货", int(rs.randint(100, 5000)), "件",
                          f"{rs.uniform(2e6, 3e7):.0f}", "ISO9001" if rs.uniform() < 0.6 else "",
                          int(rs.choice([30, 50, 100])), 2006])
    outcomes = [["M001", needs[0][0], g.by_name("湖北四钻").id, "contract", "8000000", "2006-05-20"],
                ["M002", needs[1][0], g.by_name("江汉建机").id, "trial_order", "", "2006-06-10"],
                ["M003", needs[4][0], g.firms[30].id, "sample", "", "2006-06-01"]]
    return {
        "supplier_profiles.csv": _csv(["企业代码", "主要产品", "工艺能力", "产品类别代码", "资质认证", "可供产能(元)"], profiles),
        "purchase_needs.csv": _csv(["需求编号", "采购企业代码", "需求产品", "工艺", "产品类别代码", "规格要求", "年需求量",
                                    "计量单位", "年采购额(元)", "资质要求", "配送半径", "年份"], needs),
        "match_outcomes.csv": _csv(["对接编号", "需求编号", "供应商代码", "对接进展", "签约金额(元)", "日期"], outcomes),
    }


def candidates_text() -> str:
    """An office's list of outside firms to attract (招商目标企业库) for the chains' gaps: the three
    outside suppliers of 四机厂 in the supply records, and synthetic firms of the same trades
    (names invented, sizes plausible), with how they relate to local firms and where the lead
    came from."""
    rows = [  # id, name, code, products, revenue 万元, employment, location, location code, relation, source
        ("C01", "宝鸡石油钢管有限责任公司", "3130", "石油专用管材;石油套管;油管", 850000, 5200, "陕西宝鸡", "610300",
         "四机厂现有供应商（外购）", "四机厂采购记录"),
        ("C02", "西部钢管有限公司", "3130", "无缝钢管;石油套管", 320000, 2100, "四川成都", "510100", "", "行业协会名录"),
        ("C03", "华中铸锻有限公司", "3393", "大型锻件;铸锻件", 260000, 1800, "湖北武汉", "420100", "", "省经信厅重点企业名录"),
        ("C04", "武汉重型机床集团", "3421", "大型铸锻件;重型机床", 1200000, 4000, "湖北武汉", "420100",
         "四机厂现有供应商（外购）", "四机厂采购记录"),
        ("C05", "上海电气液压气动有限公司", "3444", "液压元件;液压泵;液压阀", 480000, 2600, "上海", "310000",
         "四机厂现有供应商（外购）", "四机厂采购记录"),
        ("C06", "长江液压科技有限公司", "3444", "液压缸;液压元件", 90000, 700, "湖北宜昌", "420500",
         "与江汉建机有技术合作", "招商线索"),
        ("C07", "北方液压件有限公司", "3444", "液压泵;液压马达", 150000, 1100, "山东济南", "370100", "", "展会"),
        ("C08", "东方传动机械有限公司", "3453", "变速箱;传动箱", 210000, 1500, "江苏南京", "320100", "", "行业协会名录"),
        ("C09", "荆楚油服有限公司", "1120", "压裂服务;修井服务", 60000, 900, "湖北潜江", "429005", "四机厂设备用户",
         "江汉油田供应商名录"),
        ("C10", "华南林浆有限公司", "2211", "林浆;木浆", 180000, 1300, "广西南宁", "450100", "", "招商线索"),
        ("C11", "江南化纤有限公司", "2822", "涤纶;化纤", 240000, 1600, "浙江绍兴", "330600", "荣海纺织外购原料", "招商线索"),
    ]
    return _csv(["候选编号", "企业名称", "行业代码", "主要产品", "营业收入(万元)", "从业人员(人)", "所在地", "所在地区代码",
                 "与本地企业关系", "信息来源"], [list(r) for r in rows])


def wage_bills(g: "Generator", rs: np.random.RandomState) -> dict[tuple, float]:
    """The wage bill (应付职工薪酬, 万元) of each firm-period: employment times a yearly wage per
    head around the province's 2005–2006 manufacturing average (about 1.3万元), for the months of
    the period; one firm in ten did not report it. Drawn from its own stream, so the other
    figures stay as calibrated."""
    out = {}
    for f in g.firms:
        per_head = rs.lognormal(np.log(1.35 if f.cluster == "oil" else 1.15), 0.2)
        missing = rs.uniform() < 0.1
        for (year, month), r in sorted(f.years.items()):
            if not missing:
                out[(f.id, year, month)] = r["employment"] * per_head * (1.08 if year == 2006 else 1.0) * month / 12
    return out


def _patent_number(year: int, kind: int, serial: int) -> str:
    """A Chinese patent number, ZL + the 12 digits of the application number + its check digit
    (weights 2–9, 2–5 over the 12 digits, the sum mod 11; 10 is X)."""
    digits = f"{year}{kind}{serial:07d}"
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    check = sum(int(d) * w for d, w in zip(digits, weights)) % 11
    return f"ZL{digits}.{'X' if check == 10 else check}"


def patents_text(g: "Generator", rs: np.random.RandomState) -> str:
    """The intellectual-property office's list of patents granted to the district's firms in
    2005 and 2006 H1 (专利授权清单), holders by name as such lists give them: firms that spend
    on R&D get patents in proportion, mostly utility models; some are held with 长江大学."""
    kinds = ((1, "发明专利", "一种{}的制造方法"), (2, "实用新型", "一种{}"), (3, "外观设计", "{}（外观）"))
    things = {"oil": ["井下作业工具", "压裂泵阀总成", "抽油机减速器", "钻杆接头", "防喷器密封件"],
              "paper": ["瓦楞纸板成型装置", "纸箱印刷定位机构"], "textile": ["纺纱张力控制装置", "织物整理机"],
              "agro": ["粮油精炼装置", "食品包装封口机构"], "building": ["新型墙体砌块", "建材养护装置"],
              "other": ["传感器支架", "电机散热结构"]}
    rows, serial = [], 1000
    for f in g.firms:
        rd = f.years.get((2005, 12), f.years.get((2006, 6)))["rd_spend"]
        n = rs.poisson(rd / 40.0)  # about one patent a year per 40万元 of R&D
        for _ in range(min(n, 12)):
            k = rs.choice(3, p=[0.2, 0.65, 0.15])
            code, word, pattern = kinds[k]
            applied = int(rs.choice([2003, 2004, 2005]))
            granted = pd.Timestamp(2005, 1, 1) + pd.Timedelta(days=int(rs.randint(0, 546)))
            serial += int(rs.randint(1, 40))
            holder = f.name + ("；长江大学" if rs.uniform() < 0.08 else "")
            thing = things.get(f.cluster, things["other"])[int(rs.randint(0, len(things.get(f.cluster, things["other"]))))]
            rows.append([_patent_number(applied, code, serial), pattern.format(thing), word, holder,
                         granted.date().isoformat()])
    rows.sort(key=lambda r: (r[4], r[0]))
    return _csv(["专利号", "专利名称", "专利类型", "专利权人", "授权公告日"], rows)


def build(seed: int = SEED) -> dict[str, str]:
    """Every sample file's text, by file name."""
    g = Generator(seed)
    g.make_firms()
    g.make_years()
    links = g.make_links()
    projects = g.make_projects()
    files: dict[str, str] = {}

    boundaries = _region_boundaries()
    files["regions.csv"] = _csv(
        ["行政区划代码", "地区名称", "英文名称", "级别", "上级区划代码", "最小经度", "最小纬度", "最大经度",
         "最大纬度", "面积(平方公里)", "边界", "边界来源"],
        [[r[0], r[1], r[2], r[3], r[4] or "", *(list(r[5]) if r[5] else ["", "", "", ""]), r[6],
          boundaries.get(r[0], ""), SCHEMATIC if r[0] in boundaries else ""]
         for r in REGIONS])

    files["parks.csv"] = _csv(
        ["园区代码", "园区名称", "所在地区", "园区类型", "建成面积(亩)", "规划面积(亩)", "设立年份", "边界"],
        [[p.id, p.name, DISTRICT, p.kind, p.built_mu, p.planned_mu, p.opened,
          json.dumps({"type": "Polygon", "coordinates": [[list(xy) for xy in g.polygons[p.id]]]},
                     separators=(",", ":"))] for p in PARKS])

    files["firms.csv"] = _csv(
        ["统一社会信用代码", "企业名称", "行业代码", "所在地区", "所在园区", "经度", "纬度", "成立年份",
         "母公司代码", "是否龙头企业"],
        [[f.id, f.name, f.code, DISTRICT, f.park or "", _fmt(f.lon, 5), _fmt(f.lat, 5), f.founded,
          f.parent or "", _fmt(f.leading)] for f in g.firms])

    wages = wage_bills(g, np.random.RandomState(seed + 4))
    fy_rows = []
    for f in g.firms:
        for (year, month), r in sorted(f.years.items()):
            period = f"{year}年" if month == 12 else f"{year}年1-{month}月"
            fy_rows.append([f.id, period, _fmt(r["above_scale"]), _fmt(r["output"]), _fmt(r["value_added"]),
                            _fmt(r["revenue"]), r["employment"], _fmt(r["tax_paid"]), _fmt(r["exports"]),
                            _fmt(r["rd_spend"]), _fmt(r["energy_tce"]), _fmt(r["land_mu"]),
                            _fmt(r["fixed_asset_investment"]), _fmt(r["local_purchases"]),
                            _fmt(r["total_purchases"]), _fmt(r["electricity_10k_kwh"], 2),
                            _fmt(r["emission_t"], 2), _fmt(wages.get((f.id, year, month)))])
    files["firm_years.csv"] = _csv(
        ["统一社会信用代码", "统计期", "是否规上", "工业总产值(万元)", "工业增加值(万元)", "营业收入(万元)",
         "从业人员平均人数(人)", "实缴税金(万元)", "出口交货值(万美元)", "研发经费支出(万元)",
         "综合能源消费量(吨标准煤)", "用地面积(亩)", "固定资产投资(万元)", "本地采购额(万元)", "采购总额(万元)",
         "用电量(万千瓦时)", "主要污染物排放量(吨)", "应付职工薪酬(万元)"],
        fy_rows)

    files["region_industry_years.csv"] = _csv(
        ["行政区划代码", "行业代码", "统计期", "工业总产值(万元)", "从业人员(人)", "企业单位数(个)"],
        _region_industry_years(g.rs))

    files["supply_links.csv"] = _csv(
        ["采购企业代码", "供应商代码", "供应商名称", "供应商地区代码", "年份", "采购金额(万元)", "采购产品"],
        [[lk["buyer"], lk["supplier_id"] or "", lk["supplier_name"], lk["supplier_region"] or "", lk["year"],
          _fmt(lk["amount"]), lk["product"]] for lk in links])

    files["projects.csv"] = _csv(
        ["项目编号", "项目名称", "项目阶段", "行业代码", "所在地区", "入驻园区", "投资方", "投资来源地",
         "协议投资额(万元)", "到位资金(万元)", "用地面积(亩)", "接洽日期", "签约日期", "开工日期", "投产日期",
         "投产企业代码", "承诺亩均税收(万元)"],
        [[p["id"], p["name"], p["stage"], p["code"], DISTRICT, p["park"] or "", p["investor"] or "",
          p["source"] or "", p["contracted"], p["funds"], p["land"], p["lead"] or "", p["signed"] or "",
          p["start"] or "", p["production"] or "", p.get("firm", ""), p.get("committed_tax", "")]
         for p in projects])

    src = "中共荆州区委《加快工业园区建设 推进产业集群发展》"
    t = [  # id, scope, scope id, indicator, kind, year, month_to, value, unit, reference, source
        ("T01", "industry", "35", "output", "level", 2006, 12, 25, "亿元", "", src + "：石油机械力争年内实现产值25亿元"),
        ("T02", "industry", "35", "output", "level", 2010, 12, 50, "亿元", "", src + "：“十一五”末达到50亿元"),
        ("T03", "industry", "22", "output", "level", 2006, 12, 14, "亿元", "", src + "：造纸包装业力争年内实现产值14亿元"),
        ("T04", "industry", "22", "output", "level", 2010, 12, 30, "亿元", "", src + "：“十一五”末达到30亿元"),
        ("T05", "industry", "17", "output", "level", 2006, 12, 10, "亿元", "", src + "：轻工纺织业力争年内产值突破10亿元"),
        ("T06", "industry", "17", "output", "level", 2010, 12, 30, "亿元", "", src + "：“十一五”末达到30亿元"),
        ("T07", "industry", "13", "output", "level", 2006, 12, 12, "亿元", "", src + "：农产品加工业力争年内实现产值12亿元"),
        ("T08", "industry", "13", "output", "level", 2010, 12, 30, "亿元", "", src + "：“十一五”末达到30亿元"),
        ("T09", "industry", "30", "output", "level", 2010, 12, 30, "亿元", "", src + "：新型建材业产值突破30亿元"),
        ("T10", "region", DISTRICT, "output", "level", 2010, 12, 200, "亿元", "", src + "：全区工业产值突破200亿元"),
        ("T11", "region", DISTRICT, "firms_output_over_1e9", "count", 2010, 12, 3, "家", "", src + "：“323”工程，3家产值过10亿元"),
        ("T12", "region", DISTRICT, "firms_output_over_1e8", "count", 2010, 12, 20, "家", "", src + "：20家产值过亿元"),
        ("T13", "region", DISTRICT, "firms_output_over_5e7", "count", 2010, 12, 30, "家", "", src + "：30家产值过5000万元"),
        ("T14", "region", DISTRICT, "firms_output_over_1e8", "count", 2006, 12, 10, "家", "", src + "：预计年内产值过亿元的企业将突破10家"),
        ("T15", "region", DISTRICT, "firms_tax_paid_over_1e7", "count", 2006, 12, 3, "家", "", src + "：上缴税金过千万元的工业企业达到3家"),
        ("T16", "firm", g.by_name("四机厂").id, "output", "level", 2006, 12, 18, "亿元", "", src + "：预计年内四机厂产值可达到18亿元"),
    ]
    files["targets.csv"] = _csv(
        ["目标编号", "目标对象类型", "目标对象", "指标", "目标类型", "目标年份", "截止月份", "目标值", "单位",
         "参照对象", "文件依据"], [list(r) for r in t])
    files.update(matching_texts(g, np.random.RandomState(seed + 3)))
    files["investment_candidates.csv"] = candidates_text()
    files["patents.csv"] = patents_text(g, np.random.RandomState(seed + 5))
    files["io_table_national.csv"] = io_table_text(np.random.RandomState(seed + 1))
    files["incentive_inputs_2006.csv"] = incentive_inputs_text(g, projects, np.random.RandomState(seed + 2))
    files["mapping.yaml"] = (
        "# Import settings for the sample region: exports are reported in 万美元 (USD 10k).\n"
        f"usd_rate: {USD_RATE}  # CNY per USD, 2006 H1\n")
    return files


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from clusteratlas.sample import data_dir

    out = Path(argv[0]) if argv else data_dir()
    out.mkdir(parents=True, exist_ok=True)
    for name, text in build().items():
        (out / name).write_text(text, encoding="utf-8", newline="")
    print(f"wrote {len(build())} files to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
