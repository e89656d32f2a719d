"""Thin views: the same join-details page for an administrator (``/admin/groups/<id>/join-details``) and
for a leader of the group (``/portal/groups/<id>/join-details``); the service decides who may edit what."""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from zoneinfo import available_timezones

from ...access import admin_society_id, requires_person, roles_required
from ...editing import commit_edit
from ...presentation.groups import LABELS
from ...presentation.groups import choices as choices_of
from ...schemas.base import load_form
from ...schemas.finder import JoinDetailsFormSchema, SessionExceptionFormSchema
from ...services.groups import calendar, calendar_feeds, join_details
from ...services.groups.finder import now_utc
from . import bp

ADMIN, LEADER = "admin", "leader"
_ZONES: list[str] = []


def _zones() -> list[str]:
    if not _ZONES:
        _ZONES.extend(sorted(zone for zone in available_timezones() if "/" in zone and not zone.startswith("Etc")))
    return _ZONES


def _group(group_id: int, editor: str):
    if editor == ADMIN:
        return join_details.group_for_editor(group_id, society_id=admin_society_id(), day=date.today())
    return join_details.group_for_editor(group_id, leader_person_id=current_user.person_id, day=date.today())


def _page(group, editor: str, values: dict, errors: dict, conflict=None, exception_values=None,
          exception_errors=None, status: int = 200):
    back = url_for("groups.show", group_id=group.id) if editor == ADMIN else url_for("portal.groups")
    return render_template(
        "joining/edit.html", group=group, editor=editor, values=values, errors=errors, conflict=conflict,
        exception_values=exception_values or {}, exception_errors=exception_errors or {}, back=back,
        settings=choices_of("setting"), terms=choices_of("term"),
        weekdays=[(str(day), str(label)) for day, label in LABELS["weekday"].items()],
        kinds=choices_of("exception"), zones=_zones(), labels=LABELS,
        upcoming=calendar.upcoming(group, now_utc(), count=6)), status


def _endpoint(editor: str, name: str) -> str:
    return f"joining.{editor}_{name}"


def _edit(group_id: int, editor: str):
    group = _group(group_id, editor)
    if request.method == "GET":
        values = join_details.values_of(group)
        values["meeting_time"] = values["meeting_time"].strftime("%H:%M") if values["meeting_time"] else None
        return _page(group, editor, values, {})
    values = request.form.to_dict()
    data, errors = load_form(JoinDetailsFormSchema(), request.form)
    if errors:
        return _page(group, editor, values, errors, status=422)
    outcome = commit_edit(lambda: join_details.update(group, data, data.get("version_id")), _(
        "Someone else saved this group while you were saving. Your changes are below: "
        "reload the page to see theirs, then apply yours again."))
    if not outcome.saved:
        return _page(group, editor, values, outcome.errors, outcome.conflict, status=outcome.status)
    flash(_("The join details of %(name)s have been saved.", name=group.name), "success")
    return redirect(url_for(_endpoint(editor, "edit"), group_id=group.id))


def _add_exception(group_id: int, editor: str):
    group = _group(group_id, editor)
    values = request.form.to_dict()
    data, errors = load_form(SessionExceptionFormSchema(), request.form)
    if not errors:
        outcome = commit_edit(lambda: join_details.add_exception(group, data), default_field="occurs_on")
        errors = outcome.errors
        if outcome.saved:
            flash(_("The session of %(day)s has been changed.", day=data["occurs_on"].isoformat()), "success")
            return redirect(url_for(_endpoint(editor, "edit"), group_id=group.id))
    group = _group(group_id, editor)
    current = join_details.values_of(group)
    current["meeting_time"] = current["meeting_time"].strftime("%H:%M") if current["meeting_time"] else None
    return _page(group, editor, current, {}, exception_values=values, exception_errors=errors, status=422)


def _remove_exception(group_id: int, exception_id: int, editor: str):
    group = _group(group_id, editor)
    outcome = commit_edit(lambda: join_details.remove_exception(group, exception_id))
    if not outcome.saved:
        abort(outcome.refusal_status)
    flash(_("The session follows the group's rhythm again."), "success")
    return redirect(url_for(_endpoint(editor, "edit"), group_id=group.id))


# -- administrators -----------------------------------------------------------------------

@bp.route("/admin/groups/<int:group_id>/join-details", methods=["GET", "POST"])
@roles_required("admin")
def admin_edit(group_id: int):
    return _edit(group_id, ADMIN)


@bp.route("/admin/groups/<int:group_id>/join-details/exceptions", methods=["POST"])
@roles_required("admin")
def admin_add_exception(group_id: int):
    return _add_exception(group_id, ADMIN)


@bp.route("/admin/groups/<int:group_id>/join-details/exceptions/<int:exception_id>/delete", methods=["POST"])
@roles_required("admin")
def admin_remove_exception(group_id: int, exception_id: int):
    return _remove_exception(group_id, exception_id, ADMIN)


# -- the group's own leaders --------------------------------------------------------------

@bp.route("/portal/groups/<int:group_id>/join-details", methods=["GET", "POST"])
@roles_required("leader")
@requires_person
def leader_edit(group_id: int):
    return _edit(group_id, LEADER)


@bp.route("/portal/groups/<int:group_id>/join-details/exceptions", methods=["POST"])
@roles_required("leader")
@requires_person
def leader_add_exception(group_id: int):
    return _add_exception(group_id, LEADER)


@bp.route("/portal/groups/<int:group_id>/join-details/exceptions/<int:exception_id>/delete", methods=["POST"])
@roles_required("leader")
@requires_person
def leader_remove_exception(group_id: int, exception_id: int):
    return _remove_exception(group_id, exception_id, LEADER)


@bp.route("/portal/calendar", methods=["GET", "POST"])
@roles_required("leader")
@requires_person
def calendar_feed():
    """The leader's personal feed: a new secret address on request (the old one stops working)."""
    address = None
    if request.method == "POST":
        token = commit_edit(lambda: calendar_feeds.renew_token(current_user)).value
        address = url_for("finder.personal_calendar", token=token, _external=True)
    groups = calendar_feeds.led_groups(current_user.person_id, date.today())
    return render_template("joining/calendar_feed.html", address=address, groups=groups,
                           has_feed=current_user.calendar_token_hash is not None)
