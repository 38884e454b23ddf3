"""Appraisal rounds: open one on published criteria, score households (with recusal enforced),
declare recusals. Closing a round (results, bonus, publication) is in ``results.py``.

Close family, concretely, with the data we keep: a member is recused from
  1. their own household (the household of the person their account is linked to);
  2. every household linked to their own by a recorded move of a person (``household_moves``)
     in either direction: someone who moved out of the member's household (a child who set up a
     household of their own, 分户; a daughter married out) or into it (a spouse married in, whose
     parents' household is on the other side). These are the parent-child and in-law links the
     roster records; we keep no other kinship data, and a shared surname or head name is not one
     (张建国 is a common name; half a village may share a surname);
  3. every household the committee declared for that member (``AppraisalRecusal``): cousins, business
     partners, a neighbour in a dispute, anything the roster cannot know.
A member whose account is not linked to a resident (township staff sitting on the committee) has
only the declared recusals.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from incentives.appraisal import scoring
from incentives.appraisal.errors import AppraisalError, RecusalRequired
from incentives.appraisal.models import (
    AppraisalCriterion,
    AppraisalRecusal,
    AppraisalRound,
    AppraisalScore,
    Cadence,
    RoundStatus,
)
from incentives.auth.models import RoleGrant, User
from incentives.auth.roles import Role
from incentives.permissions import may_declare_recusal
from incentives.places.models import Household, HouseholdMove, Level, Person, Region
from ledger.models import utcnow

DEFAULT_CRITERIA = (
    ("孝老爱亲", 20),
    ("邻里和睦", 20),
    ("移风易俗", 20),
    ("遵纪守法", 20),
    ("环境卫生", 20),
)
MAX_BONUS_POINTS = 1000
MAX_BONUS_TOP = 50


def period_of(cadence: str, day: date) -> tuple[date, date]:
    """The month or quarter holding ``day``: first and last day."""
    if cadence == Cadence.MONTH:
        start = day.replace(day=1)
        months = 1
    elif cadence == Cadence.QUARTER:
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        months = 3
    else:
        raise AppraisalError(_l("评议周期只能是按月或按季度"))
    month = start.month - 1 + months
    following = date(start.year + month // 12, month % 12 + 1, 1)
    return start, date.fromordinal(following.toordinal() - 1)


def period_label(round_: AppraisalRound) -> str:
    start = round_.period_start
    if round_.cadence == Cadence.QUARTER:
        return str(_l("%(year)s年第%(q)s季度", year=start.year, q=(start.month - 1) // 3 + 1))
    return str(_l("%(year)s年%(month)s月", year=start.year, month=start.month))


def open_round(
    session: Session,
    village: Region,
    cadence: str,
    day: date,
    criteria: list[tuple[str, int]],
    *,
    bonus_top: int = 0,
    bonus_points: int = 0,
    actor: str,
) -> AppraisalRound:
    """Open the round of ``village`` for the period holding ``day`` on ``criteria`` (name,
    weight; weights are whole numbers summing to 100). Must run inside ``run_in_transaction``."""
    if village.level != Level.VILLAGE:
        raise AppraisalError(_l("只能在村或社区开展道德评议"))
    criteria = [(name.strip(), weight) for name, weight in criteria if name and name.strip()]
    if not criteria:
        raise AppraisalError(_l("请至少填写一项评议内容"))
    names = [name for name, _ in criteria]
    if len(set(names)) != len(names):
        raise AppraisalError(_l("评议内容不能重复"))
    if any(len(name) > 50 for name in names):
        raise AppraisalError(_l("评议内容名称不能超过 50 个字"))
    if any(not isinstance(w, int) or w <= 0 for _, w in criteria):
        raise AppraisalError(_l("每项权重必须是正整数"))
    total = sum(w for _, w in criteria)
    if total != scoring.TOTAL_WEIGHT:
        raise AppraisalError(_l("各项权重之和必须等于 100，现在是 %(total)s", total=total))
    if not 0 <= bonus_top <= MAX_BONUS_TOP or not 0 <= bonus_points <= MAX_BONUS_POINTS:
        raise AppraisalError(_l("奖励户数为 0-50，奖励积分为 0-1000"))
    start, end = period_of(cadence, day)
    exists = session.execute(
        select(AppraisalRound.id).where(
            AppraisalRound.village_id == village.id,
            AppraisalRound.cadence == cadence,
            AppraisalRound.period_start == start,
        )
    ).first()
    if exists:
        raise AppraisalError(_l("本村这一期的评议已经存在"), status=409)
    round_ = AppraisalRound(
        village_id=village.id, cadence=cadence, period_start=start, period_end=end,
        status=RoundStatus.OPEN, bonus_top=bonus_top, bonus_points=bonus_points, created_by=actor,
        created_at=utcnow(),
    )
    session.add(round_)
    session.flush()
    for position, (name, weight) in enumerate(criteria, start=1):
        session.add(AppraisalCriterion(round_id=round_.id, position=position, name=name, weight=weight))
    session.flush()
    return round_


def committee(session: Session, village: Region) -> list[User]:
    """The village's appraisal committee: the users holding the appraiser role on it."""
    return list(session.execute(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.APPRAISER, RoleGrant.region_id == village.id)
        .order_by(User.id)
    ).scalars())


def recused_household_ids(session: Session, village_id: int, member: User) -> set[int]:
    """Households ``member`` must not score in ``village_id`` (see the module's docstring)."""
    recused: set[int] = set()
    person_id = member.person_id
    if person_id is not None:
        own = session.execute(select(Person.household_id).where(Person.id == person_id)).scalar()
        if own is not None:
            recused.add(own)
            linked = session.execute(
                select(HouseholdMove.from_household_id, HouseholdMove.to_household_id).where(
                    or_(HouseholdMove.from_household_id == own, HouseholdMove.to_household_id == own)
                )
            )
            for from_id, to_id in linked:
                recused.update((from_id, to_id))
            # The member's own earlier households, should they have moved themselves.
            recused.update(session.execute(
                select(HouseholdMove.from_household_id).where(HouseholdMove.person_id == person_id)
            ).scalars())
    recused.update(session.execute(
        select(AppraisalRecusal.household_id).where(
            AppraisalRecusal.village_id == village_id, AppraisalRecusal.member_id == member.id
        )
    ).scalars())
    return recused


@dataclass(frozen=True)
class ToScore:
    household: Household
    scored: bool


def households_to_score(session: Session, round_: AppraisalRound, member: User) -> list[ToScore]:
    """The village's households ``member`` may score (recused ones left out), in number order."""
    recused = recused_household_ids(session, round_.village_id, member)
    households = session.execute(
        select(Household).where(Household.village_id == round_.village_id).order_by(Household.number)
    ).scalars()
    scored = set(session.execute(
        select(AppraisalScore.household_id).where(
            AppraisalScore.round_id == round_.id, AppraisalScore.member_id == member.id
        )
    ).scalars())
    return [ToScore(h, h.id in scored) for h in households if h.id not in recused]


def my_scores(session: Session, round_id: int, member_id: int, household_id: int) -> dict[int, int]:
    return dict(session.execute(
        select(AppraisalScore.criterion_id, AppraisalScore.score).where(
            AppraisalScore.round_id == round_id, AppraisalScore.member_id == member_id,
            AppraisalScore.household_id == household_id,
        )
    ).all())


def _open_round_locked(session: Session, round_id: int) -> AppraisalRound:
    round_ = session.execute(
        select(AppraisalRound).where(AppraisalRound.id == round_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if round_ is None:
        raise AppraisalError(_l("找不到该评议"), status=404)
    if not round_.is_open:
        raise AppraisalError(_l("本期评议已结束，不能再评分或更改"), status=409)
    return round_


def score_household(
    session: Session, round_id: int, member: User, household_id: int, scores: dict[int, int]
) -> None:
    """Record ``member``'s scores of one household, one per criterion (0-10), replacing their
    earlier ones. Refused after the close (409), for a recused household (403), with a criterion
    missing or out of range (400). Must run inside ``run_in_transaction``."""
    round_ = _open_round_locked(session, round_id)
    household = session.get(Household, household_id)
    if household is None or household.village_id != round_.village_id:
        raise AppraisalError(_l("该户不在本村"), status=404)
    if household_id in recused_household_ids(session, round_.village_id, member):
        raise RecusalRequired(_l("您须回避该户（本人家庭、近亲属家庭或已申报回避），不能为其评分"))
    criterion_ids = {c.id for c in round_.criteria}
    if set(scores) != criterion_ids:
        raise AppraisalError(_l("请为每一项评议内容打分"))
    if any(not isinstance(v, int) or not 0 <= v <= scoring.MAX_SCORE for v in scores.values()):
        raise AppraisalError(_l("每项得分须为 0 到 10 的整数"))
    session.execute(delete(AppraisalScore).where(
        AppraisalScore.round_id == round_id, AppraisalScore.member_id == member.id,
        AppraisalScore.household_id == household_id,
    ))
    now = utcnow()
    session.add_all(
        AppraisalScore(round_id=round_id, member_id=member.id, household_id=household_id,
              criterion_id=cid, score=value, updated_at=now)
        for cid, value in scores.items()
    )
    session.flush()


def declare_recusal(
    session: Session, village: Region, member_id: int, household_id: int, reason: str, *, actor: str,
    by: User,
) -> AppraisalRecusal:
    """Declare that a committee member must not score a household (in every round of the
    village); their scores of it in open rounds are withdrawn. Declaring twice changes nothing.
    ``by`` declares it: an appraiser only for themself, the village committee for anyone (403)."""
    if not may_declare_recusal(by, village, member_id):
        raise AppraisalError(_l("评议委员只能为自己申报回避；为他人申报须由村两委办理"), status=403)
    member = session.get(User, member_id)
    if member is None or member.id not in {u.id for u in committee(session, village)}:
        raise AppraisalError(_l("该人员不是本村评议委员"), status=404)
    household = session.get(Household, household_id)
    if household is None or household.village_id != village.id:
        raise AppraisalError(_l("该户不在本村"), status=404)
    reason = (reason or "").strip()
    if not reason:
        raise AppraisalError(_l("请填写回避原因"))
    existing = session.execute(select(AppraisalRecusal).where(
        AppraisalRecusal.village_id == village.id, AppraisalRecusal.member_id == member_id,
        AppraisalRecusal.household_id == household_id,
    )).scalar_one_or_none()
    if existing is not None:
        return existing
    recusal = AppraisalRecusal(village_id=village.id, member_id=member_id, household_id=household_id,
                      reason=reason[:200], declared_by=actor, created_at=utcnow())
    session.add(recusal)
    open_rounds = select(AppraisalRound.id).where(
        AppraisalRound.village_id == village.id, AppraisalRound.status == RoundStatus.OPEN
    )
    session.execute(delete(AppraisalScore).where(
        AppraisalScore.round_id.in_(open_rounds), AppraisalScore.member_id == member_id,
        AppraisalScore.household_id == household_id,
    ))
    session.flush()
    return recusal


@dataclass(frozen=True)
class Progress:
    members: int
    households: int
    sheets: int  # (member, household) pairs scored


def round_progress(session: Session, round_: AppraisalRound) -> Progress:
    from sqlalchemy import func

    households = session.execute(
        select(func.count(Household.id)).where(Household.village_id == round_.village_id)
    ).scalar_one()
    pairs = (
        select(AppraisalScore.member_id, AppraisalScore.household_id)
        .where(AppraisalScore.round_id == round_.id).distinct()
    )
    sheets = session.execute(select(func.count()).select_from(pairs.subquery())).scalar_one()
    return Progress(len(committee(session, round_.village)), households, sheets)
