"""Refusals of the supermarket. Each carries a message key (``code``) and the figures the message
needs; the web layer (``incentives.redeem_messages``) turns the key into Chinese. A refused
operation has written nothing."""


class RedeemError(Exception):
    """Base of every refusal in ``redeem``. ``code`` is the message key; ``params`` fill it."""

    code = "redeem_error"
    status = 400

    def __init__(self, detail: str = "", **params):
        self.params = params
        super().__init__(detail or f"{self.code} {params}")


class UnknownSupermarket(RedeemError):
    code = "unknown_supermarket"
    status = 404


class UnknownGoods(RedeemError):
    code = "unknown_goods"
    status = 404


class UnknownCheckout(RedeemError):
    code = "unknown_checkout"
    status = 404


class UnknownDonor(RedeemError):
    code = "unknown_donor"
    status = 404


class InvalidInput(RedeemError):
    """A value that cannot be right: an empty name, a price of 0, a negative count."""

    code = "invalid_input"


class DuplicateName(RedeemError):
    code = "duplicate_name"
    status = 409


class EmptyCart(RedeemError):
    code = "empty_cart"


class GoodsInactive(RedeemError):
    """Goods taken off the shelf cannot be sold."""

    code = "goods_inactive"
    status = 409


class WrongSupermarket(RedeemError):
    """The household's village is not served by this supermarket, or the goods belong to another."""

    code = "wrong_supermarket"
    status = 403


class OutOfStock(RedeemError):
    code = "out_of_stock"
    status = 409


class MonthlyLimitReached(RedeemError):
    code = "monthly_limit"
    status = 409


class InsufficientPoints(RedeemError):
    code = "insufficient_points"
    status = 409


class StockWouldGoNegative(RedeemError):
    """A stock-take or adjustment below what is on the shelf."""

    code = "stock_negative"
    status = 409


class KeyReused(RedeemError):
    """A checkout key used before for a different household or cart."""

    code = "key_reused"
    status = 409


class DonationKeyReused(RedeemError):
    """A donation form's key used before for a different lot."""

    code = "donation_key_reused"
    status = 409


class AlreadyVoided(RedeemError):
    code = "already_voided"
    status = 409


class VoidTooLate(RedeemError):
    """A checkout is voided only on the day it was made."""

    code = "void_too_late"
    status = 409
