"""Rule sets as data: administrators list, read, create and edit their society's rule sets,
versions and requirements (/admin/rule-sets); ``flask rules ...`` judges a ledger file."""
from flask import Blueprint

from ... import navigation


def N_(message: str) -> str:
    """Marks a message for extraction; the navigation translates it when it renders."""
    return message


bp = Blueprint("rulesets", __name__, url_prefix="/admin/rule-sets", cli_group="rules")
navigation.add("rulesets.index", N_("Rule sets"), ("admin",), 45, menu=navigation.MORE)

from . import cli, views, what_if_views  # noqa: E402,F401
