"""Certificates: public verification, holders' downloads, administrators' issuing and zips,
the JSON verification API and the ``flask certificates ...`` commands."""
from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

from ... import navigation
from ...services.certificates import issuing as _issuing  # noqa: F401  (issues a certificate on every grant or renewal)


def N_(text: str) -> str:
    """Marks a string for translation; navigation translates it when the menu is drawn."""
    return text


bp = Blueprint("certificates", __name__, cli_group="certificates")
api_bp = ApiBlueprint("verify", __name__, url_prefix="/api/v1/certificates",
                      description="Check a certificate by its number: anyone, without logging in.")

navigation.add("certificates.admin_list", N_("Certificates"), ("admin",), order=70, menu=navigation.MORE)
navigation.add("certificates.mine", N_("My certificates"), ("leader", "member"), order=70)

from . import admin, api, cli, views  # noqa: E402,F401
