"""A group's openness history on its page: an administrator corrects it (closed or open from a day)
or removes an entry made by mistake."""
from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from ...access import admin_society_id, roles_required
from ...editing import commit_edit
from ...schemas.base import load_form
from ...schemas.groups import OpennessFormSchema
from ...services.groups import openness, register as groups
from . import bp
from .views import render_show


@bp.route("/<int:group_id>/openness", methods=["POST"])
@roles_required("admin")
def correct_openness(group_id: int):
    group = groups.get(group_id, admin_society_id(), people=True)
    schema = OpennessFormSchema(starts_on=openness.first_day(group), today=date.today())
    data, errors = load_form(schema, request.form)
    status = 422
    if not errors:
        outcome = commit_edit(lambda: openness.correct(group, data["accepting_members"], data["effective_from"]),
                              default_field="effective_from")
        errors = outcome.errors or ({"effective_from": [outcome.conflict]} if outcome.conflict else {})
        status = outcome.status
    if errors:
        group = groups.get(group_id, admin_society_id(), people=True)
        return render_show(group, status, openness_form={"errors": errors, "values": request.form})
    flash(_("The group was closed to new members from %(day)s.", day=data["effective_from"].isoformat())
          if not data["accepting_members"] else
          _("The group was open to new members from %(day)s.", day=data["effective_from"].isoformat()), "success")
    return redirect(url_for(".show", group_id=group.id, _anchor="openness-title"))


@bp.route("/<int:group_id>/openness/<int:row_id>/delete", methods=["POST"])
@roles_required("admin")
def remove_openness(group_id: int, row_id: int):
    group = groups.get(group_id, admin_society_id(), people=True)
    outcome = commit_edit(lambda: openness.remove(group, row_id), default_field="row")
    if not outcome.saved:
        if outcome.refusal_status == 404:
            abort(404)
        group = groups.get(group_id, admin_society_id(), people=True)
        errors = outcome.errors or {"row": [outcome.conflict]}
        return render_show(group, outcome.status, openness_form={"errors": errors, "values": {}})
    flash(_("The entry was removed from the history."), "success")
    return redirect(url_for(".show", group_id=group.id, _anchor="openness-title"))
