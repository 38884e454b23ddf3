"""Stock: every change is a signed movement (donation in, redemption out, stock-take adjustment,
void return), and the shelf never goes below zero.

Whoever changes stock first locks the goods rows, always in id order (no deadlock between two
counters): on PostgreSQL with ``SELECT ... FOR UPDATE``, on SQLite by the write lock that
``BEGIN IMMEDIATE`` took (see :func:`ledger.transaction.run_in_transaction`). Only then is the
stock read and checked, so two counters cannot both hand out the last bag.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.models import utcnow
from ledger.transaction import in_write_transaction
from redeem.errors import (
    DonationKeyReused,
    InvalidInput,
    StockWouldGoNegative,
    UnknownDonor,
    UnknownGoods,
)
from redeem.models import (
    Checkout,
    CheckoutLine,
    Donation,
    Donor,
    DonorKind,
    Goods,
    MovementKind,
    StockMovement,
    is_valid_id,
)

MAX_QUANTITY = 100_000
MAX_VALUE_FEN = 10**12
MAX_KEY = 100


def lock_goods(session: Session, goods_ids: Iterable[int]) -> dict[int, Goods]:
    """Lock the goods rows in id order and return them freshly read. Raises :class:`UnknownGoods`
    for an id that does not exist. Must run inside ``run_in_transaction``."""
    if not in_write_transaction(session):
        raise RuntimeError("stock changes must run inside run_in_transaction()")
    ids = sorted(set(goods_ids))
    rows = session.execute(
        select(Goods).where(Goods.id.in_(ids)).order_by(Goods.id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalars().all()
    found = {g.id: g for g in rows}
    for goods_id in ids:
        if goods_id not in found:
            raise UnknownGoods(str(goods_id))
    return found


def move_stock(
    session: Session, goods: Goods, kind: MovementKind, quantity: int, *, actor: str, reason: str = "",
    donation_id: int | None = None, checkout_id: int | None = None, now: datetime | None = None,
) -> StockMovement:
    """Record one movement of a goods row already locked by :func:`lock_goods` and update its
    stock. Raises :class:`StockWouldGoNegative` rather than take the shelf below zero."""
    if goods.stock + quantity < 0:
        raise StockWouldGoNegative(name=goods.name, stock=goods.stock, quantity=-quantity)
    movement = StockMovement(
        goods_id=goods.id, kind=MovementKind(kind).value, quantity=quantity, donation_id=donation_id,
        checkout_id=checkout_id, reason=reason, actor=actor, created_at=now or utcnow(),
    )
    goods.stock += quantity
    session.add(movement)
    return movement


def _positive(value, field: str, upper: int = MAX_QUANTITY, allow_zero: bool = False) -> int:
    lower = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or not lower <= value <= upper:
        raise InvalidInput(f"{field} out of range", field=field)
    return value


def find_or_add_donor(session: Session, supermarket_id: int, name: str, kind: DonorKind | str) -> Donor:
    """The supermarket's donor called ``name``, added with ``kind`` if new (an existing donor keeps
    its kind)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("donor name", field="donor")
    try:
        kind = DonorKind(kind)
    except ValueError:
        raise InvalidInput("donor kind", field="kind") from None
    find = select(Donor).where(Donor.supermarket_id == supermarket_id, Donor.name == name)
    donor = session.execute(find).scalar_one_or_none()
    if donor is None:
        try:
            # A savepoint: on PostgreSQL another transaction may add the same donor meanwhile.
            with session.begin_nested():
                donor = Donor(supermarket_id=supermarket_id, name=name, kind=kind.value)
                session.add(donor)
                session.flush()
        except IntegrityError:
            donor = session.execute(find).scalar_one()
    return donor


def get_donor(session: Session, donor_id, supermarket_id: int | None = None) -> Donor:
    donor = session.get(Donor, donor_id) if is_valid_id(donor_id) else None
    if donor is None or (supermarket_id is not None and donor.supermarket_id != supermarket_id):
        raise UnknownDonor(str(donor_id))
    return donor


def donation_by_key(session: Session, key: str | None) -> Donation | None:
    """The donation recorded from the form whose one-time key is ``key``, if any."""
    if not key:
        return None
    return session.execute(
        select(Donation).where(Donation.key == key).execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _replay(existing: Donation, donor_id: int, goods_id: int, quantity: int, value_fen: int) -> Donation:
    if (existing.donor_id, existing.goods_id, existing.quantity, existing.value_fen) != (
        donor_id, goods_id, quantity, value_fen
    ):
        raise DonationKeyReused(key=existing.key)
    return existing


def record_donation(
    session: Session, *, donor_id: int, goods_id: int, quantity: int, value_fen: int, actor: str,
    note: str = "", now: datetime | None = None, key: str | None = None,
) -> Donation:
    """Receive ``quantity`` units of an article from a donor of the same supermarket, worth
    ``value_fen`` (yuan x 100). Raises :class:`InvalidInput`, :class:`UnknownGoods`,
    :class:`UnknownDonor`.

    ``key`` identifies the form: the same key again (a double submit) returns the first donation
    and writes nothing; with another lot it raises :class:`DonationKeyReused`."""
    quantity = _positive(quantity, "quantity")
    value_fen = _positive(value_fen, "value", MAX_VALUE_FEN, allow_zero=True)
    if len(note or "") > 200:
        raise InvalidInput("note too long", field="note")
    if key is not None and not 0 < len(key) <= MAX_KEY:
        raise InvalidInput("donation key", field="key")
    existing = donation_by_key(session, key)
    if existing is not None:
        return _replay(existing, donor_id, goods_id, quantity, value_fen)
    goods = lock_goods(session, [goods_id])[goods_id]
    # Under the goods lock: a twin of this form that got there first is now visible.
    existing = donation_by_key(session, key)
    if existing is not None:
        return _replay(existing, donor_id, goods_id, quantity, value_fen)
    donor = get_donor(session, donor_id, goods.supermarket_id)
    now = now or utcnow()
    donation = Donation(
        supermarket_id=goods.supermarket_id, donor_id=donor.id, goods_id=goods.id, quantity=quantity,
        value_fen=value_fen, note=(note or "").strip(), actor=actor, created_at=now, key=key,
    )
    session.add(donation)
    session.flush()
    move_stock(session, goods, MovementKind.DONATION, quantity, actor=actor, donation_id=donation.id,
               reason=donor.name, now=now)
    session.flush()
    return donation


def record_stock_take(
    session: Session, goods_id: int, *, counted: int, reason: str, actor: str, now: datetime | None = None
) -> StockMovement | None:
    """The clerk counted ``counted`` units on the shelf: record the difference as an adjustment
    with ``reason`` (damaged, expired, miscounted ...). None when the count agrees."""
    counted = _positive(counted, "counted", allow_zero=True)
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise InvalidInput("a stock-take needs a reason", field="reason")
    goods = lock_goods(session, [goods_id])[goods_id]
    delta = counted - goods.stock
    if delta == 0:
        return None
    movement = move_stock(session, goods, MovementKind.ADJUSTMENT, delta, actor=actor, reason=reason, now=now)
    session.flush()
    return movement


def movements_of(session: Session, goods_id: int, limit: int = 50) -> list[StockMovement]:
    return list(
        session.execute(
            select(StockMovement).where(StockMovement.goods_id == goods_id)
            .order_by(StockMovement.id.desc()).limit(limit)
        ).scalars()
    )


@dataclass(frozen=True)
class StockMismatch:
    goods_id: int
    cached: int
    computed: int


def reconcile_stock(session: Session, supermarket_id: int | None = None) -> list[StockMismatch]:
    """Prove each article's stock equals the sum of its movements; the mismatches (none: all good)."""
    sums = (
        select(StockMovement.goods_id, func.sum(StockMovement.quantity).label("total"))
        .group_by(StockMovement.goods_id).subquery()
    )
    stmt = select(Goods.id, Goods.stock, func.coalesce(sums.c.total, 0)).outerjoin(
        sums, sums.c.goods_id == Goods.id
    )
    if supermarket_id is not None:
        stmt = stmt.where(Goods.supermarket_id == supermarket_id)
    return [StockMismatch(i, s, int(t)) for i, s, t in session.execute(stmt) if s != t]


# -- what a donor's gifts became -------------------------------------------------------------------


@dataclass
class DonationOutcome:
    """One donated lot and, first in first out, what became of it."""

    donation: Donation
    redeemed: int = 0  # units handed out at the counter
    points: int = 0  # the points those units were redeemed for
    written_off: int = 0  # units lost in stock-takes
    on_shelf: int = 0  # units still there

    def __post_init__(self):
        self.on_shelf = self.donation.quantity


def donor_outcomes(session: Session, donor_id: int) -> list[DonationOutcome]:
    """The donor's donations, newest first, each with what it was redeemed for.

    Goods are fungible on the shelf, so units leave in the order they came in (FIFO): the lots
    received before a unit went out are used up first. Voided checkouts do not count.
    """
    donations = list(
        session.execute(
            select(Donation).where(Donation.donor_id == donor_id).order_by(Donation.id)
        ).scalars()
    )
    outcomes = {d.id: DonationOutcome(d) for d in donations}
    for goods_id in sorted({d.goods_id for d in donations}):
        _allocate_fifo(session, goods_id, outcomes)
    return [outcomes[d.id] for d in reversed(donations)]


def _allocate_fifo(session: Session, goods_id: int, outcomes: dict[int, DonationOutcome]) -> None:
    moves = session.execute(
        select(StockMovement.kind, StockMovement.quantity, StockMovement.donation_id,
               StockMovement.checkout_id)
        .where(StockMovement.goods_id == goods_id).order_by(StockMovement.id)
    ).all()
    voided = set(
        session.execute(
            select(Checkout.id).join(CheckoutLine, CheckoutLine.checkout_id == Checkout.id)
            .where(CheckoutLine.goods_id == goods_id, Checkout.voided_at.is_not(None))
        ).scalars()
    )
    prices = dict(
        session.execute(
            select(CheckoutLine.checkout_id, CheckoutLine.unit_price).where(CheckoutLine.goods_id == goods_id)
        ).all()
    )
    lots: list[list] = []  # [donation_id or None, units left], oldest first
    for kind, quantity, donation_id, checkout_id in moves:
        if kind == MovementKind.VOID_RETURN or checkout_id in voided:
            continue  # a voided sale and its return cancel out
        if quantity > 0:
            lots.append([donation_id, quantity])
            continue
        left = -quantity
        for lot in lots:
            if left == 0:
                break
            take = min(lot[1], left)
            if take == 0:
                continue
            lot[1] -= take
            left -= take
            outcome = outcomes.get(lot[0])
            if outcome is None:
                continue
            outcome.on_shelf -= take
            if kind == MovementKind.REDEMPTION:
                outcome.redeemed += take
                outcome.points += take * prices.get(checkout_id, 0)
            else:
                outcome.written_off += take
