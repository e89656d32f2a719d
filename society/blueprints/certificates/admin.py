"""Administrators: their society's certificates, issuing every due one at once, and zips."""
import tempfile
from datetime import date

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, ngettext

from ...access import admin_society_id, roles_required
from ...extensions import db
from ...schemas.base import load_filters, load_form
from ...schemas.certificates import CertificateExportSchema, CertificateSearchSchema, IssuedOnSchema
from ...services.certificates import bulk, pdf as certificate_pdf, issuing as certificates
from ...services.platform.exports import audited_csv
from ...services.errors import InvalidInput
from . import bp


def _issued_on(source) -> date:
    data, errors = load_form(IssuedOnSchema(), source)
    if errors:
        raise InvalidInput(_("Give the day the certificates were issued (YYYY-MM-DD)."), errors=errors)
    return data["on"]


@bp.route("/admin/certificates")
@roles_required("admin")
def admin_list():
    data, errors, _raw = load_filters(CertificateSearchSchema(), request.args)
    page = db.paginate(certificates.of_society(admin_society_id(), data["q"]), page=data["page"],
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    today = date.today()
    rows = [(c, certificates.status_on(c, today)[0]) for c in page.items]
    due = certificates.count_due(admin_society_id(), today)
    return render_template("certificates/admin_list.html", page=page, rows=rows, due=due, today=today,
                           values=request.args, errors=errors), (422 if errors else 200)


@bp.route("/admin/certificates/export.csv")
@roles_required("admin")
def export():
    """The searched list (``q``) or a day's batch (``on``) as CSV, every page; on the audit trail."""
    data, errors, _raw = load_filters(CertificateExportSchema(), request.args)  # as the list: a bad search is dropped
    if "on" in errors:  # never the whole list instead of a day's batch
        raise InvalidInput(_("Give the day the certificates were issued (YYYY-MM-DD)."), errors=errors)
    society_id = admin_society_id()
    return audited_csv("certificates", certificates.EXPORT_COLUMNS,
                       certificates.export_rows(society_id, date.today(), data["q"], issued_on=data["on"]),
                       entity_type="Certificate", society_id=society_id, filters=data)


@bp.route("/admin/certificates/issue-due", methods=["POST"])
@roles_required("admin")
def issue_due():
    today = date.today()
    issued = certificates.issue_due(admin_society_id(), today)
    db.session.commit()
    if not issued:
        flash(_("No certificate was due."), "info")
        return redirect(url_for(".admin_list"))
    flash(ngettext("%(num)s certificate issued.", "%(num)s certificates issued.", len(issued)), "success")
    return redirect(url_for(".batch", on=today.isoformat()))


@bp.route("/admin/certificates/issued")
@roles_required("admin")
def batch():
    day = _issued_on(request.args)
    total, rendered = certificates.count_issued(admin_society_id(), day)
    page = db.paginate(certificates.of_society(admin_society_id(), issued_on=day),
                       page=request.args.get("page", 1, type=int), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    today = date.today()
    rows = [(c, certificates.status_on(c, today)[0]) for c in page.items]
    return render_template("certificates/batch.html", day=day, total=total, rendered=rendered, page=page, rows=rows)


@bp.route("/admin/certificates/issued/render-next", methods=["POST"])
@roles_required("admin")
def render_next():
    """One step of the batch page's progress bar: render the next PDF not rendered yet."""
    day = _issued_on(request.form)
    certificate = certificates.next_unrendered(admin_society_id(), day)
    if certificate is not None:
        certificate_pdf.ensure(certificate)
        db.session.commit()
    total, rendered = certificates.count_issued(admin_society_id(), day)
    return {"total": total, "rendered": rendered, "done": certificate is None or rendered >= total}


@bp.route("/admin/certificates/issued.zip", methods=["POST"])
@roles_required("admin")
def batch_zip():
    day = _issued_on(request.form)
    society_id = admin_society_id()
    issued = list(db.session.scalars(certificates.of_society(society_id, issued_on=day)))
    # Many PDFs still missing are rendered on every core; a few go through the one renderer.
    missing = sum(1 for c in issued if c.pdf_sha256 is None)
    render = bulk.render_many if missing >= bulk.PARALLEL_FROM else certificate_pdf.render_missing
    stored, new = render(issued)
    certificate_pdf.remember_all(new)
    files = [(c.number, stored[c.id]) for c in issued]
    certificates.record_zip(society_id, day, len(files))
    db.session.commit()
    archive = tempfile.TemporaryFile()
    certificate_pdf.write_zip(files, archive)
    archive.seek(0)
    return send_file(archive, mimetype="application/zip", as_attachment=True,
                     download_name=f"certificates-{day.isoformat()}.zip", max_age=0)
