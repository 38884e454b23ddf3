"""The demo's credits and cards: 和平村's pool funded, a batch of credits issued from it (one
already claimed by the demo villager's household), and household cards for two elderly
households without phones, with PINs a newcomer can type at the counter.

Called by :func:`incentives.demo.seed_demo` inside its transaction, once. Card numbers and PINs
are fixed so that the seed output and browser tests can name them; credit codes are random.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from incentives.credits.services import expiry_instant, fund_village_pool
from incentives.places.models import Household, Region
from ledger.models import utcnow
from redeem.card_models import HouseholdCard
from redeem.cards import issue_card
from redeem.codes import damm_digit, format_card_number, format_credit_code
from redeem.credit_models import Credit, CreditBatch, CreditState
from redeem.credits import issue_batch, redeem_credit

VILLAGE = "和平村"
ACTOR = "demo:committee"
ZONE = ZoneInfo("Asia/Shanghai")  # the demo county's calendar
BATCH_NAME = "重阳节敬老积分券"
# (card number body, PIN) for the 2nd and 3rd households of 和平村: no phones, elderly heads.
CARDS = (("60000001", "2580"), ("60000002", "3691"))


def card_number(body: str) -> str:
    return body + damm_digit(body)


def seed_credits_and_cards(session: Session, regions: dict[str, Region], households: list[Household]) -> None:
    village = regions[VILLAGE]
    pool = fund_village_pool(session, village, 2000, sponsor="平安县财政（演示）", actor=ACTOR,
                             key="demo:village-pool:1")
    now = utcnow()
    expires_on = (now + timedelta(days=365)).date()
    batch = issue_batch(
        session, budget_account_id=pool.id, region_id=village.id, village_ids=[village.id],
        name=BATCH_NAME, points=20, count=12, expires_on=expires_on,
        expires_at=expiry_instant(expires_on, ZONE), actor=ACTOR, now=now,
    )
    in_village = [h for h in households if h.village_id == village.id]
    first = batch.credits[0]
    redeem_credit(session, first.code, in_village[0].account_id, "demo:villager", now, channel="phone")
    for household, (body, pin) in zip(in_village[1:3], CARDS, strict=True):
        issue_card(session, household.id, pin, ACTOR, now, number=card_number(body))


def demo_notes(session: Session) -> list[str]:
    """Lines for the seed output: the demo cards with their PINs, and a credit code to try."""
    notes = []
    for body, pin in CARDS:
        card = session.execute(
            select(HouseholdCard).where(HouseholdCard.number == card_number(body))
        ).scalar_one_or_none()
        if card is not None and card.active:
            household = session.get(Household, card.household_id)
            number = format_card_number(card.number)
            notes.append(f"演示积分卡：{household.head_name}家 卡号 {number} 密码 {pin}")
    code = session.execute(
        select(Credit.code).join(CreditBatch).where(
            CreditBatch.name == BATCH_NAME, Credit.state == CreditState.ISSUED.value
        ).order_by(Credit.id)
    ).scalars().first()
    if code is not None:
        notes.append(f"演示积分券：券码 {format_credit_code(code)}（20 分，{VILLAGE}，/credits/c/{code}）")
    return notes
