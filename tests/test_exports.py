"""The generic CSV writer."""
from datetime import date
from decimal import Decimal

from society.services.platform.exports import csv_lines


def test_csv_lines_writes_a_header_then_rows_with_plain_values():
    lines = list(csv_lines(["a", "b", "c", "d"], [[date(2026, 1, 2), None, Decimal("4.50"), True], ["x,y", 'q"', 1, False]]))
    assert lines == ["a,b,c,d\r\n", "2026-01-02,,4.50,yes\r\n", '"x,y","q""",1,no\r\n']


def test_cells_a_spreadsheet_would_run_as_formulas_are_defused():
    (_header, line) = list(csv_lines(["v"] * 5, [["=HYPERLINK(1)", "@SUM(A1)", "+46 70 123 45 67", "-12.5", "-cmd|x"]]))
    assert line == "'=HYPERLINK(1),'@SUM(A1),+46 70 123 45 67,-12.5,'-cmd|x\r\n"
