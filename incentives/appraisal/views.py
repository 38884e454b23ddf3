"""Appraisal pages: the committee opens rounds and scores households on a phone; the frozen
ranking of a closed round is public."""

from datetime import UTC

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from incentives.appraisal import scoring
from incentives.appraisal.errors import AppraisalError, RecusalRequired
from incentives.appraisal.forms import CloseForm, RecusalForm, RoundForm, score_form, scores_of
from incentives.appraisal.models import AppraisalRecusal, AppraisalRound
from incentives.appraisal.results import (
    close_round,
    find_ranking_publication,
    ranking,
)
from incentives.appraisal.services import (
    committee,
    declare_recusal,
    households_to_score,
    my_scores,
    open_round,
    period_label,
    recused_household_ids,
    round_progress,
    score_household,
)
from incentives.auth.models import User
from incentives.choices import choices
from incentives.claims.inputs import valid_id
from incentives.errors import form_status
from incentives.extensions import db
from incentives.i18n import local_zone
from incentives.permissions import Action, can, may_declare_recusal, regions_for, require
from incentives.places.models import Household, Level, Region
from ledger.models import utcnow
from ledger.transaction import run_in_transaction

bp = Blueprint("appraisal", __name__, url_prefix="/appraisal")



def _may_see(round_: AppraisalRound) -> bool:
    return can(current_user, Action.APPRAISE, round_.village) or can(
        current_user, Action.MANAGE_APPRAISAL, round_.village
    )


def _round_or_404(round_id: int, allowed=_may_see) -> AppraisalRound:
    round_ = db.session.get(AppraisalRound, valid_id(round_id) or 0)
    require(round_ is not None and allowed(round_))
    return round_


def _recusal_members(village: Region) -> list:
    """The members the current user may declare a recusal for (an appraiser: only themself)."""
    return choices([(u.id, u.name) for u in committee(db.session, village)
                    if may_declare_recusal(current_user, village, u.id)])


def _actor() -> str:
    return f"user:{current_user.id}"


@bp.get("")
@login_required
def index():
    regions = {r.id: r for a in (Action.APPRAISE, Action.MANAGE_APPRAISAL)
               for r in regions_for(current_user, a)}
    require(bool(regions))
    villages = [r for r in regions.values() if r.level == Level.VILLAGE]
    rounds = db.session.execute(
        select(AppraisalRound).where(AppraisalRound.village_id.in_([v.id for v in villages]))
        .order_by(AppraisalRound.period_start.desc(), AppraisalRound.id.desc())
    ).scalars().all()
    return render_template(
        "appraisal/index.html", villages=villages, rounds=rounds, label=period_label,
        may_manage={v.id for v in villages if can(current_user, Action.MANAGE_APPRAISAL, v)},
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    village = db.session.get(Region, valid_id(request.args.get("village", type=int)) or 0)
    require(village is not None and village.level == Level.VILLAGE
            and can(current_user, Action.MANAGE_APPRAISAL, village))
    form = RoundForm()
    if request.method == "GET":
        form.fill_defaults()
        # Today in the village: before 08:00 in Shanghai the UTC date is still yesterday's.
        zone = local_zone()
        form.day.data = utcnow().replace(tzinfo=UTC).astimezone(zone).date()
    if not form.validate_on_submit():
        return render_template("appraisal/new.html", village=village, form=form), form_status(form)
    village_id, actor = village.id, _actor()
    try:
        round_id = run_in_transaction(db.session, lambda: open_round(
            db.session, db.session.get(Region, village_id), form.cadence.data, form.day.data,
            form.criteria_data(), bonus_top=form.bonus_top.data, bonus_points=form.bonus_points.data,
            actor=actor,
        ).id)
    except AppraisalError as exc:
        # Shown above the form, with what was typed kept, rather than on a bare error page.
        flash(str(exc.message), "error")
        return render_template("appraisal/new.html", village=village, form=form), exc.status
    flash(_("评议已开始，评议委员可以评分了。"))
    return redirect(url_for("appraisal.show", round_id=round_id))


@bp.get("/rounds/<int:round_id>")
@login_required
def show(round_id: int):
    round_ = _round_or_404(round_id)
    appraiser = can(current_user, Action.APPRAISE, round_.village)
    manager = can(current_user, Action.MANAGE_APPRAISAL, round_.village)
    to_score = households_to_score(db.session, round_, current_user) if appraiser else []
    recusal_form = None
    if manager:
        recusal_form = RecusalForm()
        recusal_form.member.choices = _recusal_members(round_.village)
    recusals = db.session.execute(
        select(AppraisalRecusal).where(AppraisalRecusal.village_id == round_.village_id)
        .order_by(AppraisalRecusal.id)
    ).scalars().all()
    return render_template(
        "appraisal/show.html", round=round_, label=period_label(round_), appraiser=appraiser,
        manager=manager, to_score=to_score, progress=round_progress(db.session, round_),
        close_form=CloseForm(), recusal_form=recusal_form, recusals=recusals,
    )


@bp.route("/rounds/<int:round_id>/households/<int:household_id>", methods=["GET", "POST"])
@login_required
def score(round_id: int, household_id: int):
    round_ = _round_or_404(round_id, lambda r: can(current_user, Action.APPRAISE, r.village))
    household = db.session.get(Household, valid_id(household_id) or 0)
    require(household is not None and household.village_id == round_.village_id)
    if household.id in recused_household_ids(db.session, round_.village_id, current_user):
        raise RecusalRequired(_("您须回避该户（本人家庭、近亲属家庭或已申报回避），不能为其评分"))
    if not round_.is_open:
        raise AppraisalError(_("本期评议已结束，不能再评分或更改"), status=409)
    criteria = list(round_.criteria)
    form = score_form(criteria, my_scores(db.session, round_.id, current_user.id, household.id)
                      if request.method == "GET" else None)
    if not form.validate_on_submit():
        return render_template(
            "appraisal/score.html", round=round_, label=period_label(round_), household=household,
            form=form, criteria=criteria,
        ), form_status(form)
    scores = scores_of(form, criteria)
    member_id = current_user.id
    run_in_transaction(db.session, lambda: score_household(
        db.session, round_id, db.session.get(User, member_id),
        household_id, scores,
    ))
    flash(_("已保存 %(number)s 户的评分。", number=household.number))
    following = next(
        (t.household for t in households_to_score(db.session, round_, current_user)
         if not t.scored and t.household.id != household_id), None,
    )
    if following is not None:
        return redirect(url_for("appraisal.score", round_id=round_id, household_id=following.id))
    return redirect(url_for("appraisal.show", round_id=round_id))


@bp.post("/rounds/<int:round_id>/close")
@login_required
def close(round_id: int):
    round_ = _round_or_404(round_id, lambda r: can(current_user, Action.MANAGE_APPRAISAL, r.village))
    form = CloseForm()
    require(form.validate_on_submit())
    actor = _actor()
    run_in_transaction(db.session, lambda: close_round(db.session, round_id, actor=actor))
    flash(_("评议已结束，结果已冻结。"))
    return redirect(url_for("appraisal.results", round_id=round_.id))


@bp.post("/rounds/<int:round_id>/recusals")
@login_required
def recuse(round_id: int):
    round_ = _round_or_404(round_id, lambda r: can(current_user, Action.MANAGE_APPRAISAL, r.village))
    form = RecusalForm()
    form.member.choices = _recusal_members(round_.village)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("appraisal.show", round_id=round_id)), 303
    household = db.session.execute(select(Household).where(
        Household.village_id == round_.village_id, Household.number == form.household_number.data.strip()
    )).scalar_one_or_none()
    if household is None:
        flash(_("本村没有这个户号"), "error")
        return redirect(url_for("appraisal.show", round_id=round_id)), 303
    village_id, member_id, household_id = round_.village_id, form.member.data, household.id
    reason, actor, by = form.reason.data, _actor(), current_user._get_current_object()
    run_in_transaction(db.session, lambda: declare_recusal(
        db.session, db.session.get(Region, village_id), member_id, household_id, reason, actor=actor,
        by=by,
    ))
    flash(_("已登记回避。"))
    return redirect(url_for("appraisal.show", round_id=round_id))


@bp.get("/rounds/<int:round_id>/results")
def results(round_id: int):
    """The frozen ranking, public once the round is closed (it goes on the notice board)."""
    round_ = db.session.get(AppraisalRound, valid_id(round_id) or 0)
    require(round_ is not None and not round_.is_open)
    return render_template(
        "appraisal/results.html", round=round_, label=period_label(round_),
        ranking=ranking(db.session, round_), trim_from=scoring.TRIM_FROM,
        publication=find_ranking_publication(db.session, round_),
    )
