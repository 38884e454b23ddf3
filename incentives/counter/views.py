"""``/counter``: the clerk's counter on a phone or a cheap tablet, and the receipts.

The household at the counter and the cart live in the clerk's signed session cookie: a household
is "at the counter" only after its code was scanned, for ``AT_COUNTER`` at most, so no one can sell
to a household by typing its id into a URL. The confirm form carries the cart as the clerk saw it
and a key of its own: the checkout posts exactly that, once.
"""

import time
import uuid

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incentives.counter.forms import CartForm, CheckoutForm, CodeForm, CreditCodeForm, VoidForm
from incentives.counter.identify import identify_household
from incentives.extensions import db
from incentives.i18n import local_zone
from incentives.permissions import Action, can, can_view_receipt, regions_for, require
from incentives.places.models import Household, Region
from incentives.redeem_messages import message_for
from incentives.supermarkets.access import load_supermarket, visible_supermarkets
from ledger.balances import balance_of
from ledger.models import utcnow
from ledger.transaction import run_in_transaction
from redeem import checkout as checkouts
from redeem.cards import PinRequired
from redeem.credits import redeem_credit
from redeem.errors import RedeemError
from redeem.goods import search_goods
from redeem.models import Goods, Supermarket, is_valid_id

bp = Blueprint("counter", __name__, url_prefix="/counter")

AT_COUNTER = 10 * 60  # seconds a scanned household stays at the counter
_SESSION = "counter"



def _actor() -> str:
    return f"user:{current_user.id}"


# -- the counter's state in the clerk's session ---------------------------------------------------


def _state(supermarket_id: int) -> dict:
    state = session.get(_SESSION) or {}
    if state.get("sid") != supermarket_id or time.time() - state.get("at", 0) > AT_COUNTER:
        return {}
    return state


def _household_at_counter(supermarket_id: int) -> Household | None:
    state = _state(supermarket_id)
    return db.session.get(Household, state["hid"]) if state.get("hid") else None


def _scan_first(supermarket_id: int):
    """Where a cart or credit action lands when no household is at the counter (it timed out)."""
    flash(_("请先扫会员码。"), "error")
    return redirect(url_for("counter.counter", supermarket_id=supermarket_id))


def _cart(supermarket_id: int) -> dict[int, int]:
    return {int(k): v for k, v in _state(supermarket_id).get("cart", {}).items()}


def _save(supermarket_id: int, household_id: int | None, cart: dict[int, int]) -> None:
    session[_SESSION] = {
        "sid": supermarket_id, "hid": household_id, "at": time.time(),
        "cart": {str(k): v for k, v in cart.items() if v > 0},
    }


def _clear() -> None:
    session.pop(_SESSION, None)


# -- pages ----------------------------------------------------------------------------------------


@bp.get("")
@login_required
def index():
    require(bool(regions_for(current_user, Action.SELL_AT_COUNTER)))
    supermarkets = visible_supermarkets(Action.SELL_AT_COUNTER)
    if len(supermarkets) == 1:
        return redirect(url_for("counter.counter", supermarket_id=supermarkets[0].id))
    return render_template("supermarket/counter_choose.html", supermarkets=supermarkets)


def _render_counter(supermarket: Supermarket, code_form=None, error=None, status=200):
    household = _household_at_counter(supermarket.id)
    query = (request.args.get("q") or "").strip()[:50]
    context = {
        "supermarket": supermarket, "household": household, "code_form": code_form or CodeForm(),
        "query": query, "error": error,
    }
    if household is not None:
        cart = _cart(supermarket.id)
        found = db.session.query(Goods).filter(Goods.id.in_(list(cart))).all() if cart else []
        goods = {g.id: g for g in found}
        lines = [(goods[gid], qty) for gid, qty in cart.items() if gid in goods]
        total = sum(g.price * qty for g, qty in lines)
        points = balance_of(db.session, household.account_id)
        taken = checkouts.taken_this_month(
            db.session, household.id, [g.id for g, _ in lines], utcnow(), local_zone()
        )
        context |= {
            "results": search_goods(db.session, supermarket.id, query, active_only=True, limit=30),
            "lines": lines, "total": total, "points": points, "taken": taken,
            "serves": household.village_id in supermarket.village_ids,
            "checkout_form": CheckoutForm(key=uuid.uuid4().hex), "cart_form": CartForm(),
        }
    return render_template("supermarket/counter.html", **context), status


@bp.get("/<int:supermarket_id>")
@login_required
def counter(supermarket_id: int):
    supermarket, _region = load_supermarket(supermarket_id, Action.SELL_AT_COUNTER)
    return _render_counter(supermarket)


@bp.post("/<int:supermarket_id>/identify")
@login_required
def identify(supermarket_id: int):
    supermarket, _region = load_supermarket(supermarket_id, Action.SELL_AT_COUNTER)
    form = CodeForm()
    if not form.validate_on_submit():
        return _render_counter(supermarket, form, status=400)
    try:
        household = identify_household(
            db.session, form.code.data, secret=current_app.config["SECRET_KEY"], pin=form.pin.data,
            actor=_actor(),
        )
    except RedeemError as exc:
        _clear()
        # A card scanned before its PIN was typed: keep the number, ask for the PIN.
        kept = form if isinstance(exc, PinRequired) else CodeForm(formdata=None)
        return _render_counter(supermarket, kept, error=message_for(exc), status=exc.status)
    if household.village_id not in supermarket.village_ids:
        _clear()
        message = _("%(name)s家所在的%(village)s不在本超市服务范围，不能在这里兑换。",
                    name=household.head_name, village=household.village.name)
        return _render_counter(supermarket, CodeForm(formdata=None), error=message, status=403)
    _save(supermarket.id, household.id, {})
    return redirect(url_for("counter.counter", supermarket_id=supermarket.id))


@bp.post("/<int:supermarket_id>/credit")
@login_required
def credit(supermarket_id: int):
    """A printed credit (积分券) brought by the household at the counter: its points go into the
    household's account at once (``redeem.credits.redeem_credit``), ready to spend; the cart stays."""
    supermarket, _region = load_supermarket(supermarket_id, Action.SELL_AT_COUNTER)
    household = _household_at_counter(supermarket.id)
    if household is None:
        return _scan_first(supermarket.id)
    form = CreditCodeForm()
    if not form.validate_on_submit():
        return _render_counter(supermarket, error=_("请输入券码。"), status=400)
    account_id, actor, now, code = household.account_id, _actor(), utcnow(), form.credit_code.data
    try:
        used = run_in_transaction(db.session, lambda: redeem_credit(db.session, code, account_id, actor, now))
    except RedeemError as exc:
        return _render_counter(supermarket, error=message_for(exc), status=exc.status)
    _save(supermarket.id, household.id, _cart(supermarket.id))
    flash(_("积分券 %(points)s 分已存入%(name)s家。", points=used.batch.points, name=household.head_name),
          "success")
    return redirect(url_for("counter.counter", supermarket_id=supermarket.id))


@bp.post("/<int:supermarket_id>/cart")
@login_required
def cart(supermarket_id: int):
    """Add to the cart (quantity added) or set a line (``set=1``: quantity replaces; 0 removes)."""
    supermarket, _region = load_supermarket(supermarket_id, Action.SELL_AT_COUNTER)
    household = _household_at_counter(supermarket.id)
    if household is None:
        return _scan_first(supermarket.id)
    form = CartForm()
    if not form.validate_on_submit():
        return _render_counter(supermarket, error=_("数量不对，请重新填写。"), status=400)
    goods = db.session.get(Goods, form.goods.data)
    if goods is None or goods.supermarket_id != supermarket.id:
        return _render_counter(supermarket, error=_("找不到这件商品。"), status=404)
    items = _cart(supermarket.id)
    quantity = form.quantity.data or 0
    items[goods.id] = quantity if request.form.get("set") else items.get(goods.id, 0) + max(quantity, 1)
    _save(supermarket.id, household.id, items)
    query = request.args.get("q") or None
    return redirect(url_for("counter.counter", supermarket_id=supermarket.id, q=query))


@bp.post("/<int:supermarket_id>/next")
@login_required
def next_customer(supermarket_id: int):
    load_supermarket(supermarket_id, Action.SELL_AT_COUNTER)
    _clear()
    return redirect(url_for("counter.counter", supermarket_id=supermarket_id))


def _posted_lines() -> list[tuple[int, int]] | None:
    goods_ids, quantities = request.form.getlist("goods"), request.form.getlist("quantity")
    if len(goods_ids) != len(quantities):
        return None
    lines = []
    for goods_id, quantity in zip(goods_ids, quantities, strict=True):
        # isdecimal() alone accepts other scripts' digits; ASCII only, so int() cannot fail.
        if not all(v.isascii() and v.isdecimal() for v in (goods_id, quantity)):
            return None
        if not (len(goods_id) < 19 and len(quantity) < 9):
            return None
        lines.append((int(goods_id), int(quantity)))
    return lines


@bp.post("/<int:supermarket_id>/checkout")
@login_required
def checkout(supermarket_id: int):
    supermarket, _region = load_supermarket(supermarket_id, Action.SELL_AT_COUNTER)
    form = CheckoutForm()
    lines = _posted_lines()
    if not form.validate_on_submit() or lines is None:
        return _render_counter(supermarket, error=_("提交的内容不完整，请重新确认。"), status=400)
    household = _household_at_counter(supermarket.id)
    if household is None:
        # A second press of a form already posted: show what it posted.
        done = db.session.query(checkouts.Checkout).filter_by(key=form.key.data).one_or_none()
        if done is not None and done.supermarket_id == supermarket.id:
            return redirect(url_for("counter.receipt", checkout_id=done.id))
        return _scan_first(supermarket.id)
    buyer = checkouts.Buyer(household.id, household.account_id, household.village_id)
    key, actor, zone = form.key.data, _actor(), local_zone()
    try:
        receipt = run_in_transaction(db.session, lambda: checkouts.checkout(
            db.session, supermarket_id=supermarket.id, buyer=buyer, lines=lines, key=key, actor=actor,
            zone=zone,
        ))
    except RedeemError as exc:
        return _render_counter(supermarket, error=message_for(exc), status=exc.status)
    _clear()
    flash(_("兑换成功，共 %(points)s 分。", points=receipt.total_points), "success")
    return redirect(url_for("counter.receipt", checkout_id=receipt.id))


@bp.get("/<int:supermarket_id>/today")
@login_required
def today(supermarket_id: int):
    supermarket, _region = load_supermarket(supermarket_id, Action.SELL_AT_COUNTER)
    receipts = checkouts.checkouts_of_day(db.session, supermarket.id, utcnow(), local_zone())
    households = {h.id: h for h in db.session.query(Household).filter(
        Household.id.in_({r.household_id for r in receipts})).all()} if receipts else {}
    return render_template("supermarket/today.html", supermarket=supermarket, receipts=receipts,
                           households=households)


def _load_receipt(checkout_id: int):
    receipt = db.session.get(checkouts.Checkout, checkout_id) if is_valid_id(checkout_id) else None
    require(receipt is not None)
    supermarket = db.session.get(Supermarket, receipt.supermarket_id)
    region = db.session.get(Region, supermarket.region_id)
    household = db.session.get(Household, receipt.household_id)
    require(can_view_receipt(current_user, household, region))
    return receipt, supermarket, region, household


@bp.get("/receipts/<int:checkout_id>")
@login_required
def receipt(checkout_id: int):
    receipt, supermarket, region, household = _load_receipt(checkout_id)
    may_void = can(current_user, Action.SELL_AT_COUNTER, region) and checkouts.can_void(
        receipt, utcnow(), local_zone()
    )
    return render_template(
        "supermarket/receipt.html", receipt=receipt, supermarket=supermarket, household=household,
        may_void=may_void, void_form=VoidForm(),
        is_clerk=can(current_user, Action.SELL_AT_COUNTER, region),
    )


@bp.post("/receipts/<int:checkout_id>/void")
@login_required
def void(checkout_id: int):
    receipt, supermarket, region, household = _load_receipt(checkout_id)
    require(can(current_user, Action.SELL_AT_COUNTER, region))
    form = VoidForm()
    if not form.validate_on_submit():
        return render_template(
            "supermarket/receipt.html", receipt=receipt, supermarket=supermarket, household=household,
            may_void=True, void_form=form, is_clerk=True,
        ), 400
    receipt_id, actor, reason, zone = receipt.id, _actor(), form.reason.data, local_zone()
    run_in_transaction(db.session, lambda: checkouts.void_checkout(
        db.session, receipt_id, actor=actor, reason=reason, zone=zone,
    ))
    flash(_("兑换单已作废，积分已退回，商品已入库。"), "success")
    return redirect(url_for("counter.receipt", checkout_id=receipt_id))
