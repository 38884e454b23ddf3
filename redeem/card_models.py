"""The tables of printed household cards (平安家庭积分卡) and of PIN attempts at the counter.

A card only identifies a household: the points stay on the household's ledger account, so a lost
card is revoked and a new one issued without anything moving in the ledger.
"""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.base import Base
from ledger.models import BigId, utcnow


class HouseholdCard(Base):
    __tablename__ = "household_cards"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    number: Mapped[str] = mapped_column(String(12), unique=True)  # digits, the last a check digit
    pin_hash: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoke_reason: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index("ix_household_cards_household", "household_id"),
        # At most one card in use per household: a second issue must revoke the first.
        Index(
            "uq_household_cards_active", "household_id", unique=True,
            sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class CardAttempt(Base):
    """One card-and-PIN check at a counter. Kept in the database so throttling holds across web
    workers: too many failures lock the card, and too many by one clerk lock that clerk out."""

    __tablename__ = "card_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("household_cards.id"))
    actor: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        Index("ix_card_attempts_card_at", "card_id", "at"),
        Index("ix_card_attempts_actor_at", "actor", "at"),
    )
