"""The supermarket's tables: supermarkets and the villages they serve, goods, donors and their
donations, stock movements, and checkouts (receipts) with their lines.

Regions, households and ledger rows are referred to by foreign key to their tables only: this
package never imports the web app's models.
"""

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.base import Base
from ledger.models import BigId, utcnow

MAX_ID = 2**63 - 1  # a BIGINT: a larger id sent to PostgreSQL is an error, not "not found"


def is_valid_id(value) -> bool:
    """Whether ``value`` can be a row id (so a made-up number in a URL is "not found", not a 500)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


class MovementKind(enum.StrEnum):
    DONATION = "donation"  # goods received from a donor (+)
    REDEMPTION = "redemption"  # goods handed out at the counter (-)
    ADJUSTMENT = "adjustment"  # a stock-take difference, with a reason (+ or -)
    VOID_RETURN = "void_return"  # goods back on the shelf when a checkout is voided (+)


class DonorKind(enum.StrEnum):
    ENTERPRISE = "enterprise"  # 企业
    AID_UNIT = "aid_unit"  # 帮扶单位
    PERSON = "person"  # 个人


class Supermarket(Base):
    """爱心超市: belongs to a village or township, serves the villages it lists, and receives the
    points spent in it on its own ledger account (kind ``supermarket``)."""

    __tablename__ = "supermarkets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    served: Mapped[list["ServedVillage"]] = relationship(
        cascade="all, delete-orphan", order_by="ServedVillage.village_id"
    )

    __table_args__ = (UniqueConstraint("region_id", "name"),)

    @property
    def village_ids(self) -> set[int]:
        return {s.village_id for s in self.served}


class ServedVillage(Base):
    """A village whose households may redeem at the supermarket."""

    __tablename__ = "supermarket_villages"

    supermarket_id: Mapped[int] = mapped_column(ForeignKey("supermarkets.id"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True, index=True)


class Goods(Base):
    """An article on the shelf. ``stock`` is a cache of the sum of its movements, written in the
    same transaction as each movement (and proved by :func:`redeem.stock.reconcile_stock`); the
    row is also what a seller locks, so two counters cannot sell the last item twice."""

    __tablename__ = "goods"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    supermarket_id: Mapped[int] = mapped_column(ForeignKey("supermarkets.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    initials: Mapped[str] = mapped_column(String(100), default="", index=True)  # pinyin: 洗衣粉 -> xyf
    photo: Mapped[str | None] = mapped_column(String(200))
    price: Mapped[int] = mapped_column(Integer)  # points per unit
    unit: Mapped[str] = mapped_column(String(10))  # 袋, 瓶, 条 ...
    monthly_limit: Mapped[int | None] = mapped_column(Integer)  # per household per month; None: none
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    stock: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("supermarket_id", "name"),
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("monthly_limit IS NULL OR monthly_limit > 0", name="limit_positive"),
        # The last guard: even a bug in the stock code cannot leave the shelf below zero.
        CheckConstraint("stock >= 0", name="stock_floor"),
    )


class Donor(Base):
    """Who gives goods: an enterprise, a 帮扶单位 (paired aid unit) or a person."""

    __tablename__ = "donors"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    supermarket_id: Mapped[int] = mapped_column(ForeignKey("supermarkets.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("supermarket_id", "name"),)


class Donation(Base):
    """One lot received: so many units of one article from one donor, worth ``value_fen``."""

    __tablename__ = "donations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    supermarket_id: Mapped[int] = mapped_column(ForeignKey("supermarkets.id"), index=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id"), index=True)
    goods_id: Mapped[int] = mapped_column(ForeignKey("goods.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    value_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # money in fen: exact integers
    note: Mapped[str] = mapped_column(String(200), default="")
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The form's one-time key: a double submit records the lot once. None for lots written by code.
    key: Mapped[str | None] = mapped_column(String(100), unique=True)

    donor: Mapped[Donor] = relationship()
    goods: Mapped[Goods] = relationship()

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("value_fen >= 0", name="value_not_negative"),
    )


class Checkout(Base):
    """A receipt: what a household took, for how many points, posted as one ledger entry. A void
    (same day, with a reason) reverses that entry and returns the goods; the row records it."""

    __tablename__ = "checkouts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)  # one per form: a double submit posts once
    supermarket_id: Mapped[int] = mapped_column(ForeignKey("supermarkets.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    total_points: Mapped[int] = mapped_column(BigInteger)
    # Set in the same transaction, right after the posting that names this checkout as its ref.
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    void_reason: Mapped[str | None] = mapped_column(String(200))
    void_actor: Mapped[str | None] = mapped_column(String(64))
    void_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)

    lines: Mapped[list["CheckoutLine"]] = relationship(
        cascade="all, delete-orphan", order_by="CheckoutLine.id"
    )

    __table_args__ = (
        CheckConstraint("total_points > 0", name="total_positive"),
        Index("ix_checkouts_supermarket_created", "supermarket_id", "created_at"),
    )

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


class CheckoutLine(Base):
    """One article on a receipt, at the price of the moment."""

    __tablename__ = "checkout_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    checkout_id: Mapped[int] = mapped_column(ForeignKey("checkouts.id"), index=True)
    goods_id: Mapped[int] = mapped_column(ForeignKey("goods.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))  # as it was called when sold
    unit: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(BigInteger)

    goods: Mapped[Goods] = relationship()

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_checkout_lines_goods", "goods_id", "checkout_id"),
    )


class StockMovement(Base):
    """Every change of stock, signed: the shelf is the sum of these. Never edited."""

    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    goods_id: Mapped[int] = mapped_column(ForeignKey("goods.id"))
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(Integer)  # + in, - out
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donations.id"))
    checkout_id: Mapped[int | None] = mapped_column(ForeignKey("checkouts.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("quantity <> 0", name="not_zero"),
        Index("ix_stock_movements_goods_created", "goods_id", "created_at"),
    )
