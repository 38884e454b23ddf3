"""``/cards``: the village committee issues printed household cards (平安家庭积分卡) to households
without phones, prints them, revokes a lost card and issues a new one (the balance stays on the
household's account), and sets a new PIN when one is forgotten."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from incentives.cards.forms import FindForm, PinForm, RevokeForm
from incentives.cards.messages import card_message
from incentives.cards.printout import card_printout
from incentives.claims.inputs import valid_id
from incentives.errors import render_error
from incentives.extensions import db
from incentives.pdf import pdf_response
from incentives.permissions import Action, can, regions_for, require
from incentives.places.models import Household, Level
from ledger.models import Account, utcnow
from ledger.transaction import run_in_transaction
from redeem.card_models import HouseholdCard
from redeem.cards import (
    CardError,
    active_card,
    change_pin,
    household_cards,
    issue_card,
    reissue_card,
    revoke_card,
)
from redeem.codes import format_card_number

bp = Blueprint("cards", __name__, url_prefix="/cards")


def _actor() -> str:
    return f"user:{current_user.id}"


def _household_or_404(household_id: int) -> Household:
    household = db.session.get(Household, valid_id(household_id) or 0)
    require(household is not None and can(current_user, Action.MANAGE_CARDS, household.region))
    return household


def _card_or_404(card_id: int) -> HouseholdCard:
    card = db.session.get(HouseholdCard, valid_id(card_id) or 0)
    require(card is not None)
    _household_or_404(card.household_id)
    return card


@bp.get("")
@login_required
def index():
    """Find a household by number or head's name; the households that hold a card are listed."""
    villages = [r for r in regions_for(current_user, Action.MANAGE_CARDS) if r.level == Level.VILLAGE]
    require(bool(villages))
    village_ids = [v.id for v in villages]
    form = FindForm(request.args)
    found = []
    query = (form.q.data or "").strip()
    if query:
        found = db.session.execute(
            select(Household).where(
                Household.village_id.in_(village_ids),
                or_(Household.number == query, Household.head_name.contains(query, autoescape=True)),
            ).order_by(Household.id).limit(50)
        ).scalars().all()
    holders = db.session.execute(
        select(Household, HouseholdCard)
        .join(HouseholdCard, HouseholdCard.household_id == Household.id)
        .where(Household.village_id.in_(village_ids), HouseholdCard.revoked_at.is_(None))
        .order_by(HouseholdCard.id.desc())
    ).all()
    return render_template("cards/index.html", form=form, found=found, query=query, holders=holders,
                           villages=villages, format_number=format_card_number)


def _render_household(household: Household, status: int = 200, **forms):
    cards = household_cards(db.session, household.id)
    return render_template(
        "cards/household.html", household=household, cards=cards,
        current=next((c for c in cards if c.active), None),
        balance=db.session.get(Account, household.account_id).balance,
        pin_form=forms.get("pin_form") or PinForm(formdata=None),
        revoke_form=forms.get("revoke_form") or RevokeForm(formdata=None),
        error=forms.get("error"), format_number=format_card_number,
    ), status


@bp.get("/households/<int:household_id>")
@login_required
def household(household_id: int):
    return _render_household(_household_or_404(household_id))


@bp.post("/households/<int:household_id>/issue")
@login_required
def issue(household_id: int):
    """A first card, or a new one in place of a lost card: the household types its PIN."""
    household = _household_or_404(household_id)
    form = PinForm()
    if not form.validate_on_submit():
        return _render_household(household, 400, pin_form=form)
    actor, now, pin, reason = _actor(), utcnow(), form.pin.data, form.reason.data
    had_card = active_card(db.session, household.id) is not None
    try:
        card = run_in_transaction(db.session, lambda: reissue_card(
            db.session, household_id, pin, actor, reason or "补办", now,
        ) if had_card else issue_card(db.session, household_id, pin, actor, now))
    except CardError as exc:
        return _render_household(db.session.get(Household, household_id), exc.status,
                                 pin_form=form, error=card_message(exc))
    number = format_card_number(card.number)
    if had_card:
        flash(_("旧卡已作废，新卡号 %(number)s。积分仍在本户账上。", number=number), "info")
    else:
        flash(_("已发卡，卡号 %(number)s。请打印后交给本户。", number=number), "info")
    return redirect(url_for("cards.household", household_id=household_id))


@bp.post("/<int:card_id>/pin")
@login_required
def pin(card_id: int):
    card = _card_or_404(card_id)
    household_id = card.household_id
    form = PinForm()
    if not form.validate_on_submit():
        return _render_household(db.session.get(Household, household_id), 400, pin_form=form)
    new_pin = form.pin.data
    run_in_transaction(db.session, lambda: change_pin(db.session, card_id, new_pin))
    flash(_("密码已重设，卡已解锁。"), "info")
    return redirect(url_for("cards.household", household_id=household_id))


@bp.post("/<int:card_id>/revoke")
@login_required
def revoke(card_id: int):
    card = _card_or_404(card_id)
    household_id = card.household_id
    form = RevokeForm()
    if not form.validate_on_submit():
        return _render_household(db.session.get(Household, household_id), 400, revoke_form=form)
    actor, now, reason = _actor(), utcnow(), form.reason.data
    run_in_transaction(db.session, lambda: revoke_card(db.session, card_id, actor, reason, now))
    flash(_("卡已挂失作废。积分仍在本户账上，可随时补办新卡。"), "info")
    return redirect(url_for("cards.household", household_id=household_id))


@bp.get("/<int:card_id>/card.pdf")
@login_required
def printout(card_id: int):
    card = _card_or_404(card_id)
    if not card.active:
        return render_error(409, _("这张卡已作废，不能打印。"))
    household = db.session.get(Household, card.household_id)
    return pdf_response(card_printout(card, household), f"card-{card.number}.pdf")

