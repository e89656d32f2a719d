from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("imports", __name__, url_prefix="/admin/imports")

navigation.add("imports.index", _l("Imports"), ("admin",), order=80, menu=navigation.MORE)

from . import views  # noqa: E402,F401
