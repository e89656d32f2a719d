"""``flask --app society certificates ...``: one PDF, or every due certificate at once."""
from datetime import date
from functools import partial

import click

from ...database import writing
from ...extensions import db
from ...models import Certificate, Person, Society, User
from ...services.certificates import attendance as attendance_certificates, bulk
from ...services.certificates import pdf as certificate_pdf, issuing as certificates
from ...services.groups import participation
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
    batch = [c for sid in society_ids.values() for c in db.session.scalars(certificates.of_society(sid, issued_on=day))]
    _render_store_and_zip(batch, certificate_pdf.render_missing, zip_path)


@bp.cli.command("attendance")
@click.argument("email")
@click.option("--year", type=click.IntRange(1900, 2200), required=True, help="The year attended.")
@click.option("--society", "code", default=None, help="Society code, when the person attended groups of several.")
@click.argument("outfile", type=click.File("wb"))
def attendance(email: str, year: int, code: str | None, outfile) -> None:
    """Issue (if needed) the attendance certificate of EMAIL for a year and write its PDF to OUTFILE."""
    try:
        with writing():
            person = _person_by_email(email)
            if person is None:
                raise click.ClickException(f"No person with the e-mail {email}.")
            society = _attended_society(person.id, year, code)
            certificate = attendance_certificates.issue_year(person, society, year, date.today())
            stored = certificate_pdf.ensure(certificate)
            number = certificate.number
            db.session.commit()
    except (DomainError, RenderError) as error:
        raise click.ClickException(str(getattr(error, "message", error))) from error
    outfile.write(stored.path.read_bytes())
    click.echo(f"Certificate {number}.", err=True)


def _person_by_email(email: str) -> Person | None:
    """The person with this e-mail, else the person of the login with it."""
    address = email.strip().lower()
    person = db.session.scalar(db.select(Person).where(db.func.lower(Person.email) == address))
    if person is None:
        person = db.session.scalar(db.select(Person).join(User, User.person_id == Person.id)
                                   .where(db.func.lower(User.email) == address))
    return person


def _attended_society(person_id: int, year: int, code: str | None) -> Society:
    if code:
        society = db.session.scalar(db.select(Society).where(Society.code == code))
        if society is None:
            raise click.ClickException(f"No society with code {code}.")
        return society
    societies = {t.society_id for t in participation.yearly_totals(person_id) if t.year == year}
    if not societies:
        raise click.ClickException(f"No session attended in {year}.")
    if len(societies) > 1:
        raise click.ClickException("Sessions of several societies: name one with --society.")
    return db.session.get(Society, societies.pop())


@bp.cli.command("attendance-year-end")
@click.option("--society", "code", required=True, help="Society code.")
@click.option("--year", type=click.IntRange(1900, 2200), required=True, help="The year attended.")
@click.option("--processes", type=click.IntRange(1, 64), default=None, help="Renderer processes (default: one per core).")
@click.option("--zip", "zip_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the year's certificates into this zip file.")
def attendance_year_end(code: str, year: int, processes: int | None, zip_path: str | None) -> None:
    """Issue the year's attendance certificate to every participant of the society, render them on every core."""
    with writing():
        society = db.session.scalar(db.select(Society).where(Society.code == code))
        if society is None:
            raise click.ClickException(f"No society with code {code}.")
        issued = attendance_certificates.issue_year_end(society.id, year, date.today())
        ids = [c.id for c in issued]
        db.session.commit()
    click.echo(f"{len(ids)} certificates issued.")
    batch = list(db.session.scalars(db.select(Certificate).where(
        Certificate.society_id == society.id, Certificate.kind == "attendance",
        Certificate.period_start == date(year, 1, 1), Certificate.period_end == date(year, 12, 31),
        Certificate.group_id.is_(None), Certificate.revoked_at.is_(None)).order_by(Certificate.id)))
    _render_store_and_zip(batch, partial(bulk.render_many, processes=processes), zip_path)


def _render_store_and_zip(batch: list[Certificate], render, zip_path: str | None) -> None:
    """Render the batch's missing PDFs with ``render(batch, progress=...)``, record them, and zip the batch.

    Rendering happens outside any write transaction, so the database stays free for others meanwhile."""
    try:
        with click.progressbar(length=len(batch), label="Rendering certificates", show_pos=True) as bar:
            stored, new = render(batch, progress=bar.update)
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
