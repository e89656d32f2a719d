"""Administrators' pages: applications awaiting a decision, an accreditation with its
progress, history and actions, a candidate's progress on any day, starting a pathway.
Every query is scoped to the administrator's society; anything else answers 404."""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ...access import admin_society_id, roles_required
from ...extensions import db
from ...models import Accreditation, RuleSetVersion, User
from ...models.accreditation import ACCREDITATION_STATUSES
from ...schemas.accreditation import (
    AccreditationListSchema, DecisionSchema, MoveVersionSchema, ProgressDaySchema, ReasonedDecisionSchema,
    StartPathwaySchema,
)
from ...schemas.base import load_filters, load_form
from ...editing import commit_edit
from ...services.accreditation import lifecycle
from ...services.accreditation import listing as accreditation_list
from ...services.errors import DomainError
from ...services.groups import roster
from ...services.platform.exports import audited_csv
from ...services.training.progress import progress_for
from . import bp
from .labels import template_labels

bp.context_processor(template_labels)


def scoped():
    """Accreditations of the administrator's society, with person, version and rule set."""
    return accreditation_list.of_society(admin_society_id())


def own_accreditation(accreditation_id: int) -> Accreditation:
    accreditation = db.session.scalar(scoped().where(Accreditation.id == accreditation_id)
                                      .options(selectinload(Accreditation.decisions)))
    if accreditation is None:
        abort(404)
    return accreditation


def deciders(accreditation: Accreditation) -> dict[int, str]:
    ids = {d.decided_by_id for d in accreditation.decisions if d.decided_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(db.select(User.id, User.email).where(User.id.in_(ids))).all())


def _list_filters() -> tuple[str, str]:
    """(status, search) from the query string; a status the list does not know shows applications."""
    data, _errors, _raw = load_filters(AccreditationListSchema(), request.args)
    return data["status"], data["q"]


@bp.route("/admin/accreditations/")
@roles_required("admin")
def applications():
    status, search = _list_filters()
    today = date.today()
    page = db.paginate(accreditation_list.listing(admin_society_id(), status, search, today), per_page=25)
    return render_template("accreditation/admin_list.html", page=page, status=status, search=search,
                           counts=accreditation_list.counts_by_status(admin_society_id(), today),
                           statuses=ACCREDITATION_STATUSES, today=today,
                           listed_status=accreditation_list.listed_status)


@bp.route("/admin/accreditations/export.csv")
@roles_required("admin")
def export():
    """The list's current tab and search as CSV, every page (the download is on the audit trail)."""
    status, search = _list_filters()
    society_id = admin_society_id()
    return audited_csv("accreditations", accreditation_list.EXPORT_COLUMNS,
                       accreditation_list.export_rows(society_id, status, search, date.today()),
                       entity_type="Accreditation", society_id=society_id, filters={"status": status, "q": search})


def render_detail(accreditation: Accreditation, errors=None, failed_action=None, values=None, status=200):
    on = date.today()
    return render_template(
        "accreditation/admin_detail.html", accreditation=accreditation, report=progress_for(accreditation, on),
        deciders=deciders(accreditation), actions=lifecycle.actions_for(accreditation), today=on,
        transitions=lifecycle.TRANSITIONS, renewal_expiry=lifecycle.renewed_expiry(accreditation, on),
        version_choices=[(v.id, f"{v.label} ({v.effective_from} – {v.effective_to or ''})")
                         for v in accreditation.rule_set_version.rule_set.versions if v.id != accreditation.rule_set_version_id],
        errors=errors or {}, failed_action=failed_action, values=values or {},
    ), status


@bp.route("/admin/accreditations/<int:accreditation_id>")
@roles_required("admin")
def show(accreditation_id: int):
    return render_detail(own_accreditation(accreditation_id))


def _move(accreditation, data, by, on):
    version = db.session.get(RuleSetVersion, data["version_id"])
    if version is None or version.rule_set.society_id != admin_society_id():
        raise DomainError(_("Choose a version of the same rule set."), field="version_id")
    return lifecycle.move_version(accreditation, version, by, data["reason"], on)


# action -> (form schema, what it does)
ACTIONS = {
    "apply": (DecisionSchema, lambda a, d, by, on: lifecycle.apply(a, on, by=by, reason=d["reason"])),
    "grant": (DecisionSchema, lambda a, d, by, on: lifecycle.grant(a, by, d["reason"], on)),
    "reject": (ReasonedDecisionSchema, lambda a, d, by, on: lifecycle.reject(a, by, d["reason"], on)),
    "renew": (DecisionSchema, lambda a, d, by, on: lifecycle.renew(a, by, d["reason"], on)),
    "suspend": (ReasonedDecisionSchema,
                lambda a, d, by, on: lifecycle.suspend(a, by, d["reason"], on, public_reason=d["public_reason"])),
    "revoke": (ReasonedDecisionSchema,
               lambda a, d, by, on: lifecycle.revoke(a, by, d["reason"], on, public_reason=d["public_reason"])),
    "reinstate": (DecisionSchema, lambda a, d, by, on: lifecycle.reinstate(a, by, d["reason"], on)),
    "expire": (DecisionSchema, lambda a, d, by, on: lifecycle.expire(a, on, by=by, reason=d["reason"])),
    "move_version": (MoveVersionSchema, _move),
}


@bp.route("/admin/accreditations/<int:accreditation_id>/<action>", methods=["POST"])
@roles_required("admin")
def decide(accreditation_id: int, action: str):
    if action not in ACTIONS:
        abort(404)
    accreditation = own_accreditation(accreditation_id)
    schema, perform = ACTIONS[action]
    data, errors = load_form(schema(), request.form)
    values = request.form.to_dict()
    if errors:
        return render_detail(accreditation, errors, action, values, 422)
    outcome = commit_edit(lambda: perform(accreditation, data, current_user._get_current_object(),
                                          data["on"] or date.today()))
    if not outcome.saved:
        return render_detail(own_accreditation(accreditation_id), outcome.errors or {"_": [outcome.message]}, action,
                             values, outcome.refusal_status)
    flash(_("Done: the accreditation is now %(status)s.", status=accreditation.status.replace("_", " ")), "success")
    return redirect(url_for("accreditation.show", accreditation_id=accreditation.id))


@bp.route("/admin/accreditations/<int:accreditation_id>/progress")
@roles_required("admin")
def progress(accreditation_id: int):
    accreditation = own_accreditation(accreditation_id)
    data, errors = load_form(ProgressDaySchema(), request.args)
    on = (data or {}).get("on") or date.today()
    return render_template("accreditation/admin_progress.html", accreditation=accreditation,
                           report=progress_for(accreditation, on), on=on, errors=errors,
                           values=request.args.to_dict()), 422 if errors else 200


@bp.route("/admin/accreditations/start", methods=["GET", "POST"])
@roles_required("admin")
def start():
    society_id = admin_society_id()
    values, errors = request.values.to_dict(), {}
    if request.method == "POST":
        data, errors = load_form(StartPathwaySchema(), request.form)
        if not errors:
            outcome = commit_edit(lambda: lifecycle.start_pathway_for_member(
                society_id, data["person_id"], data["rule_set_id"], data["training_started_on"],
                by=current_user._get_current_object(), reason=data["reason"]), default_field="_")
            if outcome.saved:
                accreditation = outcome.value
                flash(_("Pathway started on version %(label)s.", label=accreditation.rule_set_version.label), "success")
                return redirect(url_for("accreditation.show", accreditation_id=accreditation.id))
            errors = outcome.errors or {"_": [outcome.conflict]}
    chosen = None
    if values.get("person_id", "").isdigit():
        chosen = lifecycle.member_of(society_id, int(values["person_id"]))
        if chosen is None and request.method == "GET":
            abort(404)
    search = values.get("q", "").strip()
    found = roster.find_members(society_id, search, date.today()) if search and chosen is None else []
    return render_template("accreditation/admin_start.html",
                           rule_set_choices=[(r.id, r.credential_title) for r in lifecycle.rule_sets_of(society_id)],
                           values=values, errors=errors,
                           chosen=chosen, found=found, search=search), 422 if errors else 200
