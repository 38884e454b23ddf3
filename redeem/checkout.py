"""Checkout at the counter and its same-day void.

A checkout moves points (household -> supermarket, one ledger entry), stock (one redemption
movement per article) and writes the receipt, all in the caller's one transaction: a refusal
raises before anything is written, and the caller's rollback leaves nothing half-done.

Locks are taken in one fixed order everywhere: goods rows (by id), then the ledger's chain head,
then the ledger accounts (the poster locks those). Two counters selling to the same household,
or the last bag of rice, therefore wait for each other instead of both succeeding.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import EntryKind, InsufficientBalance, Posting, post, reverse
from ledger.models import utcnow
from ledger.posting import lock_chain
from redeem.errors import (
    AlreadyVoided,
    EmptyCart,
    GoodsInactive,
    InsufficientPoints,
    InvalidInput,
    KeyReused,
    MonthlyLimitReached,
    OutOfStock,
    UnknownCheckout,
    VoidTooLate,
    WrongSupermarket,
)
from redeem.models import Checkout, CheckoutLine, MovementKind, is_valid_id
from redeem.stock import MAX_QUANTITY, lock_goods, move_stock
from redeem.supermarkets import get_supermarket

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")
MAX_KEY = 100
MAX_LINES = 50
REF_TYPE = "checkout"  # the ledger entry's ref_type; its ref_id is the checkout id


@dataclass(frozen=True)
class Buyer:
    """The household at the counter, as the web layer identified it."""

    household_id: int
    account_id: int  # its ledger points account
    village_id: int


def normalise_cart(lines: Iterable[tuple[int, int]]) -> dict[int, int]:
    """``[(goods_id, quantity), ...]`` as ``{goods_id: total quantity}``; :class:`EmptyCart` if
    nothing is in it, :class:`InvalidInput` for a quantity that is not a positive integer."""
    cart: dict[int, int] = {}
    for goods_id, quantity in lines:
        for value in (goods_id, quantity):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InvalidInput("cart line", field="quantity")
        cart[goods_id] = cart.get(goods_id, 0) + quantity
        if cart[goods_id] > MAX_QUANTITY:
            raise InvalidInput("cart line", field="quantity")
    if not cart:
        raise EmptyCart()
    if len(cart) > MAX_LINES:
        raise InvalidInput("too many lines", field="cart")
    return cart


def month_start(moment: datetime, zone: ZoneInfo = DEFAULT_ZONE) -> datetime:
    """The naive UTC instant the local calendar month of ``moment`` (naive UTC) began."""
    local = moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return first.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def local_date(moment: datetime, zone: ZoneInfo = DEFAULT_ZONE):
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).date()


def taken_this_month(
    session: Session, household_id: int, goods_ids: Iterable[int], now: datetime,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> dict[int, int]:
    """Units of each article the household took this (local) month, voided checkouts excluded."""
    ids = list(goods_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(CheckoutLine.goods_id, func.sum(CheckoutLine.quantity))
        .join(Checkout, Checkout.id == CheckoutLine.checkout_id)
        .where(
            Checkout.household_id == household_id,
            Checkout.voided_at.is_(None),
            Checkout.created_at >= month_start(now, zone),
            CheckoutLine.goods_id.in_(ids),
        )
        .group_by(CheckoutLine.goods_id)
    ).all()
    return {goods_id: int(total) for goods_id, total in rows}


def _find_by_key(session: Session, key: str) -> Checkout | None:
    return session.execute(
        select(Checkout).where(Checkout.key == key).execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _replay(existing: Checkout, buyer: Buyer, supermarket_id: int, cart: dict[int, int]) -> Checkout:
    same = (
        existing.household_id == buyer.household_id
        and existing.supermarket_id == supermarket_id
        and {line.goods_id: line.quantity for line in existing.lines} == cart
    )
    if not same:
        raise KeyReused(key=existing.key)
    return existing


def checkout(
    session: Session,
    *,
    supermarket_id: int,
    buyer: Buyer,
    lines: Iterable[tuple[int, int]],
    key: str,
    actor: str,
    now: datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> Checkout:
    """Hand the cart's goods to ``buyer`` for points and return the receipt.

    ``key`` identifies the form: the same key again (a double submit, a retry) returns the first
    receipt and writes nothing; with another household or cart it raises :class:`KeyReused`.
    Refusals, each before anything is written: :class:`EmptyCart`, :class:`InvalidInput`,
    :class:`UnknownGoods`, :class:`WrongSupermarket` (the household's village is not served, or
    the goods belong to another supermarket), :class:`GoodsInactive`, :class:`OutOfStock`,
    :class:`MonthlyLimitReached`, :class:`InsufficientPoints`.
    Must run inside ``run_in_transaction``.
    """
    if not key or len(key) > MAX_KEY:
        raise InvalidInput("checkout key", field="key")
    cart = normalise_cart(lines)
    existing = _find_by_key(session, key)
    if existing is not None:
        return _replay(existing, buyer, supermarket_id, cart)
    supermarket = get_supermarket(session, supermarket_id)
    if buyer.village_id not in supermarket.village_ids:
        raise WrongSupermarket(supermarket=supermarket.name)

    goods = lock_goods(session, cart)
    lock_chain(session)
    # Under the locks: a twin of this form that got there first is now visible.
    existing = _find_by_key(session, key)
    if existing is not None:
        return _replay(existing, buyer, supermarket_id, cart)

    now = now or utcnow()
    taken = taken_this_month(session, buyer.household_id, cart, now, zone)
    for goods_id, quantity in cart.items():
        item = goods[goods_id]
        if item.supermarket_id != supermarket.id:
            raise WrongSupermarket(supermarket=supermarket.name, name=item.name)
        if not item.active:
            raise GoodsInactive(name=item.name)
        if item.stock < quantity:
            raise OutOfStock(name=item.name, stock=item.stock, unit=item.unit)
        already = taken.get(goods_id, 0)
        if item.monthly_limit is not None and already + quantity > item.monthly_limit:
            raise MonthlyLimitReached(name=item.name, limit=item.monthly_limit, taken=already,
                                      unit=item.unit)

    ordered = [goods[goods_id] for goods_id in sorted(cart)]
    total = sum(item.price * cart[item.id] for item in ordered)
    receipt = Checkout(
        key=key, supermarket_id=supermarket.id, household_id=buyer.household_id, total_points=total,
        actor=actor, created_at=now,
    )
    receipt.lines = [
        CheckoutLine(goods_id=item.id, name=item.name, unit=item.unit, quantity=cart[item.id],
                     unit_price=item.price, points=item.price * cart[item.id])
        for item in ordered
    ]
    session.add(receipt)
    session.flush()
    reason = f"{supermarket.name}兑换：" + "、".join(
        f"{line.name}{line.quantity}{line.unit}" for line in receipt.lines
    )
    try:
        entry = post(
            session,
            Posting(
                key=f"checkout:{key}", from_account_id=buyer.account_id,
                to_account_id=supermarket.account_id, amount=total, kind=EntryKind.REDEEM,
                actor=actor, reason=reason[:500], ref_type=REF_TYPE, ref_id=str(receipt.id),
            ),
        )
    except InsufficientBalance as exc:
        raise InsufficientPoints(balance=exc.balance, total=total) from None
    receipt.entry_id = entry.id
    for line in receipt.lines:
        move_stock(session, goods[line.goods_id], MovementKind.REDEMPTION, -line.quantity, actor=actor,
                   checkout_id=receipt.id, now=now)
    session.flush()
    return receipt


def get_checkout(session: Session, checkout_id) -> Checkout:
    receipt = session.get(Checkout, checkout_id) if is_valid_id(checkout_id) else None
    if receipt is None:
        raise UnknownCheckout(str(checkout_id))
    return receipt


def can_void(receipt: Checkout, now: datetime, zone: ZoneInfo = DEFAULT_ZONE) -> bool:
    """Whether ``receipt`` may still be voided: not yet, and on the (local) day it was made."""
    return not receipt.voided and local_date(receipt.created_at, zone) == local_date(now, zone)


def void_checkout(
    session: Session, checkout_id: int, *, actor: str, reason: str, now: datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> Checkout:
    """Void a checkout on the day it was made: reverse its ledger entry (points back to the
    household) and put its goods back on the shelf, with ``reason``. Raises
    :class:`UnknownCheckout`, :class:`InvalidInput` (no reason), :class:`AlreadyVoided`,
    :class:`VoidTooLate`, and the ledger's refusals. Must run inside ``run_in_transaction``."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise InvalidInput("a void needs a reason", field="reason")
    receipt = get_checkout(session, checkout_id)
    goods = lock_goods(session, [line.goods_id for line in receipt.lines])
    lock_chain(session)
    session.refresh(receipt)  # as it is now, under the locks
    now = now or utcnow()
    if receipt.voided:
        raise AlreadyVoided(checkout=receipt.id)
    if not can_void(receipt, now, zone):
        raise VoidTooLate(checkout=receipt.id)
    reversal = reverse(
        session, receipt.entry_id, key=f"checkout-void:{receipt.id}", actor=actor,
        reason=f"作废兑换单 {receipt.id}：{reason}"[:500],
    )
    for line in receipt.lines:
        move_stock(session, goods[line.goods_id], MovementKind.VOID_RETURN, line.quantity, actor=actor,
                   checkout_id=receipt.id, reason=reason, now=now)
    receipt.voided_at, receipt.void_reason, receipt.void_actor = now, reason, actor
    receipt.void_entry_id = reversal.id
    session.flush()
    return receipt


def checkouts_of_day(
    session: Session, supermarket_id: int, now: datetime | None = None, zone: ZoneInfo = DEFAULT_ZONE
) -> list[Checkout]:
    """Today's (local) receipts at the supermarket, newest first: the ones a clerk may still void."""
    now = now or utcnow()
    local = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(ZoneInfo("UTC"))
    start = start.replace(tzinfo=None)
    return list(
        session.execute(
            select(Checkout).where(
                Checkout.supermarket_id == supermarket_id,
                Checkout.created_at >= start,
                Checkout.created_at < start + timedelta(days=1),
            ).order_by(Checkout.id.desc())
        ).scalars()
    )
