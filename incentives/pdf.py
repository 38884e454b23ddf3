"""PDF documents for printing (household cards, credit sheets, notice-board posters).

fpdf2 lays the pages out from our own code and embeds only the glyphs a document uses, from a
Chinese font we ship in ``static/fonts/`` (village printers and PDF readers often have no Chinese
font, and system fonts differ from machine to machine). The font is Noto Sans CJK SC cut down to
the GBK character set, which covers the names on village rosters; it was made with::

    from fontTools import subset
    from fontTools.ttLib import TTCollection
    font = TTCollection("NotoSansCJK-Regular.ttc").fonts[2]  # the SC face
    chars = {ord(c) for c in map(chr, range(0x20, 0x7F))} | <every character GBK can encode>
    subsetter = subset.Subsetter(subset.Options(name_IDs=["*"], layout_features=[], hinting=False))
    subsetter.populate(unicodes=chars); subsetter.subset(font); font.save("NotoSansSC-GBK.otf")

Names with rare characters (生僻字, in CJK Extension A/B and beyond, outside GBK) would print as
nothing with that font alone, so the rest of the SC face's ideographs -- those in U+3400-4DBF,
4E00-9FFF, F900-FAFF and 20000-3FFFF that GBK lacks, 9,366 of them -- are a second file,
``NotoSansSC-Rare.otf``, made the same way from those code points and set as the fallback font.
"""

import io
from pathlib import Path

import qrcode
from flask import current_app, make_response
from fpdf import FPDF

FONT_FAMILY = "cjk"
FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT_FILE = FONTS / "NotoSansSC-GBK.otf"
RARE_FONT_FAMILY = "cjk-rare"
RARE_FONT_FILE = FONTS / "NotoSansSC-Rare.otf"


POINTS_PER_MM = 72 / 25.4
# Paper sizes a layout drawn in A4 millimetres can be printed on, as the factor every length
# grows by (A3 is A4 scaled by the square root of two).
PAPER_SCALES = {"A4": 1.0, "A3": 2**0.5}


def new_pdf(orientation: str = "P", format: str = "A4", paper: str | None = None) -> FPDF:
    """An empty document in millimetres with the Chinese font set as family ``cjk``.

    With ``paper`` (a key of :data:`PAPER_SCALES`), an A4 layout fills that paper: the page is
    210 x 297 units whose unit is a millimetre scaled to the paper, so the layout is drawn once,
    in A4 millimetres, and font sizes set through :func:`set_font` grow with it.

    The one font file serves for ``B`` as well: headings are set apart by size, and a second
    (bold) font would double every download for little gain on a notice board.
    """
    if paper is None:
        pdf = FPDF(orientation=orientation, unit="mm", format=format)
    else:
        if format != "A4":
            raise ValueError("only an A4 layout can be scaled to other paper")
        pdf = FPDF(orientation=orientation, unit=POINTS_PER_MM * PAPER_SCALES[paper], format=(210, 297))
        # fpdf2 sets its default margins, cell padding and line width in real millimetres: give
        # them their A4 values in the layout's units, so they grow with the rest.
        a4 = FPDF(orientation=orientation, unit="mm", format=format)
        pdf.set_margins(a4.l_margin, a4.t_margin, a4.r_margin)
        pdf.c_margin, pdf.line_width = a4.c_margin, a4.line_width
    pdf.set_auto_page_break(auto=False)
    pdf.set_creator("积分超市")
    font = current_app.config.get("PDF_FONT_FILE") or FONT_FILE
    pdf.add_font(FONT_FAMILY, "", font)
    pdf.add_font(FONT_FAMILY, "B", font)
    # Rare characters are few: one style of the fallback serves headings too (each add_font
    # parses the file again).
    pdf.add_font(RARE_FONT_FAMILY, "", RARE_FONT_FILE)
    pdf.set_fallback_fonts([RARE_FONT_FAMILY], exact_match=False)
    pdf.set_font(FONT_FAMILY, size=12)
    return pdf


def set_font(pdf: FPDF, size: float, style: str = "") -> None:
    """Set the Chinese font at ``size`` points of the A4 layout, scaled with the page's unit."""
    pdf.set_font(FONT_FAMILY, style, size * pdf.k / POINTS_PER_MM)


def qr_png(data: str, box_size: int = 10) -> io.BytesIO:
    """A QR code as PNG bytes, for ``pdf.image(...)`` (pages on screen use the SVG in qr.py)."""
    image = qrcode.make(data, box_size=box_size, border=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def pdf_response(pdf: FPDF, filename: str, download: bool = False):
    """``pdf`` as an HTTP response; shown inline so a phone opens it, unless ``download``."""
    response = make_response(bytes(pdf.output()))
    response.headers["Content-Type"] = "application/pdf"
    disposition = "attachment" if download else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
