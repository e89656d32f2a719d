"""Administrators: a bank's payment file matched to dues invoices, previewed, then booked."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("payments", __name__, url_prefix="/admin/payments")

navigation.add("payments.index", _l("Bank payments"), ("admin",), order=81, menu=navigation.MORE)

from . import views  # noqa: E402,F401
