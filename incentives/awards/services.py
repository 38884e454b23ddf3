"""Granting points under a rule: caps applied and shown, posted to the ledger, once."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from incentives.awards.models import Award
from incentives.errors import ServiceError
from incentives.places.models import Household
from incentives.rules.models import CapPeriod, RuleVersion
from incentives.rules.services import points_for, root_rule_id
from ledger import EntryKind, Posting, issuing_account, post
from ledger.models import Account, Entry, utcnow


@dataclass(frozen=True)
class Funding:
    """Where an award's points come from: the system issuing account, or a campaign budget."""

    account_id: int | None = None  # None: the issuing account


def period_start(period: str, at: datetime) -> datetime | None:
    if period == CapPeriod.MONTH:
        return at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if period == CapPeriod.YEAR:
        return at.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return None


def already_awarded(session: Session, household_id: int, rule_id: int, since: datetime) -> int:
    """Points awarded to the household under the rule since ``since``, counting against its cap;
    an award the committee reversed as wrong (冲正) no longer counts."""
    reversed_ = select(Entry.id).where(Entry.reverses_id == Award.entry_id).exists()
    return session.execute(
        select(func.coalesce(func.sum(Award.points), 0)).where(
            Award.household_id == household_id,
            Award.root_rule_id == rule_id,
            Award.created_at >= since,
            Award.points > 0,
            ~reversed_,
        )
    ).scalar_one()


def grant_award(
    session: Session,
    household: Household,
    version: RuleVersion,
    quantity: int,
    *,
    source_type: str,
    source_id: int,
    actor: str,
    reason: str,
    funding: Funding = Funding(),
) -> Award:
    """Post the points ``version`` gives for ``quantity`` to ``household``, once per source.

    A cap cuts what would exceed it; a deduction takes at most what the household holds. The cut
    is kept on the award and shown. Replaying the same source returns the first award. Must run
    inside ``run_in_transaction``.
    """
    existing = session.execute(
        select(Award).where(
            Award.source_type == source_type,
            Award.source_id == source_id,
            Award.household_id == household.id,
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    if quantity <= 0:
        raise ServiceError(_l("数量必须大于 0"))
    # Lock the household's account first: caps are read and written under one lock per household.
    account = session.execute(
        select(Account).where(Account.id == household.account_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    requested = points_for(version, quantity)
    rule_id = root_rule_id(version.rule)
    now = utcnow()
    points = requested
    if requested > 0 and version.cap_points is not None:
        since = period_start(version.cap_period, now)
        used = already_awarded(session, household.id, rule_id, since) if since else 0
        points = max(0, min(requested, version.cap_points - used))
    elif requested < 0:
        points = -min(-requested, account.balance)
    award = Award(
        household_id=household.id, rule_version_id=version.id, root_rule_id=rule_id,
        quantity=quantity, requested_points=requested, points=points, source_type=source_type,
        source_id=source_id, actor=actor, reason=reason[:300], created_at=now,
    )
    session.add(award)
    session.flush()
    if points:
        source = funding.account_id or issuing_account(session).id
        key = f"award:{award.id}"
        earn = points > 0
        entry = post(session, Posting(
            key=key,
            from_account_id=source if earn else household.account_id,
            to_account_id=household.account_id if earn else source,
            amount=abs(points),
            kind=EntryKind.EARN if earn else EntryKind.DEDUCT,
            actor=actor,
            reason=reason[:500],
            ref_type="award",
            ref_id=str(award.id),
        ))
        award.entry_id = entry.id
        session.flush()
    return award


def grant_hours(
    session: Session, person, minutes: int, *, key: str, actor: str, reason: str
) -> int:
    """Credit ``minutes`` of volunteer time to ``person``'s time bank (时间银行), once per ``key``.
    Returns the ledger entry id."""
    from ledger.kinds import Unit

    if minutes <= 0:
        raise ServiceError(_l("时长必须大于 0"))
    entry = post(session, Posting(
        key=key,
        from_account_id=issuing_account(session, Unit.MINUTES).id,
        to_account_id=person.hours_account_id,
        amount=minutes,
        kind=EntryKind.EARN,
        actor=actor,
        reason=reason[:500],
        ref_type="person",
        ref_id=str(person.id),
    ))
    return entry.id
