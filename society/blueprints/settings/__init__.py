from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")
navigation.add("settings.society", _l("Settings"), ("admin",), order=95, menu=navigation.MORE)

from . import views  # noqa: E402,F401
