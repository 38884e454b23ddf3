"""Forms: open a round, score one household, declare a recusal."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from incentives.appraisal.models import Cadence
from incentives.appraisal.scoring import MAX_SCORE
from incentives.appraisal.services import DEFAULT_CRITERIA, MAX_BONUS_POINTS, MAX_BONUS_TOP
from incentives.choices import choices

CRITERIA_ROWS = 8


def _plausible(form, field):
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("请填写正确的日期"))


class CriterionRow(Form):
    name = StringField(_l("评议内容"), validators=[Optional(), Length(max=50, message=_l("最多 50 字"))])
    weight = IntegerField(
        _l("权重"),
        validators=[Optional(), NumberRange(min=1, max=100, message=_l("权重为 1 到 100 的整数"))],
    )


class RoundForm(FlaskForm):
    cadence = SelectField(
        _l("评议周期"),
        choices=choices([(Cadence.MONTH.value, _l("按月")), (Cadence.QUARTER.value, _l("按季度"))]),
        validators=[InputRequired()],
    )
    day = DateField(
        _l("评议期间内的任一天"), validators=[InputRequired(_l("请填写日期")), _plausible]
    )
    criteria = FieldList(FormField(CriterionRow), min_entries=CRITERIA_ROWS, max_entries=CRITERIA_ROWS)
    bonus_top = IntegerField(
        _l("奖励前几名（0 为不奖励）"), default=0,
        validators=[InputRequired(_l("请填写奖励户数")),
                    NumberRange(min=0, max=MAX_BONUS_TOP, message=_l("奖励户数为 0 到 50"))],
    )
    bonus_points = IntegerField(
        _l("每户奖励积分"), default=0,
        validators=[InputRequired(_l("请填写奖励积分")),
                    NumberRange(min=0, max=MAX_BONUS_POINTS, message=_l("奖励积分为 0 到 1000"))],
    )

    def fill_defaults(self) -> None:
        for row, (name, weight) in zip(self.criteria.entries, DEFAULT_CRITERIA, strict=False):
            row.form.name.data = name
            row.form.weight.data = weight

    def criteria_data(self) -> list[tuple[str, int]]:
        rows = []
        for row in self.criteria.entries:
            name = (row.form.name.data or "").strip()
            if name:
                rows.append((name, row.form.weight.data or 0))
        return rows

    def validate_criteria(self, field):
        for row in field.entries:
            if (row.form.name.data or "").strip() and row.form.weight.data is None:
                raise ValidationError(_l("每项评议内容都要填写权重"))


SCORE_CHOICES = choices([(i, str(i)) for i in range(MAX_SCORE, -1, -1)])


def score_form(criteria, data: dict[int, int] | None = None) -> FlaskForm:
    """A form with one 0-10 choice per criterion, named ``c<criterion id>``."""

    class ScoreForm(FlaskForm):
        pass

    for c in criteria:
        setattr(ScoreForm, f"c{c.id}", SelectField(
            c.name, coerce=int, choices=SCORE_CHOICES,
            validators=[InputRequired(_l("请为这一项打分"))],
        ))
    form = ScoreForm(data={f"c{c}": v for c, v in (data or {}).items()})
    return form


def scores_of(form, criteria) -> dict[int, int]:
    return {c.id: form[f"c{c.id}"].data for c in criteria}


class RecusalForm(FlaskForm):
    member = SelectField(_l("评议委员"), coerce=int, validators=[InputRequired(_l("请选择评议委员"))])
    household_number = StringField(
        _l("须回避的户号"),
        validators=[InputRequired(_l("请填写户号")), Length(max=20, message=_l("户号最多 20 位"))],
    )
    reason = StringField(
        _l("回避原因（例如：表兄弟）"),
        validators=[InputRequired(_l("请填写回避原因")), Length(max=200, message=_l("最多 200 字"))],
    )


class CloseForm(FlaskForm):
    """Only the CSRF token: closing is one button."""
