"""The roster upload form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class RosterForm(FlaskForm):
    roster = FileField(
        _l("花名册文件（.xlsx 或 .csv）"), validators=[FileRequired(_l("请选择要导入的文件"))]
    )
