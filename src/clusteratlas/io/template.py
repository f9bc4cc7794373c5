"""The workbook a bureau fills in (填报模板): the sheets, Chinese headers with units, one example
row each and a sheet of instructions. It imports as it is written (a test holds it to that),
so a clerk can start from it and replace the example rows.
"""

from __future__ import annotations

from pathlib import Path

from clusteratlas.io.uscc import check_char

EXAMPLE_REGION = ("421022", "公安县", "county", "421000")


def _example_credit_code() -> str:
    body = "91" + EXAMPLE_REGION[0] + "MA4F0000X"[:9]
    return body + check_char(body)


# sheet → (title lines, headers, example row, what each column means)
def sheets(year: int) -> dict[str, tuple[list[str], list[str], list, list[str]]]:
    code = _example_credit_code()
    return {
        "企业名录": (
            [f"规模以上工业企业名录（{year}年）"],
            ["企业名称", "统一社会信用代码", "行业代码", "所属园区", "经度", "纬度", "是否龙头企业"],
            ["示例机械制造有限公司", code, "3670", "示例工业园", 112.2296, 30.0583, "否"],
            ["必填", "必填；18 位，第 3–8 位即登记机关行政区划代码，导入时据此确定所在地区",
             "必填；GB/T 4754-2017 行业代码（2–4 位）", "园区名称或代码；不在园区的留空",
             "WGS-84 经度（度）", "WGS-84 纬度（度）", "是/否"]),
        "年度指标": (
            [f"{year}年规模以上工业企业主要经济指标", "单位：万元"],
            ["统一社会信用代码", "企业名称", "工业总产值", "工业增加值", "营业收入", "税金总额",
             "从业人员平均人数（人）", "综合能源消费量（吨标准煤）", "用地面积（亩）", "应付职工薪酬"],
            [code, "示例机械制造有限公司", 52000.0, 11800.0, 50300.0, 2100.0, 320, 1850.0, 86.5, 1536.0],
            ["必填（或只填企业名称）", "与企业名录一致", "万元", "万元", "万元", "万元", "人",
             "吨标准煤", "亩", "万元；可选，对标分析据此算人均年工资"]),
        "园区": (
            [],
            ["园区名称", "类型", "建成面积（亩）", "规划面积（亩）"],
            ["示例工业园", "工业园区", 3200.0, 6000.0],
            ["必填；企业名录中的“所属园区”须与此一致", "工业园区/工业小区/开发区/高新区",
             "亩", "亩"]),
        "地区": (
            [],
            ["行政区划代码", "地区名称", "级别", "上级地区代码"],
            list(EXAMPLE_REGION),
            ["民政部 6 位代码", "名称", "省/市/县/区", "上级地区的代码"]),
        "地区行业汇总": (
            [f"{year}年对比地区分行业汇总（用于区位商等对比）", "单位：万元"],
            ["行政区划代码", "行业代码", "年份", "工业总产值", "企业单位数（个）"],
            ["421000", "3670", year, 1850000.0, 120],
            ["对比地区（如全市、全省）的代码", "GB/T 4754-2017 代码", "年份", "万元", "个"]),
    }


INSTRUCTIONS = [
    "填写说明 / How to fill this workbook",
    "1. 每张表第一行（或标题下的一行）是表头，请勿改动列名；可删除不需要的列，也可增加列（未识别的列会在导入时列出，不会保存）。",
    "2. 标题行中的年份和期别（如“2023年”“2023年1-6月”）即统计期；“单位：万元”对全表金额有效，列名括号中的单位优先。",
    "3. 标题含“规模以上”时，表中企业均视为规模以上企业；否则请增加“是否规上”列。",
    "4. 没有数据的格子留空或填“—”；不要填 0 代替缺失，不要填 NaN。合计、小计行可以保留：导入时会核对并跳过。",
    "5. 统计期、日期列请设为文本格式，避免被 Excel 变成日期序列号；含公式或外部链接的单元格请先“选择性粘贴→数值”。",
    "6. 企业的所在地区取自统一社会信用代码第 3–8 位；没有信用代码时请加“行政区划代码”列，或导入时加 --region。",
    "7. 导入：clusteratlas import 本文件.xlsx --db 库文件.duckdb ；全部通过才写入，任何问题都会指出工作表、行、列。",
    "8. 每张表第一条数据是示例，请替换为本地数据。",
]


def write_template(out: Path, year: int = 2023) -> Path:
    """Write the template workbook to ``out``."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    wb = openpyxl.Workbook()
    guide = wb.active
    guide.title = "说明"
    for line in INSTRUCTIONS:
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=13)
    guide.append([])
    guide.append(["工作表", "列", "填写要求"])
    for name, (_, headers, _, notes) in sheets(year).items():
        for h, n in zip(headers, notes):
            guide.append([name, h, n])
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["B"].width = 28
    guide.column_dimensions["C"].width = 70
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for name, (titles, headers, example, _) in sheets(year).items():
        ws = wb.create_sheet(name)
        for t in titles:
            ws.append([t])
        ws.append(headers)
        for cell in ws[len(titles) + 1]:
            cell.font, cell.fill = Font(bold=True), header_fill
        ws.append(example)
        for col, h in zip("ABCDEFGHIJ", headers):
            ws.column_dimensions[col].width = max(12, 2 * len(h) + 2)
        # codes stay text: a credit code or 行业代码 typed as a number loses its leading zeros
        for cell in ws[len(titles) + 2]:
            if isinstance(cell.value, str):
                cell.number_format = "@"
    out = Path(out)
    wb.save(out)
    return out
