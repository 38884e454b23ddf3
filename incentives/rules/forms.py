"""Forms to publish a rule, revise its value, or set a village's own value."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from incentives.choices import choices
from incentives.rules.models import CATEGORY_LABELS, CapPeriod, Per

PERIODS = choices([(CapPeriod.NONE.value, _l("不封顶")), (CapPeriod.MONTH.value, _l("每月")),
                   (CapPeriod.YEAR.value, _l("每年"))])
PER = choices([(Per.OCCURRENCE.value, _l("每次")), (Per.HOUR.value, _l("每小时"))])
CATEGORIES = choices((category.value, label) for category, label in CATEGORY_LABELS.items())
POINTS = NumberRange(min=-10_000, max=10_000, message=_l("分值须在 -10000 到 10000 之间"))


class RuleForm(FlaskForm):
    name = StringField(_l("细则名称"), validators=[DataRequired(_l("请填写细则名称")), Length(max=100)])
    category = SelectField(_l("类别"), choices=CATEGORIES)
    points = IntegerField(_l("分值（扣分填负数）"), validators=[DataRequired(_l("请填写分值")), POINTS])
    per = SelectField(_l("计分方式"), choices=PER)
    cap_period = SelectField(_l("封顶周期"), choices=PERIODS)
    cap_points = IntegerField(_l("每户封顶分值"), validators=[Optional(), NumberRange(min=1)])
    village_min = IntegerField(_l("村级可调最低分"), validators=[Optional(), POINTS])
    village_max = IntegerField(_l("村级可调最高分"), validators=[Optional(), POINTS])
    evidence_required = BooleanField(_l("需要照片证明"))
    approval_required = BooleanField(_l("需要审核"), default=True)
    self_report = BooleanField(_l("村民可自行申报"), default=True)


class PointsForm(FlaskForm):
    points = IntegerField(_l("新分值"), validators=[DataRequired(_l("请填写分值")), POINTS])
