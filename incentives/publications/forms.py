"""Forms of the publications pages: an erratum's reason, and the village's settings."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from incentives.publications.services import MAX_NOTICE_DAYS, REASON_LENGTH


class ErratumForm(FlaskForm):
    reason = TextAreaField(
        _l("更正原因（会和更正一起公布）"),
        validators=[DataRequired(_l("请填写更正的原因。")),
                    Length(max=REASON_LENGTH, message=_l("更正原因最多 %(n)s 字。", n=REASON_LENGTH))],
    )


class SettingsForm(FlaskForm):
    show_full_names = BooleanField(_l("光荣榜显示全名（不勾选则显示为 张*明）"))
    expire_yearly = BooleanField(_l("每年 12 月 31 日清零家庭积分"))
    expiry_notice_days = IntegerField(
        _l("提前几天提醒村民清零"),
        default=30,
        validators=[
            InputRequired(_l("请填写提前提醒的天数。")),
            NumberRange(
                0, MAX_NOTICE_DAYS,
                message=_l("提前提醒天数须在 0 到 %(max)s 之间。", max=MAX_NOTICE_DAYS),
            ),
        ],
    )
