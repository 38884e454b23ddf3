"""Login and password forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    phone = StringField(_l("手机号"), validators=[DataRequired(_l("请填写手机号"))])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码"))])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("原密码（纸条上的密码）"), validators=[DataRequired(_l("请填写原密码"))])
    new = PasswordField(
        _l("新密码"),
        validators=[DataRequired(_l("请填写新密码")), Length(min=6, max=64, message=_l("新密码 6 到 64 位"))],
    )
    confirm = PasswordField(
        _l("再输一次新密码"), validators=[EqualTo("new", message=_l("两次输入的新密码不一样"))]
    )
