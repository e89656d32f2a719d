"""Participants' portal: their groups, the sessions they attended, hours and CME points per year,
their participant credentials, and their attendance certificates; administrators' year-end issue."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

bp = Blueprint("participation", __name__)



def _attends_groups(user) -> bool:
    """Members always; a leader only once they attended a group as a participant (the bar stays short)."""
    from ...services.groups.participation import attends_any

    return user.role == "member" or (user.person_id is not None and attends_any(user.person_id))


navigation.add("participation.mine", _l("My attendance"), ("member", "leader"), 25, prefix="participation.mine",
               when=_attends_groups)
navigation.add("participation.year_end", _l("Year-end attendance"), ("admin",), 71,
               prefix="participation.year_end", menu=navigation.MORE)
if "member" not in navigation.landing:
    navigation.set_landing("member", "participation.mine")

from . import views  # noqa: E402,F401
