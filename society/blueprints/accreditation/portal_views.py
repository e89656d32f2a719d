"""Leaders' pages: my progress against my rule set, apply, my accreditations and their
history. A leader only ever sees accreditations of the person their account is linked to."""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ...access import requires_person, roles_required
from ...editing import commit_edit
from ...extensions import db
from ...models import Accreditation, RuleSetVersion
from ...schemas.accreditation import ApplySchema
from ...schemas.base import load_form
from ...services.accreditation import lifecycle
from ...services.training.progress import progress_for
from ...services.training.next_actions import next_actions
from . import bp

IN_PROGRESS = ("in_training", "applied", "rejected")
CAN_APPLY = ("in_training", "rejected")


def mine():
    return (db.select(Accreditation).where(Accreditation.person_id == current_user.person_id)
            .options(selectinload(Accreditation.rule_set_version).selectinload(RuleSetVersion.rule_set),
                     selectinload(Accreditation.decisions))
            .order_by(Accreditation.training_started_on.desc(), Accreditation.id.desc()))


def my_accreditation(accreditation_id: int) -> Accreditation:
    accreditation = db.session.scalar(mine().where(Accreditation.id == accreditation_id))
    if accreditation is None:
        abort(404)
    return accreditation


@bp.route("/portal/progress")
@roles_required("leader")
@requires_person
def my_progress():
    today = date.today()
    accreditations = list(db.session.scalars(mine()))
    # A person has a handful of pathways at most: one report (one query) each.
    reports = [(a, progress_for(a, today)) for a in accreditations if a.status in IN_PROGRESS]
    held = [a for a in accreditations if a.status not in IN_PROGRESS]
    return render_template("accreditation/my_progress.html", reports=reports, held=held, today=today,
                           can_apply=CAN_APPLY, actions=next_actions(current_user.person_id, today))


@bp.route("/portal/apply", methods=["GET", "POST"])
@roles_required("leader")
@requires_person
def apply():
    today = date.today()
    if request.method == "POST":
        data, errors = load_form(ApplySchema(), request.form)
        if errors:
            abort(400)
        accreditation = my_accreditation(data["accreditation_id"])
        outcome = commit_edit(lambda: lifecycle.apply(accreditation, today, by=current_user._get_current_object()))
        if not outcome.saved:
            flash(outcome.message, "danger")
            accreditation = my_accreditation(data["accreditation_id"])
            return render_template("accreditation/apply.html", accreditation=accreditation,
                                   report=progress_for(accreditation, today), today=today,
                                   can_apply=CAN_APPLY), outcome.refusal_status
        flash(_("Your application has been sent to the society; you will find its decision here."), "success")
        return redirect(url_for("accreditation.my_accreditations"))
    wanted = request.args.get("accreditation", type=int)
    if wanted is not None:
        accreditation = my_accreditation(wanted)
    else:
        candidates = [a for a in db.session.scalars(mine()) if a.status in CAN_APPLY]
        accreditation = candidates[0] if candidates else None
    report = progress_for(accreditation, today) if accreditation is not None else None
    return render_template("accreditation/apply.html", accreditation=accreditation, report=report, today=today,
                           can_apply=CAN_APPLY)


@bp.route("/portal/accreditations")
@roles_required("leader")
@requires_person
def my_accreditations():
    return render_template("accreditation/my_accreditations.html", accreditations=list(db.session.scalars(mine())),
                           today=date.today())
