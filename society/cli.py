"""`flask --app society ...` commands: thin wrappers over services."""
import time

import click
from flask import Flask

from .database import writing
from .extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(scheduler)


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
