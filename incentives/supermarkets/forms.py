"""Forms of the supermarket pages: goods, donations, stock-takes. Shape only; services decide."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)
from wtforms.widgets import CheckboxInput, ListWidget

from incentives.choices import NOT_OFFERED, choices
from redeem.goods import MAX_PRICE
from redeem.models import DonorKind
from redeem.stock import MAX_QUANTITY

DONOR_KIND_LABELS = {
    DonorKind.AID_UNIT: _l("帮扶单位"),
    DonorKind.ENTERPRISE: _l("企业"),
    DonorKind.PERSON: _l("个人"),
}


def finite(form, field):
    """Refuse NaN, sNaN and Infinity before NumberRange sees them (it cannot compare an sNaN)."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(_l("价值不对"))


class GoodsForm(FlaskForm):
    name = StringField(_l("商品名称"), validators=[DataRequired(_l("请填写名称")), Length(max=100)])
    price = IntegerField(
        _l("兑换积分（每件）"),
        validators=[
            InputRequired(_l("请填写积分")),
            NumberRange(min=1, max=MAX_PRICE, message=_l("积分须为正整数")),
        ],
    )
    unit = StringField(
        _l("单位（袋、瓶、条……）"), validators=[DataRequired(_l("请填写单位")), Length(max=10)]
    )
    monthly_limit = IntegerField(
        _l("每户每月限兑（不限则留空）"),
        validators=[Optional(), NumberRange(min=1, max=MAX_QUANTITY, message=_l("限兑数须为正整数"))],
    )
    active = BooleanField(_l("上架"), default=True)
    photo = FileField(_l("照片（可不传）"), render_kw={"accept": "image/*"})


class DonationForm(FlaskForm):
    donor = StringField(_l("捐赠方名称"), validators=[DataRequired(_l("请填写捐赠方")), Length(max=100)])
    kind = SelectField(
        _l("捐赠方类型"), choices=choices((k.value, label) for k, label in DONOR_KIND_LABELS.items())
    )
    goods = SelectField(_l("商品"), coerce=int, validate_choice=True)
    quantity = IntegerField(
        _l("数量"), validators=[InputRequired(_l("请填写数量")),
                               NumberRange(min=1, max=MAX_QUANTITY, message=_l("数量须为正整数"))],
    )
    value = DecimalField(
        _l("价值（元）"), places=2, default=Decimal("0"),
        validators=[Optional(), finite, NumberRange(min=0, max=10**9, message=_l("价值不对"))],
    )
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)])
    # One per rendered form: a double submit records the lot once.
    key = HiddenField(validators=[DataRequired(), Length(max=100)])


class StockTakeForm(FlaskForm):
    counted = IntegerField(
        _l("盘点实有数量"), validators=[InputRequired(_l("请填写数量")),
                                   NumberRange(min=0, max=MAX_QUANTITY, message=_l("数量不对"))],
    )
    reason = StringField(_l("差异原因（损坏、过期、点错……）"),
                         validators=[DataRequired(_l("请填写原因")), Length(max=200)])


class SupermarketForm(FlaskForm):
    name = StringField(_l("超市名称"), validators=[DataRequired(_l("请填写名称")), Length(max=100)])
    region = SelectField(_l("所属村（社区）或乡镇"), coerce=int)
    villages = SelectMultipleField(
        _l("服务的村（社区）"), coerce=int, invalid_choice_message=NOT_OFFERED,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        validators=[DataRequired(_l("至少选择一个村"))],
    )
