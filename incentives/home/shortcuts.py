"""The buttons on ``/me``: where this user can go next, decided by the permission check.

One list for every role, so a new page is one line here, and nobody sees a button that leads to
a refusal. The top bar stays short (four items) for small phones; everything else lives here.
"""

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l

from incentives.permissions import Action, regions_for


@dataclass(frozen=True)
class Shortcut:
    label: str
    endpoint: str
    # None: open to anyone with a household; else the action the user must hold somewhere.
    action: Action | None

    @property
    def url(self) -> str:
        return url_for(self.endpoint)


SHORTCUTS = (
    Shortcut(_l("申报积分"), "claims.new", None),
    Shortcut(_l("我的申报"), "claims.index", None),
    Shortcut(_l("本村公示"), "claims.notice", None),
    Shortcut(_l("积分细则"), "rules.index", None),
    Shortcut(_l("光荣榜"), "publications.index", None),
    Shortcut(_l("输入券码"), "credits.enter", None),
    Shortcut(_l("审核申报"), "claims.review", Action.REVIEW_CLAIM),
    Shortcut(_l("录入扣分"), "claims.new_deduction", Action.ENTER_DEDUCTION),
    Shortcut(_l("批量发放"), "claims.bulk", Action.BULK_AWARD),
    Shortcut(_l("志愿活动"), "events.index", Action.ORGANISE_EVENT),
    Shortcut(_l("活动签到"), "events.index", Action.RECORD_ATTENDANCE),
    Shortcut(_l("妇联团委活动"), "campaigns.index", Action.RUN_CAMPAIGN),
    Shortcut(_l("公示管理"), "claims.notice", Action.MANAGE_NOTICE),
    Shortcut(_l("发布积分细则"), "rules.new", Action.MANAGE_RULES),
    Shortcut(_l("住户"), "households.index", Action.VIEW_HOUSEHOLD),
    Shortcut(_l("光荣榜设置"), "publications.settings", Action.MANAGE_PUBLICATIONS),
    Shortcut(_l("定时任务"), "scheduler.runs", Action.VIEW_JOB_RUNS),
    Shortcut(_l("积分券"), "credits.index", Action.ISSUE_CREDITS),
    Shortcut(_l("家庭积分卡"), "cards.index", Action.MANAGE_CARDS),
    Shortcut(_l("兑换柜台"), "counter.index", Action.SELL_AT_COUNTER),
    Shortcut(_l("道德评议"), "appraisal.index", Action.APPRAISE),
    Shortcut(_l("道德评议"), "appraisal.index", Action.MANAGE_APPRAISAL),
    Shortcut(_l("统计报表"), "reports.index", Action.VIEW_REPORTS),
    Shortcut(_l("爱心超市"), "supermarkets.index", Action.MANAGE_GOODS),
    Shortcut(_l("爱心超市"), "supermarkets.index", Action.VIEW_SUPERMARKET),
)


def shortcuts_for(user, has_household: bool) -> list[Shortcut]:
    """The shortcuts ``user`` may follow, each destination once, in the order above."""
    held = {action for action in Action if regions_for(user, action)}
    chosen, endpoints = [], set()
    for shortcut in SHORTCUTS:
        allowed = has_household if shortcut.action is None else shortcut.action in held
        if allowed and shortcut.endpoint not in endpoints:
            chosen.append(shortcut)
            endpoints.add(shortcut.endpoint)
    return chosen
