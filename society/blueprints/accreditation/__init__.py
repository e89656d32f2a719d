"""Accreditation: administrators decide on applications and manage accreditations
(/admin/accreditations); leaders follow their progress, apply and read their history (/portal)."""
from flask import Blueprint

from ... import navigation


def N_(message: str) -> str:
    """Marks a message for extraction; the navigation translates it when it renders."""
    return message


bp = Blueprint("accreditation", __name__)
navigation.add("accreditation.applications", N_("Accreditation"), ("admin",), 40)
navigation.add("accreditation.my_progress", N_("My progress"), ("leader",), 20)
navigation.set_landing("leader", "accreditation.my_progress")

from . import admin_views, portal_views, supervisor_views  # noqa: E402,F401
