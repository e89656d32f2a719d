"""The administrators' group pages: list, create and edit, leaders and participants, openness history, export."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("groups", __name__, url_prefix="/admin/groups")
navigation.add("groups.index", _l("Groups"), ("admin",), order=30)

from . import openness_views, roster_views, views  # noqa: E402,F401
