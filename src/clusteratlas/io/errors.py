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
}


@dataclass(frozen=True)
class ImportIssue:
    file: str
    sheet: str | None
    row: int | None  # the row number a user sees in Excel or a text editor (header = 1)
    column: str | None  # the header as written in the file, with its spreadsheet letter
    value: str | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.sheet:
            where += f" [{self.sheet}]"
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        value = f" value {self.value!r}:" if self.value not in (None, "") else ""
        return f"{where}:{value} {self.message} ({self.rule})"


class ImportRejected(Exception):
    """Raised when any file of an import breaks a rule; nothing has been written."""

    def __init__(self, issues: list[ImportIssue]):
        self.issues = issues
        head = "\n".join(str(i) for i in issues[:20])
        more = f"\n… and {len(issues) - 20} more" if len(issues) > 20 else ""
        super().__init__(f"import rejected, {len(issues)} problem(s), nothing changed:\n{head}{more}")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(i) for i in self.issues],
                            columns=["file", "sheet", "row", "column", "value", "rule", "message"])
