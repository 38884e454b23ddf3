"""Forms of the claims pages. They check what a form can (present, a number, a date); the
services check the rest (the rule, the quantity for its unit, the date window, permissions)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from incentives.claims.inputs import NOTE_LENGTH, REASON_LENGTH, valid_id
from incentives.claims.photos import MAX_PHOTOS
from incentives.claims.services import MAX_NOTICE_DAYS


def date_field(label):
    """A date input (the phone shows its date picker). InputRequired, not DataRequired: the
    latter would replace "wrong format" with "missing" when the text does not parse."""
    return DateField(
        label, validators=[InputRequired(_l("请填写日期"))],
        invalid_value_message=_l("日期格式不对，请重新选择。"),
    )


def amount_field(label):
    """How many hours or times: text, because hours may have one decimal (the service parses it)."""
    return StringField(
        label,
        validators=[DataRequired(_l("请填写数量")), Length(max=10, message=_l("数量请填写数字。"))],
        default="1",
    )


def note_field(label):
    return TextAreaField(
        label, validators=[Length(max=NOTE_LENGTH, message=_l("说明最多 %(n)s 字。", n=NOTE_LENGTH))]
    )


class IdChoice(SelectField):
    """A rule or a household by id. The service checks it belongs to the village, so an id that
    is not among the choices is refused there with a clear message, never a 500."""

    def __init__(self, label, **kwargs):
        super().__init__(label, coerce=valid_id, validate_choice=False, **kwargs)

    def pre_validate(self, form):
        if self.data is None:
            raise ValidationError(_l("请选择一项"))


class ClaimForm(FlaskForm):
    rule = IdChoice(_l("申报事项"))
    amount = amount_field(_l("数量（按小时计的填小时数，可有一位小数；按次计的填次数）"))
    done_on = date_field(_l("日期"))
    note = note_field(_l("说明（做了什么、在哪里）"))
    photos = MultipleFileField(
        _l("照片（最多 %(n)s 张）", n=MAX_PHOTOS),
        # capture: a phone opens its camera straight away, the usual way to show a deed.
        render_kw={"accept": "image/*", "capture": "environment"},
    )


class ReasonForm(FlaskForm):
    """A reason: for rejecting, for an objection, for withdrawing after one."""

    reason = TextAreaField(
        _l("理由"),
        validators=[
            DataRequired(_l("请填写理由")),
            Length(max=REASON_LENGTH, message=_l("理由最多 %(n)s 字。", n=REASON_LENGTH)),
        ],
    )


class NoteForm(FlaskForm):
    """An optional note, for upholding an item after an objection."""

    note = TextAreaField(
        _l("处理意见（可不填）"),
        validators=[Length(max=REASON_LENGTH, message=_l("处理意见最多 %(n)s 字。", n=REASON_LENGTH))],
    )


class DeductionForm(FlaskForm):
    household = IdChoice(_l("住户"))
    rule = IdChoice(_l("扣分事项"))
    amount = StringField(
        _l("次数"),
        validators=[DataRequired(_l("请填写次数")), Length(max=10, message=_l("数量请填写数字。"))],
        default="1",
    )
    done_on = date_field(_l("发生日期"))
    reason = TextAreaField(
        _l("扣分理由"),
        validators=[
            DataRequired(_l("请填写扣分理由")),
            Length(max=REASON_LENGTH, message=_l("理由最多 %(n)s 字。", n=REASON_LENGTH)),
        ],
    )


class MultiCheckboxField(SelectMultipleField):
    """Many households as checkboxes: a thumb can tick them one by one on a phone."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        # The service checks each id belongs to the village and refuses the whole award if not.
        if not self.data:
            raise ValidationError(_l("请至少选择一户。"))


class BulkAwardForm(FlaskForm):
    rule = IdChoice(_l("奖励事项"))
    amount = amount_field(_l("数量（每户；按小时计的填小时数，按次计的填次数）"))
    done_on = date_field(_l("日期"))
    note = note_field(_l("说明"))
    households = MultiCheckboxField(_l("获奖住户"), coerce=valid_id)


class NoticeDaysForm(FlaskForm):
    days = IntegerField(
        _l("公示天数（0 表示不公示，审核通过即入账）"),
        validators=[
            InputRequired(_l("请填写公示天数")),
            NumberRange(
                0, MAX_NOTICE_DAYS,
                message=_l("公示天数须在 0 到 %(max)s 之间。", max=MAX_NOTICE_DAYS),
            ),
        ],
    )
