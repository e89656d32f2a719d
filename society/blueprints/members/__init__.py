from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("members", __name__, url_prefix="/admin/members")

navigation.add("members.index", _l("Members"), ("admin",), order=20)

from . import views, qualification_views  # noqa: E402,F401
