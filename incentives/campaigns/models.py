"""A campaign, the villages it targets and the rules it pays for."""

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incentives.places.models import Region
from incentives.rules.models import Rule
from ledger.base import Base
from ledger.models import BigId, utcnow

campaign_villages = Table(
    "campaign_villages",
    Base.metadata,
    Column("campaign_id", ForeignKey("campaigns.id"), primary_key=True),
    Column("village_id", ForeignKey("regions.id"), primary_key=True),
)

# A campaign's rules are rules of its own (not in any village's catalogue), so every award
# still names a rule version like any other.
campaign_rules = Table(
    "campaign_rules",
    Base.metadata,
    Column("campaign_id", ForeignKey("campaigns.id"), primary_key=True),
    Column("rule_id", ForeignKey("rules.id"), primary_key=True),
)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)  # who runs it
    sponsor: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    budget: Mapped[int]  # what the sponsor funded; what is left is the account's balance
    budget_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship()
    villages: Mapped[list[Region]] = relationship(secondary=campaign_villages, order_by=Region.id)
    rules: Mapped[list[Rule]] = relationship(secondary=campaign_rules, order_by=Rule.id)

    def is_open(self, today: date) -> bool:
        return self.starts_on <= today <= self.ends_on
