"""Closing a round: the exact results (trimmed mean), their ranks, the frozen ranking, the bonus
posted once through the ledger, and the publication on the notice board."""

from dataclasses import dataclass
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from incentives.appraisal import scoring
from incentives.appraisal.errors import AppraisalError
from incentives.appraisal.models import (
    AppraisalResult,
    AppraisalRound,
    AppraisalScore,
    Cadence,
    RoundStatus,
)
from incentives.appraisal.services import committee, recused_household_ids
from incentives.places.models import Household, Region
from ledger import EntryKind, Posting, issuing_account, post_many
from ledger.chain import read_head
from ledger.models import utcnow


@dataclass(frozen=True)
class Computed:
    household_id: int
    value: Fraction  # 0-100 points
    scorers: int
    method: str


def compute_results(session: Session, round_: AppraisalRound) -> list[Computed]:
    """Every scored household's result, best first (ties by household id). Only complete score
    sets count (all criteria), as the form writes them."""
    weights = {c.id: c.weight for c in round_.criteria}
    rows = session.execute(
        select(AppraisalScore.household_id, AppraisalScore.member_id, AppraisalScore.criterion_id,
               AppraisalScore.score)
        .where(AppraisalScore.round_id == round_.id)
    )
    sheets: dict[tuple[int, int], dict[int, int]] = {}
    for household_id, member_id, criterion_id, value in rows:
        sheets.setdefault((household_id, member_id), {})[criterion_id] = value
    # Who may score what is decided again now: a member who left the committee, or who must now
    # recuse themself from a household (a move linked it to theirs), no longer counts.
    members = {u.id: u for u in committee(session, round_.village)}
    recused = {m: recused_household_ids(session, round_.village_id, u) for m, u in members.items()}
    per_household: dict[int, list[int]] = {}
    for (household_id, member_id), sheet in sheets.items():
        if member_id not in members or household_id in recused[member_id]:
            continue
        if set(sheet) == set(weights):
            per_household.setdefault(household_id, []).append(
                scoring.weighted_tenths([weights[c] for c in sheet], list(sheet.values()))
            )
    computed = []
    for household_id, tenths in per_household.items():
        value, method = scoring.household_result(tenths)
        computed.append(Computed(household_id, value, len(tenths), method))
    computed.sort(key=lambda c: (-c.value, c.household_id))
    return computed


def close_round(session: Session, round_id: int, *, actor: str) -> AppraisalRound:
    """Freeze the round: no more scores, results stored with their ranks, and the bonus posted
    to the top households once. Closing a closed round posts any bonus still missing and changes
    nothing else. Must run inside ``run_in_transaction``."""
    round_ = session.execute(
        select(AppraisalRound).where(AppraisalRound.id == round_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if round_ is None:
        raise AppraisalError(_l("找不到该评议"), status=404)
    if round_.is_open:
        computed = compute_results(session, round_)
        ranks = scoring.competition_ranks([c.value for c in computed])
        for c, rank in zip(computed, ranks, strict=True):
            session.add(AppraisalResult(
                round_id=round_.id, household_id=c.household_id, rank=rank, numerator=c.value.numerator,
                denominator=c.value.denominator, scorers=c.scorers, method=c.method,
            ))
        round_.status = RoundStatus.CLOSED
        round_.closed_by = actor
        round_.closed_at = utcnow()
        session.flush()
    post_bonuses(session, round_, actor=actor)
    if round_.ledger_hash is None:
        head = read_head(session)
        round_.ledger_last_id, round_.ledger_hash = head.last_id, head.hash
    publish_ranking(session, round_, actor=actor)
    session.flush()
    return round_


def publication_key(round_: AppraisalRound) -> str:
    return f"round-{round_.id}"


METHOD_TEXT = (
    "每位评议委员按各项权重（合计 100）为每户打分，满分 100；评分人数不少于 5 人时去掉一个最高分和"
    "一个最低分后取平均，否则取平均。精确计算，四舍五入到两位小数；评议委员回避本人家庭和近亲属家庭。"
)


def publish_ranking(session: Session, round_: AppraisalRound, *, actor: str):
    """Publish the frozen ranking on the notice board (public page and poster), once per round,
    in the closing transaction."""
    from incentives.publications.services import publish_appraisal_ranking

    rows = [
        {"household_id": r.household.id, "rank": r.rank, "score": r.display,
         "detail": f"评分 {r.scorers} 人" + ("，去掉最高最低分" if r.method == scoring.TRIMMED else "")}
        for r in ranking(session, round_)
    ]
    village = session.get(Region, round_.village_id)
    return publish_appraisal_ranking(
        session, village_id=village.id, round_key=publication_key(round_),
        title=plain_period_label(round_), rows=rows, method=METHOD_TEXT,
        period_start=round_.period_start, period_end=round_.period_end, now=utcnow(), actor=actor,
    )


def find_ranking_publication(session: Session, round_: AppraisalRound):
    from incentives.publications.models import PublicationKind
    from incentives.publications.services import find_publication

    return find_publication(session, PublicationKind.APPRAISAL_RANKING, round_.village_id,
                            publication_key(round_))


def plain_period_label(round_: AppraisalRound) -> str:
    """The period in Chinese whatever the reader's language: for the ledger and the notice board."""
    start = round_.period_start
    if round_.cadence == Cadence.QUARTER:
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年{start.month}月"


def bonus_key(round_id: int, household_id: int) -> str:
    return f"appraisal:{round_id}:{household_id}"


def post_bonuses(session: Session, round_: AppraisalRound, *, actor: str) -> int:
    """Post the published bonus to every household ranked within ``bonus_top`` (ties at the edge
    all get it), once: one idempotency key per round and household. Returns how many entries
    this call wrote or found."""
    if round_.is_open or not round_.bonus_top or not round_.bonus_points:
        return 0
    winners = session.execute(
        select(AppraisalResult)
        .where(AppraisalResult.round_id == round_.id, AppraisalResult.rank <= round_.bonus_top)
        .order_by(AppraisalResult.rank, AppraisalResult.household_id)
    ).scalars().all()
    if not winners:
        return 0
    issuing = issuing_account(session)
    label = plain_period_label(round_)  # the ledger's reason is data, in Chinese
    households = {h.id: h for h in session.execute(
        select(Household).where(Household.id.in_([r.household_id for r in winners]))
    ).scalars()}
    postings = [
        Posting(
            key=bonus_key(round_.id, r.household_id),
            from_account_id=issuing.id,
            to_account_id=households[r.household_id].account_id,
            amount=round_.bonus_points,
            kind=EntryKind.EARN,
            actor=round_.closed_by or actor,
            reason=f"道德评议奖励：{label}第{r.rank}名",
            ref_type="appraisal_round",
            ref_id=str(round_.id),
        )
        for r in winners
    ]
    ids = post_many(session, postings)
    for r, entry_id in zip(winners, ids, strict=True):
        if r.bonus_entry_id is None:
            r.bonus_entry_id = entry_id
    session.flush()
    return len(ids)


@dataclass(frozen=True)
class RankedHousehold:
    rank: int
    household: Household
    value: Fraction
    scorers: int
    method: str
    bonus_entry_id: int | None

    @property
    def display(self) -> str:
        return scoring.fixed_point(self.value)


def ranking(session: Session, round_: AppraisalRound) -> list[RankedHousehold]:
    """The frozen ranking of a closed round, best first."""
    rows = session.execute(
        select(AppraisalResult, Household).join(Household, Household.id == AppraisalResult.household_id)
        .where(AppraisalResult.round_id == round_.id).order_by(AppraisalResult.rank, Household.number)
    ).all()
    return [
        RankedHousehold(r.rank, h, Fraction(r.numerator, r.denominator), r.scorers, r.method,
                        r.bonus_entry_id)
        for r, h in rows
    ]
