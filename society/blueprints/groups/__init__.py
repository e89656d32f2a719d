"""The administrators' group pages: list, create and edit, leaders and participants, export."""
import json

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("groups", __name__, url_prefix="/admin/groups")
navigation.add("groups.index", _l("Groups"), ("admin",), order=30)

from . import roster_views, views  # noqa: E402,F401


@bp.app_template_filter("group_history_changes")
def group_history_changes(changes: str | None) -> list[tuple[str, list]]:
    """An audit event's changes ({field: [old, new]} as JSON) as pairs, for the history table."""
    if not changes:
        return []
    try:
        data = json.loads(changes)
    except ValueError:
        return []
    return [(name, value) for name, value in data.items() if isinstance(value, list) and len(value) == 2]
