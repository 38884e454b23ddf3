"""Forms to launch a campaign and to award in one."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from incentives.choices import NOT_OFFERED
from incentives.rules.forms import CATEGORIES, PER


class CampaignForm(FlaskForm):
    name = StringField(_l("活动名称"), validators=[DataRequired(_l("请填写活动名称")), Length(max=100)])
    sponsor = StringField(_l("资助方"), validators=[DataRequired(_l("请填写资助方")), Length(max=100)])
    starts_on = DateField(_l("开始日期"), validators=[DataRequired(_l("请填写开始日期"))])
    ends_on = DateField(_l("结束日期"), validators=[DataRequired(_l("请填写结束日期"))])
    budget = IntegerField(
        _l("积分预算"), validators=[DataRequired(_l("请填写预算")), NumberRange(min=1, max=10_000_000)]
    )
    villages = SelectMultipleField(_l("参加的村（可多选）"), coerce=int, invalid_choice_message=NOT_OFFERED,
                                   validators=[DataRequired(_l("请至少选择一个村"))])
    rule_name = StringField(
        _l("活动细则名称"), validators=[DataRequired(_l("请填写细则名称")), Length(max=100)]
    )
    rule_category = SelectField(
        _l("类别"), choices=CATEGORIES
    )
    rule_points = IntegerField(
        _l("分值"), validators=[DataRequired(_l("请填写分值")), NumberRange(min=1, max=10_000)]
    )
    rule_per = SelectField(_l("计分方式"), choices=PER)
    rule_cap = IntegerField(_l("每户封顶（可不填）"), validators=[Optional(), NumberRange(min=1)])


class CampaignAwardForm(FlaskForm):
    village = SelectField(_l("村"), coerce=int)
    household_number = StringField(_l("户号"), validators=[DataRequired(_l("请填写户号")), Length(max=20)])
    rule = SelectField(_l("细则"), coerce=int)
    quantity = IntegerField(
        _l("数量（次数，或分钟）"), default=1,
        validators=[DataRequired(_l("请填写数量")), NumberRange(min=1, max=10_000)],
    )
