"""Who is at the counter: one function turns what the clerk scanned or typed into a household.

It reads the member QR of the villager's phone (``redeem.members``: a signed token that changes
every minute), or the number of a printed household card (平安家庭积分卡, ``redeem.cards``) with
the PIN the household types: told apart by the shape of the code.
"""

from sqlalchemy.orm import Session

from incentives.places.models import Household
from redeem.cards import identify_by_card
from redeem.codes import looks_like_card_number
from redeem.errors import RedeemError
from redeem.members import PREFIX as MEMBER_PREFIX
from redeem.members import read_member_token

MAX_CODE = 200


class MemberCodeInvalid(RedeemError):
    """A code that is not a current member token (a screenshot from yesterday, a typo)."""

    code = "member_code_invalid"
    status = 403


def identify_household(
    session: Session, code_or_token: str, *, secret: str, pin: str | None = None, actor: str = "counter",
    now: float | None = None,
) -> Household:
    """The household the scanned or typed code names, or :class:`MemberCodeInvalid` (and, for a
    card, the card's own refusals). ``now`` (seconds since the epoch) is for tests.

    A card number (digits) is checked with ``pin`` by ``redeem.cards.identify_by_card``, which
    records the attempt in a transaction of its own (so the session must hold no pending changes)
    and raises its own refusals: PIN missing or wrong, card locked, revoked, mistyped.
    """
    code = (code_or_token or "").strip()[:MAX_CODE]
    household_id = None
    if code.startswith(MEMBER_PREFIX):
        household_id = read_member_token(secret, code, now)
    elif looks_like_card_number(code):
        household_id = identify_by_card(session, code, pin or "", actor=actor)
    household = session.get(Household, household_id) if household_id else None
    if household is None:
        raise MemberCodeInvalid()
    return household
