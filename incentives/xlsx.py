"""Writing user-entered text into XLSX sheets as text, never as a formula.

openpyxl stores any string that starts with ``=`` as a formula, so a goods or campaign name like
``=HYPERLINK(...)`` would run in the funder's spreadsheet. Every exporter appends its rows through
:func:`append_row`.
"""

from collections.abc import Iterable

from flask import Response
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text_cell(sheet: Worksheet, value: str) -> Cell:
    """A cell that holds ``value`` as a plain string, whatever it starts with."""
    cell = Cell(sheet)
    cell.value = value
    cell.data_type = "s"  # after the value: setting it would make "=..." a formula again
    return cell


def append_row(sheet: Worksheet, values: Iterable) -> None:
    """Append ``values`` as the sheet's next row; a string a spreadsheet could take for a formula
    goes in as text."""
    sheet.append([
        text_cell(sheet, value) if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value
        for value in values
    ])


def xlsx_response(data: bytes, filename: str) -> Response:
    """A workbook as a download named ``filename``."""
    return Response(data, mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
