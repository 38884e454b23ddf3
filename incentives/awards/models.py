"""An award: who got how many points, under which rule version, from what, approved by whom."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incentives.places.models import Household
from incentives.rules.models import RuleVersion
from ledger.base import Base
from ledger.models import BigId, utcnow


class Award(Base):
    __tablename__ = "awards"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("rule_versions.id"))
    root_rule_id: Mapped[int] = mapped_column(ForeignKey("rules.id"))  # what caps count against
    quantity: Mapped[int]  # minutes for per-hour rules, a count otherwise
    requested_points: Mapped[int]  # what the rule gives (negative for a deduction)
    points: Mapped[int]  # what was posted after the cap (or the balance, for a deduction)
    source_type: Mapped[str] = mapped_column(String(16))  # claim, event, campaign, bulk ...
    source_id: Mapped[int]
    actor: Mapped[str] = mapped_column(String(64))  # who approved or entered it
    reason: Mapped[str] = mapped_column(String(300))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    household: Mapped[Household] = relationship()
    rule_version: Mapped[RuleVersion] = relationship()

    __table_args__ = (
        UniqueConstraint("source_type", "source_id", "household_id"),
        Index("ix_awards_cap", "household_id", "root_rule_id", "created_at"),
        # Points by rule over a period, read from the index alone (incentives/reports).
        Index("ix_awards_household_created", "household_id", "created_at", "root_rule_id", "points"),
    )

    @property
    def cut(self) -> int:
        """Points the cap (or an empty balance) kept from this award: shown, never silent."""
        return self.requested_points - self.points
