"""The administrators' member pages: list, export, create, edit, end, dues, history."""
from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext

from ...access import admin_society_id, roles_required
from ...editing import commit_edit
from ...extensions import db
from ...models import Society
from ...models.people import END_REASONS, MEMBER_CATEGORIES, PROFESSIONS
from ...schemas.base import load_filters, load_form
from ...schemas.members import (
    DuesPaymentSchema, DuesPeriodSchema, EndMembershipSchema, MemberEditSchema, MemberFilterSchema, MemberFormSchema,
)
from ...services.platform import logins
from ...services.membership import member_list, members, qualifications
from ...services.platform.audit_trail import readable
from ...services.platform.exports import audited_csv
from ...services.membership.status import STATUSES, status_of
from . import bp
from ...presentation.members import CATEGORY_LABELS, PROFESSION_LABELS, STATUS_LABELS, all_labels

EXPORT_HEADER = ("given_name", "family_name", "email", "phone", "profession", "category", "joined_on",
                 "ended_on", "end_reason", "status", "current_period", "current_dues", "current_paid_on",
                 "unpaid_periods")


@bp.context_processor
def labels():
    return all_labels()


def _society() -> Society:
    return db.session.get(Society, admin_society_id())


def _filters() -> tuple[member_list.MemberFilters, int, dict, dict]:
    """The list's filters from the query string; a bad value is dropped and named."""
    data, errors, raw = load_filters(MemberFilterSchema(), request.args)
    page = data.pop("page")
    return member_list.MemberFilters(**data), page, errors, raw


def _choices(labels: dict, codes) -> list[tuple[str, str]]:
    return [(code, labels[code]) for code in codes]


def _form_choices() -> dict:
    return dict(professions=_choices(PROFESSION_LABELS, PROFESSIONS),
                categories=_choices(CATEGORY_LABELS, MEMBER_CATEGORIES),
                statuses=_choices(STATUS_LABELS, STATUSES))


@bp.route("/")
@roles_required("admin")
def index():
    society = _society()
    filters, page_number, errors, args = _filters()
    today = date.today()
    page = member_list.page(society.id, filters, today, society.dues_grace_days, page_number=page_number,
                            per_page=current_app.config["PAGE_SIZE"], labels=PROFESSION_LABELS)
    args.pop("page", None)
    return render_template("members/list.html", page=page, filters=filters, args=args, errors=errors,
                           today=today, society=society, periods=range(today.year + 1, today.year - 5, -1),
                           **_form_choices())


@bp.route("/export.csv")
@roles_required("admin")
def export():
    society = _society()
    filters, _page, _errors, args = _filters()
    today = date.today()
    args.pop("page", None)
    rows = member_list.export_rows(society.id, filters, today, society.dues_grace_days, labels=PROFESSION_LABELS)
    lines = ([getattr(row, column) for column in EXPORT_HEADER] for row in rows)
    return audited_csv("members", EXPORT_HEADER, lines, entity_type="Membership", society_id=society.id, filters=args)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def create():
    values, errors = {"joined_on": date.today().isoformat(), "category": "full", "language": "sv"}, {}
    status, conflict = 200, None
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(MemberFormSchema(), request.form)
        status = 422 if errors else 200
        if not errors:
            outcome = commit_edit(lambda: members.create_member(admin_society_id(), data))
            if outcome.saved:
                membership = outcome.value
                flash(_("Member %(name)s added.", name=membership.person.full_name), "success")
                return redirect(url_for(".detail", person_id=membership.person_id))
            # Refused (422, the errors beside the fields) or beaten by a save at the same moment (409).
            errors, conflict, status = outcome.errors, outcome.conflict, outcome.status
    return render_template("members/form.html", values=values, errors=errors, membership=None, conflict=conflict,
                           **_form_choices()), status


def _detail_page(person_id: int, status: int = 200, **forms):
    """The member's page; ``forms`` replace a form's values and errors after a failed submit."""
    society = _society()
    membership = members.membership_of(society.id, person_id)
    today = date.today()
    context = dict(membership=membership, person=membership.person, society=society, today=today,
                   status=status_of(membership, today, society.dues_grace_days), events=readable(members.history(membership)),
                   payment_values={"period": today.year, "paid_on": today.isoformat()}, payment_errors={},
                   end_values={"ended_on": today.isoformat()}, end_errors={}, end_reasons=END_REASONS,
                   login=logins.login_of(person_id),
                   qualifications=qualifications.qualifications_of(person_id), qualification_values={},
                   qualification_errors={})
    context.update(forms)
    return render_template("members/detail.html", **context), status


@bp.route("/<int:person_id>")
@roles_required("admin")
def detail(person_id: int):
    return _detail_page(person_id)


def _edit_values(membership) -> dict:
    person = membership.person
    values = {key: getattr(person, key) for key in members.PERSON_FIELDS}
    values.update(category=membership.category, joined_on=membership.joined_on.isoformat(),
                  person_version=person.version_id, membership_version=membership.version_id)
    if person.psychotherapy_qualified_on:
        values["psychotherapy_qualified_on"] = person.psychotherapy_qualified_on.isoformat()
    values["psychodynamically_trained"] = "y" if person.psychodynamically_trained else ""
    return values


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit(person_id: int):
    membership = members.membership_of(admin_society_id(), person_id)
    values, errors, status, conflict = _edit_values(membership), {}, 200, None
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(MemberEditSchema(), request.form)
        status = 422 if errors else 200
        if not errors:
            outcome = commit_edit(lambda: members.update_member(membership, data), _(
                "Someone else saved this member while you were editing. Your changes are below; "
                "reload the member to see theirs, then apply yours again."))
            errors, conflict, status = outcome.errors, outcome.conflict, outcome.status
            if outcome.saved:
                flash(_("Changes to %(name)s saved.", name=membership.person.full_name), "success")
                return redirect(url_for(".detail", person_id=person_id))
    return render_template("members/form.html", values=values, errors=errors, membership=membership,
                           conflict=conflict, **_form_choices()), status


@bp.route("/<int:person_id>/end", methods=["POST"])
@roles_required("admin")
def end(person_id: int):
    membership = members.membership_of(admin_society_id(), person_id)
    data, errors = load_form(EndMembershipSchema(), request.form)
    if not errors:
        outcome = commit_edit(lambda: members.end_membership(membership, data["ended_on"], data["end_reason"]))
        errors = outcome.errors
        if outcome.saved:
            flash(_("The membership has ended."), "success")
            return redirect(url_for(".detail", person_id=person_id))
    return _detail_page(person_id, 422, end_values=request.form.to_dict(), end_errors=errors)


@bp.route("/<int:person_id>/dues", methods=["POST"])
@roles_required("admin")
def record_payment(person_id: int):
    membership = members.membership_of(admin_society_id(), person_id)
    data, errors = load_form(DuesPaymentSchema(), request.form)
    if not errors:
        outcome = commit_edit(lambda: members.record_payment(membership, data["period"], data["amount"],
                                                             data["paid_on"], data.get("reference")))
        if outcome.saved:
            flash(_("Dues for %(period)s recorded as paid.", period=data["period"]), "success")
            return redirect(url_for(".detail", person_id=person_id))
        errors = {"period": [outcome.message]}
    return _detail_page(person_id, 422, payment_values=request.form.to_dict(), payment_errors=errors)


@bp.route("/dues", methods=["GET", "POST"])
@roles_required("admin")
def raise_dues():
    society = _society()
    today = date.today()
    values = {"period": today.year, "due_on": date(today.year, 1, 31).isoformat() if today.month == 1
              else today.isoformat(), "currency": members.default_currency(society.id)}
    errors = {}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(DuesPeriodSchema(), request.form)
        if not errors:
            created = members.raise_period_dues(society.id, data["period"], data["amount"], data["currency"],
                                                data["due_on"], today)
            db.session.commit()
            flash(ngettext("Dues for %(period)s raised for %(num)s member.", "Dues for %(period)s raised for %(num)s members.",
                           created, period=data["period"]), "success")
            return redirect(url_for(".index", unpaid=str(data["period"])))
    return render_template("members/dues.html", values=values, errors=errors), (422 if errors else 200)
