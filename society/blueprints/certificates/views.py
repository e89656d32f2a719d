"""Pages anyone may open (verification) and the holder's own certificates and downloads."""
from datetime import date, datetime, timezone

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ...access import login_required, public, requires_person, roles_required
from ...database import writing
from ...extensions import db, limiter
from ...models import Certificate
from ...schemas.base import load_form
from ...schemas.certificates import VerifyFormSchema
from ...services.certificates import pdf as certificate_pdf, issuing as certificates
from ...services.errors import NotFound
from . import bp


def rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


@bp.route("/verify")
@public
@limiter.limit(rate_limit)
def verify():
    if "number" not in request.args:
        return render_template("certificates/verify_form.html", values={}, errors={})
    data, errors = load_form(VerifyFormSchema(), request.args)
    if errors:
        return render_template("certificates/verify_form.html", values=request.args, errors=errors), 422
    return redirect(url_for(".verify_number", number=data["number"]))


@bp.route("/verify/<number>")
@public
@limiter.limit(rate_limit)
def verify_number(number: str):
    canonical = certificates.normalize_number(number)
    if canonical and canonical != number:
        return redirect(url_for(".verify_number", number=canonical), 301)
    try:
        verification = certificates.verify(number, date.today())
    except NotFound:
        return render_template("certificates/verify_form.html", values={"number": number}, errors={},
                               not_found=True), 404
    return render_template("certificates/verify.html", v=verification)


@bp.route("/certificates/<number>.pdf")
@login_required
def download(number: str):
    # One query: the access check, the stored PDF, and whether today's download is audited already.
    wanted = certificates.for_download(number, current_user, datetime.now(timezone.utc).date())
    stored = certificate_pdf.cached(wanted)
    if stored is not None and stored.sha256 in request.if_none_match:
        return _private(Response(status=304, headers={"ETag": f'"{stored.sha256}"'}))
    rendered = stored is None
    if rendered:  # the first download: render with no table touched, so no lock is held meanwhile
        stored = certificate_pdf.render_and_store(db.session.get(Certificate, wanted.id))
    if rendered or not wanted.audited:  # a cached file fetched again the same day writes nothing
        db.session.commit()  # end the read; the write below starts with the lock it needs
        with writing():
            if rendered:
                stored = certificate_pdf.remember(wanted.id, stored)
            if not wanted.audited:
                certificates.record_download(wanted.id, wanted.number, wanted.society_id)
            db.session.commit()
    # A certificate is some 15 KB: read it whole, so no open file outlives the response.
    response = Response(stored.path.read_bytes(), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"attachment; filename={wanted.number}.pdf"  # [A-Z0-9-] only
    response.set_etag(stored.sha256)
    return _private(response)


def _private(response):
    # Personal: never in a shared cache; the browser revalidates with the ETag.
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response


@bp.route("/portal/certificates")
@roles_required("leader", "member")
@requires_person
def mine():
    page = db.paginate(certificates.of_person(current_user.person_id), page=request.args.get("page", 1, type=int),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    today = date.today()
    rows = [(c, certificates.status_on(c, today)[0]) for c in page.items]
    return render_template("certificates/mine.html", page=page, rows=rows)
