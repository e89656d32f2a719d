"""CORS for every /api/ response, and a strong validator for static JSON (the OpenAPI document)."""
import hashlib

from flask import request

from .answers import max_age
from .blueprints import API_PREFIX

EXPOSED_HEADERS = ("ETag, Last-Modified, Link, X-Pagination, Retry-After, "
                   "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset")
ALLOWED_REQUEST_HEADERS = "If-None-Match, If-Modified-Since, Accept, Accept-Language"


def add_cors_headers(response):
    if not request.path.startswith(API_PREFIX):
        return response
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        headers["Access-Control-Allow-Headers"] = ALLOWED_REQUEST_HEADERS
        headers["Access-Control-Max-Age"] = "86400"
    elif (request.method in ("GET", "HEAD") and response.status_code == 200 and "ETag" not in headers
          and not response.direct_passthrough and response.is_json):
        # Static JSON (the OpenAPI document): a strong validator from the bytes themselves.
        headers["Cache-Control"] = f"public, max-age={max_age()}"
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
        response.make_conditional(request)
    return response
