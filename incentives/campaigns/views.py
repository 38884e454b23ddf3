"""Campaign pages for Women's Federation and Youth League staff."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from incentives.campaigns.forms import CampaignAwardForm, CampaignForm
from incentives.campaigns.models import Campaign
from incentives.campaigns.services import (
    CampaignError,
    CampaignRuleSpec,
    award_in_campaign,
    campaign_report,
    launch_campaign,
)
from incentives.choices import choices
from incentives.errors import form_status
from incentives.extensions import db
from incentives.permissions import Action, can, regions_for, require
from incentives.places.models import Household, Level, Region
from incentives.places.services import subtree
from incentives.rules.models import Category, Rule
from ledger.models import utcnow
from ledger.transaction import run_in_transaction

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


def _my_regions() -> list[Region]:
    regions = regions_for(current_user, Action.RUN_CAMPAIGN)
    require(bool(regions))
    return regions


def _today():
    return utcnow().date()


@bp.get("")
@login_required
def index():
    regions = _my_regions()
    ids = [r.id for r in regions]
    campaigns = db.session.execute(
        select(Campaign).where(Campaign.region_id.in_(ids)).order_by(Campaign.id.desc())
    ).scalars().all()
    return render_template("campaigns/index.html", campaigns=campaigns, regions=regions)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    region = _my_regions()[0]
    form = CampaignForm()
    villages = subtree(db.session, region, Level.VILLAGE)
    form.villages.choices = choices((v.id, v.name) for v in villages)
    if not form.validate_on_submit():
        return render_template("campaigns/new.html", form=form, region=region), form_status(form)
    chosen = set(form.villages.data)
    spec = CampaignRuleSpec(
        name=form.rule_name.data, category=Category(form.rule_category.data),
        points=form.rule_points.data, per=form.rule_per.data,
        cap_period="none" if form.rule_cap.data is None else "year", cap_points=form.rule_cap.data,
    )
    actor = f"user:{current_user.id}"
    region_id = region.id
    campaign = run_in_transaction(db.session, lambda: launch_campaign(
        db.session, db.session.get(Region, region_id), actor,
        name=form.name.data, sponsor=form.sponsor.data, starts_on=form.starts_on.data,
        ends_on=form.ends_on.data, budget=form.budget.data,
        villages=[db.session.get(Region, v) for v in sorted(chosen)], rules=[spec],
    ))
    flash(_("活动已发布，预算已到账"), "info")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


def _campaign_or_404(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    require(campaign is not None and can(current_user, Action.RUN_CAMPAIGN, campaign.region))
    return campaign


def _award_form(campaign: Campaign) -> CampaignAwardForm:
    form = CampaignAwardForm()
    form.village.choices = choices((v.id, v.name) for v in campaign.villages)
    form.rule.choices = choices((r.id, r.current.name) for r in campaign.rules)
    return form


@bp.get("/<int:campaign_id>")
@login_required
def show(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    return render_template(
        "campaigns/show.html", campaign=campaign, report=campaign_report(db.session, campaign),
        form=_award_form(campaign), today=_today(),
    )


@bp.post("/<int:campaign_id>/award")
@login_required
def award(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    form = _award_form(campaign)
    if not form.validate_on_submit():
        report = campaign_report(db.session, campaign)
        return render_template("campaigns/show.html", campaign=campaign, report=report, form=form,
                               today=_today()), 400
    household = db.session.execute(select(Household).where(
        Household.village_id == form.village.data,
        Household.number == form.household_number.data.strip(),
    )).scalar_one_or_none()
    if household is None:
        raise CampaignError(_("找不到该户，请核对户号"), status=404)
    actor, ids = f"user:{current_user.id}", (campaign.id, form.rule.data, household.id)
    result = run_in_transaction(db.session, lambda: award_in_campaign(
        db.session, db.session.get(Campaign, ids[0]), db.session.get(Rule, ids[1]),
        db.session.get(Household, ids[2]), form.quantity.data, actor=actor, today=_today(),
    ))
    flash(_("已发放 %(points)s 分", points=result.points), "info")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))

