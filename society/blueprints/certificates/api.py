"""``GET /api/v1/certificates/<number>``: a certificate's standing, for anyone."""
from datetime import date

from ...access import public
from ...extensions import limiter
from ...schemas.certificates import VerificationSchema
from ...services.certificates import issuing as certificates
from . import api_bp
from .views import rate_limit


@api_bp.route("/<string:number>")
@public
@limiter.limit(rate_limit)
@api_bp.response(200, VerificationSchema)
@api_bp.alt_response(404, description="No certificate has this number (problem details).")
def certificate(number: str):
    """Status of a certificate today, with what is printed on it.

    Answers valid, expiring, expired, suspended, revoked (with the society's public reason)
    or invalid, the holder's name, the credential, the society and the dates; nothing else."""
    return certificates.verify(number, date.today())
