"""The administrator's home: what needs attention, and charts of the society."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("dashboard", __name__, url_prefix="/admin")
navigation.add("dashboard.index", _l("Dashboard"), ("admin",), order=10)
navigation.set_landing("admin", "dashboard.index")

from . import views  # noqa: E402,F401
