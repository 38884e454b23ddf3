"""``/claims``: villagers report and follow their items, reviewers approve or reject, the village
reads its public notice and objects, the committee resolves objections, deducts and awards in bulk.

Outsiders get 404 before any service runs; insiders without the right get the service's 403
with its message. Every write goes through one service in one transaction.
"""


from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from incentives.auth.models import User
from incentives.choices import choices
from incentives.claims import queries, services
from incentives.claims.errors import ClaimError
from incentives.claims.forms import (
    BulkAwardForm,
    ClaimForm,
    DeductionForm,
    NoteForm,
    NoticeDaysForm,
    ReasonForm,
)
from incentives.claims.inputs import valid_id
from incentives.claims.models import Claim, ClaimPhoto, ClaimState
from incentives.claims.photos import DEFAULT_MAX_BYTES, photo_dir, photo_path, store_photo
from incentives.errors import ServiceError
from incentives.extensions import db
from incentives.i18n import local_zone
from incentives.permissions import (
    Action,
    can,
    can_view_claim,
    can_view_notice,
    is_member,
    is_villager_of,
    regions_for,
    require,
)
from incentives.places.models import Level, Region
from incentives.rules.models import Per, Rule
from ledger.models import utcnow
from ledger.transaction import run_in_transaction

bp = Blueprint("claims", __name__, url_prefix="/claims")


# -- helpers -------------------------------------------------------------------------------------


def _now():
    # The web's clock. Services take it as a parameter; the tests and the CLI pass their own.
    return utcnow()



def _me() -> User:
    """The acting user, loaded in the transaction's session (safe to call on a retry)."""
    return db.session.get(User, current_user.id)


def _in_transaction(work):
    return run_in_transaction(db.session, work)


def _rule_label(rule: Rule) -> str:
    version = rule.current
    points = abs(version.points)
    if version.per == Per.HOUR:
        label = _("%(name)s · 每小时 %(points)s 分", name=version.name, points=points)
    else:
        label = _("%(name)s · 每次 %(points)s 分", name=version.name, points=points)
    if version.evidence_required:
        label += " · " + _("需照片")
    return label


def _rule_choices(rules: list[Rule]) -> list[SelectChoice]:
    return choices((rule.id, _rule_label(rule)) for rule in rules)


def _visible_claim(claim_id: int) -> Claim:
    claim = db.session.get(Claim, valid_id(claim_id) or 0)
    require(claim is not None and can_view_claim(current_user, claim.household))
    return claim


def _village_from_args(action: Action) -> Region:
    """The village named by ``?village=``, or the first one ``action`` is granted on."""
    village_id = request.args.get("village", type=int)
    if village_id is None:
        villages = [r for r in regions_for(current_user, action) if r.level == Level.VILLAGE]
        require(bool(villages))
        return villages[0]
    village = db.session.get(Region, valid_id(village_id) or 0)
    require(village is not None and village.level == Level.VILLAGE and can(current_user, action, village))
    return village


def _form_status() -> int:
    # A form sent back with errors is the sender's mistake: 422, never 200 or 5xx.
    return 422 if request.method == "POST" else 200


# -- the villager ----------------------------------------------------------------------------


@bp.get("")
@login_required
def index():
    """我的申报: the household's claims with their states."""
    person = current_user.person
    claims = queries.household_claims(db.session, person.household_id) if person else []
    return render_template("claims/index.html", person=person, claims=claims,
                           can_review=bool(regions_for(current_user, Action.REVIEW_CLAIM)))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    person = current_user.person
    require(person is not None)
    village = person.household.village
    form = ClaimForm()
    form.rule.choices = _rule_choices(queries.reportable_rules(db.session, village))
    if form.validate_on_submit():
        try:
            claim_id = _submit(form)
        except ServiceError as exc:  # the claim's refusals and the rules catalogue's
            return render_template("claims/new.html", form=form, village=village,
                                   error=exc.message), exc.status
        return redirect(url_for("claims.show", claim_id=claim_id))
    return render_template("claims/new.html", form=form, village=village), _form_status()


def _submit(form: ClaimForm) -> int:
    # Photos are stored before the transaction: a refused claim leaves at most an unreferenced
    # file (named by its content, so a retry reuses it), never a claim without its photos.
    directory = photo_dir(current_app)
    max_bytes = current_app.config.get("PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES)
    uploads = form.photos.data or []  # None when the browser sent no file part at all
    photos = [store_photo(upload.read(), directory, max_bytes=max_bytes) for upload in uploads]
    now = _now()
    claim = _in_transaction(lambda: services.submit_claim(
        db.session, _me(), rule_id=form.rule.data, amount=form.amount.data,
        done_on=form.done_on.data, note=form.note.data, photos=photos, now=now, zone=local_zone(),
    ))
    if claim.state == ClaimState.POSTED:
        flash(_("已入账：这一项不需要审核。"), "info")
    else:
        flash(_("已提交，请等待网格员或村委审核。"), "info")
    return claim.id


@bp.get("/<int:claim_id>")
@login_required
def show(claim_id: int):
    return _render_show(_visible_claim(claim_id))


def _render_show(claim: Claim, status: int = 200, **forms):
    user, household = current_user, claim.household
    state = ClaimState(claim.state)
    now = _now()
    not_own = not is_member(user, household)
    context = {
        "claim": claim,
        "can_review": state == ClaimState.SUBMITTED and not_own
        and can(user, Action.REVIEW_CLAIM, household.region),
        "can_resolve": state == ClaimState.OBJECTED and not_own
        and can(user, Action.MANAGE_NOTICE, household.region),
        "can_object": state == ClaimState.IN_NOTICE and now < claim.notice_ends_at
        and is_villager_of(user, claim.village),
        # Who objected is for the committee only: a neighbour must be able to object safely.
        "show_objectors": can(user, Action.MANAGE_NOTICE, household.region),
        "reject_form": forms.get("reject_form") or ReasonForm(prefix="reject", formdata=None),
        "object_form": forms.get("object_form") or ReasonForm(prefix="object", formdata=None),
        "uphold_form": forms.get("uphold_form") or NoteForm(prefix="uphold", formdata=None),
        "withdraw_form": forms.get("withdraw_form") or ReasonForm(prefix="withdraw", formdata=None),
    }
    return render_template("claims/show.html", **context), status


@bp.get("/<int:claim_id>/photos/<string(length=64):sha256>.jpg")
@login_required
def photo(claim_id: int, sha256: str):
    """A claim's photo, only to those who may see the claim; never cached by shared proxies."""
    claim = _visible_claim(claim_id)
    known = db.session.query(ClaimPhoto.id).filter_by(claim_id=claim.id, sha256=sha256).first()
    require(known is not None)
    path = photo_path(photo_dir(current_app), sha256)
    require(path.is_file())
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- review ----------------------------------------------------------------------------------


@bp.get("/review")
@login_required
def review():
    """The review queue of grid workers and the committee."""
    require(bool(regions_for(current_user, Action.REVIEW_CLAIM)))
    submitted, objected = queries.review_queue(db.session, current_user)
    waiting, objections = queries.review_counts(db.session, current_user)
    villages = [r for r in regions_for(current_user, Action.ENTER_DEDUCTION) if r.level == Level.VILLAGE]
    return render_template("claims/review.html", submitted=submitted, objected=objected,
                           waiting=waiting, objections=objections, committee_villages=villages)


@bp.post("/<int:claim_id>/approve")
@login_required
def approve(claim_id: int):
    _visible_claim(claim_id)
    now = _now()
    claim = _in_transaction(lambda: services.approve_claim(db.session, _me(), claim_id, now=now))
    if claim.state == ClaimState.POSTED:
        flash(_("已通过并入账（本村不设公示期）。"), "info")
    else:
        flash(_("已通过，进入公示。"), "info")
    return redirect(url_for("claims.review"))


@bp.post("/<int:claim_id>/reject")
@login_required
def reject(claim_id: int):
    claim = _visible_claim(claim_id)
    form = ReasonForm(prefix="reject")
    if not form.validate_on_submit():
        return _render_show(claim, 422, reject_form=form)
    now = _now()
    _in_transaction(lambda: services.reject_claim(db.session, _me(), claim_id, form.reason.data, now=now))
    flash(_("已驳回，申报人会看到理由。"), "info")
    return redirect(url_for("claims.review"))


# -- notice and objections ---------------------------------------------------------------------


def _notice_village() -> Region:
    village_id = request.args.get("village", type=int)
    if village_id is None:
        person = current_user.person
        if person is not None:
            return person.household.village
        villages = [g.region for g in current_user.grants if g.region.level == Level.VILLAGE]
        villages += [g.region.parent for g in current_user.grants if g.region.level == Level.GRID]
        require(bool(villages))
        return villages[0]
    village = db.session.get(Region, valid_id(village_id) or 0)
    require(village is not None and village.level == Level.VILLAGE and can_view_notice(current_user, village))
    return village


@bp.get("/notice")
@login_required
def notice():
    """公示: the village's items in notice, for its villagers and its staff."""
    village = _notice_village()
    return _render_notice(village)


def _render_notice(village: Region, status: int = 200, days_form: NoticeDaysForm | None = None):
    days = services.notice_days_for(db.session, village.id)
    return render_template(
        "claims/notice.html",
        village=village,
        items=queries.notice_items(db.session, village.id),
        notice_days=days,
        can_object=is_villager_of(current_user, village),
        can_set_days=can(current_user, Action.MANAGE_NOTICE, village),
        days_form=days_form or NoticeDaysForm(formdata=None, days=days),
        now=_now(),
    ), status


@bp.post("/notice/days")
@login_required
def notice_days():
    village = _village_from_args(Action.MANAGE_NOTICE)
    form = NoticeDaysForm()
    if not form.validate_on_submit():
        return _render_notice(village, 422, days_form=form)
    now = _now()
    days = _in_transaction(lambda: services.set_notice_days(
        db.session, _me(), village.id, form.days.data, now=now))
    flash(_("公示天数已设为 %(days)s 天，只影响以后审核通过的事项。", days=days), "info")
    return redirect(url_for("claims.notice", village=village.id))


@bp.post("/<int:claim_id>/objections")
@login_required
def object_to(claim_id: int):
    claim = db.session.get(Claim, valid_id(claim_id) or 0)
    require(claim is not None and can_view_notice(current_user, claim.village))
    form = ReasonForm(prefix="object")
    if not form.validate_on_submit():
        raise ClaimError(_("请填写异议理由（最多 300 字）。"), status=422)
    now = _now()
    _in_transaction(lambda: services.lodge_objection(db.session, _me(), claim_id, form.reason.data, now=now))
    flash(_("异议已提交，村委会处理。"), "info")
    return redirect(url_for("claims.notice", village=claim.village_id))


def _resolve_objection(claim_id: int, name: str, form, field: str, service, message: str):
    """Uphold or withdraw an item after an objection: one form, one service call, one message."""
    claim = _visible_claim(claim_id)
    if not form.validate_on_submit():
        return _render_show(claim, 422, **{f"{name}_form": form})
    now, text = _now(), getattr(form, field).data
    _in_transaction(lambda: service(db.session, _me(), claim_id, text, now=now))
    flash(message, "info")
    return redirect(url_for("claims.show", claim_id=claim_id))


@bp.post("/<int:claim_id>/uphold")
@login_required
def uphold(claim_id: int):
    return _resolve_objection(claim_id, "uphold", NoteForm(prefix="uphold"), "note",
                              services.uphold_claim, _("异议不成立，该项继续公示或入账。"))


@bp.post("/<int:claim_id>/withdraw")
@login_required
def withdraw(claim_id: int):
    return _resolve_objection(claim_id, "withdraw", ReasonForm(prefix="withdraw"), "reason",
                              services.withdraw_claim, _("异议成立，该项已撤销。"))


# -- the committee's own entries ---------------------------------------------------------------


def _household_choices(village: Region) -> list[SelectChoice]:
    return choices(
        (h.id, f"{h.number} {h.head_name}" + (f" · {h.grid.name}" if h.grid else ""))
        for h in queries.village_households(db.session, village.id)
    )


@bp.route("/deductions/new", methods=["GET", "POST"])
@login_required
def new_deduction():
    village = _village_from_args(Action.ENTER_DEDUCTION)
    form = DeductionForm()
    form.household.choices = _household_choices(village)
    form.rule.choices = _rule_choices(queries.deduction_rules(db.session, village))
    if form.validate_on_submit():
        now = _now()
        try:
            claim = _in_transaction(lambda: services.enter_deduction(
                db.session, _me(), household_id=form.household.data, rule_id=form.rule.data,
                amount=form.amount.data, done_on=form.done_on.data, reason=form.reason.data,
                now=now, zone=local_zone(),
            ))
        except ServiceError as exc:  # the claim's refusals and the rules catalogue's
            return render_template("claims/new_deduction.html", form=form, village=village,
                                   error=exc.message), exc.status
        flash(_("扣分已录入，公示期满后入账。"), "info")
        return redirect(url_for("claims.show", claim_id=claim.id))
    return render_template("claims/new_deduction.html", form=form, village=village), _form_status()


@bp.route("/bulk", methods=["GET", "POST"])
@login_required
def bulk():
    village = _village_from_args(Action.BULK_AWARD)
    form = BulkAwardForm()
    form.households.choices = _household_choices(village)
    form.rule.choices = _rule_choices(queries.award_rules(db.session, village))
    if form.validate_on_submit():
        now = _now()
        try:
            claims = _in_transaction(lambda: services.bulk_award(
                db.session, _me(), village_id=village.id, rule_id=form.rule.data,
                household_ids=form.households.data, amount=form.amount.data,
                done_on=form.done_on.data, note=form.note.data, now=now, zone=local_zone(),
            ))
        except ServiceError as exc:  # the claim's refusals and the rules catalogue's
            return render_template("claims/bulk.html", form=form, village=village,
                                   error=exc.message), exc.status
        flash(_("已奖励 %(n)s 户，公示期满后入账。", n=len(claims)), "info")
        return redirect(url_for("claims.notice", village=village.id))
    return render_template("claims/bulk.html", form=form, village=village), _form_status()
