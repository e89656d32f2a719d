"""Leaders, co-leaders and participants of a group: add (find a member), end, remove."""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...access import admin_society_id, roles_required
from ...editing import commit_edit
from ...extensions import db
from ...schemas.base import load_form
from ...schemas.groups import EndFormSchema, LeaderFormSchema, ParticipantFormSchema
from ...services.groups import register as groups, roster
from . import bp
from .views import choices, flash_norms, render_show

KINDS = {
    "leaders": (LeaderFormSchema, roster.leader_row),
    "participants": (ParticipantFormSchema, roster.participant_row),
}


def _kind_or_404(kind: str):
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


@bp.route("/<int:group_id>/<kind>/new", methods=["GET", "POST"])
@roles_required("admin")
def add_person(group_id: int, kind: str):
    """Find a member by name or e-mail and add them as a leader or a participant, from a date."""
    schema, _row = _kind_or_404(kind)
    group = groups.get(group_id, admin_society_id())
    today = date.today()
    values = {"q": request.args.get("q", ""), "starts_on": today.isoformat(), "role": "leader"}
    errors = {}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(schema(), request.form)
        if not errors:
            def add():
                if kind == "leaders":
                    return roster.add_leader(group, data["person_id"], starts_on=data["starts_on"],
                                             ends_on=data["ends_on"], role=data["role"], is_trainee=data["is_trainee"])
                return roster.add_participant(group, data["person_id"], starts_on=data["starts_on"],
                                              ends_on=data["ends_on"])

            outcome = commit_edit(add)
            errors = outcome.errors
            if outcome.saved:
                flash(_("Leader added.") if kind == "leaders" else _("Participant added."), "success")
                flash_norms(group)
                return redirect(url_for(".show", group_id=group.id))
    found = roster.find_members(group.society_id, values.get("q"), today)
    chosen = values.get("person_id")
    return render_template("groups/add_person.html", group=group, kind=kind, values=values, errors=errors,
                           found=found, chosen=str(chosen) if chosen else None, **choices()), (422 if errors else 200)


@bp.route("/<int:group_id>/<kind>/<int:row_id>/end", methods=["POST"])
@roles_required("admin")
def end_person(group_id: int, kind: str, row_id: int):
    """End a leader's or participant's place on a given last day (the history is kept)."""
    _schema, row_of = _kind_or_404(kind)
    group = groups.get(group_id, admin_society_id(), people=True)
    row = row_of(group, row_id)
    data, errors = load_form(EndFormSchema(), request.form)
    if not errors:
        errors = commit_edit(lambda: roster.end(row, data["ends_on"])).errors
    if errors:
        group = groups.get(group_id, admin_society_id(), people=True)
        return render_show(group, 422, end_errors={(kind, row_id): {"errors": errors, "values": request.form}})
    flash(_("%(name)s's place ends on %(day)s.", name=row.person.full_name, day=data["ends_on"].isoformat()), "success")
    flash_norms(group)
    return redirect(url_for(".show", group_id=group.id))


@bp.route("/<int:group_id>/<kind>/<int:row_id>/delete", methods=["POST"])
@roles_required("admin")
def remove_person(group_id: int, kind: str, row_id: int):
    """Remove a row entered by mistake."""
    _schema, row_of = _kind_or_404(kind)
    group = groups.get(group_id, admin_society_id(), people=True)
    row = row_of(group, row_id)
    name = row.person.full_name
    roster.remove(row)
    db.session.commit()
    flash(_("%(name)s removed from the group.", name=name), "success")
    flash_norms(group)
    return redirect(url_for(".show", group_id=group.id))
