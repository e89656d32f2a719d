"""The public JSON directory of groups and societies, under /api/v1 (see docs/ARCHITECTURE.md)."""
from ...api import public_blueprint

api_bp = public_blueprint(
    "directory", __name__,
    description="The public directory of Balint groups and the societies that register them. "
                "No personal data beyond leaders' names and accreditation.",
)

from . import views  # noqa: E402,F401
