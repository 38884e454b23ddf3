"""Periods a job runs for: keys, bounds and which have ended, in the deployment's time zone.

Pure functions of their arguments (no clock, no database), so the scheduling logic is tested with
any moment. A period is half-open, ``[start, end)``, in local time; the database keeps naive UTC,
so each period also gives its bounds as naive UTC for queries. A job runs for a period once the
period has ended: November's honour roll on 1 December, a ten-minute slot when it is over.
"""

import enum
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo


class PeriodKind(enum.StrEnum):
    TEN_MINUTES = "10min"
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True, order=True)
class Period:
    """One period of a kind; ``start`` and ``end`` are aware, in the deployment's zone."""

    start: datetime
    end: datetime
    kind: PeriodKind
    key: str  # "2026-11", "2026-Q4", "2026", "2026-11-29", "2026-11-29T10", "2026-11-29T10:20"

    @property
    def start_utc(self) -> datetime:
        """Naive UTC, as the database stores times."""
        return to_naive_utc(self.start)

    @property
    def end_utc(self) -> datetime:
        return to_naive_utc(self.end)

    @property
    def last_day(self) -> date:
        """The last calendar day inside the period (its end is midnight after it)."""
        return (self.end - timedelta(microseconds=1)).date()


def to_naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def local(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` in ``zone``; a naive moment is UTC, as the database keeps it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)


def _at(zone: tzinfo, year: int, month: int = 1, day: int = 1, hour: int = 0, minute: int = 0):
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def period_containing(kind: PeriodKind | str, moment: datetime, zone: tzinfo) -> Period:
    """The period of ``kind`` that holds ``moment`` (aware, or naive UTC)."""
    kind = PeriodKind(kind)
    t = local(moment, zone)
    if kind == PeriodKind.TEN_MINUTES:
        start = _at(zone, t.year, t.month, t.day, t.hour, t.minute - t.minute % 10)
        key = start.strftime("%Y-%m-%dT%H:%M")
    elif kind == PeriodKind.HOUR:
        start = _at(zone, t.year, t.month, t.day, t.hour)
        key = start.strftime("%Y-%m-%dT%H")
    elif kind == PeriodKind.DAY:
        start = _at(zone, t.year, t.month, t.day)
        key = start.strftime("%Y-%m-%d")
    elif kind == PeriodKind.MONTH:
        start = _at(zone, t.year, t.month)
        key = start.strftime("%Y-%m")
    elif kind == PeriodKind.QUARTER:
        quarter = (t.month - 1) // 3 + 1
        start = _at(zone, t.year, 3 * quarter - 2)
        key = f"{t.year}-Q{quarter}"
    else:
        start = _at(zone, t.year)
        key = str(t.year)
    return Period(start, _end_of(kind, start, zone), kind, key)


def _end_of(kind: PeriodKind, start: datetime, zone: tzinfo) -> datetime:
    # Calendar arithmetic in local wall time: Asia/Shanghai has no DST, but a zone with DST
    # still gets its months and days right this way.
    if kind == PeriodKind.TEN_MINUTES:
        return to_zone(start.replace(tzinfo=None) + timedelta(minutes=10), zone)
    if kind == PeriodKind.HOUR:
        return to_zone(start.replace(tzinfo=None) + timedelta(hours=1), zone)
    if kind == PeriodKind.DAY:
        return to_zone(start.replace(tzinfo=None) + timedelta(days=1), zone)
    months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[kind]
    index = start.year * 12 + start.month - 1 + months
    return _at(zone, index // 12, index % 12 + 1)


def to_zone(naive_local: datetime, zone: tzinfo) -> datetime:
    return naive_local.replace(tzinfo=zone)


def next_period(period: Period, zone: tzinfo) -> Period:
    return period_containing(period.kind, period.end, zone)


def previous_period(period: Period, zone: tzinfo) -> Period:
    return period_containing(period.kind, period.start - timedelta(microseconds=1), zone)


def last_ended(kind: PeriodKind | str, now: datetime, zone: tzinfo) -> Period:
    """The most recent period of ``kind`` that has ended by ``now``."""
    return previous_period(period_containing(kind, now, zone), zone)


def ended_since(
    kind: PeriodKind | str, after: Period | None, now: datetime, zone: tzinfo, *, limit: int
) -> list[Period]:
    """Periods that ended by ``now`` and come after ``after``, oldest first, at most the
    ``limit`` most recent of them (older ones are not caught up). ``after=None``: none has run yet."""
    if limit <= 0:
        return []
    periods = []
    period = last_ended(kind, now, zone)
    while len(periods) < limit and (after is None or period.start > after.start):
        periods.append(period)
        period = previous_period(period, zone)
    return periods[::-1]


_KEY_PATTERNS = {
    PeriodKind.TEN_MINUTES: re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})"),
    PeriodKind.HOUR: re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2})"),
    PeriodKind.DAY: re.compile(r"(\d{4})-(\d{2})-(\d{2})"),
    PeriodKind.MONTH: re.compile(r"(\d{4})-(\d{2})"),
    PeriodKind.QUARTER: re.compile(r"(\d{4})-Q([1-4])"),
    PeriodKind.YEAR: re.compile(r"(\d{4})"),
}


def parse_period(kind: PeriodKind | str, key: str, zone: tzinfo) -> Period:
    """The period of ``kind`` named by ``key``; ``ValueError`` when the key is not one."""
    kind = PeriodKind(kind)
    match = _KEY_PATTERNS[kind].fullmatch(str(key).strip())
    if match is None:
        raise ValueError(f"not a {kind.value} period: {key!r}")
    parts = [int(p) for p in match.groups()]
    if kind == PeriodKind.QUARTER:
        parts = [parts[0], 3 * parts[1] - 2]
    try:
        start = _at(zone, *parts)
    except ValueError:
        raise ValueError(f"not a {kind.value} period: {key!r}") from None
    period = period_containing(kind, start, zone)
    if period.key != key.strip():
        raise ValueError(f"not a {kind.value} period: {key!r}")  # e.g. "…T10:25" is no slot start
    return period
