"""The session log: administrators and a group's own leaders record sessions and attendance."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("sessions", __name__, url_prefix="/groups")
navigation.add("sessions.mine", _l("My groups"), ("leader",), order=20)

from . import views  # noqa: E402,F401
