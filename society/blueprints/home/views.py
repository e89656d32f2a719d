"""The landing page: each role goes where its work is."""
from flask import current_app, redirect, render_template, request, send_from_directory, session, url_for
from flask_login import current_user

from ...access import login_required, public
from ...navigation import landing
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
    if lang in ("en", "sv"):
        session["lang"] = lang
    target = request.form.get("next") or "/"
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")


@bp.route("/healthz")
@public
def health():
    return {"status": "ok"}


@bp.route("/favicon.ico")
@public
def favicon():
    # Browsers ask for /favicon.ico whatever the page says; answer with the icon base.html links.
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400)
