"""Log-in, log-out, password change, and choosing a password through an invitation or reset link."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ...access import login_required, public
from ...editing import commit_edit
from ...extensions import db
from ...redirects import same_site_path
from ...schemas.accounts import LoginSchema, PasswordChangeSchema, ResetRequestSchema, SetPasswordSchema
from ...schemas.base import load_form
from ...services.platform import account_links, accounts, password_reset
from ...services.errors import DomainError
from . import bp
from .twofactor import ask_for_code, throttled_or


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
                user = accounts.verify_credentials(data["email"], data["password"], request.remote_addr)
            except DomainError as error:
                db.session.commit()  # keep the audited failure
                flash(error.message, "danger")
                values.pop("password", None)
                response = render_template("auth/login.html", values=values, errors={})
                return throttled_or(response, error, 401)
            if user.has_two_factor:  # not logged in until the code passes (twofactor.py)
                db.session.commit()
                return ask_for_code(user, same_site_path(data.get("next")))
            accounts.record_login(user, request.remote_addr)
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


@bp.route("/reset", methods=["GET", "POST"])
@public
def request_reset():
    """The same page, answer and work whether or not a login has the address (no account discovery)."""
    values, errors = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(ResetRequestSchema(), request.form)
        if not errors:
            mail = password_reset.request_reset(data["email"], request.remote_addr)
            db.session.commit()
            password_reset.deliver(mail)
            return render_template("auth/reset_sent.html", email=data["email"])
    return render_template("auth/reset_request.html", values=values, errors=errors), (422 if errors else 200)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    return _set_password_page(token, "invite")


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return _set_password_page(token, "reset")


def _set_password_page(token: str, purpose: str):
    if account_links.usable(token, purpose) is None:
        return render_template("auth/link_invalid.html"), 410
    errors = {}
    if request.method == "POST":
        data, errors = load_form(SetPasswordSchema(), request.form)
        if not errors:
            outcome = commit_edit(lambda: account_links.set_password(token, purpose, data["password"]),
                                  default_field="password")
            if outcome.saved:
                logout_user()  # whoever was logged in in this browser; the person now logs in afresh
                flash(_("Your password is set. Log in with it."), "success")
                return redirect(url_for("auth.login"))
            if outcome.refusal_status == 410:
                return render_template("auth/link_invalid.html"), 410
            errors = outcome.errors or {"password": [outcome.message]}
    return render_template("auth/set_password.html", purpose=purpose, errors=errors), (422 if errors else 200)
