"""A report as an XLSX workbook: the same rows as the page, integers as numbers."""

from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from incentives.reports.queries import Report
from incentives.xlsx import append_row


def cell_value(column, value):
    """What goes in the sheet: integers stay integers; a percentage is its exact decimal."""
    if column.kind == "percent":
        return Decimal(value)
    if column.kind == "text":
        return str(value)
    return value


def report_workbook(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = report.key
    append_row(sheet, [str(report.title)])
    sheet["A1"].font = Font(bold=True)
    append_row(sheet, [str(c.label) for c in report.columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in report.rows:
        append_row(sheet, [cell_value(c, v) for c, v in zip(report.columns, row, strict=True)])
    if report.total is not None:
        append_row(sheet, [cell_value(c, v) for c, v in zip(report.columns, report.total, strict=True)])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for index, column in enumerate(report.columns, start=1):
        if column.kind == "percent":
            for (cell,) in sheet.iter_rows(min_row=3, min_col=index, max_col=index):
                cell.number_format = "0.0"
    if report.note:
        append_row(sheet, [])
        append_row(sheet, [str(report.note)])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
