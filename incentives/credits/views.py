"""``/credits``: staff issue credits (积分券) from a budget, print and revoke them; a villager who
scans one lands on ``/credits/c/<code>`` and claims it into their household.

Outsiders get 404 before any service runs. Every write is one service in one transaction; a
refusal is shown in Chinese with a 4xx and nothing written.
"""

import uuid

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from incentives.auth.models import User
from incentives.campaigns.models import Campaign
from incentives.choices import choices
from incentives.claims.inputs import valid_id
from incentives.credits import services
from incentives.credits.forms import BatchForm, ClaimForm, CodeForm, ReasonForm
from incentives.credits.messages import credit_message
from incentives.credits.sheet import credit_sheet
from incentives.errors import form_status, render_error
from incentives.extensions import db
from incentives.filters import points
from incentives.i18n import local_zone
from incentives.pdf import pdf_response
from incentives.permissions import (
    Action,
    can_issue_from_campaign,
    can_issue_from_village_pool,
    regions_for,
    require,
)
from incentives.places.models import Region
from ledger.models import Account, utcnow
from ledger.transaction import run_in_transaction
from redeem.codes import format_credit_code
from redeem.credit_models import Credit, CreditBatch, CreditState
from redeem.credits import (
    CreditError,
    CreditMalformed,
    UnknownCredit,
    batch_summary,
    code_from_input,
    find_credit,
    refusal,
    revoke_batch,
    revoke_credit,
)

bp = Blueprint("credits", __name__, url_prefix="/credits")


def _now():
    return utcnow()



def _actor() -> str:
    return f"user:{current_user.id}"


def _may_manage(batch: CreditBatch) -> bool:
    if batch.campaign_id is not None:
        return can_issue_from_campaign(current_user, db.session.get(Campaign, batch.campaign_id))
    return can_issue_from_village_pool(current_user, db.session.get(Region, batch.region_id))


def _batch_or_404(batch_id: int) -> CreditBatch:
    batch = db.session.get(CreditBatch, valid_id(batch_id) or 0)
    require(batch is not None and _may_manage(batch))
    return batch


# -- staff -------------------------------------------------------------------------------------


@bp.get("")
@login_required
def index():
    nodes = regions_for(current_user, Action.ISSUE_CREDITS)
    require(bool(nodes))
    inside = or_(*(Region.path.startswith(node.path) for node in nodes))
    candidates = db.session.execute(
        select(CreditBatch).join(Region, Region.id == CreditBatch.region_id).where(inside)
        .order_by(CreditBatch.id.desc()).limit(200)
    ).scalars()
    batches = [b for b in candidates if _may_manage(b)]
    sources = services.budget_sources(db.session, current_user)
    return render_template("credits/index.html", batches=batches, sources=sources,
                           balances=_balances(sources))


def _balances(sources) -> dict[int, int]:
    ids = [s.account_id for s in sources]
    return dict(db.session.execute(select(Account.id, Account.balance).where(Account.id.in_(ids))).all())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(bool(regions_for(current_user, Action.ISSUE_CREDITS)))
    sources = services.budget_sources(db.session, current_user)
    balances = _balances(sources)
    form = BatchForm()
    form.source.choices = choices(
        (s.key, _("%(label)s（剩余 %(left)s 分）", label=s.label, left=points(balances.get(s.account_id, 0))))
        for s in sources
    )
    if not form.validate_on_submit():
        if not form.key.data:  # a new key each time a blank form is shown; a redisplay keeps its own
            form.key.data = uuid.uuid4().hex
        return render_template("credits/new.html", form=form, sources=sources), form_status(form)
    now, zone, user_id = _now(), local_zone(), current_user.id
    try:
        batch = run_in_transaction(db.session, lambda: services.issue_credits(
            db.session, db.session.get(User, user_id),
            form.source.data, name=form.name.data, points=form.points.data, count=form.count.data,
            expires_on=form.expires_on.data, zone=zone, now=now, key=form.key.data,
        ))
    except CreditError as exc:
        return render_template("credits/new.html", form=form, sources=sources,
                               error=credit_message(exc)), exc.status
    flash(_("已发放 %(count)s 张积分券，共 %(total)s 分，已从预算划出。",
            count=batch.count, total=batch.total), "info")
    return redirect(url_for("credits.show", batch_id=batch.id))


@bp.get("/batches/<int:batch_id>")
@login_required
def show(batch_id: int):
    batch = _batch_or_404(batch_id)
    return render_template(
        "credits/show.html", batch=batch, summary=batch_summary(db.session, batch),
        villages=services.batch_villages(db.session, batch), form=ReasonForm(formdata=None),
        format_code=format_credit_code, now=_now(),
    )


@bp.get("/batches/<int:batch_id>/sheet.pdf")
@login_required
def sheet(batch_id: int):
    """The unused credits of the batch, ready to print and cut."""
    batch = _batch_or_404(batch_id)
    credits = [c for c in batch.credits if c.state == CreditState.ISSUED]
    # The address printed in the QR codes must be the one phones reach: PUBLIC_BASE_URL when the
    # app sits behind a proxy, else the address this request came to.
    base_url = current_app.config.get("PUBLIC_BASE_URL") or request.url_root
    pdf = credit_sheet(batch, credits, base_url)
    return pdf_response(pdf, f"credits-{batch.id}.pdf")


@bp.post("/batches/<int:batch_id>/revoke")
@login_required
def revoke(batch_id: int):
    batch = _batch_or_404(batch_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return render_template(
            "credits/show.html", batch=batch, summary=batch_summary(db.session, batch),
            villages=services.batch_villages(db.session, batch), form=form,
            format_code=format_credit_code, now=_now(),
        ), 400
    actor, now = _actor(), _now()
    withdrawn = run_in_transaction(
        db.session, lambda: revoke_batch(db.session, batch_id, actor, form.reason.data, now)
    )
    flash(_("已作废 %(count)s 张未使用的积分券，积分已退回预算。", count=withdrawn), "info")
    return redirect(url_for("credits.show", batch_id=batch_id))


@bp.post("/<int:credit_id>/revoke")
@login_required
def revoke_one(credit_id: int):
    credit = db.session.get(Credit, valid_id(credit_id) or 0)
    require(credit is not None and _may_manage(credit.batch))
    batch_id = credit.batch_id
    form = ReasonForm()
    if not form.validate_on_submit():
        return render_error(400, _("请填写作废原因。"))
    actor, now = _actor(), _now()
    run_in_transaction(db.session, lambda: revoke_credit(db.session, credit_id, actor, form.reason.data, now))
    flash(_("积分券 %(code)s 已作废，积分已退回预算。", code=format_credit_code(credit.code)), "info")
    return redirect(url_for("credits.show", batch_id=batch_id))


# -- villagers ---------------------------------------------------------------------------------


@bp.route("/claim", methods=["GET", "POST"])
@login_required
def enter():
    """For a code printed on a credit whose QR will not scan: type it, then claim as if scanned."""
    form = CodeForm()
    if form.validate_on_submit():
        try:
            code = code_from_input(form.code.data)
        except CreditError as exc:  # a typo is caught here, before anything is looked up
            form.code.errors.append(credit_message(exc))
            return render_template("credits/enter.html", form=form), exc.status
        return redirect(url_for("credits.claim", code=code))
    return render_template("credits/enter.html", form=form), form_status(form)


def _credit_for_page(code: str) -> Credit:
    """The credit of a URL's code: 404 for one that cannot be or is not ours (a mistyped check
    character is the 400 of :class:`CreditMistyped`)."""
    try:
        return find_credit(db.session, code)
    except (CreditMalformed, UnknownCredit):
        require(False)


@bp.get("/c/<code>")
@login_required
def claim(code: str):
    """Where a credit's QR code leads: what it is worth and, if it can be used, a button."""
    credit = _credit_for_page(code)
    problem = refusal(credit, _now())
    return render_template(
        "credits/claim.html", credit=credit, batch=credit.batch, code=format_credit_code(credit.code),
        problem=credit_message(problem) if problem else None, has_household=current_user.person is not None,
        form=ClaimForm(),
    ), (problem.status if problem else 200)


@bp.post("/c/<code>")
@login_required
def take(code: str):
    credit = _credit_for_page(code)
    require(current_user.person is not None)
    if not ClaimForm().validate_on_submit():
        return render_error(400, _("页面已过期，请重新扫码。"))
    user_id, now, the_code = current_user.id, _now(), credit.code
    used = run_in_transaction(db.session, lambda: services.claim_credit(
        db.session, db.session.get(User, user_id), the_code, now,
    ))
    flash(_("已领取积分券 %(points)s 分，已存入您家的积分账户。", points=used.batch.points), "info")
    return redirect(url_for("home.index"))
