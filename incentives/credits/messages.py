"""What each refusal about a credit (积分券) says, in Chinese (English when chosen)."""

from datetime import datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from incentives.filters import local_time
from redeem.credits import CreditError

MESSAGES = {
    "credit_malformed": _l("这不是积分券码：券码是 11 位字母和数字，请核对后重新输入。"),
    "credit_mistyped": _l("券码有输错的字符（校验位不符），请逐位核对后重新输入。"),
    "unknown_credit": _l("没有这张积分券，请核对券码。"),
    "unknown_batch": _l("没有这批积分券。"),
    "credit_used": _l("这张积分券已于 %(used_at)s 使用过，每张券只能用一次。"),
    "credit_revoked": _l("这张积分券已被作废，不能使用。"),
    "credit_expired": _l("这张积分券已于 %(expires_on)s 过期，不能使用。"),
    "credit_wrong_village": _l("这张积分券不在本户所在村的使用范围内。"),
    "credit_not_household": _l("积分券只能存入家庭积分账户。"),
    "credit_batch_key_reused": _l("这批积分券已经提交过，内容不同，请刷新后重新填写。"),
    "credit_budget_too_small": _l("预算不足：剩余 %(left)s 分，这批积分券共需 %(need)s 分。"),
}

FIELD_MESSAGES = {
    "name": _l("请填写这批积分券的用途（100 字以内）。"),
    "points": _l("每张券的分值须在 1 到 %(max)s 之间。"),
    "count": _l("张数须在 1 到 %(max)s 之间。"),
    "expires_on": _l("有效期须在今天到 5 年之内。"),
    "villages": _l("请至少选择一个可使用的村。"),
    "budget": _l("请选择一个预算来源。"),
}


def credit_message(exc: CreditError) -> str:
    """The refusal in words, its figures filled in (times in the deployment's zone)."""
    params = dict(exc.params)
    if exc.code == "credit_invalid_batch":
        message = str(FIELD_MESSAGES.get(params.pop("field", ""), _l("请检查填写的内容。")))
    else:
        message = str(MESSAGES.get(exc.code, _l("这张积分券不能使用。")))
    for name, value in params.items():
        if isinstance(value, datetime):
            params[name] = local_time(value)
        elif hasattr(value, "isoformat"):
            params[name] = format_date(value, "yyyy-MM-dd")
    return message % params if "%(" in message else message
