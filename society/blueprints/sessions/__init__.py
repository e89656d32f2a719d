"""The session log: administrators and a group's own leaders record sessions and attendance."""
from flask import Blueprint

bp = Blueprint("sessions", __name__, url_prefix="/groups")
# Leaders reach their groups' sessions from "My groups" (portal.groups).

from . import views  # noqa: E402,F401
