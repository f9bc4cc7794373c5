"""Import problems: each names the file, sheet, row, column, value and the rule broken."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

# The rules an import can break; the code is stable (tests and API clients match on it).
RULES = {
    "unreadable_file": "the file cannot be read as CSV, XLSX or Parquet",
    "encoding": "the file's text encoding is not UTF-8, UTF-8 with BOM, GBK or GB18030",
    "empty_file": "the file or sheet holds no rows at all",
    "no_data_rows": "a header was found but no data rows under it",
    "no_header": "no row looks like a header of a known table",
    "unknown_table": "the columns match no table of the data model",
    "ambiguous_table": "the columns match more than one table equally well",
    "missing_column": "a column the table requires is absent",
    "duplicate_column": "two columns map to the same field",
    "bad_unit": "the unit in the header or mapping is unknown or wrong for the column",
    "usd_rate_missing": "USD amounts need an exchange rate (--usd-rate or usd_rate in the mapping)",
    "missing_value": "a required value is empty",
    "not_a_number": "the value is not a number",
    "not_an_integer": "the value is not a whole number",
    "negative_value": "the value is below the column's minimum",
    "out_of_range": "the value is outside the column's range",
    "year_out_of_range": "the year is outside the allowed range",
    "bad_period": "the period is not a year or a year-to-date month/quarter",
    "bad_boolean": "the value is not yes/no (是/否, Y/N, 1/0, true/false)",
    "bad_date": "the value is not a date",
    "bad_choice": "the value is not one of the allowed values",
    "bad_geojson": "the boundary is not a valid GeoJSON Polygon or MultiPolygon",
    "bad_credit_code": "the unified social credit code's check digit is wrong",
    "duplicate_key": "the same key appears on more than one row",
    "unknown_industry_code": "the industry code is not GB/T 4754-2017 and has no shipped ancestor",
    "unknown_reference": "the value refers to a region, park or firm that does not exist",
    "coordinates_outside_region": "the point lies outside the bounding box of its region",
    "coordinates_swapped": "longitude and latitude look swapped",
    "inconsistent_values": "values on the row contradict each other",
    "date_order": "dates are out of order (signed ≤ started ≤ in production)",
    "conflicting_rows": "two files of the same import give different rows for one key",
    "excel_serial": "an Excel serial day number stands where a period or date belongs",
    "not_finite": "the text NaN, infinity, an Excel error value or a number beyond range",
    "formula_without_value": "a formula whose workbook has no saved result",
    "external_link": "a formula that links to another workbook",
    "no_region": "a firm's region can be told neither from a column, its credit code nor --region",
    "unknown_park": "a park name or code that matches no park of the store or the import",
    "unknown_firm": "a firm name that matches no firm of the store or the import",
    "total_mismatch": "a 合计 row differs from the sum of the rows above it (a warning)",
    "magnitude": "a value 10⁴× off its firm's other figures or its peers (a warning)",
}

# The same rules in Chinese: what is wrong and what to do, for the clerk who reads the table.
RULES_ZH = {
    "unreadable_file": "文件无法按 CSV、XLSX 或 Parquet 读取：请另存为 .xlsx 或 UTF-8 编码的 .csv",
    "encoding": "文件编码不是 UTF-8 或 GBK/GB18030：请另存为 UTF-8 编码",
    "empty_file": "文件或工作表没有任何数据",
    "no_data_rows": "找到了表头，但表头下没有数据行",
    "no_header": "前几行中没有可识别的表头：请使用模板的列名，或用 --mapping 指定",
    "unknown_table": "这些列不属于任何已知的表：请用 --table 指定表名",
    "ambiguous_table": "这些列同样符合多张表：请用 --table 指定表名",
    "missing_column": "缺少必需的列：请按提示增加该列",
    "duplicate_column": "两列对应同一字段：请删除或改名其中一列",
    "bad_unit": "单位无法识别或与该列不符：请写成 元、万元、亿元、亩、吨标准煤 等",
    "usd_rate_missing": "美元金额需要汇率：导入时加 --usd-rate（每美元折合人民币元）",
    "missing_value": "必填项为空：请填写",
    "not_a_number": "不是数字：请只填写数值（可带千分位逗号）",
    "not_an_integer": "应为整数",
    "negative_value": "不能为负数",
    "out_of_range": "超出允许范围",
    "year_out_of_range": "年份超出允许范围",
    "bad_period": "不是统计期：请写成 2023、2023年1-6月、2023H1 或 2023Q3",
    "bad_boolean": "应为“是”或“否”",
    "bad_date": "不是日期：请写成 2023-05-31 或 2023年5月31日",
    "bad_choice": "不是允许的取值之一",
    "bad_geojson": "边界不是有效的 GeoJSON 面（Polygon/MultiPolygon）",
    "bad_credit_code": "统一社会信用代码校验位错误（GB 32100-2015）：请核对代码",
    "duplicate_key": "同一代码在多行重复出现：请删除重复行",
    "unknown_industry_code": "不是国民经济行业分类（GB/T 4754-2017）代码",
    "unknown_reference": "引用的地区、园区或企业不存在：请先导入它，或核对代码",
    "coordinates_outside_region": "坐标不在所属地区范围内：请核对经纬度",
    "coordinates_swapped": "经度和纬度似乎填反了",
    "inconsistent_values": "同一行的数值相互矛盾",
    "date_order": "日期先后顺序不对（签约 ≤ 开工 ≤ 投产）",
    "conflicting_rows": "同一导入中两个文件对同一代码给出了不同的数据",
    "excel_serial": "这是 Excel 日期序列号，不是统计期或日期：请把该列设为文本格式后重填",
    "not_finite": "不是有效数值（NaN、无穷大、Excel 错误值或超出范围）：请填写实际数值或留空",
    "formula_without_value": "公式没有保存的计算结果：请用 Excel 或 WPS 打开、保存后再导入",
    "external_link": "单元格引用了其他工作簿：请“选择性粘贴→数值”后再导入",
    "no_region": "无法确定企业所在地区：请增加“行政区划代码”列，或导入时加 --region",
    "unknown_park": "园区名称或代码与库中及本次导入的园区都不匹配：请核对名称，或在“园区”表中列出",
    "unknown_firm": "企业名称与企业名录中的企业都不匹配：请核对名称，或填写统一社会信用代码",
    "total_mismatch": "合计行与上方各行之和不符（警告）",
    "magnitude": "数值与本企业其他指标或同类企业相差上万倍（警告）：请核对单位",
}


class Note(str):
    """A line of the import summary: the English text (the string itself) and its Chinese."""

    zh: str

    def __new__(cls, en: str, zh: str | None = None):
        note = super().__new__(cls, en)
        note.zh = zh or en
        return note

    def text(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else str(self)

    def at(self, where: str) -> "Note":
        """The note prefixed with the file and sheet it is about."""
        return Note(f"{where}: {self}", f"{where}：{self.zh}")


@dataclass(frozen=True)
class ImportIssue:
    file: str
    sheet: str | None
    row: int | None  # the row number a user sees in Excel or a text editor (header = 1)
    column: str | None  # the header as written in the file, with its spreadsheet letter
    value: str | None
    rule: str
    message: str
    message_zh: str | None = None  # specific Chinese text; else the rule's (RULES_ZH)

    def _where(self, sheet: str, row: str, column: str) -> str:
        return (self.file + (sheet.format(self.sheet) if self.sheet else "")
                + (row.format(self.row) if self.row is not None else "")
                + (column.format(self.column) if self.column else ""))

    def zh(self) -> str:
        """The problem in Chinese, located as Excel shows it: 文件〔表〕 第 N 行，列."""
        value = f" 值“{self.value}”：" if self.value not in (None, "") else "："
        return (self._where("〔{}〕", " 第 {} 行", "，{} 列") + value
                + f"{self.message_zh or RULES_ZH.get(self.rule, self.message)}（{self.rule}）")

    def text(self, lang: str = "zh") -> str:
        return self.zh() if lang == "zh" else str(self)

    def __str__(self) -> str:
        value = f" value {self.value!r}:" if self.value not in (None, "") else ""
        return self._where(" [{}]", " row {}", ", column {}") + f":{value} {self.message} ({self.rule})"


class ImportRejected(Exception):
    """Raised when any file of an import breaks a rule; nothing has been written."""

    def __init__(self, issues: list[ImportIssue]):
        # in the order a clerk fixes them: file by file, sheet by sheet, down the rows
        self.issues = sorted(issues, key=lambda i: (i.file, i.sheet or "", i.row or 0))
        head = "\n".join(str(i) for i in issues[:20])
        more = f"\n… and {len(issues) - 20} more" if len(issues) > 20 else ""
        super().__init__(f"import rejected, {len(issues)} problem(s), nothing changed:\n{head}{more}")

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame([asdict(i) for i in self.issues],
                             columns=["file", "sheet", "row", "column", "value", "rule", "message",
                                      "message_zh"])
        frame["message_zh"] = [i.message_zh or RULES_ZH.get(i.rule, "") for i in self.issues]
        return frame
