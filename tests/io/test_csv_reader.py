"""A CSV's lines are read by Arrow where it can read them as pandas does (ten times faster on a
large file), else by pandas: on every kind of file a bureau keeps, the two give the same text in
the same cells, and Arrow is used wherever the table below its titles is regular."""

from __future__ import annotations

import pandas as pd
import pytest

from clusteratlas.io.readers import _arrow_body, _pandas_body

FILES = {
    "plain": ("企业代码,年份,产值\nF1,2005,12.5\nF2,2005,7\n", True),
    "titles_and_unit_line": ("2005年规模以上工业企业名录\n单位：万元\n企业代码,年份,产值\nF1,2005,12.5\n", True),
    "blank_lines": ("企业代码,年份,产值\nF1,2005,1\n\nF2,2005,2\n\n", True),
    "quoted_commas_and_newlines": ('名称,地址,产值\n"荆州四机厂","荆州区,东方大道",3\n"多行\n名称",x,4\n', True),
    "empty_cells_and_spaces": ("a,b,c\n , ,\n x ,y, z \n", True),
    "doubled_quotes": ('a,b\n"他说""好""",1\n', True),
    "semicolons": ("a;b;c\n1;2;3\n", True),
    "tabs": ("a\tb\tc\n1\t2\t3\n", True),
    "total_row": ("企业代码,产值\nF1,1\nF2,2\n合计,3\n", True),
    "a_short_line_below": ("a,b,c\n1,2,3\n4,5\n6,7,8\n", False),
    "one_column": ("名称\n甲\n乙\n", False),
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_arrow_reads_what_pandas_reads_and_is_used_where_the_table_is_regular(name):
    text, arrow_expected = FILES[name]
    sep = ";" if name == "semicolons" else "\t" if name == "tabs" else ","
    import csv
    import io

    width = max(len(r) for r in list(csv.reader(io.StringIO(text), delimiter=sep))[:12])
    by_pandas = _pandas_body(text, sep, width)
    by_arrow = _arrow_body(text, sep, width)
    assert (by_arrow is not None) == arrow_expected
    if by_arrow is not None:
        pd.testing.assert_frame_equal(by_arrow, by_pandas, check_dtype=True, check_column_type=False)


def test_a_large_regular_file_is_read_by_arrow_with_every_line(tmp_path):
    rows = ["企业代码,年份,工业总产值(万元)"] + [f"F{i:07d},{2001 + i % 20},{i * 0.5:.1f}" for i in range(200_000)]
    text = "示例县企业年报\n" + "\n".join(rows) + "\n"
    body = _arrow_body(text, ",", 3)
    assert body is not None and len(body) == 200_002
    assert body.iloc[0].tolist() == ["示例县企业年报", "", ""] and body.iloc[-1, 0] == "F0199999"
