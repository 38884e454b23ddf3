"""The printable household card (平安家庭积分卡): front and back, bank-card size, on an A4 page with
dashed lines to cut along (then folded and laminated). The QR code holds the card number only:
the PIN is never printed."""

from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import WrapMode

from incentives.pdf import new_pdf, qr_png
from incentives.places.models import Household
from redeem.card_models import HouseholdCard
from redeem.codes import format_card_number

CARD_W, CARD_H = 85.6, 54  # ISO/IEC 7810 ID-1, the size of a bank card
LEFT, TOP = 20, 20


def card_printout(card: HouseholdCard, household: Household) -> FPDF:
    pdf = new_pdf("P", "A4")
    pdf.set_title(_("平安家庭积分卡"))
    pdf.add_page()
    pdf.set_font("cjk", size=9)
    pdf.set_xy(LEFT, TOP - 9)
    pdf.cell(2 * CARD_W, 5, _("沿虚线剪下，正反面对折后塑封。密码请牢记，不要写在卡上。"))
    _outline(pdf, LEFT, TOP)
    _outline(pdf, LEFT + CARD_W, TOP)
    _front(pdf, card, household, LEFT, TOP)
    _back(pdf, card, LEFT + CARD_W, TOP)
    return pdf


def _outline(pdf: FPDF, x: float, y: float) -> None:
    pdf.set_draw_color(120)
    pdf.set_line_width(0.2)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=2, gap=1.5)
        pdf.rect(x, y, CARD_W, CARD_H)
    pdf.set_dash_pattern()


def _front(pdf: FPDF, card: HouseholdCard, household: Household, x: float, y: float) -> None:
    pdf.set_fill_color(190, 30, 45)
    pdf.rect(x, y, CARD_W, 11, style="F")
    pdf.set_text_color(255)
    pdf.set_xy(x, y + 2)
    pdf.set_font("cjk", "B", 14)
    pdf.cell(CARD_W, 7, _("平安家庭积分卡"), align="C")
    pdf.set_text_color(0)
    pdf.set_font("cjk", size=9)
    pdf.set_xy(x + 4, y + 14)
    pdf.cell(50, 5, household.village.name)
    pdf.set_xy(x + 4, y + 20)
    pdf.cell(50, 5, _("户主：%(name)s", name=household.head_name))
    pdf.set_xy(x + 4, y + 26)
    pdf.cell(50, 5, _("户号：%(number)s", number=household.number))
    pdf.set_xy(x + 4, y + 36)
    pdf.set_font("cjk", size=7)
    pdf.cell(50, 4, _("卡号"))
    pdf.set_xy(x + 4, y + 40)
    pdf.set_font("cjk", "B", 15)
    pdf.cell(52, 8, format_card_number(card.number))
    pdf.image(qr_png(card.number), x=x + CARD_W - 29, y=y + 14, w=26, h=26)


def _back(pdf: FPDF, card: HouseholdCard, x: float, y: float) -> None:
    pdf.set_font("cjk", "B", 10)
    pdf.set_xy(x + 4, y + 4)
    pdf.cell(CARD_W - 8, 6, _("使用说明"))
    pdf.set_font("cjk", size=8)
    pdf.set_xy(x + 4, y + 11)
    # CHAR: Chinese has no spaces to break at; wrap anywhere (fpdf's default wraps at spaces only).
    pdf.multi_cell(CARD_W - 8, 4.5, align="L", wrapmode=WrapMode.CHAR, text="\n".join([
        _("1. 在爱心超市出示本卡，并输入家庭密码，即可用本户积分兑换。"),
        _("2. 积分记在本户账上，不在卡里：卡丢了请到村委会挂失补办，积分不会丢失。"),
        _("3. 密码连续输错 5 次，卡会锁定 15 分钟；一天内锁定 3 次，须到村委会重设密码。"),
    ]))
    pdf.set_xy(x + 4, y + CARD_H - 8)
    pdf.set_font("cjk", size=7)
    pdf.cell(CARD_W - 8, 4, _("发卡日期 %(date)s", date=format_date(card.issued_at, "yyyy-MM-dd")))
