"""Launching a campaign, awarding from its budget, and what its page shows."""

import uuid
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from incentives.awards.models import Award
from incentives.awards.services import Funding, grant_award
from incentives.campaigns.models import Campaign
from incentives.errors import ServiceError
from incentives.places.models import Household, Level, Region
from incentives.rules.models import Category, Rule
from incentives.rules.services import publish_rule
from ledger import AccountKind, EntryKind, InsufficientBalance, Posting, issuing_account, open_account, post
from ledger.models import Account

SOURCE = "campaign"


class CampaignError(ServiceError):
    """A refusal about a campaign."""


@dataclass(frozen=True)
class CampaignRuleSpec:
    name: str
    category: Category
    points: int
    per: str
    cap_period: str = "none"
    cap_points: int | None = None


def launch_campaign(
    session: Session, region: Region, actor: str, *, name: str, sponsor: str, starts_on: date,
    ends_on: date, budget: int, villages: list[Region], rules: list[CampaignRuleSpec],
) -> Campaign:
    """A campaign over ``villages`` (all inside ``region``), funded with ``budget`` points by
    ``sponsor``: the budget moves into the campaign's own ledger account at once."""
    if not name or not sponsor:
        raise CampaignError(_l("活动名称和资助方必填"))
    if ends_on < starts_on:
        raise CampaignError(_l("结束日期不能早于开始日期"))
    if not isinstance(budget, int) or budget <= 0:
        raise CampaignError(_l("预算必须是正整数"))
    if not villages or any(v.level != Level.VILLAGE or not region.contains(v) for v in villages):
        raise CampaignError(_l("请选择本辖区内的村或社区"))
    if not rules:
        raise CampaignError(_l("至少要有一条活动细则"))
    account = open_account(
        session, AccountKind.BUDGET, f"campaign:{uuid.uuid4().hex}", f"{name}（{sponsor}资助）"
    )
    campaign = Campaign(
        name=name, region=region, sponsor=sponsor, starts_on=starts_on, ends_on=ends_on,
        budget=budget, budget_account_id=account.id, created_by=actor, villages=list(villages),
    )
    for spec in rules:
        rule = publish_rule(
            session, region, spec.category, actor, name=spec.name, points=spec.points, per=spec.per,
            cap_period=spec.cap_period, cap_points=spec.cap_points, evidence_required=False,
            approval_required=False, self_report=False, village_min=None, village_max=None,
        )
        rule.active = False  # the campaign's own: not in any village's catalogue
        campaign.rules.append(rule)
    session.add(campaign)
    session.flush()
    post(session, Posting(
        key=f"campaign:{campaign.id}:budget", from_account_id=issuing_account(session).id,
        to_account_id=account.id, amount=budget, kind=EntryKind.TRANSFER, actor=actor,
        reason=f"{sponsor} 资助「{name}」活动预算", ref_type="campaign", ref_id=str(campaign.id),
    ))
    return campaign


def award_in_campaign(
    session: Session, campaign: Campaign, rule: Rule, household: Household, quantity: int, *,
    actor: str, today: date,
) -> Award:
    """Award ``household`` under one of the campaign's rules, paid from its budget.

    A household gets each campaign rule once (a double tap or a replay awards nothing more).
    Refused outside the window, outside the target villages, and when the budget cannot pay.
    """
    if rule not in campaign.rules:
        raise CampaignError(_l("这条细则不属于本活动"))
    if not campaign.is_open(today):
        raise CampaignError(_l("不在活动时间内"))
    if household.village_id not in {v.id for v in campaign.villages}:
        raise CampaignError(_l("该户不在活动范围内"))
    try:
        return grant_award(
            session, household, rule.current, quantity, source_type=SOURCE, source_id=rule.id,
            actor=actor, reason=f"{campaign.name}：{rule.current.name}",
            funding=Funding(campaign.budget_account_id),
        )
    except InsufficientBalance as exc:
        raise CampaignError(
            _l("活动预算不足：剩余 %(left)s 分，本次需要 %(need)s 分", left=exc.balance, need=exc.amount),
            status=409,
        ) from None


@dataclass(frozen=True)
class VillageParticipation:
    village: Region
    households: int
    participants: int
    points: int

    @property
    def share_percent(self) -> int:
        return 100 * self.participants // self.households if self.households else 0


@dataclass(frozen=True)
class CampaignReport:
    issued: int
    left: int
    participants: int
    villages: list[VillageParticipation]


def campaign_report(session: Session, campaign: Campaign) -> CampaignReport:
    """Points issued, budget left and participation per target village, in aggregate queries."""
    rule_ids = [r.id for r in campaign.rules]
    awarded = (
        select(Household.village_id, func.count(func.distinct(Award.household_id)), func.sum(Award.points))
        .join(Household, Household.id == Award.household_id)
        .where(Award.root_rule_id.in_(rule_ids), Award.points > 0)
        .group_by(Household.village_id)
    )
    by_village = {v: (n, int(p)) for v, n, p in session.execute(awarded)}
    sizes = dict(session.execute(
        select(Household.village_id, func.count(Household.id))
        .where(Household.village_id.in_([v.id for v in campaign.villages]))
        .group_by(Household.village_id)
    ).all())
    villages = [
        VillageParticipation(v, sizes.get(v.id, 0), *by_village.get(v.id, (0, 0)))
        for v in campaign.villages
    ]
    left = session.get(Account, campaign.budget_account_id).balance
    return CampaignReport(
        issued=sum(v.points for v in villages), left=left,
        participants=sum(v.participants for v in villages), villages=villages,
    )
