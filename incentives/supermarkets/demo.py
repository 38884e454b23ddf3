"""The demo's love supermarket: 和平村爱心超市 with a dozen everyday goods, donations from a
帮扶单位 and an enterprise, a stock-take, real checkouts by the demo clerk and one same-day void.

Called by :func:`incentives.demo.seed_demo` inside its transaction; on a database seeded before
the supermarket existed, :func:`seed_supermarket_once` adds it once. Deterministic: fixed keys,
no randomness; once the supermarket exists nothing more is written.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from incentives.places.models import Household, Region
from ledger import Account
from redeem.checkout import Buyer, checkout, void_checkout
from redeem.goods import create_goods
from redeem.models import DonorKind, Supermarket
from redeem.stock import find_or_add_donor, record_donation, record_stock_take
from redeem.supermarkets import create_supermarket

NAME = "和平村爱心超市"
CLERK = "demo:clerk"

# name, points, unit, monthly limit per household, (donor, quantity, value in yuan)
GOODS = (
    ("洗衣粉", 10, "袋", None, ("aid", 50, 400)),
    ("食用油", 50, "桶", 1, ("enterprise", 20, 1200)),
    ("大米", 40, "袋", 2, ("enterprise", 30, 1500)),
    ("毛巾", 8, "条", None, ("aid", 40, 320)),
    ("牙膏", 6, "支", None, ("aid", 60, 360)),
    ("香皂", 4, "块", None, ("aid", 60, 180)),
    ("酱油", 8, "瓶", None, ("enterprise", 40, 400)),
    ("食盐", 2, "袋", None, ("enterprise", 50, 100)),
    ("卫生纸", 15, "提", None, ("aid", 30, 750)),
    ("洗洁精", 7, "瓶", None, ("aid", 30, 240)),
    ("鸡蛋", 12, "盒", 2, ("enterprise", 20, 400)),
    ("挂面", 5, "把", None, ("enterprise", 40, 200)),
)
DONORS = {
    "aid": ("县供电公司驻村工作队", DonorKind.AID_UNIT),
    "enterprise": ("平安粮油有限公司", DonorKind.ENTERPRISE),
}
# What a few households take home (goods name -> quantity), each a real checkout.
BASKETS = (
    {"洗衣粉": 1, "毛巾": 1},
    {"食用油": 1},
    {"大米": 1, "食盐": 2},
    {"牙膏": 2, "香皂": 2},
    {"酱油": 1, "挂面": 2},
    {"卫生纸": 1},
)


def seed_supermarket(
    session: Session, regions: dict[str, Region], households: list[Household]
) -> Supermarket:
    village, neighbour = regions["和平村"], regions["东风社区"]
    existing = session.execute(
        select(Supermarket).where(Supermarket.region_id == village.id, Supermarket.name == NAME)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    supermarket = create_supermarket(session, village.id, NAME, [village.id, neighbour.id])
    donors = {
        key: find_or_add_donor(session, supermarket.id, name, kind) for key, (name, kind) in DONORS.items()
    }
    goods = {}
    for name, price, unit, limit, (donor, quantity, yuan) in GOODS:
        item = create_goods(session, supermarket.id, name=name, price=price, unit=unit, monthly_limit=limit)
        record_donation(session, donor_id=donors[donor].id, goods_id=item.id, quantity=quantity,
                        value_fen=yuan * 100, actor=CLERK)
        goods[name] = item
    record_stock_take(session, goods["毛巾"].id, counted=38, reason="受潮损坏 2 条", actor=CLERK)

    served = [h for h in households if h.village_id in supermarket.village_ids]
    receipts = []
    for n, household in enumerate(served[::3]):
        basket = BASKETS[n % len(BASKETS)]
        cost = sum(goods[name].price * quantity for name, quantity in basket.items())
        if session.get(Account, household.account_id).balance < cost:
            continue
        receipts.append(checkout(
            session, supermarket_id=supermarket.id,
            buyer=Buyer(household.id, household.account_id, household.village_id),
            lines=[(goods[name].id, quantity) for name, quantity in basket.items()],
            key=f"demo:checkout:{household.id}", actor=CLERK,
        ))
    if len(receipts) > 1:
        void_checkout(session, receipts[-1].id, actor=CLERK, reason="拿错了商品，重新兑换")
    return supermarket


def seed_supermarket_once(session: Session) -> Supermarket | None:
    """For a demo database seeded before the supermarket: find the demo villages and households
    and seed it (nothing when it exists, or when this is not the demo county)."""
    found = session.execute(select(Region).where(Region.name.in_(["和平村", "东风社区"]))).scalars()
    regions = {r.name: r for r in found}
    if len(regions) < 2:
        return None
    households = list(session.execute(select(Household).order_by(Household.id)).scalars())
    return seed_supermarket(session, regions, households)
