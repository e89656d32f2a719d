"""Log-in, log-out and password change."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ...access import login_required, public
from ...extensions import db
from ...redirects import same_site_path
from ...schemas.accounts import LoginSchema, PasswordChangeSchema
from ...schemas.base import load_form
from ...services.platform import accounts
from ...services.errors import DomainError
from . import bp


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("home.index"))
    values, errors = {"next": request.args.get("next", "")}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(LoginSchema(), request.form)
        if not errors:
            try:
                user = accounts.authenticate(data["email"], data["password"], request.remote_addr)
            except DomainError as error:
                db.session.commit()  # keep the audited failure
                flash(error.message, "danger")
                values.pop("password", None)
                return render_template("auth/login.html", values=values, errors={}), error.status if error.status == 429 else 401
            db.session.commit()
            login_user(user)
            return redirect(same_site_path(data.get("next")) or url_for("home.index"))
        values.pop("password", None)
        return render_template("auth/login.html", values=values, errors=errors), 422
    return render_template("auth/login.html", values=values, errors=errors)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    accounts.log_out(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    errors = {}
    if request.method == "POST":
        data, errors = load_form(PasswordChangeSchema(), request.form)
        if not errors:
            try:
                accounts.change_password(current_user._get_current_object(), data["current_password"], data["new_password"])
            except DomainError as error:
                errors = {error.field or "new_password": [error.message]}
            else:
                db.session.commit()
                login_user(current_user._get_current_object())  # the new token, for this browser only
                flash(_("Your password has been changed; other sessions have been logged out."), "success")
                return redirect(url_for("home.index"))
    return render_template("auth/password.html", errors=errors), (422 if errors else 200)
