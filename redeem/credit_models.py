"""The tables of QR-coded credits (积分券): a batch issued from a budget, and its single-use codes.

A batch's points wait in an escrow account of its own (kind ``budget``, one per batch) between
issue and use, so the escrow's balance is always exactly the value of the batch's unused credits.
Regions, campaigns and ledger rows are referred to by foreign key only.
"""

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.base import Base
from ledger.models import BigId, utcnow


class CreditState(enum.StrEnum):
    ISSUED = "issued"  # printed, waiting to be claimed or spent
    USED = "used"  # claimed by phone or spent at the counter: its points are in a household
    REVOKED = "revoked"  # withdrawn by staff: its points went back to the budget
    EXPIRED = "expired"  # not used in time: its points went back to the budget


credit_batch_villages = Table(
    "credit_batch_villages",
    Base.metadata,
    Column("batch_id", ForeignKey("credit_batches.id"), primary_key=True),
    Column("village_id", ForeignKey("regions.id"), primary_key=True),
)


class CreditBatch(Base):
    """Credits issued together: one value, one expiry, one budget, the villages that may use them."""

    __tablename__ = "credit_batches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))  # what for: 重阳节敬老, 河道清理奖励 ...
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)  # who issued it
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    budget_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    escrow_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    points: Mapped[int] = mapped_column(Integer)  # per credit
    count: Mapped[int] = mapped_column(Integer)
    expires_on: Mapped[date] = mapped_column(Date)  # the last local day it can be used
    expires_at: Mapped[datetime] = mapped_column(DateTime)  # the UTC instant that day ends
    issue_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoke_reason: Mapped[str | None] = mapped_column(String(200))
    # Set once, by the expiry job, when the unused credits' points went back to the budget.
    settled_at: Mapped[datetime | None] = mapped_column(DateTime)
    expire_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    # The form's one-time key: a double submit issues the batch once. None for batches made by code.
    key: Mapped[str | None] = mapped_column(String(100), unique=True)

    credits: Mapped[list["Credit"]] = relationship(back_populates="batch", order_by="Credit.id")

    __table_args__ = (
        CheckConstraint("points > 0", name="credit_batch_points_positive"),
        CheckConstraint("count > 0", name="credit_batch_count_positive"),
        Index("ix_credit_batches_due", "settled_at", "expires_at"),
    )

    @property
    def total(self) -> int:
        return self.points * self.count


class Credit(Base):
    """One single-use code. ``state`` moves once from ``issued`` to one of the others, by a
    conditional update, so two counters scanning it at once cannot both use it."""

    __tablename__ = "credits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("credit_batches.id"))
    code: Mapped[str] = mapped_column(String(16), unique=True)  # normalised, with its check symbol
    state: Mapped[str] = mapped_column(String(10), default=CreditState.ISSUED.value)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    used_by: Mapped[str | None] = mapped_column(String(64))  # the actor: the villager or the clerk
    channel: Mapped[str | None] = mapped_column(String(10))  # phone | counter
    household_account_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoke_reason: Mapped[str | None] = mapped_column(String(200))
    return_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)

    batch: Mapped[CreditBatch] = relationship(back_populates="credits")

    __table_args__ = (Index("ix_credits_batch_state", "batch_id", "state"),)


__all__ = ["Credit", "CreditBatch", "CreditState", "credit_batch_villages"]
