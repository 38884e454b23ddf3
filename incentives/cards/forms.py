"""Forms for household cards: the PIN is typed twice by the household itself."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

PIN_RULE = Regexp(r"^[0-9]{4,6}$", message=_l("密码须为 4 到 6 位数字"))


class PinForm(FlaskForm):
    """Issuing a card, reissuing it, or setting a new PIN."""

    pin = PasswordField(_l("家庭密码（4 到 6 位数字，由本户自己输入）"),
                        validators=[DataRequired(_l("请输入密码")), PIN_RULE])
    pin_again = PasswordField(_l("再输一遍密码"), validators=[
        DataRequired(_l("请再输一遍密码")), EqualTo("pin", message=_l("两次输入的密码不一样")),
    ])
    reason = StringField(_l("补办原因"), default="遗失", validators=[Length(max=200)])


class RevokeForm(FlaskForm):
    reason = StringField(_l("挂失原因"), validators=[DataRequired(_l("请填写原因")), Length(max=200)])


class FindForm(FlaskForm):
    class Meta:
        csrf = False  # a search, sent by GET

    q = StringField(_l("户号或户主姓名"), validators=[Length(max=50)])
