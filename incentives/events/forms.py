"""Forms for creating an event, checking people in by name and adjusting their minutes."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from incentives.events.services import MAX_CAPACITY


def _plausible(form, field):
    # Far-off years are typing slips, and year 1 cannot even be turned into UTC.
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("请填写正确的日期和时间"))


class EventForm(FlaskForm):
    title = StringField(
        _l("活动名称（例如：周六河道清理）"),
        validators=[DataRequired(_l("请写上活动名称")), Length(max=100, message=_l("最多 100 字"))],
    )
    place = StringField(
        _l("活动地点"),
        validators=[DataRequired(_l("请填写活动地点")), Length(max=100, message=_l("最多 100 字"))],
    )
    # Local wall-clock time as the organiser types it; the view turns it into UTC.
    starts_at = DateTimeLocalField(
        _l("开始时间"), format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("请填写开始时间，例如 2026-11-28 08:00")), _plausible],
    )
    ends_at = DateTimeLocalField(
        _l("结束时间"), format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("请填写结束时间，例如 2026-11-28 11:00")), _plausible],
    )
    # WTForms' own messages (not an integer, not a choice) come in Chinese from its catalogue.
    rule = SelectField(
        _l("计分细则（按小时）"), coerce=int, validators=[InputRequired(_l("请选择计分细则"))]
    )
    capacity = IntegerField(
        _l("人数上限"),
        validators=[
            InputRequired(_l("请填写人数上限")),
            NumberRange(min=1, max=MAX_CAPACITY, message=_l("人数上限应在 1 到 10000 之间")),
        ],
    )


class CheckInForm(FlaskForm):
    """One button on the by-name list: check this person in, or out."""

    person_id = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=2**63 - 1)]
    )
    action = HiddenField(validators=[AnyOf(("in", "out"))])


class AdjustForm(FlaskForm):
    minutes = IntegerField(
        _l("计入时长（分钟）"),
        validators=[
            InputRequired(_l("请填写分钟数")),
            NumberRange(min=0, message=_l("分钟数不能是负数")),
        ],
    )
    reason = StringField(
        _l("调整原因"),
        validators=[DataRequired(_l("请写明调整原因")), Length(max=200, message=_l("最多 200 字"))],
    )
