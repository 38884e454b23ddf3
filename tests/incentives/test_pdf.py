"""The PDF helper embeds our Chinese font: the text comes back out and the page is not blank."""

import pypdfium2 as pdfium

from incentives.pdf import new_pdf, pdf_response, qr_png


def render(data: bytes):
    document = pdfium.PdfDocument(data)
    page = document[0]
    text = page.get_textpage().get_text_range()
    image = page.render(scale=1).to_pil().convert("L")
    return text, image


def test_chinese_text_and_a_qr_code_print(app):
    with app.test_request_context():
        pdf = new_pdf()
        pdf.add_page()
        pdf.set_font("cjk", "B", 20)
        pdf.cell(text="平安家庭积分卡 张*明 No.12")
        pdf.image(qr_png("https://example.org/c/ABC"), x=20, y=40, w=40)
        response = pdf_response(pdf, "card.pdf")

    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="card.pdf"'
    text, image = render(response.get_data())
    assert "平安家庭积分卡 张*明 No.12" in text
    # The QR code's square is mostly dark and light modules: the page is not blank.
    qr_area = image.crop((60, 115, 170, 225))
    assert qr_area.getextrema() == (0, 255)


def test_the_font_is_embedded_not_referenced(app):
    with app.test_request_context():
        pdf = new_pdf()
        pdf.add_page()
        pdf.cell(text="积分")
        data = bytes(pdf.output())
    assert b"/FontFile3" in data or b"/FontFile2" in data
    # Only the glyphs used: the document stays small however big the font file is.
    assert len(data) < 50_000


def test_rare_characters_in_names_print(app):
    # 䶮 (CJK Extension A) and 𠮷 (Extension B) are outside GBK: they come from the fallback font.
    name = "王䶮 𠮷田 张三"
    with app.test_request_context():
        pdf = new_pdf()
        pdf.add_page()
        pdf.set_font("cjk", "B", 20)
        pdf.cell(text=name)
        text, image = render(bytes(pdf.output()))
    assert name in text
