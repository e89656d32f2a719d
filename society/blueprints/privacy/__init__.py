from flask import Blueprint

# Personal data: "My data" for leaders and members (in the bar's Account menu, base.html); export and
# erasure from the member's record and the retention dry run for administrators.
bp = Blueprint("privacy", __name__)

from . import views  # noqa: E402,F401
