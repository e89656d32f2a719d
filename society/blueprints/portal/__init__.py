"""The leaders' portal: their own training records, records to countersign, their groups."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("portal", __name__, url_prefix="/portal")

navigation.add("portal.records", _l("My records"), ("leader",), 30, prefix="portal.record")
navigation.add("portal.new_record", _l("Log a record"), ("leader",), 31, prefix="portal.new_record")
def _may_countersign(user) -> bool:
    from ...services.training.next_actions import may_countersign

    return user.person_id is not None and may_countersign(user.person_id)


# A trainee, never accredited, can never countersign: no menu entry to a list that stays empty.
navigation.add("portal.countersign", _l("To countersign"), ("leader",), 32, prefix="portal.countersign",
               when=_may_countersign)
navigation.add("portal.groups", _l("My groups"), ("leader",), 33, prefix="portal.groups")
navigation.add("portal.qualifications_page", _l("My qualifications"), ("leader",), 34, prefix="portal.qualification",
               menu=navigation.MORE)
if "leader" not in navigation.landing:  # another portal page may claim the landing first
    navigation.set_landing("leader", "portal.records")

from . import views, qualification_views  # noqa: E402,F401
