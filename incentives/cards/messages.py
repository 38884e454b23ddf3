"""What each refusal about a household card (平安家庭积分卡) says, in Chinese (English when chosen)."""

from flask_babel import lazy_gettext as _l

from redeem.cards import CardError

MESSAGES = {
    "card_malformed": _l("卡号是 9 位数字，请核对后重新输入。"),
    "card_mistyped": _l("卡号有输错的数字（校验位不符），请逐位核对后重新输入。"),
    "card_unknown": _l("没有这张积分卡，请核对卡号。"),
    "card_revoked": _l("这张积分卡已挂失作废，请使用补办的新卡。"),
    "card_wrong_pin": _l("密码不对，还可以再试 %(left)s 次。"),
    "card_locked": _l(
        "密码错误次数太多，这张卡已锁定，请 %(minutes)s 分钟后再试，或到村委会重设密码。"
        "一天内锁定 3 次，须到村委会重设密码才能再用。"
    ),
    "card_blocked": _l("密码错误次数太多，这张卡已停用：请户主到村委会重设密码后再用。"),
    "card_counter_locked": _l("本柜台核验失败次数太多，请 %(minutes)s 分钟后再试。"),
    "card_pin_required": _l("这是积分卡号：请让村民输入家庭密码后再确认。"),
    "card_weak_pin": _l("密码须为 4 到 6 位数字，不能是同一数字或顺序数字（如 1111、1234）。"),
    "card_exists": _l("该户已有一张在用的积分卡；卡丢了请办理挂失补办。"),
}


def card_message(exc: CardError) -> str:
    message = str(MESSAGES.get(exc.code, _l("这张积分卡不能使用。")))
    return message % exc.params if "%(" in message else message
