"""The public group finder (no login): search, a group's join details, "contact the leaders",
an embeddable variant; and the leaders' personal calendar feeds at their secret addresses."""
from flask import Blueprint

bp = Blueprint("finder", __name__)

from . import views  # noqa: E402,F401
