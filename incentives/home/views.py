"""``/me``: the villager's household card and the staff member's dashboard."""


from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user, login_required

from incentives.expiry.services import expiry_notice
from incentives.extensions import db
from incentives.home.services import balance, household_history, region_summary
from incentives.home.shortcuts import shortcuts_for
from incentives.i18n import local_zone
from incentives.permissions import Action, regions_for
from incentives.qr import qr_svg
from ledger.models import utcnow
from redeem.members import STEP_SECONDS, member_token

bp = Blueprint("home", __name__)


@bp.get("/me")
@login_required
def index():
    person = current_user.person
    household = person.household if person else None
    context = {"household": household, "person": person}
    if household is not None:
        token = member_token(current_app.config["SECRET_KEY"], household.id)
        context |= {
            "points": balance(db.session, household.account_id),
            "minutes": balance(db.session, person.hours_account_id),
            "history": household_history(
                db.session, household, before_id=request.args.get("before", type=int)
            ),
            "member_qr": qr_svg(token),
            "member_token": token,
            "refresh_seconds": STEP_SECONDS,
        }
        context["expiry"] = expiry_notice(
            db.session, household, context["points"], utcnow(),
            local_zone(),
        )
    context["shortcuts"] = shortcuts_for(current_user, has_household=household is not None)
    context["summaries"] = [
        region_summary(db.session, region)
        for region in regions_for(current_user, Action.VIEW_DASHBOARD)
    ]
    return render_template("home/index.html", **context)


@bp.get("/me/member-code.svg")
@login_required
def member_code():
    """The current member QR alone, fetched each minute by the home page to keep it fresh."""
    if current_user.person is None:
        abort(404)
    token = member_token(current_app.config["SECRET_KEY"], current_user.person.household_id)
    response = Response(str(qr_svg(token)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response
