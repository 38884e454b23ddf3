"""Chinese messages for the supermarket's refusals (``redeem.errors``), keyed by their ``code``.

``redeem`` knows no Flask and no language: its exceptions carry a key and the figures; this table
is where they become words. Cards and credits (``redeem.cards``, ``redeem.credits``) keep theirs in
``incentives.cards.messages`` and ``incentives.credits.messages``; :func:`message_for` hands their
refusals over. A key missing here still gives a clear generic message, never a 500.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from incentives.cards.messages import card_message
from incentives.credits.messages import credit_message
from redeem.cards import CardError
from redeem.credits import CreditError
from redeem.errors import RedeemError

MESSAGES = {
    "unknown_supermarket": _l("找不到这个超市。"),
    "unknown_goods": _l("找不到这件商品。"),
    "unknown_checkout": _l("找不到这张兑换单。"),
    "unknown_donor": _l("找不到这位捐赠方。"),
    "invalid_input": _l("填写的内容不正确，请检查后重试。"),
    "duplicate_name": _l("“%(name)s”已经存在，请换一个名称。"),
    "empty_cart": _l("还没有选商品。"),
    "goods_inactive": _l("“%(name)s”已下架，不能兑换。"),
    "wrong_supermarket": _l("这户不在%(supermarket)s服务的村，或商品不属于本超市，不能在这里兑换。"),
    "out_of_stock": _l("“%(name)s”库存不足：只剩 %(stock)s %(unit)s。"),
    "monthly_limit": _l("“%(name)s”每户每月限兑 %(limit)s %(unit)s，本月已兑 %(taken)s %(unit)s。"),
    "insufficient_points": _l("积分不足：这户有 %(balance)s 分，本次需要 %(total)s 分。"),
    "stock_negative": _l("“%(name)s”库存只有 %(stock)s，不能减少 %(quantity)s。"),
    "key_reused": _l("这张兑换单已经提交过，内容不同，请刷新后重新操作。"),
    "donation_key_reused": _l("这张捐赠单已经提交过，内容不同，请刷新后重新填写。"),
    "already_voided": _l("这张兑换单已经作废过了。"),
    "void_too_late": _l("只能在当天作废兑换单。"),
    "member_code_invalid": _l("会员码无效或已过期，请让村民刷新后再扫一次。"),
}


def message_for(exc: RedeemError) -> str:
    """The refusal in the user's language, with its figures filled in."""
    # Cards and credits keep their words beside their pages (their dates need the local zone).
    if isinstance(exc, CardError):
        return card_message(exc)
    if isinstance(exc, CreditError):
        return credit_message(exc)
    template = MESSAGES.get(exc.code)
    if template is None:
        return _("操作未执行，请检查后重试。")
    try:
        return str(template) % exc.params if exc.params else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)
