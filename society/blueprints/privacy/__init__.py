from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import navigation

# Personal data: "My data" for leaders and members; export and erasure from the member's record
# and the retention dry run for administrators.
bp = Blueprint("privacy", __name__)
navigation.add("privacy.mine", _l("My data"), ("leader", "member"), order=95, prefix="privacy.mine",
               when=lambda user: user.person_id is not None)

from . import views  # noqa: E402,F401
