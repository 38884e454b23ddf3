"""The front page and the public ledger: anyone can check the chain head and recent entries."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from incentives.extensions import db
from ledger.chain import read_head
from ledger.history import entries_page
from ledger.models import Account

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return render_template("public/index.html", head=read_head(db.session))


@bp.get("/ledger")
def ledger():
    before = request.args.get("before", type=int)
    limit = current_app.config["PUBLIC_LEDGER_PAGE_SIZE"]
    entries = entries_page(db.session, before_id=before, limit=limit)
    account_ids = {e.from_account_id for e in entries} | {e.to_account_id for e in entries}
    accounts = {
        a.id: a
        for a in db.session.execute(select(Account).where(Account.id.in_(account_ids))).scalars()
    }
    return render_template(
        "public/ledger.html",
        head=read_head(db.session),
        entries=entries,
        accounts=accounts,
        next_before=entries[-1].id if len(entries) == limit else None,
    )
