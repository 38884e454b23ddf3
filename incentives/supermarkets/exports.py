"""The monthly reconciliation as an XLSX workbook for funders (openpyxl, in memory)."""

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from incentives.xlsx import append_row
from redeem.reconciliation import MonthReport


def reconciliation_xlsx(report: MonthReport) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("对账")
    bold = Font(bold=True)
    append_row(sheet, [_("%(name)s %(year)s年%(month)s月对账", name=report.supermarket.name,
                    year=report.year, month=report.month)])
    sheet["A1"].font = bold
    append_row(sheet, [])
    header = [_("商品"), _("单位"), _("期初库存"), _("捐赠入库"), _("兑换出库"), _("盘点调整"),
              _("期末库存"), _("兑换积分")]
    append_row(sheet, header)
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for line in report.lines:
        append_row(sheet, [line.name, line.unit, line.opening, line.donated, line.redeemed, line.adjusted,
                      line.closing, line.points])
    totals = report.totals
    append_row(sheet, [_("合计"), "", totals.opening, totals.donated, totals.redeemed, totals.adjusted,
                  totals.closing, totals.points])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    append_row(sheet, [])
    append_row(sheet, [_("兑换单数"), report.checkouts])
    append_row(sheet, [_("兑换单积分合计"), report.points_from_receipts])
    append_row(sheet, [_("账本记录的收到积分"), report.points_from_ledger])
    append_row(sheet, [_("捐赠价值（元）"), report.donation_value_fen / 100])
    append_row(sheet, [_("核对结果"), _("一致") if report.ties_out else _("不一致，请检查")])
    sheet.column_dimensions["A"].width = 24
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
