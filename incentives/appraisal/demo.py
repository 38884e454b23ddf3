"""Demo appraisal: a committee of five villagers in each demo village, one closed round with its
results and bonus, and an open round for the current month. Idempotent: a village that already
has a closed round, or an open one, gets no other."""

import random
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from incentives.appraisal.models import AppraisalRound, RoundStatus
from incentives.appraisal.results import (
    close_round,
)
from incentives.appraisal.services import (
    DEFAULT_CRITERIA,
    households_to_score,
    open_round,
    period_of,
    score_household,
)
from incentives.auth.models import User
from incentives.auth.roles import Role
from incentives.auth.services import create_user, grant_role
from incentives.places.models import Household, Level, Person, Region
from ledger.models import utcnow

MEMBERS = 5
# Demo committee members log in as 1397000VVMM / demoVVMM (village VV, member MM).
PHONE = "1397000{v:02d}{m:02d}"


def seed_appraisal_demo(session: Session, village_names: list[str]) -> None:
    """Must run inside ``run_in_transaction``."""
    rng = random.Random(7007)
    today = utcnow().date()
    this_month, _ = period_of("month", today)
    last_month, _ = period_of("month", date.fromordinal(this_month.toordinal() - 1))
    villages = session.execute(
        select(Region).where(Region.level == Level.VILLAGE, Region.name.in_(village_names))
        .order_by(Region.id)
    ).scalars().all()
    for v, village in enumerate(villages, start=1):
        members = _committee(session, village, v)
        rounds = session.execute(
            select(AppraisalRound).where(AppraisalRound.village_id == village.id)
        ).scalars().all()
        if not any(r.status == RoundStatus.CLOSED for r in rounds):
            closed = open_round(session, village, "month", last_month, list(DEFAULT_CRITERIA),
                                bonus_top=3, bonus_points=20, actor="demo:appraisal")
            for member in members:
                for item in households_to_score(session, closed, member):
                    scores = {c.id: rng.randint(5, 10) for c in closed.criteria}
                    score_household(session, closed.id, member, item.household.id, scores)
            close_round(session, closed.id, actor="demo:appraisal")
        if not any(r.status == RoundStatus.OPEN for r in rounds):
            exists = any(r.cadence == "month" and r.period_start == this_month for r in rounds)
            if not exists:
                open_round(session, village, "month", this_month, list(DEFAULT_CRITERIA),
                           bonus_top=3, bonus_points=20, actor="demo:appraisal")


def _committee(session: Session, village: Region, v: int) -> list[User]:
    """Five villagers of ``village`` (heads of every other household, from 002 on, who have no
    account yet) on its committee; found again by phone on a second run."""
    linked = select(User.person_id).where(User.person_id.is_not(None))
    heads = iter(session.execute(
        select(Person).join(Household, Household.id == Person.household_id)
        .where(Household.village_id == village.id, Person.is_head.is_(True), Person.id.not_in(linked))
        .order_by(Household.number)
    ).scalars().all()[1::2])
    members = []
    for m in range(1, MEMBERS + 1):
        phone = PHONE.format(v=v, m=m)
        user = session.execute(select(User).where(User.phone == phone)).scalar_one_or_none()
        if user is None:
            person = next(heads, None)
            if person is None:
                break
            user, _ = create_user(session, phone, person.name, f"demo{v:02d}{m:02d}", person=person)
            grant_role(session, user, Role.APPRAISER, village, by="demo")
        members.append(user)
    return members
