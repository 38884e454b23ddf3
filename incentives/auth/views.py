"""Logging in with phone and password, logging out, changing the password."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from incentives.auth.forms import ChangePasswordForm, LoginForm
from incentives.auth.models import User
from incentives.auth.services import authenticate, change_password
from incentives.errors import form_status
from incentives.extensions import db, login_manager
from ledger.transaction import run_in_transaction

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login is a phishing tool.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        config = current_app.config
        user = run_in_transaction(
            db.session,
            lambda: authenticate(
                db.session,
                form.phone.data,
                form.password.data,
                request.remote_addr or "",
                max_failures=config["LOGIN_MAX_FAILURES"],
                window_minutes=config["LOGIN_WINDOW_MINUTES"],
            ),
        )
        if user is None:
            flash(_("手机号或密码不对"), "error")
            return render_template("auth/login.html", form=form), 401
        login_user(user)
        if user.must_change_password:
            return redirect(url_for("auth.change_password"))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), form_status(form)


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("已退出登录"), "info")
    return redirect(url_for("auth.login"))


@bp.before_app_request
def _insist_on_new_password():
    # A password from a printed slip is for one login only: nothing else until it is changed.
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in {"auth.change_password", "auth.logout", "static"}
    ):
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/password", methods=["GET", "POST"], endpoint="change_password")
@login_required
def change_password_view():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user_id = current_user.id
        run_in_transaction(
            db.session,
            lambda: change_password(
                db.session, db.session.get(User, user_id), form.current.data, form.new.data
            ),
        )
        flash(_("密码已修改"), "info")
        return redirect(url_for("home.index"))
    return render_template("auth/password.html", form=form), form_status(form)

