"""``flask --app society certificates ...``: one PDF, or every due certificate at once."""
from datetime import date

import click

from ...database import writing
from ...extensions import db
from ...models import Society
from ...services.certificates import pdf as certificate_pdf, issuing as certificates
from ...services.errors import DomainError
from ...services.certificates.rendering import RenderError
from . import bp


@bp.cli.command("pdf")
@click.argument("number")
@click.argument("outfile", type=click.File("wb"))
def pdf(number: str, outfile) -> None:
    """Write the PDF of certificate NUMBER to OUTFILE ("-" for standard output)."""
    try:
        with writing():
            certificate = certificates.find(number)
            stored = certificate_pdf.ensure(certificate)
            db.session.commit()
    except (DomainError, RenderError) as error:
        raise click.ClickException(str(getattr(error, "message", error))) from error
    outfile.write(stored.path.read_bytes())


@bp.cli.command("issue-due")
@click.option("--society", "codes", multiple=True, help="Society code (repeatable); all societies when omitted.")
@click.option("--on", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Issue date (default today).")
@click.option("--zip", "zip_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the PDFs of the certificates issued that day into this zip file.")
def issue_due(codes: tuple[str, ...], day, zip_path: str | None) -> None:
    """Issue every due certificate (granted accreditations without a current one) and render the PDFs."""
    day = day.date() if day else date.today()
    statement = db.select(Society).order_by(Society.code)
    if codes:
        statement = statement.where(Society.code.in_(codes))
    with writing():
        society_ids = {s.code: s.id for s in db.session.scalars(statement)}
        missing = set(codes) - set(society_ids)
        if missing:
            raise click.ClickException(f"No society with code {', '.join(sorted(missing))}.")
        issued = sum(len(certificates.issue_due(sid, day)) for sid in society_ids.values())
        db.session.commit()
    click.echo(f"{issued} certificates issued on {day.isoformat()}.")
    # Render outside any write transaction, so the database stays free for others meanwhile.
    batch = [c for sid in society_ids.values() for c in db.session.scalars(certificates.of_society(sid, issued_on=day))]
    try:
        with click.progressbar(length=len(batch), label="Rendering certificates", show_pos=True) as bar:
            stored, new = certificate_pdf.render_missing(batch, progress=bar.update)
    except RenderError as error:
        raise click.ClickException(str(error)) from error
    files = [(c.number, stored[c.id]) for c in batch]
    db.session.rollback()
    with writing():
        certificate_pdf.remember_all(new)
        db.session.commit()
    click.echo(f"{len(new)} PDFs rendered, {len(files) - len(new)} already stored.")
    if zip_path:
        certificate_pdf.write_zip(files, zip_path)
        click.echo(f"{len(files)} certificates written to {zip_path}.")
