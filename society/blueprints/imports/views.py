"""CSV imports: upload, a validated preview with progress, then an all-or-nothing commit."""
from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ...access import admin_society_id, roles_required, wants_json
from ...editing import commit_edit
from ...extensions import db
from ...models import ImportBatch
from ...schemas.base import load_form
from ...schemas.imports import UploadSchema
from ...services.membership import import_jobs, imports
from . import bp

def _batch(batch_id: int, lock: bool = False) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id, with_for_update=lock, populate_existing=lock)
    if batch is None or batch.society_id != admin_society_id():
        abort(404)
    return batch


def _progress(batch: ImportBatch) -> dict:
    return {"status": batch.status, "processed": batch.processed_rows, "total": batch.total_rows,
            "errors": batch.error_count, "done": batch.status not in import_jobs.OPEN,
            "creating": imports.ready_to_publish(batch), "url": url_for(".show", batch_id=batch.id)}


def _step_seconds() -> float:
    return current_app.config["IMPORT_REQUEST_SECONDS"]


def _index_page(values=None, errors=None, status=200):
    batches = db.paginate(select(ImportBatch).where(ImportBatch.society_id == admin_society_id())
                          .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc()),
                          per_page=20, error_out=False)
    return render_template("imports/index.html", batches=batches, values=values or {"kind": "members"},
                           errors=errors or {}, columns=imports.COLUMNS, required=imports.REQUIRED), status


@bp.route("/", methods=["GET"])
@roles_required("admin")
def index():
    return _index_page()


@bp.route("/", methods=["POST"])
@roles_required("admin")
def upload():
    data, errors = load_form(UploadSchema(), request.form)
    file = request.files.get("file")
    if file is None or not file.filename:
        errors = {**errors, "file": [_("Choose a CSV file.")]}
    if errors:
        return _index_page(request.form.to_dict(), errors, 422)
    try:
        raw = file.read()
    finally:
        file.close()  # a large upload is spooled to a temporary file: close it as soon as it is read
    outcome = commit_edit(lambda: _start(data["kind"], file.filename, raw), default_field="file")
    if not outcome.saved:
        return _index_page(request.form.to_dict(), outcome.errors or {"file": [outcome.message]}, outcome.status)
    return redirect(url_for(".show", batch_id=outcome.value.id))


def _start(kind: str, filename: str, raw: bytes):
    batch = imports.start(admin_society_id(), kind, filename, raw, current_user.id)
    imports.validate_chunk(batch, import_jobs.chunk_rows())
    return batch


@bp.route("/<int:batch_id>")
@roles_required("admin")
def show(batch_id: int):
    batch = _batch(batch_id)
    return render_template("imports/batch.html", batch=batch, errors=imports.errors_of(batch),
                           rows=imports.preview(batch), columns=imports.COLUMNS[batch.kind], progress=_progress(batch),
                           interrupted=import_jobs.interrupted(batch))


@bp.route("/<int:batch_id>/progress.json")
@roles_required("admin")
def progress(batch_id: int):
    return jsonify(_progress(_batch(batch_id)))


@bp.route("/<int:batch_id>/step", methods=["POST"])
@roles_required("admin")
def step(batch_id: int):
    """Check the next rows for a few seconds (the progress page calls this until done; without JS, a
    button does). Creating the rows of a large commit is the scheduler's import job."""
    _batch(batch_id)  # 404 unless it is this society's
    db.session.rollback()
    batch = import_jobs.advance(batch_id, seconds=_step_seconds())
    if wants_json():
        return jsonify(_progress(batch))
    return redirect(url_for(".show", batch_id=batch_id))


@bp.route("/<int:batch_id>/commit", methods=["POST"])
@roles_required("admin")
def commit(batch_id: int):
    batch = _batch(batch_id, lock=True)
    if batch.total_rows > current_app.config["IMPORT_INLINE_ROWS"]:
        imports.begin_commit(batch, current_user.id)
        db.session.commit()
        flash(_("The import runs in the background: this page shows how far it is, and you may leave it."), "info")
        return redirect(url_for(".show", batch_id=batch_id))
    try:
        created = import_jobs.commit_now(batch, current_user.id)
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("Import %s failed: %s", batch_id, error)
        imports.mark_failed(batch_id, _("The database refused the import, so nothing was imported: %(error)s",
                                        error=str(getattr(error, "orig", error))[:300]))
        db.session.commit()
        flash(_("The import failed and nothing was imported."), "danger")
        return redirect(url_for(".show", batch_id=batch_id))
    if created:
        flash(ngettext("%(num)s row imported.", "%(num)s rows imported.", created), "success")
    else:
        flash(_("Some rows are no longer valid, so nothing was imported. See the errors below."), "danger")
    return redirect(url_for(".show", batch_id=batch_id))


@bp.route("/<int:batch_id>/discard", methods=["POST"])
@roles_required("admin")
def discard(batch_id: int):
    imports.discard(_batch(batch_id, lock=True))
    db.session.commit()
    flash(_("The uploaded file was discarded."), "info")
    return redirect(url_for(".index"))


@bp.route("/example-<any(members, groups):kind>.csv")
@roles_required("admin")
def example(kind: str):
    return Response(imports.example(kind), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="example-{kind}.csv"'})
