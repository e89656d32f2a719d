"""Pages for rule sets, their versions and requirements. Administrators see and edit
their own society's rule sets only; anything else answers 404."""
import json
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from ...access import admin_society_id, roles_required
from ...editing import commit_edit
from ...extensions import db
from ...models import Accreditation, Requirement, RuleSet, RuleSetVersion, Society
from ...schemas.base import load_form
from ...presentation.rules import label_context
from ...schemas.rules import CopyVersionSchema, RequirementSchema, RuleSetSchema, VersionSchema, translation_values
from ...services.accreditation import rulesets
from . import bp


@bp.context_processor
def labels():
    return dict(label_context(), today=date.today())


# -- loading, scoped to the administrator's society ---------------------------------------

def own_rule_set(rule_set_id: int) -> RuleSet:
    rule_set = db.session.get(RuleSet, rule_set_id)
    if rule_set is None or rule_set.society_id != admin_society_id():
        abort(404)
    return rule_set


def own_version(version_id: int) -> RuleSetVersion:
    version = db.session.get(RuleSetVersion, version_id)
    if version is None or version.rule_set.society_id != admin_society_id():
        abort(404)
    return version


def own_requirement(requirement_id: int) -> Requirement:
    requirement = db.session.get(Requirement, requirement_id)
    if requirement is None or requirement.version.rule_set.society_id != admin_society_id():
        abort(404)
    return requirement


def submitted() -> dict:
    values = request.form.to_dict()
    values["also_counts"] = request.form.getlist("also_counts")
    return values


def form_page(schema, template: str, save, values: dict, **context):
    """GET shows the form; POST validates, saves and redirects, or shows the form again (422)."""
    errors = {}
    if request.method == "POST":
        values = submitted()
        data, errors = load_form(schema, request.form)
        if not errors:
            outcome = commit_edit(lambda: save(data))
            if outcome.saved:
                flash(_("Saved."), "success")
                return redirect(outcome.value)
            errors = outcome.errors or {"_": [outcome.message]}
    return render_template(template, values=values, errors=errors, **context), 422 if errors else 200


def in_use(version_ids) -> dict[int, int]:
    """How many accreditations use each version, in one query."""
    ids = list(version_ids)
    if not ids:
        return {}
    rows = db.session.execute(db.select(Accreditation.rule_set_version_id, func.count())
                              .where(Accreditation.rule_set_version_id.in_(ids))
                              .group_by(Accreditation.rule_set_version_id))
    return dict(rows.all())


# -- rule sets ------------------------------------------------------------------------------

@bp.route("/")
@roles_required("admin")
def index():
    page = db.paginate(db.select(RuleSet).where(RuleSet.society_id == admin_society_id())
                       .options(selectinload(RuleSet.versions)).order_by(RuleSet.code), per_page=25)
    return render_template("rulesets/index.html", page=page, shipped=rulesets.SHIPPED)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def create():
    def save(data):
        rule_set = rulesets.create_rule_set(admin_society_id(), data)
        return url_for("rulesets.show", rule_set_id=rule_set.id)

    return form_page(RuleSetSchema(), "rulesets/rule_set_form.html", save, {}, rule_set=None)


@bp.route("/import", methods=["POST"])
@roles_required("admin")
def import_shipped():
    name = request.form.get("name")
    if name not in rulesets.SHIPPED:
        abort(404)
    society = db.session.get_one(Society, admin_society_id())
    rule_set = rulesets.load_shipped_file(name, society)[0]
    db.session.commit()
    flash(_("The example rule set %(code)s is now one of yours to edit.", code=rule_set.code), "success")
    return redirect(url_for("rulesets.show", rule_set_id=rule_set.id))


@bp.route("/<int:rule_set_id>")
@roles_required("admin")
def show(rule_set_id: int):
    rule_set = own_rule_set(rule_set_id)
    return render_template("rulesets/show.html", rule_set=rule_set,
                           in_use=in_use(v.id for v in rule_set.versions))


@bp.route("/<int:rule_set_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit(rule_set_id: int):
    rule_set = own_rule_set(rule_set_id)

    def save(data):
        rulesets.update_rule_set(rule_set, data)
        return url_for("rulesets.show", rule_set_id=rule_set.id)

    values = {k: getattr(rule_set, k) for k in rulesets.RULE_SET_FIELDS}
    values.update(translation_values(rule_set, RuleSetSchema.translated))
    return form_page(RuleSetSchema(), "rulesets/rule_set_form.html", save, values, rule_set=rule_set)


# -- versions -------------------------------------------------------------------------------

@bp.route("/<int:rule_set_id>/versions/new", methods=["GET", "POST"])
@roles_required("admin")
def create_version(rule_set_id: int):
    rule_set = own_rule_set(rule_set_id)

    def save(data):
        version = rulesets.create_version(rule_set, data)
        return url_for("rulesets.show_version", version_id=version.id)

    return form_page(VersionSchema(), "rulesets/version_form.html", save, {"warning_days": "90,60,30"},
                     rule_set=rule_set, version=None)


@bp.route("/versions/<int:version_id>")
@roles_required("admin")
def show_version(version_id: int):
    version = own_version(version_id)
    clauses: dict[int, dict[str, list[Requirement]]] = {}
    for requirement in version.requirements:
        clauses.setdefault(requirement.clause, {}).setdefault(requirement.option, []).append(requirement)
    return render_template("rulesets/version.html", version=version, rule_set=version.rule_set, clauses=clauses,
                           used_by=in_use([version.id]).get(version.id, 0))


@bp.route("/versions/<int:version_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_version(version_id: int):
    version = own_version(version_id)

    def save(data):
        rulesets.update_version(version, data)
        return url_for("rulesets.show_version", version_id=version.id)

    values = {k: getattr(version, k) for k in rulesets.VERSION_FIELDS}
    values.update(translation_values(version, VersionSchema.translated))
    return form_page(VersionSchema(), "rulesets/version_form.html", save, values, rule_set=version.rule_set,
                     version=version, used_by=in_use([version.id]).get(version.id, 0))


@bp.route("/versions/<int:version_id>/copy", methods=["GET", "POST"])
@roles_required("admin")
def copy_version(version_id: int):
    version = own_version(version_id)

    def save(data):
        copy = rulesets.copy_version(version, data["label"], data["effective_from"], data["close_previous"])
        return url_for("rulesets.show_version", version_id=copy.id)

    return form_page(CopyVersionSchema(), "rulesets/copy_form.html", save, {"close_previous": True},
                     version=version, rule_set=version.rule_set)


# -- requirements ---------------------------------------------------------------------------

@bp.route("/versions/<int:version_id>/requirements/new", methods=["GET", "POST"])
@roles_required("admin")
def create_requirement(version_id: int):
    version = own_version(version_id)

    def save(data):
        rulesets.save_requirement(version, data)
        return url_for("rulesets.show_version", version_id=version.id)

    next_clause = max((r.clause for r in version.requirements), default=0) + 1
    values = {"clause": request.args.get("clause", next_clause), "option": request.args.get("option", "a"),
              "window_kind": "none", "also_counts": []}
    return form_page(RequirementSchema(), "rulesets/requirement_form.html", save, values, version=version,
                     requirement=None)


@bp.route("/requirements/<int:requirement_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_requirement(requirement_id: int):
    requirement = own_requirement(requirement_id)
    version = requirement.version

    def save(data):
        rulesets.save_requirement(version, data, requirement)
        return url_for("rulesets.show_version", version_id=version.id)

    values = {k: getattr(requirement, k) for k in rulesets.REQUIREMENT_FIELDS}
    values["also_counts"] = requirement.counted_kinds[1:]
    values["constraints"] = json.dumps(requirement.constraints, indent=2, ensure_ascii=False) if requirement.constraints else None
    values.update(translation_values(requirement, RequirementSchema.translated))
    return form_page(RequirementSchema(), "rulesets/requirement_form.html", save, values, version=version,
                     requirement=requirement)


@bp.route("/requirements/<int:requirement_id>/delete", methods=["POST"])
@roles_required("admin")
def delete_requirement(requirement_id: int):
    requirement = own_requirement(requirement_id)
    version_id = requirement.version_id
    rulesets.delete_requirement(requirement)
    db.session.commit()
    flash(_("Requirement removed."), "success")
    return redirect(url_for("rulesets.show_version", version_id=version_id))
