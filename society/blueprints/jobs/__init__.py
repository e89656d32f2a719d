from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs", cli_group="jobs")
navigation.add("jobs.dashboard", _l("Jobs"), ("admin",), order=90, menu=navigation.MORE)

from . import cli, views  # noqa: E402,F401
