"""A small world for the supermarket's tests: two villages (one served), funded households, a
supermarket with goods in stock. Everything committed, through the services and the ledger."""

from dataclasses import dataclass

from incentives.places.models import Household, Level, Region
from ledger.transaction import run_in_transaction
from redeem.checkout import Buyer
from redeem.goods import create_goods
from redeem.models import DonorKind, Goods, Supermarket
from redeem.stock import find_or_add_donor, record_donation
from redeem.supermarkets import create_supermarket
from tests.factories import fund, make_household, make_region


@dataclass
class World:
    county: Region
    township: Region
    village: Region
    other_village: Region
    household: Household
    outsider: Household  # lives in a village the supermarket does not serve
    supermarket: Supermarket
    soap: Goods  # 洗衣粉, 10 points, no limit
    oil: Goods  # 食用油, 50 points, 1 per household per month
    towel: Goods  # 毛巾, 8 points, taken off the shelf

    def buyer(self, household: Household | None = None) -> Buyer:
        h = household or self.household
        return Buyer(h.id, h.account_id, h.village_id)


def add_goods(session, supermarket, name, price, unit, stock, limit=None, donor="县供电公司", active=True):
    def work():
        goods = create_goods(session, supermarket.id, name=name, price=price, unit=unit,
                             monthly_limit=limit, active=active)
        if stock:
            d = find_or_add_donor(session, supermarket.id, donor, DonorKind.AID_UNIT)
            record_donation(session, donor_id=d.id, goods_id=goods.id, quantity=stock,
                            value_fen=stock * 500, actor="test")
        return goods

    return run_in_transaction(session, work)


def make_world(session, points: int = 100, soap_stock: int = 20) -> World:
    county = make_region(session, "平安县", Level.COUNTY)
    township = make_region(session, "和平镇", Level.TOWNSHIP, county)
    village = make_region(session, "和平村", Level.VILLAGE, township)
    other = make_region(session, "石桥村", Level.VILLAGE, township)
    household = make_household(session, village, "张建国", members=["李秀英"])
    outsider = make_household(session, other, "王德胜")
    for h in (household, outsider):
        if points:
            from ledger import get_account

            fund(session, get_account(session, h.account_id), points)
    supermarket = run_in_transaction(
        session, lambda: create_supermarket(session, village.id, "和平村爱心超市", [village.id])
    )
    soap = add_goods(session, supermarket, "洗衣粉", 10, "袋", soap_stock)
    oil = add_goods(session, supermarket, "食用油", 50, "桶", 5, limit=1, donor="平安粮油")
    towel = add_goods(session, supermarket, "毛巾", 8, "条", 5, active=False)
    session.rollback()
    return World(county, township, village, other, household, outsider, supermarket, soap, oil, towel)
