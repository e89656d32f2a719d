"""`flask --app society webhooks add URL [--secret whsec_...] [--events ...] [--society CODE]` and `webhooks list`."""
import click
from sqlalchemy import select

from ...database import writing
from ...extensions import db
from ...models import Society
from ...models.webhooks import WEBHOOK_EVENT_TYPES
from ...schemas.webhooks import SubscriptionSchema
from ...services.platform import webhooks
from . import bp


def _society(code: str | None) -> Society:
    societies = list(db.session.scalars(select(Society).order_by(Society.code)))
    if code is None and len(societies) == 1:
        return societies[0]
    for society in societies:
        if society.code == code:
            return society
    known = ", ".join(society.code for society in societies) or "none yet"
    raise click.ClickException(f"Name the society with --society (one of: {known}).")


@bp.cli.command("add")
@click.argument("url")
@click.option("--secret", default=None, help="whsec_ and base64 of 24-64 bytes; a new one is made when not given.")
@click.option("--events", default="", help=f"Event types, space- or comma-separated; all when not given. "
                                           f"Types: {', '.join(WEBHOOK_EVENT_TYPES)}.")
@click.option("--society", "society_code", default=None, help="Code of the society whose events are sent.")
def add(url: str, secret: str | None, events: str, society_code: str | None) -> None:
    """Subscribe URL to the society's events; prints the subscription's id and secret."""
    raw = {"url": url, "events": events, **({"secret": secret} if secret else {})}
    errors = SubscriptionSchema().validate(raw)
    if errors:
        raise click.ClickException("; ".join(f"{field}: {' '.join(map(str, messages))}"
                                             for field, messages in errors.items()))
    data = SubscriptionSchema().load(raw)
    with writing():
        society = _society(society_code)
        subscription = webhooks.subscribe(society.id, data["url"], secret=data["secret"], events=data["events"])
        db.session.commit()
    click.echo(f"Subscription {subscription.id} for {society.code}: {subscription.url}")
    click.echo(f"events: {subscription.events or 'all'}")
    click.echo(f"secret: {subscription.secret}")


@bp.cli.command("list")
def list_subscriptions() -> None:
    """Every subscription: id, society, active, events, URL."""
    codes = dict(db.session.execute(select(Society.id, Society.code)).all())
    for subscription in webhooks.subscriptions_of():
        click.echo(f"{subscription.id}\t{codes[subscription.society_id]}\t"
                   f"{'active' if subscription.active else 'disabled'}\t{subscription.events or 'all'}\t"
                   f"{subscription.url}")
