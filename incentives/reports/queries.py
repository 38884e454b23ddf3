"""The reports' numbers, each from one function: the page, its chart and its XLSX download all
show what these return. Everything is read from the ledger (and, for categories, the awards
that name each entry's rule), in aggregate queries over one period, scoped to a subtree.

Months are calendar months in the deployment's time zone; entries are stored in naive UTC, so a
month is the range between two local midnights converted to UTC.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from incentives.appraisal.scoring import fixed_point
from incentives.awards.models import Award
from incentives.campaigns.models import Campaign, campaign_villages
from incentives.campaigns.services import campaign_report
from incentives.places.models import Household, Level, Region
from incentives.places.services import subtree, village_ids_select
from incentives.rules.models import CATEGORY_LABELS, Category, Rule
from ledger.kinds import AccountKind, EntryKind
from ledger.models import Account, Entry

MONTHS = 12


@dataclass(frozen=True)
class Period:
    """A calendar year in local time: 13 bounds in naive UTC, month i is [bounds[i], bounds[i+1])."""

    year: int
    bounds: tuple[datetime, ...]

    @classmethod
    def year_in(cls, year: int, timezone: str) -> "Period":
        tz = ZoneInfo(timezone)
        starts = [date(year, m, 1) for m in range(1, 13)] + [date(year + 1, 1, 1)]
        bounds = tuple(
            datetime.combine(d, time(), tz).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
            for d in starts
        )
        return cls(year, bounds)

    @property
    def start(self) -> datetime:
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        return self.bounds[-1]

    def month_of(self, column):
        """A SQL expression: the month (1-12) of ``column`` within the period."""
        return case(*[(column < b, i) for i, b in enumerate(self.bounds[1:-1], start=1)], else_=MONTHS)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "int"  # "text", "int" or "percent" (a fixed-point string, one decimal)


@dataclass
class Report:
    key: str
    title: str
    columns: list[Column]
    rows: list[tuple]
    total: tuple | None = None
    note: str = ""
    # Which column labels the chart's x axis and which columns are its series; "bar" or "line".
    chart: dict = field(default_factory=dict)


def percent(part: int, whole: int) -> str:
    return fixed_point(Fraction(100 * part, whole), 1) if whole else "0.0"


# --- participation ------------------------------------------------------------------------------


def participation(session: Session, region: Region, period: Period) -> Report:
    """Per month: households that earned points (any entry of kind earn into their account)
    out of the households of the subtree now, and the share."""
    households = session.execute(
        select(func.count(Household.id)).where(Household.village_id.in_(village_ids_select(region)))
    ).scalar_one()
    # One pass over the households, with one index seek per household and month (the
    # (to_account_id, kind, created_at) index): cheaper than a DISTINCT over a year of entries.
    def earned_in(m: int):
        return select(Entry.id).where(
            Entry.to_account_id == Household.account_id, Entry.kind == EntryKind.EARN,
            Entry.created_at >= period.bounds[m - 1], Entry.created_at < period.bounds[m],
        ).exists()

    sums = session.execute(
        select(*(func.coalesce(func.sum(case((earned_in(m), 1), else_=0)), 0) for m in range(1, MONTHS + 1)))
        .where(Household.village_id.in_(village_ids_select(region)))
    ).one()
    counted = {m: int(n) for m, n in zip(range(1, MONTHS + 1), sums, strict=True)}
    rows = [
        (f"{period.year}-{m:02d}", counted.get(m, 0), households, percent(counted.get(m, 0), households))
        for m in range(1, MONTHS + 1)
    ]
    return Report(
        key="participation", title=_l("%(year)s 年参与率（每月获得积分的户数占比）", year=period.year),
        columns=[Column("month", _l("月份"), "text"), Column("participants", _l("获得积分户数")),
                 Column("households", _l("总户数")), Column("share", _l("参与率（%）"), "percent")],
        rows=rows,
        note=_l("总户数为现有户数；一户当月有任何一笔获得积分的记录即算参与。"),
        chart={"type": "line", "label": 0, "series": [3]},
    )


# --- points by village --------------------------------------------------------------------------

IN_KINDS = (EntryKind.EARN, EntryKind.REVERSE, EntryKind.ADJUST, EntryKind.TRANSFER)
OUT_KINDS = (EntryKind.DEDUCT, EntryKind.REDEEM, EntryKind.REVERSE, EntryKind.EXPIRE,
             EntryKind.ADJUST, EntryKind.TRANSFER)


def _household_flows(session: Session, region: Region, period: Period, side, kinds) -> dict:
    """{(village_id, kind): points} of entries into (side=to) or out of (side=from) households."""
    # Driven from the households: one seek per household into the covering
    # (account, kind, created_at, ...) index, so a village reads its own entries only.
    rows = session.execute(
        select(Household.village_id, Entry.kind, func.sum(Entry.amount))
        .join(Entry, side == Household.account_id)
        .where(Household.village_id.in_(village_ids_select(region)),
               Entry.kind.in_([str(k) for k in kinds]), Entry.created_at >= period.start,
               Entry.created_at < period.end)
        .group_by(Household.village_id, Entry.kind)
    )
    return {(v, k): int(p) for v, k, p in rows}


def points_by_village(session: Session, region: Region, period: Period) -> Report:
    """Per village, points that entered and left its households' accounts in the period, by
    kind. The net column is exactly the change of the households' balances over the period."""
    into = _household_flows(session, region, period, Entry.to_account_id, IN_KINDS)
    out = _household_flows(session, region, period, Entry.from_account_id, OUT_KINDS)
    rows = []
    for village in subtree(session, region, Level.VILLAGE):
        v = village.id
        earned = into.get((v, EntryKind.EARN), 0)
        deducted = out.get((v, EntryKind.DEDUCT), 0)
        redeemed = out.get((v, EntryKind.REDEEM), 0)
        reversed_net = into.get((v, EntryKind.REVERSE), 0) - out.get((v, EntryKind.REVERSE), 0)
        expired = out.get((v, EntryKind.EXPIRE), 0)
        other = sum(into.get((v, k), 0) - out.get((v, k), 0) for k in (EntryKind.ADJUST, EntryKind.TRANSFER))
        net = earned - deducted - redeemed + reversed_net - expired + other
        rows.append((village.name, earned, deducted, redeemed, reversed_net, expired, other, net))
    total = (_l("合计"), *(sum(r[i] for r in rows) for i in range(1, 8)))
    return Report(
        key="villages", title=_l("%(year)s 年各村积分发放与兑换", year=period.year),
        columns=[Column("village", _l("村/社区"), "text"), Column("earned", _l("发放")),
                 Column("deducted", _l("扣分")), Column("redeemed", _l("兑换")),
                 Column("reversed", _l("冲正净额")),
                 Column("expired", _l("到期清零")), Column("other", _l("其他调整净额")),
                 Column("net", _l("余额净变化"))],
        rows=rows, total=total,
        note=_l(
            "均为该年记入或转出各户积分账户的账本记录之和；"
            "净变化 = 发放 − 扣分 − 兑换 + 冲正 − 清零 + 其他。"
        ),
        chart={"type": "bar", "label": 0, "series": [1, 3]},
    )


# --- points by category -------------------------------------------------------------------------


def points_by_category(session: Session, region: Region, period: Period) -> Report:
    """Points issued and deducted by rule category: entries posted for awards, each award naming
    its rule. Points issued without a rule (appraisal bonus, credits ...) are a row of their own,
    so the issued column sums to the village report's total."""
    rows = _award_points(session, region, period)
    categories = dict(session.execute(
        select(Rule.id, Rule.category).where(Rule.id.in_({r for r, _ in rows}))
    ).all()) if rows else {}
    sums: dict[tuple[str, str], int] = {}
    for (rule_id, kind), points in rows.items():
        key = (categories[rule_id], kind)
        sums[key] = sums.get(key, 0) + points
    issued_total = sum(
        v for (_, kind), v in _household_flows(
            session, region, period, Entry.to_account_id, (EntryKind.EARN,)
        ).items() if kind == EntryKind.EARN
    )
    table = []
    for category in Category:
        earned = sums.get((category.value, EntryKind.EARN), 0)
        deducted = sums.get((category.value, EntryKind.DEDUCT), 0)
        table.append((str(CATEGORY_LABELS[category]), earned, deducted))
    by_rules = sum(r[1] for r in table)
    table.append((_l("非细则发放（评议奖励、积分券等）"), issued_total - by_rules, 0))
    total = (_l("合计"), sum(r[1] for r in table), sum(r[2] for r in table))
    return Report(
        key="categories", title=_l("%(year)s 年按类别的积分发放与扣分", year=period.year),
        columns=[Column("category", _l("类别"), "text"), Column("earned", _l("发放")),
                 Column("deducted", _l("扣分"))],
        rows=table, total=total,
        note=_l("兑换按商品类别的统计由超市模块提供；此处兑换见各村报表。"),
        chart={"type": "bar", "label": 0, "series": [1, 2]},
    )


# An award is written a moment before its ledger entry, in the same transaction, so an award
# created more than this before a bound has its entry on the same side of it. Awards away from
# the bounds are summed from the awards' own (covering) index; those near a bound are decided by
# their entry's time, so the report counts exactly the entries of the period.
MARGIN = timedelta(hours=1)


def _award_points(session: Session, region: Region, period: Period) -> dict[tuple[int, str], int]:
    """{(root rule id, "earn" | "deduct"): points} of the entries awards posted in the period."""
    scope = Household.village_id.in_(village_ids_select(region))
    # Earned and deducted summed apart (no expression in GROUP BY: PostgreSQL would see the bound
    # parameters of the select list and of the GROUP BY as different expressions).
    earned = func.sum(case((Award.points > 0, Award.points), else_=0))
    deducted = func.sum(case((Award.points < 0, -Award.points), else_=0))
    inner = session.execute(
        select(Award.root_rule_id, earned, deducted)
        .join(Household, Household.id == Award.household_id)
        .where(scope, Award.created_at >= period.start + MARGIN, Award.created_at < period.end - MARGIN)
        .group_by(Award.root_rule_id)
    ).all()
    near = or_(
        and_(Award.created_at >= period.start - MARGIN, Award.created_at < period.start + MARGIN),
        and_(Award.created_at >= period.end - MARGIN, Award.created_at < period.end),
    )
    edges = session.execute(
        select(Award.root_rule_id, earned, deducted)
        .join(Household, Household.id == Award.household_id)
        .join(Entry, Entry.id == Award.entry_id)
        .where(scope, near, Entry.created_at >= period.start, Entry.created_at < period.end)
        .group_by(Award.root_rule_id)
    ).all()
    points: dict[tuple[int, str], int] = {}
    for rule_id, plus, minus in [*inner, *edges]:
        for kind, value in ((EntryKind.EARN.value, plus), (EntryKind.DEDUCT.value, minus)):
            if value:
                points[(rule_id, kind)] = points.get((rule_id, kind), 0) + int(value)
    return points


# --- campaigns ----------------------------------------------------------------------------------


def campaign_results(session: Session, region: Region, period: Period) -> Report:
    """Campaigns run from a node of the subtree, or targeting one of its villages, that overlap
    the period: budget, issued, left, participating households."""
    first, last = date(period.year, 1, 1), date(period.year, 12, 31)
    in_subtree = select(Region.id).where(Region.path.startswith(region.path))
    targeting = select(campaign_villages.c.campaign_id).where(
        campaign_villages.c.village_id.in_(village_ids_select(region))
    )
    campaigns = session.execute(
        select(Campaign).where(
            or_(Campaign.region_id.in_(in_subtree), Campaign.id.in_(targeting)),
            and_(Campaign.starts_on <= last, Campaign.ends_on >= first),
        ).order_by(Campaign.starts_on, Campaign.id)
        # campaign_report() reads each campaign's rules and villages: load them for all at once.
        .options(joinedload(Campaign.region), selectinload(Campaign.rules), selectinload(Campaign.villages))
    ).scalars().all()
    rows = []
    for campaign in campaigns:
        result = campaign_report(session, campaign)
        rows.append((campaign.name, campaign.region.name, campaign.sponsor,
                     f"{campaign.starts_on} ~ {campaign.ends_on}", campaign.budget, result.issued,
                     result.left, result.participants))
    total = (_l("合计"), "", "", "", *(sum(r[i] for r in rows) for i in range(4, 8)))
    return Report(
        key="campaigns", title=_l("%(year)s 年活动成效", year=period.year),
        columns=[Column("name", _l("活动"), "text"), Column("region", _l("发起单位"), "text"),
                 Column("sponsor", _l("资助方"), "text"), Column("dates", _l("起止日期"), "text"),
                 Column("budget", _l("预算")), Column("issued", _l("已发放")), Column("left", _l("剩余预算")),
                 Column("participants", _l("参与户数"))],
        rows=rows, total=total,
        note=_l("已发放和参与户数为活动至今的累计数（含范围外的目标村）。"),
        chart={"type": "bar", "label": 0, "series": [5, 6]},
    )


# --- supermarket turnover -----------------------------------------------------------------------


def supermarket_turnover(session: Session, region: Region, period: Period) -> Report:
    """Per supermarket account and month: points redeemed into it from the subtree's households,
    less what it returned to them (reversals of redemptions)."""
    households = select(Household.account_id).where(Household.village_id.in_(village_ids_select(region)))
    supermarkets = select(Account.id).where(Account.kind == AccountKind.SUPERMARKET)
    # Grouped by the output column's name: PostgreSQL would take the CASE in GROUP BY, with
    # its own bound parameters, for another expression than the one selected.
    month = period.month_of(Entry.created_at).label("period_month")

    def flows(kind, shop_side, household_side):
        return session.execute(
            select(shop_side, month, func.sum(Entry.amount))
            .where(Entry.kind == kind, Entry.created_at >= period.start, Entry.created_at < period.end,
                   shop_side.in_(supermarkets), household_side.in_(households))
            .group_by(shop_side, literal_column("period_month"))
        ).all()

    received: dict[tuple[int, int], int] = {}
    for shop, m, points in flows(EntryKind.REDEEM, Entry.to_account_id, Entry.from_account_id):
        received[(shop, m)] = received.get((shop, m), 0) + int(points)
    for shop, m, points in flows(EntryKind.REVERSE, Entry.from_account_id, Entry.to_account_id):
        received[(shop, m)] = received.get((shop, m), 0) - int(points)
    shops = session.execute(
        select(Account.id, Account.name).where(Account.id.in_({s for s, _ in received}))
        .order_by(Account.id)
    ).all() if received else []
    rows = []
    for shop_id, name in shops:
        months = [received.get((shop_id, m), 0) for m in range(1, MONTHS + 1)]
        rows.append((name, *months, sum(months)))
    total = (_l("合计"), *(sum(r[i] for r in rows) for i in range(1, MONTHS + 2)))
    return Report(
        key="supermarkets", title=_l("%(year)s 年爱心超市兑换积分（按月）", year=period.year),
        columns=[Column("supermarket", _l("超市"), "text"),
                 *(Column(f"m{m}", _l("%(m)s月", m=m)) for m in range(1, MONTHS + 1)),
                 Column("total", _l("全年"))],
        rows=rows, total=total,
        note=_l("超市收到的本范围各户兑换积分，减去退回各户的冲正。"),
        chart={"type": "bar", "label": "months"},
    )


TITLES = {
    "participation": _l("参与率"),
    "villages": _l("各村积分发放与兑换"),
    "categories": _l("按类别的积分发放与扣分"),
    "campaigns": _l("活动成效"),
    "supermarkets": _l("爱心超市兑换积分"),
}

REPORTS = {
    "participation": participation,
    "villages": points_by_village,
    "categories": points_by_category,
    "campaigns": campaign_results,
    "supermarkets": supermarket_turnover,
}
