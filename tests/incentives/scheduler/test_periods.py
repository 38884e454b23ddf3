"""Period keys and bounds in Asia/Shanghai, and which periods are due, for any clock."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from incentives.scheduler.periods import (
    PeriodKind,
    ended_since,
    last_ended,
    next_period,
    parse_period,
    period_containing,
    previous_period,
)

ZONE = ZoneInfo("Asia/Shanghai")


def utc(*args) -> datetime:
    return datetime(*args)  # naive UTC, as the database and the clock give it


def test_a_month_is_the_local_calendar_month_not_the_utc_one():
    # 30 November 17:00 UTC is already 1 December in Shanghai.
    period = period_containing(PeriodKind.MONTH, utc(2026, 11, 30, 17, 0), ZONE)
    assert period.key == "2026-12"
    assert period.start_utc == utc(2026, 11, 30, 16, 0)
    assert period.end_utc == utc(2026, 12, 31, 16, 0)
    assert period.last_day.isoformat() == "2026-12-31"


@pytest.mark.parametrize(
    ("kind", "moment", "key", "start", "end"),
    [
        ("10min", utc(2026, 11, 29, 2, 27, 59), "2026-11-29T10:20",
         utc(2026, 11, 29, 2, 20), utc(2026, 11, 29, 2, 30)),
        ("hour", utc(2026, 11, 29, 15, 59), "2026-11-29T23", utc(2026, 11, 29, 15), utc(2026, 11, 29, 16)),
        ("day", utc(2026, 11, 29, 16, 0), "2026-11-30", utc(2026, 11, 29, 16), utc(2026, 11, 30, 16)),
        ("quarter", utc(2026, 12, 31, 15, 59), "2026-Q4", utc(2026, 9, 30, 16), utc(2026, 12, 31, 16)),
        ("quarter", utc(2026, 12, 31, 16, 0), "2027-Q1", utc(2026, 12, 31, 16), utc(2027, 3, 31, 16)),
        ("year", utc(2026, 6, 1), "2026", utc(2025, 12, 31, 16), utc(2026, 12, 31, 16)),
        ("month", utc(2028, 2, 10), "2028-02", utc(2028, 1, 31, 16), utc(2028, 2, 29, 16)),
    ],
)
def test_keys_and_bounds(kind, moment, key, start, end):
    period = period_containing(kind, moment, ZONE)
    assert (period.key, period.start_utc, period.end_utc) == (key, start, end)
    assert parse_period(kind, key, ZONE) == period


def test_an_aware_moment_means_the_same_instant():
    aware = datetime(2026, 12, 1, 0, 0, tzinfo=ZONE)
    assert period_containing("month", aware, ZONE).key == "2026-12"
    assert period_containing("month", aware.astimezone(UTC), ZONE).key == "2026-12"


def test_next_and_previous_cross_years():
    december = parse_period("month", "2026-12", ZONE)
    assert next_period(december, ZONE).key == "2027-01"
    assert previous_period(parse_period("quarter", "2027-Q1", ZONE), ZONE).key == "2026-Q4"
    assert previous_period(parse_period("10min", "2027-01-01T00:00", ZONE), ZONE).key == "2026-12-31T23:50"


def test_last_ended_is_the_period_before_the_current_one():
    # 1 December 00:05 in Shanghai: November has just ended.
    now = utc(2026, 11, 30, 16, 5)
    assert last_ended("month", now, ZONE).key == "2026-11"
    assert last_ended("10min", now, ZONE).key == "2026-11-30T23:50"
    assert last_ended("year", now, ZONE).key == "2025"
    # One microsecond before the month ends, October is still the last ended month.
    assert last_ended("month", utc(2026, 11, 30, 15, 59, 59, 999999), ZONE).key == "2026-10"


def test_ended_since_lists_missed_periods_oldest_first_up_to_the_limit():
    now = utc(2027, 2, 10)  # February 2027
    august = parse_period("month", "2026-08", ZONE)
    keys = [p.key for p in ended_since("month", august, now, ZONE, limit=12)]
    assert keys == ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01"]
    # Only the most recent are caught up when the limit is smaller than the gap.
    assert [p.key for p in ended_since("month", august, now, ZONE, limit=2)] == ["2026-12", "2027-01"]
    # Nothing ran yet: the latest ended period(s) only.
    assert [p.key for p in ended_since("month", None, now, ZONE, limit=1)] == ["2027-01"]
    # Up to date: nothing is due.
    january = parse_period("month", "2027-01", ZONE)
    assert ended_since("month", january, now, ZONE, limit=12) == []


@pytest.mark.parametrize(
    ("kind", "key"),
    [("month", "2026-13"), ("month", "2026-1"), ("quarter", "2026-Q5"), ("10min", "2026-11-29T10:25"),
     ("day", "2026-02-30"), ("year", "26"), ("month", "")],
)
def test_bad_keys_are_refused(kind, key):
    with pytest.raises(ValueError):
        parse_period(kind, key, ZONE)
