from flask import Blueprint

# A member's login, managed from the member's record by their society's administrators.
bp = Blueprint("logins", __name__, url_prefix="/admin/members")

from . import views  # noqa: E402,F401
