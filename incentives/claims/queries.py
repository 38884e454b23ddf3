"""Reading claims for the pages: a household's list, a reviewer's queue, a village's notice, and
the rules and households the forms offer. Nothing here writes."""

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from incentives.claims.models import Claim, ClaimState
from incentives.permissions import Action, regions_for
from incentives.places.models import Household, Level, Region
from incentives.rules.models import Rule
from incentives.rules.services import catalogue_for

QUEUE_LIMIT = 100
# The review page's two queues: reports for reviewers, objections for who runs the notice.
_QUEUES = ((Action.REVIEW_CLAIM, ClaimState.SUBMITTED), (Action.MANAGE_NOTICE, ClaimState.OBJECTED))


def reportable_rules(session: Session, village: Region) -> list[Rule]:
    """Rules a villager of ``village`` may report themselves: in force there, self-report, earning."""
    return [r for r in catalogue_for(session, village) if r.current.self_report and r.current.points > 0]


def award_rules(session: Session, village: Region) -> list[Rule]:
    return [r for r in catalogue_for(session, village) if r.current.points > 0]


def deduction_rules(session: Session, village: Region) -> list[Rule]:
    return [r for r in catalogue_for(session, village) if r.current.points < 0]


def household_claims(session: Session, household_id: int, *, limit: int = 50) -> list[Claim]:
    """A household's claims, newest first: what it reported and what was entered against it."""
    return list(session.execute(
        _with_details(select(Claim)).where(Claim.household_id == household_id)
        .order_by(Claim.id.desc()).limit(limit)
    ).scalars())


def review_queue(session: Session, user, *, limit: int | None = None) -> tuple[list[Claim], list[Claim]]:
    """What waits for ``user``: reports to review in their grids and villages, and objections to
    resolve in the villages whose notice they run. Oldest first: first come, first served; at
    most ``limit`` (default :data:`QUEUE_LIMIT`) of each."""
    limit = QUEUE_LIMIT if limit is None else limit
    return tuple(
        list(session.execute(
            _with_details(queue).order_by(Claim.id).limit(limit)
        ).scalars()) if queue is not None else []
        for queue in _queues(user, select(Claim))
    )


def review_counts(session: Session, user) -> tuple[int, int]:
    """How many reports and objections wait for ``user`` in all (the queue shows the oldest)."""
    return tuple(
        session.execute(queue).scalar_one() if queue is not None else 0
        for queue in _queues(user, select(func.count(Claim.id)))
    )


def _queues(user, stmt: Select) -> tuple[Select | None, Select | None]:
    """``stmt`` narrowed to each of the two queues (None where the user has no part in one)."""
    queues = []
    for action, state in _QUEUES:
        regions = regions_for(user, action)
        queues.append(
            stmt.join(Household, Household.id == Claim.household_id)
            .where(Claim.state == state.value, or_(*(_in_region(r) for r in regions)))
            if regions else None
        )
    return tuple(queues)


def _in_region(region: Region):
    # The same rule as permissions.can: a household counts in its grid, or its village if none.
    if region.level == Level.GRID:
        return Household.grid_id == region.id
    villages = select(Region.id).where(
        Region.path.startswith(region.path), Region.level == Level.VILLAGE.value
    )
    return Claim.village_id.in_(villages)


def notice_items(session: Session, village_id: int) -> list[Claim]:
    """The village's public notice: approved items waiting for their notice to end, and those
    under objection, soonest ending first."""
    return list(session.execute(
        _with_details(select(Claim)).where(
            Claim.village_id == village_id,
            Claim.state.in_([ClaimState.IN_NOTICE.value, ClaimState.OBJECTED.value]),
        ).order_by(Claim.notice_ends_at, Claim.id)
    ).scalars())


def village_households(session: Session, village_id: int) -> list[Household]:
    """The village's households by number, for the committee's deduction and bulk forms."""
    return list(session.execute(
        select(Household).options(joinedload(Household.grid))
        .where(Household.village_id == village_id).order_by(Household.number)
    ).scalars())


def _with_details(stmt: Select) -> Select:
    return stmt.options(
        joinedload(Claim.household), joinedload(Claim.rule_version), joinedload(Claim.award),
        selectinload(Claim.photos),
    )
