"""``/publications``: honour rolls and rankings for everyone (no login), their posters, errata and
the village's choices about names and expiry (committee and admins above it)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from incentives.claims.inputs import valid_id
from incentives.errors import ServiceError, form_status
from incentives.extensions import db
from incentives.pdf import PAPER_SCALES, pdf_response
from incentives.permissions import Action, can, regions_for, require
from incentives.places.models import Level, Region
from incentives.places.services import subtree
from incentives.publications import queries, services
from incentives.publications.forms import ErratumForm, SettingsForm
from incentives.publications.models import Publication
from incentives.publications.poster import render_poster
from ledger.models import utcnow
from ledger.transaction import run_in_transaction

bp = Blueprint("publications", __name__, url_prefix="/publications")

# What an erratum's table calls each list and total of a snapshot.
SECTION_LABELS = {
    "top_households": _l("积分之星"),
    "volunteers": _l("志愿之星"),
    "safe_families": _l("平安家庭"),
    "villages": _l("参与率（‰）"),
    "rows": _l("评议得分"),
    "totals": _l("合计"),
}
TOTAL_LABELS = {
    "households": _l("总户数"),
    "participants": _l("获得积分的户数"),
    "points": _l("积分"),
    "minutes": _l("志愿服务分钟"),
    "safe_families": _l("平安家庭户数"),
}


def _publication(publication_id: int) -> Publication:
    publication = db.session.get(Publication, valid_id(publication_id) or 0)
    require(publication is not None)
    return publication


def _region_arg() -> Region | None:
    raw = request.args.get("region", "")
    if not raw:
        return None
    region = db.session.get(Region, valid_id(raw) or 0)
    require(region is not None)
    return region


def _home_region() -> Region | None:
    """A logged-in villager's own village: what they most likely came to see."""
    person = getattr(current_user, "person", None) if current_user.is_authenticated else None
    return person.household.village if person is not None else None


@bp.get("/")
def index():
    region = _region_arg() or _home_region()
    return render_template(
        "publications/index.html",
        region=region,
        publications=queries.publications_of(db.session, region),
        regions=queries.regions_with_publications(db.session),
        can_manage=region is not None and region.level == Level.VILLAGE
        and can(current_user, Action.MANAGE_PUBLICATIONS, region),
    )


@bp.get("/<int:publication_id>")
def show(publication_id: int):
    publication = _publication(publication_id)
    return _render_show(publication)


def _render_show(publication: Publication, form: ErratumForm | None = None, status: int = 200):
    revisions = queries.revisions_of(db.session, publication)
    previous = publication.supersedes
    return render_template(
        "publications/show.html",
        publication=publication,
        data=publication.content,
        latest=revisions[-1],
        revisions=revisions,
        previous=previous,
        changes=queries.differences(previous.content, publication.content) if previous else [],
        can_correct=publication.kind != "appraisal_ranking"
        and can(current_user, Action.MANAGE_PUBLICATIONS, publication.region),
        form=form or ErratumForm(formdata=None),
        section_labels=SECTION_LABELS,
        total_labels=TOTAL_LABELS,
    ), status


@bp.get("/<int:publication_id>/poster.pdf")
def poster(publication_id: int):
    publication = _publication(publication_id)
    paper = request.args.get("paper", "A4").upper()
    if paper not in PAPER_SCALES:
        raise ServiceError(_("纸张只能是 A4 或 A3。"))
    url = url_for("publications.show", publication_id=publication.id, _external=True)
    return pdf_response(render_poster(publication, url, paper),
                        f"publication-{publication.id}-{paper}.pdf")


@bp.post("/<int:publication_id>/erratum")
@login_required
def erratum(publication_id: int):
    publication = _publication(publication_id)
    require(can(current_user, Action.MANAGE_PUBLICATIONS, publication.region))
    form = ErratumForm()
    if not form.validate_on_submit():
        return _render_show(publication, form, 400)
    now = utcnow()
    made = run_in_transaction(db.session, lambda: services.publish_erratum(
        db.session, current_user, publication.id, form.reason.data, now=now))
    flash(_("更正已发布，原公告保留不变。"), "info")
    return redirect(url_for("publications.show", publication_id=made.id))


def _settings_village() -> Region:
    region = _region_arg()
    if region is None:
        # A committee member's own village; for admins above, the first village they cover
        # (the page lists the others to switch to).
        granted = regions_for(current_user, Action.MANAGE_PUBLICATIONS)
        require(bool(granted))
        villages = [r for r in granted if r.level == Level.VILLAGE] or subtree(
            db.session, granted[0], Level.VILLAGE)
        require(bool(villages))
        region = villages[0]
    require(region.level == Level.VILLAGE and can(current_user, Action.MANAGE_PUBLICATIONS, region))
    return region


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    village = _settings_village()
    current = services.village_settings(db.session, village.id)
    form = SettingsForm(obj=current) if request.method == "GET" else SettingsForm()
    if form.validate_on_submit():
        now = utcnow()
        run_in_transaction(db.session, lambda: services.update_village_settings(
            db.session, current_user, village.id, show_full_names=form.show_full_names.data,
            expire_yearly=form.expire_yearly.data, expiry_notice_days=form.expiry_notice_days.data,
            now=now))
        flash(_("设置已保存。已发布的光荣榜保持发布时的样子。"), "info")
        return redirect(url_for("publications.settings", region=village.id))
    others = [v for r in regions_for(current_user, Action.MANAGE_PUBLICATIONS) if r.level != Level.VILLAGE
              for v in subtree(db.session, r, Level.VILLAGE)]
    return render_template("publications/settings.html", village=village, form=form,
                           others=others), form_status(form)
