"""Two-factor authentication: the code step of log-in, enrolment, recovery codes, turning it off,
and the society's requirement that its administrators use it."""
import time

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from ...access import login_required, public, wants_json
from ...extensions import db
from ...schemas.accounts import CodeSchema, TwoFactorOffSchema
from ...schemas.base import load_form
from ...services.errors import DomainError
from ...services.platform import accounts, twofactor
from . import bp

PENDING = "twofactor_pending"
PENDING_SECONDS = 300  # the password step is good for this long
# What an administrator who must enrol can still reach.
ENROLMENT_ENDPOINTS = {"auth.twofactor", "auth.twofactor_setup", "auth.twofactor_confirm", "auth.logout",
                       "home.set_language", "static"}


def throttled_or(body, error: DomainError, status: int):
    """429 with Retry-After for a throttled attempt, else ``status``."""
    if error.status == 429:
        return body, 429, {"Retry-After": str(error.retry_after)}
    return body, status


def ask_for_code(user, next_url: str | None):
    # The session remembers whose password was right (by session token, so a password change or a
    # log-out elsewhere ends it); Flask-Login knows nobody until the code passes.
    session[PENDING] = {"token": user.session_token, "at": int(time.time()), "next": next_url}
    return redirect(url_for("auth.login_code"))


def _pending_user():
    pending = session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, None
    return accounts.load_by_session_token(pending["token"]), pending.get("next")


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code():
    user, next_url = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Log in again: the log-in took too long or has ended."), "warning")
        return redirect(url_for("auth.login"))
    errors = {}
    if request.method == "POST":
        data, errors = load_form(CodeSchema(), request.form)
        if not errors:
            try:
                method = twofactor.verify_second_factor(user, data["code"], request.remote_addr)
            except DomainError as error:
                db.session.commit()  # keep the audited failure
                page = render_template("auth/login_code.html", errors={"code": [error.message]})
                return throttled_or(page, error, 401)
            accounts.record_login(user, request.remote_addr, second_factor=method)
            db.session.commit()
            session.pop(PENDING, None)
            login_user(user)
            if method == "recovery_code":
                flash(_("You used a recovery code; %(num)s are left.", num=twofactor.recovery_codes_left(user)), "info")
            return redirect(next_url or url_for("home.index"))
    return render_template("auth/login_code.html", errors=errors), (422 if errors else 200)


@bp.before_app_request
def require_enrolment():
    """An administrator whose society requires two-factor authentication enrols first."""
    if request.endpoint is None or request.endpoint in ENROLMENT_ENDPOINTS or request.endpoint.endswith(".static"):
        return None
    if current_user.is_authenticated and twofactor.must_enrol(current_user):
        if wants_json():
            abort(403)
        return redirect(url_for("auth.twofactor"))
    return None


@bp.route("/two-factor", endpoint="twofactor")
@login_required
def status():
    return render_template("auth/twofactor.html", user=current_user,
                           must_enrol=twofactor.must_enrol(current_user),
                           codes_left=twofactor.recovery_codes_left(current_user) if current_user.has_two_factor else 0)


@bp.route("/two-factor/setup", methods=["POST"])
@login_required
def twofactor_setup():
    try:
        twofactor.start_enrolment(current_user._get_current_object())
    except DomainError as error:
        flash(error.message, "warning")
        return redirect(url_for("auth.twofactor"))
    db.session.commit()
    return redirect(url_for("auth.twofactor_confirm"))


@bp.route("/two-factor/confirm", methods=["GET", "POST"])
@login_required
def twofactor_confirm():
    user = current_user._get_current_object()
    secret = twofactor.secret_of(user)
    if user.has_two_factor or secret is None:
        return redirect(url_for("auth.twofactor"))
    errors = {}
    if request.method == "POST":
        data, errors = load_form(CodeSchema(), request.form)
        if not errors:
            try:
                codes = twofactor.confirm_enrolment(user, data["code"])
            except DomainError as error:
                errors = {"code": [error.message]}
            else:
                db.session.commit()
                return render_template("auth/recovery_codes.html", codes=codes, first=True)
    uri = twofactor.provisioning_uri(user, secret)
    return render_template("auth/twofactor_confirm.html", secret=secret, qr=twofactor.qr_code_data_uri(uri),
                           errors=errors), (422 if errors else 200)


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@login_required
def twofactor_recovery_codes():
    data, errors = load_form(CodeSchema(), request.form)
    if not errors:
        try:
            codes = twofactor.regenerate_recovery_codes(current_user._get_current_object(), data["code"])
        except DomainError as error:
            errors = {"code": [error.message]}
        else:
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, first=False)
    db.session.commit()  # an audited failure
    flash(" ".join(sum(errors.values(), [])), "danger")
    return redirect(url_for("auth.twofactor"))


@bp.route("/two-factor/disable", methods=["POST"])
@login_required
def twofactor_disable():
    data, errors = load_form(TwoFactorOffSchema(), request.form)
    if not errors:
        try:
            twofactor.disable(current_user._get_current_object(), password=data["password"], code=data["code"])
        except DomainError as error:
            errors = {"password": [error.message]}
        else:
            flash(_("Two-factor authentication is off."), "info")
    db.session.commit()  # the change, or the audited failure
    if errors:
        flash(" ".join(sum(errors.values(), [])), "danger")
    return redirect(url_for("auth.twofactor"))
