"""The ledger's tables: accounts with their running balance, the entries, and the chain head."""

from datetime import UTC, datetime

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
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from ledger.base import Base
from ledger.errors import AppendOnlyViolation

# SQLite only aliases the rowid for a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer, "sqlite")


class Account(Base):
    """An account holds one unit (points or minutes). ``balance`` is a cache of its entries,
    kept in the same transaction as every posting; :func:`ledger.balances.reconcile` proves it."""

    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(10))
    limited: Mapped[bool] = mapped_column(Boolean)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=lambda: utcnow())

    __table_args__ = (
        UniqueConstraint("kind", "owner"),
        # The last guard: even a bug in the posting code cannot leave a limited account negative.
        CheckConstraint("NOT limited OR balance >= 0", name="balance_floor"),
    )

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.kind}:{self.owner} {self.balance} {self.unit}>"


class Entry(Base):
    """One posting: ``amount`` moves from one account to another. Never updated, never deleted."""

    __tablename__ = "ledger_entries"

    # Assigned by the poster from the chain head, so ids are gapless and in chain order.
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    from_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    to_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500))
    ref_type: Mapped[str | None] = mapped_column(String(32))
    ref_id: Mapped[str | None] = mapped_column(String(64))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("from_account_id <> to_account_id", name="two_accounts"),
        Index("ix_ledger_entries_from_account", "from_account_id", "id"),
        Index("ix_ledger_entries_to_account", "to_account_id", "id"),
        Index("ix_ledger_entries_ref", "ref_type", "ref_id"),
        # Cover the reports' aggregates over a period, per account and kind (incentives/reports).
        Index(
            "ix_ledger_entries_to_kind_created",
            "to_account_id", "kind", "created_at", "from_account_id", "amount",
        ),
        Index(
            "ix_ledger_entries_from_kind_created",
            "from_account_id", "kind", "created_at", "to_account_id", "amount",
        ),
    )

    def __repr__(self) -> str:
        return (
            f"<Entry {self.id} {self.kind} {self.amount} "
            f"{self.from_account_id}->{self.to_account_id}>"
        )


class LedgerHead(Base):
    """The single row naming the last entry and its hash; locking it serialises appends."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


def utcnow() -> datetime:
    """Naive UTC to the microsecond: stored the same on SQLite and PostgreSQL, so hashes agree."""
    return datetime.now(UTC).replace(tzinfo=None)


@event.listens_for(Entry, "before_update")
@event.listens_for(Entry, "before_delete")
def _refuse_change(mapper, connection, target):
    raise AppendOnlyViolation(f"ledger entry {target.id} cannot be changed or deleted")
