"""The session log: administrators and a group's own leaders record sessions and attendance."""
from flask import Blueprint

from ... import navigation

bp = Blueprint("sessions", __name__, url_prefix="/groups")
navigation.add("sessions.mine", "My groups", ("leader",), order=20)  # label translated by nav_items

from . import views  # noqa: E402,F401
