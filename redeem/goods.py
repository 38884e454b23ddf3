"""Goods on a supermarket's shelf: adding, editing and finding them by name or pinyin initials."""

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redeem.errors import DuplicateName, InvalidInput, UnknownGoods
from redeem.models import Goods, is_valid_id

MAX_PRICE = 1_000_000
MAX_UNIT = 10


def pinyin_initials(name: str) -> str:
    """洗衣粉 -> "xyf", 金龙鱼食用油5L -> "jlysyy5l": what a clerk types to find an article.
    Characters that are not Chinese are kept (lower-cased) when they are letters or digits."""
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors=lambda chunk: list(chunk))
    return "".join(ch.lower() for part in letters for ch in part if ch.isascii() and ch.isalnum())


def _clean(name, price, unit, monthly_limit) -> tuple[str, int, str, int | None]:
    name = (name or "").strip()
    unit = (unit or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("goods name", field="name")
    if not unit or len(unit) > MAX_UNIT:
        raise InvalidInput("goods unit", field="unit")
    if isinstance(price, bool) or not isinstance(price, int) or not 0 < price <= MAX_PRICE:
        raise InvalidInput("price must be a positive integer", field="price")
    if monthly_limit is not None and (
        isinstance(monthly_limit, bool) or not isinstance(monthly_limit, int) or monthly_limit <= 0
    ):
        raise InvalidInput("monthly limit must be a positive integer or none", field="monthly_limit")
    return name, price, unit, monthly_limit


def _check_name_free(session: Session, supermarket_id: int, name: str, except_id: int | None = None):
    stmt = select(Goods.id).where(Goods.supermarket_id == supermarket_id, Goods.name == name)
    if except_id is not None:
        stmt = stmt.where(Goods.id != except_id)
    if session.execute(stmt).first():
        raise DuplicateName(name=name)


def _write_unless_taken(
    session: Session, supermarket_id: int, name: str, change, except_id: int | None = None
) -> None:
    """Apply ``change()`` and flush it in a savepoint. The name was free when checked, but on
    PostgreSQL another transaction may have taken it since: the unique constraint then refuses
    the flush, and the caller gets :class:`DuplicateName` rather than a database error. (The
    change is made inside the savepoint: ``begin_nested`` flushes what is pending first.)"""
    try:
        with session.begin_nested():
            change()
            session.flush()
    except IntegrityError:
        _check_name_free(session, supermarket_id, name, except_id)
        raise


def create_goods(
    session: Session,
    supermarket_id: int,
    *,
    name: str,
    price: int,
    unit: str,
    monthly_limit: int | None = None,
    photo: str | None = None,
    active: bool = True,
) -> Goods:
    """Add an article with no stock (stock arrives by donation). Raises :class:`InvalidInput` or
    :class:`DuplicateName`. Flushes, never commits."""
    name, price, unit, monthly_limit = _clean(name, price, unit, monthly_limit)
    _check_name_free(session, supermarket_id, name)
    goods = Goods(
        supermarket_id=supermarket_id, name=name, initials=pinyin_initials(name), price=price,
        unit=unit, monthly_limit=monthly_limit, photo=photo, active=active, stock=0,
    )
    _write_unless_taken(session, supermarket_id, name, lambda: session.add(goods))
    return goods


def update_goods(
    session: Session,
    goods_id: int,
    *,
    name: str,
    price: int,
    unit: str,
    monthly_limit: int | None,
    active: bool,
    photo: str | None = None,
) -> Goods:
    """Change an article's name, price, unit, limit or shelf state (never its stock: that moves only
    by movements). Receipts already made keep the name and price of their moment."""
    goods = get_goods(session, goods_id)
    name, price, unit, monthly_limit = _clean(name, price, unit, monthly_limit)
    _check_name_free(session, goods.supermarket_id, name, except_id=goods.id)

    def change():
        goods.name, goods.initials, goods.price, goods.unit = name, pinyin_initials(name), price, unit
        goods.monthly_limit, goods.active = monthly_limit, bool(active)
        if photo is not None:
            goods.photo = photo

    _write_unless_taken(session, goods.supermarket_id, name, change, except_id=goods.id)
    return goods


def get_goods(session: Session, goods_id, supermarket_id: int | None = None) -> Goods:
    """The article with this id (in this supermarket when given); :class:`UnknownGoods` if none."""
    goods = None
    if is_valid_id(goods_id):
        goods = session.get(Goods, goods_id)
    if goods is None or (supermarket_id is not None and goods.supermarket_id != supermarket_id):
        raise UnknownGoods(str(goods_id))
    return goods


def search_goods(
    session: Session, supermarket_id: int, query: str = "", *, active_only: bool = False, limit: int = 100
) -> list[Goods]:
    """Goods whose name contains ``query`` or whose pinyin initials start with it, by name."""
    stmt = select(Goods).where(Goods.supermarket_id == supermarket_id)
    query = (query or "").strip()[:50]
    if query:
        stmt = stmt.where(
            or_(
                Goods.name.contains(query, autoescape=True),
                Goods.initials.startswith(query.lower(), autoescape=True),
            )
        )
    if active_only:
        stmt = stmt.where(Goods.active.is_(True))
    return list(session.execute(stmt.order_by(Goods.initials, Goods.name).limit(limit)).scalars())
