"""Known Chinese and English column headers, per table, and the parsing of units out of them.

A header such as ``工业总产值(万元)`` or ``Output (CNY 10k)`` is split into a name and a unit; the
name is looked up in the table's aliases after normalisation (NFKC, case, spaces, punctuation).
"""

from __future__ import annotations

import re
import unicodedata

from clusteratlas.io.units import is_unit

_FIRM_ID = ("统一社会信用代码", "社会信用代码", "信用代码", "企业代码", "企业编号", "组织机构代码",
            "法人单位代码", "单位代码", "firm_id", "firm id", "firm code", "company id", "uscc",
            "credit code")
_REGION_ID = ("行政区划代码", "区划代码", "地区代码", "区域代码", "所在地区代码", "所在地区",
              "region_id", "region code", "region")
_INDUSTRY = ("行业代码", "国民经济行业代码", "行业分类代码", "行业小类代码", "行业大类代码",
             "国民经济行业分类代码", "industry_code", "industry code", "industry", "gbt4754")
_PARK_ID = ("园区代码", "园区编号", "所在园区代码", "所在园区", "所属园区", "园区名称", "所属园区名称",
            "所在园区名称", "入驻园区", "园区", "park_id", "park code", "park", "park name")
_YEAR = ("年份", "年度", "统计年度", "year")
_PERIOD = ("统计期", "报告期", "时期", "期别", "period")
_MONTH_TO = ("截止月份", "累计截止月", "月份", "month_to", "month")

ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "regions": {
        "region_id": ("行政区划代码", "区划代码", "地区代码", "区域代码", "region_id",
                      "region code", "code", "adcode"),
        "name": ("地区名称", "区域名称", "行政区名称", "地区", "名称", "name", "region name"),
        "name_en": ("英文名称", "name_en", "english name"),
        "level": ("级别", "行政级别", "层级", "level"),
        "parent_id": ("上级地区代码", "上级区划代码", "上级代码", "parent_id", "parent",
                      "parent.adcode", "parent_adcode"),
        "min_lon": ("最小经度", "min_lon", "west"),
        "min_lat": ("最小纬度", "min_lat", "south"),
        "max_lon": ("最大经度", "max_lon", "east"),
        "max_lat": ("最大纬度", "max_lat", "north"),
        "area_km2": ("面积", "土地面积", "行政区域面积", "area_km2", "area"),
        "boundary": ("边界", "行政边界", "边界geojson", "boundary", "geojson", "geometry"),
        "boundary_source": ("边界来源", "边界数据来源", "boundary_source", "boundary source"),
    },
    "parks": {
        "park_id": ("园区代码", "园区编号", "park_id", "park code", "code"),
        "name": ("园区名称", "名称", "name", "park name"),
        "region_id": _REGION_ID,
        "kind": ("园区类型", "类型", "kind", "type"),
        "area_mu": ("建成面积", "已建成面积", "面积", "占地面积", "area_mu", "area", "built area"),
        "planned_area_mu": ("规划面积", "planned_area_mu", "planned area"),
        "opened_year": ("设立年份", "成立年份", "开园年份", "opened_year", "opened"),
        "boundary": ("边界", "四至范围", "边界geojson", "boundary", "geojson"),
    },
    "industries": {
        "classification": ("分类标准", "classification"),
        "code": ("行业代码", "代码", "code"),
        "level": ("层级", "级别", "level"),
        "parent": ("上级代码", "parent"),
        "name_zh": ("行业名称", "中文名称", "名称", "name_zh"),
        "name_en": ("英文名称", "name_en"),
    },
    "firms": {
        "firm_id": _FIRM_ID,
        "name": ("企业名称", "单位名称", "企业全称", "公司名称", "详细名称", "name", "firm name",
                 "company name", "firm"),
        "industry_code": _INDUSTRY,
        "region_id": _REGION_ID,
        "park_id": _PARK_ID,
        "lon": ("经度", "longitude", "lon", "lng"),
        "lat": ("纬度", "latitude", "lat"),
        "founded_year": ("成立年份", "开业年份", "成立年度", "开业时间", "成立时间", "founded_year",
                         "founded", "year founded"),
        "parent_firm_id": ("母公司代码", "母体企业代码", "分离自", "裂变自", "parent_firm_id",
                           "parent firm", "spun off from"),
        "is_leading": ("是否龙头企业", "龙头企业", "是否核心企业", "核心企业", "骨干企业",
                       "is_leading", "leading firm", "leading"),
    },
    "firm_years": {
        "firm_id": _FIRM_ID,
        "year": _YEAR,
        "period": _PERIOD,
        "month_to": _MONTH_TO,
        "above_scale": ("是否规上", "是否规模以上", "规模以上", "规上企业", "above_scale",
                        "above scale"),
        "output": ("工业总产值", "工业总产值当年价", "总产值", "产值", "output", "gross output",
                   "gross industrial output"),
        "value_added": ("工业增加值", "增加值", "value_added", "value added"),
        "revenue": ("营业收入", "主营业务收入", "销售收入", "营业收入合计", "revenue", "sales",
                    "operating revenue"),
        "employment": ("从业人员平均人数", "从业人员", "从业人员期末人数", "年末从业人员",
                       "职工人数", "employment", "employees", "jobs"),
        "tax_paid": ("实缴税金", "税收", "实缴税收", "税金总额", "纳税额", "纳税总额", "税收总额",
                     "tax_paid", "tax paid", "taxes", "tax"),
        "exports": ("出口交货值", "出口额", "出口", "exports", "export delivery value"),
        "rd_spend": ("研发费用", "研发经费支出", "r&d经费支出", "研发投入", "研究开发费用",
                     "rd_spend", "r&d spend", "r&d expenditure", "r&d"),
        "energy_tce": ("综合能源消费量", "综合能耗", "能源消费量", "能耗", "energy_tce",
                       "energy consumption", "energy"),
        "land_mu": ("用地面积", "占地面积", "土地面积", "实际用地面积", "land_mu", "land area",
                    "land"),
        "fixed_asset_investment": ("固定资产投资", "固定资产投资额", "fixed_asset_investment",
                                   "fixed asset investment", "fai"),
        "local_purchases": ("本地采购额", "本地配套采购额", "本地采购", "local_purchases",
                            "local purchases"),
        "total_purchases": ("采购总额", "采购额", "total_purchases", "total purchases",
                            "purchases"),
        "electricity_kwh": ("用电量", "工业用电量", "总用电量", "electricity_kwh", "electricity"),
        "emission_t": ("主要污染物排放量", "主要污染物排放当量", "污染物排放量", "排污量",
                       "emission_t", "emissions", "pollutant emissions"),
        "wage_bill": ("应付职工薪酬", "应付职工薪酬本年贷方累计发生额", "应付职工薪酬本期贷方累计发生额",
                      "工资总额", "职工工资总额", "wage_bill", "wages", "wage bill", "payroll"),
    },
    "patents": {
        "patent_no": ("专利号", "专利申请号", "申请号", "授权公告号", "patent_no", "patent number",
                      "patent no"),
        "firm_id": ("专利权人", "专利权人名称", "权利人", "申请人", *_FIRM_ID,
                    "holder", "patentee"),
        "kind": ("专利类型", "类型", "kind", "type"),
        "granted_date": ("授权公告日", "授权日", "授权日期", "授权公告日期", "granted_date", "granted",
                         "grant date"),
        "title": ("专利名称", "发明名称", "名称", "title"),
    },
    "region_industry_years": {
        "region_id": _REGION_ID,
        "industry_code": _INDUSTRY,
        "year": _YEAR,
        "period": _PERIOD,
        "month_to": _MONTH_TO,
        "employment": ("从业人员", "从业人员平均人数", "就业人数", "employment", "employees", "jobs"),
        "output": ("工业总产值", "总产值", "产值", "output", "gross output"),
        "value_added": ("增加值", "工业增加值", "value_added", "value added"),
        "establishments": ("企业单位数", "企业数", "法人单位数", "单位数", "establishments",
                           "firms", "number of firms"),
    },
    "supply_links": {
        "buyer_id": ("采购方代码", "采购企业代码", "买方代码", "buyer_id", "buyer"),
        "supplier_id": ("供应商代码", "供货企业代码", "卖方代码", "supplier_id"),
        "supplier_name": ("供应商名称", "供货企业名称", "供应商", "supplier_name", "supplier"),
        "supplier_region_id": ("供应商地区代码", "供应商所在地区", "supplier_region_id",
                               "supplier region"),
        "year": _YEAR,
        "amount": ("采购金额", "采购额", "金额", "amount", "value"),
        "product": ("产品", "采购产品", "配套产品", "product"),
    },
    "projects": {
        "project_id": ("项目编号", "项目代码", "project_id", "project code"),
        "name": ("项目名称", "name", "project name", "project"),
        "stage": ("项目阶段", "进展阶段", "阶段", "stage"),
        "industry_code": _INDUSTRY,
        "region_id": _REGION_ID,
        "park_id": ("落户园区", *_PARK_ID),
        "investor": ("投资方", "投资主体", "客商", "investor"),
        "source_region": ("投资来源地", "客商来源地", "来源地", "source_region", "source"),
        "contracted_investment": ("协议投资额", "合同投资额", "计划总投资", "总投资",
                                  "contracted_investment", "contracted investment",
                                  "investment"),
        "funds_in_place": ("到位资金", "实际到位资金", "funds_in_place", "funds in place"),
        "land_mu": ("用地面积", "供地面积", "land_mu", "land"),
        "lead_date": ("接洽日期", "首次接洽日期", "lead_date"),
        "signed_date": ("签约日期", "签约时间", "signed_date", "signed"),
        "start_date": ("开工日期", "开工时间", "start_date", "started"),
        "production_date": ("投产日期", "投产时间", "production_date", "in production"),
        "firm_id": ("投产企业代码", "项目企业代码", "企业代码", "统一社会信用代码", "firm_id"),
        "committed_tax_per_mu": ("承诺亩均税收", "协议亩均税收", "committed_tax_per_mu"),
    },
    "targets": {
        "target_id": ("目标编号", "target_id"),
        "scope": ("目标对象类型", "对象类型", "scope"),
        "scope_id": ("目标对象", "对象代码", "scope_id"),
        "indicator": ("指标", "指标名称", "indicator"),
        "kind": ("目标类型", "kind"),
        "year": ("目标年份", *_YEAR),
        "month_to": _MONTH_TO,
        "value": ("目标值", "value", "target"),
        "unit": ("单位", "计量单位", "unit"),
        "reference_id": ("参照对象", "reference_id"),
        "source": ("文件依据", "来源文件", "依据", "source"),
    },
    "purchase_needs": {
        "need_id": ("需求编号", "need_id"),
        "buyer_id": ("采购企业代码", "采购方代码", "buyer_id", "buyer"),
        "product": ("需求产品", "采购产品", "产品名称", "product"),
        "process": ("工艺", "加工工艺", "process"),
        "category": ("产品类别代码", "行业代码", "category"),
        "specification": ("规格要求", "技术要求", "规格", "specification"),
        "annual_volume": ("年需求量", "年采购量", "annual_volume", "volume"),
        "volume_unit": ("计量单位", "单位", "volume_unit"),
        "annual_value": ("年采购额", "年采购金额", "annual_value"),
        "certifications": ("资质要求", "认证要求", "certifications"),
        "delivery_radius_km": ("配送半径", "供货半径", "delivery_radius_km", "radius"),
        "year": _YEAR,
    },
    "supplier_profiles": {
        "supplier_id": ("企业代码", "统一社会信用代码", "供应商代码", "supplier_id"),
        "products": ("主要产品", "产品", "products"),
        "processes": ("工艺能力", "加工工艺", "processes"),
        "categories": ("产品类别代码", "行业代码", "categories"),
        "certifications": ("资质认证", "认证", "certifications"),
        "capacity_value": ("可供产能", "剩余产能", "capacity_value", "capacity"),
    },
    "investment_candidates": {
        "candidate_id": ("候选编号", "目标企业编号", "candidate_id"),
        "name": ("企业名称", "目标企业", "name"),
        "industry_code": ("行业代码", "行业小类代码", "industry_code"),
        "products": ("主要产品", "产品", "products"),
        "revenue": ("营业收入", "主营业务收入", "revenue"),
        "employment": ("从业人员", "职工人数", "employment"),
        "location": ("所在地", "所在城市", "location"),
        "location_id": ("所在地区代码", "行政区划代码", "location_id"),
        "relation": ("与本地企业关系", "关联关系", "relation"),
        "source": ("信息来源", "线索来源", "source"),
    },
    "match_outcomes": {
        "outcome_id": ("对接编号", "outcome_id"),
        "need_id": ("需求编号", "need_id"),
        "supplier_id": ("供应商代码", "supplier_id"),
        "stage": ("对接进展", "进展", "stage"),
        "contract_value": ("签约金额", "合同金额", "contract_value"),
        "date": ("日期", "date"),
    },
}

# Columns that carry no data of their own and are dropped without a warning.
IGNORED = {"序号", "编号no", "no", "#", "index", "备注序号"}

_UNIT_IN_HEADER = re.compile(r"^(.*?)\s*[\(（\[【<〈]\s*(?:单位[:：]?\s*)?(.+?)\s*[\)）\]】>〉]\s*$")
_UNIT_LINE = re.compile(r"单位\s*[:：]\s*([^\s,，;；]+)|unit\s*[:：]\s*([^\s,;]+)", re.IGNORECASE)


def normalise(text: str) -> str:
    """Lower-case, NFKC, without spaces and most punctuation — for comparing header names."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s_:：、,，。·/\\\-]+", "", t).replace("“", "").replace("”", "")


_LOOKUP: dict[str, dict[str, str]] = {
    table: {normalise(alias): field for field, aliases in fields.items() for alias in aliases}
    for table, fields in ALIASES.items()
}


# No header is this long; the unit pattern backtracks badly on long bracketed text.
MAX_HEADER_CHARS = 200


def split_unit(header: str) -> tuple[str, str | None]:
    """``'工业总产值(万元)'`` → ``('工业总产值', '万元')``; a header without a unit gives None."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    if len(text) > MAX_HEADER_CHARS:  # a data cell (a boundary's GeoJSON), not a header
        return text, None
    m = _UNIT_IN_HEADER.match(text)
    if m and m.group(1):
        return m.group(1).strip(), m.group(2).strip()
    # "output_cny10k" style: a trailing unit token after a separator
    parts = re.split(r"[\s_]+", text)
    if len(parts) > 1 and is_unit(parts[-1]) and normalise(" ".join(parts[:-1])):
        return " ".join(parts[:-1]), parts[-1]
    return text, None


def field_for(table: str, name: str) -> str | None:
    """The field of ``table`` a header name (without unit) maps to, or None."""
    return _LOOKUP[table].get(normalise(name))


def unit_line(text: str) -> str | None:
    """The unit declared by a title line such as ``单位：万元`` above a table, if any."""
    m = _UNIT_LINE.search(unicodedata.normalize("NFKC", str(text)))
    if not m:
        return None
    unit = (m.group(1) or m.group(2)).strip()
    return unit if is_unit(unit) else None
