"""The administrator's page of their society's settings."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...access import admin_society_id, roles_required
from ...extensions import db
from ...models import Society
from ...schemas.base import load_form
from ...schemas.privacy import RETENTION_FIELDS, SettingsWithRetentionSchema
from ...services.platform import society_settings
from . import bp


@bp.route("", methods=["GET", "POST"])
@roles_required("admin")
def society():
    society_ = db.session.get(Society, admin_society_id())
    errors = {}
    if request.method == "POST":
        data, errors = load_form(SettingsWithRetentionSchema(), request.form)
        if not errors:
            retention_rules = {name: data.pop(name) for name in RETENTION_FIELDS if name in data}
            society_settings.update(society_, **data)
            society_settings.update_retention(society_, **retention_rules)
            db.session.commit()
            flash(_("The settings have been saved."), "success")
            return redirect(url_for("settings.society"))
    values = {"require_admin_2fa": society_.require_admin_2fa,
              "finder_frame_ancestors": society_.finder_frame_ancestors,
              **{name: getattr(society_, name) for name in RETENTION_FIELDS}}
    if errors:
        values = {**values, **request.form.to_dict()}
    return render_template("settings/society.html", society=society_, values=values, errors=errors,
                           has_two_factor=current_user.has_two_factor), (422 if errors else 200)
