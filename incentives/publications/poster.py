"""The printable poster of a publication: A4 or A3, for the village notice board.

Large type and few words: the village and period at the top, the lists, and at the foot a QR code
to the public page with the ledger head the figures were counted at, so anyone can check them.
"""

from flask_babel import gettext as _
from fpdf import FPDF

from incentives.filters import local_time
from incentives.pdf import new_pdf, qr_png, set_font
from incentives.publications.models import Publication, PublicationKind

WIDTH = 210
MARGIN = 15
INNER = WIDTH - 2 * MARGIN
FOOTER_TOP = 240  # mm: below this, only the footer
RED = (196, 30, 36)
GOLD = (255, 236, 179)
GREY = (90, 90, 90)
MAX_SAFE_FAMILY_NAMES = 40


def render_poster(publication: Publication, url: str, paper: str = "A4") -> FPDF:
    """The poster of ``publication`` on ``paper`` (A4 or A3: the same layout, scaled); ``url``
    (its public page) goes into the QR code."""
    data = publication.content
    pdf = new_pdf("P", "A4", paper=paper)
    pdf.set_title(publication.title)
    pdf.add_page()
    _header(pdf, publication, data)
    kind = PublicationKind(publication.kind)
    if kind == PublicationKind.HONOUR_ROLL:
        _honour_roll(pdf, data)
    elif kind == PublicationKind.VILLAGE_RANKING:
        _village_ranking(pdf, data)
    else:
        _appraisal(pdf, data)
    _footer(pdf, publication, url)
    return pdf


def _header(pdf: FPDF, publication: Publication, data: dict) -> None:
    pdf.set_fill_color(*RED)
    pdf.rect(0, 0, WIDTH, 52, style="F")
    pdf.set_text_color(255, 255, 255)
    region = data["region"]
    place = region["name"] if not region.get("parent") else f"{region['parent']} · {region['name']}"
    pdf.set_xy(MARGIN, 8)
    set_font(pdf, 16)
    pdf.cell(INNER, 9, place, align="C")
    pdf.set_xy(MARGIN, 18)
    set_font(pdf, 34, "B")
    pdf.cell(INNER, 16, publication.kind_label, align="C")
    pdf.set_xy(MARGIN, 37)
    set_font(pdf, 16)
    period = data["period"]["label"]
    if publication.revision:
        period += " · " + _("更正第 %(n)s 版", n=publication.revision)
    pdf.cell(INNER, 9, period, align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_y(60)


def _section(pdf: FPDF, title: str, note: str = "") -> None:
    _room(pdf, 24)
    pdf.set_x(MARGIN)
    pdf.set_fill_color(*GOLD)
    set_font(pdf, 18, "B")
    pdf.cell(INNER, 11, "  " + title, fill=True, new_x="LMARGIN", new_y="NEXT")
    if note:
        pdf.set_x(MARGIN)
        set_font(pdf, 10)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(INNER, 5, note, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(2)


def _table(pdf: FPDF, columns: list[tuple[str, float, str]], rows: list[list[str]], size: int = 15) -> None:
    """``columns``: (heading, width in mm, align)."""
    line = size * 0.55
    set_font(pdf, 11)
    pdf.set_text_color(*GREY)
    pdf.set_x(MARGIN)
    for heading, width, align in columns:
        pdf.cell(width, 7, heading, align=align)
    pdf.ln(7)
    pdf.set_text_color(0, 0, 0)
    set_font(pdf, size)
    for row in rows:
        if _room(pdf, line):
            set_font(pdf, size)
        pdf.set_x(MARGIN)
        for (_heading, width, align), text in zip(columns, row, strict=True):
            pdf.cell(width, line, str(text), align=align)
        pdf.ln(line)
    pdf.ln(3)


def _room(pdf: FPDF, needed: float) -> bool:
    """Start a new page when ``needed`` mm would run into the footer; True if it did."""
    if pdf.get_y() + needed <= FOOTER_TOP:
        return False
    pdf.add_page()
    pdf.set_y(MARGIN)
    return True


def _hours(minutes: int) -> str:
    whole, rest = divmod(int(minutes), 60)
    return _("%(h)s小时%(m)s分", h=whole, m=rest) if rest else _("%(h)s小时", h=whole)


def _column(pdf: FPDF, x: float, y: float, width: float, title: str, note: str,
            columns: list[tuple[str, float, str]], rows: list[list], size: int = 14) -> float:
    """A titled list in a column of the page at (x, y); returns the y below it."""
    pdf.set_xy(x, y)
    pdf.set_fill_color(*GOLD)
    set_font(pdf, 17, "B")
    pdf.cell(width, 10, "  " + title, fill=True)
    pdf.set_xy(x, y + 11)
    set_font(pdf, 9)
    pdf.set_text_color(*GREY)
    pdf.cell(width, 5, note)
    y += 17
    if not rows:
        pdf.set_text_color(0, 0, 0)
        set_font(pdf, 13)
        pdf.set_xy(x, y)
        pdf.cell(width, 8, _("本期暂无。"))
        return y + 10
    pdf.set_xy(x, y)
    for heading, w, align in columns:
        pdf.cell(w, 6, heading, align=align)
    y += 7
    pdf.set_text_color(0, 0, 0)
    set_font(pdf, size)
    line = size * 0.52
    for row in rows:
        pdf.set_xy(x, y)
        for (_heading, w, align), text in zip(columns, row, strict=True):
            pdf.cell(w, line, str(text), align=align)
        y += line
    return y + 4


def _honour_roll(pdf: FPDF, data: dict) -> None:
    # Two columns side by side, so a whole roll fits one A4 sheet above the footer.
    township = data["scope"] == "township"
    half = (INNER - 8) / 2
    size = 12 if township else 15
    name_w = 24 if township else 40
    village_w = 22 if township else 0

    def layout(value_heading: str) -> list[tuple[str, float, str]]:
        cols = [(_("名次"), 12, "C"), (_("姓名"), name_w, "L")]
        if township:
            cols.append((_("村（社区）"), village_w, "L"))
        cols.append((value_heading, half - 12 - name_w - village_w, "R"))
        return cols

    def cells(row: dict, value: str) -> list:
        return [row["rank"], row["name"], *([row["village"]] if township else []), value]

    top = pdf.get_y()
    left = _column(pdf, MARGIN, top, half, _("积分之星"), _("按本期获得的积分排名（不是余额）"),
                   layout(_("本期积分")), [cells(r, f"{r['points']:,}") for r in data["top_households"]],
                   size)
    right = _column(pdf, MARGIN + half + 8, top, half, _("志愿之星"), _("按本期志愿服务时长排名"),
                    layout(_("服务时长")), [cells(r, _hours(r["minutes"])) for r in data["volunteers"]],
                    size)
    pdf.set_y(max(left, right) + 2)

    rule = _("本期无扣分，且“平安家庭”类积分不少于 %(n)s 分的家庭。",
             n=data["rules"]["safe_family_min_points"])
    _section(pdf, _("平安家庭"), rule)
    if township:
        _table(pdf, [(_("村（社区）"), 120, "L"), (_("平安家庭户数"), INNER - 120, "R")],
               [[c["village"], c["count"]] for c in data["safe_family_counts"]])
    elif data["safe_families"]:
        names = [r["name"] for r in data["safe_families"]]
        text = "　".join(names[:MAX_SAFE_FAMILY_NAMES])
        if len(names) > MAX_SAFE_FAMILY_NAMES:
            text += "　" + _("等 %(n)s 户", n=len(names))
        set_font(pdf, 15)
        pdf.set_x(MARGIN)
        pdf.multi_cell(INNER, 8, text, align="L", new_x="LMARGIN", new_y="NEXT")
    else:
        _empty(pdf)


def _village_ranking(pdf: FPDF, data: dict) -> None:
    _section(pdf, _("村（社区）积分参与排名"),
             _("按获得积分的户数占比排名，占比相同时按户均积分。"))
    _table(pdf, [
        (_("名次"), 16, "C"), (_("村（社区）"), 54, "L"), (_("参与户/总户"), 40, "R"),
        (_("参与率"), 26, "R"), (_("户均积分"), INNER - 136, "R"),
    ], [
        [r["rank"], r["village"], f"{r['participants']}/{r['households']}",
         f"{r['share_permille'] / 10:.1f}%", f"{r['points_per_household']:,}"]
        for r in data["villages"]
    ], size=14)


def _appraisal(pdf: FPDF, data: dict) -> None:
    _section(pdf, _("道德评议结果"), data.get("method") or "")
    _table(pdf, [(_("名次"), 20, "C"), (_("户主"), 100, "L"), (_("得分"), INNER - 120, "R")],
           [[r["rank"], r["name"], r["score"]] for r in data["rows"]])


def _empty(pdf: FPDF) -> None:
    set_font(pdf, 13)
    pdf.set_x(MARGIN)
    pdf.cell(INNER, 8, _("本期暂无。"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _footer(pdf: FPDF, publication: Publication, url: str) -> None:
    # The footer goes on the last page, at the same place on every poster.
    top = 247
    pdf.set_draw_color(*RED)
    pdf.line(MARGIN, top - 3, WIDTH - MARGIN, top - 3)
    pdf.image(qr_png(url, box_size=8), x=WIDTH - MARGIN - 36, y=top, w=36)
    pdf.set_xy(MARGIN, top)
    set_font(pdf, 13, "B")
    pdf.cell(INNER - 40, 7, _("扫码查看网上公示，可核对账本"), new_x="LMARGIN", new_y="NEXT")
    set_font(pdf, 9)
    pdf.set_text_color(*GREY)
    lines = [
        url,
        _("发布时间：%(t)s", t=local_time(publication.published_at)),
        _("统计至账本第 %(id)s 条，哈希 %(hash)s", id=publication.head_entry_id,
          hash=publication.head_hash[:16] or "-"),
        _("公告摘要 %(digest)s", digest=publication.digest[:16]),
    ]
    for line in lines:
        pdf.set_x(MARGIN)
        pdf.multi_cell(INNER - 40, 5, line, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
