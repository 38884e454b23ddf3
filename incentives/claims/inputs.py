"""What people type into claims, checked and turned into stored values: quantities (hours or
counts), dates (the villager's calendar, within a window), free text and ids. Each check raises
:class:`ClaimError` with the message the person will read."""

from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from incentives.claims.errors import ClaimError
from incentives.rules.models import Per, RuleVersion

MAX_AGE_DAYS = 60  # older deeds are for the committee to enter, not for a self-report
MAX_HOURS = 24
MAX_COUNT = 100
NOTE_LENGTH = 500
REASON_LENGTH = 300
DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")  # views pass the deployment's configured zone
MAX_ID = 2**63 - 1  # a BIGINT: a larger number sent to PostgreSQL is an error, not "not found"


def parse_quantity(version: RuleVersion, amount) -> int:
    """The stored quantity for ``amount`` as a person enters it: hours with at most one decimal
    for per-hour rules (stored as minutes, so 1.5 is 90), a whole count otherwise."""
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise ClaimError(_l("数量请填写数字。")) from None
    if not value.is_finite():
        raise ClaimError(_l("数量请填写数字。"))
    if version.per == Per.HOUR:
        if not Decimal("0.1") <= value <= MAX_HOURS:
            raise ClaimError(_l("小时数须在 0.1 到 %(max)s 之间。", max=MAX_HOURS))
        if value != value.quantize(Decimal("0.1")):
            raise ClaimError(_l("小时数最多填一位小数。"))
        return int(value * 60)
    if not 1 <= value <= MAX_COUNT or value != value.to_integral_value():
        raise ClaimError(_l("次数须是 1 到 %(max)s 之间的整数。", max=MAX_COUNT))
    return int(value)


def check_date(done_on: date, now: datetime, zone: tzinfo) -> None:
    """The day of the deed: not after today and not more than ``MAX_AGE_DAYS`` before it."""
    if not isinstance(done_on, date):
        raise ClaimError(_l("请填写日期。"))
    # The villager's "today" is the date on their wall, not in UTC.
    today = now.replace(tzinfo=UTC).astimezone(zone).date()
    if done_on > today:
        raise ClaimError(_l("日期不能晚于今天。"))
    if done_on < today - timedelta(days=MAX_AGE_DAYS):
        raise ClaimError(_l("只能申报 %(days)s 天以内的事项。", days=MAX_AGE_DAYS))


def clean_text(text, limit: int, too_long=None) -> str:
    """Free text as stored: trimmed, without control characters (PostgreSQL refuses NUL)."""
    text = "".join(ch for ch in str(text or "") if ch in "\n\t" or ch.isprintable()).strip()
    if len(text) > limit:
        raise ClaimError(too_long or _l("内容最多 %(n)s 字。", n=limit))
    return text


def required_text(text, limit: int, missing) -> str:
    """A reason that must be given: ``missing`` is the message when it is blank."""
    text = clean_text(text, limit, _l("理由最多 %(n)s 字。", n=limit))
    if not text:
        raise ClaimError(missing)
    return text


def valid_id(value) -> int | None:
    """``value`` as a row id, or None when it cannot be one (not a number, or out of range)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def naive_utc(now: datetime) -> datetime:
    """Times are stored as naive UTC (as the ledger stores them); an aware ``now`` is converted."""
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    return now
