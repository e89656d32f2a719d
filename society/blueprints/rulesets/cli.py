"""``flask --app society rules ...``: a ledger file judged against a rule set, and the ledger's schema."""
import json
from datetime import date

import click

from ...services.accreditation import ledger_schema, ledger_verdict
from ...services.accreditation.ledger_file import LedgerError, load_ledger
from ...services.errors import DomainError
from . import bp


@bp.cli.command("evaluate")
@click.argument("rule_set")
@click.argument("ledger_file", metavar="LEDGER.json", type=click.File("r", encoding="utf-8"))
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to judge on (YYYY-MM-DD); else the ledger's own \"on\", else today.")
@click.option("--society", "society_code", default=None,
              help="The society's code, when several societies have a rule set with this code.")
@click.option("--shipped", is_flag=True, help="Use the rule sets shipped with the application, not the database's.")
def evaluate(rule_set: str, ledger_file, on, society_code: str | None, shipped: bool) -> None:
    """Judge LEDGER.json against RULE_SET[@VERSION] and print the verdict as JSON.

    Exits 0 whether the rules are met or not ("met" says which); non-zero for a file that is not
    a ledger or a rule set or version that does not exist.
    """
    try:
        data = json.load(ledger_file)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{ledger_file.name} is not JSON: {error}") from error
    if isinstance(data, dict) and not data.get("rule_set"):
        data = {**data, "rule_set": rule_set}  # the argument names it; the file need not
    try:
        ledger = load_ledger(data)
        day = on.date() if on else ledger.on or date.today()
        result = ledger_verdict.evaluate_ledger(ledger, day, reference=rule_set,
                                                society_code=society_code, shipped=shipped)
    except LedgerError as error:
        raise click.ClickException(f"{ledger_file.name} is not a valid ledger:\n  " + "\n  ".join(error.problems)) from error
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(json.dumps(result, indent=2, ensure_ascii=False))


@bp.cli.command("ledger-schema")
def print_ledger_schema() -> None:
    """Print the JSON Schema of a ledger file (docs/ledger.schema.json is this output)."""
    click.echo(ledger_schema.schema_text(), nl=False)
