"""Households as staff see them, within the subtree their roles cover."""

import uuid

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incentives.awards.corrections import correctable_entry_ids, reversal_posted_by, reverse_award_entry
from incentives.errors import ServiceError, form_status
from incentives.extensions import db
from incentives.home.services import balance, household_history
from incentives.households.forms import CorrectionForm, RosterForm
from incentives.households.services import PAGE_SIZE, households_in, issue_login_slip
from incentives.permissions import (
    Action,
    can,
    can_view_contact,
    can_view_household,
    regions_for,
    require,
)
from incentives.places.models import Household, Level, Person, Region
from incentives.places.roster import RosterRejected
from incentives.places.roster import import_roster as import_roster_rows
from incentives.places.roster_file import RosterFileError, read_roster
from ledger.models import Entry
from ledger.transaction import run_in_transaction

bp = Blueprint("households", __name__, url_prefix="/households")


def _region_from_args(action: Action) -> Region:
    region_id = request.args.get("region", type=int)
    if region_id is None:
        allowed = regions_for(current_user, action)
        require(bool(allowed))
        return allowed[0]
    region = db.session.get(Region, region_id)
    require(region is not None and can(current_user, action, region))
    return region


@bp.get("")
@login_required
def index():
    region = _region_from_args(Action.VIEW_HOUSEHOLD)
    page = max(request.args.get("page", 1, type=int), 1)
    query = request.args.get("q", "").strip()[:50]
    rows = households_in(db.session, region, query=query, page=page)
    return render_template(
        "households/index.html",
        region=region,
        rows=rows,
        query=query,
        page=page,
        has_more=len(rows) == PAGE_SIZE,
        can_import=can(current_user, Action.MANAGE_ROSTER, region),
    )


def _household_or_404(household_id: int) -> Household:
    household = db.session.get(Household, household_id)
    require(household is not None and can_view_household(current_user, household))
    return household


@bp.get("/<int:household_id>")
@login_required
def show(household_id: int):
    household = _household_or_404(household_id)
    history = household_history(db.session, household)
    may_correct = can(current_user, Action.CORRECT_ENTRY, household.region)
    return render_template(
        "households/show.html",
        household=household,
        points=balance(db.session, household.account_id),
        history=history,
        correctable=correctable_entry_ids(db.session, household, [line.entry for line in history])
        if may_correct else set(),
        show_contact=can_view_contact(current_user, household),
        can_reset=can(current_user, Action.RESET_PASSWORD, household.region),
    )


@bp.route("/<int:household_id>/entries/<int:entry_id>/correct", methods=["GET", "POST"])
@login_required
def correct(household_id: int, entry_id: int):
    """冲正: the committee reverses a wrong award or deduction of the household, with a reason."""
    household = _household_or_404(household_id)
    require(can(current_user, Action.CORRECT_ENTRY, household.region))
    form = CorrectionForm()
    if form.is_submitted() and form.key.data and reversal_posted_by(db.session, entry_id, form.key.data):
        return _corrected(household, db.session.get(Entry, entry_id))  # the same form sent twice
    entry = db.session.get(Entry, entry_id)
    require(entry is not None and entry_id in correctable_entry_ids(db.session, household, [entry]))
    if not form.validate_on_submit():
        if not form.key.data:  # a new key each time a blank form is shown; a redisplay keeps its own
            form.key.data = uuid.uuid4().hex
        return render_template("households/correct.html", household=household, entry=entry,
                               form=form), form_status(form)
    user_id, reason, key = current_user.id, form.reason.data, form.key.data
    try:
        run_in_transaction(db.session, lambda: reverse_award_entry(
            db.session, db.session.get(Household, household_id), entry_id, actor_id=user_id,
            reason=reason, key=key,
        ))
    except ServiceError as exc:  # shown on the form, which keeps what was typed
        flash(str(exc.message), "error")
        return render_template("households/correct.html", household=household, entry=entry,
                               form=form), exc.status
    return _corrected(household, entry)


def _corrected(household: Household, entry: Entry):
    flash(_("已冲正：%(amount)s 分已退回原处，记录保留在公开账本。", amount=entry.amount), "success")
    return redirect(url_for("households.show", household_id=household.id))


@bp.post("/<int:household_id>/members/<int:person_id>/slip")
@login_required
def login_slip(household_id: int, person_id: int):
    household = _household_or_404(household_id)
    require(can(current_user, Action.RESET_PASSWORD, household.region))
    person = db.session.get(Person, person_id)
    require(person is not None and person.household_id == household.id)
    actor = f"user:{current_user.id}"
    user, password = run_in_transaction(
        db.session, lambda: issue_login_slip(db.session, db.session.get(Person, person_id), actor)
    )
    response = render_template(
        "print/login_slip.html", household=household, user=user, password=password
    )
    # The password is on this page only: no cache may keep it.
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_roster():
    village = _region_from_args(Action.MANAGE_ROSTER)
    require(village.level == Level.VILLAGE)
    form = RosterForm()
    if not form.validate_on_submit():
        return render_template("households/import.html", form=form, village=village), form_status(form)
    upload = form.roster.data
    try:
        rows = read_roster(upload.filename, upload.read())
        result = run_in_transaction(
            db.session,
            lambda: import_roster_rows(
                db.session, db.session.get(Region, village.id), rows, current_app.config["ID_HASH_KEY"]
            ),
        )
    except RosterFileError as exc:
        return render_template(
            "households/import.html", form=form, village=village, file_error=exc.message
        ), 422
    except RosterRejected as exc:
        return render_template(
            "households/import.html", form=form, village=village, rejected=exc
        ), 422
    return render_template("households/import.html", form=form, village=village, result=result)
