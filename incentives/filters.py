"""Template filters: points, times and ledger words as villagers read them."""

from datetime import UTC, datetime

from flask import Flask
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

ENTRY_KIND_LABELS = {
    "earn": _l("获得积分"),
    "deduct": _l("扣分"),
    "redeem": _l("兑换"),
    "reverse": _l("冲正"),
    "expire": _l("到期清零"),
    "adjust": _l("调整"),
    "transfer": _l("划拨"),
}


def points(value: int | None) -> str:
    """Exact integer with thousands separators: 12,345."""
    return f"{int(value or 0):,}"


def local_time(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A naive UTC time from the database, shown in the deployment's time zone."""
    if value is None:
        return ""
    return format_datetime(value.replace(tzinfo=UTC), fmt)


def entry_kind(value: str) -> str:
    return str(ENTRY_KIND_LABELS.get(value, value))


def hours(minutes: int | None) -> str:
    """Time-bank minutes as hours and minutes: 3小时20分."""
    whole, rest = divmod(int(minutes or 0), 60)
    if rest:
        return str(_l("%(h)s小时%(m)s分", h=whole, m=rest))
    return str(_l("%(h)s小时", h=whole))


def role_label(role: str) -> str:
    from incentives.auth.roles import ROLE_LABELS, Role

    return str(ROLE_LABELS.get(Role(role), role))


def category_label(category: str) -> str:
    from incentives.rules.models import CATEGORY_LABELS, Category

    return str(CATEGORY_LABELS.get(Category(category), category))


def masked_name(name: str) -> str:
    """张*明: for public pages where the village chooses not to show full names."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


SYSTEM_ACCOUNT_LABELS = {
    "issuing": _l("系统积分发行"),
    "hours_issuing": _l("系统时长发行"),
}


def public_account_name(account) -> str:
    """An account as the public ledger shows it: villagers' names in part (和平村 张*国家), the
    system's accounts in words. Anyone can read that page; full names stay inside the village."""
    kind = str(account.kind)
    if kind in SYSTEM_ACCOUNT_LABELS:
        return str(SYSTEM_ACCOUNT_LABELS[kind])
    name = account.name or ""
    if kind == "person_hours":
        return masked_name(name)
    if kind == "household":
        place, _, head = name.rpartition(" ")
        family = head.removesuffix("家")
        return f"{place} {masked_name(family)}{'家' if family != head else ''}".strip()
    return name


def short_hash(value: str, length: int = 12) -> str:
    return (value or "")[:length]


def register(app: Flask) -> None:
    app.add_template_filter(points)
    app.add_template_filter(local_time)
    app.add_template_filter(entry_kind)
    app.add_template_filter(short_hash)
    app.add_template_filter(hours)
    app.add_template_filter(role_label)
    app.add_template_filter(masked_name)
    app.add_template_filter(public_account_name)
    app.add_template_filter(category_label)
