"""Groups: the filtered list and its CSV export, the group page, create and edit."""
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...access import admin_society_id, roles_required
from ...editing import commit_edit
from ...schemas.base import load_filters, load_form
from ...presentation.groups import LABELS
from ...presentation.groups import choices as choices_of
from ...schemas.groups import GroupFilterSchema, GroupFormSchema
from ...services.groups import attendance, openness, register as groups
from ...services.accreditation import standing
from ...services.platform.audit_trail import readable
from ...services.platform.exports import audited_csv
from . import bp

FILTERS = ("q", "status", "format", "city", "audience", "accepting")


def choices() -> dict:
    """Options for the selects and labels for the codes, in the user's language."""
    return {"labels": LABELS, "statuses": choices_of("status"), "formats": choices_of("format"),
            "rhythms": choices_of("rhythm"), "professions": choices_of("profession")}


def flash_norms(group) -> None:
    """After a save: the group's norm warnings, as warnings, never refusals."""
    for warning in groups.norm_warnings(group, current_user.society, date.today()):
        flash(str(warning.message), "warning" if warning.severity == "warning" else "info")


@bp.route("/")
@roles_required("admin")
def index():
    filters, errors, _raw = load_filters(GroupFilterSchema(), request.args)
    page = groups.listing(admin_society_id(), filters, request.args.get("page", 1, type=int))
    today = date.today()
    counts = groups.participant_counts([g.id for g in page.items], today)
    society = current_user.society
    warnings = {g.id: groups.norm_warnings(g, society, today, counts.get(g.id, 0)) for g in page.items}
    args = {key: request.args[key] for key in FILTERS if request.args.get(key)}
    return render_template("groups/list.html", page=page, filters=filters, args=args, errors=errors,
                           counts=counts, warnings=warnings, today=today, **choices()), (422 if errors else 200)


@bp.route("/export.csv")
@roles_required("admin")
def export():
    """The filtered list as CSV (a download: recorded in the audit trail), a link like every list's export."""
    filters, _errors, _raw = load_filters(GroupFilterSchema(), request.args)
    society_id = admin_society_id()
    return audited_csv("groups", groups.EXPORT_COLUMNS, groups.export_rows(society_id, filters, date.today()),
                       entity_type="Group", society_id=society_id, filters=filters)


@bp.route("/<int:group_id>")
@roles_required("admin")
def show(group_id: int):
    group = groups.get(group_id, admin_society_id(), people=True)
    return render_show(group)


def render_show(group, status: int = 200, end_errors: dict | None = None, openness_form: dict | None = None):
    """The group page; ``end_errors`` puts an error beside one row's "end" form, ``openness_form`` the
    errors and values of the openness history's form."""
    today = date.today()
    sessions = attendance.sessions_page(group, 1, 10)
    return render_template(
        "groups/show.html", group=group, today=today,
        warnings=groups.norm_warnings(group, current_user.society, today),
        accredited=standing.accredited_people_on([leader.person_id for leader in group.leaders], today),
        current_participants=sum(1 for p in group.participants if p.active_on(today)),
        sessions=sessions, session_counts=attendance.counts([s.id for s in sessions.items]),
        events=readable(groups.history(group)), end_errors=end_errors or {},
        openness_form=openness_form or {"errors": {}, "values": {"effective_from": today.isoformat()}},
        openness_starts=openness.first_day(group), **choices()), status


def _language_choices(society, current: str | None) -> list[tuple[str, str]]:
    codes = society.language_list + ([current] if current and current not in society.language_list else [])
    return [(code, code.upper()) for code in codes]


def _submitted() -> dict:
    values = request.form.to_dict()
    values["audiences"] = request.form.getlist("audiences")
    return values


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def new():
    society = current_user.society
    values = {"country": society.country, "language": society.default_language, "format": "in_person",
              "rhythm": "fortnightly", "session_minutes": 90, "status": "forming", "audiences": []}
    errors = {}
    if request.method == "POST":
        values = _submitted()
        data, errors = load_form(GroupFormSchema(), request.form)
        if not errors:
            data.pop("version_id", None)
            outcome = commit_edit(lambda: groups.create_group(society.id, data))
            errors = outcome.errors
            if outcome.saved:
                group = outcome.value
                flash(_("Group %(name)s created.", name=group.name), "success")
                flash_norms(group)
                return redirect(url_for(".show", group_id=group.id))
    return render_template("groups/form.html", group=None, values=values, errors=errors, conflict=None,
                           language_choices=_language_choices(society, values.get("language")),
                           **choices()), (422 if errors else 200)


@bp.route("/<int:group_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit(group_id: int):
    group = groups.get(group_id, admin_society_id())
    values = {column: getattr(group, column) for column in groups.EDITABLE}
    values.update(audiences=group.audience_list, version_id=group.version_id)
    errors, conflict, status = {}, None, 200
    if request.method == "POST":
        values = _submitted()
        data, errors = load_form(GroupFormSchema(), request.form)
        if errors:
            status = 422
        else:
            outcome = commit_edit(lambda: groups.update_group(group, data, data.get("version_id")), _(
                "Someone else saved this group while you were saving. Your changes are below: "
                "reload the group to see theirs, then apply yours again."))
            errors, conflict, status = outcome.errors, outcome.conflict, outcome.status
            if outcome.saved:
                flash(_("Group %(name)s saved.", name=group.name), "success")
                flash_norms(group)
                return redirect(url_for(".show", group_id=group.id))
    return render_template("groups/form.html", group=group, values=values, errors=errors, conflict=conflict,
                           language_choices=_language_choices(current_user.society, values.get("language")),
                           **choices()), status
