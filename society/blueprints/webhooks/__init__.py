from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks", cli_group="webhooks")
navigation.add("webhooks.index", _l("Webhooks"), ("admin",), order=92, menu=navigation.MORE)

from . import cli, views  # noqa: E402,F401
