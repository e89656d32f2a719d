"""Administrators' pages for the training ledger: review pending records, a leader's ledger."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("ledger", __name__, url_prefix="/admin/records")

navigation.add("ledger.review", _l("Records"), ("admin",), 40)

from . import views, import_views  # noqa: E402,F401
