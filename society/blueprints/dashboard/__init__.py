"""The administrator's home: what needs attention, and charts of the society."""
from flask import Blueprint

from ... import navigation

bp = Blueprint("dashboard", __name__, url_prefix="/admin")
navigation.add("dashboard.index", "Dashboard", ("admin",), order=10)  # label translated by nav_items
navigation.set_landing("admin", "dashboard.index")

from . import views  # noqa: E402,F401
