"""The society's list of supervisors (administrators): who is listed from which day, adding a
member to it and ending a listing. Scoped to the administrator's society; anything else is a 404."""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...access import admin_society_id, roles_required
from ...editing import commit_edit
from ...schemas.accreditation import EndListingSchema, SupervisorListingSchema
from ...schemas.base import load_form
from ...services.accreditation import lifecycle, supervisor_list
from ...services.groups import roster
from . import bp


def render_list(values=None, errors=None, end_errors=None, status=200):
    """The list and the add form (a member found by name, then the day they are listed from)."""
    society_id = admin_society_id()
    values = values if values is not None else request.values.to_dict()
    chosen = None
    if str(values.get("person_id", "")).isdigit():
        chosen = lifecycle.member_of(society_id, int(values["person_id"]))
        if chosen is None and request.method == "GET":
            abort(404)
    search = values.get("q", "").strip()
    found = roster.find_members(society_id, search, date.today()) if search and chosen is None else []
    return render_template("accreditation/supervisors.html", listings=supervisor_list.listings_of(society_id),
                           values=values, errors=errors or {}, end_errors=end_errors or {}, chosen=chosen,
                           found=found, search=search, today=date.today()), status


@bp.route("/admin/supervisors/", methods=["GET", "POST"])
@roles_required("admin")
def supervisors():
    if request.method == "GET":
        return render_list()
    data, errors = load_form(SupervisorListingSchema(), request.form)
    if not errors:
        outcome = commit_edit(lambda: supervisor_list.add_listing(
            admin_society_id(), data["person_id"], data["listed_from"], data["note"]), default_field="listed_from")
        if outcome.saved:
            listing = outcome.value
            flash(_("%(name)s is on the list of supervisors from %(day)s.", name=listing.person.full_name,
                    day=listing.listed_from.isoformat()), "success")
            return redirect(url_for("accreditation.supervisors"))
        errors = outcome.errors or {"listed_from": [outcome.conflict]}
    return render_list(request.form.to_dict(), errors, status=422)


@bp.route("/admin/supervisors/<int:listing_id>/end", methods=["POST"])
@roles_required("admin")
def end_listing(listing_id: int):
    listing = supervisor_list.listing_of(admin_society_id(), listing_id)
    data, errors = load_form(EndListingSchema(), request.form)
    if not errors:
        outcome = commit_edit(lambda: supervisor_list.end_listing(listing, data["listed_until"]),
                              default_field="listed_until")
        if outcome.saved:
            flash(_("%(name)s is off the list of supervisors after %(day)s.", name=listing.person.full_name,
                    day=listing.listed_until.isoformat()), "success")
            return redirect(url_for("accreditation.supervisors"))
        errors = outcome.errors or {"listed_until": [outcome.conflict]}
    return render_list({}, end_errors={listing_id: errors.get("listed_until") or [m for v in errors.values() for m in v]},
                       status=422)
