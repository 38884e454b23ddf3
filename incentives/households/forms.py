"""The roster upload form and the correction (冲正) form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from incentives.awards.corrections import MAX_REASON


class RosterForm(FlaskForm):
    roster = FileField(
        _l("花名册文件（.xlsx 或 .csv）"), validators=[FileRequired(_l("请选择要导入的文件"))]
    )


class CorrectionForm(FlaskForm):
    """冲正: why the entry was wrong; the key makes a double-submitted form reverse once."""

    reason = StringField(_l("冲正原因"), validators=[
        DataRequired(_l("请写明冲正原因")),
        Length(max=MAX_REASON, message=_l("原因最多 %(n)s 字", n=MAX_REASON)),
    ])
    key = HiddenField(validators=[DataRequired(), Length(max=100)])
