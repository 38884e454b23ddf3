"""Forms to issue a batch of credits, revoke, and type a credit's code by hand."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from ledger.models import utcnow
from redeem.credits import MAX_COUNT, MAX_POINTS, too_far


def not_too_far(form, field):
    if field.data is not None and too_far(field.data, utcnow()):
        raise ValidationError(_l("有效期须在今天到 5 年之内。"))


class BatchForm(FlaskForm):
    source = SelectField(_l("预算来源"), validators=[DataRequired(_l("请选择预算来源"))])
    name = StringField(_l("用途（印在券上）"), validators=[DataRequired(_l("请填写用途")), Length(max=100)])
    points = IntegerField(_l("每张分值"), validators=[
        InputRequired(_l("请填写每张分值")),
        NumberRange(min=1, max=MAX_POINTS, message=_l("分值须在 1 到 10000 之间")),
    ])
    count = IntegerField(_l("张数"), validators=[
        InputRequired(_l("请填写张数")),
        NumberRange(min=1, max=MAX_COUNT, message=_l("张数须在 1 到 1000 之间")),
    ])
    expires_on = DateField(
        _l("有效期至（含当天）"), validators=[DataRequired(_l("请填写有效期")), not_too_far]
    )
    # One per rendered form: a double submit issues the batch once.
    key = HiddenField(validators=[DataRequired(), Length(max=100)])


class ReasonForm(FlaskForm):
    reason = StringField(_l("作废原因"), validators=[DataRequired(_l("请填写原因")), Length(max=200)])


class CodeForm(FlaskForm):
    code = StringField(_l("券码"), validators=[DataRequired(_l("请输入券码")), Length(max=300)])


class ClaimForm(FlaskForm):
    """Only the CSRF token: the code is in the URL."""
