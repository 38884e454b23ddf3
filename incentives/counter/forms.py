"""Forms of the counter. They check shape; the services check stock, limits, points and places."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from redeem.stock import MAX_QUANTITY


class CodeForm(FlaskForm):
    # A scanner gun types the code and presses Enter: one field, submitted by Enter.
    code = StringField(
        _l("扫会员码或输入编码"),
        validators=[DataRequired(_l("请扫码或输入编码")), Length(max=200, message=_l("编码太长"))],
    )
    # Only for a printed household card: the PIN the household types itself.
    pin = PasswordField(
        _l("家庭密码（刷积分卡时由村民输入）"),
        validators=[Optional(), Length(max=6, message=_l("密码最多 6 位"))],
    )


class CreditCodeForm(FlaskForm):
    """A printed credit (积分券) for the household at the counter: typed, or its QR scanned."""

    credit_code = StringField(
        _l("券码"), validators=[DataRequired(_l("请输入券码")), Length(max=300, message=_l("编码太长"))],
    )


class CartForm(FlaskForm):
    goods = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2**63 - 1)])
    quantity = IntegerField(
        _l("数量"), default=1,
        validators=[Optional(), NumberRange(min=0, max=MAX_QUANTITY, message=_l("数量不对"))],
    )


class CheckoutForm(FlaskForm):
    """The cart as the clerk confirmed it (goods and quantities in hidden inputs) and the form's
    key: a double submit posts once."""

    key = HiddenField(validators=[DataRequired(), Length(max=100)])


class VoidForm(FlaskForm):
    reason = TextAreaField(
        _l("作废原因"),
        validators=[DataRequired(_l("请填写作废原因")), Length(max=200, message=_l("原因最多 200 字"))],
    )
