"""Credits (积分券) as staff and villagers meet them: which budgets a user may draw on, issuing a
batch from one, the village pool, and claiming a credit by phone. The rules themselves are in
:mod:`redeem.credits`; these functions add who, where and the local calendar."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from incentives.campaigns.models import Campaign
from incentives.permissions import (
    Action,
    can_issue_from_campaign,
    can_issue_from_village_pool,
    regions_for,
)
from incentives.places.models import Household, Level, Region
from ledger import AccountKind, EntryKind, Posting, issuing_account, open_account, post
from ledger.models import Account, utcnow
from redeem.credit_models import Credit, CreditBatch
from redeem.credits import InvalidBatch, issue_batch, redeem_credit, too_far


@dataclass(frozen=True)
class BudgetSource:
    """A budget a user may issue credits from: a campaign's, or a village's pool."""

    key: str  # "campaign:<id>" or "village:<id>", the form's value
    label: str
    account_id: int
    region: Region  # who issues: the campaign's node, or the village
    villages: list[Region]  # where the credits may be used
    campaign_id: int | None = None


def village_pool(session: Session, village: Region) -> Account:
    """The village's issuing pool (a ``budget`` account), opened on first use."""
    return open_account(session, AccountKind.BUDGET, f"village:{village.id}", f"{village.name}积分池")


def fund_village_pool(session: Session, village: Region, amount: int, *, sponsor: str, actor: str,
                      key: str) -> Account:
    """Put ``amount`` points into the village's pool from the system, once per ``key``."""
    pool = village_pool(session, village)
    post(session, Posting(
        key=key, from_account_id=issuing_account(session).id, to_account_id=pool.id, amount=amount,
        kind=EntryKind.TRANSFER, actor=actor, reason=f"{sponsor} 资助{village.name}积分池",
        ref_type="village", ref_id=str(village.id),
    ))
    return pool


def budget_sources(session: Session, user) -> list[BudgetSource]:
    """Every budget ``user`` may draw credits on: campaigns they run that have not ended, their
    village's pool."""
    sources = []
    nodes = regions_for(user, Action.ISSUE_CREDITS)
    if not nodes:
        return sources
    campaigns = session.execute(
        select(Campaign).join(Region, Region.id == Campaign.region_id)
        .where(or_(*(Region.path.startswith(node.path) for node in nodes)))
        .where(Campaign.ends_on >= utcnow().date())  # an ended campaign issues nothing more
        .order_by(Campaign.id.desc())
    ).scalars()
    for campaign in campaigns:
        if can_issue_from_campaign(user, campaign):
            sources.append(BudgetSource(
                f"campaign:{campaign.id}", campaign.name, campaign.budget_account_id, campaign.region,
                list(campaign.villages), campaign.id,
            ))
    for node in nodes:
        if node.level == Level.VILLAGE and can_issue_from_village_pool(user, node):
            pool = session.execute(select(Account).where(
                Account.kind == AccountKind.BUDGET.value, Account.owner == f"village:{node.id}"
            )).scalar_one_or_none()
            if pool is not None:
                sources.append(BudgetSource(
                    f"village:{node.id}", f"{node.name}积分池", pool.id, node, [node]
                ))
    return sources


def expiry_instant(expires_on: date, zone: ZoneInfo) -> datetime:
    """The naive UTC instant the local day ``expires_on`` ends: a credit is good all that day."""
    end = datetime.combine(expires_on + timedelta(days=1), time(0), tzinfo=zone)
    return end.astimezone(UTC).replace(tzinfo=None)


def issue_credits(
    session: Session, user, source_key: str, *, name: str, points: int, count: int,
    expires_on: date, zone: ZoneInfo, now: datetime, key: str | None = None,
) -> CreditBatch:
    """Issue a batch from the source ``source_key`` if ``user`` may draw on it; ``key`` is the
    form's, so a double submit issues once (see :func:`redeem.credits.issue_batch`)."""
    source = next((s for s in budget_sources(session, user) if s.key == source_key), None)
    if source is None:
        raise InvalidBatch(field="budget")
    if too_far(expires_on, now):  # before expiry_instant: 9999-12-31 plus a day overflows
        raise InvalidBatch(field="expires_on")
    return issue_batch(
        session, budget_account_id=source.account_id, region_id=source.region.id,
        village_ids=[v.id for v in source.villages], name=name, points=points, count=count,
        expires_on=expires_on, expires_at=expiry_instant(expires_on, zone), actor=f"user:{user.id}",
        now=now, campaign_id=source.campaign_id, key=key,
    )


def claim_credit(session: Session, user, code: str, now: datetime) -> Credit:
    """A villager scanned a credit with their phone: it goes into their household's points."""
    household = session.get(Household, user.person.household_id)
    return redeem_credit(session, code, household.account_id, f"user:{user.id}", now, channel="phone")


def batch_villages(session: Session, batch: CreditBatch) -> list[Region]:
    from redeem.credits import batch_village_ids

    ids = batch_village_ids(session, batch.id)
    return list(session.execute(select(Region).where(Region.id.in_(ids)).order_by(Region.id)).scalars())
