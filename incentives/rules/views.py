"""The catalogue as villagers read it, and its management by the levels that publish it."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incentives.errors import form_status
from incentives.extensions import db
from incentives.permissions import Action, can, regions_for, require
from incentives.places.models import Level, Region
from incentives.rules.forms import PointsForm, RuleForm
from incentives.rules.models import Rule
from incentives.rules.services import adjust_for_village, catalogue_for, publish_rule, revise_rule
from ledger.transaction import run_in_transaction

bp = Blueprint("rules", __name__, url_prefix="/rules")


def _home_village() -> Region | None:
    person = current_user.person
    return person.household.village if person else None


@bp.get("")
@login_required
def index():
    """The catalogue in force in a village: the villager's own, or one the staff member covers."""
    village = _home_village()
    region_id = request.args.get("village", type=int)
    if region_id is not None:
        village = db.session.get(Region, region_id)
        require(
            village is not None and village.level == Level.VILLAGE
            and (village.id == getattr(_home_village(), "id", None)
                 or can(current_user, Action.VIEW_DASHBOARD, village))
        )
    require(village is not None)
    manageable = [r for r in regions_for(current_user, Action.MANAGE_RULES) if r.contains(village)]
    return render_template(
        "rules/index.html", village=village, rules=catalogue_for(db.session, village),
        can_adjust=any(r.id == village.id for r in manageable), points_form=PointsForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    region = _managed_region()
    form = RuleForm()
    if not form.validate_on_submit():
        return render_template("rules/new.html", form=form, region=region), form_status(form)
    values = {name: getattr(form, name).data for name in (
        "name", "points", "per", "cap_period", "cap_points", "village_min", "village_max",
        "evidence_required", "approval_required", "self_report")}
    actor, region_id = f"user:{current_user.id}", region.id
    run_in_transaction(db.session, lambda: publish_rule(
        db.session, db.session.get(Region, region_id), form.category.data, actor, **values))
    flash(_("细则已发布"), "info")
    return redirect(url_for("rules.new", region=region_id))


@bp.post("/<int:rule_id>/points")
@login_required
def set_points(rule_id: int):
    """A new value: a new version of a rule this level published, or a village's own value for
    a higher level's rule (within the range that level allows)."""
    rule = db.session.get(Rule, rule_id)
    village = db.session.get(Region, request.args.get("village", type=int) or 0)
    require(rule is not None and village is not None and village.level == Level.VILLAGE)
    require(can(current_user, Action.MANAGE_RULES, village) and rule.region.contains(village))
    form = PointsForm()
    if not form.validate_on_submit():
        flash(_("请填写有效的分值"), "error")
        return redirect(url_for("rules.index", village=village.id)), 303
    actor, ids = f"user:{current_user.id}", (rule.id, village.id)

    def work():
        target, where = db.session.get(Rule, ids[0]), db.session.get(Region, ids[1])
        if target.region_id == where.id:
            return revise_rule(db.session, target, actor, points=form.points.data)
        return adjust_for_village(db.session, target, where, form.points.data, actor)

    run_in_transaction(db.session, work)
    flash(_("分值已更新；已入账的积分不受影响"), "info")
    return redirect(url_for("rules.index", village=village.id))


def _managed_region() -> Region:
    region_id = request.args.get("region", type=int)
    regions = regions_for(current_user, Action.MANAGE_RULES)
    require(bool(regions))
    if region_id is None:
        return regions[0]
    region = db.session.get(Region, region_id)
    require(region is not None and region.level != Level.GRID)
    require(can(current_user, Action.MANAGE_RULES, region))
    return region
