from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("flags", __name__, url_prefix="/admin/flags")
navigation.add("flags.inbox", _l("Flags"), ("admin",), order=80)

from . import views  # noqa: E402,F401
