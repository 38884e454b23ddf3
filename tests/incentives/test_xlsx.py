"""User-entered names reach XLSX exports as text, never as formulas."""

import io

from openpyxl import Workbook, load_workbook

from incentives.reports.queries import Column, Report
from incentives.reports.xlsx import report_workbook
from incentives.xlsx import append_row

TRAPS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]


def test_names_that_look_like_formulas_are_written_as_text():
    book = Workbook()
    sheet = book.active
    append_row(sheet, [*TRAPS, "大米", 3, None])
    append_row(sheet, [])
    append_row(sheet, ["=1+1"])
    out = io.BytesIO()
    book.save(out)

    rows = list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows())
    first = rows[0]
    assert [c.value for c in first] == [*TRAPS, "大米", 3]
    assert [c.data_type for c in first[:5]] == ["s"] * 5 and first[5].data_type == "n"
    assert (rows[-1][0].value, rows[-1][0].data_type) == ("=1+1", "s")


def test_a_report_with_a_formula_like_campaign_name_keeps_it_as_text():
    report = Report(
        key="campaigns", title="活动", columns=[Column("name", "活动", "text"), Column("points", "积分")],
        rows=[("=2*3", 5)], total=None,
    )
    sheet = load_workbook(io.BytesIO(report_workbook(report))).active
    name = sheet.cell(row=3, column=1)
    assert (name.value, name.data_type) == ("=2*3", "s")
    assert sheet.cell(row=3, column=2).value == 5
