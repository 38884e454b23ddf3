"""Reading a household roster spreadsheet (CSV in UTF-8 or GBK, or XLSX) into rows of text.

Villages keep their rosters in Excel with Chinese headers; Excel on Chinese Windows saves CSV
in GBK. Headers are matched by their usual names, so column order does not matter.
"""

import csv
import io
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

MAX_ROWS = 5000

# Field -> the header names villages use for it.
HEADERS = {
    "number": ("户号", "户编号", "户籍编号"),
    "head_name": ("户主姓名", "户主", "姓名"),
    "id_number": ("身份证号", "身份证号码", "户主身份证号", "公民身份号码"),
    "id_last4": ("身份证号后四位", "身份证后四位", "身份证后4位"),
    "phone": ("手机号", "手机号码", "手机", "联系电话", "电话"),
    "grid": ("网格", "所属网格", "网格名称"),
    "members": ("家庭成员", "成员", "其他成员"),
    "address": ("住址", "地址", "门牌号"),
}


class RosterFileError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class RosterRow:
    line: int  # the spreadsheet's own row number, header = 1
    values: dict[str, str]


def read_roster(filename: str, data: bytes) -> list[RosterRow]:
    """The non-empty rows of the file, with values by field name. Raises RosterFileError."""
    name = (filename or "").lower()
    if name.endswith(".xls"):
        raise RosterFileError(_l("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV"))
    if name.endswith(".xlsx") or data[:2] == b"PK":
        table = _xlsx_rows(data)
    else:
        table = list(csv.reader(io.StringIO(_decode(data))))
    if not table:
        raise RosterFileError(_l("文件是空的"))
    columns = _columns(table[0])
    rows = []
    for index, cells in enumerate(table[1:], start=2):
        values = {
            field: (cells[col] if col < len(cells) else "").strip() for field, col in columns.items()
        }
        if any(values.values()):
            rows.append(RosterRow(index, values))
    if not rows:
        raise RosterFileError(_l("文件里没有住户数据"))
    if len(rows) > MAX_ROWS:
        raise RosterFileError(_l("一次最多导入 %(n)s 行，请分批导入", n=MAX_ROWS))
    return rows


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # gb18030 reads everything GBK and GB2312 wrote
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError(_l("无法识别文件编码，请在 Excel 中另存为“CSV UTF-8”或 .xlsx 后再导入"))


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise RosterFileError(_l("无法读取该 Excel 文件，请确认是 .xlsx 格式")) from exc
    sheet = workbook.worksheets[0]
    rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel turns 13800000000 into 13800000000.0
    return str(value)


def _columns(header: list[str]) -> dict[str, int]:
    cleaned = [str(h or "").strip().replace(" ", "") for h in header]
    columns = {}
    for field, names in HEADERS.items():
        for name in names:
            if name in cleaned:
                columns[field] = cleaned.index(name)
                break
    if "head_name" not in columns:
        raise RosterFileError(_l("缺少“户主姓名”列（第 1 行应为表头）"))
    if not {"number", "id_number", "id_last4"} & columns.keys():
        raise RosterFileError(_l("需要“户号”“身份证号”或“身份证号后四位”中的至少一列，用来识别住户"))
    return columns
