"""A member's own membership: status, dues and invoices, receipts, contact details, unsubscribe."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("membership", __name__, url_prefix="/membership")

# A leader's bar is full (progress, records, groups...): their membership is under Account.
navigation.add("membership.overview", _l("My membership"), ("member", "leader"), 60, in_account_for=("leader",))
if "member" not in navigation.landing:  # the participant's portal may claim the landing first
    navigation.set_landing("member", "membership.overview")

from . import views  # noqa: E402,F401
