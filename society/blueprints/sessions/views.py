"""Sessions of a group: list, record, correct, delete; administrators export the list.

Reachable to the society's administrators and to the group's current leaders; anyone
else gets 404, as if the group did not exist.
"""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...access import roles_required
from ...editing import commit_edit
from ...extensions import db
from ...models import Group
from ...schemas.base import load_form
from ...presentation.groups import LABELS
from ...presentation.groups import choices as choices_of
from ...schemas.groups import SessionFormSchema
from ...services.groups import attendance, register as groups, roster
from ...services.platform.exports import audited_csv
from . import bp


def _group(group_id: int) -> Group:
    """The group with its people, if the user may record its sessions; 404 otherwise."""
    group = db.session.scalar(select(Group).where(Group.id == group_id).options(*groups.people_options()))
    if group is None:
        abort(404)
    if current_user.role == "admin":
        if group.society_id != current_user.society_id:
            abort(404)
    elif not roster.leads(current_user.person_id, group.id, date.today()):
        abort(404)
    return group


def _back(group: Group):
    if current_user.role == "admin":
        return redirect(url_for("groups.show", group_id=group.id))
    return redirect(url_for(".index", group_id=group.id))


@bp.route("/<int:group_id>/sessions")
@roles_required("admin", "leader")
def index(group_id: int):
    group = _group(group_id)
    sessions = attendance.sessions_page(group, request.args.get("page", 1, type=int))
    return render_template("sessions/list.html", group=group, sessions=sessions, labels=LABELS,
                           session_counts=attendance.counts([s.id for s in sessions.items]))


@bp.route("/<int:group_id>/sessions/export.csv")
@roles_required("admin")
def export(group_id: int):
    """The group's sessions as CSV, every page (the download is on the audit trail)."""
    group = _group(group_id)
    return audited_csv(f"sessions-group-{group.id}", attendance.EXPORT_COLUMNS, attendance.export_rows(group),
                       entity_type="GroupSession", society_id=group.society_id, filters={"group_id": group.id})


def _day(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


def _form(group: Group, session, values: dict, errors: dict, status: int = 200):
    day = _day(values.get("held_on"), session.held_on if session else date.today())
    credited = len(attendance.approved_records_of_others(session, current_user)) if session else 0
    return render_template(
        "sessions/form.html", group=group, session=session, values=values, errors=errors, day=day,
        attendees=attendance.attendees_on(group, day), checked={str(v) for v in values.get("attendees", [])},
        formats=choices_of("format")[:2], labels=LABELS, today_iso=date.today().isoformat(),
        credited=credited), status


def _submitted(source) -> dict:
    values = source.to_dict()
    values["attendees"] = source.getlist("attendees")
    return values


def _errors_of(outcome) -> dict:
    """The form's errors for a save that failed; a refusal of the person rather than of the input
    (403, 404) is the error page, as before."""
    if outcome.refusal is not None and outcome.refusal_status not in (409, 422):
        raise outcome.refusal
    # A race for the group's one session a day (409) is said beside the day.
    return outcome.errors or {"held_on": [outcome.message]}


def _save(group: Group, session=None):
    """Validate the posted form and record or correct the session; a response either way."""
    values = _submitted(request.form)
    data, errors = load_form(SessionFormSchema(), request.form)
    if errors:
        return _form(group, session, values, errors, 422)
    session_id = session.id if session is not None else None
    fields = dict(held_on=data["held_on"], attendees=data["attendees"], minutes=data["minutes"],
                  format=data["format"], recorded_by_id=current_user.id, today=date.today(),
                  confirm_empty=data["confirm_empty"])
    if session is None:
        outcome = commit_edit(lambda: attendance.record_session(group, **fields))
    else:
        outcome = commit_edit(lambda: attendance.update_session(session, **fields))
    if not outcome.saved:
        group = _group(group.id)
        session = attendance.get_session(group, session_id) if session_id else None
        return _form(group, session, values, _errors_of(outcome), outcome.status)
    session = outcome.value
    attended, records = attendance.counts([session.id])[session.id]
    flash(_("Session of %(day)s saved: %(attended)s attended, %(records)s training records.",
            day=session.held_on.isoformat(), attended=attended, records=records), "success")
    return _back(group)


@bp.route("/<int:group_id>/sessions/new", methods=["GET", "POST"])
@roles_required("admin", "leader")
def new(group_id: int):
    """Record a session and who attended. GET with ``held_on`` lists who belonged on that day."""
    group = _group(group_id)
    if request.method == "POST":
        return _save(group)
    values = _submitted(request.args)
    values.setdefault("held_on", date.today().isoformat())
    values.setdefault("minutes", group.session_minutes)
    values.setdefault("format", attendance.default_format(group))
    return _form(group, None, values, {})


@bp.route("/<int:group_id>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required("admin", "leader")
def edit(group_id: int, session_id: int):
    """Correct a session: its training records follow."""
    group = _group(group_id)
    session = attendance.get_session(group, session_id)
    if request.method == "POST":
        return _save(group, session)
    values = {"held_on": session.held_on.isoformat(), "minutes": session.minutes, "format": session.format,
              "attendees": [row.person_id for row in session.attendance]}
    if request.args.get("held_on"):
        values["held_on"] = request.args["held_on"]
    return _form(group, session, values, {})


@bp.route("/<int:group_id>/sessions/<int:session_id>/delete", methods=["POST"])
@roles_required("admin", "leader")
def delete(group_id: int, session_id: int):
    """Delete a session and its records; one that credited others takes an administrator and a reason."""
    group = _group(group_id)
    session = attendance.get_session(group, session_id)
    day = session.held_on
    outcome = commit_edit(lambda: attendance.delete_session(session, current_user._get_current_object(),
                                                            request.form.get("reason")))
    if not outcome.saved:
        group = _group(group_id)
        session = attendance.get_session(group, session_id)
        values = {"held_on": session.held_on.isoformat(), "minutes": session.minutes, "format": session.format,
                  "attendees": [row.person_id for row in session.attendance], "reason": request.form.get("reason", "")}
        return _form(group, session, values, _errors_of(outcome), outcome.status)
    flash(_("Session of %(day)s deleted with its training records.", day=day.isoformat()), "success")
    return _back(group)
