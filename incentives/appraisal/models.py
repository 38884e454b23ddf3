"""An appraisal round, its published criteria, the members' scores, declared recusals and the
frozen results."""

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incentives.auth.models import User
from incentives.places.models import Household, Region
from ledger.base import Base
from ledger.models import BigId, utcnow


class Cadence(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


class RoundStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class AppraisalRound(Base):
    """One period's appraisal in one village. Closed: frozen, results stored, bonus posted."""

    __tablename__ = "appraisal_rounds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    cadence: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date]
    period_end: Mapped[date]  # inclusive
    status: Mapped[str] = mapped_column(String(10), default=RoundStatus.OPEN)
    # Published with the round, before anyone scores: how many top households get how many points.
    bonus_top: Mapped[int] = mapped_column(default=0)
    bonus_points: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None]
    # The ledger head when the round closed: anyone can check the bonus entries against it.
    ledger_last_id: Mapped[int | None] = mapped_column(BigInteger)
    ledger_hash: Mapped[str | None] = mapped_column(String(64))

    village: Mapped[Region] = relationship()
    criteria: Mapped[list["AppraisalCriterion"]] = relationship(
        back_populates="round", order_by="AppraisalCriterion.position", lazy="selectin"
    )

    __table_args__ = (UniqueConstraint("village_id", "cadence", "period_start"),)

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN


class AppraisalCriterion(Base):
    """A published criterion (孝老爱亲 ...) and its weight; a round's weights sum to 100."""

    __tablename__ = "appraisal_criteria"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("appraisal_rounds.id"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(50))
    weight: Mapped[int]

    round: Mapped[AppraisalRound] = relationship(back_populates="criteria")

    __table_args__ = (UniqueConstraint("round_id", "position"),)


class AppraisalScore(Base):
    """One member's score (0-10) of one household on one criterion. Editable while the round is
    open; a member's scores of a household are written together, all criteria at once."""

    __tablename__ = "appraisal_scores"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("appraisal_rounds.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("appraisal_criteria.id"))
    score: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("round_id", "member_id", "household_id", "criterion_id"),
        Index("ix_appraisal_scores_round_household", "round_id", "household_id"),
    )


class AppraisalRecusal(Base):
    """A recusal the committee declared on top of the automatic ones (own household and
    households linked to it by a recorded move): it holds in every round of the village."""

    __tablename__ = "appraisal_recusals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    reason: Mapped[str] = mapped_column(String(200))
    declared_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[User] = relationship()
    household: Mapped[Household] = relationship()

    __table_args__ = (UniqueConstraint("village_id", "member_id", "household_id"),)


class AppraisalResult(Base):
    """A household's frozen result: the exact score as a fraction (on 0-100), how many members
    scored, the method used, its rank, and the bonus entry when it got one."""

    __tablename__ = "appraisal_results"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("appraisal_rounds.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    rank: Mapped[int]
    numerator: Mapped[int] = mapped_column(BigInteger)
    denominator: Mapped[int] = mapped_column(BigInteger)
    scorers: Mapped[int]
    method: Mapped[str] = mapped_column(String(10))  # "trimmed" or "mean"
    bonus_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))

    household: Mapped[Household] = relationship()

    __table_args__ = (
        UniqueConstraint("round_id", "household_id"),
        Index("ix_appraisal_results_round_rank", "round_id", "rank"),
    )
