"""The landing page: each role goes where its work is."""
from functools import lru_cache
from pathlib import Path

from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from ...access import login_required, public
from ...extensions import db
from ...navigation import landing
from ...redirects import same_site_path
from ...services.platform import health as health_check
from ...services.platform.accounts import remember_language
from . import bp


@bp.route("/")
@login_required
def index():
    endpoint = landing.get(current_user.role)
    if endpoint:
        return redirect(url_for(endpoint))
    return render_template("home/index.html")


@bp.route("/language", methods=["POST"])
@public
def set_language():
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            remember_language(current_user, lang)
            db.session.commit()
    return redirect(same_site_path(request.form.get("next")) or "/")


@bp.route("/healthz")
@public
def health():
    report = health_check.check(current_app.config["STORAGE_DIR"])
    if report["status"] == "ok":
        return report
    return report, 503, {"Retry-After": str(health_check.RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


@bp.route("/favicon.ico")
@public
def favicon():
    # Browsers ask for /favicon.ico on every page and often drop the answer half-read when the page moves
    # on: sent from memory, no open file is left behind for the garbage collector to complain about.
    response = current_app.response_class(_favicon_bytes(current_app.static_folder),
                                          mimetype="image/vnd.microsoft.icon")
    response.cache_control.public, response.cache_control.max_age = True, 86400
    return response


@lru_cache(maxsize=1)
def _favicon_bytes(static_folder: str) -> bytes:
    return (Path(static_folder) / "favicon.ico").read_bytes()
