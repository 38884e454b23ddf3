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


def new_pdf(orientation: str = "P", format: str = "A4") -> FPDF:
    """An empty document in millimetres with the Chinese font set as family ``cjk``.

    The one font file serves for ``B`` as well: headings are set apart by size, and a second
    (bold) font would double every download for little gain on a notice board.
    """
    pdf = FPDF(orientation=orientation, unit="mm", format=format)
    pdf.set_auto_page_break(auto=False)
    pdf.set_creator("积分超市")
    font = current_app.config.get("PDF_FONT_FILE") or FONT_FILE
    for style in ("", "B"):
        pdf.add_font(FONT_FAMILY, style, font)
        pdf.add_font(RARE_FONT_FAMILY, style, RARE_FONT_FILE)
    pdf.set_fallback_fonts([RARE_FONT_FAMILY])
    pdf.set_font(FONT_FAMILY, size=12)
    return pdf


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
