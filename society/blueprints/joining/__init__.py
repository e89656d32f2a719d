"""Join details: administrators (any group of their society) and leaders (their own groups) edit what
someone who wants to join needs, and the exceptions to the group's rhythm; a leader's personal calendar feed."""
from flask import Blueprint

bp = Blueprint("joining", __name__)

from . import views  # noqa: E402,F401
