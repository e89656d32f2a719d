"""Rule sets as data: administrators list, read, create and edit their society's rule sets,
versions and requirements (/admin/rule-sets)."""
from flask import Blueprint

from ... import navigation
from ...presentation.rules import quantity


def N_(message: str) -> str:
    """Marks a message for extraction; the navigation translates it when it renders."""
    return message


bp = Blueprint("rulesets", __name__, url_prefix="/admin/rule-sets")
bp.add_app_template_filter(quantity, "quantity")
navigation.add("rulesets.index", N_("Rule sets"), ("admin",), 45)

from . import views  # noqa: E402,F401
