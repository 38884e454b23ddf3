"""The printable A4 sheet of credits: a grid of cut-out coupons, each with its QR code (our claim
page for the code), the code for typing by hand, the value, the expiry and the batch."""

import qrcode
from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF

from incentives.pdf import new_pdf
from redeem.codes import format_credit_code
from redeem.credit_models import Credit, CreditBatch
from redeem.credits import claim_url

COLUMNS, ROWS = 3, 5
MARGIN = 10  # mm: inside what every office printer can print
HEADER = 6  # mm above the grid for the batch line
QR_SIZE = 30


def credit_sheet(batch: CreditBatch, credits: list[Credit], base_url: str) -> FPDF:
    """A4 pages of ``credits``, COLUMNS x ROWS to a page, with dashed lines to cut along."""
    pdf = new_pdf("P", "A4")
    pdf.set_title(_("积分券 第 %(id)s 批", id=batch.id))
    width = (pdf.w - 2 * MARGIN) / COLUMNS
    height = (pdf.h - 2 * MARGIN - HEADER) / ROWS
    per_page = COLUMNS * ROWS
    pages = max(1, -(-len(credits) // per_page))
    expires = format_date(batch.expires_on, "yyyy-MM-dd")
    for page in range(pages):
        pdf.add_page()
        pdf.set_font("cjk", size=8)
        pdf.set_xy(MARGIN, MARGIN - 1)
        pdf.cell(pdf.w - 2 * MARGIN, HEADER - 1, _(
            "积分券 第 %(id)s 批 · %(name)s · 每张 %(points)s 分 · 第 %(page)s/%(pages)s 页 · 沿虚线剪开",
            id=batch.id, name=batch.name, points=batch.points, page=page + 1, pages=pages,
        ))
        top = MARGIN + HEADER
        _cut_lines(pdf, top, width, height)
        for index, credit in enumerate(credits[page * per_page : (page + 1) * per_page]):
            row, column = divmod(index, COLUMNS)
            _coupon(pdf, batch, credit, MARGIN + column * width, top + row * height, width,
                    expires, base_url)
    return pdf


def _cut_lines(pdf: FPDF, top: float, width: float, height: float) -> None:
    pdf.set_draw_color(150)
    pdf.set_line_width(0.2)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=2, gap=1.5)
        for column in range(COLUMNS + 1):
            x = MARGIN + column * width
            pdf.line(x, top, x, top + ROWS * height)
        for row in range(ROWS + 1):
            y = top + row * height
            pdf.line(MARGIN, y, MARGIN + COLUMNS * width, y)
    pdf.set_dash_pattern()


def _coupon(pdf: FPDF, batch: CreditBatch, credit: Credit, x: float, y: float, width: float,
            expires: str, base_url: str) -> None:
    draw_qr(pdf, claim_url(base_url, credit.code), x + 2, y + 2, QR_SIZE)
    right = x + QR_SIZE + 4
    side = width - QR_SIZE - 6
    pdf.set_xy(right, y + 4)
    pdf.set_font("cjk", "B", 11)
    pdf.cell(side, 6, _("积分券"), align="C")
    pdf.set_xy(right, y + 11)
    pdf.set_font("cjk", "B", 22)
    pdf.cell(side, 10, str(batch.points), align="C")
    pdf.set_xy(right, y + 21)
    pdf.set_font("cjk", size=9)
    pdf.cell(side, 5, _("分"), align="C")
    pdf.set_xy(right, y + 26)
    pdf.set_font("cjk", size=6.5)
    pdf.cell(side, 4, _("手机扫码领取"), align="C")
    pdf.set_xy(x + 2, y + QR_SIZE + 3)
    pdf.set_font("cjk", "B", 13)
    pdf.cell(width - 4, 6, format_credit_code(credit.code), align="C")
    pdf.set_xy(x + 2, y + QR_SIZE + 10)
    pdf.set_font("cjk", size=8)
    pdf.cell(width - 4, 4, _("有效期至 %(date)s · 仅限使用一次", date=expires), align="C")
    pdf.set_xy(x + 2, y + QR_SIZE + 14.5)
    pdf.set_font("cjk", size=7)
    label = _("第 %(id)s 批 · %(name)s", id=batch.id, name=batch.name)
    while pdf.get_string_width(label) > width - 4 and len(label) > 4:
        label = label[:-2] + "…"
    pdf.cell(width - 4, 4, label, align="C")


def draw_qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """A QR code drawn as filled rectangles (one per run of dark modules in a row): sharp at any
    printer resolution, and a thousand of them take seconds where images would take minutes.
    The mask is fixed rather than chosen by trying all eight: any mask scans, and the trial is
    most of the cost of making a code."""
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=2)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    quiet = 1  # modules of white margin inside ``size``; the coupon's own white does the rest
    module = size / (len(matrix) + 2 * quiet)
    runs = []
    for row, cells in enumerate(matrix):
        top = y + (row + quiet) * module
        column = 0
        while column < len(cells):
            if not cells[column]:
                column += 1
                continue
            start = column
            while column < len(cells) and cells[column]:
                column += 1
            runs.append((x + (start + quiet) * module, top, (column - start) * module))
    pdf.set_fill_color(0)
    # One path of all the runs, filled once: what pdf.rect() writes per rectangle, without its
    # per-call overhead (a sheet has hundreds of thousands of runs).
    k, height = pdf.k, pdf.h
    pdf._out(" ".join(
        f"{left * k:.2f} {(height - top) * k:.2f} {width * k:.2f} {-module * k:.2f} re"
        for left, top, width in runs
    ) + " f")
