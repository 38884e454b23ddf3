"""Account kinds, the unit each counts in, and which may go below zero."""

import enum


class Unit(enum.StrEnum):
    POINTS = "points"
    MINUTES = "minutes"  # time-bank hours are kept in whole minutes: integers, never floats


class AccountKind(enum.StrEnum):
    HOUSEHOLD = "household"  # a household's spendable points (户积分)
    PERSON_HOURS = "person_hours"  # a person's time-bank (时间银行) minutes
    BUDGET = "budget"  # a campaign's budget or a village's issuing pool
    SUPERMARKET = "supermarket"  # points received by a supermarket for goods handed out
    ISSUING = "issuing"  # the system's points source: its balance is minus all points in circulation
    HOURS_ISSUING = "hours_issuing"  # the same for time-bank minutes


UNIT_OF_KIND = {
    AccountKind.HOUSEHOLD: Unit.POINTS,
    AccountKind.PERSON_HOURS: Unit.MINUTES,
    AccountKind.BUDGET: Unit.POINTS,
    AccountKind.SUPERMARKET: Unit.POINTS,
    AccountKind.ISSUING: Unit.POINTS,
    AccountKind.HOURS_ISSUING: Unit.MINUTES,
}

# Only the issuing accounts may go below zero: they are where points and minutes come from.
UNLIMITED_KINDS = frozenset({AccountKind.ISSUING, AccountKind.HOURS_ISSUING})

SYSTEM_OWNER = "system"


class EntryKind(enum.StrEnum):
    EARN = "earn"  # points or minutes awarded by a rule, event or campaign
    DEDUCT = "deduct"  # 扣分: points taken away under a deduction rule
    REDEEM = "redeem"  # 兑换: points spent at a supermarket
    REVERSE = "reverse"  # a correction: the mirror of an earlier entry
    EXPIRE = "expire"  # points lapsing under a village's yearly expiry
    ADJUST = "adjust"  # an administrative correction that is not a plain reversal
    TRANSFER = "transfer"  # moving points between budgets, pools and accounts (funding a campaign)
