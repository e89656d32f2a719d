"""`flask --app society ...` commands: thin wrappers over services."""
import time

import click
from flask import Flask

from .database import writing
from .extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(invite)
    app.cli.add_command(seed_demo)
    app.cli.add_command(scheduler)
    app.cli.add_command(backup)
    app.cli.add_command(imports_group)
    app.cli.add_command(restore)
    app.cli.add_command(privacy_group)
    app.cli.add_command(directory_group)


@click.command("create-admin")
@click.argument("email")
@click.option("--society", "society_code", default="SBS", show_default=True, help="Code of the society administered.")
@click.password_option(help="Asked for when not given.")
def create_admin(email: str, society_code: str, password: str) -> None:
    """Create a society administrator account."""
    from .models import Society
    from .services.platform import accounts
    from .services.errors import DomainError

    with writing():
        society = db.session.scalar(db.select(Society).where(Society.code == society_code))
        if society is None:
            raise click.ClickException(f"No society with code {society_code}; run seed-demo or create it first.")
        try:
            accounts.create_user(email, password, "admin", society_id=society.id)
        except DomainError as error:
            raise click.ClickException(error.message) from error
        db.session.commit()
    click.echo(f"Administrator {email} created for {society.name}.")


@click.command("invite")
@click.argument("email")
@click.option("--role", type=click.Choice(["leader", "member", "admin"]), required=True,
              help="The login's role; an administrator administers the person's society.")
@click.option("--society", "society_code", default=None,
              help="Code of the society, when the person is a member of several.")
def invite(email: str, role: str, society_code: str | None) -> None:
    """Invite a person already in the registry to a login: an e-mail with a one-time link to set a password."""
    from .services.platform import account_links, logins
    from .services.errors import DomainError

    with writing():
        try:
            person, society_id = logins.person_for_cli(email, society_code)
            user, token = logins.invite(person, role, society_id)
            mail = logins.invitation_mail(user, token)
        except DomainError as error:
            raise click.ClickException(error.message) from error
        db.session.commit()
    try:
        sent = logins.send(mail)
    except DomainError as error:
        raise click.ClickException(f"The login is ready but the invitation was not sent: {error.message}") from error
    if sent:
        click.echo(f"Invitation sent to {user.email} ({role}).")
    else:
        # E-mail is off (development): whoever runs this command may hand the link over.
        click.echo(f"E-mail is off (MAIL_ENABLED=0); the invitation link for {user.email} is:")
        click.echo(account_links.url_for_token("invite", token))


@click.command("seed-demo")
@click.option("--scale", type=click.IntRange(min=1), default=None,
              help="Generate this many groups (with proportional people, sessions and records) instead of 40.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds data.")
def seed_demo(scale: int | None, if_empty: bool) -> None:
    """Load demo data: rule sets, a Swedish society with its groups, leaders at every stage, demo logins."""
    from .services.platform import demo

    with writing():
        if if_empty and not demo.database_is_empty():
            click.echo("The database holds data already; demo data not loaded.")
            return
        groups = scale or 40
        started = time.perf_counter()
        with click.progressbar(length=groups, label="Generating groups", show_pos=True) as bar:
            done = {"n": 0}

            def progress(n):
                bar.update(n - done["n"])
                done["n"] = n

            summary = demo.seed(groups, progress=progress)
        db.session.commit()
    # The flags inbox and the dashboard show what needs attention from the first page on.
    scan = demo.scan_after_seeding()
    click.echo(
        f"Created {summary.groups} groups, {summary.people} people, {summary.sessions} sessions, "
        f"{summary.training_records} training records, {summary.accreditations} accreditations "
        f"in {time.perf_counter() - started:.1f} s."
    )
    if scan is not None:
        click.echo(f"Lapse scan: {scan.get('open', 0)} open flags.")
    click.echo("Demo logins (http://127.0.0.1:5000/auth/login):")
    for role, (email, password) in summary.logins.items():
        click.echo(f"  {role:<8} {email}  password: {password}")


@click.command("scheduler")
@click.option("--fire-now", is_flag=True, help="Also run each daily job once, two seconds after start (for tests and drills).")
def scheduler(fire_now: bool) -> None:
    """Run the scheduler (lapse scan, reminders) until stopped; start it beside gunicorn.
    Several may run on several hosts: one is active, the others stand by."""
    import logging

    from flask import current_app

    from .scheduler import run_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_scheduler(current_app._get_current_object(), fire_now=fire_now)


@click.command("backup")
@click.argument("outdir", type=click.Path(file_okay=False))
def backup(outdir: str) -> None:
    """Copy the database (SQLite online backup, or pg_dump) and the storage folder into a new
    folder under OUTDIR, with a manifest of row counts. The last line is a JSON summary."""
    import json

    from flask import current_app

    from .services.errors import DomainError
    from .services.platform import backup as backups

    try:
        report = backups.make_backup(outdir, current_app.config["SQLALCHEMY_DATABASE_URI"],
                                     current_app.config["STORAGE_DIR"])
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Backup written to {report.folder}: {sum(report.counts.values())} rows in {len(report.counts)} "
               f"tables, {report.files} stored files, migration {report.revision}.")
    click.echo("Keep SECRET_KEY and any CERTIFICATE_SIGNING_* keys with it: they are not in the database.")
    click.echo(json.dumps(report.as_dict()))


@click.command("restore")
@click.argument("backup_dir", type=click.Path(exists=True, file_okay=False))
def restore(backup_dir: str) -> None:
    """Restore a backup folder into the configured (empty) database and storage folder, then
    check it: the migration revision against this code's head, every table's row count against
    the backup's manifest. The last line is a JSON summary."""
    import json

    from alembic.script import ScriptDirectory
    from flask import current_app

    from .services.errors import DomainError
    from .services.platform import backup as backups

    head = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config()).get_current_head()
    try:
        summary = backups.restore(backup_dir, current_app.config["SQLALCHEMY_DATABASE_URI"],
                                  current_app.config["STORAGE_DIR"], head)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Restored {summary['rows']} rows in {summary['tables']} tables and {summary['files']} stored files; "
               f"row counts match the manifest.")
    click.echo(json.dumps(summary))


@click.group("imports")
def imports_group() -> None:
    """CSV imports waiting to be checked or created."""


@imports_group.command("run")
@click.option("--seconds", type=click.FloatRange(min=1), default=600, show_default=True,
              help="Stop starting new work after this long.")
def run_imports(seconds: float) -> None:
    """Advance every open import now (what the scheduler's import job does every few seconds).
    Run it where no scheduler runs, or while it is stopped."""
    from .models import ImportBatch
    from .services.membership import import_jobs

    worked = import_jobs.run_pending(seconds=seconds)
    rows = db.session.execute(db.select(ImportBatch.id, ImportBatch.status, ImportBatch.imported_count)
                              .order_by(ImportBatch.id.desc()).limit(max(worked, 1))).all()
    click.echo(f"{worked} open import(s) worked on." + "".join(
        f"\n  import {row.id}: {row.status} ({row.imported_count} rows imported)" for row in rows if worked))


@click.group("directory")
def directory_group() -> None:
    """The public directory's published summaries."""


@directory_group.command("rebuild")
def rebuild_directory() -> None:
    """Rewrite every group's published summary. Not needed for a right answer (a summary out of its days is
    rebuilt when read, and every change rewrites its groups'): for after a restore or a manual change in SQL."""
    from .services.groups import summaries

    with writing():
        written = summaries.rebuild_all()
        db.session.commit()
    click.echo(f"{written} group summaries written.")


@click.group("privacy")
def privacy_group() -> None:
    """Personal data: a person's export, erasure on request, retention by the society's rules."""


@privacy_group.command("export")
@click.argument("email")
def privacy_export(email: str) -> None:
    """Everything held about the person with this e-mail address, as JSON on standard output (audited)."""
    from .services.errors import DomainError
    from .services.privacy import export

    with writing():
        try:
            person = export.find_person(email)
        except DomainError as error:
            raise click.ClickException(error.message) from error
        data = export.export(person)
        export.record(person, "cli")
        db.session.commit()
    click.echo(export.as_json(data))


@privacy_group.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Erase without asking; without it the command only says what it would do.")
def privacy_erase(email: str, yes: bool) -> None:
    """Erase the person with this e-mail address; what law or the society's rules require is kept
    under a pseudonym until its time ends. The last line is a JSON summary."""
    import json
    from datetime import date

    from .services.errors import DomainError
    from .services.privacy import erasure, export

    with writing():
        try:
            person = export.find_person(email)
        except DomainError as error:
            raise click.ClickException(error.message) from error
        if not yes:
            click.echo(json.dumps(erasure.plan(person, date.today()), default=str))
            raise click.ClickException("Nothing erased: add --yes to erase this person.")
        try:
            summary = erasure.erase(person, date.today())
        except DomainError as error:
            raise click.ClickException(error.message) from error
        db.session.commit()
    erasure.wipe_free_pages()
    result = summary.as_dict()
    click.echo(f"Erased person {result['person_id']}: now {result['pseudonym']}; "
               f"{result['audit_events_pseudonymised']} audit events pseudonymised, {result['files_removed']} files removed.")
    for item in result["kept"]:
        click.echo(f"Kept {item['rows']} {item['what']} until {item['until']}: {item['reason']}.")
    click.echo(json.dumps(result))


@privacy_group.command("retention")
@click.option("--dry-run", is_flag=True, help="List what would be removed; change nothing.")
@click.option("--today", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Apply the rules as if today were this date (YYYY-MM-DD).")
def privacy_retention(dry_run: bool, day) -> None:
    """Apply every society's retention rules now (what the daily retention job does). The last
    line is a JSON summary."""
    import json
    import sys
    from datetime import date, timedelta

    from .services.platform import job_runs
    from .services.privacy import retention

    day = day.date() if day else date.today()
    if dry_run:
        with writing():
            items = retention.due(day)
            retention.record_dry_run(items, society_id=None)
            db.session.commit()
        for item in items:
            if item.count:
                click.echo(f"{item.society_code} {item.rule}: {item.description}")
        if not any(item.count for item in items):
            click.echo("Nothing to remove.")
        for kept in retention.kept_for_later(day):
            click.echo(f"Later, on {kept.keep_until + timedelta(days=1)}: {kept.rows} {kept.kind} of erased person "
                       f"{kept.person_id} ({kept.reason}).")
        click.echo(json.dumps({"dry_run": True, "day": day.isoformat(), **retention.totals(items)}))
        return
    run = job_runs.run("retention", day, trigger="cli")
    counts = json.loads(run.counts) if run.counts else {}
    counts.pop("by_society", None)
    if run.error:
        click.echo(run.error, err=True)
    click.echo(json.dumps({"dry_run": False, "day": day.isoformat(), "job_run_id": run.id, "outcome": run.outcome,
                           **counts}))
    if run.outcome != "succeeded":
        sys.exit(1)
