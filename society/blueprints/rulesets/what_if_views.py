"""What if a draft version took effect: the administrator's preview against every current candidate."""
from datetime import date

from flask import render_template, request

from ...access import roles_required
from ...schemas.accreditation import ProgressDaySchema
from ...schemas.base import load_form
from ...services.accreditation import what_if as what_if_service
from . import bp
from .views import own_version


@bp.route("/versions/<int:version_id>/what-if")
@roles_required("admin")
def what_if(version_id: int):
    version = own_version(version_id)
    data, errors = load_form(ProgressDaySchema(), request.args)
    on = (data or {}).get("on") or date.today()
    report = what_if_service.what_if(version, on)
    return render_template("rulesets/what_if.html", version=version, rule_set=version.rule_set, report=report,
                           on=on, errors=errors, values=request.args.to_dict(),
                           draft=what_if_service.is_draft(version, date.today())), 422 if errors else 200
