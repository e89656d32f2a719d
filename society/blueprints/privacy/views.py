"""Personal data on request: a person's own export, an administrator's export and erasure of a
member, and the retention dry run."""
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from ...access import admin_society_id, roles_required
from ...extensions import db
from ...models import Person, Society
from ...schemas.base import load_form
from ...schemas.privacy import EraseSchema
from ...services.membership import members
from ...services.privacy import erasure, export, retention
from . import bp

RULE_LABELS = {
    "left_members": _l("Members who left: erased"), "import_files": _l("Import files and row errors"),
    "payment_files": _l("Bank payment files"),
    "login_events": _l("Log-in events"), "resolved_flags": _l("Resolved flags"),
    "kept_records": _l("Records kept after an erasure, their time over"),
}


def _download(person: Person, form: str) -> Response:
    """The person's data as a JSON or zip download; recorded in the audit trail first."""
    data = export.export(person)
    export.record(person, form)
    db.session.commit()
    name = f"personal-data-{person.id}-{date.today().isoformat()}.{form}"
    if form == "zip":
        body, mimetype = export.zip_bytes(person, data), "application/zip"
    else:
        body, mimetype = export.as_json(data), "application/json"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _own_person() -> Person:
    person = db.session.get(Person, current_user.person_id) if current_user.person_id else None
    if person is None:
        abort(404)
    return person


@bp.route("/my-data")
@roles_required("leader", "member")
def mine():
    return render_template("privacy/mine.html", person=_own_person())


@bp.route("/my-data/export.<any(json, zip):form>")
@roles_required("leader", "member")
def my_export(form: str):
    return _download(_own_person(), form)


@bp.route("/admin/members/<int:person_id>/privacy/export.<any(json, zip):form>")
@roles_required("admin")
def member_export(person_id: int, form: str):
    return _download(members.membership_of(admin_society_id(), person_id).person, form)


@bp.route("/admin/members/<int:person_id>/erase", methods=["GET", "POST"])
@roles_required("admin")
def erase(person_id: int):
    person = members.membership_of(admin_society_id(), person_id).person
    errors = {}
    if request.method == "POST" and person.erased_at is None:
        _data, errors = load_form(EraseSchema(), request.form)
        if not errors:
            summary = erasure.erase(person, date.today())
            db.session.commit()
            erasure.wipe_free_pages()
            flash(_("The personal data of this member has been erased; they are now %(name)s.",
                    name=summary.pseudonym), "success")
            return redirect(url_for("members.detail", person_id=person_id))
    return render_template("privacy/erase.html", person=person, plan=erasure.plan(person, date.today()),
                           errors=errors), (422 if errors else 200)


@bp.route("/admin/privacy/retention")
@roles_required("admin")
def retention_dry_run():
    society = db.session.get(Society, admin_society_id())
    items = retention.due(date.today(), society.id)
    retention.record_dry_run(items, society.id)
    db.session.commit()
    return render_template("privacy/retention.html", society=society, items=items, rule_labels=RULE_LABELS,
                           totals=retention.totals(items), later=retention.kept_for_later(date.today(), society.id))
