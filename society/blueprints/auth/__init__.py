from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from . import twofactor, views  # noqa: E402,F401
