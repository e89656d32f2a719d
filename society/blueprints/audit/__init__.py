from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

navigation.add("audit.index", _l("Audit"), ("admin",), order=90, menu=navigation.MORE)


from . import views  # noqa: E402,F401
