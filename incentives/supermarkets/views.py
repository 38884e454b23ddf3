"""``/supermarkets``: goods and stock, donations in, stock-takes, donors and what their gifts
became, and the monthly reconciliation (page and XLSX). The counter itself is ``/counter``."""

import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from incentives.choices import choices
from incentives.claims.photos import photo_dir, photo_path, store_photo
from incentives.errors import form_status
from incentives.extensions import db
from incentives.i18n import local_zone
from incentives.permissions import Action, can, regions_for, require
from incentives.places.models import Level, Region
from incentives.places.services import subtree
from incentives.supermarkets.access import load_supermarket, visible_supermarkets
from incentives.supermarkets.exports import reconciliation_xlsx
from incentives.supermarkets.forms import (
    DONOR_KIND_LABELS,
    DonationForm,
    GoodsForm,
    StockTakeForm,
    SupermarketForm,
)
from incentives.xlsx import xlsx_response
from ledger.transaction import run_in_transaction
from redeem import goods as goods_service
from redeem import stock
from redeem.models import Donation, Donor, MovementKind
from redeem.reconciliation import monthly_report
from redeem.supermarkets import create_supermarket

bp = Blueprint("supermarkets", __name__, url_prefix="/supermarkets")

_ANY = (Action.VIEW_SUPERMARKET, Action.MANAGE_GOODS, Action.SELL_AT_COUNTER)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


MOVEMENT_LABELS = {
    MovementKind.DONATION: _l("捐赠入库"),
    MovementKind.REDEMPTION: _l("兑换出库"),
    MovementKind.ADJUSTMENT: _l("盘点调整"),
    MovementKind.VOID_RETURN: _l("作废退回"),
}


@bp.app_template_filter("movement_kind")
def movement_kind(value: str) -> str:
    return str(MOVEMENT_LABELS.get(value, value))


def _actor() -> str:
    return f"user:{current_user.id}"



def _in_transaction(work):
    return run_in_transaction(db.session, work)


@bp.get("")
@login_required
def index():
    require(any(regions_for(current_user, action) for action in _ANY))
    supermarkets = visible_supermarkets(*_ANY)
    if len(supermarkets) == 1 and not request.args.get("all"):
        return redirect(url_for("supermarkets.show", supermarket_id=supermarkets[0].id))
    return render_template("supermarket/index.html", supermarkets=supermarkets,
                           may_open=bool(regions_for(current_user, Action.MANAGE_GOODS)))


def _homes_and_villages() -> tuple[list[Region], dict[int, list[Region]]]:
    """Where the user may open a supermarket (villages and townships under their MANAGE_GOODS
    nodes) and, for each, the villages it may serve: those of the same township that the user
    also manages. A village committee serves its own village; sharing one supermarket among
    several villages takes the township (a committee of A does nothing in B)."""
    homes: dict[int, Region] = {}
    for node in regions_for(current_user, Action.MANAGE_GOODS):
        for region in subtree(db.session, node):
            if region.level in (Level.VILLAGE, Level.TOWNSHIP):
                homes[region.id] = region
    villages, of_township = {}, {}
    for home in homes.values():
        township_id = home.id if home.level == Level.TOWNSHIP else home.parent_id
        if township_id not in of_township:  # the villages of a township, read once
            of_township[township_id] = [
                village for village in subtree(db.session, db.session.get(Region, township_id), Level.VILLAGE)
                if can(current_user, Action.MANAGE_GOODS, village)
            ]
        villages[home.id] = of_township[township_id]
    return sorted(homes.values(), key=lambda r: r.path), villages


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_supermarket():
    homes, villages = _homes_and_villages()
    require(bool(homes))
    form = SupermarketForm()
    form.region.choices = choices((r.id, r.name) for r in homes)
    chosen = form.region.data if form.region.data in villages else homes[0].id
    if request.method == "GET" and homes[0].level == Level.VILLAGE:
        form.villages.data = [homes[0].id]
    all_villages = {v.id: v for vs in villages.values() for v in vs}
    form.villages.choices = choices((v.id, v.name) for v in all_villages.values())
    if form.validate_on_submit():
        allowed = {v.id for v in villages[chosen]}
        if not set(form.villages.data) <= allowed:
            form.villages.errors.append(_("只能选择同一乡镇中由您管理的村（社区）。"))
        else:
            name, served = form.name.data, form.villages.data
            supermarket = _in_transaction(lambda: create_supermarket(db.session, chosen, name, served))
            flash(_("超市已开设。请添加商品，再登记捐赠入库。"), "success")
            return redirect(url_for("supermarkets.show", supermarket_id=supermarket.id))
    return render_template("supermarket/new.html", form=form), 400 if form.is_submitted() else 200


@bp.get("/<int:supermarket_id>")
@login_required
def show(supermarket_id: int):
    supermarket, region = load_supermarket(supermarket_id, *_ANY)
    query = (request.args.get("q") or "").strip()[:50]
    return render_template(
        "supermarket/show.html", supermarket=supermarket, query=query,
        goods=goods_service.search_goods(db.session, supermarket.id, query, limit=500),
        may_manage=can(current_user, Action.MANAGE_GOODS, region),
        may_sell=can(current_user, Action.SELL_AT_COUNTER, region),
        may_view=can(current_user, Action.VIEW_SUPERMARKET, region),
    )


def _stored_photo(form: GoodsForm) -> str | None:
    upload = form.photo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return store_photo(upload.read(), photo_dir(current_app)).sha256


@bp.route("/<int:supermarket_id>/goods/new", methods=["GET", "POST"])
@login_required
def new_goods(supermarket_id: int):
    supermarket, _region = load_supermarket(supermarket_id, Action.MANAGE_GOODS)
    form = GoodsForm()
    if form.validate_on_submit():
        photo = _stored_photo(form)
        fields = dict(name=form.name.data, price=form.price.data, unit=form.unit.data,
                      monthly_limit=form.monthly_limit.data, active=form.active.data, photo=photo)
        _in_transaction(lambda: goods_service.create_goods(db.session, supermarket.id, **fields))
        flash(_("商品已添加。库存请通过“捐赠入库”登记。"), "success")
        return redirect(url_for("supermarkets.show", supermarket_id=supermarket.id))
    return render_template("supermarket/goods_form.html", supermarket=supermarket, form=form,
                           goods=None), form_status(form)


def _goods_of(supermarket, goods_id: int):
    # UnknownGoods becomes a 404 with its message (incentives.errors).
    return goods_service.get_goods(db.session, goods_id, supermarket.id)


@bp.route("/<int:supermarket_id>/goods/<int:goods_id>", methods=["GET", "POST"])
@login_required
def edit_goods(supermarket_id: int, goods_id: int):
    supermarket, _region = load_supermarket(supermarket_id, Action.MANAGE_GOODS)
    goods = _goods_of(supermarket, goods_id)
    form = GoodsForm(obj=goods)
    if form.validate_on_submit():
        photo = _stored_photo(form)
        fields = dict(name=form.name.data, price=form.price.data, unit=form.unit.data,
                      monthly_limit=form.monthly_limit.data, active=form.active.data, photo=photo)
        _in_transaction(lambda: goods_service.update_goods(db.session, goods_id, **fields))
        flash(_("商品已保存。"), "success")
        return redirect(url_for("supermarkets.show", supermarket_id=supermarket.id))
    return render_template(
        "supermarket/goods_form.html", supermarket=supermarket, form=form, goods=goods,
        stocktake_form=StockTakeForm(formdata=None), movements=stock.movements_of(db.session, goods.id),
    ), form_status(form)


@bp.post("/<int:supermarket_id>/goods/<int:goods_id>/stocktake")
@login_required
def stocktake(supermarket_id: int, goods_id: int):
    supermarket, _region = load_supermarket(supermarket_id, Action.MANAGE_GOODS)
    goods = _goods_of(supermarket, goods_id)
    form = StockTakeForm()
    if not form.validate_on_submit():
        return render_template(
            "supermarket/goods_form.html", supermarket=supermarket, form=GoodsForm(obj=goods), goods=goods,
            stocktake_form=form, movements=stock.movements_of(db.session, goods.id),
        ), 400
    counted, reason, actor = form.counted.data, form.reason.data, _actor()
    movement = _in_transaction(lambda: stock.record_stock_take(
        db.session, goods_id, counted=counted, reason=reason, actor=actor
    ))
    flash(_("盘点已记录。") if movement else _("盘点数量与库存一致，无需调整。"), "success")
    return redirect(url_for("supermarkets.edit_goods", supermarket_id=supermarket.id, goods_id=goods_id))


@bp.get("/<int:supermarket_id>/goods/<int:goods_id>/photo")
@login_required
def goods_photo(supermarket_id: int, goods_id: int):
    supermarket, _region = load_supermarket(supermarket_id, *_ANY)
    goods = _goods_of(supermarket, goods_id)
    if not goods.photo:
        abort(404)
    path = photo_path(photo_dir(current_app), goods.photo)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype="image/jpeg", max_age=86400)


@bp.route("/<int:supermarket_id>/donations", methods=["GET", "POST"])
@login_required
def donations(supermarket_id: int):
    supermarket, region = load_supermarket(supermarket_id, Action.MANAGE_GOODS, Action.VIEW_SUPERMARKET)
    may_manage = can(current_user, Action.MANAGE_GOODS, region)
    form = DonationForm()
    shelf = goods_service.search_goods(db.session, supermarket.id, limit=500)
    form.goods.choices = choices((g.id, f"{g.name}（{g.unit}）") for g in shelf)
    if request.method == "POST":
        require(may_manage)
        if form.validate_on_submit():
            value_fen = (form.value.data or Decimal(0)) * 100
            if value_fen != value_fen.to_integral_value():
                form.value.errors.append(_("价值最多精确到分。"))
                return _donations_page(supermarket, form, may_manage), 400
            value_fen = int(value_fen)
            name, kind, goods_id, quantity, note = (form.donor.data, form.kind.data, form.goods.data,
                                                    form.quantity.data, form.note.data or "")
            actor, key = _actor(), form.key.data

            def work():
                donor = stock.find_or_add_donor(db.session, supermarket.id, name, kind)
                return stock.record_donation(db.session, donor_id=donor.id, goods_id=goods_id,
                                             quantity=quantity, value_fen=value_fen, actor=actor, note=note,
                                             key=key)

            _in_transaction(work)
            flash(_("捐赠已入库。"), "success")
            return redirect(url_for("supermarkets.donations", supermarket_id=supermarket.id))
    return _donations_page(supermarket, form, may_manage), form_status(form)


def _donations_page(supermarket, form, may_manage):
    if not form.key.data:  # a new key each time a blank form is shown; a redisplay keeps its own
        form.key.data = uuid.uuid4().hex
    recent = db.session.query(Donation).filter_by(supermarket_id=supermarket.id).order_by(
        Donation.id.desc()).limit(50).all()
    return render_template("supermarket/donations.html", supermarket=supermarket, form=form,
                           donations=recent, may_manage=may_manage, kind_labels=DONOR_KIND_LABELS)


@bp.get("/<int:supermarket_id>/donors")
@login_required
def donors(supermarket_id: int):
    supermarket, _region = load_supermarket(supermarket_id, Action.VIEW_SUPERMARKET, Action.MANAGE_GOODS)
    rows = db.session.query(Donor).filter_by(supermarket_id=supermarket.id).order_by(Donor.name).all()
    return render_template("supermarket/donors.html", supermarket=supermarket, donors=rows,
                           kind_labels=DONOR_KIND_LABELS)


@bp.get("/<int:supermarket_id>/donors/<int:donor_id>")
@login_required
def donor(supermarket_id: int, donor_id: int):
    supermarket, _region = load_supermarket(supermarket_id, Action.VIEW_SUPERMARKET, Action.MANAGE_GOODS)
    found = stock.get_donor(db.session, donor_id, supermarket.id)
    outcomes = stock.donor_outcomes(db.session, found.id)
    return render_template("supermarket/donor.html", supermarket=supermarket, donor=found,
                           outcomes=outcomes, kind_labels=DONOR_KIND_LABELS)


def _month() -> tuple[int, int]:
    raw = request.args.get("month")
    if not raw:
        now = datetime.now(UTC).astimezone(local_zone())
        return now.year, now.month
    match = _MONTH.match(raw)
    if not match or not (2000 <= int(match[1]) <= 2999 and 1 <= int(match[2]) <= 12):
        abort(400)
    return int(match[1]), int(match[2])


@bp.get("/<int:supermarket_id>/reconciliation")
@login_required
def reconciliation(supermarket_id: int):
    supermarket, _region = load_supermarket(supermarket_id, Action.VIEW_SUPERMARKET)
    year, month = _month()
    report = monthly_report(db.session, supermarket, year, month, local_zone())
    return render_template("supermarket/reconciliation.html", supermarket=supermarket, report=report,
                           month=f"{year:04d}-{month:02d}")


@bp.get("/<int:supermarket_id>/reconciliation.xlsx")
@login_required
def reconciliation_download(supermarket_id: int):
    supermarket, _region = load_supermarket(supermarket_id, Action.VIEW_SUPERMARKET)
    year, month = _month()
    report = monthly_report(db.session, supermarket, year, month, local_zone())
    filename = f"reconciliation-{supermarket.id}-{year:04d}-{month:02d}.xlsx"
    return xlsx_response(reconciliation_xlsx(report), filename)
